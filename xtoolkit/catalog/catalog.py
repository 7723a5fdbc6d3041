"""The public :class:`Catalog`: a local market-data store you backfill, update and query."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from xtoolkit._client import AsyncClient, Client, _to_ms
from xtoolkit._errors import InvalidArgument
from xtoolkit.catalog import coverage, query
from xtoolkit.catalog.backfill import abackfill, venue_now_ms
from xtoolkit.catalog.layout import KINDS, Root, Series, resolve_root, symbol_from_path
from xtoolkit.catalog.store import read_candles, write_records

__all__ = ["Catalog"]


class Catalog:
    """Hive-partitioned Parquet of candles, trades and recorded rows, queried with DuckDB.

    >>> cat = xt.Catalog()                                   # $XTOOLKIT_HOME/catalog
    >>> cat.backfill(["binance:BTC/USDT", "upbit:BTC/KRW"], "1m", start="2026-09-01", client=client)
    >>> cat.sql("SELECT symbol, count(*) FROM candles GROUP BY symbol")

    ``where``: a path, ``file://...``, or any fsspec URL (needs fsspec); default
    ``$XTOOLKIT_HOME/catalog``. ``client``: a :class:`~xtoolkit.Client` used by
    :meth:`backfill` / :meth:`update` unless they are given one. Layout: see
    :mod:`xtoolkit.catalog.layout`.
    """

    def __init__(self, where: str | os.PathLike[str] | None = None, *, client: Client | None = None) -> None:
        self.root: Root = resolve_root(where)
        self.client = client

    @property
    def url(self) -> str:
        return self.root.url

    @property
    def path(self) -> str:
        return self.root.path

    def __repr__(self) -> str:
        return f"<Catalog {self.root.url}>"

    def _client(self, client: Client | None) -> Client:
        c = client or self.client
        if not isinstance(c, Client):
            raise InvalidArgument("backfill/update need a Client: Catalog(client=...) or client=")
        return c

    # --- filling ---------------------------------------------------------------------------

    def backfill(
        self,
        markets: str | Sequence[str],
        interval: str = "1m",
        start: Any = None,
        end: Any = None,
        *,
        client: Client | None = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Fetch the closed candles of ``markets`` in ``[start, end)`` the catalog lacks.

        ``end`` defaults to the venue's now; candles still forming are never stored. Safe to
        interrupt (Ctrl-C, a crash, :class:`~xtoolkit.IpBanned`): rerun it and it fetches only
        what is still missing. Errors are the client's typed errors.

        Returns
        -------
        DataFrame
            One row per market: exchange, symbol, interval, pieces (windows fetched, ≤ 1 UTC day
            each), rows (candles stored).
        """
        c = self._client(client)
        names = [markets] if isinstance(markets, str) else list(markets)
        return c.run(abackfill(self.root, c.engine, names, interval, start, end, progress=progress))

    async def abackfill(
        self,
        engine: AsyncClient,
        markets: str | Sequence[str],
        interval: str = "1m",
        start: Any = None,
        end: Any = None,
        *,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Awaitable :meth:`backfill` on an :class:`~xtoolkit.AsyncClient`."""
        names = [markets] if isinstance(markets, str) else list(markets)
        return await abackfill(self.root, engine, names, interval, start, end, progress=progress)

    def update(self, *, client: Client | None = None, progress: bool | None = None) -> pd.DataFrame:
        """Bring every stored candle series up to the venue's now (same frame as :meth:`backfill`)."""
        c = self._client(client)
        cov = self.coverage()
        cov = cov[cov["kind"] == "candles"]
        parts = []
        for (ex, sym, interval), grp in cov.groupby(["exchange", "symbol", "interval"], sort=True):
            first = int(grp["start"].min().value // 1_000_000)
            parts.append(
                self.backfill([f"{ex}:{sym}"], str(interval), first, None, client=c, progress=progress)
            )
        if not parts:
            return _empty_summary()
        return pd.concat(parts, ignore_index=True)

    def write(self, kind: str, rows: pd.DataFrame) -> int:
        """Append rows of ``kind`` (``trades``, ``record_premium``, ``record_tickers``); returns count."""
        if kind not in KINDS or kind == "candles":
            raise InvalidArgument(f"write() takes trades or record_* rows, not {kind!r} (candles: backfill)")
        return write_records(self.root, kind, rows)

    # --- reading ---------------------------------------------------------------------------

    def coverage(self) -> pd.DataFrame:
        """What the catalog holds.

        Returns
        -------
        DataFrame
            One row per contiguous covered range: kind, exchange, symbol, interval, start, end
            (UTC, end exclusive). Covered ranges include the venue's real gaps.
        """
        cols: dict[str, list[Any]] = {
            k: [] for k in ("kind", "exchange", "symbol", "interval", "start", "end")
        }
        for series in self._series():
            for lo, hi in coverage.load(self.root, series):
                for k, v in zip(
                    cols, (series.kind, series.exchange, series.symbol, series.interval), strict=False
                ):
                    cols[k].append(v)
                cols["start"].append(pd.Timestamp(lo, unit="ms", tz="UTC"))
                cols["end"].append(pd.Timestamp(hi, unit="ms", tz="UTC"))
        out = {k: pd.array(cols[k], dtype="str") for k in ("kind", "exchange", "symbol", "interval")}
        ts = {k: pd.DatetimeIndex(cols[k], dtype="datetime64[ns, UTC]") for k in ("start", "end")}
        return pd.DataFrame({**out, **{k: v.to_numpy() for k, v in ts.items()}}).astype(
            {"start": "datetime64[ns, UTC]", "end": "datetime64[ns, UTC]"}
        )

    def _series(self) -> list[Series]:
        found: list[Series] = []
        kind = "candles"
        for base in (self.root.join(f"kind={kind}"), self.root.join(f"_coverage/kind={kind}")):
            for ex in _dirs(self.root, base, "exchange="):
                for sym in _dirs(self.root, f"{base}/exchange={ex}", "symbol="):
                    for iv in _dirs(self.root, f"{base}/exchange={ex}/symbol={sym}", "interval=", files=True):
                        s = Series.of(kind, ex, symbol_from_path(sym), iv.removesuffix(".json"))
                        if s not in found:
                            found.append(s)
        return found

    def covers(self, market: str, interval: str, start: Any, end: Any) -> bool:
        """Whether ``[start, end)`` of ``market`` (``exchange:BASE/QUOTE``) is fully stored."""
        series = self._series_of(market, interval)
        lo, hi = _to_ms(start, "start"), _to_ms(end, "end")
        if lo is None or hi is None:
            return False
        # The venue answers a window with the candles *opening* in it: snap both ends up to
        # the grid, as coverage is kept on it.
        step = _step_ms(interval)
        lo, hi = -(-lo // step) * step, -(-hi // step) * step
        return not coverage.missing(coverage.load(self.root, series), lo, hi)

    def candles(self, market: str, interval: str = "1m", start: Any = None, end: Any = None) -> pd.DataFrame:
        """Stored candles of ``market`` with open_time in ``[start, end)`` (all when omitted).

        Returns the ``candles`` frame: exchange, symbol, interval, open_time, open, high, low,
        close, volume, quote_volume, trades, close_time, is_closed (always True).
        """
        series = self._series_of(market, interval)
        lo = _to_ms(start, "start")
        hi = _to_ms(end, "end")
        cov = coverage.load(self.root, series)
        if lo is None:
            lo = cov[0][0] if cov else 0
        if hi is None:
            hi = cov[-1][1] if cov else lo + 1
        return read_candles(self.root, series, lo, hi)

    @staticmethod
    def _series_of(market: str, interval: str) -> Series:
        if not isinstance(market, str) or ":" not in market or "/" not in market:
            raise InvalidArgument(f"name catalog markets as 'exchange:BASE/QUOTE', not {market!r}")
        ex, sym = market.split(":", 1)
        return Series.of("candles", ex.strip().lower(), sym.strip().upper(), interval)

    def sql(self, query_text: str, params: Any = None) -> pd.DataFrame:
        """Run DuckDB SQL over the views ``candles``, ``trades``, ``record_premium``,
        ``record_tickers`` (file columns plus exchange, symbol, interval, date); timestamps UTC."""
        return query.sql(self.root, query_text, params)

    def now_ms(self, client: Client | None = None) -> int:
        """The venues' clock (epoch ms) as the catalog judges closed candles."""
        c = self._client(client)
        return c.run(venue_now_ms(c.engine))


_UNITS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def _step_ms(interval: str) -> int:
    """``"1m"`` -> 60000 (fixed-length intervals; months are not cataloged)."""
    try:
        return int(interval[:-1]) * _UNITS[interval[-1]]
    except (KeyError, ValueError):
        raise InvalidArgument(f"cannot catalog {interval!r} candles") from None


def _empty_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "exchange": pd.array([], dtype="str"),
            "symbol": pd.array([], dtype="str"),
            "interval": pd.array([], dtype="str"),
            "pieces": pd.array([], dtype="int64"),
            "rows": pd.array([], dtype="int64"),
        }
    )


def _dirs(root: Root, path: str, prefix: str, *, files: bool = False) -> list[str]:
    names = coverage._ls(root, path)
    return sorted(n[len(prefix) :] for n in names if n.startswith(prefix) and (files or "." not in n[:0]))
