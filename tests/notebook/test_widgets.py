"""Widget logic without a browser: set ``.value``, call ``.click()``, read the panel's state.

The panels' contracts are tested here against small fakes (fast, exact); the sandbox test
module drives the same panels against real venues.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from xtoolkit import InvalidArgument, MinNotional

pytest.importorskip("ipywidgets")

from xtoolkit.widgets import (
    ErrorBox,
    ExchangePicker,
    MarketPicker,
    OrderTicket,
    RefreshControls,
    common_bases,
    mode_of,
)


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


# --- fakes ------------------------------------------------------------------------------------


@dataclass
class FakeVenue:
    sandbox: bool


@dataclass
class FakePlan:
    market: str
    side: str
    inputs: dict[str, Any]
    refuse: Exception | None = None
    validated: int = 0
    submitted: int = 0

    def validate(self) -> None:
        self.validated += 1
        if self.refuse is not None:
            raise self.refuse

    def submit(self, *, confirm: bool = False) -> dict[str, Any]:
        if not confirm:
            raise InvalidArgument("confirm=True is required")
        self.submitted += 1
        return {"status": "dry-run", "market": self.market}

    def _repr_html_(self) -> str:
        return f"<b>PLAN {self.side} {self.inputs['qty']} {self.market}</b>"

    def __repr__(self) -> str:
        return f"FakePlan({self.side} {self.market})"


@dataclass
class FakeClient:
    mode: str = "dry_run"
    sandbox: bool = True
    refuse: Exception | None = None
    plans: list[FakePlan] = field(default_factory=list)

    def venue(self, name: str) -> FakeVenue:
        return FakeVenue(self.sandbox)

    def order(self, market: str, side: str, **inputs: Any) -> FakePlan:
        plan = FakePlan(market, side, inputs, refuse=self.refuse)
        self.plans.append(plan)
        return plan


@dataclass
class FakeManager:
    names: tuple[str, ...] = ("binance", "upbit")
    active: str = "binance"
    fail_on: str | None = None

    def use(self, name: str) -> None:
        if name == self.fail_on:
            raise InvalidArgument(f"{name} is not configured")
        self.active = name

    def info(self) -> pd.DataFrame:
        return pd.DataFrame({"exchange": list(self.names), "active": [n == self.active for n in self.names]})


# --- order ticket -----------------------------------------------------------------------------


def test_confirm_is_only_possible_after_a_preview_and_only_once() -> None:
    client = FakeClient()
    ticket = OrderTicket(client, market="upbit:BTC/KRW")
    assert ticket.confirm_button.disabled
    ticket.confirm_button.click()  # a click on a disabled button still reaches Python in tests
    assert isinstance(ticket.errors.last_error, InvalidArgument) and client.plans == []

    ticket.side.value = "sell"
    ticket.qty.value = " 0.001 "
    ticket.price.value = "95,000,000"
    ticket.preview_button.click()
    assert ticket.errors.last_error is None
    plan = client.plans[-1]
    assert (plan.market, plan.side, plan.inputs) == (
        "upbit:BTC/KRW",
        "sell",
        {"qty": "0.001", "price": "95000000", "quote_qty": None},
    )
    assert plan.validated == 1
    assert "PLAN sell 0.001" in ticket.preview_area.value
    assert not ticket.confirm_button.disabled
    assert "DRY-RUN" in ticket.confirm_button.description

    ticket.confirm_button.click()
    assert plan.submitted == 1 and ticket.submits == 1
    assert ticket.result == {"status": "dry-run", "market": "upbit:BTC/KRW"}
    assert "Result" in ticket.result_area.value
    assert ticket.confirm_button.disabled and ticket.plan is None

    ticket.confirm_button.click()
    assert plan.submitted == 1  # never twice
    assert isinstance(ticket.errors.last_error, InvalidArgument)


def test_editing_any_input_discards_the_preview() -> None:
    client = FakeClient()
    ticket = OrderTicket(client, market="binance:BTC/USDT")
    ticket.qty.value = "0.01"
    ticket.preview()
    assert not ticket.confirm_button.disabled
    ticket.price.value = "1"
    assert ticket.confirm_button.disabled and ticket.plan is None
    assert "preview again" in ticket.preview_area.value
    with pytest.raises(InvalidArgument, match="preview"):
        ticket.confirm()
    ticket.preview()
    ticket.set_market("upbit:BTC/KRW")
    assert ticket.plan is None and ticket.confirm_button.disabled
    assert client.plans[-1].submitted == 0


def test_a_guard_refusal_is_shown_and_logged_not_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient(refuse=MinNotional("order total 100 KRW is below the minimum 5000 KRW"))
    ticket = OrderTicket(client, market="upbit:BTC/KRW")
    ticket.qty.value = "0.0000001"
    with caplog.at_level(logging.ERROR, logger="xtoolkit.widgets"):
        ticket.preview_button.click()
    assert isinstance(ticket.errors.last_error, MinNotional)
    assert "MinNotional" in ticket.errors.widget.value and "below the minimum" in ticket.errors.widget.value
    assert ticket.confirm_button.disabled and ticket.plan is None
    assert any("previewing the order failed" in r.getMessage() for r in caplog.records)
    assert "MinNotional" in ticket.text()


@pytest.mark.parametrize(
    ("mode", "sandbox", "allow", "label"),
    [
        ("dry_run", True, None, "DRY-RUN"),
        ("dry_run", False, "1", "DRY-RUN"),
        ("live", True, None, "SANDBOX"),
        ("live", False, None, "DRY-RUN"),  # live asked, env not set: the order layer says no
        ("live", False, "1", "LIVE"),
    ],
)
def test_the_badge_shows_the_order_layers_decision(
    monkeypatch: pytest.MonkeyPatch, mode: str, sandbox: bool, allow: str | None, label: str
) -> None:
    from xtoolkit.orders.display import MODE_COLORS

    color = MODE_COLORS[label]
    if allow is None:
        monkeypatch.delenv("XTOOLKIT_ALLOW_LIVE", raising=False)
    else:
        monkeypatch.setenv("XTOOLKIT_ALLOW_LIVE", allow)
    client = FakeClient(mode=mode, sandbox=sandbox)
    badge = mode_of(client, "upbit")
    assert (badge.label, badge.color) == (label, color)
    ticket = OrderTicket(client, market="upbit:BTC/KRW")
    assert f">{label}</span>" in ticket.badge.value and color in ticket.badge.value
    assert f"[{label}]" in ticket.text()
    assert ticket.confirm_button.button_style == {"LIVE": "danger", "SANDBOX": "warning"}.get(label, "")


# --- refresh controls -------------------------------------------------------------------------


def test_refresh_button_runs_the_callback_and_shows_its_errors(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    controls = RefreshControls(lambda: calls.append(1))
    controls.button.click()
    controls.button.click()
    assert calls == [1, 1]

    def boom() -> None:
        raise RuntimeError("venue is down")

    failing = RefreshControls(boom)
    with caplog.at_level(logging.ERROR, logger="xtoolkit.widgets"):
        failing.button.click()
    assert isinstance(failing.errors.last_error, RuntimeError)
    assert "venue is down" in failing.errors.widget.value
    assert caplog.records and caplog.records[-1].exc_info is not None


def test_auto_refresh_ticks_in_a_thread_and_stops_cleanly() -> None:
    ticks = threading.Semaphore(0)
    controls = RefreshControls(ticks.release, interval=0.02, min_interval=0.01)
    controls.auto.value = True  # the toggle starts the thread
    assert controls.running
    for _ in range(3):
        assert ticks.acquire(timeout=5)
    controls.auto.value = False
    assert not controls.running
    done = controls.ticks
    time.sleep(0.1)
    assert controls.ticks == done  # nothing ticks after stop
    controls.start()
    assert controls.auto.value and controls.running
    controls.close()
    assert not controls.running


def test_auto_refresh_switches_itself_off_after_repeated_failures() -> None:
    def boom() -> None:
        raise ConnectionError("no route")

    controls = RefreshControls(boom, interval=0.01, min_interval=0.01, max_failures=3)
    controls.start()
    wait_until(lambda: not controls.running)
    assert controls.failures == 3
    assert controls.auto.value is False
    assert "failure 3 of 3" in controls.errors.widget.value


def test_interval_is_bounded() -> None:
    controls = RefreshControls(lambda: None, interval=0.001)
    assert controls.interval.value == 1.0
    controls.interval.value = 10**9
    assert controls.interval.value == 3600.0
    with pytest.raises(ValueError):
        RefreshControls(lambda: None, min_interval=0)


# --- pickers ----------------------------------------------------------------------------------


def test_exchange_picker_selects_through_the_manager() -> None:
    manager = FakeManager()
    seen: list[str] = []
    picker = ExchangePicker(manager, exchanges=["binance", "upbit"], on_change=seen.append)
    assert picker.value == "binance"
    picker.dropdown.value = "upbit"
    assert manager.active == "upbit" and seen == ["upbit"]
    picker.select("binance")
    assert manager.active == "binance" and picker.dropdown.value == "binance" and seen == ["upbit", "binance"]


def test_a_failed_exchange_switch_shows_the_error_and_the_real_active_venue() -> None:
    manager = FakeManager(fail_on="upbit")
    picker = ExchangePicker(manager, exchanges=["binance", "upbit"])
    picker.dropdown.value = "upbit"
    assert isinstance(picker.errors.last_error, InvalidArgument)
    assert picker.dropdown.value == "binance" and manager.active == "binance"
    with pytest.raises(InvalidArgument):
        picker.select("upbit")


def test_market_picker_offers_bases_both_venues_list() -> None:
    markets = pd.DataFrame(
        {
            "exchange": ["binance"] * 5 + ["upbit"] * 5,
            "base": ["BTC", "ETH", "AAVE", "ZRX", "BNB", "BTC", "ETH", "AAVE", "ZRX", "USDT"],
            "quote": ["USDT", "USDT", "USDT", "BTC", "USDT", "KRW", "KRW", "KRW", "KRW", "KRW"],
            "status": ["TRADING"] * 6 + ["CAUTION", "TRADING", "TRADING", "TRADING"],
        }
    )
    bases = common_bases(markets, {"binance": "USDT", "upbit": "KRW"})
    assert bases == ["BTC", "ETH", "AAVE"]  # popular first; ZRX is not a USDT market on Binance
    markets.loc[2, "status"] = "BREAK"
    assert common_bases(markets, {"binance": "USDT", "upbit": "KRW"}) == ["BTC", "ETH"]

    seen: list[str] = []
    picker = MarketPicker(bases, value="ETH", on_change=seen.append)
    assert picker.value == "ETH" and picker.bases == bases
    picker.dropdown.value = "AAVE"
    assert seen == ["AAVE"]
    with pytest.raises(ValueError, match="both venues"):
        MarketPicker([])


def test_errors_in_market_callbacks_land_in_the_box() -> None:
    def boom(base: str) -> None:
        raise KeyError(base)

    picker = MarketPicker(["BTC", "ETH"], on_change=boom)
    picker.dropdown.value = "ETH"
    assert isinstance(picker.errors.last_error, KeyError)
    assert "switching market" in picker.errors.widget.value


# --- text fallback and the import guard -------------------------------------------------------


def test_panels_degrade_to_text() -> None:
    client = FakeClient()
    ticket = OrderTicket(client, market="upbit:BTC/KRW")
    bundle = ticket._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == ticket.text() == repr(ticket)
    assert ticket.text().startswith("OrderTicket upbit:BTC/KRW [DRY-RUN]")
    box = ErrorBox()
    assert box.text() == ""
    box.show("testing", ValueError("<b>bad</b>"))
    assert "&lt;b&gt;bad&lt;/b&gt;" in box.widget.value  # escaped, never injected
    assert box.text() == "error while testing: ValueError: <b>bad</b>"
    box.clear()
    assert box.widget.value == "" and box.last_error is None


def test_missing_ipywidgets_is_an_import_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "xtoolkit.widgets" or m.startswith("xtoolkit.widgets.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"pip install 'xtoolkit\[notebook\]'"):
        import xtoolkit.widgets  # noqa: F401
