"""Client-side send times of every HTTP request the campaign's clients make, and the answers read.

The sandbox's request log stamps a request when its handler starts, which under load (one
server loop, twenty clients in the same process) can be a second after the bytes left the
client. To say exactly whether a request was *sent* during a ban, every ``aiohttp``
``ClientSession`` created inside :func:`trace_sends` gets a trace hook that notes when each
request started — on the client's loop, in the same uninterrupted step as its rate-gate check.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

__all__ = ["Answer", "Send", "SendLog", "trace_sends"]


@dataclass(frozen=True, slots=True)
class Send:
    """One request as it started on the client: epoch time, venue, method, path, raw query."""

    t: float
    venue: str
    method: str
    path: str
    query: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A response the client actually read: when, the request it answered, its HTTP status."""

    t: float
    venue: str
    method: str
    path: str
    query: str
    status: int


@dataclass
class SendLog:
    """Every request started, and every response read, while tracing (thread-safe)."""

    sends: list[Send] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, send: Send) -> None:
        with self._lock:
            self.sends.append(send)

    def read(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def snapshot(self) -> list[Send]:
        with self._lock:
            return list(self.sends)

    def answered(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)


def _venue(path: str) -> str:
    return "binance" if path.startswith("/api/") else "upbit" if path.startswith("/v1/") else ""


@contextlib.contextmanager
def trace_sends() -> Iterator[SendLog]:
    """Record the start of every request of every ``ClientSession`` created inside the block."""
    log = SendLog()
    config = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession, ctx: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        url = params.url
        log.add(Send(time.time(), _venue(url.path), params.method, url.path, url.raw_query_string))

    async def on_end(session: aiohttp.ClientSession, ctx: Any, params: aiohttp.TraceRequestEndParams) -> None:
        url = params.url
        log.read(
            Answer(
                time.time(),
                _venue(url.path),
                params.method,
                url.path,
                url.raw_query_string,
                params.response.status,
            )
        )

    config.on_request_start.append(on_start)
    config.on_request_end.append(on_end)
    original = aiohttp.ClientSession.__init__

    def init(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        kwargs["trace_configs"] = [*(kwargs.get("trace_configs") or ()), config]
        original(self, *args, **kwargs)

    aiohttp.ClientSession.__init__ = init  # type: ignore[method-assign]
    try:
        yield log
    finally:
        aiohttp.ClientSession.__init__ = original  # type: ignore[method-assign]
