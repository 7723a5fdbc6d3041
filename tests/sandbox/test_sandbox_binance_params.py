"""Binance reads parameters exactly as the venue does (issue 14, items 1, 2, 3 and 5).

Legal ranges (-1100), unread parameters (-1104), bodies that are not form-encoded (not read:
-1102), and timestamps / response times in microseconds (``X-MBX-TIME-UNIT``).
"""

from __future__ import annotations

import time
from urllib.parse import quote, urlencode

import pytest
from sbhelpers import BinanceClient, example, hmac_hex, http, symbols_param

from xtoolkit.sandbox import Sandbox

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
SYMBOLS_RANGE = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$'


# -- 1. the symbols legal range -------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        '["BTCUSDT", "ETHUSDT"]',  # json.dumps' default separator
        '["btcusdt","ETHUSDT"]',  # lower case
        "BTCUSDT,ETHUSDT",  # not an array
        "['BTCUSDT']",  # single quotes
    ],
)
def test_symbols_outside_the_legal_range_are_1100(binance: BinanceClient, raw: str) -> None:
    for path in ("/api/v3/ticker/price", "/api/v3/ticker/24hr", "/api/v3/exchangeInfo"):
        r = binance.public(path, {"symbols": raw})
        assert r.status == 400, (path, r.text)
        assert r.json() == {
            "code": -1100,
            "msg": f"Illegal characters found in parameter 'symbols'; legal range is '{SYMBOLS_RANGE}'.",
        }


def test_both_documented_symbols_forms_are_accepted(binance: BinanceClient, box: Sandbox) -> None:
    raw = symbols_param(["BTCUSDT", "ETHUSDT"])
    plain = http("GET", f"{box.url}/api/v3/ticker/price?symbols={raw}")  # ["BTCUSDT","ETHUSDT"] as is
    encoded = http("GET", f"{box.url}/api/v3/ticker/price?symbols={quote(raw, safe=',')}")
    assert plain.status == encoded.status == 200, (plain.text, encoded.text)
    assert [row["symbol"] for row in plain.json()] == ["BTCUSDT", "ETHUSDT"]
    assert encoded.json() == plain.json()


def test_a_repeated_symbol_is_1151_and_a_lower_case_symbol_1100(binance: BinanceClient) -> None:
    r = binance.public("/api/v3/ticker/price", {"symbols": symbols_param(["BTCUSDT", "BTCUSDT"])})
    assert r.json() == {"code": -1151, "msg": "Symbol is present multiple times in the list."}
    r = binance.public("/api/v3/depth", {"symbol": "btcusdt"})
    assert r.json() == {
        "code": -1100,
        "msg": "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
    }


# -- 2. unread parameters -------------------------------------------------------------------------
def test_an_unknown_public_parameter_is_1104(binance: BinanceClient) -> None:
    r = binance.public("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 5, "foo": "1"})
    assert r.status == 400
    assert r.json() == {
        "code": -1104,
        "msg": "Not all sent parameters were read; read '2' parameter(s) but was sent '3'.",
    }
    assert binance.public("/api/v3/ping", {"x": "1"}).json()["code"] == -1104


def test_a_misspelt_order_parameter_is_1104_and_nothing_is_placed(
    box: Sandbox, binance: BinanceClient
) -> None:
    before = len(box.orders("binance"))
    r = binance.signed("POST", "/api/v3/order", {**ORDER, "newOrderRespTyp": "ACK"})
    # symbol side type quantity newOrderRespTyp timestamp signature: 6 read of 7
    assert r.json() == {
        "code": -1104,
        "msg": "Not all sent parameters were read; read '6' parameter(s) but was sent '7'.",
    }
    assert len(box.orders("binance")) == before


def test_symbol_on_account_is_1104_and_signing_parameters_are_read(binance: BinanceClient) -> None:
    r = binance.signed("GET", "/api/v3/account", {"symbol": "BTCUSDT"})
    assert r.json()["code"] == -1104 and "read '2' parameter(s) but was sent '3'" in r.json()["msg"]
    ok = binance.signed("GET", "/api/v3/account", {"omitZeroBalances": "true"}, recv_window=5000)
    assert ok.status == 200, ok.text


def test_signing_parameters_on_a_public_endpoint_are_not_read(binance: BinanceClient) -> None:
    r = binance.public("/api/v3/time", {"timestamp": int(time.time() * 1000)})
    assert r.json()["code"] == -1104


def test_mandatory_parameters_come_before_unread_ones(binance: BinanceClient) -> None:
    r = binance.public("/api/v3/depth", {"foo": "1"})
    assert r.json() == example("binance", "error_-1102") | {
        "msg": "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
    }


def test_every_documented_order_parameter_is_read(binance: BinanceClient) -> None:
    r = binance.signed(
        "POST",
        "/api/v3/order/test",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.01",
            "price": "80000",
            "newClientOrderId": "doc-params-1",
            "strategyId": "7",
            "strategyType": "1000000",
            "icebergQty": "0.001",
            "newOrderRespType": "RESULT",
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "computeCommissionRates": "true",
        },
        recv_window=5000,
    )
    assert r.status == 200, r.text
    assert set(r.json()) == {
        "standardCommissionForOrder",
        "specialCommissionForOrder",
        "taxCommissionForOrder",
        "discount",
    }


