"""Minute candles of the live session, built incrementally from live trades.

Rows are dense from the start minute on: a minute without trades is a flat, zero-volume row at
the previous close (Binance prints those; Upbit's handlers drop them). Storage is numpy with
capacity doubling so a long-running sandbox costs ~90 bytes per listing-minute.
"""

from __future__ import annotations

import numpy as np

from xtoolkit.sandbox.candles import MINUTE, Candles
from xtoolkit.sandbox.trades import TradeBatch

__all__ = ["LiveCandles"]

_FLOAT_COLS = ("o", "h", "l", "c", "v", "qv", "tbv")
_INT_COLS = ("t", "n", "last", "first_id")


class LiveCandles:
    """Dense minute candles from ``m0`` on, for one listing."""

    def __init__(self, m0: int, open_price: float, next_id: int) -> None:
        self.m0 = m0
        self._size = 0
        self._cap = 64
        self._cols: dict[str, np.ndarray] = {c: np.zeros(self._cap) for c in _FLOAT_COLS}
        self._cols.update({c: np.zeros(self._cap, dtype=np.int64) for c in _INT_COLS})
        self.close = open_price
        self.next_id = next_id
        #: Id of the first live trade (every earlier id belongs to the generated history).
        self.first_live_id = next_id

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Bytes held by the row buffers."""
        return sum(arr.nbytes for arr in self._cols.values())

    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        while self._cap < need:
            self._cap *= 2
        for name, arr in self._cols.items():
            new = np.zeros(self._cap, dtype=arr.dtype)
            new[: self._size] = arr[: self._size]
            self._cols[name] = new

    def _fill_flat(self, upto_index: int) -> None:
        """Append flat rows so that minute ``upto_index - 1`` exists."""
        start = self._size
        if upto_index <= start:
            return
        self._grow(upto_index)
        sl = slice(start, upto_index)
        cols = self._cols
        cols["t"][sl] = self.m0 + np.arange(start, upto_index, dtype=np.int64) * MINUTE
        for name in ("o", "h", "l", "c"):
            cols[name][sl] = self.close
        for name in ("v", "qv", "tbv", "n"):
            cols[name][sl] = 0
        cols["last"][sl] = cols["t"][sl]
        cols["first_id"][sl] = self.next_id
        self._size = upto_index

    def add(self, trades: TradeBatch) -> None:
        """Fold time-ordered trades into the rows (none may precede the newest row)."""
        if not len(trades):
            return
        # A trade stamped before the newest row (should not happen) is folded into that row
        # rather than rewriting history.
        minute_idx = np.maximum((trades.t - self.m0) // MINUTE, max(self._size - 1, 0))
        cols = self._cols
        for j in np.unique(minute_idx).tolist():
            sel = minute_idx == j
            p, q, t = trades.p[sel], trades.q[sel], trades.t[sel]
            taker_buy = q[~trades.buyer_maker[sel]].sum()
            fresh = j >= self._size
            if fresh:
                self._fill_flat(j)
                self._grow(j + 1)
                cols["t"][j] = self.m0 + j * MINUTE
                cols["o"][j] = p[0]
                cols["h"][j] = p.max()
                cols["l"][j] = p.min()
                for name in ("v", "qv", "tbv", "n"):
                    cols[name][j] = 0
                cols["first_id"][j] = trades.id[sel][0]
                self._size = j + 1
            else:
                if cols["n"][j] == 0:
                    cols["o"][j], cols["h"][j], cols["l"][j] = p[0], p.max(), p.min()
                    cols["first_id"][j] = trades.id[sel][0]
                else:
                    cols["h"][j] = max(cols["h"][j], p.max())
                    cols["l"][j] = min(cols["l"][j], p.min())
            cols["c"][j] = p[-1]
            cols["v"][j] += q.sum()
            cols["qv"][j] += float((p * q).sum())
            cols["tbv"][j] += taker_buy
            cols["n"][j] += int(sel.sum())
            cols["last"][j] = t[-1]
            self.close = float(p[-1])
        self.next_id = int(trades.id[-1]) + 1

    def table(self, now_ms: int) -> Candles:
        """All rows up to the minute containing ``now_ms`` (flat rows appended, not stored)."""
        want = max(0, (now_ms - self.m0) // MINUTE + 1)
        n = self._size
        # copies: callers may keep the table after more trades arrive
        cols = {name: arr[:n].copy() for name, arr in self._cols.items()}
        table = Candles(
            t=cols["t"],
            o=cols["o"],
            h=cols["h"],
            l=cols["l"],
            c=cols["c"],
            v=cols["v"],
            qv=cols["qv"],
            n=cols["n"],
            tbv=cols["tbv"],
            last=cols["last"],
            first_id=cols["first_id"],
        )
        if want <= n:
            return table
        extra = want - n
        t = self.m0 + np.arange(n, want, dtype=np.int64) * MINUTE
        flat = np.full(extra, self.close)
        zeros = np.zeros(extra)
        izeros = np.zeros(extra, dtype=np.int64)
        pad = Candles(
            t,
            flat,
            flat,
            flat,
            flat,
            zeros,
            zeros,
            izeros,
            zeros,
            t.copy(),
            np.full(extra, self.next_id, dtype=np.int64),
        )
        return Candles.concat([table, pad])
