"""Frames to catalog files and back (one job: rows in the layout, in the kind's schema)."""

from __future__ import annotations

import glob
import uuid

import pandas as pd
import pyarrow as pa

from xtoolkit._frames import conform, frame
from xtoolkit.catalog.layout import Root, Series
from xtoolkit.catalog.schemas import arrow_schema, columns, time_column
from xtoolkit.catalog.writer import write_table

__all__ = ["read_candles", "write_candles", "write_records"]


def _table(df: pd.DataFrame, kind: str) -> pa.Table:
    body = df[columns(kind)].reset_index(drop=True)
    return pa.Table.from_pandas(body, schema=arrow_schema(kind), preserve_index=False, safe=True)


def write_candles(root: Root, series: Series, df: pd.DataFrame, lo: int, hi: int, step_ms: int) -> int:
    """Store the closed candles of ``df`` inside ``[lo, hi)``; returns the row count stored."""
    lo_ts, hi_ts = pd.Timestamp(lo, unit="ms", tz="UTC"), pd.Timestamp(hi, unit="ms", tz="UTC")
    df = df[(df["open_time"] >= lo_ts) & (df["open_time"] < hi_ts)]
    if df.empty:
        return 0
    day = lo_ts.strftime("%Y-%m-%d")  # pieces never cross a UTC day (planner)
    rel = f"{series.directory()}/date={day}/part-{lo}-{hi}.parquet"
    write_table(root, rel, _table(df, "candles"), kind="candles")
    return len(df)


def write_records(root: Root, kind: str, rows: pd.DataFrame) -> int:
    """Append recorded rows (``record_premium`` / ``record_tickers`` / ``trades``) as new files."""
    rows = conform(rows, kind)
    if rows.empty:
        return 0
    when = rows[time_column(kind)]
    days = when.dt.strftime("%Y-%m-%d")
    for (ex, sym, day), part in rows.groupby([rows["exchange"], rows["symbol"], days], sort=False):
        series = Series.of(kind, str(ex), str(sym))
        t = part[time_column(kind)]
        lo, hi = int(t.min().value // 1_000_000), int(t.max().value // 1_000_000) + 1
        # Recorded rows are appended, never re-fetched: a unique suffix keeps two flushes of the
        # same millisecond apart.
        rel = f"{series.directory()}/date={day}/part-{lo}-{hi}-{uuid.uuid4().hex[:8]}.parquet"
        write_table(root, rel, _table(part, kind), kind=kind)
    return len(rows)


def read_candles(root: Root, series: Series, lo: int, hi: int) -> pd.DataFrame:
    """Stored candles of ``series`` with open_time in ``[lo, hi)`` as a ``candles`` frame."""
    import pyarrow.parquet as pq

    base = root.join(series.directory())
    first = pd.Timestamp(lo, unit="ms", tz="UTC").normalize()
    last = pd.Timestamp(hi - 1, unit="ms", tz="UTC").normalize()
    files: list[str] = []
    for day in pd.date_range(first, last, freq="D"):
        where = f"{base}/date={day.strftime('%Y-%m-%d')}"
        found = (
            glob.glob(f"{where}/part-*.parquet") if root.local else root.fs.glob(f"{where}/part-*.parquet")
        )
        files.extend(sorted(found))
    if not files:
        return frame("candles")
    tables = [pq.read_table(f, filesystem=None if root.local else root.fs) for f in files]
    df = pa.concat_tables(tables).to_pandas()
    df = df[
        (df["open_time"] >= pd.Timestamp(lo, unit="ms", tz="UTC"))
        & (df["open_time"] < pd.Timestamp(hi, unit="ms", tz="UTC"))
    ]
    n = len(df)
    df = df.assign(exchange=[series.exchange] * n, symbol=[series.symbol] * n, interval=[series.interval] * n)
    df = df.assign(is_closed=True)
    out = conform(df, "candles")
    out = out.drop_duplicates("open_time", keep="last").sort_values("open_time", kind="stable")
    return out.reset_index(drop=True)
