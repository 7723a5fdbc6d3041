"""Transport behaviour against a scripted local server: limits, bans, retries, timeouts, -1021."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from scripted_server import Reply, ScriptedServer
from spec_examples import example

import xtoolkit as xt
from xtoolkit._ratelimit import Gate
from xtoolkit.exchanges._spec import RateLimit, Usage

SECRET_B = "binance-secret-" + "S" * 49
KEY_B = "binance-key-" + "K" * 52
SECRET_U = "upbit-secret-" + "Z" * 40
KEY_U = "upbit-access-" + "A" * 40


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    srv.default("GET", "/api/v3/time", Reply(body={"serverTime": int(time.time() * 1000)}))
    srv.default(
        "GET",
        "/api/v3/ticker/24hr",
        Reply(body=[example("binance", "ticker_24hr")], headers={"X-MBX-USED-WEIGHT-1M": "2"}),
    )
    srv.default("GET", "/api/v3/depth", Reply(body=example("binance", "depth")))
    srv.default("GET", "/api/v3/account", Reply(body=example("binance", "account")))
    srv.default("GET", "/api/v3/exchangeInfo", Reply(body=example("binance", "exchange_info_multi")))
    srv.default(
        "GET",
        "/v1/ticker",
        Reply(
            body=example("upbit", "ticker"),
            headers={"Remaining-Req": "group=ticker; min=600; sec=9"},
        ),
    )
    srv.default("GET", "/v1/orderbook", Reply(body=example("upbit", "orderbook")))
    srv.default("GET", "/v1/accounts", Reply(body=example("upbit", "accounts")))
    yield srv
    srv.stop()


def client(server: ScriptedServer, **kw: object) -> xt.AsyncClient:
    opts: dict = dict(
        base_urls={"binance": server.url, "upbit": server.url},
        credentials={"binance": (KEY_B, SECRET_B), "upbit": (KEY_U, SECRET_U)},
        use_env=False,
        timeout=xt.Timeout(connect=2, read=1),
    )
    opts.update(kw)
    return xt.AsyncClient(**opts)


async def test_tickers_cost_one_request_per_exchange(server: ScriptedServer) -> None:
    async with client(server) as ac:
        df = await ac.tickers(["upbit:BTC/KRW", "binance:BTC/USDT", "upbit:KRW-BTC"])
    assert df.symbol.tolist() == ["BTC/KRW", "BTC/USDT"]
    assert server.count("/api/v3/ticker") == 1
    # Upbit: one ticker call plus one batched book-top call.
    assert server.count("/v1/ticker") == 1 and server.count("/v1/orderbook") == 1
    book_query = next(s.query for s in server.seen if s.path == "/v1/orderbook")
    assert "count=1" in book_query


async def test_binance_signed_request_shape(server: ScriptedServer) -> None:
    async with client(server) as ac:
        await ac.balances("binance")
    seen = next(s for s in server.seen if s.path == "/api/v3/account")
    assert seen.headers["X-MBX-APIKEY"] == KEY_B
    payload, _, signature = seen.query.rpartition("&signature=")
    assert xt_sign(payload) == signature
    assert "recvWindow=5000&timestamp=" in payload


def xt_sign(payload: str) -> str:
    from xtoolkit.exchanges.binance import sign

    return sign(SECRET_B, payload)


async def test_429_pauses_then_retries_reads(server: ScriptedServer) -> None:
    server.script("GET", "/api/v3/depth", Reply(429, example("binance", "error_-1003"), {"Retry-After": "1"}))
    async with client(server) as ac:
        t0 = time.monotonic()
        df = await ac.orderbook("binance:BTC/USDT", depth=5)
        waited = time.monotonic() - t0
    assert len(df) == 10
    assert server.count("/api/v3/depth") == 2
    assert waited >= 0.9  # the Retry-After was honoured


async def test_429_beyond_max_wait_raises_rate_limited(server: ScriptedServer) -> None:
    server.script(
        "GET", "/api/v3/depth", Reply(429, example("binance", "error_-1003"), {"Retry-After": "90"})
    )
    async with client(server, max_wait=5) as ac:
        with pytest.raises(xt.RateLimited) as info:
            await ac.orderbook("binance:BTC/USDT")
    assert info.value.retry_after == 90 and info.value.status == 429 and info.value.code == -1003
    assert server.count("/api/v3/depth") == 1


async def test_a_sapi_429_holds_only_its_own_endpoint(server: ScriptedServer) -> None:
    """Each /sapi endpoint has its own budget, apart from /api's weight (spec §10.1): a wallet
    read's 429 must not hold market data or the account for its Retry-After."""
    server.script(
        "GET",
        "/sapi/v1/capital/config/getall",
        Reply(
            429, example("binance", "error_-1003"), {"Retry-After": "20", "X-SAPI-USED-IP-WEIGHT-1M": "12010"}
        ),
    )
    async with client(server, max_wait=5) as ac:
        with pytest.raises(xt.RateLimited) as info:
            await ac.networks(exchange="binance")
        assert info.value.retry_after == 20 and info.value.status == 429
        gate = ac.venue("binance").gate
        assert gate.used("sapi_capital_config") == 12010 and gate.used("weight") < 12010
        # A venue-wide 20 s pause would refuse these at once (20 s > max_wait): they go out.
        book = await ac.orderbook("binance:BTC/USDT", depth=5)
        balances = await ac.balances("binance")
        assert len(book) == 10 and not balances.empty
        # The endpoint that was told to wait is held: refused here, nothing sent.
        with pytest.raises(xt.RateLimited, match="sapi_capital_config"):
            await ac.networks(exchange="binance")
    assert server.count("/sapi/v1/capital/config/getall") == 1


