"""Order-safety invariants under hostile answers (issue 12, defects 1-7).

Each test names the defect it pins. All run against the in-process sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import orderkit
import pytest
from orderkit import client_ids, order_posts, sandbox_kwargs
from scripted_server import Reply, ScriptedServer

import xtoolkit as xt
from xtoolkit import _killswitch
from xtoolkit.exchanges.upbit.rest import _state as upbit_state
from xtoolkit.orders import Limits
from xtoolkit.orders.desk import RECHECK_AT_S, recheck_due
from xtoolkit.orders.journal import Journal

D = Decimal
box = orderkit.box
journal = orderkit.journal
FAST = Limits(visibility_s=0.3, repeat_window_s=0)
ORDER_PATH = {"upbit": "/v1/orders", "binance": "/api/v3/order"}
MARKET = {"upbit": ("upbit:BTC/KRW", "KRW-BTC"), "binance": ("binance:BTC/USDT", "BTCUSDT")}


def _plan(client: xt.Client, box: Any, venue: str, qty: str = "0.0003", factor: str = "1") -> Any:
    market, native = MARKET[venue]
    return client.order(market, "buy", qty=qty, price=str(D(box.market.mid(venue, native)) * D(factor)))


# --- defect 1: a 2xx of an unexpected shape -------------------------------------------------


@pytest.mark.parametrize(
    "body", ["null", "[]", "{}", '{"orderId": [1], "status": {}}', '[[[[[[[[["x"]]]]]]]]]']
)
def test_d1_wrong_shape_2xx_is_unknown_and_the_plan_is_spent(box: Any, journal: Path, body: str) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = _plan(client, box, "binance")
        box.faults.next("binance", kind="shape", endpoint=ORDER_PATH["binance"], body=body)
        with pytest.raises(xt.OrderStatusUnknown) as err:
            plan.submit(confirm=True)
        assert err.value.client_order_id == plan.client_order_id
        posts = len(order_posts(box, include_tests=False))
        placed = plan.submit(confirm=True)  # re-running the cell looks the order up, never re-sends
        assert placed.via == "reconciled"
        assert len(order_posts(box, include_tests=False)) == posts == 1
    assert client_ids(box, "binance") == [plan.client_order_id]


# --- defect 2: the dry-run back door ----------------------------------------------------------


def test_d2_raw_order_requests_on_a_dry_run_client_are_refused(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, mode="dry_run")) as client:
        with pytest.raises(xt.DryRunBlocked):
            client.request(
                "binance",
                "order_new",
                {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
            )
        with pytest.raises(xt.DryRunBlocked):
            client.request(
                "upbit",
                "order_new",
                {"market": "KRW-BTC", "side": "bid", "ord_type": "price", "price": "10000"},
            )
        plan = _plan(client, box, "upbit")
        assert plan.validate().exchange == "upbit"  # the test-order endpoint still works
    assert order_posts(box, include_tests=False) == []
    assert box.orders("binance") == [] and box.orders("upbit") == []


# --- defect 3: the kill switch after waits, on re-sign, across processes ----------------------


def test_d3_kill_during_a_429_pause_stops_the_waiting_order(box: Any, journal: Path) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = _plan(client, box, "upbit")
        client.venue("upbit").gate.pause(1.5)  # as after a 429: every request waits this out
        threading.Timer(0.3, xt.kill).start()
        with pytest.raises(xt.KillSwitchOn):
            plan.submit(confirm=True)
    assert order_posts(box, include_tests=False) == []


def test_d3_kill_before_the_1021_resend_stops_it(box: Any, journal: Path, monkeypatch: Any) -> None:
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = _plan(client, box, "binance")
        transport = client._engine._transport
        real = transport.sync_clock

        async def sync_then_kill(venue: Any, *, force: bool = False) -> None:
            await real(venue, force=force)
            if force:  # the -1021 path: the user hits the switch while we re-sync
                xt.kill()

        desk = client._engine._orders
        fresh = desk._fresh_checks

        async def checks_then_skew(p: Any) -> Any:
            out = await fresh(p)  # the signed balance reads come first: skew only after them
            box.faults.clock_skew("binance", 5000)  # so the order itself is refused with -1021
            monkeypatch.setattr(transport, "sync_clock", sync_then_kill)
            return out

        monkeypatch.setattr(desk, "_fresh_checks", checks_then_skew)
        with pytest.raises(xt.KillSwitchOn):
            plan.submit(confirm=True)
    posts = [r for r in order_posts(box) if r.path == ORDER_PATH["binance"]]
    assert [r.status for r in posts] == [400]  # refused by -1021, then never re-sent
    assert box.orders("binance") == []


def test_d3_a_kill_in_another_process_stops_this_one(box: Any, journal: Path) -> None:
    env = dict(os.environ)
    code = "import xtoolkit as xt; xt.kill()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert xt.killed()
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:
        plan = _plan(client, box, "upbit")
        with pytest.raises(xt.KillSwitchOn):
            plan.submit(confirm=True)
        with pytest.raises(xt.KillSwitchOn):
            client.request(
                "upbit",
                "order_new",
                {"market": "KRW-BTC", "side": "bid", "ord_type": "price", "price": "10000"},
            )
        subprocess.run(
            [sys.executable, "-c", "import xtoolkit as xt; xt.resume()"], env=env, check=True, timeout=60
        )
        assert not xt.killed()
        assert plan.submit(confirm=True).client_order_id == plan.client_order_id
    assert _killswitch.switch_path().parent == Path(os.environ["XTOOLKIT_HOME"])


# --- defect 4: "not found" stays provisional ----------------------------------------------------


def test_d4_an_order_upbit_applies_late_is_found_by_the_recheck(box: Any, journal: Path) -> None:
    limits = Limits(visibility_s=0.3, repeat_window_s=0, not_found_horizon_s=60)
    kw = sandbox_kwargs(box, journal, limits=limits, timeout=xt.Timeout(connect=2, read=0.3))
    with xt.Client(**kw) as client:
        plan = _plan(client, box, "upbit")
        # Held 1.5 s: the client times out, looks the order up (not there yet), then Upbit applies it.
        box.faults.next("upbit", kind="late", endpoint=ORDER_PATH["upbit"], delay=1.5)
        with pytest.raises(xt.OrderStatusUnknown):
            plan.submit(confirm=True)
        with pytest.raises(xt.OrderNotFound, match="provisional"):
            plan.reconcile()
        rec = Journal(journal).get(plan.client_order_id)
        assert rec is not None and rec.state == "provisional" and rec.counts
        deadline = time.monotonic() + 10
        while not client_ids(box, "upbit") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client_ids(box, "upbit") == [plan.client_order_id]  # the venue applied it after all
        verdicts = client.reconcile()
        assert verdicts["verdict"].tolist() in (["OPEN"], ["FILLED"], ["PARTIALLY_FILLED"])
    rec = Journal(journal).get(plan.client_order_id)
    assert rec is not None and rec.state == "resolved" and rec.verdict != "NOT_FOUND"


def test_d4_recheck_schedule() -> None:
    assert RECHECK_AT_S[:4] == (1, 2, 5, 10)
    assert recheck_due(1.2, 0.5, 120) and not recheck_due(1.5, 1.2, 120)
    assert recheck_due(5.1, 2.5, 120) and recheck_due(120, 119.9, 120)


# --- defect 5: guards on fresh state --------------------------------------------------------------


def test_d5_max_open_orders_reads_fresh_state_at_submit(box: Any, journal: Path) -> None:
    limits = Limits(max_open_orders=1, repeat_window_s=0)
    with xt.Client(**sandbox_kwargs(box, journal, limits=limits)) as client:
        a = _plan(client, box, "upbit", factor="0.98")
        b = _plan(client, box, "upbit", qty="0.0002", factor="0.98")
        a.submit(confirm=True)
        with pytest.raises(xt.LimitExceeded, match=r"max_open_orders|already open"):
            b.submit(confirm=True)
    assert client_ids(box, "upbit") == [a.client_order_id]


def test_d5_balance_guard_reads_fresh_balances_at_submit(box: Any, journal: Path) -> None:
    limits = Limits(repeat_window_s=0, max_order_notional={"KRW": 10**12}, max_daily_notional={"KRW": 10**13})
    with xt.Client(**sandbox_kwargs(box, journal, limits=limits)) as client:
        free = D(str(client.balances("upbit").set_index("asset").loc["KRW", "free"]))
        price = D(box.market.mid("upbit", "KRW-BTC")) * D("0.98")
        qty = (free * D("0.6") / price).quantize(D("0.0001"))
        a = client.order("upbit:BTC/KRW", "buy", qty=str(qty), price=str(price))
        b = client.order("upbit:BTC/KRW", "buy", qty=str(qty), price=str(price))
        a.submit(confirm=True)
        with pytest.raises(xt.GuardError, match=r"balance|free"):
            b.submit(confirm=True)
    assert client_ids(box, "upbit") == [a.client_order_id]


# --- defect 6: Upbit market buy ending in "cancel" with a fill -----------------------------------


def test_d6_upbit_market_buy_cancel_with_fill_is_filled() -> None:
    order = {"state": "cancel", "ord_type": "price", "executed_volume": "0.0001", "side": "bid"}
    assert upbit_state(order) == "filled"
    assert upbit_state({**order, "ord_type": "market", "side": "ask"}) == "filled"
    assert upbit_state({**order, "executed_volume": "0"}) == "canceled"
    assert upbit_state({**order, "ord_type": "limit"}) == "canceled"


# --- defect 7: an order in flight is not an "unknown outcome" ----------------------------------


def test_d7_a_submit_while_another_is_in_flight_says_so(box: Any, journal: Path) -> None:
    limits = Limits(max_open_orders=1, repeat_window_s=0)
    with xt.Client(**sandbox_kwargs(box, journal, limits=limits)) as client:
        a = _plan(client, box, "upbit", factor="0.98")
        b = _plan(client, box, "upbit", qty="0.0002", factor="0.98")
        box.faults.next("upbit", kind="delay", endpoint=ORDER_PATH["upbit"], delay=1.0)
        t = threading.Thread(target=a.submit, kwargs={"confirm": True})
        t.start()
        deadline = time.monotonic() + 5
        while (
            '"send"' not in (journal.read_text() if journal.exists() else "") and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        time.sleep(0.1)  # a's request is now held by the venue: in flight, not unknown
        with pytest.raises(xt.LimitExceeded) as err:
            b.submit(confirm=True)
        t.join(10)
        assert "awaiting the venue's answer" in str(err.value)
        assert "unknown outcome" not in str(err.value)
    assert client_ids(box, "upbit") == [a.client_order_id]
    assert json.loads(journal.read_text().splitlines()[-1])["event"] in ("placed", "refused")


# --- defect 15: a sandbox proves it is one ---------------------------------------------------


def test_d15_a_loopback_host_without_the_sandbox_token_is_not_trusted(box: Any, journal: Path) -> None:
    # A "tunnel to a real venue" on 127.0.0.1: it takes orders, but serves no sandbox token.
    tunnel = ScriptedServer().start()
    try:
        tunnel.default("POST", "/v1/orders", Reply(body={"uuid": "u-1", "state": "wait"}))
        kw = dict(
            base_urls={"binance": tunnel.url, "upbit": tunnel.url},
            credentials={
                "binance": (orderkit.KEY_B, orderkit.SECRET_B),
                "upbit": (orderkit.KEY_U, orderkit.SECRET_U),
            },
            sandbox=True,
            use_env=False,
            mode="live",
            journal=journal,
            timeout=xt.Timeout(connect=2, read=2),
        )
        with xt.Client(**kw) as client, pytest.raises(xt.DryRunBlocked, match="ALLOW_LIVE"):
            client.request(
                "upbit",
                "order_new",
                {"market": "KRW-BTC", "side": "bid", "ord_type": "price", "price": "10000"},
            )
        assert tunnel.count("/v1/orders") == 0
    finally:
        tunnel.stop()
    with xt.Client(**sandbox_kwargs(box, journal, limits=FAST)) as client:  # the real sandbox: trusted
        placed = _plan(client, box, "upbit").submit(confirm=True)
    assert client_ids(box, "upbit") == [placed.client_order_id]
