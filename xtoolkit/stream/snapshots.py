"""REST snapshots that put a stream back on solid ground, for venues whose books stream as
diffs (their ``StreamFacts.snapshot_call``: Binance ``depth``; Upbit streams full books and
needs none).

* a **depth snapshot** syncs a :class:`~xtoolkit.stream.book.LocalBook`: after subscribing
  (events are then already buffering, as the venue's procedure requires) and after a sequence
  gap; retried with backoff on REST failures and when the snapshot is older than the buffered
  events;
* a **book top** from REST depth fills the ``book_ticker`` channel right after (re)subscribing
  — a quiet market may not send a ``bookTicker`` for a while — unless the stream already
  delivered a newer update id.

When to sync: the venue's subscribe reply says events now flow, but a reply can be lost or
late, so the sync also starts on the first buffered diff of a book (events flowing prove the
subscription) and, failing both, ``policy.subscribe_timeout`` after connecting. A watchdog per
book checks the bound ``policy.sync_timeout`` (from connecting, or from a sequence gap): a book
still unsynced then gets a gap row and a ``BookNotSynced`` in ``stats.errors``, every
``sync_timeout`` until it syncs (the sync itself keeps retrying).

Everything in flight belongs to one connection *generation*: a disconnect bumps it, and late
results of the old one are dropped instead of being applied to the new connection's book.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Coroutine, Mapping
from decimal import Decimal
from typing import Any

from xtoolkit._engine import Engine
from xtoolkit._errors import XtoolkitError
from xtoolkit._models import MarketRef
from xtoolkit.exchanges._venue import StreamFacts
from xtoolkit.stream.book import GAP, SYNCED, LocalBook, depth_record
from xtoolkit.stream.connection import ConnectionPolicy
from xtoolkit.stream.errors import BookNotSynced
from xtoolkit.stream.records import StreamRecord, gap_record
from xtoolkit.stream.stats import StreamStats
from xtoolkit.stream.urls import stream_facts

__all__ = ["Snapshots"]

Emit = Callable[[StreamRecord], None]
Depth = tuple[int, list[Any], list[Any], float]


class Snapshots:
    """Schedules and applies REST snapshots for one stream's markets (on the stream's loop)."""

    def __init__(
        self,
        engine: Engine,
        refs: Mapping[str, MarketRef],
        books: Mapping[str, LocalBook],
        *,
        depth: int,
        policy: ConnectionPolicy,
        emit: Emit,
        stats: StreamStats,
        facts: Mapping[str, StreamFacts] | None = None,
    ) -> None:
        self.engine = engine
        self.refs = refs
        #: Stream facts per venue of ``refs`` (default: the registry's).
        self.facts = (
            dict(facts)
            if facts is not None
            else {r.exchange: stream_facts(r.exchange) for r in refs.values()}
        )
        self.books = books
        self.depth = depth
        self.policy = policy
        self.emit = emit
        self.stats = stats
        self.running = True
        self._generation: dict[str, int] = {}
        self._top_seq: dict[str, int] = {}
        self._syncing: dict[str, int] = {}
        #: exchange -> the generation whose subscriptions the venue confirmed (or we assumed).
        self._subscribed: dict[str, int] = {}
        self._watching: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._rng = random.Random()

    # -- what the normalizer tells us -------------------------------------------------------
    def closed(self, exchange: str) -> None:
        """A connection of ``exchange`` ended: its in-flight snapshots are void."""
        self._generation[exchange] = self._generation.get(exchange, 0) + 1
        # After the gap, the REST top is news again even at an unchanged update id.
        self._top_seq = {k: v for k, v in self._top_seq.items() if not k.startswith(exchange + ":")}

    def opened(self, exchange: str, *, tops: bool) -> None:
        """A connection of ``exchange`` is up and has sent its subscriptions: start the books'
        watchdogs, and the fallback for a subscribe reply that never comes."""
        generation = self._generation.get(exchange, 0)
        for key, ref in self.refs.items():
            if ref.exchange == exchange and key in self.books:
                self.watch(key)
        if self._rest_synced(exchange):
            self._spawn(self._unanswered(exchange, generation, tops))

    def subscribed(self, exchange: str, *, tops: bool) -> None:
        """Events of ``exchange`` now flow (the venue confirmed, or we stopped waiting): REST
        snapshots taken from here on are what the sync procedure needs."""
        generation = self._generation.get(exchange, 0)
        if self._subscribed.get(exchange) == generation:
            return  # a late or repeated reply: this connection is already on its way
        self._subscribed[exchange] = generation
        for key, ref in self.refs.items():
            if ref.exchange != exchange:
                continue
            if key in self.books and not self.books[key].synced:
                self.sync_book(key)
            if tops:
                self.book_top(key)

    def watch(self, key: str) -> None:
        """Check the ``sync_timeout`` bound for the book of ``key`` (one watchdog at a time)."""
        exchange = self.refs[key].exchange
        generation = self._generation.get(exchange, 0)
        if key in self.books and self._watching.get(key) != generation:
            self._watching[key] = generation
            self._spawn(self._watch(key, generation))

    def saw_top(self, key: str, seq: int) -> None:
        """The stream delivered book update ``seq`` for ``key``."""
        self._top_seq[key] = seq

    def _rest_synced(self, exchange: str) -> bool:
        facts = self.facts.get(exchange)
        return facts is not None and facts.rest_book_sync

    def sync_book(self, key: str) -> None:
        """Bring the diff-depth book of ``key`` in sync from REST, unless already under way
        (venues that stream full books need no REST sync)."""
        exchange = self.refs[key].exchange
        generation = self._generation.get(exchange, 0)
        if self._rest_synced(exchange) and self._syncing.get(key) != generation:
            self._syncing[key] = generation
            self._spawn(self._sync_book(key, generation))

    def book_top(self, key: str) -> None:
        """Emit a ``book_ticker`` row for ``key`` from REST depth (diff-depth venues)."""
        exchange = self.refs[key].exchange
        if self._rest_synced(exchange):
            self._spawn(self._book_top(key, self._generation.get(exchange, 0)))

    async def stop(self) -> None:
        """Cancel everything in flight."""
        self.running = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- the work ------------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _current(self, exchange: str, generation: int) -> bool:
        return self.running and self._generation.get(exchange, 0) == generation

    async def _backoff(self, attempt: int) -> None:
        delay = min(self.policy.backoff_max, self.policy.backoff_initial * 2 ** max(0, attempt - 1))
        await asyncio.sleep(delay * self._rng.uniform(0.5, 1.0))

    async def _rest(self, key: str, limit: int) -> Depth | None:
        """A REST depth answer, retried with backoff; None once the stream stops."""
        ref = self.refs[key]
        facts = self.facts[ref.exchange]
        assert facts.snapshot_call is not None and facts.parse_snapshot is not None  # see _rest_synced
        failures = 0
        while self.running:
            try:
                payload = (
                    await self.engine.send(ref.exchange, facts.snapshot_call(ref.native, limit))
                ).payload
                state = facts.parse_snapshot(payload)
                return state.update_id, list(state.bids), list(state.asks), time.time()
            except (XtoolkitError, KeyError, TypeError, ValueError) as exc:
                self.stats.errors.append(exc)
            failures += 1
            await self._backoff(failures)
        return None

    async def _unanswered(self, exchange: str, generation: int, tops: bool) -> None:
        await asyncio.sleep(self.policy.subscribe_timeout)
        if self._current(exchange, generation) and self._subscribed.get(exchange) != generation:
            self.subscribed(exchange, tops=tops)

    async def _watch(self, key: str, generation: int) -> None:
        book = self.books[key]
        bound = self.policy.sync_timeout
        try:
            while True:
                await asyncio.sleep(bound)
                if not self._current(book.exchange, generation) or book.synced:
                    return
                why = f"book not synced within {bound:g} s ({book.unsynced_reason})"
                self.stats.errors.append(BookNotSynced(f"{key}: {why}", exchange=book.exchange))
                self.emit(gap_record(book.exchange, book.symbol, "depth", time.time(), why))
        finally:
            if self._watching.get(key) == generation:
                del self._watching[key]

    async def _sync_book(self, key: str, generation: int) -> None:
        try:
            book = self.books[key]
            exchange = book.exchange
            attempts = 0
            while self._current(exchange, generation) and not book.synced:
                got = await self._rest(key, self.depth)
                if got is None or not self._current(exchange, generation) or book.synced:
                    return
                last_id, bids, asks, received = got
                self.stats.snapshots += 1
                outcome = book.load_snapshot(
                    last_id,
                    [(Decimal(p), Decimal(q)) for p, q in bids],
                    [(Decimal(p), Decimal(q)) for p, q in asks],
                    ts=received,
                )
                if outcome == SYNCED:
                    self.emit(depth_record(book, received, None, f"rest snapshot (lastUpdateId {last_id})"))
                    return
                if outcome == GAP:
                    self.emit(
                        gap_record(exchange, book.symbol, "depth", time.time(), str(book.unsynced_reason))
                    )
                attempts += 1
                await self._backoff(attempts)  # too old: let the stream move on, then try again
        finally:
            if self._syncing.get(key) == generation:
                del self._syncing[key]

    async def _book_top(self, key: str, generation: int) -> None:
        ref = self.refs[key]
        got = await self._rest(key, 5)
        if got is None or not self._current(ref.exchange, generation):
            return
        last_id, bids, asks, received = got
        if self._top_seq.get(key, -1) >= last_id:
            return  # the stream already delivered this state or a newer one
        self._top_seq[key] = last_id
        nan = float("nan")
        self.emit(
            StreamRecord(
                ref.exchange,
                str(ref.symbol),
                "book_ticker",
                received,
                bid=float(bids[0][0]) if bids else nan,
                bid_qty=float(bids[0][1]) if bids else nan,
                ask=float(asks[0][0]) if asks else nan,
                ask_qty=float(asks[0][1]) if asks else nan,
                seq=last_id,
                reason="rest snapshot after (re)subscribing",
            )
        )
