"""Public trades: synthesised for historical minutes, recorded for the live walk.

A historical minute's trades are a pure function of (seed, listing, minute) and reproduce the
minute candle exactly: first price = open, last = close, extremes = high/low, quantities sum
to the volume, count = trade count, ids run from the minute's ``first_id``. Live trades (the
walk's and the users' fills) go to a bounded :class:`Tape`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields

import numpy as np

from xtoolkit.sandbox.grids import BandedGrid

__all__ = ["Tape", "TradeBatch", "sequential_id", "synth_minute_trades"]

#: Live trades kept per listing; older ones are re-synthesised from their minute candle.
TAPE_CAPACITY = 5_000


@dataclass(slots=True)
class TradeBatch:
    """Columns of trades in time order: id, time (ms), price, qty, and whether the buyer was
    the maker (i.e. the taker sold)."""

    id: np.ndarray
    t: np.ndarray
    p: np.ndarray
    q: np.ndarray
    buyer_maker: np.ndarray

    def __len__(self) -> int:
        return int(self.id.shape[0])

    @classmethod
    def empty(cls) -> TradeBatch:
        """No trades."""
        i = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        return cls(i, i, f, f, np.zeros(0, dtype=bool))

    def take(self, index: np.ndarray | slice) -> TradeBatch:
        """Rows selected by slice / mask / index."""
        return TradeBatch(*(getattr(self, f.name)[index] for f in fields(self)))

    @staticmethod
    def concat(parts: list[TradeBatch]) -> TradeBatch:
        """Stack batches in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return TradeBatch.empty()
        if len(parts) == 1:
            return parts[0]
        return TradeBatch(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(TradeBatch)))


def sequential_id(t: np.ndarray, trade_id: np.ndarray) -> np.ndarray:
    """Upbit-style ``sequential_id``: ms timestamp × 10⁴ + a per-trade counter (unique unless
    10⁴ trades share one millisecond)."""
    return np.asarray(t, dtype=np.int64) * 10_000 + np.asarray(trade_id, dtype=np.int64) % 10_000


def synth_minute_trades(
    *,
    t: int,
    o: float,
    h: float,
    low: float,
    c: float,
    v: float,
    n: int,
    tbv: float,
    first_id: int,
    grid: BandedGrid,
    qty_step: float,
    rng: np.random.Generator,
    span_ms: int = 60_000,
) -> TradeBatch:
    """The ``n`` trades of one minute candle, consistent with its OHLCV."""
    if n <= 0:
        return TradeBatch.empty()
    times = np.sort(rng.integers(t, t + span_ms, size=n)).astype(np.int64)
    prices = np.empty(n)
    if n == 1:
        prices[0] = c
    else:
        prices[:] = grid.nearest_array(rng.uniform(low, h, size=n))
        prices = np.clip(prices, low, h)
        prices[0], prices[-1] = o, c
        if n >= 4:
            i_h, i_l = rng.choice(np.arange(1, n - 1), size=2, replace=False)
            prices[i_h], prices[i_l] = h, low
        elif n == 3:
            prices[1] = h if (h - max(o, c)) >= (min(o, c) - low) else low
    units = round(v / qty_step)
    extra = max(units - n, 0)
    weights = rng.dirichlet(np.full(n, 1.5))
    qty = (1 + rng.multinomial(extra, weights)) * qty_step
    buy_share = tbv / v if v > 0 else 0.5
    buyer_maker = rng.random(n) >= buy_share
    return TradeBatch(
        id=first_id + np.arange(n, dtype=np.int64),
        t=times,
        p=prices,
        q=qty,
        buyer_maker=buyer_maker,
    )


class Tape:
    """Bounded store of a listing's live trades, oldest first."""

    __slots__ = ("_chunks", "_size", "capacity", "next_id")

    def __init__(self, next_id: int, capacity: int = TAPE_CAPACITY) -> None:
        self._chunks: deque[TradeBatch] = deque()
        self._size = 0
        self.capacity = capacity
        self.next_id = next_id

    def __len__(self) -> int:
        return self._size

    def append(self, batch: TradeBatch) -> None:
        """Add trades (their ids must continue :attr:`next_id`)."""
        if not len(batch):
            return
        self._chunks.append(batch)
        self._size += len(batch)
        self.next_id = int(batch.id[-1]) + 1
        while self._size - len(self._chunks[0]) >= self.capacity:
            self._size -= len(self._chunks.popleft())

    def all(self) -> TradeBatch:
        """Every kept trade as one batch."""
        if len(self._chunks) > 1:
            merged = TradeBatch.concat(list(self._chunks))
            self._chunks = deque([merged])
        return self._chunks[0] if self._chunks else TradeBatch.empty()

    @property
    def nbytes(self) -> int:
        """Bytes held by the kept trades."""
        return sum(getattr(c, f.name).nbytes for c in self._chunks for f in fields(TradeBatch))

    @property
    def first_time(self) -> int | None:
        """Time of the oldest kept trade (``None`` if empty)."""
        return int(self._chunks[0].t[0]) if self._chunks else None
