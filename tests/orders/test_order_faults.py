"""Submitting through faults: lost answers, 5xx, timeouts, drops, 429, -1021, interrupts, restarts.

In every case: at most one order per plan on the venue, the journal knows about it before it
is sent, and reconciliation ends with a verdict that matches what the venue holds.
"""

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
from xtoolkit.orders import Limits, OrderPlan
from xtoolkit.orders.journal import Journal, venue_id

D = Decimal
box = orderkit.box  # fixtures
journal = orderkit.journal
FAST = Limits(visibility_s=0.3, repeat_window_s=0)
ORDER_PATH = {"upbit": "/v1/orders", "binance": "/api/v3/order"}
MARKET = {
    "upbit": ("upbit:BTC/KRW", "KRW-BTC", "0.0003"),
    "binance": ("binance:BTC/USDT", "BTCUSDT", "0.0003"),
}


def plan_for(client: xt.Client, box: Any, venue: str, side: str = "buy") -> OrderPlan:
    market, native, qty = MARKET[venue]
    return client.order(market, side, qty=qty, price=str(D(box.market.mid(venue, native))))


def events(path: Path, cid: str) -> list[str]:
    return [e["event"] for e in map(json.loads, path.read_text().splitlines()) if e["cid"] == cid]


@pytest.mark.parametrize("venue", ["upbit", "binance"])
def test_lost_response_is_reconciled_to_the_one_order(box: Any, journal: Path, venue: str) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = plan_for(client, box, venue)
        box.faults.next(venue, kind="lose_response", endpoint=ORDER_PATH[venue])
        with pytest.raises(xt.OrderStatusUnknown) as err:
            plan.submit(confirm=True)
        assert err.value.client_order_id == plan.client_order_id
        assert plan.state == "unknown" and "reconcile" in repr(plan)
        assert client_ids(box, venue) == [plan.client_order_id]  # it was placed
        verdicts = client.reconcile()
        assert verdicts["client_order_id"].tolist() == [plan.client_order_id]
        assert verdicts["verdict"].iloc[0] in ("OPEN", "FILLED", "PARTIALLY_FILLED")
        assert list(verdicts.columns) == [
            "client_order_id",
            "exchange",
            "symbol",
            "verdict",
            "order_id",
            "status",
            "filled_qty",
            "attempts",
            "detail",
        ]
        posts = len(order_posts(box))
        placed = plan.submit(confirm=True)  # re-running the cell: the found order, nothing re-sent
        assert placed.via == "reconciled" and placed.order_id == verdicts["order_id"].iloc[0]
        assert plan.submit(confirm=True) is placed and len(order_posts(box)) == posts
    assert client_ids(box, venue) == [plan.client_order_id]
    assert events(journal, plan.client_order_id) == ["intent", "send", "unknown", "resolved"]
    assert Journal(journal).unresolved() == []


