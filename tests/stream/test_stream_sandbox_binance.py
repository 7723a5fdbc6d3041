"""The sandbox speaks Binance's stream protocol, consistent with its REST API at every state.

Checked with a bare aiohttp websocket client (not the toolkit's), against REST answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from streamhelpers import TIMEOUT, drain, peers, receive_json, registered, step

from xtoolkit.sandbox import Sandbox

D = Decimal


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


async def rest(http: aiohttp.ClientSession, box: Sandbox, path: str, **params: Any) -> Any:
    async with http.get(box.url + path, params=params) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_raw_book_ticker_matches_rest_at_the_same_state(
    box: Sandbox, http: aiohttp.ClientSession
) -> None:
    before = peers(box, "binance")
    async with http.ws_connect(box.ws_urls["binance"] + "/ws/btcusdt@bookTicker") as ws:
        await registered(box, "binance", before)
        await step(box)
        msg = await receive_json(ws)
        assert set(msg) == {"u", "s", "b", "B", "a", "A"}  # no e/E on bookTicker
        top = await rest(http, box, "/api/v3/ticker/bookTicker", symbol="BTCUSDT")
        depth = await rest(http, box, "/api/v3/depth", symbol="BTCUSDT", limit=1)
        assert (msg["b"], msg["B"], msg["a"], msg["A"]) == (
            top["bidPrice"],
            top["bidQty"],
            top["askPrice"],
            top["askQty"],
        )
        assert msg["u"] == depth["lastUpdateId"] and msg["s"] == "BTCUSDT"


async def test_combined_streams_live_subscribe_list_unsubscribe(
    box: Sandbox, http: aiohttp.ClientSession
) -> None:
    before = peers(box, "binance")
    async with http.ws_connect(box.ws_urls["binance"] + "/stream?streams=btcusdt@bookTicker") as ws:
        await registered(box, "binance", before)
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["ethusdt@bookTicker"], "id": 1}))
        assert await receive_json(ws) == {"result": None, "id": 1}
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        assert await receive_json(ws) == {"result": ["btcusdt@bookTicker", "ethusdt@bookTicker"], "id": 2}
        await step(box)
        got = {(await receive_json(ws))["stream"] for _ in range(2)}
        assert got == {"btcusdt@bookTicker", "ethusdt@bookTicker"}
        await ws.send_str(json.dumps({"method": "UNSUBSCRIBE", "params": ["btcusdt@bookTicker"], "id": 3}))
        assert await receive_json(ws) == {"result": None, "id": 3}
        await step(box)
        wrapped = await receive_json(ws)
        assert wrapped["stream"] == "ethusdt@bookTicker" and wrapped["data"]["s"] == "ETHUSDT"
        await ws.send_str(json.dumps({"method": "GET_PROPERTY", "params": ["combined"], "id": 4}))
        assert await receive_json(ws) == {"result": True, "id": 4}


async def test_diff_depth_continues_the_rest_snapshot_exactly(
    box: Sandbox, http: aiohttp.ClientSession
) -> None:
    before = peers(box, "binance")
    async with http.ws_connect(box.ws_urls["binance"] + "/ws/btcusdt@depth@100ms") as ws:
        await registered(box, "binance", before)
        snap = await rest(http, box, "/api/v3/depth", symbol="BTCUSDT", limit=1000)
        bids = {D(p): D(q) for p, q in snap["bids"]}
        asks = {D(p): D(q) for p, q in snap["asks"]}
        last = snap["lastUpdateId"]
        for _ in range(3):
            await step(box)
            ev = await receive_json(ws)
            assert ev["e"] == "depthUpdate" and ev["s"] == "BTCUSDT"
            assert ev["U"] == last + 1 and ev["u"] > last
            for side, changes in ((bids, ev["b"]), (asks, ev["a"])):
                for p, q in changes:
                    if D(q) == 0:
                        side.pop(D(p), None)
                    else:
                        side[D(p)] = D(q)
            last = ev["u"]
        after = await rest(http, box, "/api/v3/depth", symbol="BTCUSDT", limit=1000)
        assert after["lastUpdateId"] == last
        assert sorted(bids.items(), reverse=True) == [(D(p), D(q)) for p, q in after["bids"]]
        assert sorted(asks.items()) == [(D(p), D(q)) for p, q in after["asks"]]


async def test_partial_depth_and_trades_match_rest(box: Sandbox, http: aiohttp.ClientSession) -> None:
    url = box.ws_urls["binance"] + "/stream?streams=btcusdt@depth5/btcusdt@trade"
    before = peers(box, "binance")
    async with http.ws_connect(url) as ws:
        await registered(box, "binance", before)
        await step(box, 3)
        msgs = await drain(ws)
        partial = [m["data"] for m in msgs if m["stream"] == "btcusdt@depth5"]
        trades = [m["data"] for m in msgs if m["stream"] == "btcusdt@trade"]
        assert len(partial) == 1 and trades
        depth = await rest(http, box, "/api/v3/depth", symbol="BTCUSDT", limit=5)
        assert partial[0] == depth
        recent = await rest(http, box, "/api/v3/trades", symbol="BTCUSDT", limit=len(trades))
        assert [(t["t"], t["p"], t["q"], t["T"], t["m"]) for t in trades] == [
            (r["id"], r["price"], r["qty"], r["time"], r["isBuyerMaker"]) for r in recent
        ]
        assert all(t["e"] == "trade" and t["M"] is True for t in trades)


async def test_control_errors_use_binance_codes(box: Sandbox, http: aiohttp.ClientSession) -> None:
    before = peers(box, "binance")
    async with http.ws_connect(box.ws_urls["binance"] + "/ws") as ws:
        await registered(box, "binance", before)
        await ws.send_str("{nope")
        assert (await receive_json(ws))["error"]["code"] == 3
        await ws.send_str(json.dumps({"method": "PUBLISH", "id": 5}))
        err = await receive_json(ws)
        assert err["error"]["code"] == 2 and err["id"] == 5 and "unknown variant" in err["error"]["msg"]
        await asyncio.sleep(1.0)  # stay under 5 messages per second
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["BTCUSDT@trade"], "id": 6}))
        assert (await receive_json(ws))["error"]["code"] == 2
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1.5}))
        assert "unsigned integer" in (await receive_json(ws))["error"]["msg"]
    async with http.get(box.url + "/ws/btcusdt@candles") as r:
        assert r.status == 400
    async with http.get(box.url + "/stream?streams=btcusdt@trade") as r:
        assert r.status == 400  # not a websocket upgrade


async def test_server_pings_and_the_message_rate_limit(box: Sandbox, http: aiohttp.ClientSession) -> None:
    before = peers(box, "binance")
    async with http.ws_connect(box.ws_urls["binance"] + "/ws/btcusdt@trade", autoping=False) as ws:
        await registered(box, "binance", before)
        msg = await ws.receive(timeout=TIMEOUT)
        assert msg.type == aiohttp.WSMsgType.PING  # every ping_interval (0.3 s here; 20 s real)
        await ws.pong(msg.data)
        for i in range(7):
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
        async with asyncio.timeout(TIMEOUT):
            msg = await ws.receive()
            while msg.type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                assert msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.PING)
                msg = await ws.receive()
        assert ws.close_code == 1008


async def test_server_shutdown_event_precedes_the_close(http: aiohttp.ClientSession) -> None:
    box = Sandbox(seed=7, freeze=True).start()
    try:
        ws = await http.ws_connect(box.ws_urls["binance"] + "/ws/btcusdt@trade")
        stopping = asyncio.create_task(asyncio.to_thread(box.stop))
        msg = await receive_json(ws)
        assert msg["e"] == "serverShutdown"
        closing = await ws.receive(timeout=TIMEOUT)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await ws.close()
        await stopping
    finally:
        box.stop()
