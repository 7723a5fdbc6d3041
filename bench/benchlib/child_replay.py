"""Child process: a caching replay proxy in front of the sandbox (near-zero server time).

``python child_replay.py UPSTREAM_URL PORT`` serves on ``127.0.0.1:PORT``. The first request
for a key (method, path, query without ``timestamp``/``signature``/``recvWindow``) is forwarded
to the sandbox and its answer kept; every later request with that key is answered from memory.
So every contender gets byte-identical answers in ~a hundred microseconds, and what remains of
a call's time is the client's own work plus loopback HTTP.
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


def _busy(headers: dict[str, str]) -> bool:
    """Whether an answer's usage headers show a budget half spent (Upbit fewer than 5 requests
    left in its second, Binance over half its minute). Replayed forever, such a header makes a
    client's rate gate wait on every call (a gate reads the venue's count as the truth) — the
    proxy stands for a quiet venue, so it forwards again until it gets a calm answer to keep."""
    remaining = re.search(r"sec=(\d+)", headers.get("Remaining-Req", ""))
    if remaining is not None and int(remaining.group(1)) < 5:
        return True
    used = headers.get("X-MBX-USED-WEIGHT-1M")
    return used is not None and used.isdigit() and int(used) > 3000


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
                    if hit[0] == 200 and not _busy(kept):
                        cache[key] = hit
        status, data, kept = hit
        return web.Response(status=status, body=data, headers=kept)

    async def close(_: web.Application) -> None:
        if "s" in session:
            await session["s"].close()

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    app.on_cleanup.append(close)
    return app


def main() -> None:
    upstream, port = sys.argv[1], int(sys.argv[2])
    web.run_app(build(upstream), host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
