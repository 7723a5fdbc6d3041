"""The executable premium, live: the crossing at a size, both directions, from streamed books.

:class:`LiveExecutable` streams depth-synced local books (Binance ``BASE/USDT`` diff depth kept
by the venue's snapshot procedure, Upbit ``BASE/KRW`` and, for the executable FX leg, Upbit
``USDT/KRW`` full books) and, after their updates, prices the crossing with the very function
the REST verb uses, :func:`xtoolkit.research.executable.executable_premium`: same legs, same
fees, same figures, so the same levels give the same numbers (the tests feed both the same
books and compare exactly). What the REST verb fetches once per call — the account's taker
fees and the wallets' routes — is read once at :meth:`LiveExecutable.start` (and again when
the wallet information gets older than ``max_info_age``); the books are the streams'.

Honest rows, never a number in disguise:

* a book that is not depth-synced (waiting for its snapshot, a sequence gap, a disconnect, a
  stopped stream) is left out: the row's premium columns are NaN, ``books_synced`` is False
  and ``unsynced`` says which book and why;
* a book too thin for the size gives ``filled=False`` and NaN premiums (``error`` names the
  book and whether the local book's kept depth or the venue ran out), as in the REST verb;
* ``stale`` marks a row whose books last changed more than ``max_age`` seconds ago (the
  numbers stay: a synced book of a quiet market is still the venue's book);
* the net premium needs a known route (keys): without keys ``route_status`` is ``unknown``,
  ``premium_net_exec_bps`` is NaN and ``premium_after_fees_exec_bps`` (net of trading fees,
  not of the transfer) is the figure to read; ``fee_source_*`` says ``account`` or ``default``;
  ``fx_basis`` says ``upbit:USDT/KRW executable`` (the FX book walked) or ``user:<rate>``.

Why it lives in ``widgets/``: ``stream/`` may not import ``research/`` (the import-graph
test's layers) and the walk lives in ``research/``; this module imports both and only joins
them (it needs no ipywidgets itself). The spread panel draws it
(:meth:`xtoolkit.widgets.spread.SpreadPanel.push_executable`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from xtoolkit._engine import Bridge, Engine, engine_of
from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import BOOL, F64, STR, TS, frame, register
from xtoolkit.research._common import error_text, join_errors, validate_bases
from xtoolkit.research.crossing import fetch_fees, fetch_routes
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.executable import check_size, executable_premium
from xtoolkit.research.fees import FeeBook, as_fee_book
from xtoolkit.research.routes import DIRECTIONS, Route
from xtoolkit.research.walk import FX_KEY, Book, parse_fx_rates, utc_now_arg
from xtoolkit.stream.book import LocalBook
from xtoolkit.stream.driven import StreamDriven
from xtoolkit.stream.records import StreamRecord
from xtoolkit.stream.session import MarketStream

__all__ = ["LIVE_EXECUTABLE_SCHEMA", "LiveExecutable"]

log = logging.getLogger("xtoolkit.widgets")

#: The live frame: the REST ``executable_premium`` columns, then what only a live row has.
LIVE_EXECUTABLE_SCHEMA: dict[str, str] = register(
    "live_executable",
    {
        **EXECUTION_SCHEMAS["executable_premium"],
        "books_synced": BOOL,
        "unsynced": STR,
        "stale": BOOL,
        "max_age_s": F64,
        "costs_read_at": TS,
        "costs_age_s": F64,
        "computed_ts": TS,
        "trigger": STR,
    },
)
_QUOTES = {"binance": "USDT", "upbit": "KRW"}


@dataclass(frozen=True, slots=True)
class _Captured:
    """One market's local book as it was when captured (``book`` None: not synced)."""

    book: Book | None
    reason: str | None


@dataclass(slots=True)
class _Costs:
    fees: FeeBook
    routes: list[Route] | None
    read_at: pd.Timestamp
    #: Read here (re-read when older than ``max_info_age``) or given by the user (never re-read).
    ours: bool
    errors: dict[str, str]


