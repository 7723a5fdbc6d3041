"""Record premiums or tickers on a schedule: in memory (bounded) and to disk.

Memory: at most ``max_rows`` rows are kept — the oldest rows are dropped first (recent polls
are folded every 64 polls into one frame trimmed to ``max_rows``; reads return exactly the last
``max_rows``), so a recorder left running for days holds a fixed window of ~220 bytes a row.

Disk keeps everything:

* CSV: one file, rows appended after every poll, with a ``.schema.json`` sidecar so
  :func:`xtoolkit.research.read_csv` restores dtypes.
* Parquet: a hive-partitioned directory ``exchange=<venue>/symbol=<BTC-USDT>/date=<YYYY-MM-DD>/
  part-<ms>-<id>.parquet`` (premium rows use ``exchange=upbit-binance`` and the base as symbol),
  readable by pyarrow, DuckDB, Dask or Spark; rows are buffered and written every
  ``flush_every`` seconds and when the recorder stops.

A failing exchange never stops a recording: its rows carry ``error_type`` and ``error`` (gap
rows) and the next poll goes ahead. Anything that is not an xtoolkit error is a bug: the
recording stops and the exception is re-raised by ``stop()``/``run()``.
"""

from __future__ import annotations

import asyncio
import collections
import math
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from xtoolkit._client import AsyncClient, Client
from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import conform, frame, merge_columns, schema
from xtoolkit._fx import FxLike, parse_fx
from xtoolkit._models import Symbol
from xtoolkit._premium import PREMIUM_VENUES
from xtoolkit._progress import _interactive
from xtoolkit._sinks import CatalogSink, CsvSink, ParquetSink, Sink, error_type
from xtoolkit.research._common import OUTAGE, error_text, now_utc, quote_of, validate_bases
from xtoolkit.research._fetch import fetch_quotes
from xtoolkit.research._verb import AnyClient, engine_of
from xtoolkit.research.compare import poll_premium

__all__ = ["PREMIUM_VENUES", "Recorder"]

_FORMATS = ("csv", "parquet")


def _canonical(engine: AsyncClient, market: str) -> str:
    """``"binance:BTCUSDT"`` / ``"upbit:BTC/KRW"`` -> ``"exchange:BASE/QUOTE"`` without I/O."""
    if not isinstance(market, str) or ":" not in market:
        raise InvalidArgument(
            f"record markets as 'exchange:BASE/QUOTE', e.g. 'binance:BTC/USDT', not {market!r}"
        )
    ex, text = (part.strip() for part in market.split(":", 1))
    adapter = engine.venue(ex).adapter
    symbol = Symbol.parse(text) if "/" in text else adapter.parse_native(text)
    if symbol is None:
        raise InvalidArgument(f"cannot read {market!r}; write it as '{ex}:BASE/QUOTE'")
    return f"{ex.lower()}:{symbol}"


#: Polls held as separate small frames before they are folded into the kept frame.
_COMPACT_EVERY = 64


