"""The only aiohttp websocket client code: connect, keep alive, detect staleness, reconnect.

A :class:`Connection` runs one venue's :class:`StreamProtocol` (from its
``exchanges/<venue>/ws.py``) until stopped: it connects,
sends the protocol's subscription messages (again after every reconnect), answers server pings,
sends its own keep-alive (a ping frame, or Upbit's text ``PING``) every ``heartbeat`` seconds,
and treats ``stale_after`` seconds without any frame as a dead link. Every drop is reported as
a :class:`Closed` event before reconnecting with jittered exponential backoff; a frame the
protocol cannot parse is reported as :class:`Malformed` and skipped. After ``max_attempts``
consecutive failed connections it raises :class:`~xtoolkit.stream.errors.StreamDisconnected`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges._stream import Event, StreamMessageError, StreamProtocol
from xtoolkit.stream.errors import StreamDisconnected

__all__ = [
    "CONTROL_GAP",
    "Closed",
    "Connection",
    "ConnectionPolicy",
    "Failed",
    "Malformed",
    "Opened",
    "StreamProtocol",
    "backoff_delay",
]


@dataclass(frozen=True, slots=True)
class ConnectionPolicy:
    """How a stream connection stays alive.

    Parameters
    ----------
    heartbeat
        Seconds between our keep-alives (a ping frame; Upbit: text ``PING``). A pong we send
        counts as one; no two control frames leave less than :data:`CONTROL_GAP` apart.
    stale_after
        Seconds without any frame (data, ping, pong, status) after which the link is presumed
        dead and replaced. Must exceed ``heartbeat`` so a quiet but healthy link stays up.
    connect_timeout
        Seconds allowed for the websocket handshake.
    backoff_initial, backoff_max
        Reconnect delays: ``min(backoff_max, backoff_initial * 2**(n-1))`` for the n-th
        consecutive failure, times a random factor in [0.5, 1] (jitter).
    max_attempts
        Consecutive failed connections before giving up with ``StreamDisconnected``
        (``None``: keep trying until stopped).
    max_message_bytes
        Largest frame accepted (a 1000-level Binance diff is ~100 kB). A larger frame ends
        that connection (reported as :class:`Closed`, then reconnected) before its payload is
        read, so a hostile peer cannot make the process hold it.
    subscribe_timeout
        Seconds a diff-depth book waits for the venue's subscribe reply before it syncs
        anyway (a diff that arrives first proves the subscription and syncs at once): a lost
        or late reply never leaves a book unsynced.
    sync_timeout
        The bound on every path to a local book — first connect, reconnect, a sequence gap,
        a lost or late subscribe reply, a restart: within this many seconds the book is synced
        from a fresh snapshot, or a gap row says it is not and ``BookNotSynced`` goes to
        ``stats.errors`` (and :meth:`MarketStream.wait_synced` raises it); the sync keeps
        trying meanwhile. Must exceed ``subscribe_timeout``.
    """

    heartbeat: float = 10.0
    stale_after: float = 30.0
    connect_timeout: float = 10.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_attempts: int | None = None
    max_message_bytes: int = 2 * 1024**2
    subscribe_timeout: float = 3.0
    sync_timeout: float = 15.0

    def __post_init__(self) -> None:
        if not 0 < self.heartbeat < self.stale_after:
            raise InvalidArgument("need 0 < heartbeat < stale_after (a quiet link must not look dead)")
        if self.connect_timeout <= 0 or self.backoff_initial <= 0 or self.backoff_max < self.backoff_initial:
            raise InvalidArgument("timeouts and backoff must be positive, backoff_max >= backoff_initial")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise InvalidArgument("max_attempts must be >= 1 or None")
        if isinstance(self.max_message_bytes, bool) or not 1024 <= self.max_message_bytes <= 1024**3:
            # 0 would mean "no limit" to aiohttp.
            raise InvalidArgument("max_message_bytes must be between 1 kB and 1 GB")
        if not 0 < self.subscribe_timeout < self.sync_timeout:
            raise InvalidArgument("need 0 < subscribe_timeout < sync_timeout")


#: Seconds between two control frames we send (at most 4 a second: Binance allows 5 incoming
#: messages a second per connection, counting ping and pong frames, spec §11).
CONTROL_GAP = 0.25


def backoff_delay(policy: ConnectionPolicy, failures: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before the next attempt after ``failures`` consecutive failures."""
    base = min(policy.backoff_max, policy.backoff_initial * 2 ** max(0, failures - 1))
    jitter = (rng or random.Random()).uniform(0.5, 1.0)
    return float(base * jitter)


