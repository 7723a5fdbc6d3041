"""Child process for the RSS test: 31 hostile 10 MB frames into one stream Connection.

Run as ``python hostile_rss_child.py [max_message_bytes]``; prints ``<frames> <grown MB>``.
A fresh process, because RSS is sticky: memory freed by an earlier test is not given back
to the OS and would hide (or fake) growth. The hostile venue runs in a process of its own: its
send buffers (several 10 MB frames in flight on a busy machine) are not the client's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import sys
import time
from collections import deque
from multiprocessing.connection import Connection as Connection_
from typing import Any

from aiohttp import web

from xtoolkit.exchanges.binance.ws import BinanceProtocol
from xtoolkit.stream.connection import Connection, ConnectionPolicy, Malformed

FRAMES = 31
FRAME = '{"e":"trade","s":"' + "A" * (10 * 1024**2) + '"}'


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**2


async def serve(ports: Connection_) -> None:
    """The hostile venue: every connection gets FRAMES frames of 10 MB after its subscribe."""

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.receive(), 2)
            for _ in range(FRAMES):
                await ws.send_str(FRAME)
            await ws.receive(timeout=10)
        return ws

    app = web.Application()
    app.router.add_get("/stream", handler)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    ports.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    await asyncio.sleep(120)  # the parent terminates this process when it is done


def run_venue(ports: Connection_) -> None:
    asyncio.run(serve(ports))


async def main(port: int, limit: int | None) -> tuple[int, float]:
    errors: deque[BaseException] = deque(maxlen=100)  # what StreamStats.errors keeps

    def emit(ev: Any) -> None:
        if isinstance(ev, Malformed):
            errors.append(ev.error)

    extra = {} if limit is None else {"max_message_bytes": limit}
    policy = ConnectionPolicy(backoff_initial=0.01, backoff_max=0.02, **extra)
    gc.collect()
    before = rss_mb()
    conn = Connection(BinanceProtocol(f"ws://127.0.0.1:{port}", ["BTCUSDT"], ["trades"]), policy)
    task = asyncio.create_task(conn.run(emit))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and conn.attempts <= FRAMES and len(errors) < FRAMES:
        await asyncio.sleep(0.05)
    # Frames refused unread end a connection each; frames read become stored errors.
    frames = len(errors) if limit else conn.attempts - 1
    conn.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    gc.collect()
    return frames, rss_mb() - before


if __name__ == "__main__":
    arg = int(sys.argv[1]) if len(sys.argv) > 1 else None
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = ctx.Pipe()
    venue = ctx.Process(target=run_venue, args=(theirs,), daemon=True)
    venue.start()
    try:
        if not mine.poll(60):
            raise SystemExit("the hostile venue did not start within 60 s")
        n, grown = asyncio.run(main(mine.recv(), arg))
    finally:
        venue.terminate()
        venue.join(10)
    print(n, f"{grown:.1f}")
