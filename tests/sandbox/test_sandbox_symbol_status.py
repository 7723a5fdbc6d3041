"""New venue facts (issue 14, item 6; spec §13): symbol statuses incl. CANCEL_ONLY, the
``symbolStatus`` filter and -1220, retired endpoints, venue errors on demand, key limits."""

from __future__ import annotations

import pytest
from sbhelpers import BinanceClient, UpbitClient, example, http, new_binance, new_upbit, symbols_param

from xtoolkit.sandbox import Sandbox


def _touch(box: Sandbox) -> str:
    """The best bid: a buy resting there fills on the next tick of a trading market."""
    return str(box.market.best("binance", "BTCUSDT")[0])


def test_cancel_only_refuses_new_orders_keeps_cancels(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    resting = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": _touch(fresh),
        },
    ).json()
    fresh.market.set_status("binance", "BTCUSDT", "CANCEL_ONLY")
    assert fresh.market.status("binance", "BTCUSDT") == "CANCEL_ONLY"
    info = client.public("/api/v3/exchangeInfo", {"symbol": "BTCUSDT"}).json()
    assert info["symbols"][0]["status"] == "CANCEL_ONLY"
    for path in ("/api/v3/order", "/api/v3/order/test"):
        r = client.signed(
            "POST", path, {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
        )
        assert r.status == 400 and r.json() == {"code": -2010, "msg": "Market is closed."}
    # While not trading the resting order does not fill (at the touch it would, next tick)...
    fresh.market.step(20)
    query = client.signed("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": resting["orderId"]}).json()
    assert query["status"] == "NEW"
    # ... and it can still be canceled.
    cancel = client.signed("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": resting["orderId"]})
    assert cancel.status == 200 and cancel.json()["status"] == "CANCELED"
    fresh.market.set_status("binance", "BTCUSDT", "TRADING")
    ok = client.signed(
        "POST",
        "/api/v3/order/test",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
    )
    assert ok.status == 200


