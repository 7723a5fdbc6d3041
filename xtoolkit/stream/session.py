"""``MarketStream``: live records from both venues, with local books and visible gaps.

One :class:`~xtoolkit.stream.connection.Connection` per venue runs on the client's event loop
(an ``AsyncClient``'s running loop, or a ``Client``'s private loop thread, reached through the
one bridge, :class:`~xtoolkit._engine.Bridge`). Each venue's protocol, URL rules and snapshot
needs come from its ``StreamFacts`` in the exchange registry. Every parsed message
becomes a :class:`~xtoolkit.stream.records.StreamRecord` delivered, in order, to the rolling
:class:`~xtoolkit.stream.buffer.StreamBuffer`, to ``async for`` consumers and to callbacks.

Resilience, all visible in the data:

* a dropped or stale connection gives one ``gap=True`` row per market and channel of that venue,
  then reconnects (jittered backoff), re-subscribes and re-snapshots: diff-depth books (Binance)
  from REST ``depth`` (the venue's documented procedure), their book tops from REST too (rows
  noted ``reason="rest snapshot ..."``), full-book venues (Upbit) from their own messages;
* a depth sequence gap gives a gap row and a resync of that book;
* a lost or late subscribe reply does not hold a book back: the first buffered diff (or, with
  no data either, ``policy.subscribe_timeout``) starts its sync; every path to a book — first
  start, reconnect, gap, restart after ``stop()`` — ends synced from a fresh snapshot within
  ``policy.sync_timeout`` or gives a gap row and ``BookNotSynced`` (:meth:`wait_synced`);
* ``stop()`` leaves books unsynced (``BookNotSynced`` on read) and ``start()`` again rebuilds
  them from fresh snapshots: an old book is never served as current;
* a malformed frame gives a gap row (and a typed error in ``stats.errors``);
* a consumer too slow for its queue gives a gap row counting the records it lost.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import pandas as pd

from xtoolkit._engine import Bridge, Engine, engine_of, on_engine
from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import SCHEMAS, frame
from xtoolkit._models import MarketRef
from xtoolkit.exchanges._venue import StreamFacts
from xtoolkit.stream.book import LocalBook
from xtoolkit.stream.buffer import StreamBuffer
from xtoolkit.stream.connection import Connection, ConnectionPolicy, StreamProtocol
from xtoolkit.stream.errors import BookNotSynced, StreamDisconnected
from xtoolkit.stream.events import Ticker
from xtoolkit.stream.normalize import Normalizer
from xtoolkit.stream.channels import CHANNELS
from xtoolkit.stream.records import StreamRecord
from xtoolkit.stream.snapshots import Snapshots
from xtoolkit.stream.stats import StreamStats
from xtoolkit.stream.taps import RecordTap
from xtoolkit.stream.urls import STREAM_HOSTS, stream_facts, stream_url

__all__ = ["MarketStream", "stream"]

log = logging.getLogger("xtoolkit.stream")

#: Levels of a REST book snapshot (Binance's depth weight jumps above 1000).
DEFAULT_DEPTH = 1000


class MarketStream:
    """Live market records from Binance and Upbit websockets.

    Parameters
    ----------
    client
        A :class:`~xtoolkit.Client` (``start()``/``stop()``; the stream runs on its private
        loop thread) or an :class:`~xtoolkit.AsyncClient` (``await astart()``/``astop()``, or
        ``async with``). REST snapshots go through this client.
    markets
        E.g. ``["binance:BTC/USDT", "upbit:BTC/KRW"]`` (native codes work too).
    channels
        Any of ``"book_ticker"`` (best bid/ask), ``"trades"``, ``"depth"`` (a local order
        book per market; its rows carry the book's best after every update), ``"ticker"``
        (last trade and 24 h statistics; :meth:`tickers`). See
        :mod:`xtoolkit.stream.channels`.
    stream_urls
        Stream roots per exchange (default: derived from the client's hosts, see
        :mod:`xtoolkit.stream.urls`).
    policy
        :class:`~xtoolkit.stream.connection.ConnectionPolicy` (heartbeat, staleness, backoff,
        ``max_attempts``).
    max_rows
        Rows kept by :attr:`buffer` (memory is fixed by this number).
    depth
        Levels of the Binance REST snapshot a local book starts from (and keeps).
    queue_size
        Records an ``async for`` consumer may fall behind before it loses some (a gap row
        then says how many).

    Attributes
    ----------
    buffer
        The rolling :class:`~xtoolkit.stream.buffer.StreamBuffer` (:meth:`frame`).
    books
        ``{"binance:BTC/USDT": LocalBook}`` for the ``depth`` channel.
    stats
        :class:`StreamStats` counters.
    error
        The failure that ended a venue's stream (e.g. ``StreamDisconnected``), if any.
    """

    def __init__(
        self,
        client: Bridge | Engine,
        markets: str | Sequence[str],
        *,
        channels: str | Sequence[str] = ("book_ticker",),
        stream_urls: Mapping[str, str] | None = None,
        policy: ConnectionPolicy | None = None,
        max_rows: int = 10_000,
        depth: int = DEFAULT_DEPTH,
        queue_size: int = 10_000,
    ) -> None:
        self.client = client
        self._engine_client = engine_of(client)
        self.markets = [markets] if isinstance(markets, str) else list(markets)
        if not self.markets:
            raise InvalidArgument("give at least one market, e.g. ['binance:BTC/USDT']")
        chans = [channels] if isinstance(channels, str) else list(channels)
        unknown = [c for c in chans if c not in CHANNELS]
        if unknown or not chans:
            raise InvalidArgument(f"channels must be some of {CHANNELS}, not {chans!r}")
        self.channels = tuple(dict.fromkeys(chans))
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 5000:
            raise InvalidArgument(f"depth must be 1..5000, not {depth!r}")
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 1:
            raise InvalidArgument(f"queue_size must be a positive int, not {queue_size!r}")
        self.stream_urls = dict(stream_urls or {})
        self.policy = policy or ConnectionPolicy()
        self.depth = depth
        self.queue_size = queue_size
        self.buffer = StreamBuffer(max_rows)
        self.books: dict[str, LocalBook] = {}
        self.stats = StreamStats()
        self.error: BaseException | None = None
        self._error_reported = False
        self._callbacks: tuple[Callable[[StreamRecord], Any], ...] = ()
        self._taps: tuple[RecordTap, ...] = ()
        self._taps_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._refs: dict[str, MarketRef] = {}
        self._tickers: dict[str, Ticker] = {}
        self._normalizer: Normalizer | None = None
        self._snapshots: Snapshots | None = None
        self.running = False

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (
            f"<MarketStream {', '.join(self.markets)} [{', '.join(self.channels)}] {state}, "
            f"{self.stats.records} records, {self.stats.gaps} gaps, {self.stats.reconnects} reconnects>"
        )

    # -- consumers ---------------------------------------------------------------------------
    def on_record(self, callback: Callable[[StreamRecord], Any]) -> Callable[[StreamRecord], Any]:
        """Call ``callback(record)`` for every record, on the stream's loop (keep it quick).

        An exception in a callback is logged, counted in ``stats.callback_errors`` and kept in
        ``stats.errors``; the stream goes on. Returns ``callback`` (usable as a decorator).
        """
        self._callbacks = (*self._callbacks, callback)
        return callback

    def frame(self) -> pd.DataFrame:
        """The buffered records (see :meth:`StreamBuffer.frame` for the columns)."""
        return self.buffer.frame()

    def __aiter__(self) -> AsyncIterator[StreamRecord]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[StreamRecord]:
        if not self.running or self._loop is None:
            raise InvalidArgument(
                "start the stream first: `async with MarketStream(...) as s: async for ...`"
            )
        loop = asyncio.get_running_loop()
        tap = RecordTap(loop, self.queue_size, loop is self._loop)
        with self._taps_lock:
            self._taps = (*self._taps, tap)
        try:
            while True:
                try:
                    rec = await tap.get()
                except BaseException:
                    self._error_reported = True
                    raise
                if rec is None:
                    return
                yield rec
        finally:
            with self._taps_lock:
                self._taps = tuple(t for t in self._taps if t is not tap)

    # -- lifecycle -----------------------------------------------------------------------------
    async def _begin(self) -> None:
        if self.running:
            raise InvalidArgument("this stream is already running; stop() it first")
        engine = self._engine_client
        refs: dict[str, MarketRef] = {}
        for market in self.markets:
            ref = await engine.resolve(market)
            if ref.exchange not in STREAM_HOSTS:
                raise InvalidArgument(f"no streams for {ref.exchange}; supported: {', '.join(STREAM_HOSTS)}")
            await engine.market_info(ref)  # UnknownMarket now, not silence later
            refs[str(ref)] = ref
        for key, ref in refs.items():
            if "depth" in self.channels and key not in self.books:
                self.books[key] = LocalBook(ref.exchange, str(ref.symbol), max_levels=self.depth)
        for book in self.books.values():
            # A restart after stop(): nothing of the old book is current; a fresh snapshot
            # (the venue's own procedure, as on a first start) rebuilds it.
            book.reset("started: waiting for a fresh snapshot")
        self._tickers.clear()
        exchanges = list(dict.fromkeys(r.exchange for r in refs.values()))
        facts: dict[str, StreamFacts] = {ex: stream_facts(ex) for ex in exchanges}
        protocols: dict[str, StreamProtocol] = {
            ex: facts[ex].protocol(
                stream_url(engine, ex, self.stream_urls),
                [r.native for r in refs.values() if r.exchange == ex],
                self.channels,
            )
            for ex in exchanges
        }
        self._refs = refs
        self._snapshots = Snapshots(
            engine,
            refs,
            self.books,
            depth=self.depth,
            policy=self.policy,
            emit=self._emit,
            stats=self.stats,
            facts=facts,
        )
        self._normalizer = Normalizer(
            channels=self.channels,
            refs=refs,
            books=self.books,
            protocols=protocols,
            snapshots=self._snapshots,
            stats=self.stats,
            emit=self._emit,
            facts=facts,
            tickers=self._tickers,
        )
        self._loop = asyncio.get_running_loop()
        self.error = None
        self._error_reported = False
        self.running = True
        for ex, protocol in protocols.items():
            self._tasks.append(asyncio.create_task(self._run(ex, Connection(protocol, self.policy))))

    async def _end(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._snapshots is not None:
            await self._snapshots.stop()
        self.running = False
        self._books_stopped()
        for tap in self._taps:
            tap.finish(None if self._error_reported else self.error)

    def _books_stopped(self) -> None:
        # No longer maintained: reading a stopped stream's book raises BookNotSynced rather than
        # serving levels that age without notice (LocalBook.levels() still reads them).
        for book in self.books.values():
            book.desync("stream stopped")

    def _raise_error(self) -> None:
        if self.error is not None and not self._error_reported:
            self._error_reported = True
            raise self.error

    def start(self) -> MarketStream:
        """Start streaming on the ``Client``'s loop thread (returns at once, connected or not).

        Raises typed errors for bad markets (``UnknownMarket``) before anything connects.
        """
        if not isinstance(self.client, Bridge):
            raise InvalidArgument("with an AsyncClient use `await stream.astart()`")
        self.client.run(self._begin())
        return self

    def stop(self) -> pd.DataFrame:
        """Stop and return :meth:`frame`; re-raises the failure that ended a venue's stream."""
        if not isinstance(self.client, Bridge):
            raise InvalidArgument("with an AsyncClient use `await stream.astop()`")
        if not self.client.closed and self.running:
            self.client.run(self._end())
        self._raise_error()
        return self.frame()

    async def astart(self) -> MarketStream:
        """Awaitable :meth:`start` (with a ``Client``, the stream still runs on its loop thread)."""
        await on_engine(self.client, self._begin())
        return self

    async def astop(self) -> pd.DataFrame:
        """Awaitable :meth:`stop`."""
        if self.running:
            await on_engine(self.client, self._end())
        self._raise_error()
        return self.frame()

    def __enter__(self) -> MarketStream:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is not None:
            self._error_reported = True  # the body's exception matters more; ours stays in .error
        self.stop()

    async def __aenter__(self) -> MarketStream:
        return await self.astart()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is not None:
            self._error_reported = True
        await self.astop()

    # -- local books -----------------------------------------------------------------------------
    def orderbook(self, market: str, depth: int | None = None) -> pd.DataFrame:
        """The local book of ``market`` in the core ``orderbook`` schema (read safely from any
        thread; raises ``BookNotSynced`` while it resynchronises).

        Returns
        -------
        DataFrame
            exchange, symbol, side, level, price, qty, ts; ``attrs["update_id"]``.
        """
        book = self.book(market)

        async def read() -> pd.DataFrame:
            return book.frame(depth)

        loop = self._loop
        if isinstance(self.client, Bridge) and loop is not None and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                return self.client.run(read())
        return book.frame(depth)

    def wait_synced(self, markets: str | Sequence[str] | None = None, timeout: float | None = None) -> None:
        """Block until the local books of ``markets`` (default: all) are synced from a fresh
        snapshot; ``BookNotSynced`` after ``timeout`` seconds (default ``policy.sync_timeout``,
        the documented bound) or if the stream stops meanwhile."""
        if not isinstance(self.client, Bridge):
            raise InvalidArgument("with an AsyncClient use `await stream.await_synced()`")
        self.client.run(self._wait_synced(markets, timeout))

    async def await_synced(self, markets: str | Sequence[str] | None = None, timeout: float | None = None) -> None:
        """Awaitable :meth:`wait_synced`."""
        await on_engine(self.client, self._wait_synced(markets, timeout))

    async def _wait_synced(self, markets: str | Sequence[str] | None, timeout: float | None) -> None:
        if "depth" not in self.channels:
            raise InvalidArgument("local books need channels=(..., 'depth')")
        wanted = [markets] if isinstance(markets, str) else list(markets or [])
        books = [self.book(m) for m in wanted] if wanted else list(self.books.values())
        bound = self.policy.sync_timeout if timeout is None else float(timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + bound
        while True:
            pending = [b for b in books if not b.synced]
            if not pending:
                return
            if not self.running:
                first = pending[0]
                raise BookNotSynced(
                    f"the local book of {first.symbol} is not synced and the stream is not running",
                    exchange=first.exchange,
                )
            if loop.time() >= deadline:
                first = pending[0]
                raise BookNotSynced(
                    f"the local book of {first.symbol} is not synced after {bound:g} s "
                    f"({first.unsynced_reason})",
                    exchange=first.exchange,
                )
            await asyncio.sleep(0.02)

    def tickers(self) -> pd.DataFrame:
        """The latest ``ticker`` message per market, in the REST ``tickers`` frame's schema.

        Returns
        -------
        DataFrame
            exchange, symbol, bid, bid_qty, ask, ask_qty (Binance; NaN on Upbit, whose ticker
            has no book), last, volume_24h, quote_volume_24h (rolling 24 h), change_24h_pct
            (Upbit: against the previous UTC-day close), ts (the venue's event time).
        """
        if "ticker" not in self.channels:
            raise InvalidArgument("tickers need channels=(..., 'ticker')")
        latest = dict(self._tickers)  # a copy: the stream's loop may add one meanwhile
        cols: dict[str, list[Any]] = {name: [] for name in SCHEMAS["tickers"]}
        for key, t in latest.items():
            ref = self._refs[key]
            cols["exchange"].append(ref.exchange)
            cols["symbol"].append(str(ref.symbol))
            for name, value in (
                ("bid", t.bid),
                ("bid_qty", t.bid_qty),
                ("ask", t.ask),
                ("ask_qty", t.ask_qty),
                ("last", t.last),
                ("volume_24h", t.volume_24h),
                ("quote_volume_24h", t.quote_volume_24h),
                ("change_24h_pct", t.change_pct),
            ):
                cols[name].append(value)
            stamp = t.event_ts if t.event_ts is not None else t.received
            cols["ts"].append(int(stamp * 1000))
        return frame("tickers", cols)

    def book(self, market: str) -> LocalBook:
        """The :class:`LocalBook` of ``market`` (``"binance:BTC/USDT"``; needs ``depth``)."""
        if "depth" not in self.channels:
            raise InvalidArgument("local books need channels=(..., 'depth')")
        exchange, _, native = market.partition(":")
        found = self.books.get(market) or next(
            (
                b
                for k, b in self.books.items()
                if self._refs[k].exchange == exchange.lower() and self._refs[k].native == native.upper()
            ),
            None,
        )
        if found is None:
            raise InvalidArgument(f"no local book for {market!r}; have: {', '.join(self.books)}")
        return found

    # -- the stream's loop ------------------------------------------------------------------------
    async def _run(self, exchange: str, conn: Connection) -> None:
        assert self._normalizer is not None
        handle = self._normalizer.handle
        try:
            await conn.run(lambda ev: handle(exchange, ev))
        except asyncio.CancelledError:
            raise
        except StreamDisconnected as exc:
            self._fail(exchange, exc)
        except Exception as exc:  # a bug: end this venue's stream loudly, never silently
            log.exception("%s stream failed", exchange)
            self._fail(exchange, exc)
        await self._after_venue_ended()

    async def _after_venue_ended(self) -> None:
        """Once every venue's connection has ended, the stream is no longer running."""
        me = asyncio.current_task()
        if not self.running or not all(t.done() or t is me for t in self._tasks):
            return
        if self._snapshots is not None:
            await self._snapshots.stop()
        self.running = False
        self._books_stopped()

    def _fail(self, exchange: str, exc: BaseException) -> None:
        self.error = exc
        self.stats.errors.append(exc)
        if self._normalizer is not None:
            self._normalizer.venue_gap(exchange, f"stream ended: {exc}")
        for tap in self._taps:
            tap.finish(exc)

    def _emit(self, rec: StreamRecord) -> None:
        self.stats.records += 1
        if rec.gap:
            self.stats.gaps += 1
        self.buffer.append(rec)
        for tap in self._taps:
            tap.push(rec)
        for callback in self._callbacks:
            try:
                callback(rec)
            except Exception as exc:  # user code: report, keep streaming
                self.stats.callback_errors += 1
                self.stats.errors.append(exc)
                log.exception("stream callback %r failed", callback)


async def stream(
    client: Bridge | Engine,
    markets: str | Sequence[str],
    *,
    channels: str | Sequence[str] = ("book_ticker",),
    **options: Any,
) -> AsyncIterator[StreamRecord]:
    """Live records of ``markets``, as an async iterator.

    >>> async for rec in stream(client, ["binance:BTC/USDT", "upbit:BTC/KRW"],
    ...                         channels=("book_ticker", "trades")):
    ...     print(rec.market, rec.channel, rec.bid, rec.ask, rec.price)

    Takes the same options as :class:`MarketStream`. The stream stops when the loop is left
    (wrap in ``contextlib.aclosing`` to stop at once on ``break``). Gap rows (``rec.gap``) mark
    where data may be missing; a venue that cannot be reconnected raises ``StreamDisconnected``.
    """
    ms = MarketStream(client, markets, channels=channels, **options)
    await ms.astart()
    try:
        async for rec in ms:
            yield rec
    finally:
        # A failure has already been raised through the iteration: stop without re-raising.
        ms._error_reported = True
        await ms.astop()
