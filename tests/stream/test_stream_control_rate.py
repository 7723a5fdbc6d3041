"""The connection loop's own discipline, against scripted websocket servers on 127.0.0.1 (no
sandbox, no dates). Our control frames stay under Binance's incoming-message budget (5 a
second per connection, pings and pongs counted, spec §11): pings that queued up while this
process was busy get one pong for the newest (RFC 6455 §5.5.3), and no two control frames
leave closer than ``CONTROL_GAP``. A cancellation always ends the reconnect loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from scripted_server import websocket_route

from xtoolkit.exchanges.binance.ws import BinanceProtocol
from xtoolkit.stream import connection
from xtoolkit.stream.connection import CONTROL_GAP, Connection, ConnectionPolicy

#: Keep-alives far apart: only the pongs under test are in the window.
QUIET = ConnectionPolicy(heartbeat=20.0, stale_after=30.0)

Script = Callable[[web.WebSocketResponse, list[tuple[float, bytes]]], Awaitable[None]]


@contextlib.asynccontextmanager
async def server(script: Script) -> AsyncIterator[tuple[str, list[tuple[float, bytes]], asyncio.Event]]:
    """A websocket endpoint that takes the SUBSCRIBE, then runs ``script`` while a reader
    records every pong it receives as (monotonic time, payload)."""
    pongs: list[tuple[float, bytes]] = []
    done = asyncio.Event()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        await asyncio.wait_for(ws.receive(), 5)  # the SUBSCRIBE

        async def read() -> None:
            async for msg in ws:
                if msg.type == WSMsgType.PONG:
                    pongs.append((time.monotonic(), bytes(msg.data)))

        reader = asyncio.create_task(read())
        try:
            await script(ws, pongs)
        finally:
            done.set()
            await asyncio.sleep(0.5)  # pongs still on their way are recorded
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        return ws

    async with websocket_route(handler) as root:
        yield root, pongs, done


async def run_client(root: str, done: asyncio.Event, limit_s: float = 10.0) -> None:
    conn = Connection(BinanceProtocol(root, ["BTCUSDT"], ["trades"]), QUIET)
    seen: list[Any] = []
    task = asyncio.create_task(conn.run(seen.append))
    try:
        await asyncio.wait_for(done.wait(), limit_s)
        await asyncio.sleep(0.6)
    finally:
        conn.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def test_a_burst_of_pings_gets_one_pong_for_the_newest_after_the_first() -> None:
    async def burst(ws: web.WebSocketResponse, pongs: list[tuple[float, bytes]]) -> None:
        for payload in (b"1", b"2", b"3", b"4"):  # as after a stall: four pings at once
            await ws.ping(payload)
        await asyncio.sleep(1.0)

    async with server(burst) as (root, pongs, done):
        await run_client(root, done)
    # A pong each would be four control frames at once (plus a keep-alive: Binance's sixth
    # message in a second closes the connection). The first is answered at once; the three
    # that queued behind it get one pong, for the newest, a control gap later.
    assert [p for _, p in pongs] == [b"1", b"4"]
    assert pongs[1][0] - pongs[0][0] >= CONTROL_GAP * 0.6


async def test_every_ping_answered_in_time_gets_its_own_pong() -> None:
    async def spaced(ws: web.WebSocketResponse, pongs: list[tuple[float, bytes]]) -> None:
        for payload in (b"a", b"b", b"c"):
            await ws.ping(payload)
            deadline = time.monotonic() + 3.0
            while not any(p == payload for _, p in pongs) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            await asyncio.sleep(CONTROL_GAP)

    async with server(spaced) as (root, pongs, done):
        await run_client(root, done)
    assert [p for _, p in pongs] == [b"a", b"b", b"c"]


async def test_a_cancel_that_wait_for_swallows_still_ends_the_reconnect_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python 3.11's ``wait_for`` can swallow a cancellation that races a failing connect (the
    connect's own error comes out instead); ``MarketStream.stop()`` cancels the loop and waits,
    so the loop must still end. Here every connect is such a race."""
    real_wait_for = asyncio.wait_for

    async def swallowing_wait_for(aw: Any, timeout: float | None) -> Any:
        try:
            return await real_wait_for(aw, timeout)
        except asyncio.CancelledError:
            raise aiohttp.ClientConnectionError("connect failed as the cancel landed") from None

    monkeypatch.setattr(connection.asyncio, "wait_for", swallowing_wait_for)

    async def hang(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(3)  # the handshake does not complete before the cancel lands
        return web.Response()

    policy = ConnectionPolicy(heartbeat=1.0, stale_after=2.0, backoff_initial=0.01, backoff_max=0.02)
    async with websocket_route(hang) as root:
        conn = Connection(BinanceProtocol(root, ["BTCUSDT"], ["trades"]), policy)
        task = asyncio.create_task(conn.run(lambda event: None))
        await asyncio.sleep(0.3)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=5.0)
        monkeypatch.undo()
        assert done, "the reconnect loop went on after its task was cancelled"
        assert task.cancelled()
