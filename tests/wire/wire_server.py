"""A capturing fake venue on 127.0.0.1: records every request exactly as received, answers canned.

It knows no exchange logic. Each ``(method, path)`` answers from a queue of responders loaded
for one table row, then from the venue's default responder; a request nothing answers is
recorded in :attr:`CaptureServer.unanswered` and gets a 599 so the row fails loudly.

The server keeps its own clock, :data:`SKEW_MS` ahead of this machine's, and stamps each request
with it on arrival. A client that signs Binance requests with its own clock instead of the
venue's (learnt from ``/api/v3/time``) is then an hour off and fails the spec's timing rule.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web

__all__ = ["SKEW_MS", "CaptureServer", "Reply", "Responder", "Seen", "payload"]

#: How far the fake venue's clock runs ahead of this machine's (one hour).
SKEW_MS = 3_600_000
PAYLOADS = Path(__file__).parent / "payloads"
Route = tuple[str, str]


def payload(venue: str, name: str) -> Any:
    """A canned venue answer: ``payloads/<venue>/<name>.json`` (copied from the protocol spec)."""
    return json.loads((PAYLOADS / venue / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as the venue received it. ``query`` is the raw (still encoded) query string."""

    method: str
    path: str
    query: str
    body: bytes
    headers: Mapping[str, str]
    #: The fake venue's clock (epoch ms) when the request arrived.
    server_ms: int

    @property
    def route(self) -> Route:
        return (self.method, self.path)

    def params(self) -> list[tuple[str, str]]:
        """The query's ``(name, value)`` pairs, decoded, in the order sent."""
        if not self.query:
            return []
        return [
            (unquote_plus(name), unquote_plus(value))
            for name, _, value in (part.partition("=") for part in self.query.split("&"))
        ]

    def param(self, name: str, default: str | None = None) -> str | None:
        return next((v for k, v in self.params() if k == name), default)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int = 200
    body: Any = None


Responder = Callable[[Seen], Reply]


@dataclass
class _Routes:
    defaults: dict[Route, Responder] = field(default_factory=dict)
    queues: dict[Route, deque[Responder]] = field(default_factory=dict)


class CaptureServer:
    """The fake venue, on its own thread and event loop, so blocking and async clients both work."""

    def __init__(self) -> None:
        self.url = ""
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self._unanswered: list[str] = []
        self._routes = _Routes()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="wire-capture", daemon=True)

    # --- lifecycle ------------------------------------------------------------------------

    def _serve(self) -> None:
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
        self._loop.close()

    def start(self) -> CaptureServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the capture server did not start within 10 s")
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # --- per row --------------------------------------------------------------------------

    def load(self, defaults: Mapping[Route, Responder], queued: Mapping[Route, Iterable[Responder]]) -> None:
        """Forget every recorded request and answer the next row with these responders."""
        with self._lock:
            self._seen.clear()
            self._unanswered.clear()
            self._routes = _Routes(dict(defaults), {r: deque(q) for r, q in queued.items()})

    @property
    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    @property
    def unanswered(self) -> list[str]:
        with self._lock:
            return list(self._unanswered)

    # --- serving --------------------------------------------------------------------------

    def _responder(self, route: Route) -> Responder | None:
        with self._lock:
            queue = self._routes.queues.get(route)
            if queue:
                return queue.popleft()
            return self._routes.defaults.get(route)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        seen = Seen(
            method=request.method,
            path=request.rel_url.raw_path,
            query=request.rel_url.raw_query_string,
            body=body,
            headers=dict(request.headers),
            server_ms=int(time.time() * 1000) + SKEW_MS,
        )
        with self._lock:
            self._seen.append(seen)
        responder = self._responder(seen.route)
        if responder is None:
            with self._lock:
                self._unanswered.append(f"{seen.method} {seen.path} (no canned answer)")
            return web.json_response({"error": "no canned answer"}, status=599)
        try:
            reply = responder(seen)
        except Exception as exc:  # a broken responder must fail the row, not hang the client
            with self._lock:
                self._unanswered.append(f"{seen.method} {seen.path}: responder raised {exc!r}")
            return web.json_response({"error": "responder failed"}, status=599)
        return web.Response(status=reply.status, text=json.dumps(reply.body), content_type="application/json")
