"""One sandbox websocket connection: an outbox drained by a writer task, faults on the wire.

The stream hub computes events on the server loop and :meth:`Peer.send` queues them without
awaiting, so one slow client never holds up the others: a peer whose outbox overflows is cut
(as the real venues cut slow consumers). Faults act here, on what actually leaves the socket:
a stalled venue sends nothing (frames due meanwhile are lost), a malformed fault garbles the
next data frame, a drop aborts the TCP connection without a close frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from xtoolkit.sandbox.ws_faults import StreamFaults

__all__ = ["Frame", "Peer", "StreamSettings"]

log = logging.getLogger("xtoolkit.sandbox")

#: What a garbled frame carries (truncated JSON).
MALFORMED_FRAME = '{"e":"trade","s":"BTC'


@dataclass(slots=True)
class StreamSettings:
    """Timings and limits of the sandbox streams (``box.streams.settings``; new values apply
    to connections opened afterwards).

    ``ping_interval``: Binance server ping frames (real: 20 s); ``pong_timeout``: Binance cuts
    a connection whose pongs stop for this long (real: 60 s); ``status_interval``: Upbit's
    ``{"status":"UP"}`` repeat after a client ``PING`` (real: 10 s); ``idle_timeout``: Upbit
    closes a connection silent for this long (real: ~120 s); ``max_pending``: frames queued
    per connection before it is cut as too slow; ``max_incoming_per_s``: Binance's limit of
    incoming messages (text, ping and pong frames) per second (real: 5; 0 disables);
    ``diff_levels``: book levels per side the Binance diff-depth stream covers (levels leaving
    that window are sent as removals); ``ticker_interval``: Binance ``@ticker`` /
    ``@miniTicker`` / ``!miniTicker@arr`` update speed (real: 1 s); ``kline_interval`` and
    ``kline_1s_interval``: ``@kline_<i>`` update speed (real: 2 s, 1 s for ``1s``);
    ``max_connects_per_5min``: Binance connection attempts per IP per 5 minutes before the
    handshake is refused with HTTP 429 (real: 300; 0 disables); ``candle_interval``: Upbit
    ``candle.*`` messages at most this often per market and type (real: 1 s).
    """

    ping_interval: float = 20.0
    pong_timeout: float = 60.0
    status_interval: float = 10.0
    idle_timeout: float = 120.0
    max_pending: int = 10_000
    max_incoming_per_s: int = 5
    diff_levels: int = 1000
    ticker_interval: float = 1.0
    kline_interval: float = 2.0
    kline_1s_interval: float = 1.0
    max_connects_per_5min: int = 300
    candle_interval: float = 1.0


@dataclass(frozen=True, slots=True)
class Frame:
    """One outgoing websocket message: text, or ``binary`` (Upbit's UTF-8 JSON)."""

    data: str
    binary: bool = False


class Peer:
    """A connected websocket client of one venue."""

    def __init__(
        self,
        venue: str,
        request: web.Request,
        ws: web.WebSocketResponse,
        faults: StreamFaults,
        max_pending: int,
    ) -> None:
        self.venue = venue
        self.ws = ws
        self.faults = faults
        self.max_pending = max_pending
        self.closed = False
        self.close_reason: str | None = None
        self.last_in = time.monotonic()
        self.last_pong = time.monotonic()
        self.sent = 0
        #: Venue-specific subscription state (set by the venue module).
        self.subs: Any = None
        self._transport = request.transport
        self._queue: deque[Frame] = deque()
        self._ready = asyncio.Event()

    def send(self, frame: Frame) -> None:
        """Queue ``frame`` (never waits); a peer that fell ``max_pending`` frames behind is cut."""
        if self.closed:
            return
        if len(self._queue) >= self.max_pending:
            self.abort("slow consumer: outbox full")
            return
        self._queue.append(frame)
        self._ready.set()

    def stalled(self) -> bool:
        """True while a stall fault silences this venue."""
        return self.faults.stalled(self.venue) > 0

    async def writer(self) -> None:
        """Drain the outbox until the peer closes (runs as a task per connection)."""
        while not self.closed:
            await self._ready.wait()
            self._ready.clear()
            while self._queue and not self.closed:
                frame = self._queue.popleft()
                if self.stalled():
                    continue
                if self.faults.take_malformed(self.venue):
                    frame = Frame(MALFORMED_FRAME, frame.binary)
                try:
                    if frame.binary:
                        await self.ws.send_bytes(frame.data.encode("utf-8"))
                    else:
                        await self.ws.send_str(frame.data)
                except (ConnectionError, RuntimeError) as exc:
                    # The client went away mid-send: the handler's read loop ends the peer.
                    self.abort(f"send failed: {type(exc).__name__}")
                    return
                self.sent += 1

    async def pong(self, payload: bytes) -> None:
        """Answer a ping frame (unless stalled)."""
        if not self.stalled() and not self.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.pong(payload)

    async def ping(self, payload: bytes = b"") -> None:
        """Send a ping frame (unless stalled)."""
        if not self.stalled() and not self.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.ping(payload)

    def abort(self, reason: str) -> None:
        """Cut the TCP connection without a close frame."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        self._ready.set()
        if self._transport is not None:
            self._transport.abort()

    def finish(self, reason: str) -> None:
        """Mark the peer closed once its connection has ended (stops the writer)."""
        if not self.closed:
            self.closed = True
            self.close_reason = reason
        self._ready.set()

    async def close(self, code: int, message: str) -> None:
        """Close with a close frame (``code``/``message``)."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = message
        self._ready.set()
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            await asyncio.wait_for(self.ws.close(code=code, message=message.encode("utf-8")), 2.0)
