"""Fault injection: every kind, endpoint filters, counts, ordering, latency."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
from http.client import RemoteDisconnected

import pytest
from sbhelpers import BinanceClient, Resp, UpbitClient, example, http

from xtoolkit.sandbox import Sandbox

#: What a client sees when the connection closes without a response.
NO_RESPONSE = (RemoteDisconnected, ConnectionError, urllib.error.URLError)


def _ping(box: Sandbox, timeout: float = 5.0) -> Resp:
    return http("GET", f"{box.url}/api/v3/ping", timeout=timeout)


def test_status_faults_use_the_venue_bodies(fresh: Sandbox) -> None:
    fresh.faults.next("binance", status=429, retry_after=7)
    r = _ping(fresh)
    assert r.status == 429 and r.json()["code"] == -1003
    assert r.json() == example("binance", "error_-1003")
    assert r.header("retry-after") == "7"
    assert r.header("x-mbx-used-weight-1m") is not None
    fresh.faults.next("binance", status=418)
    r = _ping(fresh)
    assert r.status == 418 and "IP banned until" in r.json()["msg"]
    assert r.header("retry-after")
    fresh.faults.next("binance", status=503)
    r = _ping(fresh)
    assert r.status == 503 and r.text == "503 Service Unavailable"
    fresh.faults.next("upbit", status=429)
    r = http("GET", f"{fresh.url}/v1/market/all")
    assert r.status == 429 and r.text == "Too many API requests."
    assert r.header("remaining-req")
    assert _ping(fresh).status == 200


def test_count_and_endpoint_filter(fresh: Sandbox) -> None:
    fresh.faults.next("binance", endpoint="/api/v3/time", count=2, status=500)
    assert _ping(fresh).status == 200
    assert http("GET", f"{fresh.url}/api/v3/time").status == 500
    assert http("GET", f"{fresh.url}/v1/market/all").status == 200, "other venue untouched"
    assert http("GET", f"{fresh.url}/api/v3/time").status == 500
    assert http("GET", f"{fresh.url}/api/v3/time").status == 200
    assert fresh.faults.pending() == 0


def test_faults_are_consumed_in_request_order(fresh: Sandbox) -> None:
    fresh.faults.next("binance", status=500)
    fresh.faults.next("binance", status=502)
    fresh.faults.next("binance", status=503)
    assert [_ping(fresh).status for _ in range(4)] == [500, 502, 503, 200]


def test_concurrent_requests_each_take_one_fault(fresh: Sandbox) -> None:
    fresh.faults.next("binance", count=5, status=500)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        r = _ping(fresh)
        with lock:
            statuses.append(r.status)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(statuses) == [200, 200, 200, 500, 500, 500, 500, 500]


def test_delay(fresh: Sandbox) -> None:
    fresh.faults.next("binance", kind="delay", delay=0.4)
    start = time.monotonic()
    assert _ping(fresh).status == 200
    assert time.monotonic() - start >= 0.38
    start = time.monotonic()
    _ping(fresh)
    assert time.monotonic() - start < 0.3


def test_timeout_holds_the_request(fresh: Sandbox) -> None:
    fresh.faults.next("binance", kind="timeout", delay=2.0)
    start = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        http("GET", f"{fresh.url}/api/v3/ping", timeout=0.5)
    assert 0.45 < time.monotonic() - start < 1.5
    assert _ping(fresh).status == 200
    record = [r for r in fresh.requests if r.fault == "timeout"]
    deadline = time.monotonic() + 5
    while not record and time.monotonic() < deadline:  # logged once the hold ends
        time.sleep(0.05)
        record = [r for r in fresh.requests if r.fault == "timeout"]
    assert record and record[0].status == 0


def test_timeout_is_released_on_stop() -> None:
    box = Sandbox(seed=1, freeze=True).start()
    box.faults.next("upbit", kind="timeout")  # would hold for 60 s
    errors: list[BaseException] = []

    def call() -> None:
        try:
            http("GET", f"{box.url}/v1/market/all", timeout=30)
        except BaseException as exc:  # the test inspects whatever the client raised
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.3)
    start = time.monotonic()
    box.stop()
    t.join(10)
    assert not t.is_alive() and time.monotonic() - start < 8
    assert errors, "the held request ends without a response"


def test_drop(fresh: Sandbox) -> None:
    fresh.faults.next("binance", kind="drop")
    with pytest.raises(NO_RESPONSE):
        http("GET", f"{fresh.url}/api/v3/ping")
    assert _ping(fresh).status == 200
    assert [r.status for r in fresh.requests if r.fault == "drop"] == [0]


def test_malformed(fresh: Sandbox) -> None:
    fresh.faults.next("upbit", kind="malformed")
    r = http("GET", f"{fresh.url}/v1/market/all")
    assert r.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)


def test_lose_response_places_the_order(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    fresh.faults.next("binance", kind="lose_response", endpoint="/api/v3/order")
    with pytest.raises(NO_RESPONSE):
        client.signed(
            "POST",
            "/api/v3/order",
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "MARKET",
                "quantity": "0.001",
                "newClientOrderId": "lost-1",
            },
        )
    placed = [o for o in fresh.orders("binance") if o["clientOrderId"] == "lost-1"]
    assert len(placed) == 1 and placed[0]["status"] == "FILLED"
    found = client.signed("GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "lost-1"}).json()
    assert found["status"] == "FILLED"


def test_lose_response_upbit(fresh: Sandbox) -> None:
    client = UpbitClient(fresh.url, *fresh.keys["upbit"])
    fresh.faults.next("upbit", kind="lose_response", endpoint="/v1/orders")
    with pytest.raises(NO_RESPONSE):
        client.post(
            "/v1/orders",
            {
                "market": "KRW-BTC",
                "side": "bid",
                "volume": "0.0001",
                "price": "100000000",
                "ord_type": "limit",
                "identifier": "lost-upbit",
            },
        )
    got = client.private("GET", "/v1/order", {"identifier": "lost-upbit"})
    assert got.status == 200 and got.json()["state"] == "wait"


def test_latency_per_venue_and_clear(fresh: Sandbox) -> None:
    fresh.faults.latency("upbit", 0.3)
    start = time.monotonic()
    http("GET", f"{fresh.url}/v1/market/all")
    assert time.monotonic() - start >= 0.28
    start = time.monotonic()
    _ping(fresh)
    assert time.monotonic() - start < 0.25
    fresh.faults.clear()
    start = time.monotonic()
    http("GET", f"{fresh.url}/v1/market/all")
    assert time.monotonic() - start < 0.25


def test_constructor_latency() -> None:
    with Sandbox(seed=1, freeze=True, latency=0.2) as box:
        start = time.monotonic()
        _ping(box)
        assert time.monotonic() - start >= 0.19


def test_bad_fault_arguments(fresh: Sandbox) -> None:
    with pytest.raises(ValueError):
        fresh.faults.next("kraken", status=500)
    with pytest.raises(ValueError):
        fresh.faults.next("binance")
    with pytest.raises(ValueError):
        fresh.faults.next("binance", kind="explode")
    with pytest.raises(ValueError):
        fresh.faults.next("binance", kind="delay")
    with pytest.raises(ValueError):
        fresh.faults.next("binance", status=500, count=0)
