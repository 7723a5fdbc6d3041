"""The thin fetch layer: one batched tickers request per venue, outages kept as data."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from xtoolkit._client import AsyncClient
from xtoolkit._errors import BadSymbol, UnknownMarket, XtoolkitError
from xtoolkit._frames import frame
from xtoolkit.research._common import OUTAGE, now_utc, typed

__all__ = ["Quotes", "fetch_quotes"]


@dataclass(frozen=True, slots=True)
class Quotes:
    """One venue's answer to a batched tickers request.

    ``frame`` holds the tickers rows that came back (``tickers`` schema); ``error`` the typed
    error when the venue failed as a whole; ``unlisted`` the asked-for symbols it does not list.
    """

    exchange: str
    frame: pd.DataFrame
    received: pd.Timestamp
    error: XtoolkitError | None = None
    unlisted: frozenset[str] = field(default_factory=frozenset)

    _by_symbol: dict[str, tuple[float, float, float, pd.Timestamp]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def quote(self, symbol: str) -> tuple[float, float, float, pd.Timestamp] | None:
        """``(bid, ask, last, ts)`` of ``symbol`` (``"BTC/KRW"``), or None when it did not come
        back; the first row of a symbol counts, as in :meth:`row`."""
        index = self._by_symbol
        if index is None:
            # Read the frame once into a dict (a mask per lookup cost ~1 ms a leg).
            df = self.frame
            index = {}
            for sym, *values in zip(
                df["symbol"].tolist(),
                df["bid"].tolist(),
                df["ask"].tolist(),
                df["last"].tolist(),
                df["ts"].tolist(),
                strict=True,
            ):
                index.setdefault(sym, tuple(values))  # type: ignore[arg-type]
            object.__setattr__(self, "_by_symbol", index)
        return index.get(symbol)

    def row(self, symbol: str) -> pd.Series | None:
        """The tickers row of ``symbol`` (``"BTC/KRW"``), or None when it did not come back."""
        hit = self.frame[self.frame["symbol"] == symbol]
        return None if hit.empty else hit.iloc[0]


async def _one(engine: AsyncClient, exchange: str, symbols: Sequence[str]) -> Quotes:
    markets = [f"{exchange}:{s}" for s in symbols]
    try:
        try:
            df = await typed(engine.tickers(markets))
            return Quotes(exchange, df, now_utc())
        except (UnknownMarket, BadSymbol) as exc:
            # One unlisted base must not sink the batch: drop it and ask again. After an
            # UnknownMarket the client has just refreshed and cached the venue's market list,
            # so this costs no extra request; a bare BadSymbol means the list may be stale.
            table = await typed(engine.markets(exchange, refresh=isinstance(exc, BadSymbol)))
            listed = set(table["symbol"])
            keep = [s for s in symbols if s in listed]
            unlisted = frozenset(s for s in symbols if s not in listed)
            if not unlisted:
                raise
            df = await typed(engine.tickers([f"{exchange}:{s}" for s in keep])) if keep else frame("tickers")
            return Quotes(exchange, df, now_utc(), unlisted=unlisted)
    except OUTAGE as exc:
        return Quotes(exchange, frame("tickers"), now_utc(), error=exc)  # type: ignore[arg-type]


async def fetch_quotes(engine: AsyncClient, wanted: Mapping[str, Sequence[str]]) -> dict[str, Quotes]:
    """Tickers of many symbols on several venues: one batched request per venue, concurrently.

    ``wanted`` maps an exchange to unified symbols (``{"upbit": ["BTC/KRW", "USDT/KRW"]}``).
    A venue that fails (transport or exchange error) comes back with ``error`` set, never raised.
    """
    names = [ex for ex, syms in wanted.items() if syms]
    results = await asyncio.gather(*(_one(engine, ex, list(dict.fromkeys(wanted[ex]))) for ex in names))
    return dict(zip(names, results, strict=True))