class LiveExecutable(StreamDriven):
    """The executable premium of ``bases`` at ``size``, recomputed from streamed local books.

    Parameters
    ----------
    bases
        Assets listed on both venues, e.g. ``"BTC"`` or ``["BTC", "ETH"]``.
    size, size_in
        How much to cross: base units (``"base"``) or an amount of ``"USDT"`` or ``"KRW"``
        (as :func:`xtoolkit.research.executable_premium`); change it live with :meth:`set_size`.
    fx
        ``"upbit"`` (Upbit's ``USDT/KRW`` book, streamed and walked), a KRW-per-USDT rate, or
        a list of both (one row per basis).
    directions
        ``"binance_to_upbit"`` and/or ``"upbit_to_binance"`` (default both).
    fees, routes
        Taker rates (``fee_records()`` / ``TakerFee`` records / a ``FeeBook``) and routes
        (``research.routes.route_table`` output) to use instead of reading them at start.
    max_age
        Seconds after which a row whose books have not changed is ``stale``.
    max_info_age
        Seconds after which wallet information read here is read again (meanwhile routes
        count as unknown, and ``route_reason`` says why).
    min_interval
        Least seconds between two recomputations (book updates in between are coalesced: the
        next computation sees the newest books).
    depth
        Levels of the Binance REST snapshot a local book starts from and keeps; each walked
        book is the top ``min(depth, the venue's REST depth)`` levels of its side (Upbit: 30),
        the depth its ``filled`` verdict is measured against.
    max_rows
        Computations kept in :meth:`frame` (oldest dropped).

    Attributes
    ----------
    markets
        The streamed markets (per base Binance ``BASE/USDT`` and Upbit ``BASE/KRW``; Upbit
        ``USDT/KRW`` for the Upbit FX basis).
    stream
        The :class:`~xtoolkit.stream.session.MarketStream` (``channels=("depth",)``) started
        by :meth:`start`; None when fed by hand (:meth:`price`).
    updates, listener_errors
        Computations done; exceptions raised by :meth:`on_update` callbacks or by a
        computation on the worker thread (logged; the pricing goes on).
    """

    def __init__(
        self,
        bases: str | Sequence[str] = "BTC",
        size: Any = 1,
        *,
        size_in: str = "base",
        fx: Any = "upbit",
        directions: Sequence[str] = tuple(DIRECTIONS),
        fees: Any = None,
        routes: Sequence[Route] | None = None,
        max_age: float = 5.0,
        max_info_age: float = 900.0,
        min_interval: float = 0.25,
        depth: int = 1000,
        max_rows: int = 2000,
    ) -> None:
        self.bases = validate_bases(bases)
        # One tuple, swapped whole: the worker thread reads size and unit together.
        self._sizing: tuple[Decimal, str] = check_size(size, size_in)
        self.fx = parse_fx_rates(fx)
        for d in directions:
            if d not in DIRECTIONS:
                raise InvalidArgument(f"direction must be one of {', '.join(DIRECTIONS)}, not {d!r}")
        self.directions = tuple(directions)
        for name, value in (("max_age", max_age), ("max_info_age", max_info_age)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise InvalidArgument(f"{name} must be a positive number of seconds, not {value!r}")
        if isinstance(min_interval, bool) or not isinstance(min_interval, int | float) or min_interval < 0:
            raise InvalidArgument(f"min_interval must be >= 0 seconds, not {min_interval!r}")
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise InvalidArgument(f"max_rows must be a positive int, not {max_rows!r}")
        self.max_age = float(max_age)
        self.max_info_age = float(max_info_age)
        self.min_interval = float(min_interval)
        self.depth = depth
        self.markets = [m for b in self.bases for m in (f"binance:{b}/USDT", f"upbit:{b}/KRW")]
        if any(basis.is_book for basis in self.fx):
            self.markets.append(FX_KEY)
        self._given_fees = (
            None if fees is None else as_fee_book(fees if isinstance(fees, FeeBook) else list(fees))
        )
        self._given_routes = None if routes is None else list(routes)
        self._costs: _Costs | None = None
        if self._given_fees is not None or self._given_routes is not None:
            self._costs = _Costs(
                self._given_fees or FeeBook(), self._given_routes, _now(), ours=False, errors={}
            )
        #: market key -> levels a walked book holds at most (the venue's REST depth; see depth).
        self._venue_depth: dict[str, int] = {}
        self._history: deque[pd.DataFrame] = deque(maxlen=max_rows)
        self._latest: pd.DataFrame = frame(LIVE_EXECUTABLE_SCHEMA)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[pd.DataFrame], Any]] = []
        self._worker: ThreadPoolExecutor | None = None
        self._waiting: tuple[dict[str, _Captured], str | None] | None = None
        self._last_capture: tuple[dict[str, _Captured], str | None] | None = None
        self._capture_due = False
        self._captured_at = -math.inf
        self._rereading = False
        self._reread_error: str | None = None  # why the last re-read of fees and routes failed
        self._trigger: str | None = None
        self._engine: Engine | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.updates = 0
        self.listener_errors = 0
        self.stream: MarketStream | None = None

    def __repr__(self) -> str:
        state = "streaming" if self.stream is not None and self.stream.running else "idle"
        return (
            f"<LiveExecutable {', '.join(self.bases)} at {self.size} {self.size_in} "
            f"fx={[b.label for b in self.fx]} {state}, {self.updates} updates>"
        )

    # -- the size ----------------------------------------------------------------------------
    @property
    def size(self) -> Decimal:
        """The size crossed (in :attr:`size_in`)."""
        return self._sizing[0]

    @property
    def size_in(self) -> str:
        """``"base"``, ``"USDT"`` or ``"KRW"``."""
        return self._sizing[1]

    def set_size(self, size: Any, size_in: str | None = None) -> None:
        """Price at ``size`` (in ``size_in``, default unchanged) from now on, starting with the
        books last captured (listeners get the new rows at once)."""
        self._sizing = check_size(size, self.size_in if size_in is None else size_in)
        last = self._last_capture
        if last is not None:
            self._enqueue(last[0], "size")

    # -- pricing -----------------------------------------------------------------------------
    def price(
        self, books: Mapping[str, LocalBook], *, now: Any = None, trigger: str | None = None
    ) -> pd.DataFrame:
        """Price the crossing from ``books`` (``{"binance:BTC/USDT": LocalBook, ...}``) right
        here, in the caller's thread, and make it the latest snapshot (for books kept by
        hand; a started stream calls this machinery itself). Returns :meth:`snapshot`'s frame."""
        captured = self._capture(books)
        self._last_capture = (captured, trigger)
        return self._compute(captured, trigger, now=now)

    def _book_depth(self, key: str, book: LocalBook) -> int:
        return min(book.max_levels, self._venue_depth.get(key, book.max_levels))

    def _capture(self, books: Mapping[str, LocalBook]) -> dict[str, _Captured]:
        """The wanted markets' books as immutable :class:`Book` s (cheap: on the stream's loop)."""
        out: dict[str, _Captured] = {}
        for key in self.markets:
            local = books.get(key)
            if local is None:
                out[key] = _Captured(None, "not streamed")
                continue
            if not local.synced:
                out[key] = _Captured(None, f"local book not synced ({local.unsynced_reason})")
                continue
            depth = self._book_depth(key, local)
            exchange, symbol = key.split(":", 1)
            ts = pd.NaT if local.ts is None else pd.Timestamp(local.ts, unit="s", tz="UTC").as_unit("ns")
            out[key] = _Captured(
                Book(
                    exchange=exchange,
                    symbol=symbol,
                    bids=tuple(local.levels("bid", depth)),
                    asks=tuple(local.levels("ask", depth)),
                    ts=ts,
                    depth=depth,
                ),
                None,
            )
        return out

    def _compute(
        self, captured: Mapping[str, _Captured], trigger: str | None, *, now: Any = None
    ) -> pd.DataFrame:
        at = _now() if now is None else utc_now_arg(now)
        costs = self._costs
        routes_too_old = bool(
            costs is not None and costs.ours and (at - costs.read_at).total_seconds() > self.max_info_age
        )
        fees = costs.fees if costs is not None else None
        routes = costs.routes if costs is not None and not routes_too_old else None
        books = {k: c.book for k, c in captured.items() if c.book is not None}
        size, unit = self._sizing
        df = executable_premium(
            self.bases,
            size,
            size_in=unit,
            books=books,
            now=at,
            fees=fees,
            routes=routes,
            fx=self.fx,
            directions=self.directions,
        )
        cols: dict[str, list[Any]] = {c: df[c].tolist() for c in df.columns}
        n = len(df)
        synced: list[bool] = []
        unsynced: list[str | None] = []
        stale: list[bool] = []
        errors: list[str | None] = []
        reasons = cols["route_reason"]
        cost_notes = list(costs.errors.values()) if costs is not None else []
        for i in range(n):
            keys = _keys_of(cols["base"][i], cols["fx_basis"][i])
            missing = [f"{k}: {captured[k].reason}" for k in keys if captured[k].book is None]
            synced.append(not missing)
            unsynced.append(join_errors(missing))
            ages = [cols[f"{leg}_book_age_s"][i] for leg in ("binance", "upbit", "fx")]
            stale.append(any(a is not None and not _nan(a) and a > self.max_age for a in ages))
            errors.append(join_errors([*missing, _text(cols["error"][i]), *cost_notes]))
            if routes_too_old:
                reasons[i] = (
                    f"wallet information read {(at - costs.read_at).total_seconds():.0f} s ago "  # type: ignore[union-attr]
                    f"(over max_info_age={self.max_info_age:g} s): being read again"
                    + (f"; the last re-read failed: {self._reread_error}" if self._reread_error else "")
                )
        cols.update(
            books_synced=synced,
            unsynced=unsynced,
            stale=stale,
            max_age_s=[self.max_age] * n,
            costs_read_at=[costs.read_at if costs is not None else pd.NaT] * n,
            costs_age_s=[(at - costs.read_at).total_seconds() if costs is not None else math.nan] * n,
            computed_ts=[at] * n,
            trigger=[trigger] * n,
            error=errors,
            route_reason=reasons,
        )
        out = frame(LIVE_EXECUTABLE_SCHEMA, cols)
        with self._lock:
            self._latest = out
            self._history.append(out)
            self.updates += 1
        if routes_too_old:
            self._reread_costs()
        for callback in list(self._listeners):
            try:
                callback(out)
            except Exception:  # a widget failing must not stop the pricing: count and log it
                self.listener_errors += 1
                log.exception("executable premium listener %r failed", callback)
        return out

    # -- reading -------------------------------------------------------------------------------
    def snapshot(self) -> pd.DataFrame:
        """The latest rows, one per (base, FX basis, direction).

        Returns
        -------
        DataFrame
            :data:`LIVE_EXECUTABLE_SCHEMA`: every column of ``xt.SCHEMAS["executable_premium"]``
            (legs, VWAPs, ``filled``, fee rates and sources, route, gross / after-fees / net
            premiums in bps, book ts and ages, error), then books_synced (every book the row
            needs is depth-synced), unsynced (which is not, and why), stale (a book older than
            max_age_s), max_age_s, costs_read_at and costs_age_s (when fees and routes were
            read), computed_ts, trigger (the market whose update, or ``"size"``, caused it).
        """
        with self._lock:
            return self._latest.copy()

    def frame(self) -> pd.DataFrame:
        """Every kept computation's rows, oldest first (:meth:`snapshot`'s columns)."""
        with self._lock:
            parts = list(self._history)
        if not parts:
            return frame(LIVE_EXECUTABLE_SCHEMA)
        return pd.concat(parts, ignore_index=True)

    def on_update(self, callback: Callable[[pd.DataFrame], Any]) -> None:
        """Call ``callback(snapshot)`` after every computation, e.g.
        ``live.on_update(panel.push_executable)``. While streaming it runs on this object's
        worker thread, never on the stream's loop; computations are coalesced (at most one
        every ``min_interval`` seconds, always on the newest books)."""
        self._listeners.append(callback)

    # -- the stream's side ------------------------------------------------------------------------
    def _on_record(self, rec: StreamRecord) -> None:
        # On the stream's loop: note that a book moved (or went missing) and schedule one capture.
        if rec.channel not in ("depth", None):
            return
        if rec.symbol is not None and rec.market not in self.markets:
            return
        if rec.symbol is None and not any(m.startswith(rec.exchange + ":") for m in self.markets):
            return
        self._trigger = rec.market if rec.symbol is not None else rec.exchange
        if self._capture_due:
            return
        self._capture_due = True
        wait = self._captured_at + self.min_interval - time.monotonic()
        loop = asyncio.get_running_loop()
        if wait > 0:
            loop.call_later(wait, self._capture_now)
        else:
            loop.call_soon(self._capture_now)

    def _capture_now(self) -> None:
        self._capture_due = False
        self._captured_at = time.monotonic()
        if self.stream is None:
            return
        captured = self._capture(self.stream.books)
        self._last_capture = (captured, self._trigger)
        self._enqueue(captured, self._trigger)

    def _enqueue(self, captured: dict[str, _Captured], trigger: str | None) -> None:
        """Hand ``captured`` to the worker thread; one still waiting is replaced (newest only)."""
        with self._lock:
            queued = self._waiting is not None
            self._waiting = (captured, trigger)
            if queued:
                return
            if self._worker is None:
                self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xtoolkit-live-exec")
            worker = self._worker
        worker.submit(self._work)

    def _work(self) -> None:
        with self._lock:
            job, self._waiting = self._waiting, None
        if job is None:
            return
        try:
            self._compute(*job)
        except Exception:  # keep streaming; the failure is logged and counted
            self.listener_errors += 1
            log.exception("live executable premium failed")

    # -- costs: fees and routes ---------------------------------------------------------------------
    async def _read_costs(self, engine: Engine) -> _Costs:
        """The account's taker fees and the wallets' routes (the REST verb's own readers)."""
        errors: dict[str, str] = {}
        if self._given_fees is not None:
            fee_book = self._given_fees
        else:
            fee_book, fee_errors = await fetch_fees(engine, self.markets)  # type: ignore[arg-type]
            errors.update({k: f"{k}: {error_text(e)} (default rates used)" for k, e in fee_errors.items()})
        if self._given_routes is not None:
            routes = self._given_routes
            ours = False
        else:
            routes, route_errors = await fetch_routes(engine, self.bases, max_info_age=self.max_info_age)  # type: ignore[arg-type]
            errors.update({k: f"{k}: {error_text(e)}" for k, e in route_errors.items()})
            ours = True
        return _Costs(fee_book, routes, _now(), ours=ours, errors=errors)

    def _reread_costs(self) -> None:
        """Read fees and routes again on the stream's loop (from the worker thread)."""
        engine, loop = self._engine, self._loop
        if (
            self._rereading
            or engine is None
            or loop is None
            or self.stream is None
            or not self.stream.running
        ):
            return
        self._rereading = True

        async def again() -> None:
            try:
                self._costs = await self._read_costs(engine)
                self._reread_error = None
            except Exception as exc:  # said in the rows' route_reason, not only in the log
                self._reread_error = error_text(exc)
                log.exception("re-reading fees and routes failed")
            finally:
                self._rereading = False
            last = self._last_capture
            if last is not None:
                self._enqueue(last[0], "costs")

        asyncio.run_coroutine_threadsafe(again(), loop)

    async def _prepare(self, client: Bridge | Engine) -> None:
        engine = engine_of(client)
        self._engine = engine
        self._loop = asyncio.get_running_loop()  # the engine's loop: where re-reads run
        for key in self.markets:
            exchange = key.split(":", 1)[0]
            self._venue_depth[key] = int(engine.venue(exchange).adapter.max_depth)  # type: ignore[attr-defined]
        if self._given_fees is None or self._given_routes is None:
            self._costs = await self._read_costs(engine)

    # -- lifecycle (start/stop/astart/astop: StreamDriven) -----------------------------------------
    def _close(self) -> None:
        """After the stream: let the last computation finish."""
        self._close_worker()

    def _make_stream(self, client: Bridge | Engine, options: dict[str, Any]) -> MarketStream:
        if self.stream is not None and self.stream.running:
            raise InvalidArgument("this executable premium is already streaming; stop() it first")
        options["channels"] = ("depth",)
        options.setdefault("depth", self.depth)
        self.depth = int(options["depth"])
        stream = MarketStream(client, self.markets, **options)
        stream.on_record(self._on_record)
        return stream

    def _close_worker(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=True)


def _keys_of(base: str, fx_label: str) -> list[str]:
    keys = [f"binance:{base}/{_QUOTES['binance']}", f"upbit:{base}/{_QUOTES['upbit']}"]
    if fx_label.startswith("upbit"):
        keys.append(FX_KEY)
    return keys


def _now() -> pd.Timestamp:
    return pd.Timestamp(time.time(), unit="s", tz="UTC").as_unit("ns")


def _text(value: Any) -> str | None:
    """A text cell as ``str`` (a frame's missing text reads back as NaN)."""
    return value if isinstance(value, str) else None


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
