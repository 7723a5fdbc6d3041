"""The best-known peer, ccxt, pointed at the sandbox purely by configuration.

``urls['api']`` overrides and ``options`` (no currency or margin endpoints, spot markets only)
— no patched logic. Its own throttle is off (``enableRateLimit=False``): the benchmark paces
every contender inside the venues' budgets, so this is the peer at its fastest. Results are
turned into the same frames as the bare baseline's (shared builders in :mod:`.frames`).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from benchlib.frames import Quote, balances_frame, book_frame, compare_frame, premium_frame, tickers_frame

__all__ = ["Peer", "ccxt_version"]

SYMBOL = {"binance": "BTC/USDT", "upbit": "BTC/KRW"}


def ccxt_version() -> str | None:
    try:
        import ccxt
    except ImportError:
        return None
    return str(ccxt.__version__)


class Peer:
    """The ccxt contender (``ccxt.async_support``). ``requests`` counts HTTP calls per venue."""

    def __init__(self, url: str, keys: dict[str, tuple[str, str]]) -> None:
        import ccxt.async_support as ccxt

        self.requests: Counter[str] = Counter()
        bkey, bsecret = keys["binance"]
        self.binance = ccxt.binance(
            {
                "apiKey": bkey,
                "secret": bsecret,
                "enableRateLimit": False,
                "timeout": 10_000,
                "options": {
                    "defaultType": "spot",
                    "fetchCurrencies": False,  # would call /sapi (not a spot REST endpoint)
                    "fetchMargins": False,
                    "fetchMarkets": {"types": ["spot"]},
                },
            }
        )
        self.binance.urls["api"]["public"] = f"{url}/api/v3"
        self.binance.urls["api"]["private"] = f"{url}/api/v3"
        ukey, usecret = keys["upbit"]
        self.upbit = ccxt.upbit(
            {"apiKey": ukey, "secret": usecret, "enableRateLimit": False, "timeout": 10_000}
        )
        self.upbit.urls["api"] = {"public": url, "private": url}
        for venue, ex in (("binance", self.binance), ("upbit", self.upbit)):
            self._count(venue, ex)

    def _count(self, venue: str, ex: Any) -> None:
        # Counting wrapper around ccxt's one HTTP entry point (an instance attribute, not a patch
        # of its logic): every request ccxt sends passes through ``fetch``.
        fetch = ex.fetch

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.requests[venue] += 1
            return await fetch(*args, **kwargs)

        ex.fetch = counted

    def _ex(self, venue: str) -> Any:
        return self.binance if venue == "binance" else self.upbit

    async def open(self) -> None:
        """Load both venues' markets (ccxt needs them before any call; untimed warm-up)."""
        await asyncio.gather(self.binance.load_markets(), self.upbit.load_markets())

    async def aclose(self) -> None:
        await asyncio.gather(self.binance.close(), self.upbit.close())

    async def ticker(self, venue: str) -> pd.DataFrame:
        ex, sym = self._ex(venue), SYMBOL[venue]
        if venue == "binance":
            t = await ex.fetch_ticker(sym)
            bid, bid_qty, ask, ask_qty = t["bid"], t["bidVolume"], t["ask"], t["askVolume"]
        else:
            # Upbit's ticker has no bid/ask: the book top is a second request, as xtoolkit does.
            t, ob = await asyncio.gather(ex.fetch_ticker(sym), ex.fetch_order_book(sym, 1))
            (bid, bid_qty), (ask, ask_qty) = ob["bids"][0][:2], ob["asks"][0][:2]
        return tickers_frame(
            venue,
            {
                "symbol": [sym],
                "bid": [bid],
                "bid_qty": [bid_qty],
                "ask": [ask],
                "ask_qty": [ask_qty],
                "last": [t["last"]],
                "volume_24h": [t["baseVolume"]],
                "quote_volume_24h": [t["quoteVolume"]],
                "change_24h_pct": [t["percentage"]],
                "ts": [t["timestamp"]],
            },
        )

    async def orderbook(self, venue: str, depth: int) -> pd.DataFrame:
        ex, sym = self._ex(venue), SYMBOL[venue]
        ob = await ex.fetch_order_book(sym, depth)
        bids = [lv[:2] for lv in ob["bids"]]
        asks = [lv[:2] for lv in ob["asks"]]
        return book_frame(venue, sym, bids, asks, ob["timestamp"] or int(time.time() * 1000))

    async def balances(self, venue: str) -> pd.DataFrame:
        b = await self._ex(venue).fetch_balance()
        assets = list(b["total"])
        return balances_frame(
            venue, assets, [b["free"][a] or 0 for a in assets], [b["used"][a] or 0 for a in assets]
        )

    async def _quotes(self, bases: Sequence[str]) -> tuple[dict[str, Quote], dict[str, Quote], Quote]:
        up_syms = [f"{b}/KRW" for b in bases] + ["USDT/KRW"]
        bn, tick, books = await asyncio.gather(
            self.binance.fetch_tickers([f"{b}/USDT" for b in bases]),
            self.upbit.fetch_tickers(up_syms),
            self.upbit.fetch_order_books(up_syms, 1),
        )
        binance = {s: (t["bid"], t["ask"], t["last"], t["timestamp"]) for s, t in bn.items()}
        upbit: dict[str, Quote] = {}
        for s, t in tick.items():
            ob = books[s]
            upbit[s] = (ob["bids"][0][0], ob["asks"][0][0], t["last"], t["timestamp"])
        return binance, upbit, upbit.pop("USDT/KRW")

    async def compare(self, bases: Sequence[str]) -> pd.DataFrame:
        binance, upbit, fx = await self._quotes(bases)
        return compare_frame(bases, binance, upbit, fx)

    async def premium(self, bases: Sequence[str]) -> pd.DataFrame:
        binance, upbit, fx = await self._quotes(bases)
        return premium_frame(bases, binance, upbit, fx)