@pytest.mark.parametrize("status", ["END_OF_DAY", "HALT", "BREAK"])
def test_every_non_trading_status_is_reported_and_closed(fresh: Sandbox, status: str) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    fresh.market.set_status("binance", "ETHUSDT", status)
    assert (
        client.public("/api/v3/exchangeInfo", {"symbol": "ETHUSDT"}).json()["symbols"][0]["status"] == status
    )
    r = client.signed(
        "POST",
        "/api/v3/order/test",
        {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01"},
    )
    assert r.json()["msg"] == "Market is closed."


def test_set_status_refuses_what_cannot_be(fresh: Sandbox) -> None:
    with pytest.raises(ValueError, match="one of"):
        fresh.market.set_status("binance", "BTCUSDT", "PRE_TRADING")  # left the enum in 2025
    with pytest.raises(ValueError, match="no market"):
        fresh.market.set_status("binance", "WAVESUSDT", "TRADING")  # seeded in BREAK
    with pytest.raises(KeyError):
        fresh.market.set_status("binance", "NOPEUSDT", "HALT")
    with pytest.raises(ValueError, match="Binance"):
        fresh.market.set_status("upbit", "KRW-BTC", "HALT")


def test_symbol_status_filter_and_1220(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    fresh.market.set_status("binance", "ETHUSDT", "HALT")
    for path in ("/api/v3/depth", "/api/v3/ticker/price", "/api/v3/ticker/bookTicker", "/api/v3/ticker/24hr"):
        r = client.public(path, {"symbol": "ETHUSDT", "symbolStatus": "TRADING"})
        assert r.status == 400 and r.json() == example("binance", "error_-1220"), path
        assert client.public(path, {"symbol": "ETHUSDT", "symbolStatus": "HALT"}).status == 200, path
    for path in ("/api/v3/ticker/price", "/api/v3/ticker/bookTicker", "/api/v3/ticker/24hr"):
        several = client.public(
            path, {"symbols": symbols_param(["BTCUSDT", "ETHUSDT"]), "symbolStatus": "TRADING"}
        )
        assert [row["symbol"] for row in several.json()] == ["BTCUSDT"], path
        none = client.public(path, {"symbols": symbols_param(["ETHUSDT"]), "symbolStatus": "BREAK"})
        assert none.json() == [], path
        everything = client.public(path, {"symbolStatus": "HALT"}).json()
        assert [row["symbol"] for row in everything] == ["ETHUSDT"], path
    info = client.public("/api/v3/exchangeInfo", {"symbolStatus": "HALT"}).json()
    assert [s["symbol"] for s in info["symbols"]] == ["ETHUSDT"]
    # Not combinable with symbol(s) on exchangeInfo.
    assert (
        client.public("/api/v3/exchangeInfo", {"symbol": "BTCUSDT", "symbolStatus": "TRADING"}).status == 400
    )


def test_exchange_info_permissions_and_permission_sets(binance: BinanceClient) -> None:
    spot = binance.public("/api/v3/exchangeInfo", {"permissions": "SPOT"}).json()["symbols"]
    listed = binance.public("/api/v3/exchangeInfo", {"permissions": '["MARGIN","LEVERAGED"]'}).json()[
        "symbols"
    ]
    assert spot and len(listed) == len(spot)
    assert binance.public("/api/v3/exchangeInfo", {"permissions": "FUTURES"}).status == 400
    bare = binance.public("/api/v3/exchangeInfo", {"showPermissionSets": "false"}).json()["symbols"]
    assert all(s["permissionSets"] == [] for s in bare)


def test_retired_and_absent_endpoints(box: Sandbox) -> None:
    for method in ("POST", "PUT", "DELETE"):
        assert http(method, f"{box.url}/api/v3/userDataStream").status == 410
    assert http("GET", f"{box.url}/api/v1/time").status == 404  # /api/v1 retired 2026-03-25
    # No withdrawal endpoint exists on either venue: the venue's not-found answer.
    assert http("POST", f"{box.url}/sapi/v1/capital/withdraw/apply").status == 404
    assert http("POST", f"{box.url}/v1/withdraws/coin").status == 404
    assert http("POST", f"{box.url}/v1/withdraws/krw").status == 404


@pytest.mark.parametrize(
    "error,status,code",
    [
        (-1007, 500, -1007),
        ("SERVER_BUSY", 503, -1008),
        (-2026, 400, -2026),
        (-1125, 400, -1125),
        (-1000, 400, -1000),
    ],
)
def test_errors_no_request_can_provoke_are_reproducible_on_demand(
    box: Sandbox, binance: BinanceClient, error: int | str, status: int, code: int
) -> None:
    box.faults.next("binance", kind="error", error=error, endpoint="/api/v3/order")
    r = binance.signed("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "1"})
    assert r.status == status and r.json()["code"] == code
    assert r.header("x-mbx-used-weight-1m") is not None


def test_upbit_errors_on_demand(box: Sandbox, upbit: UpbitClient) -> None:
    box.faults.next("upbit", kind="error", error="withdraw_address_not_registered")
    r = upbit.private("GET", "/v1/accounts")
    assert r.status == 400 and r.json()["error"]["name"] == "withdraw_address_not_registered"
    with pytest.raises(ValueError, match="unknown"):
        box.faults.next("upbit", kind="error", error="no_such_error")


def test_key_restrictions_binance(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "100"})
    box.restrict_key("binance", client.key, permissions=["READ"])
    assert client.signed("GET", "/api/v3/account").status == 200
    order = client.signed(
        "POST",
        "/api/v3/order/test",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
    )
    assert order.status == 401 and order.json() == example("binance", "error_-2015")
    box.restrict_key("binance", client.key, permissions=["READ", "TRADE"], allowed_ips=["10.1.2.3"])
    assert client.signed("GET", "/api/v3/account").json() == example("binance", "error_-2015")


def test_key_restrictions_upbit(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "100000"})
    box.restrict_key("upbit", client.access, permissions=["View Account"])
    assert client.private("GET", "/v1/accounts").status == 200
    scope = client.private("GET", "/v1/orders/chance", {"market": "KRW-BTC"})
    assert scope.status == 401 and scope.json() == example("upbit", "error_out_of_scope")
    assert client.private("GET", "/v1/status/wallet").status == 200  # any key may read it
    box.restrict_key("upbit", client.access, allowed_ips=["10.1.2.3"])
    ip = client.private("GET", "/v1/accounts")
    assert ip.status == 401 and ip.json() == example("upbit", "error_no_authorization_ip")
    box.restrict_key("upbit", client.access, expired=True, allowed_ips=["127.0.0.1"])
    expired = client.private("GET", "/v1/accounts")
    assert expired.status == 401 and expired.json() == example("upbit", "error_expired_access_key")
    with pytest.raises(ValueError, match="permissions"):
        box.restrict_key("upbit", client.access, permissions=["TRADE"])
