"""Shared helpers of the stream tests: example payloads, bounded waits, raw websocket I/O."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

DATA = Path(__file__).parent / "data"
#: Every wait in these tests is bounded by this (seconds).
TIMEOUT = 5.0


def example(venue: str, name: str) -> Any:
    """A spec example copied into tests/stream/data/<venue>/<name>.json."""
    return json.loads((DATA / venue / f"{name}.json").read_text(encoding="utf-8"))


def example_text(venue: str, name: str) -> str:
    """The example as compact JSON text (what a venue would send)."""
    return json.dumps(example(venue, name), ensure_ascii=False, separators=(",", ":"))


def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT, what: str = "condition") -> None:
    """Poll ``predicate`` (blocking) until true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


async def await_until(
    predicate: Callable[[], bool], timeout: float = TIMEOUT, what: str = "condition"
) -> None:
    """Async :func:`wait_until`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


async def receive_json(ws: aiohttp.ClientWebSocketResponse, timeout: float = TIMEOUT) -> Any:
    """The next data frame as JSON (pings are answered by aiohttp)."""
    msg = await ws.receive(timeout=timeout)
    if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
        raise AssertionError(f"expected a data frame, got {msg.type!r} {msg.data!r}")
    return json.loads(msg.data)


async def step(box: Any, n: int = 1) -> None:
    """Advance the sandbox market from a worker thread (it takes the state lock)."""
    await asyncio.to_thread(box.market.step, n)


def peers(box: Any, exchange: str) -> frozenset[Any]:
    """The sandbox's open ``exchange`` stream connections right now (held, so never reused)."""
    return frozenset(p for p in getattr(box.streams, exchange).peers if not p.closed)


async def registered(box: Any, exchange: str, before: frozenset[Any]) -> None:
    """Wait until the sandbox has registered a connection that was not open ``before``.

    A websocket handshake can complete on the client before the server has registered the
    connection; a market step in between would publish to nobody.
    """
    deadline = time.monotonic() + TIMEOUT
    while not (peers(box, exchange) - before):
        if time.monotonic() > deadline:
            raise AssertionError(f"the sandbox never registered the {exchange} connection")
        await asyncio.sleep(0.01)


async def drain(ws: aiohttp.ClientWebSocketResponse, quiet: float = 0.3) -> list[Any]:
    """Every data frame until none arrives for ``quiet`` seconds (bounded by :data:`TIMEOUT`)."""
    out: list[Any] = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            out.append(await receive_json(ws, timeout=quiet))
        except TimeoutError:
            return out
    raise AssertionError(f"the stream never went quiet within {TIMEOUT} s")
