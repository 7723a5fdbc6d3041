"""The sandbox speaks Upbit's websocket protocol: one subscription array, binary frames,
PING -> {"status":"UP"}, snapshots consistent with REST /v1/orderbook and /v1/trades/ticks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from streamhelpers import TIMEOUT, drain, example, peers, receive_json, registered, step

from xtoolkit.sandbox import Sandbox


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


def upbit_url(box: Sandbox) -> str:
    return box.ws_urls["upbit"] + "/websocket/v1"


async def rest(http: aiohttp.ClientSession, box: Sandbox, path: str, **params: Any) -> Any:
    async with http.get(box.url + path, params=params) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def settled(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Upbit acknowledges nothing: a PING answered means every earlier request was handled."""
    await ws.send_str("PING")
    assert await receive_json(ws) == {"status": "UP"}


def request(*types: dict[str, Any], fmt: str | None = None) -> str:
    body: list[dict[str, Any]] = [{"ticket": "test"}, *types]
    if fmt:
        body.append({"format": fmt})
    return json.dumps(body)


async def test_snapshot_then_realtime_in_binary_frames_matching_rest(
    box: Sandbox, http: aiohttp.ClientSession
) -> None:
    before = peers(box, "upbit")
    async with http.ws_connect(upbit_url(box)) as ws:
        await registered(box, "upbit", before)
        await ws.send_str(request({"type": "orderbook", "codes": ["KRW-BTC.5"]}))
        msg = await ws.receive(timeout=TIMEOUT)
        assert msg.type == aiohttp.WSMsgType.BINARY
        book = json.loads(msg.data.decode("utf-8"))
        assert set(book) == set(example("upbit", "ws_orderbook"))
        assert book["stream_type"] == "SNAPSHOT" and book["code"] == "KRW-BTC" and book["level"] == 0
        (rest_book,) = await rest(http, box, "/v1/orderbook", markets="KRW-BTC", count=5)
        assert book["orderbook_units"] == rest_book["orderbook_units"]
        assert book["total_bid_size"] == rest_book["total_bid_size"]
        await step(box)
        live = await receive_json(ws)
        (rest_book,) = await rest(http, box, "/v1/orderbook", markets="KRW-BTC", count=5)
        assert live["stream_type"] == "REALTIME"
        assert live["orderbook_units"] == rest_book["orderbook_units"]


async def test_trades_and_ticker_match_rest(box: Sandbox, http: aiohttp.ClientSession) -> None:
    before = peers(box, "upbit")
    async with http.ws_connect(upbit_url(box)) as ws:
        await registered(box, "upbit", before)
        await ws.send_str(
            request(
                {"type": "trade", "codes": ["KRW-BTC"], "is_only_realtime": True},
                {"type": "ticker", "codes": ["KRW-BTC"], "is_only_realtime": True},
            )
        )
        await settled(ws)
        await step(box, 3)
        msgs = [m for m in await drain(ws) if "status" not in m]
        trades = [m for m in msgs if m["type"] == "trade"]
        tickers = [m for m in msgs if m["type"] == "ticker"]
        assert trades and len(tickers) == 1
        assert set(trades[0]) == set(example("upbit", "ws_trade"))
        assert set(tickers[0]) == set(example("upbit", "ws_ticker"))
        ticks = await rest(http, box, "/v1/trades/ticks", market="KRW-BTC", count=len(trades))
        assert [t["sequential_id"] for t in trades] == [t["sequential_id"] for t in reversed(ticks)]
        assert [t["trade_price"] for t in trades] == [t["trade_price"] for t in reversed(ticks)]
        (rest_ticker,) = await rest(http, box, "/v1/ticker", markets="KRW-BTC")
        assert tickers[0]["trade_price"] == rest_ticker["trade_price"] == trades[-1]["trade_price"]


async def test_ping_status_up_and_its_repeats(box: Sandbox, http: aiohttp.ClientSession) -> None:
    before = peers(box, "upbit")
    async with http.ws_connect(upbit_url(box)) as ws:
        await registered(box, "upbit", before)
        await ws.send_str("PING")
        assert await receive_json(ws) == example("upbit", "ws_ping_status")
        assert await receive_json(ws) == {"status": "UP"}  # repeated every status_interval


async def test_request_errors(box: Sandbox, http: aiohttp.ClientSession) -> None:
    cases = [
        ("{nope", "WRONG_FORMAT"),
        (json.dumps([{"type": "ticker", "codes": ["KRW-BTC"]}]), "NO_TICKET"),
        (json.dumps([{"ticket": "t"}]), "NO_TYPE"),
        (json.dumps([{"ticket": "t"}, {"type": "ticker"}]), "NO_CODES"),
        (request({"type": "ticker", "codes": ["krw-btc"]}), "INVALID_PARAM"),
        (request({"type": "orderbook", "codes": ["KRW-BTC.7"]}), "INVALID_PARAM"),
    ]
    before = peers(box, "upbit")
    async with http.ws_connect(upbit_url(box)) as ws:
        await registered(box, "upbit", before)
        for raw, name in cases:
            await ws.send_str(raw)
            msg = await ws.receive(timeout=TIMEOUT)
            assert msg.type == aiohttp.WSMsgType.BINARY
            body = json.loads(msg.data)
            assert body["error"]["name"] == name, raw
            assert set(body) == set(example("upbit", "ws_error"))


async def test_only_snapshot_json_list_and_replacement(box: Sandbox, http: aiohttp.ClientSession) -> None:
    before = peers(box, "upbit")
    async with http.ws_connect(upbit_url(box)) as ws:
        await registered(box, "upbit", before)
        await ws.send_bytes(
            request(
                {"type": "orderbook", "codes": ["KRW-ETH.1"], "is_only_snapshot": True}, fmt="JSON_LIST"
            ).encode()
        )
        (snap,) = await receive_json(ws)
        assert snap["stream_type"] == "SNAPSHOT" and len(snap["orderbook_units"]) == 1
        await step(box)
        assert await drain(ws) == []  # snapshot only
        await ws.send_str(request({"type": "orderbook", "codes": ["KRW-XRP.1"], "is_only_realtime": True}))
        await settled(ws)
        await step(box)
        msgs = [m for m in await drain(ws) if "status" not in m]
        assert [m["code"] for m in msgs] == ["KRW-XRP"]


async def test_idle_connections_are_closed(fresh: Sandbox, http: aiohttp.ClientSession) -> None:
    fresh.streams.settings.idle_timeout = 0.3
    async with http.ws_connect(upbit_url(fresh)) as ws:
        msg = await ws.receive(timeout=TIMEOUT)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