@dataclass(frozen=True, slots=True)
class Opened:
    """Connected and subscribed; ``reconnect`` is False for the first connection."""

    exchange: str
    url: str
    attempt: int
    reconnect: bool


@dataclass(frozen=True, slots=True)
class Closed:
    """A connection ended (data may be missing until the next :class:`Opened`)."""

    exchange: str
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class Failed:
    """A connection attempt failed; ``first`` is True for the very first attempt of a
    stream (no :class:`Closed` precedes it, so this is where its gap starts)."""

    exchange: str
    reason: str
    failures: int
    first: bool
    at: float


@dataclass(frozen=True, slots=True)
class Malformed:
    """A frame that could not be parsed (skipped)."""

    exchange: str
    error: StreamMessageError
    at: float


Emit = Callable[[Event | Opened | Closed | Failed | Malformed], None]


class Connection:
    """One venue's websocket, kept alive until :meth:`stop`.

    Attributes
    ----------
    attempts, connects, messages
        Connection attempts, successful connects, data frames received.
    """

    def __init__(
        self, protocol: StreamProtocol, policy: ConnectionPolicy, rng: random.Random | None = None
    ) -> None:
        self.protocol = protocol
        self.policy = policy
        self.attempts = 0
        self.connects = 0
        self.messages = 0
        self._rng = rng or random.Random()
        self._stopped = False
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def run(self, emit: Emit) -> None:
        """Connect and stream into ``emit`` until :meth:`stop` (or ``StreamDisconnected``)."""
        policy = self.policy
        exchange = self.protocol.exchange
        failures = 0
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=policy.connect_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self._stopped:
                _raise_if_cancelled()
                self.attempts += 1
                url = self.protocol.url()
                try:
                    ws = await asyncio.wait_for(
                        session.ws_connect(url, autoping=False, max_msg_size=policy.max_message_bytes),
                        policy.connect_timeout,
                    )
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    failures += 1
                    reason = f"connect failed ({type(exc).__name__}: {_brief(exc)})"
                    emit(Failed(exchange, reason, failures, self.attempts == 1, time.time()))
                    if policy.max_attempts is not None and failures >= policy.max_attempts:
                        raise StreamDisconnected(
                            f"{exchange} stream: gave up after {failures} failed attempts; last: {reason}",
                            exchange=exchange,
                        ) from None
                    await asyncio.sleep(backoff_delay(policy, failures, self._rng))
                    continue
                self._ws = ws
                healthy = False
                try:
                    for text in self.protocol.subscribe_messages():
                        await ws.send_str(text)
                    self.connects += 1
                    emit(Opened(exchange, url, self.attempts, self.connects > 1))
                    reason, healthy = await self._read(ws, emit)
                except (aiohttp.ClientError, ConnectionError) as exc:
                    reason = f"connection error ({type(exc).__name__}: {_brief(exc)})"
                finally:
                    self._ws = None
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(ws.close(), 1.0)
                if self._stopped:
                    return
                emit(Closed(exchange, reason, time.time()))
                # A link that delivered any frame worked: the next attempt starts the backoff
                # afresh. One that died before any frame counts as a failure.
                failures = 1 if healthy else failures + 1
                if not healthy and policy.max_attempts is not None and failures >= policy.max_attempts:
                    raise StreamDisconnected(
                        f"{exchange} stream: gave up after {failures} failed attempts; last: {reason}",
                        exchange=exchange,
                    )
                await asyncio.sleep(backoff_delay(policy, failures, self._rng))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, emit: Emit) -> tuple[str, bool]:
        """Read until the link ends; returns (why, whether any frame arrived at all)."""
        policy = self.policy
        decode = self.protocol.decode
        exchange = self.protocol.exchange
        loop = asyncio.get_running_loop()
        last_rx = last_tx = loop.time()
        # Our control frames (keep-alives, pongs) leave at most one per CONTROL_GAP: Binance
        # closes a connection on its sixth incoming message in a second, pings and pongs
        # included. ``pong`` holds the newest unanswered ping's payload.
        last_control = last_rx - CONTROL_GAP
        pong: bytes | None = None
        healthy = False
        while True:
            now = loop.time()
            if pong is not None and now >= last_control + CONTROL_GAP:
                await ws.pong(pong)
                pong = None
                last_control = last_tx = now
            if pong is not None:
                due = last_control + CONTROL_GAP
            else:
                due = max(last_tx + policy.heartbeat, last_control + CONTROL_GAP)
            wait = min(last_rx + policy.stale_after, due) - now
            try:
                # Never 0: aiohttp reads a falsy timeout as "wait forever".
                msg = await ws.receive(timeout=max(wait, 0.001))
            except TimeoutError:
                now = loop.time()
                if now - last_rx >= policy.stale_after:
                    return f"stale: nothing received for {policy.stale_after:g} s", healthy
                if pong is None and now >= due:  # the keep-alive is due (and the gap allows it)
                    keepalive = self.protocol.keepalive()
                    if keepalive is None:
                        await ws.ping()
                    else:
                        await ws.send_str(keepalive)
                    last_control = last_tx = now
                continue  # a pong that came due goes at the top
            last_rx = loop.time()
            kind = msg.type
            if kind in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                healthy = True
                self.messages += 1
                received = time.time()
                try:
                    events = decode(msg.data, received)
                except StreamMessageError as err:
                    emit(Malformed(exchange, _detached(err), received))
                    continue
                except Exception as exc:  # RecursionError on deep nesting, a parser bug: skip the frame
                    err = StreamMessageError(
                        f"{exchange} sent a frame that could not be parsed ({type(exc).__name__})",
                        exchange=exchange,
                        payload=_snippet(msg.data),
                    )
                    del exc
                    emit(Malformed(exchange, err, received))
                    continue
                for event in events:
                    emit(event)
            elif kind == aiohttp.WSMsgType.PING:
                healthy = True
                # Pings that queued up while this process was busy get one pong, for the
                # newest (RFC 6455 §5.5.3 allows it): a pong each would be a burst the venue
                # counts against its message rate and answers by closing the connection.
                pong = msg.data  # sent at the top of the loop, now or once the gap allows
            elif kind == aiohttp.WSMsgType.PONG:
                healthy = True
            elif kind == aiohttp.WSMsgType.CLOSE:
                return (
                    f"closed by the server (code {msg.data}{': ' + msg.extra if msg.extra else ''})",
                    healthy,
                )
            elif kind == aiohttp.WSMsgType.ERROR:
                return f"connection error ({_brief(ws.exception())})", healthy
            else:  # CLOSING / CLOSED: the transport went away without a close frame
                return "connection lost", healthy

    def stop(self) -> None:
        """Stop after the current frame; the caller cancels or awaits :meth:`run`."""
        self._stopped = True


