"""A rolling DataFrame buffer of stream records with bounded memory.

Columns live in preallocated numpy arrays used as a ring: the buffer never holds more than
``max_rows`` rows and its memory does not grow however long the stream runs (text columns are
stored as small integer codes into a table of the distinct values). Appends are batched, so
the hot path costs one list append; :meth:`StreamBuffer.frame` is safe from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit.stream.records import STREAM_SCHEMA, StreamRecord

__all__ = ["StreamBuffer"]

#: Records gathered before they are written into the ring in one vectorised step.
FLUSH_EVERY = 256
_FLOATS = ("bid", "ask", "bid_qty", "ask_qty", "price", "qty", "event_ts", "received_ts")
_TEXTS = ("exchange", "symbol", "channel", "side")


class StreamBuffer:
    """The newest ``max_rows`` stream records, as a DataFrame on demand.

    Parameters
    ----------
    max_rows
        Rows kept; the oldest are dropped first.

    Attributes
    ----------
    total
        Records ever appended.
    dropped
        Records pushed out by newer ones.
    """

    def __init__(self, max_rows: int = 10_000) -> None:
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise InvalidArgument(f"max_rows must be a positive int, not {max_rows!r}")
        self.max_rows = max_rows
        self.total = 0
        self._lock = threading.Lock()
        self._pending: list[StreamRecord] = []
        self._head = 0
        self._size = 0
        self._floats = {name: np.full(max_rows, np.nan) for name in _FLOATS}
        self._codes = {name: np.full(max_rows, -1, dtype=np.int32) for name in _TEXTS}
        self._seq = np.zeros(max_rows, dtype=np.int64)
        self._seq_ok = np.zeros(max_rows, dtype=bool)
        self._gap = np.zeros(max_rows, dtype=bool)
        self._reason = np.full(max_rows, None, dtype=object)
        self._table: list[str] = []
        self._index: dict[str, int] = {}

    def __len__(self) -> int:
        with self._lock:
            return min(self._size + len(self._pending), self.max_rows)

    def __repr__(self) -> str:
        return f"<StreamBuffer {len(self)}/{self.max_rows} rows, {self.total} seen>"

    @property
    def dropped(self) -> int:
        """Records no longer held (pushed out by newer ones)."""
        return self.total - len(self)

    @property
    def nbytes(self) -> int:
        """Bytes held by the column arrays (fixed for a given ``max_rows``)."""
        arrays = [
            *self._floats.values(),
            *self._codes.values(),
            self._seq,
            self._seq_ok,
            self._gap,
            self._reason,
        ]
        return sum(a.nbytes for a in arrays)

    def append(self, record: StreamRecord) -> None:
        """Add one record (the oldest row goes once ``max_rows`` are held)."""
        with self._lock:
            self._pending.append(record)
            self.total += 1
            if len(self._pending) >= FLUSH_EVERY:
                self._flush()

    def extend(self, records: Iterable[StreamRecord]) -> None:
        """Add many records in order."""
        with self._lock:
            for record in records:
                self._pending.append(record)
                self.total += 1
                if len(self._pending) >= FLUSH_EVERY:
                    self._flush()

    def clear(self) -> None:
        """Drop every row (``total`` keeps counting)."""
        with self._lock:
            self._pending.clear()
            self._head = self._size = 0

    def _code(self, text: str | None) -> int:
        if text is None:
            return -1
        code = self._index.get(text)
        if code is None:
            code = self._index[text] = len(self._table)
            self._table.append(text)
        return code

    def _flush(self) -> None:
        recs = self._pending[-self.max_rows :]
        self._pending = []
        n = len(recs)
        if not n:
            return
        idx = (self._head + np.arange(n)) % self.max_rows
        for name in _FLOATS:
            if name == "event_ts":
                values = [np.nan if r.event_ts is None else r.event_ts for r in recs]
            else:
                values = [getattr(r, name) for r in recs]
            self._floats[name][idx] = values
        for name in _TEXTS:
            self._codes[name][idx] = [self._code(getattr(r, name)) for r in recs]
        self._seq[idx] = [0 if r.seq is None else r.seq for r in recs]
        self._seq_ok[idx] = [r.seq is not None for r in recs]
        self._gap[idx] = [r.gap for r in recs]
        self._reason[idx] = [r.reason for r in recs]
        self._head = int((self._head + n) % self.max_rows)
        self._size = min(self._size + n, self.max_rows)

    def frame(self) -> pd.DataFrame:
        """The held rows, oldest first.

        Returns
        -------
        DataFrame
            exchange, symbol, channel ("book_ticker" / "trades" / "depth"), bid, ask, bid_qty,
            ask_qty (book rows), price, qty, side (taker side of trades), event_ts (venue time),
            received_ts (arrival), seq (nullable Int64: update id / trade id / sequential id),
            gap (True: data may be missing here), reason (why; also notes rows rebuilt from REST).
        """
        with self._lock:
            self._flush()
            n = self._size
            pos = (self._head - n + np.arange(n)) % self.max_rows
            table = np.array([*self._table, None], dtype=object)
            data: dict[str, object] = {}
            for name in STREAM_SCHEMA:
                if name in self._codes:
                    data[name] = pd.array(table[self._codes[name][pos]], dtype="str")
                elif name in ("event_ts", "received_ts"):
                    data[name] = pd.to_datetime(self._floats[name][pos], unit="s", utc=True).as_unit("ns")
                elif name in self._floats:
                    data[name] = self._floats[name][pos].copy()
                elif name == "seq":
                    data[name] = pd.arrays.IntegerArray(self._seq[pos].copy(), ~self._seq_ok[pos])
                elif name == "gap":
                    data[name] = self._gap[pos].copy()
                else:
                    data[name] = pd.array(list(self._reason[pos]), dtype="str")
        return pd.DataFrame(data, index=pd.RangeIndex(n))
