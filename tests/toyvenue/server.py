"""A tiny ToyEx on 127.0.0.1: the three REST endpoints and a websocket of trades."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

from aiohttp import web

MARKETS = [{"code": "BTC_USD", "base": "BTC", "quote": "USD", "tick": "0.5", "step": "0.001"}]
BOOK = {"bids": [["100.0", "1.5"], ["99.5", "2"]], "asks": [["100.5", "0.7"], ["101.0", "3"]]}
TRADES = 5


class ToyServer:
    """Runs the app on its own loop thread; :attr:`url` is its root (``http://127.0.0.1:port``)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.subscriptions: list[Any] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def __enter__(self) -> ToyServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the toy server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()
        self.loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/markets", self._markets)
        app.router.add_get("/api/ticker", self._ticker)
        app.router.add_get("/api/book", self._book)
        app.router.add_get("/ws", self._ws)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _seen(self, request: web.Request) -> None:
        self.requests.append((request.method, request.path, dict(request.query)))

    async def _markets(self, request: web.Request) -> web.Response:
        self._seen(request)
        return web.json_response(MARKETS)

    async def _ticker(self, request: web.Request) -> web.Response:
        self._seen(request)
        codes = request.query["codes"].split(",")
        unknown = [c for c in codes if c not in {m["code"] for m in MARKETS}]
        if unknown:
            return web.json_response({"message": f"unknown code {unknown[0]}"}, status=404)
        rows = [
            {
                "code": c,
                "bid": "100.0",
                "bid_size": "1.5",
                "ask": "100.5",
                "ask_size": "0.7",
                "last": "100.25",
                "vol": "12.5",
                "qvol": "1253.1",
                "chg": "1.25",
                "ts": 1_700_000_000_000,
            }
            for c in codes
        ]
        return web.json_response(rows)

    async def _book(self, request: web.Request) -> web.Response:
        self._seen(request)
        return web.json_response({"code": request.query["code"], "ts": 1_700_000_000_500, **BOOK})

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        sub = json.loads((await ws.receive(timeout=10)).data)
        self.subscriptions.append(sub)
        for i in range(1, TRADES + 1):
            trade = {
                "code": sub["codes"][0],
                "price": f"{100 + i / 2}",
                "qty": "0.01",
                "side": "buy" if i % 2 else "sell",
            }
            await ws.send_str(json.dumps({**trade, "id": i, "ts": int(time.time() * 1000)}))
        async for _ in ws:  # keep the link open until the client leaves
            pass
        return ws
