"""The history archive: minute, hour and day candles of every listing, for any window.

A :class:`HistoryArchive` wraps the pure generator of :mod:`xtoolkit.sandbox.history` with
bounded caches. It depends only on the catalog and the seed — not on when a sandbox started —
so one archive is shared by every sandbox of the process with the same data and seed (tests
and notebooks start many). Everything it returns is *history*: candles of minutes that opened
before a caller's start minute are the caller's business (``end`` bounds every query).

Prices here are unrounded; :func:`on_grid` puts an aggregated table on a listing's grid.
Thread-safe: sandboxes on different server threads share an archive.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import fields

import numpy as np

from xtoolkit.sandbox.candles import DAY, HOUR, MINUTE, Candles, aggregate
from xtoolkit.sandbox.catalog import Catalog
from xtoolkit.sandbox.history import (
    BLOCK_DAYS_MINUTES,
    EPOCH_MS,
    ComponentPath,
    ComponentSpec,
    day_counts,
    day_index,
    listing_block,
)
from xtoolkit.sandbox.listings import Listing, build_components, build_listings

__all__ = ["HistoryArchive", "archive_for", "on_grid"]

#: Component minute blocks kept (92 KB each; shared by every listing priced from them).
PATH_CACHE = 96
#: Listing blocks of raw minute candles kept (~1 MB each).
BLOCK_CACHE = 12
#: Listing days of hour candles kept (24 rows each).
HOUR_CACHE = 8192
#: Archives kept per process (one per distinct catalog and seed).
ARCHIVES = 4

_SUMMARY_FLOAT = ("o", "h", "l", "c", "v", "qv", "tbv")
_SUMMARY_INT = ("n", "last", "first_id")


def on_grid(table: Candles, lst: Listing) -> Candles:
    """``table`` with open/high/low/close on ``lst``'s price grid (volumes untouched)."""
    if not len(table):
        return table
    near = lst.grid.nearest_array
    return Candles(
        t=table.t,
        o=near(table.o),
        h=near(table.h),
        l=near(table.l),
        c=near(table.c),
        v=table.v,
        qv=table.qv,
        n=table.n,
        tbv=table.tbv,
        last=table.last,
        first_id=table.first_id,
    )


class _DaySummaries:
    """One aggregated row per day of one listing, over the days asked so far (grown on
    demand at either end, so a year of day candles costs a year, not the whole listing)."""

    def __init__(self, first_day: int) -> None:
        self.first_day = first_day
        self.done = np.zeros(0, dtype=bool)
        self.cols: dict[str, np.ndarray] = {name: np.zeros(0) for name in _SUMMARY_FLOAT}
        self.cols.update({name: np.zeros(0, dtype=np.int64) for name in _SUMMARY_INT})

    def cover(self, d0: int, d1: int) -> None:
        """Make room for days ``d0..d1``."""
        if not len(self.done):
            self.first_day = d0
        lo = min(d0, self.first_day)
        hi = max(d1, self.first_day + len(self.done) - 1)
        front, back = self.first_day - lo, hi - (self.first_day + len(self.done) - 1)
        if front <= 0 and back <= 0:
            return
        back = max(back, min(64, len(self.done)))  # amortise growth at the recent end
        self.done = np.r_[np.zeros(front, dtype=bool), self.done, np.zeros(back, dtype=bool)]
        for name, arr in self.cols.items():
            self.cols[name] = np.r_[np.zeros(front, dtype=arr.dtype), arr, np.zeros(back, dtype=arr.dtype)]
        self.first_day = lo

    def put(self, d: int, row: Candles) -> None:
        i = d - self.first_day
        for name in (*_SUMMARY_FLOAT, *_SUMMARY_INT):
            self.cols[name][i] = getattr(row, name)[0]
        self.done[i] = True

    def take(self, d0: int, d1: int) -> Candles:
        sl = slice(d0 - self.first_day, d1 - self.first_day + 1)
        t = EPOCH_MS + np.arange(d0, d1 + 1, dtype=np.int64) * DAY
        return Candles(t=t, **{name: self.cols[name][sl].copy() for name in (*_SUMMARY_FLOAT, *_SUMMARY_INT)})

    @property
    def nbytes(self) -> int:
        return self.done.nbytes + sum(a.nbytes for a in self.cols.values())