def _contiguous(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its Arrow text columns in one chunk each.

    Concatenating Arrow-backed columns keeps one chunk per poll, and trimming to ``max_rows``
    only slices them: every poll's small buffers would stay alive for good (~4 KiB a poll).
    One combined chunk holds just the kept rows, so memory stays flat once ``max_rows`` is hit.
    """
    for name in df.columns:
        values = df[name].array
        if hasattr(values, "__arrow_array__") and isinstance(values.dtype, pd.StringDtype):
            chunked = values.__arrow_array__()
            if chunked.num_chunks > 1:
                df[name] = type(values)(chunked.combine_chunks(), dtype=values.dtype)
    return df


class _Bar:
    """A tqdm.auto bar of polls with lag and error counts; silent when nobody is watching."""

    def __init__(self, total: int | None, desc: str, enabled: bool | None) -> None:
        self._bar: Any = None
        if not (_interactive() if enabled is None else enabled):
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm is part of the notebook extra
            return
        self._bar = tqdm(total=total, desc=desc, unit="poll", leave=False)

    def update(self, lag: float, errors: int) -> None:
        if self._bar is not None:
            self._bar.set_postfix(lag=f"{lag:.2f}s", errors=errors, refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class Recorder:
    """Poll premiums or tickers every ``every`` seconds into a bounded frame and onto disk.

    Parameters
    ----------
    client
        A :class:`~xtoolkit.Client` (``start``/``stop``/``run``, a background task on the
        client's loop thread) or an :class:`~xtoolkit.AsyncClient` (``astart``/``astop``/``arun``).
    what
        ``"premium"`` (rows of :func:`~xtoolkit.research.premium` per base and FX basis) or
        ``"tickers"`` (rows of ``client.tickers`` per market, plus ``mid``).
    bases
        Base assets (premium; for tickers, each venue's default-quote market of each base).
    markets
        Markets for ``what="tickers"``, e.g. ``["binance:BTC/USDT", "upbit:BTC/KRW"]``.
    every
        Seconds between polls. A late poll is recorded with its ``lag_s``; ticks missed while a
        poll was slow are skipped, never bunched.
    max_rows
        Rows kept in memory (oldest dropped first).
    path, format
        Where to write: a CSV file (``format="csv"``) or a directory (``"parquet"``); ``None``
        keeps memory only.
    fx, max_age
        Premium options (see :func:`~xtoolkit.research.premium`).
    flush_every
        Seconds between Parquet (and catalog) writes (CSV is appended every poll).
    catalog
        A :class:`~xtoolkit.Catalog` to write into (``kind=record_premium`` or
        ``record_tickers``, same layout and schemas as the rest of the catalog); instead of
        ``path``.
    progress
        Show a tqdm bar (default: only in interactive sessions).

    Attributes
    ----------
    frame
        The recorded rows: the premium columns with ``exchange`` (``"upbit-binance"``) and
        ``symbol`` (the base), or the tickers columns with ``mid``; plus ``poll_ts`` (UTC, when
        the answer arrived), ``lag_s`` (seconds after the scheduled tick), ``error_type`` and
        ``error`` (NA when the row is good).
    errors
        One row per failure: poll_ts, exchange, error_type, error.
    """

    def __init__(
        self,
        client: AnyClient,
        what: str = "premium",
        *,
        bases: Sequence[str] | str | None = None,
        markets: Sequence[str] | None = None,
        every: float = 1.0,
        max_rows: int = 100_000,
        path: str | Path | None = None,
        format: str = "csv",
        fx: FxLike = "upbit",
        max_age: float = 5.0,
        flush_every: float = 60.0,
        progress: bool | None = None,
        catalog: Any = None,
    ) -> None:
        engine_of(client)
        if catalog is not None and path is not None:
            raise InvalidArgument("give path= or catalog=, not both")
        if what not in ("premium", "tickers"):
            raise InvalidArgument(f"what must be 'premium' or 'tickers', not {what!r}")
        if isinstance(every, bool) or not isinstance(every, int | float) or not every > 0:
            raise InvalidArgument(f"every must be a positive number of seconds, not {every!r}")
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise InvalidArgument(f"max_rows must be a positive int, not {max_rows!r}")
        if format not in _FORMATS:
            raise InvalidArgument(f"format must be one of {', '.join(_FORMATS)}, not {format!r}")
        self.client = client
        self.what = what
        self.kind = f"record_{what}"
        self.every = float(every)
        self.max_rows = max_rows
        self.fx = fx
        self.max_age = max_age
        self.progress = progress
        parse_fx(fx)
        if what == "premium":
            if markets is not None or bases is None:
                raise InvalidArgument("recording the premium takes bases=[...], not markets")
            self.bases = validate_bases(bases)
            self.markets: list[str] = []
        else:
            if (markets is None) == (bases is None):
                raise InvalidArgument("recording tickers takes exactly one of markets= or bases=")
            self.bases = validate_bases(bases) if bases is not None else []
            engine = engine_of(client)
            self.markets = (
                [_canonical(engine, m) for m in markets]
                if markets is not None
                else [f"{ex}:{b}/{quote_of(ex)}" for b in self.bases for ex in engine.exchanges]
            )
            if not self.markets:
                raise InvalidArgument("give at least one market to record")
        self.path = None if path is None else Path(path)
        self.format = format
        self.catalog = catalog
        self._sink: Sink | None = None
        if catalog is not None:
            self._sink = CatalogSink(catalog, self.kind, float(flush_every))
        elif self.path is not None:
            self._sink = (
                CsvSink(self.path, self.kind)
                if format == "csv"
                else ParquetSink(self.path, self.kind, float(flush_every))
            )
        # Recent polls wait as their column lists (premium) or small frames (tickers); every
        # _COMPACT_EVERY polls they are folded into one frame trimmed to max_rows. A one-row
        # frame costs ~26 KiB (pandas overhead) and a frame build per poll; the folded frame
        # ~220 bytes a row: this keeps a day of 1 s polls near 20 MB, not 2 GB.
        self._polls: collections.deque[pd.DataFrame | dict[str, list[Any]]] = collections.deque()
        self._kept: pd.DataFrame | None = None
        self._errors: collections.deque[dict[str, Any]] = collections.deque(maxlen=10_000)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._done.set()
        self._future: Any = None
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self.polls = 0

    # --- what was recorded ----------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """The most recent ``max_rows`` recorded rows (a copy)."""
        with self._lock:
            kept, pending = self._kept, list(self._polls)
        parts = ([kept] if kept is not None else []) + self._frames_of(pending)
        if not parts:
            return frame(self.kind)
        df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].copy()
        return df.tail(self.max_rows).reset_index(drop=True)

    def _frames_of(self, polls: Sequence[pd.DataFrame | dict[str, list[Any]]]) -> list[pd.DataFrame]:
        """Held polls as frames: each run of column-list polls becomes one frame."""
        out: list[pd.DataFrame] = []
        run: list[dict[str, list[Any]]] = []
        for poll in polls:
            if isinstance(poll, pd.DataFrame):
                if run:
                    out.append(frame(self.kind, merge_columns(run, self.kind)))
                    run = []
                out.append(poll)
            else:
                run.append(poll)
        if run:
            out.append(frame(self.kind, merge_columns(run, self.kind)))
        return out

    @property
    def errors(self) -> pd.DataFrame:
        """Every failure seen (the latest 10 000): poll_ts, exchange, error_type, error."""
        with self._lock:
            rows = list(self._errors)
        keys = ("poll_ts", "exchange", "error_type", "error")
        return frame("record_errors", {k: [r[k] for r in rows] for k in keys})

    @property
    def running(self) -> bool:
        """True while a background recording is in progress."""
        return not self._done.is_set()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        target = f" -> {self.path} ({self.format})" if self.path else ""
        what = ", ".join(self.bases or self.markets)
        return (
            f"<Recorder {self.what} [{what}] every {self.every:g}s, {state}, {self.polls} polls, "
            f"{len(self._errors)} errors{target}>"
        )

    # --- one poll -------------------------------------------------------------------------

    async def _poll(
        self, engine: AsyncClient
    ) -> tuple[pd.DataFrame | dict[str, list[Any]], dict[str, BaseException]]:
        if self.what == "premium":
            # The premium's columns, not its frame: _finish adds exchange/symbol and the poll
            # columns and builds the one record frame of this poll.
            got = await poll_premium(engine, self.bases, fx=self.fx, max_age=self.max_age)
            return got.columns, got.errors
        refs = [await engine.resolve(m) for m in self.markets]
        wanted: dict[str, list[str]] = {}
        for ref in refs:
            wanted.setdefault(ref.exchange, []).append(str(ref.symbol))
        quotes = await fetch_quotes(engine, wanted)
        parts = []
        for ex, q in quotes.items():
            got = q.frame.assign(mid=(q.frame["bid"] + q.frame["ask"]) / 2)
            parts.append(got)
            missing = [s for s in wanted[ex] if s not in set(got["symbol"])]
            if missing:
                why = error_text(q.error) if q.error else None
                parts.append(
                    frame(
                        "record_tickers",
                        {
                            "exchange": [ex] * len(missing),
                            "symbol": missing,
                            "error": [why or f"UnknownMarket: {ex} does not list {s}" for s in missing],
                        },
                    )
                )
        df = pd.concat([conform(p, "record_tickers") for p in parts], ignore_index=True)
        return df, {ex: q.error for ex, q in quotes.items() if q.error is not None}

    def _gap(self, exc: BaseException) -> pd.DataFrame:
        """Rows saying "this poll failed" for everything it should have recorded."""
        if self.what == "premium":
            keys = {"exchange": [PREMIUM_VENUES] * len(self.bases), "symbol": self.bases, "base": self.bases}
        else:
            pairs = [m.split(":", 1) for m in self.markets]
            keys = {"exchange": [p[0] for p in pairs], "symbol": [p[1] for p in pairs]}
        n = len(keys["symbol"])
        return frame(self.kind, {**keys, "error": [error_text(exc)] * n})

    def _finish(
        self, rows: pd.DataFrame | dict[str, list[Any]], polled: pd.Timestamp, lag: float
    ) -> pd.DataFrame:
        """The poll's rows in the record schema, stamped with ``poll_ts``/``lag_s``/``error_type``
        (premium rows get ``exchange`` ``"upbit-binance"`` and the base as ``symbol``)."""
        record = self._record(rows, polled, lag)
        return record if isinstance(record, pd.DataFrame) else frame(self.kind, record)

    def _record(
        self, rows: pd.DataFrame | dict[str, list[Any]], polled: pd.Timestamp, lag: float
    ) -> pd.DataFrame | dict[str, Any]:
        """What :meth:`_finish` makes a frame of: a frame when the rows need conforming, else the
        record columns as they are (lists, or typed arrays the frame build copies, not coerces)
        — the loop keeps those and builds one frame per :data:`_COMPACT_EVERY` polls."""
        spec = schema(self.kind)
        if isinstance(rows, pd.DataFrame) and not set(rows.columns) <= set(spec):
            rows = conform(rows.assign(poll_ts=polled, lag_s=lag), self.kind)
            rows["error_type"] = pd.array([error_type(e) for e in rows["error"]], dtype="str")
            return rows
        # No assign copies, no conform pass — this runs on every poll.
        if isinstance(rows, pd.DataFrame):
            n = len(rows)
            cols: dict[str, Any] = {name: rows[name] for name in rows.columns}
            errors = cols["error"].tolist() if "error" in cols else [None] * n
        else:
            n = len(rows["base"])
            cols = dict(rows)
            errors = list(cols.get("error") or [None] * n)
        if self.what == "premium" and "exchange" not in cols:
            cols["exchange"] = [PREMIUM_VENUES] * n
            cols["symbol"] = cols["base"]
        cols["poll_ts"] = [polled] * n
        cols["lag_s"] = [lag] * n
        cols["error_type"] = [error_type(e) for e in errors]
        return cols

    def _append(
        self,
        rows: pd.DataFrame | dict[str, list[Any]],
        polled: pd.Timestamp,
        venue_errors: dict[str, BaseException],
    ) -> None:
        # Column lists are kept as they are only when every column is a plain list: a typed
        # array (a column of a frame) is folded as a frame of its own, never re-read as a list.
        if not isinstance(rows, pd.DataFrame) and not all(type(v) is list for v in rows.values()):
            rows = frame(self.kind, rows)
        with self._lock:
            self._polls.append(rows)
            if len(self._polls) >= _COMPACT_EVERY:
                parts = ([self._kept] if self._kept is not None else []) + self._frames_of(self._polls)
                kept = pd.concat(parts, ignore_index=True).tail(self.max_rows).reset_index(drop=True)
                self._kept = _contiguous(kept)
                self._polls.clear()
            stamp = polled
            for ex, exc in venue_errors.items():
                self._errors.append(
                    {
                        "poll_ts": stamp,
                        "exchange": ex,
                        "error_type": type(exc).__name__,
                        "error": error_text(exc),
                    }
                )
            self.polls += 1

    # --- the loop (one implementation for both clients) -----------------------------------

    async def _loop(self, engine: AsyncClient, n: int | None) -> None:
        loop = asyncio.get_running_loop()
        bar = _Bar(n, f"recording {self.what}", self.progress)
        t0, wall0 = loop.time(), time.time()
        tick = done = 0
        pending: asyncio.Future[None] | None = None
        try:
            while (n is None or done < n) and not self._stopping.is_set():
                wait = t0 + tick * self.every - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                scheduled = pd.Timestamp(wall0 + tick * self.every, unit="s", tz="UTC")
                try:
                    rows, venue_errors = await self._poll(engine)
                except OUTAGE as exc:
                    # An outage outside the per-venue handling: a gap row, and on we go. Other
                    # xtoolkit errors (closed client, bad arguments) will not heal: they end it.
                    rows, venue_errors = self._gap(exc), {getattr(exc, "exchange", None) or "all": exc}
                polled = now_utc()
                lag = max(0.0, (polled - scheduled).total_seconds())
                record = self._record(rows, polled, lag)
                self._append(record, polled, venue_errors)
                if self._sink is not None:
                    rows = record if isinstance(record, pd.DataFrame) else frame(self.kind, record)
                    # A cancel (stop()) must not abandon a write queued on the thread: the rows
                    # are already in `frame`, so they must reach the sink before close(). Shield
                    # the write and let the finally below wait for it.
                    pending = asyncio.ensure_future(asyncio.to_thread(self._sink.write, rows))
                    await asyncio.shield(pending)
                    pending = None
                done += 1
                bar.update(lag, len(self._errors))
                # Skip the ticks a slow poll overran, so polls never bunch up to catch up.
                tick = max(tick + 1, math.floor((loop.time() - t0) / self.every) + 1)
        finally:
            bar.close()
            if pending is not None:
                # Bounded: one sink write (a CSV append or a buffer append). A second cancel
                # while waiting is absorbed so the flush below still runs.
                for _ in range(100):
                    try:
                        await asyncio.wait({pending}, timeout=30.0)
                        break
                    except asyncio.CancelledError:
                        continue
            if self._sink is not None:
                self._sink.close()

    async def _guarded(self, engine: AsyncClient, n: int | None) -> None:
        try:
            await self._loop(engine, n)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            self._failure = exc
        finally:
            self._done.set()

    def _begin(self) -> None:
        if self.running:
            raise InvalidArgument("this recorder is already running; stop() it first")
        self._stopping.clear()
        self._done.clear()
        self._failure = None

    def _raise_failure(self) -> None:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    # --- blocking Client ------------------------------------------------------------------

    def _client(self) -> Client:
        if not isinstance(self.client, Client):
            raise InvalidArgument("with an AsyncClient use astart()/astop()/arun()")
        return self.client

    def start(self) -> Recorder:
        """Record in the background (a task on the client's loop thread) until :meth:`stop`."""
        client = self._client()
        self._begin()
        try:
            self._future = client.submit(self._guarded(client.engine, None))
        except BaseException:
            self._done.set()
            raise
        return self

    def stop(self, timeout: float = 5.0) -> pd.DataFrame:
        """Stop (cancelling a poll in flight), flush to disk, and return :attr:`frame`.

        Raises ``TimeoutError`` if the recording has not wound down within ``timeout`` seconds,
        and re-raises the exception that ended a recording early, if any.
        """
        self._stopping.set()
        if self._future is not None:
            self._future.cancel()
        if isinstance(self.client, Client) and self.client.closed:
            self._done.set()  # the loop thread is gone with the client: nothing left to wait for
        if not self._done.wait(timeout):
            raise TimeoutError(f"the recorder did not stop within {timeout} s")
        self._future = None
        self._raise_failure()
        return self.frame

    def run(self, n: int) -> pd.DataFrame:
        """Record ``n`` polls, blocking; returns :attr:`frame`."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"n must be a positive int, not {n!r}")
        client = self._client()
        self._begin()
        client.run(self._guarded(client.engine, n))
        self._raise_failure()
        return self.frame

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- AsyncClient ----------------------------------------------------------------------

    def _async_client(self) -> AsyncClient:
        if not isinstance(self.client, AsyncClient):
            raise InvalidArgument("with a Client use start()/stop()/run()")
        return self.client

    async def astart(self) -> Recorder:
        """Record in the background as a task on the running loop until :meth:`astop`."""
        engine = self._async_client()
        self._begin()
        self._task = asyncio.create_task(self._guarded(engine, None))
        return self

    async def astop(self, timeout: float = 5.0) -> pd.DataFrame:
        """Awaitable :meth:`stop`."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            _, pending = await asyncio.wait({self._task}, timeout=timeout)
            if pending:
                raise TimeoutError(f"the recorder did not stop within {timeout} s")
            self._task = None
        self._raise_failure()
        return self.frame

    async def arun(self, n: int) -> pd.DataFrame:
        """Awaitable :meth:`run`."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"n must be a positive int, not {n!r}")
        engine = self._async_client()
        self._begin()
        await self._guarded(engine, n)
        self._raise_failure()
        return self.frame

    async def __aenter__(self) -> Recorder:
        return await self.astart()

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()
