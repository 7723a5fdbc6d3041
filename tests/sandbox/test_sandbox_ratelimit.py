"""Rate limits: weight headers and endpoint weights, 429 → 418 escalation on both venues."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sbhelpers import BinanceClient, Resp, UpbitClient, example, http, new_upbit, symbols_param

from xtoolkit.sandbox import Sandbox

#: 21 distinct symbols (ticker/24hr weighs 40 for 21-100 of them).
TWENTY_ONE = [
    "BTCUSDT",
    "ETHUSDT",
    "XRPUSDT",
    "SOLUSDT",
    "DOGEUSDT",
    "ADAUSDT",
    "TRXUSDT",
    "AVAXUSDT",
    "LINKUSDT",
    "DOTUSDT",
    "BCHUSDT",
    "LTCUSDT",
    "XLMUSDT",
    "ETCUSDT",
    "SUIUSDT",
    "HBARUSDT",
    "SHIBUSDT",
    "AAVEUSDT",
    "UNIUSDT",
    "NEARUSDT",
    "APTUSDT",
]


def _used(r: Resp) -> int:
    return int(r.header("x-mbx-used-weight-1m") or -1)


def _weight(client: BinanceClient, path: str, params: dict[str, object] | None = None) -> int:
    """Weight charged for one call (difference of the used-weight headers)."""
    before = _used(client.public("/api/v3/ping"))
    return _used(client.public(path, params)) - before


@pytest.fixture
def roomy() -> Iterator[Sandbox]:
    with Sandbox(seed=1, freeze=True, binance_weight_limit=100_000) as sb:
        yield sb


@pytest.mark.parametrize(
    "path,params,weight",
    [
        ("/api/v3/ping", None, 1),
        ("/api/v3/time", None, 1),
        ("/api/v3/exchangeInfo", None, 20),
        ("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 100}, 5),
        ("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 101}, 25),
        ("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 1000}, 50),
        ("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 5000}, 250),
        ("/api/v3/trades", {"symbol": "BTCUSDT"}, 25),
        ("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"}, 2),
        ("/api/v3/avgPrice", {"symbol": "BTCUSDT"}, 2),
        ("/api/v3/ticker/24hr", {"symbol": "BTCUSDT"}, 2),
        ("/api/v3/ticker/24hr", {"symbols": symbols_param(TWENTY_ONE)}, 40),
        ("/api/v3/ticker/24hr", None, 80),
        ("/api/v3/ticker/price", {"symbol": "BTCUSDT"}, 2),
        ("/api/v3/ticker/price", None, 4),
        ("/api/v3/ticker/bookTicker", None, 4),
    ],
)
def test_endpoint_weights(roomy: Sandbox, path: str, params: dict[str, object] | None, weight: int) -> None:
    client = BinanceClient(roomy.url, *roomy.keys["binance"])
    assert _weight(client, path, params) == weight


def test_weight_header_on_errors_and_signed_calls(roomy: Sandbox) -> None:
    client = BinanceClient(roomy.url, *roomy.keys["binance"])
    err = client.public("/api/v3/depth", {"symbol": "NOPE"})
    assert err.status == 400 and err.header("x-mbx-used-weight-1m") is not None
    base = _used(client.public("/api/v3/ping"))
    acct = client.signed("GET", "/api/v3/account")
    assert _used(acct) == base + 20
    order = client.signed(
        "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    )
    assert order.status == 200 and _used(order) == base + 20, "successful orders cost 0"
    failed = client.signed(
        "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"}
    )
    assert failed.status == 400 and _used(failed) == base + 21, "failed orders cost 1"


def test_binance_429_then_418_ban() -> None:
    with Sandbox(seed=2, freeze=True, binance_weight_limit=30, ban_seconds=1.5) as box:
        client = BinanceClient(box.url, *box.keys["binance"])
        statuses = []
        first_429 = None
        for _ in range(40):
            r = client.public("/api/v3/exchangeInfo", {"symbol": "BTCUSDT"})
            statuses.append(r.status)
            if r.status == 429 and first_429 is None:
                first_429 = r
            if r.status == 418:
                break
        assert statuses[0] == 200 and 429 in statuses and statuses[-1] == 418
        assert first_429 is not None
        assert first_429.json() == example("binance", "error_-1003") | {
            "msg": example("binance", "error_-1003")["msg"].replace("6000", "30")
        }
        assert 1 <= int(first_429.header("retry-after") or 0) <= 60
        ban = client.public("/api/v3/ping")
        assert ban.status == 418 and ban.json()["code"] == -1003
        assert "IP banned until" in ban.json()["msg"]
        until = int(ban.json()["msg"].split("until ")[1].split(".")[0])
        assert until > time.time() * 1000
        assert int(ban.header("retry-after") or 0) >= 1
        time.sleep(1.7)
        after = client.public("/api/v3/time")
        # the ban is over: within the same minute the client is back to a 429 warning
        assert after.status in (200, 429), "the ban expires after ban_seconds"


def test_upbit_remaining_req_groups(box: Sandbox) -> None:
    client = UpbitClient(box.url, *box.keys["upbit"])
    expect = {
        "/v1/market/all": "market",
        "/v1/ticker?markets=KRW-BTC": "ticker",
        "/v1/orderbook?markets=KRW-BTC": "orderbook",
        "/v1/orderbook/instruments?markets=KRW-BTC": "orderbook",
        "/v1/trades/ticks?market=KRW-BTC": "trade",
        "/v1/candles/minutes/1?market=KRW-BTC": "candle",
    }
    for path, group in expect.items():
        r = http("GET", box.url + path)
        header = r.header("remaining-req") or ""
        assert header.startswith(f"group={group}; min=600; sec="), header
    r = client.private("GET", "/v1/accounts")
    assert (r.header("remaining-req") or "").startswith("group=default; min=1800; sec=")
    r = client.post(
        "/v1/orders/test",
        {"market": "KRW-BTC", "side": "bid", "volume": "0.0001", "price": "100000000", "ord_type": "limit"},
    )
    assert (r.header("remaining-req") or "").startswith("group=order-test; ")
    r = client.post(
        "/v1/orders",
        {"market": "KRW-BTC", "side": "bid", "volume": "0.0001", "price": "100000000", "ord_type": "limit"},
    )
    assert (r.header("remaining-req") or "").startswith("group=order; min=720;")
    r = client.private("DELETE", "/v1/orders/open")
    assert (r.header("remaining-req") or "").startswith("group=order-cancel-all; ")
    bad = http("GET", box.url + "/v1/ticker?markets=NOPE")
    assert bad.status == 404 and bad.header("remaining-req")


def test_upbit_429_then_418() -> None:
    with Sandbox(seed=3, freeze=True, ban_seconds=1.0) as box:
        statuses = []
        texts = set()
        for _ in range(60):
            r = http("GET", box.url + "/v1/market/all")
            statuses.append(r.status)
            if r.status != 200:
                texts.add(r.text)
            if r.status == 418:
                break
        assert statuses.count(200) >= 10
        assert 429 in statuses and statuses[-1] == 418
        assert texts == {"Too many API requests."}
        assert r.header("retry-after") == "1", "the 418 states its block period"
        blocked = http("GET", box.url + "/v1/ticker?markets=KRW-BTC")
        assert blocked.status == 418, "the block covers every group"
        assert blocked.header("retry-after") == "1"
        time.sleep(1.2)
        assert http("GET", box.url + "/v1/market/all").status == 200


def test_upbit_order_group_is_per_key() -> None:
    with Sandbox(seed=4, freeze=True) as box:
        a = new_upbit(box, {"KRW": "10000000"})
        b = new_upbit(box, {"KRW": "10000000"})
        body = {
            "market": "KRW-BTC",
            "side": "bid",
            "volume": "0.0001",
            "price": "100000000",
            "ord_type": "limit",
        }
        hashed = "&".join(f"{k}={v}" for k, v in body.items())

        def raw_post(client: UpbitClient) -> int:
            # unpaced on purpose, so the per-second budget really runs out
            return http(
                "POST",
                f"{client.base}/v1/orders/test",
                body=json.dumps(body).encode(),
                headers={
                    "Authorization": f"Bearer {client.token(hashed)}",
                    "Content-Type": "application/json",
                },
            ).status

        time.sleep(1 - time.time() % 1 + 0.02)  # start right after a second boundary
        start = time.time()
        a_statuses = [raw_post(a) for _ in range(10)]
        b_status = raw_post(b)
        if int(time.time()) == int(start):  # all inside one one-second window
            assert a_statuses.count(201) == 8 and 429 in a_statuses
            assert b_status == 201, "another key (pocket) has its own budget"
