"""A local order book kept correct from a stream: pure state, no I/O.

Binance (diff depth + REST snapshot, the venue's documented procedure):

1. while unsynced, buffer diff events (bounded);
2. load a REST snapshot (``lastUpdateId`` = L): if even the first buffered event starts
   after L + 1 the snapshot is too old — fetch another;
3. drop buffered events with ``u <= L``; apply the rest in order;
4. then apply each event: ``u <= local`` is a duplicate (dropped), ``U > local + 1`` is a
   **gap**: the book is unsynced again and must be re-snapshotted.

(Binance's text says "retry if L < U"; a snapshot with L = U - 1 is also exact — the first
event then starts right after it — so only L + 1 < U is treated as too old.)

Upbit: every ``orderbook`` message is the whole book, so :meth:`LocalBook.replace` it.

Levels are ``Decimal`` (keys are the venue's exact price text); frames are float64.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from xtoolkit._frames import frame
from xtoolkit.stream.errors import BookNotSynced
from xtoolkit.stream.events import DepthDiff, Level
from xtoolkit.stream.records import StreamRecord

__all__ = ["APPLIED", "BUFFERED", "DROPPED", "GAP", "RETRY", "SYNCED", "BookTop", "LocalBook", "depth_record"]

#: Outcomes of :meth:`LocalBook.feed` / :meth:`LocalBook.load_snapshot`.
APPLIED, BUFFERED, DROPPED, GAP, SYNCED, RETRY = "applied", "buffered", "dropped", "gap", "synced", "retry"

NaN = math.nan
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class BookTop:
    """Best bid and ask with their quantities (NaN for an empty side)."""

    bid: float
    bid_qty: float
    ask: float
    ask_qty: float

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2


class LocalBook:
    """One market's order book, maintained from stream events.

    Parameters
    ----------
    exchange, symbol
        Where the book is from (``"binance"``, ``"BTC/USDT"``); used in frames and errors.
    max_levels
        Levels kept per side; deeper ones are trimmed (they are beyond what the snapshot and
        diffs keep exact).
    max_buffer
        Diff events buffered while unsynced (oldest dropped first; the snapshot check then
        asks for a newer snapshot).

    Attributes
    ----------
    update_id
        The last applied update id (Binance ``u`` / snapshot ``lastUpdateId``; None for Upbit).
    synced
        Whether the levels are currently exact.
    resyncs
        Times the book had to be rebuilt after being synced (gaps, reconnects).
    gaps
        Sequence gaps detected.
    """

    def __init__(
        self, exchange: str, symbol: str, *, max_levels: int = 1000, max_buffer: int = 10_000
    ) -> None:
        if max_levels < 1 or max_buffer < 1:
            raise ValueError("max_levels and max_buffer must be >= 1")
        self.exchange = exchange
        self.symbol = symbol
        self.max_levels = max_levels
        self.update_id: int | None = None
        self.synced = False
        self.resyncs = 0
        self.gaps = 0
        self.snapshots = 0
        self.ts: float | None = None
        self.unsynced_reason: str | None = "waiting for the first snapshot"
        self._bids: dict[Decimal, Decimal] = {}
        self._asks: dict[Decimal, Decimal] = {}
        self._buffer: deque[DepthDiff] = deque(maxlen=max_buffer)
        self._top: BookTop | None = None
        self._ever_synced = False

    def __repr__(self) -> str:
        state = "synced" if self.synced else f"unsynced ({self.unsynced_reason})"
        return (
            f"<LocalBook {self.exchange}:{self.symbol} {state} update_id={self.update_id} "
            f"bids={len(self._bids)} asks={len(self._asks)} resyncs={self.resyncs}>"
        )

    # -- Binance: diff events + snapshot ----------------------------------------------------
    def feed(self, diff: DepthDiff) -> str:
        """Take one diff event: ``"applied"``, ``"buffered"`` (unsynced), ``"dropped"``
        (already covered) or ``"gap"`` (events were missed: the book is now unsynced and needs
        :meth:`load_snapshot`; this event is kept for it)."""
        if not self.synced:
            self._buffer.append(diff)
            return BUFFERED
        assert self.update_id is not None
        if diff.final_id <= self.update_id:
            return DROPPED
        if diff.first_id > self.update_id + 1:
            self.gaps += 1
            self.desync(f"sequence gap: expected U <= {self.update_id + 1}, got U = {diff.first_id}")
            self._buffer.append(diff)
            return GAP
        self._apply(diff)
        return APPLIED

    def load_snapshot(
        self, last_update_id: int, bids: Iterable[Level], asks: Iterable[Level], ts: float | None = None
    ) -> str:
        """Start from a REST snapshot, then apply the buffered events.

        Returns ``"synced"``, ``"retry"`` (the snapshot predates the buffered events: fetch a
        newer one) or ``"gap"`` (the buffered events themselves have a hole: fetch again).
        """
        if self._buffer and self._buffer[0].first_id > last_update_id + 1:
            return RETRY
        self._bids = {p: q for p, q in bids if q > 0}
        self._asks = {p: q for p, q in asks if q > 0}
        self.update_id = int(last_update_id)
        self.ts = ts
        self.snapshots += 1
        pending = list(self._buffer)
        self._buffer.clear()
        self.synced = True
        self.unsynced_reason = None
        self._top = None
        for diff in pending:
            if diff.final_id <= self.update_id:
                continue
            if diff.first_id > self.update_id + 1:
                self.gaps += 1
                self.desync(f"sequence gap in buffered events at U = {diff.first_id}")
                return GAP
            self._apply(diff)
        self._ever_synced = True
        self._trim()
        return SYNCED

    def _apply(self, diff: DepthDiff) -> None:
        for side, levels in ((self._bids, diff.bids), (self._asks, diff.asks)):
            for price, qty in levels:
                if qty > 0:
                    side[price] = qty
                else:
                    side.pop(price, None)
        self.update_id = diff.final_id
        self.ts = diff.event_ts if diff.event_ts is not None else diff.received
        self._top = None
        if len(self._bids) > self.max_levels * 5 // 4 or len(self._asks) > self.max_levels * 5 // 4:
            self._trim()

    def _trim(self) -> None:
        if len(self._bids) > self.max_levels:
            keep = sorted(self._bids, reverse=True)[: self.max_levels]
            self._bids = {p: self._bids[p] for p in keep}
        if len(self._asks) > self.max_levels:
            keep = sorted(self._asks)[: self.max_levels]
            self._asks = {p: self._asks[p] for p in keep}

    def desync(self, reason: str) -> None:
        """Mark the levels untrustworthy (a gap, a disconnect) until the next snapshot."""
        if self.synced and self._ever_synced:
            self.resyncs += 1
        self.synced = False
        self.unsynced_reason = reason
        self._buffer.clear()
        self._top = None

    def reset(self, reason: str) -> None:
        """Forget every level and the update id (a restarted stream): nothing of the old book
        may be served as current, and the next snapshot starts it afresh."""
        if self.synced and self._ever_synced:
            self.resyncs += 1
        self.synced = False
        self.unsynced_reason = reason
        self.update_id = None
        self.ts = None
        self._bids.clear()
        self._asks.clear()
        self._buffer.clear()
        self._top = None

    @property
    def buffered(self) -> int:
        """Diff events waiting for a snapshot."""
        return len(self._buffer)

    # -- Upbit: full snapshots -------------------------------------------------------------
    def replace(self, bids: Iterable[Level], asks: Iterable[Level], ts: float | None = None) -> None:
        """Replace the whole book (each Upbit orderbook message is complete)."""
        self._bids = {p: q for p, q in bids if q > 0}
        self._asks = {p: q for p, q in asks if q > 0}
        self.ts = ts
        self.snapshots += 1
        self.synced = True
        self.unsynced_reason = None
        self._ever_synced = True
        self._top = None
        self._trim()

    # -- reading -----------------------------------------------------------------------------
    def best(self) -> BookTop:
        """Best bid/ask and quantities (NaN for an empty side; stale while unsynced — check
        :attr:`synced`)."""
        if self._top is None:
            bid = max(self._bids) if self._bids else None
            ask = min(self._asks) if self._asks else None
            self._top = BookTop(
                float(bid) if bid is not None else NaN,
                float(self._bids[bid]) if bid is not None else NaN,
                float(ask) if ask is not None else NaN,
                float(self._asks[ask]) if ask is not None else NaN,
            )
        return self._top

    def levels(self, side: str, depth: int | None = None) -> list[Level]:
        """``(price, qty)`` of one side, best first (``side`` is ``"bid"`` or ``"ask"``)."""
        if side not in ("bid", "ask"):
            raise ValueError("side is 'bid' or 'ask'")
        book = self._bids if side == "bid" else self._asks
        prices = sorted(book, reverse=side == "bid")
        if depth is not None:
            prices = prices[:depth]
        return [(p, book[p]) for p in prices]

    def frame(self, depth: int | None = None) -> pd.DataFrame:
        """The book in the core ``orderbook`` schema.

        Raises :class:`~xtoolkit.stream.errors.BookNotSynced` while resynchronising.

        Returns
        -------
        DataFrame
            exchange, symbol, side ("bid"/"ask"), level (0 = best), price, qty, ts (the last
            applied event's time, else now). ``attrs["update_id"]`` holds :attr:`update_id`.
        """
        if not self.synced:
            raise BookNotSynced(
                f"the local book of {self.symbol} is not synced ({self.unsynced_reason})",
                exchange=self.exchange,
            )
        bids, asks = self.levels("bid", depth), self.levels("ask", depth)
        n_b, n_a = len(bids), len(asks)
        ts_ms = int((self.ts if self.ts is not None else time.time()) * 1000)
        df = frame(
            "orderbook",
            {
                "exchange": [self.exchange] * (n_b + n_a),
                "symbol": [self.symbol] * (n_b + n_a),
                "side": ["bid"] * n_b + ["ask"] * n_a,
                "level": list(range(n_b)) + list(range(n_a)),
                "price": [float(p) for p, _ in bids] + [float(p) for p, _ in asks],
                "qty": [float(q) for _, q in bids] + [float(q) for _, q in asks],
                "ts": [ts_ms] * (n_b + n_a),
            },
        )
        df.attrs["update_id"] = self.update_id
        return df


def depth_record(book: LocalBook, received: float, event_ts: float | None, note: str | None) -> StreamRecord:
    """The ``depth`` row for ``book`` now: its best bid/ask, its update id, and ``note`` (e.g.
    that the book was just rebuilt from a snapshot)."""
    top = book.best()
    return StreamRecord(
        book.exchange,
        book.symbol,
        "depth",
        received,
        bid=top.bid,
        ask=top.ask,
        bid_qty=top.bid_qty,
        ask_qty=top.ask_qty,
        event_ts=event_ts,
        seq=book.update_id,
        reason=note,
    )