class HistoryArchive:
    """Generated history of every listing of one catalog and seed."""

    def __init__(self, catalog: Catalog, seed: int) -> None:
        self.seed = int(seed)
        self.components: list[ComponentSpec] = build_components(catalog, self.seed)
        self.listings: list[Listing] = build_listings(catalog, self.components)
        self._paths = [ComponentPath(spec, self.seed, i) for i, spec in enumerate(self.components)]
        self._lock = threading.RLock()
        self._path_cache: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._block_cache: OrderedDict[tuple[int, int], Candles] = OrderedDict()
        self._hour_cache: OrderedDict[tuple[int, int], Candles] = OrderedDict()
        self._cum: dict[int, np.ndarray] = {}  # listing → trades before each day since listing
        self._summaries: dict[int, _DaySummaries] = {}

    # -- facts --------------------------------------------------------------------------
    @staticmethod
    def first_day(lst: Listing) -> int:
        """Day number (from the epoch) of the listing's first trading day."""
        return -int(lst.listed_days)

    def listed_ms(self, lst: Listing) -> int:
        """Open time of the listing's first minute."""
        return EPOCH_MS + self.first_day(lst) * DAY

    def sigma_minute(self, lst: Listing) -> float:
        """Standard deviation of one minute's log change of ``lst`` (components independent)."""
        return float(np.sqrt(sum((e * self._paths[i].sigma_minute) ** 2 for i, e in lst.formula)))

    def component_value(self, comp: int, ms: int) -> float:
        """Log value of component ``comp`` at the minute boundary ``ms`` (a minute open)."""
        with self._lock:
            d = day_index(ms)
            block, row = divmod(d, BLOCK_DAYS_MINUTES)
            return float(self._path(comp, block)[row, (ms - EPOCH_MS - d * DAY) // MINUTE])

    @property
    def nbytes(self) -> int:
        """Bytes held by the caches."""
        with self._lock:
            total = sum(a.nbytes for a in self._path_cache.values())
            total += sum(_nbytes(t) for t in self._block_cache.values())
            total += sum(_nbytes(t) for t in self._hour_cache.values())
            total += sum(a.nbytes for a in self._cum.values())
            return total + sum(s.nbytes for s in self._summaries.values())

    # -- trade counts and ids -----------------------------------------------------------
    def trades_before_day(self, lst: Listing, d: int) -> int:
        """Trades of ``lst`` from its listing up to (not including) day ``d``."""
        with self._lock:
            first = self.first_day(lst)
            if d <= first:
                return 0
            cum = self._cum_to(lst, d)
            return int(cum[d - first])

    def _cum_to(self, lst: Listing, d: int) -> np.ndarray:
        first = self.first_day(lst)
        cum = self._cum.get(lst.index)
        # cum[k] = trades before day first+k; nothing cached yet covers no day at all (a day
        # before the 2026 epoch — a clock pinned earlier — must still be computed).
        have = first - 1 if cum is None else len(cum) - 1 + first
        if cum is None or have < d:
            upto = max(d, first + 2 * (0 if cum is None else len(cum)), first + 64)
            counts = day_counts(lst.activity, self.seed, lst.index, first, upto - 1)
            cum = np.r_[0, np.cumsum(counts)].astype(np.int64)
            self._cum[lst.index] = cum
        assert cum is not None
        return cum

    def day_of_trade(self, lst: Listing, trade_id: int, last_day: int) -> int:
        """The day (≤ ``last_day``) whose trades include id ``trade_id`` (clamped)."""
        with self._lock:
            first = self.first_day(lst)
            if last_day < first:
                return first
            cum = self._cum_to(lst, last_day + 1)[: last_day - first + 2]
            k = int(np.searchsorted(cum, trade_id, side="right")) - 1
            return first + min(max(k, 0), last_day - first)

    # -- candles ------------------------------------------------------------------------
    def _path(self, comp: int, block: int) -> np.ndarray:
        key = (comp, block)
        path = self._path_cache.get(key)
        if path is None:
            path = self._paths[comp].block_paths(block)
            self._path_cache[key] = path
            if len(self._path_cache) > PATH_CACHE:
                self._path_cache.popitem(last=False)
        else:
            self._path_cache.move_to_end(key)
        return path

    def _block(self, lst: Listing, block: int) -> Candles:
        key = (lst.index, block)
        table = self._block_cache.get(key)
        if table is not None:
            self._block_cache.move_to_end(key)
            return table
        d0 = block * BLOCK_DAYS_MINUTES
        d1 = d0 + BLOCK_DAYS_MINUTES - 1
        first = self.first_day(lst)
        counts = day_counts(lst.activity, self.seed, lst.index, d0, d1)
        counts[: max(0, min(first - d0, BLOCK_DAYS_MINUTES))] = 0  # nothing before the listing
        before = self.trades_before_day(lst, d0) + np.r_[0, np.cumsum(counts)[:-1]]
        table = listing_block(
            [(self._path(i, block), e) for i, e in lst.formula],
            self.sigma_minute(lst),
            lst.activity,
            self.seed,
            lst.index,
            block,
            counts,
            before.astype(np.int64),
        )
        if first > d0:
            table = table.between(self.listed_ms(lst), None).copy()
        self._block_cache[key] = table
        if len(self._block_cache) > BLOCK_CACHE:
            self._block_cache.popitem(last=False)
        return table

    def raw_day(self, lst: Listing, d: int) -> Candles:
        """The 1,440 dense minute candles of ``lst`` on day ``d`` (empty before listing)."""
        with self._lock:
            if d < self.first_day(lst):
                return Candles.empty()
            block = d // BLOCK_DAYS_MINUTES
            return self._block(lst, block).between(EPOCH_MS + d * DAY, EPOCH_MS + (d + 1) * DAY - 1)

    def minutes(self, lst: Listing, start: int, end: int) -> Candles:
        """Dense minute candles opening in ``[start, end]`` (unrounded)."""
        start = max(start, self.listed_ms(lst))
        if end < start:
            return Candles.empty()
        with self._lock:
            blocks = range(day_index(start) // BLOCK_DAYS_MINUTES, day_index(end) // BLOCK_DAYS_MINUTES + 1)
            parts = [self._block(lst, b).between(start, end) for b in blocks]
        return Candles.concat(parts)

    def hours(self, lst: Listing, start: int, end: int) -> Candles:
        """Hour candles opening in ``[start, end]`` (each an aggregate of its 60 minutes)."""
        start = max(start - start % HOUR, self.listed_ms(lst))
        if end < start:
            return Candles.empty()
        parts: list[Candles] = []
        with self._lock:
            for d in range(day_index(start), day_index(end) + 1):
                key = (lst.index, d)
                hours = self._hour_cache.get(key)
                if hours is None:
                    raw = self.raw_day(lst, d)
                    hours = aggregate(raw, raw.t - raw.t % HOUR) if len(raw) else Candles.empty()
                    self._hour_cache[key] = hours
                    if len(self._hour_cache) > HOUR_CACHE:
                        self._hour_cache.popitem(last=False)
                else:
                    self._hour_cache.move_to_end(key)
                parts.append(hours)
        return Candles.concat(parts).between(start, end)

    def _summaries_of(self, lst: Listing) -> _DaySummaries:
        summ = self._summaries.get(lst.index)
        if summ is None:
            summ = self._summaries[lst.index] = _DaySummaries(self.first_day(lst))
        return summ

    def _summarise_block(self, lst: Listing, block: int) -> None:
        """Day candles of the days of minute block ``block`` into the summary cache."""
        raw = self._block(lst, block)
        if not len(raw):
            return
        summ = self._summaries_of(lst)
        summ.cover(block * BLOCK_DAYS_MINUTES, (block + 1) * BLOCK_DAYS_MINUTES - 1)
        rows = aggregate(raw, raw.t - (raw.t - EPOCH_MS) % DAY)
        for k in range(len(rows)):
            summ.put(day_index(int(rows.t[k])), rows.take(slice(k, k + 1)))

    def _missing_blocks(self, lst: Listing, d0: int, d1: int) -> list[int]:
        summ = self._summaries_of(lst)
        summ.cover(d0, d1)
        missing = np.flatnonzero(~summ.done[d0 - summ.first_day : d1 - summ.first_day + 1]) + d0
        return np.unique(missing // BLOCK_DAYS_MINUTES).tolist()

    def day_closes(self, lst: Listing, d0: int, d1: int) -> np.ndarray:
        """Unrounded closing prices of days ``d0..d1`` from the day boundaries alone (the
        last minute's close: exact for a market that trades every minute)."""
        if d1 < d0:
            return np.zeros(0)
        with self._lock:
            logs = [sum(e * self._paths[i].at_day(d + 1) for i, e in lst.formula) for d in range(d0, d1 + 1)]
        return np.exp(np.array(logs))

    def days(self, lst: Listing, d0: int, d1: int) -> Candles:
        """Day candles of days ``d0..d1`` (each an aggregate of its 1,440 minutes)."""
        with self._lock:
            d0 = max(d0, self.first_day(lst))
            if d1 < d0:
                return Candles.empty()
            for block in self._missing_blocks(lst, d0, d1):
                self._summarise_block(lst, block)
            return self._summaries_of(lst).take(d0, d1)


def _nbytes(table: Candles) -> int:
    return sum(getattr(table, f.name).nbytes for f in fields(Candles))


_archives: OrderedDict[tuple[str, int], HistoryArchive] = OrderedDict()
_archives_lock = threading.Lock()


def archive_for(catalog: Catalog, seed: int) -> HistoryArchive:
    """The process's archive for ``catalog`` and ``seed`` (created on first use)."""
    # The catalog is plain frozen data, so its repr identifies its content.
    key = (hashlib.sha1(repr(catalog).encode()).hexdigest(), int(seed))
    with _archives_lock:
        archive = _archives.get(key)
        if archive is None:
            archive = _archives[key] = HistoryArchive(catalog, seed)
            while len(_archives) > ARCHIVES:
                _archives.popitem(last=False)
        else:
            _archives.move_to_end(key)
        return archive