def _raise_if_cancelled() -> None:
    """Raise ``CancelledError`` when this task was cancelled but is still running.

    On Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that lands as its inner
    awaitable finishes (a connect that fails at that instant raises its own error instead): the
    reconnect loop would then retry forever and ``MarketStream.stop()``, which cancels it and
    waits, would never return. A cancellation not yet answered is answered here.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


_SNIPPET = 200


def _snippet(data: str | bytes) -> str:
    head = data[:_SNIPPET]
    return head if isinstance(head, str) else head.decode("utf-8", errors="replace")


def _detached(err: StreamMessageError) -> StreamMessageError:
    """``err`` holding nothing of its frame: stream stats keep the last 100 errors, and a
    traceback (whose frames hold the raw frame and its decoded form) or a message quoting the
    frame would pin megabytes each."""
    err.__traceback__ = None
    err.__context__ = None
    err.__cause__ = None
    if len(err.message) > 2 * _SNIPPET:
        err.message = err.message[: 2 * _SNIPPET] + "…"
        err.args = (err.message,)
    if isinstance(err.payload, str | bytes) and len(err.payload) > _SNIPPET:
        err.payload = _snippet(err.payload)
    return err


def _brief(exc: BaseException | None) -> str:
    text = str(exc) if exc is not None else ""
    return (text or type(exc).__name__)[:200]