async def test_418_opens_breaker_and_nothing_leaves_during_ban(server: ScriptedServer) -> None:
    until_ms = int(time.time() * 1000) + 120_000
    body = {
        "code": -1003,
        "msg": f"Way too much request weight used; IP banned until {until_ms}. "
        "Please use WebSocket Streams for live updates to avoid bans.",
    }
    server.script("GET", "/api/v3/depth", Reply(418, body, {"Retry-After": "120"}))
    async with client(server) as ac:
        with pytest.raises(xt.IpBanned) as info:
            await ac.orderbook("binance:BTC/USDT")
        assert info.value.until == pytest.approx(until_ms / 1000)
        before = len(server.seen)
        for call in (
            ac.orderbook("binance:BTC/USDT"),
            ac.tickers("binance:BTC/USDT"),
            ac.balances("binance"),
        ):
            with pytest.raises(xt.IpBanned):
                await call
        assert len(server.seen) == before  # zero requests during the ban
        # Upbit is another venue: unaffected.
        assert len(await ac.tickers("upbit:BTC/KRW")) == 1


async def test_5xx_retried_for_reads_and_typed_when_persistent(server: ScriptedServer) -> None:
    server.script("GET", "/api/v3/depth", Reply(503, "Service Unavailable"), Reply(502, "bad gateway"))
    async with client(server) as ac:
        assert len(await ac.orderbook("binance:BTC/USDT", depth=5)) == 10
        server.script("GET", "/api/v3/depth", *[Reply(500, "boom")] * 3)
        with pytest.raises(xt.ExchangeUnavailable) as info:
            await ac.orderbook("binance:BTC/USDT")
    assert info.value.status == 500


async def test_timeout_is_typed_and_bounded(server: ScriptedServer) -> None:
    server.script("GET", "/api/v3/depth", *[Reply(delay=3)] * 3)
    async with client(server, retries=1, timeout=0.3) as ac:
        t0 = time.monotonic()
        with pytest.raises(xt.RequestTimeout):
            await ac.orderbook("binance:BTC/USDT")
    assert time.monotonic() - t0 < 5


async def test_malformed_body_is_typed(server: ScriptedServer) -> None:
    server.script("GET", "/v1/accounts", *[Reply(200, "<html>oops")] * 3)
    async with client(server) as ac:
        with pytest.raises(xt.MalformedResponse):
            await ac.balances("upbit")


async def test_minus_1021_resyncs_clock_and_resigns_once(server: ScriptedServer) -> None:
    server.script("GET", "/api/v3/account", Reply(400, example("binance", "error_-1021")))
    async with client(server) as ac:
        df = await ac.balances("binance")
    assert not df.empty
    accounts = [s for s in server.seen if s.path == "/api/v3/account"]
    assert len(accounts) == 2  # rejected once, re-signed once, never more
    assert server.count("/api/v3/time") == 2  # initial sync + forced re-sync


async def test_minus_1021_twice_raises_invalid_timestamp(server: ScriptedServer) -> None:
    server.script("GET", "/api/v3/account", *[Reply(400, example("binance", "error_-1021"))] * 2)
    async with client(server) as ac:
        with pytest.raises(xt.InvalidTimestamp):
            await ac.balances("binance")


