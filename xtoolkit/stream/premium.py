"""The kimchi premium, live: recomputed from stream book tops on every update.

Same maths and columns as :func:`xtoolkit.research.premium` — ``premium = upbit_mid /
(binance_mid × fx_rate) − 1`` with the Upbit ``KRW-USDT`` mid (or a user rate / series) as the
FX basis — but fed by :class:`~xtoolkit.stream.session.MarketStream` records instead of REST
polls. Each update appends one row per affected base and FX basis to a bounded history whose
schema is the research recorder's ``record_premium`` (so live and polled recordings read back
the same way), optionally written to CSV / Parquet with the same sinks
(:mod:`xtoolkit._sinks`). Each row is computed by the one premium formula,
:func:`xtoolkit._premium.premium_row`, that the REST premium uses too.

A gap row for a leg (disconnect, malformed frame) makes that leg unknown until its next quote:
the premium is NaN with the reason in ``error`` meanwhile — never the last value in disguise.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from xtoolkit._engine import Bridge, Engine
from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import conform
from xtoolkit._frames import frame as build_frame
from xtoolkit._fx import FxBasis, FxLike, parse_fx
from xtoolkit._premium import PREMIUM_VENUES, premium_row, validate_bases
from xtoolkit._sinks import CsvSink, ParquetSink, Sink, error_type
from xtoolkit.stream.driven import StreamDriven
from xtoolkit.stream.records import StreamRecord
from xtoolkit.stream.session import MarketStream

__all__ = ["LivePremium"]

log = logging.getLogger("xtoolkit.stream")

NaN = math.nan
FX_MARKET = "upbit:USDT/KRW"
_TIME_COLUMNS = ("upbit_ts", "binance_ts", "fx_ts", "poll_ts")
_FORMATS = ("csv", "parquet")


@dataclass(slots=True)
class _Leg:
    bid: float = NaN
    ask: float = NaN
    ts: float = NaN
    error: str | None = "no quote yet"

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2


@dataclass(slots=True)
class _Listener:
    callback: Callable[[pd.DataFrame], Any]
    min_interval: float
    last: float = -math.inf
    scheduled: bool = False
    #: The newest snapshot waiting for the delivery thread (None: nothing queued).
    waiting: pd.DataFrame | None = None


class LivePremium(StreamDriven):
    """The premium of ``bases``, updated on every book-top record.

    Parameters
    ----------
    bases
        Base assets listed on both venues, e.g. ``["BTC", "ETH"]``.
    fx
        FX basis/bases as :func:`~xtoolkit.research.premium` takes them: ``"upbit"`` (the live
        ``KRW-USDT`` book top, streamed too), a KRW-per-USDT number, a Series, or a list.
    max_age
        Seconds after which a leg makes a row ``stale``.
    max_rows
        Rows kept in memory (oldest dropped first).
    path, format, flush_every
        Also record to a CSV file or a Parquet directory (the research ``Recorder``'s
        writers), written every ``flush_every`` seconds and on :meth:`stop`.

    Attributes
    ----------
    markets
        The markets to stream (Upbit ``BASE/KRW``, Binance ``BASE/USDT``, Upbit ``USDT/KRW``).
    updates
        Records that changed the premium.
    listener_errors
        Exceptions raised by :meth:`on_update` callbacks (logged, and the premium goes on).
    stream
        The :class:`MarketStream` started by :meth:`start` (None when fed by hand).
    """

    def __init__(
        self,
        bases: str | Sequence[str] = "BTC",
        *,
        fx: FxLike = "upbit",
        max_age: float = 5.0,
        max_rows: int = 10_000,
        path: str | Path | None = None,
        format: str = "csv",
        flush_every: float = 5.0,
    ) -> None:
        self.bases = validate_bases(bases)
        self.fx: list[FxBasis] = parse_fx(fx)
        if isinstance(max_age, bool) or not isinstance(max_age, int | float) or not max_age > 0:
            raise InvalidArgument(f"max_age must be a positive number of seconds, not {max_age!r}")
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise InvalidArgument(f"max_rows must be a positive int, not {max_rows!r}")
        if format not in _FORMATS:
            raise InvalidArgument(f"format must be one of {', '.join(_FORMATS)}, not {format!r}")
        self.max_age = float(max_age)
        self.max_rows = max_rows
        self.markets = [m for b in self.bases for m in (f"upbit:{b}/KRW", f"binance:{b}/USDT")]
        if any(b.is_upbit for b in self.fx):
            self.markets.append(FX_MARKET)
        self._legs: dict[str, _Leg] = {m: _Leg() for m in self.markets}
        self._rows: deque[dict[str, Any]] = deque(maxlen=max_rows)
        self._latest: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._listeners: list[_Listener] = []
        self._delivery: ThreadPoolExecutor | None = None
        self._delivery_lock = threading.Lock()
        self.updates = 0
        self.listener_errors = 0
        self.stream: MarketStream | None = None
        self._sink: Sink | None = None
        if path is not None:
            where = Path(path)
            self._sink = (
                CsvSink(where, "record_premium")
                if format == "csv"
                else ParquetSink(where, "record_premium", float(flush_every))
            )
        self.flush_every = float(flush_every)
        self._pending: list[dict[str, Any]] = []
        self._last_flush = time.monotonic()
        # One writer thread: disk I/O never blocks the stream loop, and writes stay in order.
        self._writer: ThreadPoolExecutor | None = None
        self._writes: list[Future[None]] = []

    def __repr__(self) -> str:
        state = "streaming" if self.stream is not None and self.stream.running else "idle"
        fx = [b.source for b in self.fx]
        return f"<LivePremium {', '.join(self.bases)} fx={fx} {state}, {self.updates} updates>"

    # -- feeding -------------------------------------------------------------------------------
    def update(self, rec: StreamRecord) -> list[dict[str, Any]]:
        """Take one stream record; returns the premium rows it produced (none if irrelevant).

        ``book_ticker`` and ``depth`` rows move a leg; a gap row on a leg (or on its whole
        connection) makes the leg unknown until its next quote.
        """
        if rec.channel not in ("book_ticker", "depth", None):
            return []
        if rec.gap:
            keys = (
                [rec.market] if rec.symbol else [m for m in self.markets if m.startswith(rec.exchange + ":")]
            )
        else:
            keys = [rec.market]
        keys = [k for k in keys if k in self._legs]
        if not keys:
            return []
        for key in keys:
            leg = self._legs[key]
            if rec.gap:
                leg.bid = leg.ask = NaN
                leg.error = f"gap: {rec.reason}"
            else:
                leg.bid, leg.ask = rec.bid, rec.ask
                leg.ts = rec.event_ts if rec.event_ts is not None else rec.received_ts
                leg.error = None if not math.isnan(leg.mid) else "empty book side"
        if FX_MARKET in keys and len(keys) == 1:
            bases = self.bases
        else:
            bases = [b for b in self.bases if f"upbit:{b}/KRW" in keys or f"binance:{b}/USDT" in keys]
        now = time.time()
        rows = [self._row(base, basis, now, rec) for base in bases for basis in self.fx]
        with self._lock:
            self._rows.extend(rows)
            for row in rows:
                self._latest[(row["base"], row["fx_source"])] = row
            self.updates += 1
            if self._sink is not None:
                self._pending.extend(rows)
        if self._sink is not None and time.monotonic() - self._last_flush >= self.flush_every:
            self._flush()
        if self._listeners:
            self._notify()
        return rows

    def _row(self, base: str, basis: FxBasis, now: float, rec: StreamRecord) -> dict[str, Any]:
        up = self._legs[f"upbit:{base}/KRW"]
        bn = self._legs[f"binance:{base}/USDT"]
        fx_err: str | None = None
        if basis.is_upbit:
            fx_leg = self._legs[FX_MARKET]
            rate, fx_ts = fx_leg.mid, fx_leg.ts
            if fx_leg.error:
                fx_err = f"fx {basis.source}: {fx_leg.error}"
        else:
            stamps = [t for t in (up.ts, bn.ts) if not math.isnan(t)]
            when = pd.Timestamp(max(stamps), unit="s", tz="UTC") if stamps else None
            rate, fx_stamp = basis.asof(when)  # None: the series' last value
            fx_ts = NaN if pd.isna(fx_stamp) else fx_stamp.value / 1e9
            if math.isnan(rate):
                fx_err = f"fx {basis.source}: no value at or before {when}"
        return {
            "exchange": PREMIUM_VENUES,
            "symbol": base,
            **premium_row(
                base,
                basis.source,
                upbit=up,
                binance=bn,
                fx_rate=rate,
                fx_ts=fx_ts,
                fx_error=fx_err,
                as_of=now,
                max_age=self.max_age,
            ),
            "poll_ts": now,
            "lag_s": max(0.0, now - rec.received_ts),
            "trigger": rec.market,
        }

    # -- reading ---------------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """Every kept row, oldest first.

        Returns
        -------
        DataFrame
            The research recorder's ``record_premium`` columns — exchange (``"upbit-binance"``),
            symbol (the base), then the :func:`~xtoolkit.research.premium` columns (base,
            fx_source, fx_rate, upbit_mid, binance_mid, binance_mid_krw, upbit_mid_usdt,
            premium_pct, premium_bps, upbit_ts, binance_ts, fx_ts, upbit_age_s, binance_age_s,
            fx_age_s, skew_s, max_age_s, stale, error), poll_ts (when the row was computed),
            lag_s (seconds from the triggering record's arrival), error_type — plus trigger
            (the market whose update produced the row).
        """
        with self._lock:
            rows = list(self._rows)
        return _rows_frame(rows)

    def snapshot(self) -> pd.DataFrame:
        """The latest row per (base, FX basis) in the :func:`~xtoolkit.research.premium`
        schema — what the live spread panel draws."""
        with self._lock:
            rows = [
                self._latest[(b, f.source)]
                for b in self.bases
                for f in self.fx
                if (b, f.source) in self._latest
            ]
        df = _rows_frame(rows)
        return conform(df, "premium")[list(build_frame("premium").columns)]

    # -- listeners -------------------------------------------------------------------------------
    def on_update(self, callback: Callable[[pd.DataFrame], Any], *, min_interval: float = 0.0) -> None:
        """Call ``callback(snapshot)`` after updates, at most every ``min_interval`` seconds
        (the last update is always delivered). ``snapshot`` is :meth:`snapshot`'s frame, e.g.
        ``premium.on_update(panel.push, min_interval=0.5)`` for a
        :class:`~xtoolkit.widgets.spread.SpreadPanel`. Runs on a delivery thread of its own,
        never on the stream's loop (a slow callback cannot stall the websockets); a callback
        still busy when newer updates come gets only the newest snapshot next."""
        if not min_interval >= 0:
            raise InvalidArgument("min_interval must be >= 0 seconds")
        self._listeners.append(_Listener(callback, float(min_interval)))

    def _notify(self) -> None:
        now = time.monotonic()
        snap: pd.DataFrame | None = None
        for lis in self._listeners:
            wait = lis.last + lis.min_interval - now
            if wait > 0:
                if not lis.scheduled:
                    self._schedule(lis, wait)
                continue
            snap = self.snapshot() if snap is None else snap
            self._call(lis, snap)

    def _schedule(self, lis: _Listener, wait: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # fed by hand: the next update delivers

        def later() -> None:
            lis.scheduled = False
            self._call(lis, self.snapshot())

        lis.scheduled = True
        loop.call_later(wait, later)

    def _call(self, lis: _Listener, snap: pd.DataFrame) -> None:
        lis.last = time.monotonic()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._deliver(lis.callback, snap)  # fed by hand: deliver at once
            return
        # On the stream's loop: hand over to the delivery thread. A panel redrawing a plotly
        # figure takes ~100 ms; run here it held the loop, so pings went unanswered and frames
        # piled up (a venue cuts such a link). A snapshot still waiting is replaced by the
        # newer one, so a slow listener sees the latest state, never a backlog.
        with self._delivery_lock:
            queued = lis.waiting is not None
            lis.waiting = snap
            if queued:
                return
            if self._delivery is None:
                self._delivery = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="xtoolkit-premium-listeners"
                )
            self._delivery.submit(self._deliver_waiting, lis)

    def _deliver_waiting(self, lis: _Listener) -> None:
        with self._delivery_lock:
            snap, lis.waiting = lis.waiting, None
        if snap is not None:
            self._deliver(lis.callback, snap)

    def _deliver(self, callback: Callable[[pd.DataFrame], Any], snap: pd.DataFrame) -> None:
        try:
            callback(snap)
        except Exception:  # a widget failing must not stop the premium: count and log it
            self.listener_errors += 1
            log.exception("premium listener %r failed", callback)

    def _close_delivery(self) -> None:
        """Deliver what is waiting (the last update always arrives) and end the thread."""
        with self._delivery_lock:
            delivery, self._delivery = self._delivery, None
        if delivery is not None:
            delivery.shutdown(wait=True)

    # -- recording -------------------------------------------------------------------------------
    def _flush(self) -> None:
        """Hand the pending rows to the writer thread."""
        with self._lock:
            rows, self._pending = self._pending, []
        self._last_flush = time.monotonic()
        if not rows or self._sink is None:
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xtoolkit-premium-writer")
        self._writes = [f for f in self._writes if not f.done() or f.exception() is not None]
        self._writes.append(
            self._writer.submit(self._sink.write, conform(_rows_frame(rows), "record_premium"))
        )

    # -- lifecycle (start/stop/astart/astop: StreamDriven) -----------------------------------------
    def _close(self) -> None:
        """After the stream: let the listeners' last delivery finish, then write what is pending."""
        self._close_delivery()
        self._close_sink()

    def _make_stream(self, client: Bridge | Engine, options: dict[str, Any]) -> MarketStream:
        if self.stream is not None and self.stream.running:
            raise InvalidArgument("this premium is already streaming; stop() it first")
        options.setdefault("channels", ("book_ticker",))
        stream = MarketStream(client, self.markets, **options)
        stream.on_record(self.update)
        return stream

    def _close_sink(self) -> None:
        """Write what is pending, wait for the writer, surface any write failure."""
        if self._sink is None:
            return
        self._flush()
        writes, self._writes = self._writes, []
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        self._sink.close()
        for fut in writes:
            fut.result()  # re-raises a failed write (disk full, permissions...)


def _rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        df = build_frame("record_premium")
        df["trigger"] = pd.array([], dtype="str")
        return df
    cols: dict[str, Any] = {k: [r[k] for r in rows] for k in rows[0]}
    for name in _TIME_COLUMNS:
        cols[name] = pd.to_datetime(np.array(cols[name], dtype=np.float64), unit="s", utc=True).as_unit("ns")
    df = conform(pd.DataFrame(cols), "record_premium")
    df["error_type"] = pd.array([error_type(e) for e in df["error"]], dtype="str")
    df["trigger"] = df["trigger"].astype("str")
    return df
