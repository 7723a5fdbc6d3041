"""Child process: a caching replay proxy in front of the sandbox (near-zero server time).

``python child_replay.py UPSTREAM_URL PORT [ALIAS_PORT]`` serves on ``127.0.0.1:PORT`` (and, with
the same cache, on ``ALIAS_PORT``: a second route, so a client there has a rate gate of its own —
xtoolkit keys its process-wide gates by host and port). The first request
for a key (method, path, query without ``timestamp``/``signature``/``recvWindow``) is forwarded
to the sandbox and its answer kept; every later request with that key is answered from memory.
So every contender gets byte-identical answers in ~a hundred microseconds, and what remains of
a call's time is the client's own work plus loopback HTTP. Usage headers are the exception:
replies carry the calmest usage seen (see :class:`Quiet`), as a venue answers one quiet client.
"""

from __future__ import annotations

import asyncio
import re
import sys
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

#: Query parameters that change on every signed call and do not change the answer.
VOLATILE = frozenset({"timestamp", "signature", "recvWindow"})
#: Response headers worth replaying (content type and the venues' usage headers).
KEEP = ("Content-Type", "X-MBX-USED-WEIGHT-1M", "Remaining-Req")


_SEC = re.compile(r"(group=([a-z\-]+);\s*min=\d+;\s*sec=)(\d+)")


class Quiet:
    """The calmest usage each budget has shown, replayed on every cached answer.

    A cached answer's usage header is a snapshot of one moment; replayed forever, a busy
    moment's "5 left this second" makes a client's rate gate (which believes the venue's count)
    assume half of every window spent and wait, call after call. The proxy stands for a quiet
    venue, so replies carry the most remaining (Upbit ``sec=``) and the least used (Binance
    weight) seen so far — what a venue says when only this client talks to it.
    """

    def __init__(self) -> None:
        self.upbit_sec: dict[str, int] = {}
        self.binance_weight: int | None = None

    def observe(self, headers: dict[str, str]) -> None:
        m = _SEC.search(headers.get("Remaining-Req", ""))
        if m is not None:
            group, sec = m.group(2), int(m.group(3))
            self.upbit_sec[group] = max(sec, self.upbit_sec.get(group, sec))
        used = headers.get("X-MBX-USED-WEIGHT-1M", "")
        if used.isdigit():
            self.binance_weight = min(int(used), self.binance_weight or int(used))

    def apply(self, headers: dict[str, str]) -> dict[str, str]:
        out = dict(headers)
        remaining = out.get("Remaining-Req")
        if remaining is not None:
            out["Remaining-Req"] = _SEC.sub(
                lambda m: f"{m.group(1)}{self.upbit_sec.get(m.group(2), int(m.group(3)))}", remaining
            )
        if "X-MBX-USED-WEIGHT-1M" in out and self.binance_weight is not None:
            out["X-MBX-USED-WEIGHT-1M"] = str(self.binance_weight)
        return out


def key_of(request: web.Request) -> tuple[str, str, str]:
    pairs = [
        (k, v)
        for k, v in parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True)
        if k not in VOLATILE
    ]
    return request.method, request.path, urlencode(sorted(pairs))


def build(upstream: str) -> web.Application:
    cache: dict[tuple[str, str, str], tuple[int, bytes, dict[str, str]]] = {}
    lock = asyncio.Lock()
    quiet = Quiet()
    session: dict[str, aiohttp.ClientSession] = {}

    async def handle(request: web.Request) -> web.Response:
        key = key_of(request)
        hit = cache.get(key)
        if hit is None:
            async with lock:
                hit = cache.get(key)
                if hit is None:
                    if "s" not in session:
                        session["s"] = aiohttp.ClientSession()
                    body = await request.read()
                    headers = {
                        k: v
                        for k, v in request.headers.items()
                        if k.lower() not in ("host", "content-length")
                    }
                    async with session["s"].request(
                        request.method, upstream + str(request.rel_url), data=body or None, headers=headers
                    ) as resp:
                        data = await resp.read()
                        kept = {h: resp.headers[h] for h in KEEP if h in resp.headers}
                        hit = (resp.status, data, kept)
                    quiet.observe(kept)
                    if hit[0] == 200:
                        cache[key] = hit
        status, data, kept = hit
        return web.Response(status=status, body=data, headers=quiet.apply(kept))

    async def close(_: web.Application) -> None:
        if "s" in session:
            await session["s"].close()

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    app.on_cleanup.append(close)
    return app


async def serve(upstream: str, ports: list[int]) -> None:
    runner = web.AppRunner(build(upstream), access_log=None)
    await runner.setup()
    try:
        for port in ports:
            await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()  # until the parent terminates this process
    finally:
        await runner.cleanup()


def main() -> None:
    upstream, ports = sys.argv[1], [int(p) for p in sys.argv[2:4]]
    asyncio.run(serve(upstream, ports))


if __name__ == "__main__":
    main()
