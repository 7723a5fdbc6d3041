"""Order helpers against the sandbox: preview, every guard's refusal, validate, submit once,
rounding on the wire, kill switch, cancel-all, order frames, and no secrets anywhere."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import orderkit
import pytest
from orderkit import client_ids, order_posts, sandbox_kwargs

import xtoolkit as xt
from xtoolkit._errors import ConfirmationRequired
from xtoolkit.exchanges._orders import OrderSpec
from xtoolkit.orders import FloatInputWarning, Limits, OrderPlan, Placement, Validation
from xtoolkit.orders.mode import ALLOW_LIVE_ENV

D = Decimal
box = orderkit.box  # fixtures
journal = orderkit.journal


def mid(box: Any, exchange: str, native: str) -> Decimal:
    return D(box.market.mid(exchange, native))


def upbit_buy(client: xt.Client, box: Any, qty: str = "0.0003", **kw: Any) -> OrderPlan:
    return client.order("upbit:BTC/KRW", "buy", qty=qty, price=str(mid(box, "upbit", "KRW-BTC")), **kw)


def binance_sell(client: xt.Client, box: Any, qty: str = "0.0003", **kw: Any) -> OrderPlan:
    return client.order("binance:BTC/USDT", "sell", qty=qty, price=str(mid(box, "binance", "BTCUSDT")), **kw)


def test_preview_sends_nothing_and_shows_everything(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, mode="dry_run")) as client:
        plan = upbit_buy(client, box)
    assert order_posts(box) == []
    assert not journal.exists()  # a preview writes nothing
    text, page = repr(plan), plan._repr_html_()
    for needle in (
        "[DRY-RUN]",
        "upbit:BTC/KRW",
        "you typed",
        "will send",
        "(rounded)",
        "KRW",
        "USDT",
        "est. fee",
        plan.client_order_id,
        "price_band",
        "max_order_notional",
        "balance",
    ):
        assert needle in text, needle
    assert "DRY-RUN" in page and "#1f6feb" in page and plan.client_order_id in page and "<table" in page
    assert plan.mode.label == "DRY-RUN" and not plan.mode.sends and plan.ok
    assert plan.price is not None and plan.price % D(1000) == 0  # Upbit tick for BTC/KRW
    assert plan.estimate.value_usdt is not None and plan.estimate.fee_rate == D("0.0005")
    assert plan.state == "previewed"


def test_dry_run_is_the_default_and_refuses_to_send(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, mode="dry_run")) as client:
        assert client.mode == "dry_run"
        plan = upbit_buy(client, box)
        with pytest.raises(xt.DryRunBlocked, match="nothing was sent"):
            plan.submit(confirm=True)
        assert plan.validate().exchange == "upbit"  # validating is allowed in dry-run
    assert order_posts(box, include_tests=False) == [] and box.orders("upbit") == []
    assert [e["event"] for e in map(json.loads, journal.read_text().splitlines())] == ["refused", "validated"]


def test_live_on_a_real_venue_needs_the_environment_flag(
    box: Any, journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kw = sandbox_kwargs(box, journal, sandbox=False)  # the box, but not declared a sandbox
    monkeypatch.delenv(ALLOW_LIVE_ENV, raising=False)
    with xt.Client(**kw) as client:
        plan = upbit_buy(client, box)
        assert plan.mode.label == "DRY-RUN" and ALLOW_LIVE_ENV in plan.mode.reason
        with pytest.raises(xt.DryRunBlocked, match=ALLOW_LIVE_ENV):
            plan.submit(confirm=True)
        assert order_posts(box, include_tests=False) == []
        monkeypatch.setenv(ALLOW_LIVE_ENV, "1")
        live = upbit_buy(client, box, qty="0.0002")
        assert live.mode.label == "LIVE" and "LIVE" in repr(live) and "#cf222e" in live._repr_html_()
        live.submit(confirm=True)
    assert client_ids(box, "upbit") == [live.client_order_id]


def test_sandbox_live_plan_is_labelled_sandbox(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        plan = binance_sell(client, box)
    assert plan.mode.label == "SANDBOX" and "[SANDBOX]" in repr(plan) and "#b7791f" in plan._repr_html_()


def test_submit_needs_confirm(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        plan = upbit_buy(client, box)
        with pytest.raises(ConfirmationRequired) as err:
            plan.submit()
        assert err.value.preview is plan
    assert order_posts(box) == []


MLK = "upbit:MLK/KRW"


@pytest.mark.parametrize(
    ("rule", "limits", "build"),
    [
        ("max_order_notional", {}, lambda c, b: upbit_buy(c, b, qty="0.001")),
        ("venue_notional", {}, lambda c, b: upbit_buy(c, b, qty="0.00002")),
        (
            "price_band",
            {},
            lambda c, b: c.order(
                "upbit:BTC/KRW", "buy", qty="0.0003", price=str(mid(b, "upbit", "KRW-BTC") * D("1.03"))
            ),
        ),
        ("allowlist", {"sandbox_allowlist": ("ETH/*",)}, lambda c, b: binance_sell(c, b)),
        ("quantity", {}, lambda c, b: binance_sell(c, b, qty="0.000001")),
        ("max_daily_notional", {"max_daily_notional": {"KRW": "1000"}}, lambda c, b: upbit_buy(c, b)),
        ("plan_ttl", {"plan_ttl_s": 0}, lambda c, b: upbit_buy(c, b)),
        (
            "market_warning",
            {},
            lambda c, b: c.order(MLK, "buy", qty="10", price=str(mid(b, "upbit", "KRW-MLK"))),
        ),
        (
            "slippage",
            {"max_slippage_bps": 0, "max_order_notional": {"KRW": 10**10}, "max_daily_notional": {}},
            lambda c, b: c.order("upbit:BTC/KRW", "sell", qty="0.06"),
        ),
    ],
)
def test_every_guard_refuses_with_nothing_sent(
    box: Any, journal: Path, rule: str, limits: dict[str, Any], build: Any
) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=Limits(**limits))) as client:
        plan = build(client, box)
        time.sleep(0.01)
        with pytest.raises(xt.LimitExceeded) as err:
            plan.submit(confirm=True)
        if rule != "plan_ttl":  # validating a stale plan is fine: it re-reads the market
            with pytest.raises(xt.LimitExceeded):
                plan.validate()  # the local guards run before the exchange is asked
    assert err.value.rule == rule, err.value
    assert "nothing was sent" in str(err.value)
    if rule not in ("allowlist", "market_warning", "plan_ttl"):
        assert err.value.limit is not None and err.value.value is not None
    assert order_posts(box) == []
    refused = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(e["event"], e["rule"]) for e in refused] == [("refused", rule)]
    assert plan.state == "previewed"  # a refusal does not spend the plan


def test_balance_and_open_orders_guards(box: Any, journal: Path) -> None:
    poor = box.add_account("upbit", {"KRW": "20000"})
    with xt.Client(
        **sandbox_kwargs(
            box, journal, credentials={"upbit": poor}, exchanges=["upbit"], base_urls={"upbit": box.url}
        )
    ) as c:
        with pytest.raises(xt.LimitExceeded) as err:
            upbit_buy(c, box).submit(confirm=True)
        assert err.value.rule == "balance" and err.value.limit == D("20000")
    assert order_posts(box) == []
    with xt.Client(**sandbox_kwargs(box, journal, limits=Limits(max_open_orders=1))) as client:
        price = str(mid(box, "binance", "BTCUSDT") * D("1.01"))  # rests above the touch
        client.order("binance:BTC/USDT", "sell", qty="0.0003", price=price).submit(confirm=True)
        with pytest.raises(xt.LimitExceeded) as err:
            client.order("binance:BTC/USDT", "sell", qty="0.0004", price=price).submit(confirm=True)
        assert (err.value.rule, err.value.limit, err.value.value) == ("max_open_orders", 1, 2)
    assert len(order_posts(box)) == 1


def test_upbit_market_semantics_are_checked_locally(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        with pytest.raises(xt.InvalidArgument, match="market buys are by total"):
            client.order("upbit:BTC/KRW", "buy", qty="0.0003")
        with pytest.raises(xt.InvalidArgument, match="market sells are by volume"):
            client.order("upbit:BTC/KRW", "sell", quote_qty="20000")
        buy = client.order("upbit:BTC/KRW", "buy", quote_qty="20000.7")
        assert buy.quote_qty == D("20000") and buy.type == "market"
        buy.submit(confirm=True)
        sell = client.order("upbit:BTC/KRW", "sell", qty="0.0001")
        sell.submit(confirm=True)
    sent = [o for o in box.orders("upbit")]
    assert [(o["ord_type"], o["side"]) for o in sent] == [("price", "bid"), ("market", "ask")]
    assert D(str(sent[0]["price"])) == D("20000") and sent[1]["volume"] == "0.0001"


def test_validate_is_a_distinct_state_and_places_nothing(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        up, bn = upbit_buy(client, box), binance_sell(client, box)
        vu, vb = up.validate(), bn.validate()
    assert isinstance(vu, Validation) and isinstance(vb, Validation)
    assert "accepted the test order" in repr(vu) and "nothing was placed" in vu._repr_html_()
    assert vb.commission and "standardCommissionForOrder" in vb.commission
    assert up.state == bn.state == "validated" and "validated" in repr(up)
    assert box.orders("upbit") == [] and box.orders("binance") == []
    tests = [(r.method, r.path) for r in order_posts(box)]
    assert tests == [("POST", "/v1/orders/test"), ("POST", "/api/v3/order/test")]
    assert vu.test_client_order_id != up.client_order_id  # the real id stays unused


def test_the_exchange_refusing_a_test_order_raises_its_typed_error(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=Limits(check_balance=False))) as client:
        plan = client.order(
            "binance:BTC/USDT", "buy", qty="0.0003", price=str(mid(box, "binance", "BTCUSDT") * D("0.999"))
        )
        box.faults.next("binance", status=400, endpoint="/api/v3/order/test")
        with pytest.raises(xt.ExchangeError):
            plan.validate()
    assert plan.state == "previewed" and box.orders("binance") == []


@pytest.mark.parametrize(
    ("market", "native", "side", "nudge"),
    [
        ("upbit:BTC/KRW", "KRW-BTC", "buy", D("777.7")),
        ("upbit:BTC/KRW", "KRW-BTC", "sell", D("-777.7")),
        ("binance:BTC/USDT", "BTCUSDT", "buy", D("-0.0049")),
        ("binance:BTC/USDT", "BTCUSDT", "sell", D("0.0049")),
    ],
)
def test_rounding_reaches_the_wire_exactly(
    box: Any, journal: Path, market: str, native: str, side: str, nudge: Decimal
) -> None:
    """An off-tick price is rounded away from the touch; the venue accepts it as sent."""
    bid, ask = (D(x) for x in box.market.best(market.split(":")[0], native))
    typed = (bid if side == "buy" else ask) + nudge  # just off the grid
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        plan = client.order(market, side, qty="0.000123456789", price=str(typed))
        placed = plan.submit(confirm=True)
    tick = D("1000") if native == "KRW-BTC" else D("0.01")
    assert plan.price % tick == 0
    assert (plan.price <= typed) if side == "buy" else (plan.price >= typed)
    assert typed - plan.price < tick if side == "buy" else plan.price - typed < tick
    venue = market.split(":")[0]
    sent = box.orders(venue)[0]
    assert D(str(sent["price"])) == plan.price == placed.price
    qty = D(str(sent["origQty"] if venue == "binance" else sent["volume"]))
    assert qty == plan.qty == (D("0.00012") if venue == "binance" else D("0.00012345"))


def test_submitting_the_same_plan_again_places_one_order(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        plan = upbit_buy(client, box)
        first = plan.submit(confirm=True)
        second = plan.submit(confirm=True)
        third = plan.submit()  # even without confirm: it only reports the outcome
        assert first is second is third and isinstance(first, Placement)
        assert plan.state == "placed" and first.order_id in repr(plan)
        with pytest.raises(xt.InvalidArgument, match="already submitted"):
            plan.validate()
    assert client_ids(box, "upbit") == [plan.client_order_id]
    assert len(order_posts(box)) == 1


def test_a_recreated_identical_plan_is_refused_as_a_repeat(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        price = str(mid(box, "upbit", "KRW-BTC"))
        client.order("upbit:BTC/KRW", "buy", qty="0.0003", price=price).submit(confirm=True)
        again = client.order("upbit:BTC/KRW", "buy", qty="0.0003", price=price)  # the cell ran twice
        with pytest.raises(xt.LimitExceeded) as err:
            again.submit(confirm=True)
        assert err.value.rule == "repeat"
    assert len(box.orders("upbit")) == 1


def test_client_order_ids_are_never_reused(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        upbit_buy(client, box, client_order_id="my-order-1").submit(confirm=True)
        with pytest.raises(xt.InvalidArgument, match="used before"):
            upbit_buy(client, box, qty="0.0004", client_order_id="my-order-1")
        with pytest.raises(xt.InvalidArgument, match="1-36 characters"):
            upbit_buy(client, box, client_order_id="bad id")
    assert client_ids(box, "upbit") == ["my-order-1"]


def test_float_inputs_warn_and_stay_exact(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client, pytest.warns(FloatInputWarning):
        plan = client.order(
            "binance:BTC/USDT", "sell", qty=0.0003, price=float(mid(box, "binance", "BTCUSDT"))
        )
    assert plan.qty == D("0.0003")


def test_kill_switch_stops_every_path(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        plan = upbit_buy(client, box)
        xt.kill()
        try:
            with pytest.raises(xt.KillSwitchOn):
                plan.submit(confirm=True)
            spec = OrderSpec(
                native="KRW-BTC",
                side="buy",
                type="limit",
                client_order_id="xt-raw-1",
                qty=D("0.0003"),
                price=plan.price,
            )
            venue = client.venue("upbit")
            with pytest.raises(xt.KillSwitchOn):
                client.send("upbit", venue.adapter.place_call(spec))
            with pytest.raises(xt.KillSwitchOn):
                client.request(
                    "binance",
                    "order_new",
                    {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
                )
            assert plan.validate().exchange == "upbit"  # asking is still allowed
            assert plan.state == "validated"
        finally:
            xt.resume()
        placed = plan.submit(confirm=True)
    assert order_posts(box, include_tests=False)[0].path == "/v1/orders"
    assert client_ids(box, "upbit") == [placed.client_order_id]


def test_cancel_all_needs_confirm_and_shows_what_it_would_cancel(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=Limits(repeat_window_s=0))) as client:
        low = str(mid(box, "upbit", "KRW-BTC") * D("0.98"))
        plans = [client.order("upbit:BTC/KRW", "buy", qty=q, price=low) for q in ("0.0001", "0.0002")]
        plans.append(
            client.order(
                "binance:BTC/USDT", "buy", qty="0.0003", price=str(mid(box, "binance", "BTCUSDT") * D("0.98"))
            )
        )
        for p in plans:
            p.submit(confirm=True)
        with pytest.raises(ConfirmationRequired) as err:
            client.cancel_all()
        assert len(err.value.preview) == 3 and plans[0].client_order_id in str(err.value)
        assert not [r for r in box.requests.snapshot() if r.method == "DELETE"]
        xt.kill()  # cancelling stays allowed while the kill switch is on
        try:
            done = client.cancel_all(confirm=True)
        finally:
            xt.resume()
        assert sorted(done["client_order_id"]) == sorted(p.client_order_id for p in plans)
        assert list(done.columns) == list(xt.SCHEMAS["orders"])
        deadline = time.monotonic() + 5
        while len(client.open_orders()) and time.monotonic() < deadline:  # Upbit cancels asynchronously
            time.sleep(0.05)
        assert len(client.open_orders()) == 0
        assert len(client.cancel_all(confirm=True)) == 0
    events = [json.loads(line)["event"] for line in journal.read_text().splitlines()]
    assert events.count("cancel_all") == 2


def test_order_frames_find_the_order_by_client_id(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        resting = str(mid(box, "binance", "BTCUSDT") * D("1.01"))
        plan = client.order("binance:BTC/USDT", "sell", qty="0.0003", price=resting)
        placed = plan.submit(confirm=True)
        status = client.order_status("binance:BTC/USDT", client_order_id=plan.client_order_id)
        assert status["order_id"].tolist() == [placed.order_id] and status["status"].tolist() == ["open"]
        assert plan.client_order_id in client.open_orders("binance:BTC/USDT")["client_order_id"].tolist()
        assert plan.client_order_id in client.order_history("binance:BTC/USDT")["client_order_id"].tolist()
        df = client.journal()
        assert df["client_order_id"].tolist() == [plan.client_order_id]
        assert (df["state"].tolist(), df["verdict"].tolist()) == (["placed"], ["OPEN"])


def test_no_secret_in_any_repr_error_frame_or_journal(box: Any, journal: Path) -> None:
    creds = {
        "binance": box.add_account("binance", {"USDT": "100", "BTC": "0.01"}),
        "upbit": box.add_account("upbit", {"KRW": "100000", "BTC": "0.01"}),
    }
    secrets = [c.key for c in creds.values()] + [c.secret for c in creds.values()]
    seen: list[str] = []
    with xt.Client(
        **sandbox_kwargs(box, journal, credentials=creds, limits=Limits(repeat_window_s=0))
    ) as client:
        plan = upbit_buy(client, box)
        seen += [repr(plan), plan._repr_html_(), repr(plan.validate())]
        placed = plan.submit(confirm=True)
        seen += [repr(placed), placed._repr_html_(), repr(plan), str(plan.snapshot)]
        box.faults.next("upbit", kind="lose_response", endpoint="/v1/orders")
        # A guard refusal (over the 50,000 KRW cap at any price), then a lost answer (an order
        # of 40,000 KRW, under the cap whatever the date's BTC price).
        under_cap = (D(40_000) / mid(box, "upbit", "KRW-BTC")).quantize(D("0.00000001"))
        for qty in ("0.01", str(under_cap)):
            try:
                upbit_buy(client, box, qty=qty).submit(confirm=True)
            except xt.XtoolkitError as exc:
                seen += [str(exc), repr(exc), repr(exc.payload), repr(vars(exc))]
        seen += [client.journal().to_string(), client.reconcile().to_string(), repr(client)]
    seen.append(journal.read_text())
    blob = "\n".join(seen)
    assert "max_order_notional" in blob and "OrderStatusUnknown" in blob
    for secret in secrets:
        assert secret not in blob and secret[:12] not in blob


async def test_async_client_plans_are_awaited(box: Any, journal: Path) -> None:
    async with xt.AsyncClient(**sandbox_kwargs(box, journal)) as ac:
        plan = await ac.order("upbit:BTC/KRW", "buy", qty="0.0003", price=str(mid(box, "upbit", "KRW-BTC")))
        with pytest.raises(xt.InvalidArgument, match=r"await plan\.asubmit"):
            plan.submit(confirm=True)
        assert isinstance(await plan.avalidate(), Validation)
        first, second = await asyncio.gather(plan.asubmit(confirm=True), plan.asubmit(confirm=True))
        assert first is second
    assert client_ids(box, "upbit") == [plan.client_order_id]


async def test_blocking_client_plans_can_be_awaited_from_a_running_loop(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        plan = binance_sell(client, box)
        placed = await plan.asubmit(confirm=True)
        assert (await plan.asubmit(confirm=True)) is placed
    assert client_ids(box, "binance") == [plan.client_order_id]


def test_intent_and_request_are_on_disk_before_the_request_leaves(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal)) as client:
        plan = upbit_buy(client, box)
        engine, seen_on_disk = client.engine, []
        real_send = engine.send

        async def send(exchange: str, call: Any) -> Any:
            if call.endpoint == "order_new":
                lines = [json.loads(line) for line in journal.read_text().splitlines()]
                seen_on_disk.append([(e["event"], e["cid"]) for e in lines])
                assert lines[-1]["params"]["identifier"] == plan.client_order_id
            return await real_send(exchange, call)

        engine.send = send  # type: ignore[method-assign]
        plan.submit(confirm=True)
    cid = plan.client_order_id
    assert seen_on_disk == [[("intent", cid), ("send", cid)]]
    assert [e["event"] for e in map(json.loads, journal.read_text().splitlines())] == [
        "intent",
        "send",
        "placed",
    ]
