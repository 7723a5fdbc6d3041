"""The xtoolkit contenders: ``AsyncClient`` (limiter on and off) and the blocking ``Client``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pandas as pd

import xtoolkit as xt
from benchlib.harness import BASES
from xtoolkit import research

__all__ = ["MARKET", "OursAsync", "OursSync", "client_kwargs"]

MARKET = {"binance": "binance:BTC/USDT", "upbit": "upbit:BTC/KRW"}
QUOTE = {"binance": "USDT", "upbit": "KRW"}


def client_kwargs(url: str, keys: dict[str, tuple[str, str]], **extra: Any) -> dict[str, Any]:
    """Keyword arguments pointing a client at the sandbox at ``url`` with its seeded keys."""
    return {
        "base_urls": {"binance": url, "upbit": url},
        "credentials": {k: xt.Credentials(*v) for k, v in keys.items()},
        "sandbox": True,
        "use_env": False,
        "env_file": None,
        **extra,
    }


def _sent(engine: xt.AsyncClient) -> dict[str, int]:
    return {name: engine.venue(name).requests_sent for name in engine.exchanges}


class OursAsync:
    """``xt.AsyncClient`` on the benchmark's event loop."""

    def __init__(self, url: str, keys: dict[str, tuple[str, str]], *, rate_limit: bool = True) -> None:
        self.client = xt.AsyncClient(**client_kwargs(url, keys, rate_limit=rate_limit))

    def requests(self) -> dict[str, int]:
        return _sent(self.client)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def ticker(self, venue: str) -> pd.DataFrame:
        return await self.client.tickers(MARKET[venue])

    async def tickers20(self, venue: str) -> list[pd.DataFrame]:
        """20 one-market ``tickers`` calls at once (what a notebook loop with gather does)."""
        calls = [self.client.tickers(f"{venue}:{b}/{QUOTE[venue]}") for b in BASES]
        return list(await asyncio.gather(*calls))

    async def orderbook(self, venue: str, depth: int) -> pd.DataFrame:
        return await self.client.orderbook(MARKET[venue], depth=depth)

    async def balances(self, venue: str) -> pd.DataFrame:
        return await self.client.balances(venue)

    async def compare(self, bases: Sequence[str]) -> pd.DataFrame:
        return await research.acompare(self.client, bases)

    async def premium(self, bases: Sequence[str]) -> pd.DataFrame:
        return await research.apremium(self.client, bases)


class OursSync:
    """The blocking ``xt.Client`` (its private loop thread), called from the main thread."""

    def __init__(self, url: str, keys: dict[str, tuple[str, str]]) -> None:
        self.client = xt.Client(**client_kwargs(url, keys))

    def requests(self) -> dict[str, int]:
        return _sent(self.client.engine)

    def close(self) -> None:
        self.client.close()

    def ticker(self, venue: str) -> pd.DataFrame:
        return self.client.tickers(MARKET[venue])

    def orderbook(self, venue: str, depth: int) -> pd.DataFrame:
        return self.client.orderbook(MARKET[venue], depth=depth)

    def balances(self, venue: str) -> pd.DataFrame:
        return self.client.balances(venue)

    def compare(self, bases: Sequence[str]) -> pd.DataFrame:
        return research.compare(self.client, bases)

    def premium(self, bases: Sequence[str]) -> pd.DataFrame:
        return research.premium(self.client, bases)
