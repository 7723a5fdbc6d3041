"""Upbit orders: 201 creation, states, fees and locks, errors, queries, cancels, batch cancel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sbhelpers import UpbitClient, assert_shape, example, new_upbit

from xtoolkit.sandbox import Sandbox

D = Decimal
ORDER_OPTIONAL = frozenset({"time_in_force", "smp_type", "executed_funds", "volume", "remaining_volume"})


def _accounts(client: UpbitClient) -> dict[str, dict[str, str]]:
    return {a["currency"]: a for a in client.private("GET", "/v1/accounts").json()}


def _limit_below(box: Sandbox, market: str, ticks: int) -> str:
    bid, _ = box.market.best("upbit", market)
    price = bid
    for _ in range(ticks):
        price = price - D(1000) if price >= 1_000_000 else price - D(1)
    return format(price.normalize(), "f")


def test_accounts_and_chance_shapes(upbit: UpbitClient) -> None:
    accts = upbit.private("GET", "/v1/accounts").json()
    assert_shape(accts, example("upbit", "accounts"))
    by = {a["currency"]: a for a in accts}
    assert by["KRW"]["balance"] == "10000000" and D(by["BTC"]["balance"]) > 0
    assert D(by["BTC"]["avg_buy_price"]) > 100_000_000
    chance = upbit.private("GET", "/v1/orders/chance", {"market": "KRW-BTC"}).json()
    assert_shape(chance, example("upbit", "orders_chance"))
    assert chance["bid_fee"] == "0.0005" and chance["market"]["bid"]["min_total"] == "5000"
    btc_market = upbit.private("GET", "/v1/orders/chance", {"market": "BTC-ETH"}).json()
    assert btc_market["market"]["bid"]["min_total"] == "0.00005"


def test_limit_bid_201_wait_locks_price_plus_fee(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "1000000"})
    price = _limit_below(box, "KRW-BTC", 200)
    r = client.post(
        "/v1/orders",
        {
            "market": "KRW-BTC",
            "side": "bid",
            "volume": "0.001",
            "price": price,
            "ord_type": "limit",
            "identifier": "tk-limit-1",
        },
    )
    assert r.status == 201, r.text
    body = r.json()
    assert_shape(body, example("upbit", "order_new"), optional=ORDER_OPTIONAL)
    assert body["state"] == "wait" and body["trades_count"] == 0
    total = D(price) * D("0.001")
    fee = total * D("0.0005")
    assert D(body["reserved_fee"]) == fee and D(body["locked"]) == total + fee
    acct = _accounts(client)["KRW"]
    assert D(acct["locked"]) == total + fee and D(acct["balance"]) == D(1_000_000) - total - fee
    got = client.private("GET", "/v1/order", {"uuid": body["uuid"]}).json()
    assert_shape(got, example("upbit", "order_get"), optional=ORDER_OPTIONAL)
    assert got["trades"] == []
    by_ident = client.private("GET", "/v1/order", {"identifier": "tk-limit-1"}).json()
    assert by_ident["uuid"] == body["uuid"]
    opened = client.private("GET", "/v1/orders/open", {"market": "KRW-BTC"}).json()
    assert_shape(opened, example("upbit", "orders_open"), optional=ORDER_OPTIONAL)
    cancel = client.private("DELETE", "/v1/order", {"uuid": body["uuid"]})
    assert cancel.status == 200
    assert_shape(cancel.json(), example("upbit", "order_cancel"), optional=ORDER_OPTIONAL)
    assert cancel.json()["state"] == "wait", "the cancel answer is the order as it was"
    after = client.private("GET", "/v1/order", {"uuid": body["uuid"]}).json()
    assert after["state"] == "cancel" and after["locked"] == "0"
    assert _accounts(client)["KRW"]["locked"] == "0"
    again = client.private("DELETE", "/v1/order", {"uuid": body["uuid"]})
    assert again.status == 404 and again.json() == example("upbit", "error_order_not_found")


def test_market_buy_by_total_ends_cancel_with_fills(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "100000"})
    r = client.post(
        "/v1/orders",
        {
            "market": "KRW-BTC",
            "side": "bid",
            "price": "10000",
            "ord_type": "price",
            "identifier": "tk-mkt-buy",
        },
    )
    assert r.status == 201
    body = r.json()
    assert_shape(body, example("upbit", "order_new_market_buy"), optional=ORDER_OPTIONAL)
    assert "volume" not in body and body["locked"] == "10005" and body["state"] == "wait"
    done = client.private("GET", "/v1/order", {"uuid": body["uuid"]}).json()
    assert done["state"] == "cancel" and D(done["executed_volume"]) > 0
    assert done["trades_count"] == len(done["trades"]) >= 1
    funds = sum(D(t["funds"]) for t in done["trades"])
    assert D(9990) < funds <= D(10000)
    # The fee is rounded per fill (to 1e-8 KRW) and summed, so it can differ from the fee
    # of the total by the last digit of each fill.
    fee = (funds * D("0.0005")).quantize(D("1e-8"))
    assert abs(D(done["paid_fee"]) - fee) <= D("1e-8") * done["trades_count"]
    krw = _accounts(client)["KRW"]
    assert D(krw["balance"]) == D(100000) - funds - D(done["paid_fee"])
    assert krw["locked"] == "0"
    btc = _accounts(client)["BTC"]
    assert D(btc["balance"]) == D(done["executed_volume"])
    assert D(btc["avg_buy_price"]) > 0


def test_market_sell_by_volume_done(box: Sandbox) -> None:
    client = new_upbit(box, {"ETH": "0.5"})
    r = client.post("/v1/orders", {"market": "KRW-ETH", "side": "ask", "volume": "0.1", "ord_type": "market"})
    assert r.status == 201 and r.json()["price"] is None
    done = client.private("GET", "/v1/order", {"uuid": r.json()["uuid"]}).json()
    assert done["state"] == "done" and done["executed_volume"] == "0.1"
    received = sum(D(t["funds"]) for t in done["trades"]) - D(done["paid_fee"])
    assert D(_accounts(client)["KRW"]["balance"]) == received
    assert D(_accounts(client)["ETH"]["balance"]) == D("0.4")


def test_resting_ask_fills_on_step(box: Sandbox) -> None:
    client = new_upbit(box, {"XRP": "100"})
    _, ask = box.market.best("upbit", "KRW-XRP")
    r = client.post(
        "/v1/orders",
        {
            "market": "KRW-XRP",
            "side": "ask",
            "volume": "10",
            "price": format(ask.normalize(), "f"),
            "ord_type": "limit",
        },
    )
    uid = r.json()["uuid"]
    state = "wait"
    for _ in range(400):
        box.market.step(1)
        state = client.private("GET", "/v1/order", {"uuid": uid}).json()["state"]
        if state == "done":
            break
    assert state == "done"
    got = client.private("GET", "/v1/order", {"uuid": uid}).json()
    assert all(t["price"] == format(ask.normalize(), "f") for t in got["trades"])
    assert _accounts(client)["XRP"]["locked"] == "0"


@pytest.mark.parametrize(
    "body,name",
    [
        ({"side": "ask", "price": "10000", "ord_type": "price"}, "create_ask_error"),
        ({"side": "bid", "volume": "0.001", "ord_type": "market"}, "create_bid_error"),
        ({"side": "bid", "price": "10000", "volume": "0.001", "ord_type": "price"}, "create_bid_error"),
        ({"side": "ask", "price": "130000000", "volume": "0.001", "ord_type": "market"}, "create_ask_error"),
        (
            {
                "side": "bid",
                "price": "130000000",
                "volume": "0.001",
                "ord_type": "limit",
                "time_in_force": "post_only",
                "smp_type": "reduce",
            },
            "create_bid_error",
        ),
        ({"volume": "0.001", "price": "130000000", "ord_type": "limit"}, "validation_error"),
        ({"side": "buy", "volume": "0.001", "price": "130000000", "ord_type": "limit"}, "validation_error"),
        ({"side": "bid", "volume": "0.001", "ord_type": "limit"}, "validation_error"),
        ({"side": "bid", "price": "10000", "ord_type": "best"}, "validation_error"),
    ],
)
def test_order_combination_errors(upbit: UpbitClient, body: dict[str, str], name: str) -> None:
    r = upbit.post("/v1/orders", {"market": "KRW-BTC", **body})
    assert r.status == 400 and r.json()["error"]["name"] == name


def test_error_bodies_match_spec(upbit: UpbitClient, box: Sandbox) -> None:
    r = upbit.post(
        "/v1/orders", {"market": "KRW-BTC", "volume": "0.001", "price": "130000000", "ord_type": "limit"}
    )
    assert r.json() == example("upbit", "error_validation_error")
    r = upbit.post("/v1/orders", {"market": "KRW-BTC", "side": "ask", "price": "10000", "ord_type": "price"})
    assert r.json()["error"]["message"] == example("upbit", "error_create_bid_error")["error"]["message"]
    r = upbit.post(
        "/v1/orders",
        {"market": "KRW-BTC", "side": "bid", "volume": "0.001", "price": "130000500", "ord_type": "limit"},
    )
    assert r.status == 400 and r.json() == example("upbit", "error_invalid_price_bid")
    r = upbit.post(
        "/v1/orders",
        {"market": "KRW-BTC", "side": "ask", "volume": "0.001", "price": "130000500", "ord_type": "limit"},
    )
    assert r.json()["error"]["name"] == "invalid_price_ask"
    r = upbit.post(
        "/v1/orders",
        {"market": "KRW-BTC", "side": "bid", "volume": "0.00001", "price": "130000000", "ord_type": "limit"},
    )
    assert r.json() == example("upbit", "error_under_min_total_bid")
    r = upbit.post(
        "/v1/orders", {"market": "KRW-BTC", "side": "ask", "volume": "0.00001", "ord_type": "market"}
    )
    assert r.json() == example("upbit", "error_under_min_total_ask")
    r = upbit.post("/v1/orders", {"market": "KRW-BTC", "side": "bid", "price": "4000", "ord_type": "price"})
    assert r.json()["error"]["name"] == "under_min_total_bid"


def test_insufficient_funds(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "6000", "BTC": "0.0001"})
    r = client.post("/v1/orders", {"market": "KRW-BTC", "side": "bid", "price": "6000", "ord_type": "price"})
    assert r.status == 400 and r.json() == example("upbit", "error_insufficient_funds_bid")
    r = client.post(
        "/v1/orders", {"market": "KRW-BTC", "side": "ask", "volume": "0.001", "ord_type": "market"}
    )
    assert r.json() == example("upbit", "error_insufficient_funds_ask")


def test_identifier_never_reusable(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "1000000"})
    order = {
        "market": "KRW-BTC",
        "side": "bid",
        "volume": "0.001",
        "price": _limit_below(box, "KRW-BTC", 300),
        "ord_type": "limit",
        "identifier": "never-again",
    }
    first = client.post("/v1/orders", order)
    assert first.status == 201
    client.private("DELETE", "/v1/order", {"identifier": "never-again"})
    again = client.post("/v1/orders", order)
    assert again.status == 400 and again.json()["error"]["name"] == "duplicate_identifier"
    # burnt even when the request failed
    failing = client.post("/v1/orders", {**order, "identifier": "failed-once", "price": "130000500"})
    assert failing.json()["error"]["name"] == "invalid_price_bid"
    retry = client.post("/v1/orders", {**order, "identifier": "failed-once"})
    assert retry.json()["error"]["name"] == "duplicate_identifier"
    accepted = [o for o in box.orders("upbit") if o["identifier"] in ("never-again", "failed-once")]
    assert len(accepted) == 1


def test_order_not_found(upbit: UpbitClient) -> None:
    r = upbit.private("GET", "/v1/order", {"uuid": "00000000-0000-4000-8000-000000000000"})
    assert r.status == 404 and r.json() == example("upbit", "error_order_not_found")
    r = upbit.private("GET", "/v1/order", {"identifier": "nope"})
    assert r.status == 404


def test_post_only_that_would_take_is_canceled(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "1000000"})
    _, ask = box.market.best("upbit", "KRW-ETH")
    r = client.post(
        "/v1/orders",
        {
            "market": "KRW-ETH",
            "side": "bid",
            "volume": "0.01",
            "price": format(ask.normalize(), "f"),
            "ord_type": "limit",
            "time_in_force": "post_only",
        },
    )
    assert r.status == 201
    got = client.private("GET", "/v1/order", {"uuid": r.json()["uuid"]}).json()
    assert got["state"] == "cancel" and got["executed_volume"] == "0"
    assert _accounts(client)["KRW"]["balance"] == "1000000"


def test_best_ioc_and_limit_fok(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "1000000", "SOL": "5"})
    r = client.post(
        "/v1/orders",
        {"market": "KRW-SOL", "side": "ask", "volume": "0.05", "ord_type": "best", "time_in_force": "ioc"},
    )
    assert r.status == 201, r.text
    got = client.private("GET", "/v1/order", {"uuid": r.json()["uuid"]}).json()
    assert got["state"] in ("done", "cancel") and D(got["executed_volume"]) > 0
    bid, _ = box.market.best("upbit", "KRW-SOL")
    far = format((bid - 2000).normalize(), "f")
    r = client.post(
        "/v1/orders",
        {
            "market": "KRW-SOL",
            "side": "bid",
            "volume": "1",
            "price": far,
            "ord_type": "limit",
            "time_in_force": "fok",
        },
    )
    got = client.private("GET", "/v1/order", {"uuid": r.json()["uuid"]}).json()
    assert got["state"] == "cancel" and got["executed_volume"] == "0"


def test_open_closed_uuids_and_batch_cancel(box: Sandbox) -> None:
    client = new_upbit(box, {"KRW": "5000000", "ETH": "1"})
    uuids = []
    for i in range(4):
        side = "bid" if i % 2 == 0 else "ask"
        bid, ask = box.market.best("upbit", "KRW-ETH")
        price = bid - 10_000 * (i + 1) if side == "bid" else ask + 10_000 * (i + 1)
        r = client.post(
            "/v1/orders",
            {
                "market": "KRW-ETH",
                "side": side,
                "volume": "0.01",
                "price": format(price.normalize(), "f"),
                "ord_type": "limit",
                "identifier": f"batch-{i}",
            },
        )
        assert r.status == 201, r.text
        uuids.append(r.json()["uuid"])
    opened = client.private("GET", "/v1/orders/open", [("market", "KRW-ETH"), ("states[]", "wait")]).json()
    assert [o["uuid"] for o in opened] == uuids[::-1], "newest first by default"
    asc = client.private("GET", "/v1/orders/open", {"order_by": "asc", "limit": 2, "page": 2}).json()
    assert [o["uuid"] for o in asc] == uuids[2:]
    by_ids = client.private(
        "GET", "/v1/orders/uuids", [("uuids[]", uuids[0]), ("identifiers[]", "batch-3")]
    ).json()
    assert {o["uuid"] for o in by_ids} == {uuids[0], uuids[3]}
    r = client.private("DELETE", "/v1/orders/open", {"cancel_side": "bid"})
    assert r.status == 200
    assert_shape(r.json(), example("upbit", "orders_cancel_open"))
    assert r.json()["success"]["count"] == 2
    left = client.private("GET", "/v1/orders/open").json()
    assert {o["side"] for o in left} == {"ask"}
    closed = client.private(
        "GET", "/v1/orders/closed", [("market", "KRW-ETH"), ("states[]", "cancel")]
    ).json()
    assert {o["uuid"] for o in closed} == {uuids[0], uuids[2]}
    gone = client.private("DELETE", "/v1/orders/uuids", [("uuids[]", uuids[1]), ("uuids[]", uuids[0])]).json()
    assert gone["success"]["count"] == 1 and gone["failed"]["count"] == 1
    assert _accounts(client)["KRW"]["locked"] == "0"


def test_test_order_returns_order_shape_places_nothing(upbit: UpbitClient, box: Sandbox) -> None:
    before = len(box.orders("upbit"))
    r = upbit.post(
        "/v1/orders/test",
        {
            "market": "KRW-BTC",
            "side": "bid",
            "volume": "0.0001",
            "price": "100000000",
            "ord_type": "limit",
            "identifier": "test-only",
        },
    )
    assert r.status == 201
    assert_shape(r.json(), example("upbit", "order_new"), optional=ORDER_OPTIONAL)
    assert len(box.orders("upbit")) == before
    assert upbit.private("GET", "/v1/order", {"uuid": r.json()["uuid"]}).status == 404
    # the identifier was not consumed by the test order
    real = upbit.post(
        "/v1/orders",
        {
            "market": "KRW-BTC",
            "side": "bid",
            "volume": "0.0001",
            "price": "100000000",
            "ord_type": "limit",
            "identifier": "test-only",
        },
    )
    assert real.status == 201
    bad = upbit.post(
        "/v1/orders/test",
        {"market": "KRW-BTC", "side": "bid", "volume": "0.0001", "price": "100000500", "ord_type": "limit"},
    )
    assert bad.json()["error"]["name"] == "invalid_price_bid"