async def test_order_write_never_retried_and_unknown_outcome_is_typed(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XTOOLKIT_ALLOW_LIVE", "1")  # an order leaves only in live mode (the send gate)
    from xtoolkit.exchanges._spec import Call

    server.script("POST", "/api/v3/order", Reply(503, "unavailable"))
    async with client(server, mode="live") as ac:
        with pytest.raises(xt.OrderStatusUnknown) as info:
            await ac.send(
                "binance",
                Call(
                    "order_new",
                    {
                        "symbol": "BTCUSDT",
                        "side": "BUY",
                        "type": "LIMIT",
                        "timeInForce": "GTC",
                        "quantity": "0.001",
                        "price": "90000",
                        "newClientOrderId": "cid-1",
                    },
                ),
            )
    assert info.value.client_order_id == "cid-1"
    assert server.count("/api/v3/order") == 1


async def test_dropped_connection_on_order_is_status_unknown(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XTOOLKIT_ALLOW_LIVE", "1")  # an order leaves only in live mode (the send gate)
    from xtoolkit.exchanges._spec import Call

    server.script("POST", "/v1/orders", Reply(drop=True))
    async with client(server, mode="live") as ac:
        with pytest.raises(xt.OrderStatusUnknown) as info:
            await ac.send(
                "upbit",
                Call(
                    "order_new",
                    {
                        "market": "KRW-BTC",
                        "side": "bid",
                        "ord_type": "limit",
                        "price": "1000",
                        "volume": "1",
                        "identifier": "u-1",
                    },
                ),
            )
    assert info.value.client_order_id == "u-1"
    assert server.count("/v1/orders") == 1


async def test_kill_switch_refuses_placement_before_sending(server: ScriptedServer) -> None:
    from xtoolkit.exchanges._spec import Call

    xt.kill()
    async with client(server) as ac:
        with pytest.raises(xt.KillSwitchOn):
            await ac.send(
                "upbit",
                Call(
                    "order_new",
                    {
                        "market": "KRW-BTC",
                        "side": "bid",
                        "ord_type": "price",
                        "price": "5000",
                        "identifier": "k-1",
                    },
                ),
            )
    assert server.count("/v1/orders") == 0


async def test_unknown_symbol_names_close_matches(server: ScriptedServer) -> None:
    server.script("GET", "/api/v3/ticker/24hr", Reply(400, example("binance", "error_-1121")))
    async with client(server) as ac:
        with pytest.raises(xt.UnknownMarket) as info:
            await ac.tickers("binance:BTC/USDX")
    assert "binance:BTC/USDT" in info.value.matches
    assert info.value.code == -1121


async def test_upbit_remaining_req_corrects_the_budget(server: ScriptedServer) -> None:
    async with client(server) as ac:
        await ac.tickers("upbit:BTC/KRW")
        gate = ac.venue("upbit").gate
        assert gate.used("ticker") >= 1  # header said sec=9 of 10 left


async def test_missing_credentials_is_a_guard_error(server: ScriptedServer) -> None:
    async with xt.AsyncClient(base_urls={"binance": server.url, "upbit": server.url}, use_env=False) as ac:
        with pytest.raises(xt.MissingCredentials):
            await ac.balances()
    assert server.count("/api/v3/account") == 0


async def test_closed_client_refuses_reuse(server: ScriptedServer) -> None:
    ac = client(server)
    await ac.aclose()
    with pytest.raises(xt.ClientClosed):
        await ac.orderbook("binance:BTC/USDT")


# --- the rate gate on its own -----------------------------------------------------------


async def test_gate_burst_inside_budget_adds_no_delay() -> None:
    gate = Gate("x", {"g": RateLimit("g", 50, 1.0)})
    t0 = time.perf_counter()
    for _ in range(50):
        await gate.acquire("g", 1, max_wait=5)
    assert time.perf_counter() - t0 < 0.05
    assert gate.waited == 0.0


async def test_gate_waits_only_for_the_window_to_roll() -> None:
    gate = Gate("x", {"g": RateLimit("g", 5, 0.5)})
    for _ in range(5):
        await gate.acquire("g", 1, max_wait=5)
    t0 = time.perf_counter()
    await gate.acquire("g", 1, max_wait=5)
    # The wait the gate chose is until the oldest of the five rolls off the 0.5 s window, no
    # longer; the wall clock only bounds it from below (a loaded machine oversleeps).
    # (10 ms of slack: the event loop may wake a timer up to its clock resolution early.)
    assert 0.3 < gate.waited <= 0.51
    assert time.perf_counter() - t0 >= gate.waited - 0.01


async def test_gate_header_correction_and_max_wait() -> None:
    gate = Gate("x", {"w": RateLimit("w", 100, 60.0)})
    gate.observe([Usage("w", used=100)])
    with pytest.raises(xt.RateLimited):
        await gate.acquire("w", 1, max_wait=1)
    await gate.acquire("w", 1, max_wait=1, enforce=False)  # counted, not waited for


async def test_gate_pause_of_an_isolated_group_holds_that_group_only() -> None:
    gate = Gate("x", {"api": RateLimit("api", 100, 60.0), "own": RateLimit("own", 100, 60.0, isolated=True)})
    gate.pause(30, "own")
    with pytest.raises(xt.RateLimited):
        await gate.acquire("own", 1, max_wait=1)
    with pytest.raises(xt.RateLimited):  # a pause holds even what is only counted
        await gate.acquire("own", 1, max_wait=1, enforce=False)
    await gate.acquire("api", 1, max_wait=1)
    # A 429 of a shared group (or of no group) holds the whole venue, isolated groups too.
    gate.pause(30, "api")
    for group in ("api", "own", None):
        with pytest.raises(xt.RateLimited):
            await gate.acquire(group or "unlisted", 1, max_wait=1)
    assert gate.waited == 0.0


async def test_concurrent_calls_share_one_session(server: ScriptedServer) -> None:
    async with client(server) as ac:
        results = await asyncio.gather(*(ac.orderbook("binance:BTC/USDT", depth=5) for _ in range(20)))
    assert all(len(r) == 10 for r in results)
