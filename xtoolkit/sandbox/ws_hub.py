"""The stream hub: both venues' websocket endpoints, fed by the simulated market.

``box.streams`` is the hub. The market calls :meth:`StreamHub.poke` (from any thread, state
lock held) after every change — a tick batch, a user fill — and the hub's pump task wakes on
the server loop, brings the market up to the wall clock, and publishes what changed to every
subscriber (:mod:`~xtoolkit.sandbox.ws_binance`, :mod:`~xtoolkit.sandbox.ws_upbit`). With
``freeze=False`` the pump also wakes at every tick boundary, so a notebook sees the market move
without asking.

Routes (same port as REST): Binance ``/ws``, ``/ws/<streams>`` (or ``/ws/<anything>``, a
connection without stream), ``/stream?streams=a/b``; Upbit ``/websocket/v1``. Timings and
limits live in :attr:`StreamHub.settings`; faults in ``box.faults.ws_*``; a planned-shutdown
notice is :meth:`StreamHub.announce_shutdown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from aiohttp import WSMsgType, web

from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.ws_binance import BinanceStreams, StreamName
from xtoolkit.sandbox.ws_peer import Frame, Peer, StreamSettings
from xtoolkit.sandbox.ws_upbit import STATUS_UP, UpbitStreams

__all__ = ["StreamHub"]

log = logging.getLogger("xtoolkit.sandbox")

#: Largest message a client may send (subscription requests are small).
MAX_INCOMING = 1024**2
#: Close code for planned disconnects (the sandbox stopping).
GOING_AWAY = 1001
#: How often a handshake held by a stall re-checks it (seconds).
STALL_POLL_S = 0.05


class StreamHub:
    """Websocket market streams for both venues of one sandbox."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.settings = StreamSettings()
        self.binance = BinanceStreams(state, self.settings)
        self.upbit = UpbitStreams(state, self.settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- wiring ----------------------------------------------------------------------------
    def install(self, app: web.Application) -> None:
        """Add the stream routes (before the REST catch-all) and the start/stop hooks."""
        app.router.add_get("/ws", self._binance)
        app.router.add_get("/ws/{streams:.*}", self._binance)
        app.router.add_get("/stream", self._binance)
        app.router.add_get("/websocket/v1", self._upbit)
        app.on_startup.append(self._startup)
        app.on_shutdown.append(self._shutdown)

    async def _startup(self, app: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        with self.state.lock:
            self.state.market.observers.append(self.poke)
        self.state.faults.ws.add_drop_hook(self._drop_hook)
        self._pump_task = asyncio.create_task(self._pump())

    async def _shutdown(self, app: web.Application) -> None:
        with self.state.lock:
            if self.poke in self.state.market.observers:
                self.state.market.observers.remove(self.poke)
        self.state.faults.ws.remove_drop_hook(self._drop_hook)
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
        self.binance.announce_shutdown(self.state.venue_ms("binance"))
        await asyncio.sleep(0)  # let the writers flush the shutdown event
        peers = [*self.binance.peers, *self.upbit.peers]
        await asyncio.gather(*(p.close(GOING_AWAY, "server shutdown") for p in peers))

    def poke(self) -> None:
        """Wake the pump: the market changed (thread-safe, cheap, never raises)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(wake.set)

    def _drop_hook(self, venue: str) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._drop, venue)

    def _drop(self, venue: str) -> None:
        side = self.binance if venue == "binance" else self.upbit
        for peer in list(side.peers):
            peer.abort("dropped by fault")

    def announce_shutdown(self) -> None:
        """Send Binance's ``serverShutdown`` event to every open Binance stream connection now,
        without closing them (what the venue does before planned maintenance, spec §11.4;
        the sandbox also sends it when it stops). Thread-safe."""
        loop = self._loop
        if loop is None:
            return

        def send() -> None:
            self.binance.announce_shutdown(self.state.venue_ms("binance"))

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(send)

    def connections(self, exchange: str | None = None) -> int:
        """Open stream connections (of one exchange, or both)."""
        peers = [*self.binance.peers, *self.upbit.peers]
        return sum(1 for p in peers if not p.closed and exchange in (None, p.venue))

    # -- publishing ------------------------------------------------------------------------------
    def _wait_seconds(self) -> float | None:
        """Until the next tick boundary (live market) or paced Binance stream, whichever is
        first (``None``: wait for a poke)."""
        dues = [d for d in (self.binance.wake_in(), self.upbit.wake_in()) if d is not None]
        paced = min(dues) if dues else None
        market = self.state.market
        if market.freeze:
            return paced
        tick_ms = market.tick_seconds * 1000
        now = self.state.now_ms()
        due = (int((now - market.start_ms) // tick_ms) + 1) * tick_ms + market.start_ms
        tick = max(0.001, (due - now) / 1000)
        return tick if paced is None else min(tick, paced)

    async def _pump(self) -> None:
        wake = self._wake
        assert wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._wait_seconds())
            wake.clear()
            if not (self.binance.active() or self.upbit.active()):
                continue
            try:
                with self.state.lock:
                    self.state.sync()
                    self.binance.collect(self.state.venue_ms("binance"))
                    self.upbit.collect(self.state.venue_ms("upbit"))
            except Exception:  # a bug must not end every stream: log it and keep serving
                log.exception("sandbox stream hub failed to publish")

    # -- connections -------------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _hold_while_stalled(self, venue: str) -> None:
        """A stalled link answers nothing — handshakes included: an attempt made during a
        stall is held until the stall ends (or the sandbox stops), then proceeds. Whether the
        client waits that long is up to its handshake timeout, as on a frozen network."""
        faults = self.state.faults.ws
        while not self.state.stopping.is_set():
            left = faults.stalled(venue)
            if left <= 0:
                return
            await asyncio.sleep(min(left, STALL_POLL_S))

    async def _accept(
        self, request: web.Request, venue: str
    ) -> tuple[web.WebSocketResponse, Peer] | web.Response:
        await self._hold_while_stalled(venue)
        if self.state.faults.ws.take_refuse(venue):
            return web.Response(status=503, text="503 Service Unavailable")
        ws = web.WebSocketResponse(autoping=False, max_msg_size=MAX_INCOMING)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="400 Bad Request: websocket upgrade expected")
        await ws.prepare(request)
        return ws, Peer(venue, request, ws, self.state.faults.ws, self.settings.max_pending)

    async def _binance(self, request: web.Request) -> web.StreamResponse:
        checked = self.binance.check(request)
        if isinstance(checked, web.Response):
            return checked
        streams, combined, micros = checked
        accepted = await self._accept(request, "binance")
        if isinstance(accepted, web.Response):
            return accepted
        ws, peer = accepted
        self._open_binance(peer, streams, combined, micros)
        tasks = [self._spawn(peer.writer()), self._spawn(self._binance_keepalive(peer))]
        try:
            async for msg in ws:
                peer.last_in = time.monotonic()
                # Pings and pongs count towards the venue's messages-per-second limit too.
                if msg.type in (WSMsgType.PING, WSMsgType.PONG, WSMsgType.TEXT) and self.binance.over_rate(
                    peer
                ):
                    await peer.close(1008, "Too many requests")
                    break
                if msg.type == WSMsgType.PING:
                    await peer.pong(msg.data)
                elif msg.type == WSMsgType.PONG:
                    peer.last_pong = time.monotonic()
                elif msg.type == WSMsgType.TEXT:
                    with self.state.lock:
                        reply = self.binance.control(peer, msg.data)
                    peer.send(Frame(reply))
                    self.poke()  # a new paced stream publishes its first event
        finally:
            self.binance.closed(peer)
            peer.finish("connection ended")
            for task in tasks:
                task.cancel()
        return ws

    def _open_binance(self, peer: Peer, streams: list[StreamName], combined: bool, micros: bool) -> None:
        with self.state.lock:
            self.binance.opened(peer, streams, combined, micros)
        self.poke()  # paced streams named in the URL publish their first event

    async def _binance_keepalive(self, peer: Peer) -> None:
        while not peer.closed:
            await asyncio.sleep(self.settings.ping_interval)
            if peer.stalled():
                peer.last_pong = time.monotonic()  # a stalled link cannot be blamed on the client
                continue
            if time.monotonic() - peer.last_pong > self.settings.pong_timeout:
                await peer.close(1000, "pong timeout")
                return
            await peer.ping()

    async def _upbit(self, request: web.Request) -> web.StreamResponse:
        accepted = await self._accept(request, "upbit")
        if isinstance(accepted, web.Response):
            return accepted
        ws, peer = accepted
        with self.state.lock:
            self.upbit.opened(peer)
        tasks = [self._spawn(peer.writer()), self._spawn(self._upbit_keepalive(peer))]
        try:
            async for msg in ws:
                peer.last_in = time.monotonic()
                if msg.type == WSMsgType.PING:
                    await peer.pong(msg.data)
                elif msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    raw = (
                        msg.data if isinstance(msg.data, str) else msg.data.decode("utf-8", errors="replace")
                    )
                    if raw.strip() == "PING":
                        peer.subs.status_every = True
                        peer.send(Frame(STATUS_UP, binary=True))
                        continue
                    with self.state.lock:
                        self.upbit.request(peer, raw, self.state.now_ms())
        finally:
            self.upbit.closed(peer)
            peer.finish("connection ended")
            for task in tasks:
                task.cancel()
        return ws

    async def _upbit_keepalive(self, peer: Peer) -> None:
        last_status = time.monotonic()
        while not peer.closed:
            await asyncio.sleep(min(self.settings.status_interval, self.settings.idle_timeout, 1.0))
            now = time.monotonic()
            if now - peer.last_in > self.settings.idle_timeout:
                await peer.close(1000, "idle timeout")
                return
            if peer.subs.status_every and now - last_status >= self.settings.status_interval:
                last_status = now
                peer.send(Frame(STATUS_UP, binary=True))
