"""Connection events -> normalized records, local-book updates and gap rows.

Runs on the stream's loop, one event at a time, in arrival order. Every way data can go
missing becomes a ``gap=True`` row here: a closed connection (one row per market and channel
of that venue), a depth sequence gap (and a REST resync), a jump in trade ids on a venue
whose ids are consecutive (``StreamFacts.consecutive_trade_ids``: Binance), a malformed
frame, a subscription the venue refused, a book not synced within ``policy.sync_timeout``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence

from xtoolkit._models import MarketRef
from xtoolkit.exchanges._venue import StreamFacts
from xtoolkit.stream.book import APPLIED, BUFFERED, GAP, LocalBook, depth_record
from xtoolkit.stream.connection import Closed, Failed, Malformed, Opened, StreamProtocol
from xtoolkit.stream.errors import SubscriptionRejected
from xtoolkit.stream.events import BookSnapshot, Control, DepthDiff, Ticker, Top, Trade
from xtoolkit.stream.records import StreamRecord, gap_record
from xtoolkit.stream.snapshots import Snapshots
from xtoolkit.stream.stats import StreamStats

__all__ = ["Normalizer"]

Emit = Callable[[StreamRecord], None]
NaN = math.nan


class Normalizer:
    """Turns one stream's connection events into records (see the module docs)."""

    def __init__(
        self,
        *,
        channels: Sequence[str],
        refs: Mapping[str, MarketRef],
        books: Mapping[str, LocalBook],
        protocols: Mapping[str, StreamProtocol],
        snapshots: Snapshots,
        stats: StreamStats,
        emit: Emit,
        facts: Mapping[str, StreamFacts] | None = None,
        tickers: dict[str, Ticker] | None = None,
    ) -> None:
        self.channels = tuple(channels)
        #: The latest :class:`Ticker` per market key (``"upbit:BTC/KRW"``), for the ticker channel.
        self.tickers: dict[str, Ticker] = tickers if tickers is not None else {}
        self.refs = refs
        self.books = books
        self.protocols = protocols
        self.snapshots = snapshots
        self.stats = stats
        self.emit = emit
        self.facts = facts if facts is not None else snapshots.facts
        self._symbols = {(r.exchange, r.native): str(r.symbol) for r in refs.values()}
        #: Last trade id per market of venues whose ids are consecutive: a jump is a gap.
        self._last_trade: dict[str, int] = {}

    def handle(self, exchange: str, ev: object) -> None:
        """Take one event of ``exchange``'s connection."""
        if isinstance(ev, Top):
            self._top(exchange, ev)
        elif isinstance(ev, Trade):
            self._trade(exchange, ev)
        elif isinstance(ev, Ticker):
            self._ticker(exchange, ev)
        elif isinstance(ev, DepthDiff):
            self._diff(exchange, ev)
        elif isinstance(ev, BookSnapshot):
            self._book(exchange, ev)
        elif isinstance(ev, Control):
            self._control(exchange, ev)
        elif isinstance(ev, Opened):
            self.stats.connects += 1
            self.stats.reconnects += int(ev.reconnect)
            self.snapshots.opened(exchange, tops=self._tops)
        elif isinstance(ev, Closed):
            self._closed(exchange, ev)
        elif isinstance(ev, Failed):
            self.stats.connect_failures += 1
            if ev.first:  # never connected: the gap starts here (later ones follow a Closed)
                self.venue_gap(exchange, ev.reason)
        elif isinstance(ev, Malformed):
            self.stats.malformed += 1
            self.stats.errors.append(ev.error)
            self.emit(gap_record(exchange, None, None, ev.at, f"malformed frame skipped: {ev.error.message}"))

    def venue_gap(self, exchange: str, reason: str) -> None:
        """One gap row per market and channel of ``exchange``."""
        now = time.time()
        for ref in self.refs.values():
            if ref.exchange == exchange:
                for channel in self.channels:
                    self.emit(gap_record(exchange, str(ref.symbol), channel, now, reason))

    # -- data --------------------------------------------------------------------------------
    def _symbol(self, exchange: str, native: str) -> str | None:
        symbol = self._symbols.get((exchange, native))
        if symbol is None:
            self.stats.ignored += 1
        return symbol

    def _top(self, exchange: str, ev: Top) -> None:
        symbol = self._symbol(exchange, ev.native)
        if symbol is None or "book_ticker" not in self.channels:
            return
        if ev.seq is not None:
            self.snapshots.saw_top(f"{exchange}:{symbol}", ev.seq)
        self.emit(
            StreamRecord(
                exchange,
                symbol,
                "book_ticker",
                ev.received,
                bid=ev.bid,
                ask=ev.ask,
                bid_qty=ev.bid_qty,
                ask_qty=ev.ask_qty,
                event_ts=ev.event_ts,
                seq=ev.seq,
            )
        )

    def _trade(self, exchange: str, ev: Trade) -> None:
        symbol = self._symbol(exchange, ev.native)
        if symbol is None or "trades" not in self.channels:
            return
        facts = self.facts.get(exchange)
        if facts is not None and facts.consecutive_trade_ids:
            key = f"{exchange}:{symbol}"
            last = self._last_trade.get(key)
            if last is not None and ev.seq > last + 1:
                why = f"trade ids jumped from {last} to {ev.seq}: {ev.seq - last - 1} trades missing"
                self.emit(gap_record(exchange, symbol, "trades", ev.received, why))
            self._last_trade[key] = ev.seq if last is None else max(last, ev.seq)
        self.emit(
            StreamRecord(
                exchange,
                symbol,
                "trades",
                ev.received,
                price=ev.price,
                qty=ev.qty,
                side=ev.side,
                event_ts=ev.event_ts,
                seq=ev.seq,
            )
        )

    @property
    def _tops(self) -> bool:
        return "book_ticker" in self.channels

    def _ticker(self, exchange: str, ev: Ticker) -> None:
        symbol = self._symbol(exchange, ev.native)
        if symbol is None or "ticker" not in self.channels:
            return
        self.tickers[f"{exchange}:{symbol}"] = ev
        self.emit(
            StreamRecord(
                exchange,
                symbol,
                "ticker",
                ev.received,
                bid=ev.bid,
                ask=ev.ask,
                bid_qty=ev.bid_qty,
                ask_qty=ev.ask_qty,
                price=ev.last,
                qty=ev.last_qty,
                side=ev.side,
                event_ts=ev.event_ts,
            )
        )

    def _diff(self, exchange: str, ev: DepthDiff) -> None:
        symbol = self._symbol(exchange, ev.native)
        key = f"{exchange}:{symbol}"
        book = self.books.get(key) if symbol else None
        if book is None:
            return
        outcome = book.feed(ev)
        if outcome == APPLIED:
            self.emit(depth_record(book, ev.received, ev.event_ts, None))
        elif outcome == BUFFERED:
            # Diffs flowing prove the subscription, whatever became of the venue's reply.
            self.snapshots.subscribed(exchange, tops=self._tops)
        elif outcome == GAP:
            self.emit(gap_record(exchange, book.symbol, "depth", ev.received, str(book.unsynced_reason)))
            self.snapshots.sync_book(key)
            self.snapshots.watch(key)

    def _book(self, exchange: str, ev: BookSnapshot) -> None:
        symbol = self._symbol(exchange, ev.native)
        if symbol is None:
            return
        book = self.books.get(f"{exchange}:{symbol}")
        if book is not None:
            book.replace(ev.bids, ev.asks, ev.event_ts)
            self.emit(depth_record(book, ev.received, ev.event_ts, "snapshot" if ev.snapshot else None))
        if "book_ticker" in self.channels:
            bid = ev.bids[0] if ev.bids else None
            ask = ev.asks[0] if ev.asks else None
            self.emit(
                StreamRecord(
                    exchange,
                    symbol,
                    "book_ticker",
                    ev.received,
                    bid=float(bid[0]) if bid else NaN,
                    ask=float(ask[0]) if ask else NaN,
                    bid_qty=float(bid[1]) if bid else NaN,
                    ask_qty=float(ask[1]) if ask else NaN,
                    event_ts=ev.event_ts,
                )
            )

    # -- control and lifecycle -------------------------------------------------------------------
    def _control(self, exchange: str, ev: Control) -> None:
        if ev.kind == "error":
            err = SubscriptionRejected(
                f"{exchange} refused a stream request: {ev.message}", exchange=exchange, code=ev.code
            )
            self.stats.errors.append(err)
            self.emit(gap_record(exchange, None, None, time.time(), f"subscription rejected: {ev.message}"))
            return
        protocol = self.protocols.get(exchange)
        if ev.kind == "ack" and protocol is not None and protocol.is_subscribed(ev):
            # Subscribed: events now flow (and buffer), so REST snapshots taken from here on
            # are exactly what the sync procedure needs.
            self.snapshots.subscribed(exchange, tops=self._tops)

    def _closed(self, exchange: str, ev: Closed) -> None:
        self.snapshots.closed(exchange)
        # The disconnect's gap rows cover the trades missed meanwhile.
        self._last_trade = {k: v for k, v in self._last_trade.items() if not k.startswith(exchange + ":")}
        for book in self.books.values():
            if book.exchange == exchange:
                book.desync(f"disconnected: {ev.reason}")
        self.venue_gap(exchange, f"disconnected: {ev.reason}")