def test_rerunning_submit_after_a_lost_answer_reconciles_by_itself(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = plan_for(client, box, "upbit")
        box.faults.next("upbit", kind="lose_response", endpoint="/v1/orders")
        with pytest.raises(xt.OrderStatusUnknown):
            plan.submit(confirm=True)
        placed = plan.submit(confirm=True)
        assert placed.via == "reconciled" and plan.state == "placed"
    assert client_ids(box, "upbit") == [plan.client_order_id]


@pytest.mark.parametrize(
    ("venue", "fault"),
    [
        ("upbit", {"status": 500}),
        ("binance", {"status": 503}),
        ("upbit", {"kind": "drop"}),
        ("binance", {"kind": "malformed"}),
        ("binance", {"kind": "timeout", "delay": 1}),
    ],
)
def test_no_reliable_answer_and_not_placed_resolves_not_found(
    box: Any, journal: Path, venue: str, fault: dict[str, Any]
) -> None:
    kw = sandbox_kwargs(box, journal, limits=FAST, timeout=xt.Timeout(connect=2, read=0.5))
    with xt.Client(**kw) as client:
        plan = plan_for(client, box, venue)
        box.faults.next(venue, endpoint=ORDER_PATH[venue], **fault)
        with pytest.raises(xt.OrderStatusUnknown) as err:
            plan.submit(confirm=True)
        assert err.value.client_order_id == plan.client_order_id
        with pytest.raises(xt.OrderNotFound, match="never placed"):
            plan.reconcile()
        assert plan.state == "not_placed"
        with pytest.raises(xt.OrderNotFound):  # the plan is spent: nothing is re-sent, ever
            plan.submit(confirm=True)
    deadline = time.monotonic() + 5  # a held ("timeout") request is logged when the venue lets go
    while not [r for r in order_posts(box) if r.path == ORDER_PATH[venue]] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len([r for r in order_posts(box) if r.path == ORDER_PATH[venue]]) == 1  # never retried
    assert box.orders(venue) == []
    rec = Journal(journal).get(plan.client_order_id)
    assert rec is not None and rec.verdict == "NOT_FOUND"


def test_rate_limited_order_is_refused_and_spends_the_plan(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = plan_for(client, box, "upbit")
        box.faults.next("upbit", status=429, endpoint="/v1/orders")
        with pytest.raises(xt.RateLimited):
            plan.submit(confirm=True)
        time.sleep(0.05)
        with pytest.raises(xt.RateLimited):
            plan.submit(confirm=True)  # the same refusal, remembered
        assert plan.state == "rejected"
    assert len(order_posts(box)) == 1 and box.orders("upbit") == []
    assert events(journal, plan.client_order_id) == ["intent", "send", "rejected"]


def test_exchange_refusal_is_final(box: Any, journal: Path) -> None:
    poor = box.add_account("binance", {"USDT": "1"})
    kw = sandbox_kwargs(
        box,
        journal,
        credentials={"binance": poor},
        exchanges=["binance"],
        base_urls={"binance": box.url},
        limits=Limits(check_balance=False),
    )
    with xt.Client(**kw) as client:
        plan = plan_for(client, box, "binance")
        with pytest.raises(xt.InsufficientFunds):
            plan.submit(confirm=True)
        with pytest.raises(xt.InsufficientFunds):
            plan.submit(confirm=True)
    assert len(order_posts(box)) == 1
    assert Journal(journal).get(plan.client_order_id).state == "rejected"  # type: ignore[union-attr]


def test_clock_skew_is_resigned_once_by_the_transport_only(
    box: Any, journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = plan_for(client, box, "binance", side="sell")  # signed reads sync the clock first
        desk = client._engine._orders
        fresh = desk._fresh_checks

        async def checks_then_skew(p: Any) -> Any:
            # submit re-reads balances (signed) first; skew only after, so the order meets it
            out = await fresh(p)
            box.faults.clock_skew("binance", ms=7000)  # our next timestamp is now 7 s stale: -1021
            return out

        monkeypatch.setattr(desk, "_fresh_checks", checks_then_skew)
        placed = plan.submit(confirm=True)
    posts = [r for r in order_posts(box) if r.path == "/api/v3/order"]
    assert [r.status for r in posts] == [400, 200]  # one rejection before matching, one re-signed send
    assert client_ids(box, "binance") == [placed.client_order_id]


async def test_interrupted_submit_is_journaled_and_reconciled(box: Any, journal: Path) -> None:
    async with xt.AsyncClient(**sandbox_kwargs(box, journal, limits=FAST)) as ac:
        mid = D(box.market.mid("upbit", "KRW-BTC"))
        plan = await ac.order("upbit:BTC/KRW", "buy", qty="0.0003", price=str(mid))
        box.faults.next("upbit", kind="delay", delay=0.4, endpoint="/v1/orders")  # held, then placed
        task = asyncio.ensure_future(plan.asubmit(confirm=True))
        deadline = time.monotonic() + 5
        while not (journal.exists() and "send" in events(journal, plan.client_order_id)):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # the request is on the wire, held by the venue
        task.cancel()  # the kernel was interrupted mid-request
        with pytest.raises(asyncio.CancelledError):
            await task
        assert plan.state == "unknown"
        assert events(journal, plan.client_order_id) == ["intent", "send", "unknown"]
        while not box.orders("upbit") and time.monotonic() < deadline:  # the venue still places it
            await asyncio.sleep(0.05)
        placed = await plan.asubmit(confirm=True)
        assert placed.via == "reconciled"
    assert client_ids(box, "upbit") == [plan.client_order_id]


def test_pending_intents_are_resolved_on_the_next_start(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as first:
        lost = plan_for(first, box, "upbit")
        box.faults.next("upbit", kind="lose_response", endpoint="/v1/orders")
        with pytest.raises(xt.OrderStatusUnknown):
            lost.submit(confirm=True)
        venue = first.venue("binance")
        vid = venue_id("binance", venue.base_url, venue.credentials, sandbox=True)
    # A crash between the journal write and the send: the intent is on disk, no order anywhere.
    Journal(journal).append(
        "intent",
        "xt-crashed-before-send",
        venue=vid,
        order={
            "market": "binance:BTC/USDT",
            "native": "BTCUSDT",
            "side": "buy",
            "type": "limit",
            "price": "1",
            "qty": "1",
            "quote_qty": None,
        },
        notional="1",
        quote="USDT",
        mode="SANDBOX",
    )
    assert {r.cid for r in Journal(journal).unresolved()} == {lost.client_order_id, "xt-crashed-before-send"}
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as second:
        second.order("upbit:BTC/KRW", "buy", quote_qty="10000")  # the first order call resolves them
        df = second.journal()
    verdicts = dict(zip(df["client_order_id"], df["verdict"], strict=True))
    assert verdicts["xt-crashed-before-send"] == "NOT_FOUND"
    assert verdicts[lost.client_order_id] in ("OPEN", "FILLED")
    assert Journal(journal).unresolved() == []
    assert client_ids(box, "upbit") == [lost.client_order_id] and box.orders("binance") == []


def test_an_unresolvable_order_blocks_new_orders_on_that_venue(box: Any, journal: Path) -> None:
    kw = sandbox_kwargs(box, journal, limits=FAST, retries=0)
    with xt.Client(**kw) as client:
        plan = plan_for(client, box, "upbit")
        box.faults.next("upbit", kind="lose_response", endpoint="/v1/orders")
        with pytest.raises(xt.OrderStatusUnknown):
            plan.submit(confirm=True)
        box.faults.next("upbit", status=503, endpoint="/v1/order", count=1000)  # lookups fail
        nxt = client.order("upbit:BTC/KRW", "buy", quote_qty="10000")
        assert not nxt.ok and nxt.failures[0].rule == "unresolved_orders"
        with pytest.raises(xt.LimitExceeded) as err:
            nxt.submit(confirm=True)
        assert err.value.rule == "unresolved_orders" and plan.client_order_id in str(err.value)
        other = plan_for(client, box, "binance")  # another venue is unaffected
        other.submit(confirm=True)
        box.faults.clear()
        assert client.reconcile()["verdict"].tolist() != ["UNKNOWN"]
        nxt2 = client.order("upbit:BTC/KRW", "buy", quote_qty="10001")
        nxt2.submit(confirm=True)
    assert sorted(client_ids(box, "upbit")) == sorted([plan.client_order_id, nxt2.client_order_id])


def test_reconcile_one_id_and_unknown_ids(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = plan_for(client, box, "binance")
        placed = plan.submit(confirm=True)
        one = client.reconcile(plan.client_order_id)
        assert one["order_id"].tolist() == [placed.order_id]
        with pytest.raises(xt.InvalidArgument, match="no order intent"):
            client.reconcile("xt-nope")
        assert len(client.reconcile()) == 0  # nothing pending


def test_binance_absence_is_proven_by_its_recv_window(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, recv_window_ms=5000, limits=Limits(visibility_s=2))) as c:
        desk = c.engine._orders
        assert desk.absent_after("binance") == 5.5  # recvWindow + 0.5 s: the venue refuses older requests
        assert desk.absent_after("upbit") == 2  # no such rule on Upbit: the configured judgement
    with pytest.raises(xt.InvalidArgument, match="mode must be"):
        xt.Client(**sandbox_kwargs(box, journal, mode="paper"))
    with pytest.raises(xt.InvalidArgument, match="Limits"):
        xt.Client(**sandbox_kwargs(box, journal, limits={"max_open_orders": 3}))
