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
from benchlib.harness import BASES

__all__ = ["Peer", "PeerDicts", "ccxt_version"]

SYMBOL = {"binance": "BTC/USDT", "upbit": "BTC/KRW"}
QUOTE = {"binance": "USDT", "upbit": "KRW"}


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

    async def _ticker_dicts(self, venue: str, base: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """ccxt's own answer: the unified ticker (and Upbit's book top, a second request)."""
        ex, sym = self._ex(venue), f"{base}/{QUOTE[venue]}"
        if venue == "binance":
            return await ex.fetch_ticker(sym), None
        # Upbit's ticker has no bid/ask: the book top is a second request, as xtoolkit does.
        t, ob = await asyncio.gather(ex.fetch_ticker(sym), ex.fetch_order_book(sym, 1))
        return t, ob

    async def ticker(self, venue: str, base: str = "BTC") -> Any:
        t, ob = await self._ticker_dicts(venue, base)
        if ob is None:
            bid, bid_qty, ask, ask_qty = t["bid"], t["bidVolume"], t["ask"], t["askVolume"]
        else:
            (bid, bid_qty), (ask, ask_qty) = ob["bids"][0][:2], ob["asks"][0][:2]
        return tickers_frame(
            venue,
            {
                "symbol": [t["symbol"]],
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

    async def tickers20(self, venue: str) -> list[Any]:
        """20 one-market ticker calls at once."""
        return list(await asyncio.gather(*(self.ticker(venue, b) for b in BASES)))

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


class PeerDicts(Peer):
    """ccxt as its users get it: the same requests, its plain dicts, no frame built.

    The price of a dict — what "a frame for nearly the price of a dict" is measured against.
    """

    async def ticker(self, venue: str, base: str = "BTC") -> Any:
        return await self._ticker_dicts(venue, base)

    async def orderbook(self, venue: str, depth: int) -> Any:
        return await self._ex(venue).fetch_order_book(SYMBOL[venue], depth)

    async def balances(self, venue: str) -> Any:
        return await self._ex(venue).fetch_balance()


def ccxt_pandas_version() -> str | None:
    try:
        from importlib.metadata import version

        import ccxt_pandas  # noqa: F401
    except ImportError:
        return None
    return version("ccxt-pandas")


class PeerPandas(Peer):
    """ccxt-pandas (``AsyncCCXTPandasExchange`` around the same ccxt objects): the DataFrame
    peer as published. Its frames have its own columns, so they are timed, not shape-checked."""

    def __init__(self, url: str, keys: dict[str, tuple[str, str]]) -> None:
        super().__init__(url, keys)
        from ccxt_pandas import AsyncCCXTPandasExchange

        self.pd_binance = AsyncCCXTPandasExchange(exchange=self.binance)
        self.pd_upbit = AsyncCCXTPandasExchange(exchange=self.upbit)

    def _pd(self, venue: str) -> Any:
        return self.pd_binance if venue == "binance" else self.pd_upbit

    async def ticker(self, venue: str, base: str = "BTC") -> Any:
        ex, sym = self._pd(venue), f"{base}/{QUOTE[venue]}"
        if venue == "binance":
            return await ex.fetch_ticker(symbol=sym)
        return await asyncio.gather(ex.fetch_ticker(symbol=sym), ex.fetch_order_book(symbol=sym, limit=1))

    async def orderbook(self, venue: str, depth: int) -> Any:
        return await self._pd(venue).fetch_order_book(symbol=SYMBOL[venue], limit=depth)

    async def balances(self, venue: str) -> Any:
        return await self._pd(venue).fetch_balance()
