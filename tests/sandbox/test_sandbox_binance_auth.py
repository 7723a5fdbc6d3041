"""Binance signing: the spec's test vectors, acceptance in query / body / mixed, rejections."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from sbhelpers import BinanceClient, Resp, example, hmac_hex, http

from xtoolkit.sandbox import Sandbox
from xtoolkit.sandbox.auth import signed_payload


def test_default_account_uses_the_official_vector_keys(box: Sandbox) -> None:
    vectors = example("binance", "auth_test_vectors")
    assert box.keys["binance"] == (vectors["apiKey"], vectors["secretKey"])
    assert box.credentials["binance"].key == vectors["apiKey"]


@pytest.mark.parametrize("i", [0, 1, 2])
def test_signature_vectors(i: int) -> None:
    vectors = example("binance", "auth_test_vectors")
    v = vectors["vectors"][i]
    payload, sig = signed_payload(v["query"], v["body"])
    assert sig is None and payload == v["signed_payload"]
    assert hmac_hex(vectors["secretKey"], payload) == v["signature"]
    # The server strips a trailing signature pair wherever it was sent.
    where = "body" if v["body"] else "query"
    query = v["query"] + ("&signature=" + v["signature"] if where == "query" else "")
    body = v["body"] + ("&signature=" + v["signature"] if where == "body" else "")
    payload2, sig2 = signed_payload(query, body)
    assert payload2 == v["signed_payload"] and sig2 == v["signature"]


def _account_ok(r: Resp) -> None:
    assert r.status == 200, r.text


def test_accepts_query_body_and_mixed(binance: BinanceClient, box: Sandbox) -> None:
    _account_ok(binance.signed("GET", "/api/v3/account"))
    # Everything in the body (POST /order/test), signature last in the body.
    _account_ok(
        binance.signed(
            "POST",
            "/api/v3/order/test",
            None,
            body={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
        )
    )
    # Mixed: part in the query, part in the body; signed as query + body with no '&'.
    _account_ok(
        binance.signed(
            "POST",
            "/api/v3/order/test",
            {"symbol": "BTCUSDT", "side": "BUY"},
            body={"type": "MARKET", "quantity": "0.001"},
        )
    )


def test_query_wins_over_body(binance: BinanceClient) -> None:
    r = binance.signed(
        "POST",
        "/api/v3/order/test",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
        body={"symbol": "NOPE"},
    )
    assert r.status == 200, r.text


def test_uppercase_hex_signature_is_accepted(binance: BinanceClient) -> None:
    ts = int(time.time() * 1000)
    query = urlencode({"timestamp": ts})
    sig = hmac_hex(binance.secret, query).upper()
    r = http(
        "GET", f"{binance.base}/api/v3/account?{query}&signature={sig}", headers={"X-MBX-APIKEY": binance.key}
    )
    assert r.status == 200


def test_timestamp_ahead_and_behind(binance: BinanceClient) -> None:
    ahead = binance.signed("GET", "/api/v3/account", timestamp=int(time.time() * 1000) + 5000)
    assert ahead.status == 400 and ahead.json() == example("binance", "error_-1021_ahead")
    behind = binance.signed("GET", "/api/v3/account", timestamp=int(time.time() * 1000) - 6000)
    assert behind.status == 400 and behind.json() == example("binance", "error_-1021")
    widened = binance.signed(
        "GET", "/api/v3/account", timestamp=int(time.time() * 1000) - 6000, recv_window=20000
    )
    assert widened.status == 200
    too_wide = binance.signed("GET", "/api/v3/account", recv_window=60001)
    assert too_wide.status == 400 and too_wide.json()["code"] == -1131


def test_bad_signature_is_1022(binance: BinanceClient) -> None:
    r = binance.signed("GET", "/api/v3/account", signature="0" * 64)
    assert r.status == 400 and r.json() == example("binance", "error_-1022")
    wrong_secret = binance.signed("GET", "/api/v3/account", secret="x" * 64)
    assert wrong_secret.json()["code"] == -1022


def test_api_key_errors(binance: BinanceClient) -> None:
    missing = binance.signed("GET", "/api/v3/account", with_key=False)
    assert missing.status == 401 and missing.json() == example("binance", "error_-2014")
    malformed = binance.signed("GET", "/api/v3/account", key="short")
    assert malformed.status == 401 and malformed.json()["code"] == -2014
    unknown = binance.signed("GET", "/api/v3/account", key="A" * 64)
    assert unknown.status == 401 and unknown.json() == example("binance", "error_-2015")


def test_missing_timestamp_and_signature(binance: BinanceClient) -> None:
    r = http("GET", f"{binance.base}/api/v3/account?signature=abc", headers={"X-MBX-APIKEY": binance.key})
    assert r.status == 400 and r.json() == example("binance", "error_-1102")
    ts = int(time.time() * 1000)
    r = http("GET", f"{binance.base}/api/v3/account?timestamp={ts}", headers={"X-MBX-APIKEY": binance.key})
    assert r.json() == {
        "code": -1102,
        "msg": "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
    }


def test_exponent_decimals_are_1100(binance: BinanceClient) -> None:
    r = binance.signed(
        "POST",
        "/api/v3/order/test",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "1e-05",
            "price": "90000",
        },
    )
    assert r.status == 400 and r.json() == example("binance", "error_-1100")


def test_duplicate_parameter_is_1101(binance: BinanceClient) -> None:
    ts = int(time.time() * 1000)
    query = f"symbol=BTCUSDT&symbol=ETHUSDT&timestamp={ts}"
    r = http(
        "GET",
        f"{binance.base}/api/v3/openOrders?{query}&signature={hmac_hex(binance.secret, query)}",
        headers={"X-MBX-APIKEY": binance.key},
    )
    assert r.status == 400 and r.json()["code"] == -1101


def test_clock_skew_moves_server_time_and_recv_window(fresh: Sandbox) -> None:
    key, secret = fresh.keys["binance"]
    client = BinanceClient(fresh.url, key, secret)
    fresh.faults.clock_skew("binance", -10_000)
    server = client.public("/api/v3/time").json()["serverTime"]
    assert abs(server - (time.time() * 1000 - 10_000)) < 2000
    r = client.signed("GET", "/api/v3/account")  # local clock is 10 s ahead of the venue
    assert r.json() == example("binance", "error_-1021_ahead")
    r = client.signed("GET", "/api/v3/account", timestamp=server)
    assert r.status == 200
    fresh.faults.clock_skew("binance", 10_000)
    r = client.signed("GET", "/api/v3/account")
    assert r.json() == example("binance", "error_-1021")
    fresh.faults.clear()
    assert client.signed("GET", "/api/v3/account").status == 200