# -- 3. only form-encoded bodies are read ----------------------------------------------------------
def _body(binance: BinanceClient, params: dict[str, str]) -> str:
    form = urlencode({**params, "timestamp": int(time.time() * 1000)})
    return f"{form}&signature={hmac_hex(binance.secret, form)}"


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data"])
def test_a_body_that_is_not_form_encoded_is_not_read(binance: BinanceClient, content_type: str) -> None:
    headers = {"X-MBX-APIKEY": binance.key, "Content-Type": content_type}
    r = http(
        "POST", f"{binance.base}/api/v3/order/test", headers=headers, body=_body(binance, ORDER).encode()
    )
    assert r.status == 400 and r.json() == example("binance", "error_-1102")


def test_a_form_body_is_read_with_or_without_charset(binance: BinanceClient) -> None:
    for content_type in (
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
    ):
        r = http(
            "POST",
            f"{binance.base}/api/v3/order/test",
            headers={"X-MBX-APIKEY": binance.key, "Content-Type": content_type},
            body=_body(binance, ORDER).encode(),
        )
        assert r.status == 200, (content_type, r.text)


# -- 5. microseconds --------------------------------------------------------------------------------
def test_a_microsecond_timestamp_is_accepted(binance: BinanceClient) -> None:
    now_us = int(time.time() * 1_000_000)
    assert binance.signed("GET", "/api/v3/account", timestamp=now_us).status == 200
    late = binance.signed("GET", "/api/v3/account", timestamp=now_us - 6_000_000)
    assert late.json() == example("binance", "error_-1021")
    early = binance.signed("GET", "/api/v3/account", timestamp=now_us + 5_000_000)
    assert early.json() == example("binance", "error_-1021_ahead")
    window = binance.signed("GET", "/api/v3/account", timestamp=now_us - 6_000_000, recv_window=7000)
    assert window.status == 200


@pytest.mark.parametrize("unit", ["MICROSECOND", "microsecond", "Microsecond"])
def test_time_unit_header_switches_response_times_to_microseconds(box: Sandbox, unit: str) -> None:
    ms = http("GET", f"{box.url}/api/v3/time").json()["serverTime"]
    us = http("GET", f"{box.url}/api/v3/time", headers={"X-MBX-TIME-UNIT": unit}).json()["serverTime"]
    assert us >= ms * 1000 and us - ms * 1000 < 5_000_000
    rows = http(
        "GET",
        f"{box.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2",
        headers={"X-MBX-TIME-UNIT": unit},
    ).json()
    plain = http("GET", f"{box.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2").json()
    assert [r[0] for r in rows] == [r[0] * 1000 for r in plain]
    assert [r[6] for r in rows] == [r[6] * 1000 + 999 for r in plain]  # the last µs of the minute
    trades = http(
        "GET", f"{box.url}/api/v3/aggTrades?symbol=BTCUSDT&limit=3", headers={"X-MBX-TIME-UNIT": unit}
    ).json()
    assert all(t["T"] > 10**15 for t in trades)


def test_millisecond_is_the_default_and_other_units_are_1194(box: Sandbox, binance: BinanceClient) -> None:
    ms = http("GET", f"{box.url}/api/v3/time", headers={"X-MBX-TIME-UNIT": "millisecond"}).json()
    assert ms["serverTime"] < 10**14
    r = http("GET", f"{box.url}/api/v3/time", headers={"X-MBX-TIME-UNIT": "NANOSECOND"})
    assert r.status == 400 and r.json() == {
        "code": -1194,
        "msg": "Invalid value for time unit; expected either MICROSECOND or MILLISECOND.",
    }


def test_signed_order_times_in_microseconds(binance: BinanceClient, box: Sandbox) -> None:
    ts = int(time.time() * 1000)
    query = urlencode({**ORDER, "newOrderRespType": "RESULT", "timestamp": ts})
    r = http(
        "POST",
        f"{box.url}/api/v3/order?{query}&signature={hmac_hex(binance.secret, query)}",
        headers={"X-MBX-APIKEY": binance.key, "X-MBX-TIME-UNIT": "MICROSECOND"},
    )
    body = r.json()
    assert r.status == 200, r.text
    assert body["transactTime"] > 10**15 and body["workingTime"] > 10**15
