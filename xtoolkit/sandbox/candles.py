"""Columnar candle tables, interval bucketing and exact aggregation.

A :class:`Candles` table holds one row per period (open time in ms). Rows with ``v == 0`` are
"no trade" periods: their prices are flat at the previous close. Aggregation ignores them for
open/high/low/close so a coarse candle opens at its first *traded* finer period, as on the
venues. Interval rules are data (:data:`BINANCE_INTERVALS`, :data:`UPBIT_MINUTE_UNITS`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = [
    "BINANCE_INTERVALS",
    "DAY",
    "HOUR",
    "MINUTE",
    "SECOND",
    "UPBIT_MINUTE_UNITS",
    "Candles",
    "Interval",
    "aggregate",
    "bucket_starts",
]

SECOND = 1_000
MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000
_WEEK = 7 * DAY
_MONDAY_OFFSET = 4 * DAY  # 1970-01-01 was a Thursday; the first Monday is 4 days later


@dataclass(frozen=True, slots=True)
class Interval:
    """A candle period: ``kind`` is ``fixed`` (``ms`` long), ``week``, ``month`` or ``year``."""

    name: str
    kind: str
    ms: int

    @property
    def nominal_ms(self) -> int:
        """Length used for close-time arithmetic of fixed intervals (approximate otherwise)."""
        return self.ms


def _fixed(name: str, ms: int) -> Interval:
    return Interval(name, "fixed", ms)


#: Binance kline intervals (case-sensitive) — spec binance-spot.md §3.6.
BINANCE_INTERVALS: dict[str, Interval] = {
    "1s": _fixed("1s", SECOND),
    "1m": _fixed("1m", MINUTE),
    "3m": _fixed("3m", 3 * MINUTE),
    "5m": _fixed("5m", 5 * MINUTE),
    "15m": _fixed("15m", 15 * MINUTE),
    "30m": _fixed("30m", 30 * MINUTE),
    "1h": _fixed("1h", HOUR),
    "2h": _fixed("2h", 2 * HOUR),
    "4h": _fixed("4h", 4 * HOUR),
    "6h": _fixed("6h", 6 * HOUR),
    "8h": _fixed("8h", 8 * HOUR),
    "12h": _fixed("12h", 12 * HOUR),
    "1d": _fixed("1d", DAY),
    "3d": _fixed("3d", 3 * DAY),
    "1w": Interval("1w", "week", _WEEK),
    "1M": Interval("1M", "month", 31 * DAY),
}

#: Upbit minute-candle units — spec upbit.md §3.6.
UPBIT_MINUTE_UNITS: frozenset[int] = frozenset({1, 3, 5, 10, 15, 30, 60, 240})


@dataclass(slots=True)
class Candles:
    """Columns of a candle table; every column has one entry per row, rows ascend in time.

    ``t`` open time (ms), ``o/h/l/c`` prices, ``v`` base volume, ``qv`` quote volume, ``n``
    trade count, ``tbv`` taker-buy base volume, ``last`` time of the last trade (ms, for
    Upbit's candle ``timestamp``), ``first_id`` id of the period's first trade.
    """

    t: np.ndarray
    o: np.ndarray
    h: np.ndarray
    l: np.ndarray  # noqa: E741 - the conventional OHLC name
    c: np.ndarray
    v: np.ndarray
    qv: np.ndarray
    n: np.ndarray
    tbv: np.ndarray
    last: np.ndarray
    first_id: np.ndarray

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @classmethod
    def empty(cls) -> Candles:
        """A table with no rows."""
        f = np.zeros(0)
        i = np.zeros(0, dtype=np.int64)
        return cls(i, f, f, f, f, f, f, i, f, i, i)

    def take(self, index: np.ndarray | slice) -> Candles:
        """Rows selected by a slice, boolean mask or index array."""
        return Candles(*(getattr(self, f.name)[index] for f in fields(self)))

    def copy(self) -> Candles:
        """A table owning its arrays (a slice would keep its parent's memory alive)."""
        return Candles(*(getattr(self, f.name).copy() for f in fields(self)))

    def between(self, start: int | None, end: int | None) -> Candles:
        """Rows whose open time is within ``[start, end]`` (inclusive; ``None`` = unbounded)."""
        lo = 0 if start is None else int(np.searchsorted(self.t, start, side="left"))
        hi = len(self) if end is None else int(np.searchsorted(self.t, end, side="right"))
        return self.take(slice(lo, hi))

    @staticmethod
    def concat(parts: list[Candles]) -> Candles:
        """Stack tables in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Candles.empty()
        if len(parts) == 1:
            return parts[0]
        return Candles(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Candles)))


def bucket_starts(t: np.ndarray, interval: Interval, offset_ms: int = 0) -> np.ndarray:
    """Open time of the ``interval`` bucket holding each time in ``t``.

    ``offset_ms`` is the time-zone offset (local = UTC + offset): boundaries fall on local
    midnights / Mondays / month starts while the returned times stay UTC.
    """
    local = t.astype(np.int64) + offset_ms
    if interval.kind == "fixed":
        out = (local // interval.ms) * interval.ms
    elif interval.kind == "week":
        out = ((local - _MONDAY_OFFSET) // _WEEK) * _WEEK + _MONDAY_OFFSET
    elif interval.kind in ("month", "year"):
        unit = "M" if interval.kind == "month" else "Y"
        out = (
            local.astype("datetime64[ms]")
            .astype(f"datetime64[{unit}]")
            .astype("datetime64[ms]")
            .astype(np.int64)
        )
    else:
        raise ValueError(f"unknown interval kind {interval.kind!r}")
    return out - offset_ms


def next_bucket(start: int, interval: Interval, offset_ms: int = 0) -> int:
    """Open time of the bucket after the one opening at ``start``."""
    if interval.kind in ("fixed", "week"):
        return start + interval.ms
    local = np.array([start + offset_ms], dtype=np.int64).astype("datetime64[ms]")
    unit = "M" if interval.kind == "month" else "Y"
    nxt = (local.astype(f"datetime64[{unit}]") + 1).astype("datetime64[ms]").astype(np.int64)
    return int(nxt[0]) - offset_ms


def aggregate(table: Candles, keys: np.ndarray) -> Candles:
    """Merge consecutive rows sharing a bucket key (``keys`` non-decreasing, one per row).

    Open/close come from the first/last row that traded, high/low from traded rows only;
    buckets without any trade stay flat at their first row's price with zero volume.
    """
    if len(table) == 0:
        return Candles.empty()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(table)]
    traded = table.v > 0
    idx = np.arange(len(table))
    big = len(table) + 1
    first = np.minimum.reduceat(np.where(traded, idx, big), starts)
    last = np.maximum.reduceat(np.where(traded, idx, -1), starts)
    any_traded = last >= 0
    first = np.where(any_traded, first, starts)
    last = np.where(any_traded, last, ends - 1)
    high = np.maximum.reduceat(np.where(traded, table.h, -np.inf), starts)
    low = np.minimum.reduceat(np.where(traded, table.l, np.inf), starts)
    # rows without trades are flat (o == h == l == c), so their open is the bucket's level
    high = np.where(any_traded, high, table.o[first])
    low = np.where(any_traded, low, table.o[first])
    return Candles(
        t=keys[starts].astype(np.int64),
        o=table.o[first],
        h=high,
        l=low,
        c=table.c[last],
        v=np.add.reduceat(table.v, starts),
        qv=np.add.reduceat(table.qv, starts),
        n=np.add.reduceat(table.n, starts),
        tbv=np.add.reduceat(table.tbv, starts),
        # time of the last *trade*: quiet rows' placeholder times must not count
        last=np.where(
            any_traded, np.maximum.reduceat(np.where(traded, table.last, 0), starts), table.t[starts]
        ),
        first_id=table.first_id[starts],
    )
