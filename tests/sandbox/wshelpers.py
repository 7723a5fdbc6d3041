"""Raw websocket helpers for the sandbox stream fidelity tests (plain aiohttp, bounded waits)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp

from xtoolkit.sandbox import Sandbox

#: Every wait in these tests is bounded by this (seconds).
TIMEOUT = 5.0


async def receive_json(ws: aiohttp.ClientWebSocketResponse, timeout: float = TIMEOUT) -> Any:
    """The next data frame as JSON (pings are answered by aiohttp)."""
    msg = await ws.receive(timeout=timeout)
    if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
        raise AssertionError(f"expected a data frame, got {msg.type!r} {msg.data!r}")
    return json.loads(msg.data)


async def drain(
    ws: aiohttp.ClientWebSocketResponse,
    quiet: float = 0.3,
    until: Callable[[list[Any]], bool] | None = None,
) -> list[Any]:
    """Every data frame until the connection is ``quiet`` seconds silent (at most TIMEOUT).

    With ``until``, silence does not end the wait before ``until(frames)`` holds: on a busy
    machine the first frame can take longer than ``quiet`` to arrive.
    """
    out: list[Any] = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            msg = await ws.receive(timeout=quiet)
        except TimeoutError:
            if until is None or until(out):
                return out
            continue
        if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
            out.append(json.loads(msg.data))
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return out
    return out


def streams_seen(*names: str, prior: Sequence[Any] = ()) -> Callable[[list[Any]], bool]:
    """An ``until`` for :func:`drain`: every combined stream in ``names`` has sent a frame."""
    return lambda frames: set(names) <= {m.get("stream") for m in (*prior, *frames)}


async def step(box: Sandbox, n: int = 1) -> None:
    """Advance the sandbox market from a worker thread (it takes the state lock)."""
    await asyncio.to_thread(box.market.step, n)


async def connected(box: Sandbox, exchange: str, count: int) -> None:
    """Wait until the sandbox has registered ``count`` open ``exchange`` connections."""
    deadline = time.monotonic() + TIMEOUT
    while box.streams.connections(exchange) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"the sandbox never registered {count} {exchange} connection(s)")
        await asyncio.sleep(0.01)


def quick(box: Sandbox) -> Sandbox:
    """Paced streams publish quickly (real: 1 s tickers, 2 s klines)."""
    s = box.streams.settings
    s.ticker_interval = s.kline_interval = s.kline_1s_interval = 0.05
    return box
