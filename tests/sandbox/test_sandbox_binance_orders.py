"""Binance orders: placement shapes, filters, balances, matching, queries and cancels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sbhelpers import BinanceClient, assert_shape, example, new_binance

from xtoolkit.sandbox import Sandbox

D = Decimal


def _balances(client: BinanceClient) -> dict[str, tuple[Decimal, Decimal]]:
    body = client.signed("GET", "/api/v3/account").json()
    return {b["asset"]: (D(b["free"]), D(b["locked"])) for b in body["balances"]}


def _below(box: Sandbox, symbol: str, ticks: int, tick: str = "0.01") -> str:
    bid, _ = box.market.best("binance", symbol)
    return str(bid - D(tick) * ticks)


def test_account_shape_and_seed(binance: BinanceClient) -> None:
    body = binance.signed("GET", "/api/v3/account").json()
    assert_shape(body, example("binance", "account"))
    bal = {b["asset"]: b for b in body["balances"]}
    assert bal["USDT"]["free"] == "10000.00000000"
    assert D(bal["BTC"]["free"]) > 0 and D(bal["ETH"]["free"]) > 0
    assert body["commissionRates"]["taker"] == "0.00100000"
    compact = binance.signed("GET", "/api/v3/account", {"omitZeroBalances": "true"}).json()
    assert all(D(b["free"]) + D(b["locked"]) > 0 for b in compact["balances"])
    assert len(compact["balances"]) < len(body["balances"])


def test_resting_limit_full_response_locks_quote(box: Sandbox) -> None:
    # Enough for 0.01 BTC at any price the sandbox's BTC can reach (about ±5 % long-run).
    client = new_binance(box, {"USDT": "10000"})
    price = _below(box, "BTCUSDT", 5000)
    r = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.01",
            "price": price,
            "newClientOrderId": "nb-rest-1",
        },
    )
    assert r.status == 200, r.text
    body = r.json()
    assert_shape(body, example("binance", "order_new"))
    assert body["status"] == "NEW" and body["fills"] == [] and body["executedQty"] == "0.00000000"
    assert body["clientOrderId"] == "nb-rest-1"
    assert r.header("x-mbx-order-count-10s") == "1" and r.header("x-mbx-order-count-1d") == "1"
    free, locked = _balances(client)["USDT"]
    assert locked == D(price) * D("0.01") and free + locked == D(10000)
    query = client.signed("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": body["orderId"]}).json()
    assert_shape(query, example("binance", "order_query"))
    by_client = client.signed(
        "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "nb-rest-1"}
    ).json()
    assert by_client == query
    opened = client.signed("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}).json()
    assert_shape(opened, example("binance", "open_orders"))
    assert [o["orderId"] for o in opened] == [body["orderId"]]
    cancel = client.signed("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "nb-rest-1"})
    assert cancel.status == 200
    assert_shape(cancel.json(), example("binance", "order_cancel"))
    assert cancel.json()["status"] == "CANCELED"
    assert cancel.json()["origClientOrderId"] == "nb-rest-1"
    assert _balances(client)["USDT"] == (D(10000), D(0))
    again = client.signed("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": body["orderId"]})
    assert again.status == 400 and again.json() == example("binance", "error_-2011")


@pytest.mark.parametrize("resp,name", [("ACK", "order_new_ack"), ("RESULT", "order_new_result")])
def test_response_types(box: Sandbox, resp: str, name: str) -> None:
    client = new_binance(box, {"USDT": "1000"})
    r = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": _below(box, "BTCUSDT", 3000),
            "newOrderRespType": resp,
        },
    )
    assert_shape(r.json(), example("binance", name))


def test_market_buy_fills_with_commission_in_base(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "5000"})
    r = client.signed(
        "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.02"}
    )
    body = r.json()
    assert_shape(body, example("binance", "order_new_market_full"))
    assert body["status"] == "FILLED" and body["executedQty"] == "0.02000000"
    assert body["price"] == "0.00000000"
    fills = body["fills"]
    assert sum(D(f["qty"]) for f in fills) == D("0.02")
    assert all(f["commissionAsset"] == "BTC" for f in fills)
    assert all(D(f["commission"]) == (D(f["qty"]) * D("0.001")).quantize(D("1e-8")) for f in fills)
    cost = sum(D(f["price"]) * D(f["qty"]) for f in fills)
    assert D(body["cummulativeQuoteQty"]) == cost
    bal = _balances(client)
    assert bal["USDT"] == (D(5000) - cost, D(0))
    assert bal["BTC"][0] == D("0.02") - sum(D(f["commission"]) for f in fills)
    trades = client.signed("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}).json()
    assert_shape(trades, example("binance", "my_trades"))
    assert [t["id"] for t in trades] == [f["tradeId"] for f in fills]
    assert all(t["isBuyer"] and not t["isMaker"] for t in trades)
    tape = client.public("/api/v3/trades", {"symbol": "BTCUSDT", "limit": 50}).json()
    assert {f["tradeId"] for f in fills} <= {t["id"] for t in tape}


def test_large_market_order_walks_levels(box: Sandbox) -> None:
    client = new_binance(box, {"ETH": "500"})
    depth = client.public("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 20}).json()
    qty = sum(D(q) for _, q in depth["bids"][:3]) + D("0.0001")
    r = client.signed(
        "POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": str(qty)}
    ).json()
    prices = [f["price"] for f in r["fills"]]
    assert prices == [p for p, _ in depth["bids"][:4]]
    assert all(f["commissionAsset"] == "USDT" for f in r["fills"])
    after = client.public("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 5}).json()
    assert D(after["bids"][0][0]) == D(depth["bids"][3][0]), "taken liquidity is gone"


def test_quote_order_qty_market_buy(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "100"})
    body = client.signed(
        "POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "50"}
    ).json()
    assert body["status"] == "FILLED"
    assert body["origQuoteOrderQty"] == "50.00000000"
    spent = D(body["cummulativeQuoteQty"])
    assert D(49) < spent <= D(50)
    assert _balances(client)["USDT"] == (D(100) - spent, D(0))


def test_resting_order_fills_when_walk_crosses(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "2000"})
    price = _below(box, "BTCUSDT", 1)
    order = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": price,
        },
    ).json()
    status = order["status"]
    for _ in range(400):
        box.market.step(1)
        status = client.signed(
            "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": order["orderId"]}
        ).json()["status"]
        if status == "FILLED":
            break
    assert status == "FILLED"
    trades = client.signed(
        "GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "orderId": order["orderId"]}
    ).json()
    assert trades and all(t["isMaker"] and D(t["price"]) == D(price) for t in trades)
    bal = _balances(client)
    assert bal["USDT"][1] == 0
    assert bal["BTC"][0] == D("0.001") - D("0.000001")


def test_partial_fill_then_rest(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "100000"})
    depth = client.public("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 2}).json()
    best_ask, ask_qty = D(depth["asks"][0][0]), D(depth["asks"][0][1])
    qty = ask_qty + D("0.1")
    body = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": str(qty),
            "price": str(best_ask),
        },
    ).json()
    assert body["status"] == "PARTIALLY_FILLED"
    assert D(body["executedQty"]) == ask_qty
    opened = client.signed("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}).json()
    assert opened[0]["status"] == "PARTIALLY_FILLED"
    _, locked = _balances(client)["USDT"]
    assert locked == best_ask * D("0.1")


def test_ioc_and_fok(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "100000"})
    depth = client.public("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 2}).json()
    ask, qty = D(depth["asks"][0][0]), D(depth["asks"][0][1])
    ioc = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "ETHUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "IOC",
            "quantity": str(qty + 5),
            "price": str(ask),
        },
    ).json()
    assert ioc["status"] == "EXPIRED" and D(ioc["executedQty"]) == qty
    far = str(ask - 100)
    fok = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "ETHUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "FOK",
            "quantity": "1",
            "price": far,
        },
    ).json()
    assert fok["status"] == "EXPIRED" and fok["fills"] == []
    assert _balances(client)["USDT"][1] == 0


def test_limit_maker_would_take(box: Sandbox, binance: BinanceClient) -> None:
    _, ask = box.market.best("binance", "BTCUSDT")
    r = binance.signed(
        "POST",
        "/api/v3/order",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER", "quantity": "0.001", "price": str(ask)},
    )
    assert r.status == 400
    assert r.json() == {"code": -2010, "msg": "Order would immediately match and take."}
    ack = binance.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT_MAKER",
            "quantity": "0.001",
            "price": str(ask - 500),
        },
    ).json()
    assert set(ack) == set(example("binance", "order_new_ack")), "LIMIT_MAKER defaults to ACK"


@pytest.mark.parametrize(
    "params,filter_name",
    [
        ({"price": "90000.001", "quantity": "0.01"}, "PRICE_FILTER"),
        ({"price": "90000", "quantity": "0.000015"}, "LOT_SIZE"),
        ({"price": "90000", "quantity": "0.00004"}, "NOTIONAL"),
        ({"price": "1000", "quantity": "0.01"}, "PERCENT_PRICE_BY_SIDE"),
    ],
)
def test_filter_failures(
    binance: BinanceClient, box: Sandbox, params: dict[str, str], filter_name: str
) -> None:
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", **params}
    r = binance.signed("POST", "/api/v3/order", order)
    assert r.status == 400
    assert r.json() == {"code": -1013, "msg": f"Filter failure: {filter_name}"}
    # the test endpoint validates the same way
    assert binance.signed("POST", "/api/v3/order/test", order).json()["code"] == -1013


def test_filter_examples_match_spec(binance: BinanceClient) -> None:
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    assert binance.signed(
        "POST", "/api/v3/order", {**base, "price": "90000", "quantity": "0.000015"}
    ).json() == example("binance", "error_-1013")
    assert binance.signed(
        "POST", "/api/v3/order", {**base, "price": "90000.001", "quantity": "0.01"}
    ).json() == example("binance", "error_-1013_price_filter")
    assert binance.signed(
        "POST", "/api/v3/order", {**base, "price": "90000", "quantity": "0.00004"}
    ).json() == example("binance", "error_-1013_notional")


def test_legacy_min_notional_and_market_lot_size(binance: BinanceClient) -> None:
    r = binance.signed(
        "POST", "/api/v3/order", {"symbol": "XLMUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"}
    )
    assert r.json() == {"code": -1013, "msg": "Filter failure: MIN_NOTIONAL"}
    r = binance.signed(
        "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "90"}
    )
    assert r.json() == {"code": -1013, "msg": "Filter failure: MARKET_LOT_SIZE"}


def test_parameter_errors(binance: BinanceClient) -> None:
    def place(**p: str) -> dict[str, object]:
        return binance.signed("POST", "/api/v3/order", p).json()

    assert place(side="BUY", type="MARKET", quantity="1") == example("binance", "error_-1102") | {
        "msg": "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
    }
    assert place(symbol="NOPE", side="BUY", type="MARKET", quantity="1") == example("binance", "error_-1121")
    assert place(symbol="BTCUSDT", side="HOLD", type="MARKET", quantity="1")["code"] == -1117
    assert place(symbol="BTCUSDT", side="BUY", type="ICEBERG", quantity="1")["code"] == -1116
    assert place(symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.01", price="90000")["msg"] == (
        "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."
    )
    assert (
        place(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTD", quantity="0.01", price="90000")[
            "code"
        ]
        == -1115
    )
    assert (
        place(symbol="BTCUSDT", side="BUY", type="MARKET", timeInForce="GTC", quantity="0.01")["code"]
        == -1106
    )
    assert place(symbol="BTCUSDT", side="BUY", type="MARKET")["code"] == -1102
    assert place(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.000000001")["code"] == -1111
    assert (
        place(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01", newClientOrderId="bad id!")[
            "code"
        ]
        == -1100
    )


def test_insufficient_balance_and_market_closed(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "10"})
    accepted_before = len(box.orders("binance"))
    r = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": _below(box, "BTCUSDT", 10),
        },
    )
    assert r.status == 400 and r.json() == example("binance", "error_-2010")
    r = client.signed(
        "POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01"}
    )
    assert r.json() == example("binance", "error_-2010")
    r = client.signed(
        "POST", "/api/v3/order", {"symbol": "WAVESUSDT", "side": "BUY", "type": "MARKET", "quantity": "10"}
    )
    assert r.json() == {"code": -2010, "msg": "Market is closed."}
    assert len(box.orders("binance")) == accepted_before, "rejected orders are not recorded"
    assert _balances(client)["USDT"] == (D(10), D(0))


def test_client_order_id_unique_among_open_only(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "2000"})
    order = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.001",
        "price": _below(box, "BTCUSDT", 4000),
        "newClientOrderId": "reuse-me",
    }
    first = client.signed("POST", "/api/v3/order", order).json()
    dup = client.signed("POST", "/api/v3/order", order)
    assert dup.status == 400 and dup.json() == {"code": -2010, "msg": "Duplicate order sent."}
    client.signed("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": first["orderId"]})
    second = client.signed("POST", "/api/v3/order", order).json()
    assert second["orderId"] != first["orderId"] and second["clientOrderId"] == "reuse-me"
    latest = client.signed(
        "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "reuse-me"}
    ).json()
    assert latest["orderId"] == second["orderId"]
    accepted = [o for o in box.orders("binance") if o["clientOrderId"] == "reuse-me"]
    assert [o["orderId"] for o in accepted] == [first["orderId"], second["orderId"]]


def test_unknown_orders(binance: BinanceClient) -> None:
    r = binance.signed("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1})
    assert r.status == 400 and r.json() == example("binance", "error_-2013")
    r = binance.signed("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1})
    assert r.json() == example("binance", "error_-2011")
    r = binance.signed("GET", "/api/v3/order", {"symbol": "BTCUSDT"})
    assert r.json()["code"] == -1102


def test_open_orders_cancel_all_and_all_orders(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "5000", "ETH": "1"})
    placed = []
    for i in range(3):
        placed.append(
            client.signed(
                "POST",
                "/api/v3/order",
                {
                    "symbol": "ETHUSDT",
                    "side": "BUY",
                    "type": "LIMIT",
                    "timeInForce": "GTC",
                    "quantity": "0.01",
                    "price": _below(box, "ETHUSDT", 1000 + i),
                },
            ).json()["orderId"]
        )
    everywhere = client.signed("GET", "/api/v3/openOrders").json()
    assert sorted(o["orderId"] for o in everywhere) == sorted(placed)
    canceled = client.signed("DELETE", "/api/v3/openOrders", {"symbol": "ETHUSDT"})
    assert canceled.status == 200
    assert_shape(canceled.json(), [example("binance", "order_cancel")])
    assert all(o["status"] == "CANCELED" for o in canceled.json())
    nothing = client.signed("DELETE", "/api/v3/openOrders", {"symbol": "ETHUSDT"})
    assert nothing.json() == example("binance", "error_-2011")
    history = client.signed("GET", "/api/v3/allOrders", {"symbol": "ETHUSDT"}).json()
    assert [o["orderId"] for o in history] == placed
    assert {o["status"] for o in history} == {"CANCELED"}
    later = client.signed("GET", "/api/v3/allOrders", {"symbol": "ETHUSDT", "orderId": placed[1]}).json()
    assert [o["orderId"] for o in later] == placed[1:]


def test_test_order_places_nothing(binance: BinanceClient, box: Sandbox) -> None:
    before = len(box.orders("binance"))
    open_before = binance.signed("GET", "/api/v3/openOrders").json()
    order = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.001",
        "price": _below(box, "BTCUSDT", 100),
    }
    r = binance.signed("POST", "/api/v3/order/test", order)
    assert r.status == 200 and r.json() == example("binance", "order_test")
    r = binance.signed("POST", "/api/v3/order/test", {**order, "computeCommissionRates": "true"})
    assert_shape(r.json(), example("binance", "order_test_commission"))
    assert len(box.orders("binance")) == before
    assert binance.signed("GET", "/api/v3/openOrders").json() == open_before


def test_stop_orders_wait_then_trigger(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "5000", "BTC": "0.1"})
    mid = box.market.mid("binance", "BTCUSDT")
    below = str((mid - 20).quantize(D("0.01")))
    limit = str((mid - 40).quantize(D("0.01")))
    placed = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "STOP_LOSS_LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.01",
            "price": limit,
            "stopPrice": below,
        },
    ).json()
    assert set(placed) == set(example("binance", "order_new_ack")), "stop orders default to ACK"
    query = client.signed("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": placed["orderId"]}).json()
    assert_shape(query, example("binance", "order_query"))
    assert query["type"] == "STOP_LOSS_LIMIT" and D(query["stopPrice"]) == D(below)
    assert query["isWorking"] is False and query["workingTime"] == -1
    assert _balances(client)["BTC"] == (D("0.09"), D("0.01"))
    status = query
    for _ in range(600):
        box.market.step(1)
        status = client.signed(
            "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": placed["orderId"]}
        ).json()
        if status["isWorking"]:
            break
    assert status["isWorking"] and status["workingTime"] > 0
    assert status["status"] in ("FILLED", "PARTIALLY_FILLED", "NEW")
    immediate = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "STOP_LOSS",
            "quantity": "0.01",
            "stopPrice": str((box.market.mid("binance", "BTCUSDT") + 50).quantize(D("0.01"))),
        },
    )
    assert immediate.json() == {"code": -2010, "msg": "Order would trigger immediately."}
    missing = client.signed(
        "POST",
        "/api/v3/order",
        {"symbol": "BTCUSDT", "side": "SELL", "type": "TAKE_PROFIT", "quantity": "0.01"},
    )
    assert missing.json()["code"] == -1102
    trailing = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "TAKE_PROFIT",
            "quantity": "0.01",
            "trailingDelta": "100",
        },
    )
    assert trailing.json() == {"code": -1014, "msg": "Unsupported order combination."}


def test_take_profit_market_buy_fills_and_cancel_releases(box: Sandbox) -> None:
    client = new_binance(box, {"USDT": "3000"})
    mid = box.market.mid("binance", "ETHUSDT")
    order = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "ETHUSDT",
            "side": "BUY",
            "type": "TAKE_PROFIT",
            "quantity": "0.1",
            "stopPrice": str((mid - 1).quantize(D("0.01"))),
            "newOrderRespType": "RESULT",
        },
    ).json()
    assert order["status"] == "NEW" and order["workingTime"] == -1 and "stopPrice" in order
    other = client.signed(
        "POST",
        "/api/v3/order",
        {
            "symbol": "ETHUSDT",
            "side": "BUY",
            "type": "STOP_LOSS",
            "quantity": "0.1",
            "stopPrice": str((mid + 500).quantize(D("0.01"))),
        },
    ).json()
    assert _balances(client)["USDT"][1] > 0
    client.signed("DELETE", "/api/v3/order", {"symbol": "ETHUSDT", "orderId": other["orderId"]})
    status = "NEW"
    for _ in range(600):
        box.market.step(1)
        status = client.signed(
            "GET", "/api/v3/order", {"symbol": "ETHUSDT", "orderId": order["orderId"]}
        ).json()["status"]
        if status != "NEW":
            break
    assert status == "FILLED"
    bal = _balances(client)
    assert bal["USDT"][1] == 0 and bal["ETH"][0] == D("0.1") - D("0.0001")
