"""Websockets as the venues serve them (issue 14, item 4; spec §7, §11, upbit.md §8).

Bare aiohttp clients: ccxt's ``/ws/<index>`` + SUBSCRIBE habit, the subscription protocol
and its errors, every stream payload against the spec examples and against REST, the limits,
``serverShutdown``, ``timeUnit``, the stall fault on handshakes, Upbit's formats.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from sbhelpers import assert_shape, example
from wshelpers import TIMEOUT, connected, drain, quick, receive_json, step, streams_seen

from xtoolkit.sandbox import Sandbox


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """A frozen sandbox of this test's own, paced streams sped up."""
    with Sandbox(seed=7, freeze=True) as sb:
        yield quick(sb)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


async def rest(http: aiohttp.ClientSession, box: Sandbox, path: str, **params: Any) -> Any:
    async with http.get(box.url + path, params=params) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def control(ws: aiohttp.ClientWebSocketResponse, msg: dict[str, Any]) -> Any:
    await ws.send_str(json.dumps(msg))
    return await receive_json(ws)


async def test_ccxt_connects_to_an_index_path_then_subscribes(
    box: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(box.ws_urls["binance"] + "/ws/0") as ws:
        await connected(box, "binance", 1)
        assert await control(ws, {"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1}) == {
            "result": None,
            "id": 1,
        }
        await step(box, 2)
        trade = await receive_json(ws)
        assert trade["e"] == "trade" and trade["s"] == "BTCUSDT"  # raw: not wrapped on /ws


async def test_subscription_protocol_matches_the_examples(box: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(box.ws_urls["binance"] + "/ws") as ws:
        await connected(box, "binance", 1)
        sub = example("binance", "ws_subscribe_request")
        assert await control(ws, sub) == example("binance", "ws_subscribe_response")
        listed = await control(ws, example("binance", "ws_list_subscriptions_request"))
        assert listed == {"result": sub["params"], "id": 3}
        unsub = example("binance", "ws_unsubscribe_request")
        assert await control(ws, unsub) == {"result": None, "id": unsub["id"]}
        await asyncio.sleep(1.0)  # 5 messages per second
        listed = await control(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 4})
        assert listed["result"] == [n for n in sub["params"] if n not in unsub["params"]]
        assert await control(ws, {"method": "SET_PROPERTY", "params": ["combined", True], "id": 5}) == {
            "result": None,
            "id": 5,
        }
        assert await control(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 6}) == {
            "result": True,
            "id": 6,
        }


async def test_unknown_and_retired_streams_are_invalid(box: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(box.ws_urls["binance"] + "/ws") as ws:
        await connected(box, "binance", 1)
        for i, name in enumerate(["btcusdt@avgPrice", "!ticker@arr", "btcusdt@depth7", "BTCUSDT@trade"], 4):
            err = await control(ws, {"method": "SUBSCRIBE", "params": [name], "id": i})
            assert err == example("binance", "ws_error_invalid_stream") | {"id": i}, name
            await asyncio.sleep(0.25)


async def test_request_ids_as_documented(box: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(box.ws_urls["binance"] + "/ws") as ws:
        await connected(box, "binance", 1)
        for req_id in (None, "abc123", -7, 2**63 - 1):
            reply = await control(ws, {"method": "LIST_SUBSCRIPTIONS", "id": req_id})
            assert reply == {"result": [], "id": req_id}
        await asyncio.sleep(1.0)
        for req_id in (1.5, "no-dashes", "x" * 37, True):
            reply = await control(ws, {"method": "LIST_SUBSCRIPTIONS", "id": req_id})
            assert reply["id"] is None and reply["error"]["code"] == 2
        await asyncio.sleep(1.0)
        extra = await control(ws, {"method": "LIST_SUBSCRIPTIONS", "params": ["x"], "id": 1})
        assert extra["error"] == {"code": 2, "msg": "Invalid request: too many parameters"}
        prop = await control(ws, {"method": "GET_PROPERTY", "params": ["speed"], "id": 2})
        assert prop["error"]["code"] == 0
        value = await control(ws, {"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 3})
        assert value["error"]["code"] == 1


async def test_new_stream_payloads_match_examples_and_rest(box: Sandbox, http: aiohttp.ClientSession) -> None:
    streams = [
        "btcusdt@ticker",
        "btcusdt@miniTicker",
        "!miniTicker@arr",
        "btcusdt@aggTrade",
        "btcusdt@kline_1m",
        "btcusdt@depth5@100ms",
    ]
    async with http.ws_connect(box.ws_urls["binance"] + "/stream?streams=" + "/".join(streams)) as ws:
        await connected(box, "binance", 1)
        # Paced streams start with their current state.
        paced = ("btcusdt@ticker", "btcusdt@miniTicker", "btcusdt@kline_1m")
        first = await drain(ws, until=streams_seen(*paced))
        assert {m["stream"] for m in first} >= set(paced)
        await step(box, 3)
        msgs = first + await drain(ws, until=streams_seen(*streams, prior=first))
        by: dict[str, list[Any]] = {}
        for m in msgs:
            by.setdefault(m["stream"], []).append(m["data"])
        assert_shape(by["btcusdt@ticker"][-1], example("binance", "ws_ticker"))
        assert_shape(by["btcusdt@miniTicker"][-1], example("binance", "ws_mini_ticker"))
        assert_shape(by["!miniTicker@arr"][-1], example("binance", "ws_all_mini_tickers"))
        assert_shape(by["btcusdt@aggTrade"][-1], example("binance", "ws_agg_trade"))
        assert_shape(by["btcusdt@kline_1m"][-1], example("binance", "ws_kline"))
        assert_shape(by["btcusdt@depth5@100ms"][-1], example("binance", "ws_partial_depth5"))
        # Consistent with REST at the same state.
        ticker = await rest(http, box, "/api/v3/ticker/24hr", symbol="BTCUSDT")
        last = by["btcusdt@ticker"][-1]
        assert (last["c"], last["v"], last["L"], last["b"], last["a"]) == (
            ticker["lastPrice"],
            ticker["volume"],
            ticker["lastId"],
            ticker["bidPrice"],
            ticker["askPrice"],
        )
        mini = by["btcusdt@miniTicker"][-1]
        assert (mini["c"], mini["o"], mini["q"]) == (
            ticker["lastPrice"],
            ticker["openPrice"],
            ticker["quoteVolume"],
        )
        aggs = by["btcusdt@aggTrade"]
        recent = await rest(http, box, "/api/v3/aggTrades", symbol="BTCUSDT", limit=len(aggs))
        assert [(a["a"], a["p"], a["q"], a["T"], a["m"]) for a in aggs] == [
            (r["a"], r["p"], r["q"], r["T"], r["m"]) for r in recent
        ]
        kline = by["btcusdt@kline_1m"][-1]["k"]
        row = (await rest(http, box, "/api/v3/klines", symbol="BTCUSDT", interval="1m", limit=1))[0]
        assert (kline["t"], kline["o"], kline["h"], kline["l"], kline["c"], kline["v"], kline["n"]) == (
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[8],
        )
        assert kline["T"] == row[6] and kline["x"] is False and kline["i"] == "1m"
        assert any(t["s"] == "BTCUSDT" for t in by["!miniTicker@arr"][-1])


async def test_a_kline_that_closes_is_sent_with_x_true(box: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(box.ws_urls["binance"] + "/ws/btcusdt@kline_1s") as ws:
        await connected(box, "binance", 1)
        opened = (await receive_json(ws))["k"]
        await asyncio.sleep(max(0.0, (opened["T"] + 1 - time.time() * 1000) / 1000) + 0.05)
        await step(box)
        closing = await receive_json(ws)
        assert closing["k"]["t"] == opened["t"] and closing["k"]["x"] is True
        current = await receive_json(ws)
        assert current["k"]["t"] > opened["t"] and current["k"]["x"] is False


async def test_time_unit_microsecond_on_the_url(box: Sandbox, http: aiohttp.ClientSession) -> None:
    url = box.ws_urls["binance"] + "/stream?streams=btcusdt@trade/btcusdt@kline_1m&timeUnit=microsecond"
    async with http.ws_connect(url) as ws:
        await connected(box, "binance", 1)
        await step(box, 2)
        frames = await drain(ws, until=streams_seen("btcusdt@trade", "btcusdt@kline_1m"))
        msgs = {m["stream"]: m["data"] for m in frames}
        trade, kline = msgs["btcusdt@trade"], msgs["btcusdt@kline_1m"]
        assert trade["E"] > 10**15 and trade["T"] > 10**15 and trade["t"] < 10**14  # the id stays
        assert kline["k"]["t"] % 60_000_000 == 0 and kline["k"]["T"] % 60_000_000 == 59_999_999


async def test_server_shutdown_notice_raw_and_combined(box: Sandbox, http: aiohttp.ClientSession) -> None:
    async with (
        http.ws_connect(box.ws_urls["binance"] + "/ws/btcusdt@trade") as raw,
        http.ws_connect(box.ws_urls["binance"] + "/stream?streams=btcusdt@trade") as combined,
    ):
        await connected(box, "binance", 2)
        box.streams.announce_shutdown()
        notice = await receive_json(raw)
        assert_shape(notice, example("binance", "ws_server_shutdown"))
        wrapped = await receive_json(combined)
        assert_shape(wrapped, example("binance", "ws_server_shutdown_combined"))
        assert wrapped["stream"] == "!serverShutdown"
        await step(box, 2)
        assert (await receive_json(raw))["e"] == "trade"  # still open: the notice only warns


async def test_limits_streams_per_connection_and_message_rate(
    box: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(box.ws_urls["binance"] + "/ws") as ws:
        await connected(box, "binance", 1)
        # Names of symbols the venue does not list are accepted (and silent): cheap to hold.
        names = [f"coin{i}usdt@trade" for i in range(1025)]
        err = await control(ws, {"method": "SUBSCRIBE", "params": names[:1025], "id": 1})
        assert err["error"]["code"] == 2
        ok = await control(ws, {"method": "SUBSCRIBE", "params": names[:1024], "id": 2})
        assert ok == {"result": None, "id": 2}
    async with http.ws_connect(box.ws_urls["binance"] + "/ws") as ws:
        await connected(box, "binance", 1)
        for i in range(6):  # the sixth message within a second closes the connection
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
        async with asyncio.timeout(TIMEOUT):
            msg = await ws.receive()
            while msg.type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                msg = await ws.receive()
        assert ws.close_code == 1008


async def test_connection_attempts_per_ip_are_limited(box: Sandbox, http: aiohttp.ClientSession) -> None:
    box.streams.settings.max_connects_per_5min = 3
    for _ in range(3):
        async with http.ws_connect(box.ws_urls["binance"] + "/ws"):
            pass
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(box.ws_urls["binance"] + "/ws")
    assert info.value.status == 429


async def test_a_stall_holds_new_handshakes_until_it_ends(box: Sandbox, http: aiohttp.ClientSession) -> None:
    url = box.ws_urls["binance"] + "/ws/btcusdt@trade"
    # 2 s of stall against a 0.3 s handshake timeout: room for a loaded machine's slow start
    # (a 0.3 s set-up ate a 1 s stall in a sibling test once).
    box.faults.ws_stall("binance", 2.0)
    t0 = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(0.3):  # a client with a short handshake timeout gives up
            await http.ws_connect(url)
    async with http.ws_connect(url) as ws:  # a patient one connects once the link is back
        assert time.monotonic() - t0 >= 1.9
        await connected(box, "binance", 1)
        await step(box, 2)
        assert (await receive_json(ws))["e"] == "trade"  # and nothing it is sent is dropped


async def test_upbit_simple_and_list_formats(box: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(box.ws_urls["upbit"] + "/websocket/v1") as ws:
        await connected(box, "upbit", 1)
        codes = [{"type": "ticker", "codes": ["KRW-BTC"]}, {"type": "orderbook", "codes": ["KRW-BTC.5"]}]
        await ws.send_str(json.dumps([{"ticket": "t1"}, *codes, {"format": "DEFAULT"}]))
        default = {m["type"]: m for m in [await receive_json(ws), await receive_json(ws)]}
        await ws.send_str(json.dumps([{"ticket": "t2"}, *codes, {"format": "SIMPLE"}]))
        simple = {m["ty"]: m for m in [await receive_json(ws), await receive_json(ws)]}
        assert (
            simple["ticker"]["cd"] == "KRW-BTC" and simple["ticker"]["tp"] == default["ticker"]["trade_price"]
        )
        assert (
            simple["ticker"]["st"] == "SNAPSHOT"
            and simple["ticker"]["atv24h"] == default["ticker"]["acc_trade_volume_24h"]
        )
        unit = simple["orderbook"]["obu"][0]
        assert set(unit) == {"ap", "bp", "as", "bs"}
        assert unit["ap"] == default["orderbook"]["orderbook_units"][0]["ask_price"]
        await ws.send_str(
            json.dumps([{"ticket": "t3"}, {"type": "trade", "codes": ["KRW-BTC"]}, {"format": "SIMPLE_LIST"}])
        )
        listed = await receive_json(ws)
        assert isinstance(listed, list) and listed[0]["ty"] == "trade" and "sid" in listed[0]


async def test_upbit_candle_types(box: Sandbox, http: aiohttp.ClientSession) -> None:
    box.streams.settings.candle_interval = 0.05
    async with http.ws_connect(box.ws_urls["upbit"] + "/websocket/v1") as ws:
        await connected(box, "upbit", 1)
        request = [
            {"ticket": "c"},
            {"type": "candle.1m", "codes": ["KRW-BTC"]},
            {"type": "candle.1s", "codes": ["KRW-BTC"]},
        ]
        await ws.send_str(json.dumps(request))
        snapshot = await receive_json(ws)
        assert snapshot["type"] == "candle.1m" and snapshot["stream_type"] == "SNAPSHOT"
        rest = (await rest_upbit(http, box, "/v1/candles/minutes/1", market="KRW-BTC"))[0]
        for key in ("candle_date_time_utc", "candle_date_time_kst", "opening_price", "trade_price", "unit"):
            assert snapshot[key] == rest[key], key
        assert snapshot["code"] == "KRW-BTC"
        await drain(ws)
        await step(box, 3)
        types = {"candle.1m", "candle.1s"}
        def realtime(frames: list[Any]) -> list[Any]:
            return [m for m in frames if m["stream_type"] == "REALTIME"]

        live = realtime(await drain(ws, until=lambda f: types <= {m["type"] for m in realtime(f)}))
        assert {m["type"] for m in live} == types
        await ws.send_str(
            json.dumps([{"ticket": "c2"}, {"type": "candle.5m", "codes": ["KRW-BTC"]}, {"format": "SIMPLE"}])
        )
        simple = await receive_json(ws)
        assert simple["ty"] == "candle.5m" and "cdttmu" in simple and "catv" in simple


async def rest_upbit(http: aiohttp.ClientSession, box: Sandbox, path: str, **params: Any) -> Any:
    async with http.get(box.url + path, params=params) as r:
        assert r.status == 200, await r.text()
        return await r.json()


def _is_diff(frame: Any) -> bool:
    return isinstance(frame, dict) and frame.get("e") == "depthUpdate"


def _top_levels(levels: dict[str, str], descending: bool, n: int = 20) -> list[tuple[float, str]]:
    live = [(float(p), q) for p, q in levels.items() if float(q) != 0]
    return sorted(live, reverse=descending)[:n]


async def test_a_resubscribed_depth_stream_starts_from_the_state_it_resubscribed_at(
    box: Sandbox, http: aiohttp.ClientSession
) -> None:
    # Levels that appear and vanish while nobody follows the symbol must not be missing from
    # the next diff: a client applying it to a fresh snapshot would keep them (a crossed book).
    stream = ["btcusdt@depth@100ms"]
    async with http.ws_connect(box.ws_urls["binance"] + "/ws/0") as ws:
        await connected(box, "binance", 1)
        assert (await control(ws, {"method": "SUBSCRIBE", "params": stream, "id": 1}))["result"] is None
        await step(box, 1)
        assert any(_is_diff(f) for f in await drain(ws, until=lambda f: any(map(_is_diff, f))))
        assert (await control(ws, {"method": "UNSUBSCRIBE", "params": stream, "id": 2}))["result"] is None
        await step(box, 3)
        snap = await rest(http, box, "/api/v3/depth", symbol="BTCUSDT", limit=1000)
        assert (await control(ws, {"method": "SUBSCRIBE", "params": stream, "id": 3}))["result"] is None
        await step(box, 1)
        diffs = [f for f in await drain(ws, until=lambda f: any(map(_is_diff, f))) if _is_diff(f)]
        after = await rest(http, box, "/api/v3/depth", symbol="BTCUSDT", limit=1000)
    assert diffs and diffs[0]["U"] == snap["lastUpdateId"] + 1
    bids, asks = dict(snap["bids"]), dict(snap["asks"])
    for d in diffs:
        bids.update(dict(d["b"]))
        asks.update(dict(d["a"]))
    assert _top_levels(bids, True) == _top_levels(dict(after["bids"]), True)
    assert _top_levels(asks, False) == _top_levels(dict(after["asks"]), False)
