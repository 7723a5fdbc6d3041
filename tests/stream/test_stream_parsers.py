"""Pure: the venues' stream messages — builders match the spec examples, parsers read them,
anything else is a typed StreamMessageError."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from streamhelpers import example, example_text

from xtoolkit import InvalidArgument, MalformedResponse
from xtoolkit.exchanges.binance import ws as binance
from xtoolkit.exchanges.upbit import ws as upbit
from xtoolkit.stream import StreamMessageError
from xtoolkit.stream.events import BookSnapshot, Control, DepthDiff, Ticker, Top, Trade

D = Decimal
T0 = 1_795_430_400.5


# -- Binance ---------------------------------------------------------------------------------
def test_binance_stream_names_and_paths() -> None:
    assert binance.stream_name("BTCUSDT", "book_ticker") == "btcusdt@bookTicker"
    assert binance.stream_name("BTCUSDT", "trades") == "btcusdt@trade"
    assert binance.stream_name("BTCUSDT", "depth") == "btcusdt@depth@100ms"
    assert binance.combined_path() == "/stream"
    assert binance.combined_path(["a@trade", "b@trade"]) == "/stream?streams=a@trade/b@trade"
    with pytest.raises(InvalidArgument):
        binance.stream_name("BTCUSDT", "candles")


def test_binance_subscribe_message_is_the_spec_example() -> None:
    want = example("binance", "ws_subscribe_request")
    got = json.loads(binance.subscribe_message(want["params"], want["id"]))
    assert got == want
    assert json.loads(binance.unsubscribe_message(["btcusdt@trade"], 2)) == {
        "method": "UNSUBSCRIBE",
        "params": ["btcusdt@trade"],
        "id": 2,
    }
    assert json.loads(binance.list_message(3)) == {"method": "LIST_SUBSCRIPTIONS", "id": 3}
    with pytest.raises(InvalidArgument):
        binance.subscribe_message([], 1)


def test_binance_book_ticker_raw_and_combined() -> None:
    raw = binance.parse(example_text("binance", "ws_book_ticker"), T0)
    wrapped = binance.parse(example_text("binance", "ws_combined_wrapper"), T0)
    assert raw == wrapped
    (top,) = raw
    assert top == Top("BTCUSDT", 91234.56, 1.20831, 91234.57, 3.4162, 78314529671, None, T0)


def test_binance_trade_and_depth_update() -> None:
    (trade,) = binance.parse(example_text("binance", "ws_trade"), T0)
    assert trade == Trade("BTCUSDT", 91234.57, 0.0012, "buy", 5412345678, 1795430399.872, T0)
    (diff,) = binance.parse(example_text("binance", "ws_depth_update").encode(), T0)
    assert isinstance(diff, DepthDiff)
    assert (diff.first_id, diff.final_id) == (78314529672, 78314529680)
    assert diff.bids == ((D("91234.56"), D("1.10831")), (D("91233.98"), D(0)))
    assert diff.asks == ((D("91234.57"), D("3.4")),)
    assert diff.event_ts == 1795430400.1


def test_binance_control_messages() -> None:
    (ack,) = binance.parse(example_text("binance", "ws_subscribe_response"), T0)
    assert ack == Control("ack", id=1, result=None)
    (nested,) = binance.parse('{"error":{"code":2,"msg":"Invalid request"},"id":7}', T0)
    (flat,) = binance.parse('{"code":3,"msg":"Invalid JSON"}', T0)
    assert (nested.kind, nested.code, nested.id) == ("error", 2, 7)
    assert (flat.kind, flat.code, flat.message) == ("error", 3, "Invalid JSON")
    (bye,) = binance.parse('{"e":"serverShutdown","E":1}', T0)
    assert bye.kind == "shutdown"


@pytest.mark.parametrize(
    "frame",
    [
        '{"e":"trade","s":"BTC',  # truncated
        "[1, 2]",
        '{"e":"trade","s":"BTCUSDT"}',  # missing fields
        '{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[["x","1"]],"a":[]}',  # bad decimal
        '{"hello":"world"}',
        b"\xff\xfe",
    ],
)
def test_binance_malformed_frames_are_typed(frame: str | bytes) -> None:
    with pytest.raises(StreamMessageError) as info:
        binance.parse(frame, T0)
    assert isinstance(info.value, MalformedResponse)
    assert info.value.exchange == "binance"
    assert len(str(info.value.payload)) <= 200


def test_binance_protocol_subscribes_live_and_tracks_acks() -> None:
    proto = binance.BinanceProtocol("ws://127.0.0.1:9/", ["BTCUSDT", "ETHUSDT"], ["book_ticker", "depth"])
    assert proto.url() == "ws://127.0.0.1:9/stream"
    assert proto.keepalive() is None
    (msg,) = proto.subscribe_messages()
    body = json.loads(msg)
    assert body["params"] == [
        "btcusdt@bookTicker",
        "btcusdt@depth@100ms",
        "ethusdt@bookTicker",
        "ethusdt@depth@100ms",
    ]
    assert not proto.is_subscribed(Control("ack", id=body["id"] + 1))
    assert proto.is_subscribed(Control("ack", id=body["id"]))
    # A reconnect re-subscribes with a fresh id.
    again = json.loads(proto.subscribe_messages()[0])
    assert again["id"] == body["id"] + 1 and again["params"] == body["params"]


# -- Upbit -----------------------------------------------------------------------------------
def test_upbit_subscribe_message_matches_the_spec_shape() -> None:
    want = example("upbit", "ws_subscribe_request")
    types = {item["type"]: item["codes"] for item in want if "type" in item}
    got = json.loads(upbit.subscribe_message(want[0]["ticket"], types))
    assert got == want
    assert upbit.orderbook_code("krw-btc", 5) == "KRW-BTC.5"
    with pytest.raises(InvalidArgument):
        upbit.orderbook_code("KRW-BTC", 7)
    with pytest.raises(InvalidArgument):
        upbit.subscribe_message("t", {"candle.1m": ["KRW-BTC"]})


def test_upbit_binary_orderbook_is_a_full_book() -> None:
    frame = example_text("upbit", "ws_orderbook").encode("utf-8")
    (book,) = upbit.parse(frame, T0)
    assert isinstance(book, BookSnapshot)
    assert book.native == "KRW-BTC" and not book.snapshot
    assert book.bids[0] == (D("131203000.0"), D("0.12152849"))
    assert book.asks[-1] == (D("131208000.0"), D("0.03095903"))
    assert len(book.bids) == len(book.asks) == 5
    assert book.event_ts == 1795423512.53


def test_upbit_trade_ticker_status_error() -> None:
    (trade,) = upbit.parse(example_text("upbit", "ws_trade").encode(), T0)
    assert trade == Trade("KRW-BTC", 131203000.0, 0.00152311, "buy", 17954235123450000, 1795423512.402, T0)
    (ticker,) = upbit.parse(example_text("upbit", "ws_ticker").encode(), T0)
    assert isinstance(ticker, Ticker) and ticker.native == "KRW-BTC"
    assert (ticker.last, ticker.last_qty, ticker.side) == (131203000.0, 0.00152311, "buy")
    assert (ticker.open, ticker.high, ticker.low, ticker.prev_close) == (
        130450000.0, 131800000.0, 129700000.0, 130450000.0
    )
    assert ticker.change_pct == pytest.approx(0.57723266)  # signed_change_rate, in percent
    assert (ticker.volume_24h, ticker.quote_volume_24h) == (1843.20773012, 241023544187.7701)
    assert (ticker.trade_ts, ticker.event_ts, ticker.market_state) == (1795423512.345, 1795423512.402, "ACTIVE")
    assert math.isnan(ticker.bid) and math.isnan(ticker.ask)  # Upbit's ticker carries no book
    assert upbit.parse(example_text("upbit", "ws_ping_status").encode(), T0) == [Control("status")]
    (err,) = upbit.parse(example_text("upbit", "ws_error").encode(), T0)
    assert (err.kind, err.code) == ("error", "WRONG_FORMAT")


def test_upbit_json_list_format() -> None:
    body = json.dumps([example("upbit", "ws_trade"), example("upbit", "ws_orderbook")])
    events = upbit.parse(body.encode(), T0)
    assert [type(e) for e in events] == [Trade, BookSnapshot]


@pytest.mark.parametrize(
    "frame",
    [b'{"type":"orderbook","code":"KRW-BTC"', b"\xc3\x28", b'{"type":"trade"}', b'"PONG"', b"[1]"],
)
def test_upbit_malformed_frames_are_typed(frame: bytes) -> None:
    with pytest.raises(StreamMessageError) as info:
        upbit.parse(frame, T0)
    assert info.value.exchange == "upbit"


def test_upbit_protocol_uses_one_orderbook_code_per_market() -> None:
    top = upbit.UpbitProtocol("ws://h:1", ["KRW-BTC"], ["book_ticker", "trades"])
    assert top.url() == "ws://h:1/websocket/v1"
    assert top.keepalive() == "PING"
    body = json.loads(top.subscribe_messages()[0])
    assert body[1:] == [
        {"type": "orderbook", "codes": ["KRW-BTC.1"]},
        {"type": "trade", "codes": ["KRW-BTC"]},
        {"format": "DEFAULT"},
    ]
    full = upbit.UpbitProtocol("ws://h:1/websocket/v1", ["KRW-BTC"], ["book_ticker", "depth"])
    assert full.url() == "ws://h:1/websocket/v1"
    assert json.loads(full.subscribe_messages()[0])[1] == {"type": "orderbook", "codes": ["KRW-BTC"]}


def test_binance_24h_ticker() -> None:
    (t,) = binance.parse(example_text("binance", "ws_ticker"), T0)
    assert isinstance(t, Ticker) and t.native == "BTCUSDT"
    assert (t.last, t.last_qty, t.bid, t.bid_qty, t.ask, t.ask_qty) == (
        91234.56, 0.0012, 91234.56, 1.10831, 91234.57, 3.4
    )
    assert (t.change_pct, t.volume_24h, t.quote_volume_24h) == (1.337, 18234.51822, 1654118427.5593122)
    assert t.side is None and t.event_ts == 1795430400.512
    assert binance.stream_name("BTCUSDT", "ticker") == "btcusdt@ticker"


def test_upbit_ticker_subscription_and_bad_ticker() -> None:
    proto = upbit.UpbitProtocol("ws://x", ["KRW-BTC"], ["ticker"])
    (msg,) = proto.subscribe_messages()
    body = json.loads(msg)
    assert body[1] == {"type": "ticker", "codes": ["KRW-BTC"]} and body[-1] == {"format": "DEFAULT"}
    bad = example("upbit", "ws_ticker") | {"trade_price": "131203000"}  # a string: not the wire type
    with pytest.raises(StreamMessageError):
        upbit.parse(json.dumps(bad), T0)
