"""A tiny scripted HTTP server on 127.0.0.1 for transport tests (no exchange logic).

Each route answers from a queue of scripted replies, falling back to a default; every
request is recorded (method, path, raw query, body, headers) for assertions.
:func:`websocket_route` serves one scripted websocket handler on the test's own loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@contextlib.asynccontextmanager
async def websocket_route(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]], path: str = "/stream"
) -> AsyncIterator[str]:
    """Serve ``handler`` at ``path`` on 127.0.0.1 (a free port, the running loop) while the
    block runs; yields the ``ws://`` root URL."""
    app = web.Application()
    app.router.add_get(path, handler)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes/str sent verbatim
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering


@dataclass
class Seen:
    method: str
    path: str
    query: str
    body: bytes
    headers: dict[str, str]


class ScriptedServer:
    def __init__(self) -> None:
        self.defaults: dict[tuple[str, str], Reply] = {}
        self.queues: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self.seen: list[Seen] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> ScriptedServer:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def _cleanup() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def default(self, method: str, path: str, reply: Reply) -> None:
        self.defaults[(method, path)] = reply

    def script(self, method: str, path: str, *replies: Reply) -> None:
        self.queues[(method, path)].extend(replies)

    def count(self, path_prefix: str = "") -> int:
        return sum(1 for s in self.seen if s.path.startswith(path_prefix))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        key = (request.method, request.path)
        self.seen.append(
            Seen(request.method, request.path, request.query_string, body, dict(request.headers))
        )
        queue = self.queues.get(key)
        reply = (
            queue.popleft() if queue else self.defaults.get(key, Reply(404, {"code": -1, "msg": "no route"}))
        )
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.drop:
            assert request.transport is not None
            request.transport.close()
            raise asyncio.CancelledError
        if isinstance(reply.body, bytes | str):
            text = reply.body if isinstance(reply.body, str) else reply.body.decode()
            return web.Response(
                status=reply.status, text=text, headers=reply.headers, content_type="text/plain"
            )
        return web.Response(
            status=reply.status,
            text=json.dumps(reply.body),
            headers=reply.headers,
            content_type="application/json",
        )
