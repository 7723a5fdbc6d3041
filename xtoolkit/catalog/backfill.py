"""Fetch what a catalog lacks through the client (one job: run plans against the venues).

Candles come from ``AsyncClient.candles`` — it pages at each venue's cap (Binance 1000,
Upbit 200) and every request passes the client's rate gate, so a backfill stays inside the
venues' budgets. Each piece (a UTC day or less) is written as one file and its range recorded
before the next starts: after Ctrl-C, a crash or a ban only the piece in flight is fetched again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from xtoolkit._client import AsyncClient, _to_ms
from xtoolkit._errors import InvalidArgument, XtoolkitError
from xtoolkit._progress import progress_bar
from xtoolkit.catalog import coverage
from xtoolkit.catalog.layout import Root, Series
from xtoolkit.catalog.planner import Piece, plan
from xtoolkit.catalog.store import write_candles

__all__ = ["abackfill", "venue_now_ms"]


async def venue_now_ms(engine: AsyncClient) -> int:
    """The venues' clock in epoch ms: Binance's server time when the client has Binance.

    Closedness is judged on the venue's clock, not this machine's (a pinned sandbox or a skewed
    laptop would otherwise store a forming candle as closed).
    """
    if "binance" in engine.exchanges:
        payload = await engine.request("binance", "time")
        if isinstance(payload, dict) and isinstance(payload.get("serverTime"), int):
            return int(payload["serverTime"])
    return int(time.time() * 1000)


async def abackfill(
    root: Root,
    engine: AsyncClient,
    markets: Sequence[str],
    interval: str,
    start: Any,
    end: Any,
    *,
    progress: bool | None,
) -> pd.DataFrame:
    """See :meth:`xtoolkit.Catalog.backfill`. Returns the summary frame."""
    lo = _to_ms(start, "start")
    if lo is None:
        raise InvalidArgument("backfill needs start=")
    now = await venue_now_ms(engine)
    hi = _to_ms(end, "end") if end is not None else now
    assert hi is not None
    if hi <= lo:
        raise InvalidArgument(f"end must be after start (start={start!r}, end={end!r})")
    jobs: list[tuple[Series, str, int, list[Piece]]] = []
    for market in markets:
        ref = await engine.resolve(market)
        adapter = engine.venue(ref.exchange).adapter
        if interval not in adapter.intervals or interval == "1M":
            raise InvalidArgument(
                f"{ref.exchange} cannot catalog {interval!r} candles", exchange=ref.exchange
            )
        step = adapter.interval_seconds(interval) * 1000
        series = Series.of("candles", ref.exchange, str(ref.symbol), interval)
        pieces = plan(coverage.load(root, series), lo, hi, step, now)
        jobs.append((series, f"{ref.exchange}:{ref.symbol}", step, pieces))
    total = sum(len(p) for *_, p in jobs)
    rows: dict[str, list[Any]] = {k: [] for k in ("exchange", "symbol", "interval", "pieces", "rows")}
    with progress_bar(total or None, f"backfill {interval}", enabled=progress if total else False) as bar:
        for series, market, step, pieces in jobs:
            stored = 0
            for piece in pieces:
                df = await engine.candles(
                    market, interval=interval, start=piece.lo, end=piece.hi, progress=False
                )
                if not isinstance(df, pd.DataFrame):  # pragma: no cover - the client's contract
                    raise XtoolkitError("candles() did not return a frame")
                stored += write_candles(root, series, df, piece.lo, piece.hi, step)
                # The piece's whole range is covered, rows or not: a quiet Upbit minute is a
                # real gap, and asking again would get the same nothing.
                coverage.record(root, series, piece.lo, piece.hi)
                bar.update()
            rows["exchange"].append(series.exchange)
            rows["symbol"].append(series.symbol)
            rows["interval"].append(interval)
            rows["pieces"].append(len(pieces))
            rows["rows"].append(stored)
    return pd.DataFrame(
        {
            "exchange": pd.array(rows["exchange"], dtype="str"),
            "symbol": pd.array(rows["symbol"], dtype="str"),
            "interval": pd.array(rows["interval"], dtype="str"),
            "pieces": pd.array(rows["pieces"], dtype="int64"),
            "rows": pd.array(rows["rows"], dtype="int64"),
        }
    )
