"""The thin fetch layer: one batched tickers request per venue, outages kept as data."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pandas as pd

from xtoolkit._client import AsyncClient
from xtoolkit._errors import BadSymbol, UnknownMarket, XtoolkitError
from xtoolkit._frames import TypedColumns, frame
from xtoolkit.research._common import OUTAGE, now_utc, typed

__all__ = ["Quotes", "fetch_quotes"]


class Quotes:
    """One venue's answer to a batched tickers request.

    ``frame`` holds the tickers rows that came back (``tickers`` schema); ``error`` the typed
    error when the venue failed as a whole; ``unlisted`` the asked-for symbols it does not list.
    Built from a frame, or from the typed columns of one (what the fetch layer does: most
    readers only ask :meth:`quote`, and ``frame`` is then assembled on first use).
    """

    __slots__ = ("_by_symbol", "_frame", "_typed", "error", "exchange", "received", "unlisted")

    def __init__(
        self,
        exchange: str,
        rows: pd.DataFrame | TypedColumns,
        received: pd.Timestamp,
        error: XtoolkitError | None = None,
        unlisted: frozenset[str] = frozenset(),
    ) -> None:
        self.exchange = exchange
        self.received = received
        self.error = error
        self.unlisted = unlisted
        self._frame: pd.DataFrame | None = rows if isinstance(rows, pd.DataFrame) else None
        self._typed: TypedColumns | None = None if isinstance(rows, pd.DataFrame) else rows
        self._by_symbol: dict[str, tuple[float, float, float, pd.Timestamp]] | None = None

    def __repr__(self) -> str:
        state = f"error={type(self.error).__name__}" if self.error is not None else f"{self._rows()} rows"
        return f"<Quotes {self.exchange} {state}>"

    def _rows(self) -> int:
        return len(self._frame) if self._frame is not None else self._typed.n if self._typed else 0

    @property
    def frame(self) -> pd.DataFrame:
        """The ``tickers`` rows that came back."""
        if self._frame is None:
            assert self._typed is not None
            self._frame = self._typed.frame()
        return self._frame

    def quote(self, symbol: str) -> tuple[float, float, float, pd.Timestamp] | None:
        """``(bid, ask, last, ts)`` of ``symbol`` (``"BTC/KRW"``), or None when it did not come
        back; the first row of a symbol counts, as in :meth:`row`."""
        index = self._by_symbol
        if index is None:
            # Read the columns once into a dict (a mask per lookup cost ~1 ms a leg).
            names = ("symbol", "bid", "ask", "last", "ts")
            if self._frame is not None:
                columns = [self._frame[name].tolist() for name in names]
            else:
                assert self._typed is not None
                columns = [self._typed.values(name) for name in names]
            index = {}
            for sym, *values in zip(*columns, strict=True):
                index.setdefault(sym, tuple(values))  # type: ignore[arg-type]
            self._by_symbol = index
        return index.get(symbol)

    def row(self, symbol: str) -> pd.Series | None:
        """The tickers row of ``symbol`` (``"BTC/KRW"``), or None when it did not come back."""
        hit = self.frame[self.frame["symbol"] == symbol]
        return None if hit.empty else hit.iloc[0]


async def _one(engine: AsyncClient, exchange: str, symbols: Sequence[str]) -> Quotes:
    markets = [f"{exchange}:{s}" for s in symbols]
    try:
        try:
            rows = await typed(engine._ticker_arrays(markets))
            return Quotes(exchange, rows, now_utc())
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
            rows = await typed(engine._ticker_arrays([f"{exchange}:{s}" for s in keep])) if keep else frame("tickers")
            return Quotes(exchange, rows, now_utc(), unlisted=unlisted)
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
