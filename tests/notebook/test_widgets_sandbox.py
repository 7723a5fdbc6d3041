"""The panels against the sandbox: real venues, real research and order layers, no browser.

Widgets are driven the way a user would: set ``.value``, ``.click()`` buttons, switch tabs —
then the panels' frames, figures and text are read back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import xtoolkit as xt

pytest.importorskip("ipywidgets")
pytest.importorskip("anywidget")

from xtoolkit.widgets import BalancesPanel, BookPanel, Dashboard, OrderTicket, SpreadPanel
from xtoolkit.widgets._live import LiveFigure

FX = ["upbit", 1385.0]


@pytest.fixture(scope="module")
def box() -> Iterator[Any]:
    from xtoolkit.sandbox import Sandbox

    with Sandbox(seed=7, freeze=True) as sandbox:
        yield sandbox


@pytest.fixture()
def home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The order journal in a scratch folder, and no live opt-in from the environment."""
    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path))
    monkeypatch.delenv("XTOOLKIT_ALLOW_LIVE", raising=False)


@pytest.fixture()
def client(box: Any, home: None) -> Iterator[xt.Client]:
    with xt.Client(**box.connect_kwargs(), use_env=False, mode="live") as c:
        yield c


def lines(panel: SpreadPanel) -> dict[str, Any]:
    """The chart's premium lines by name (flagged-sample marker traces left out)."""
    return {t.name: t for t in panel.figure.data if t.mode == "lines"}


def y_of(panel: SpreadPanel) -> list[list[float]]:
    return [list(t.y) for t in lines(panel).values()]


# --- the dashboard ----------------------------------------------------------------------------


def test_dashboard_pickers_refresh_and_ticket_on_the_sandbox(client: xt.Client, box: Any) -> None:
    dash = Dashboard(client, base="BTC", fx=FX, history=30)
    assert dash.errors.last_error is None, dash.errors.text()
    assert list(lines(dash.spread)) == ["upbit:USDT/KRW", "USD/KRW 1385"]  # a fixed rate is labelled with it
    assert dash.spread.figure.layout.title.text.startswith("BTC")
    assert set(dash.spread.frame.fx_source) == {"upbit:USDT/KRW", "user"}
    assert len(dash.spread.frame) == 2 * 31  # 30 candles + 1 snapshot per basis
    assert "BTC" in dash.market.bases and "ETH" in dash.market.bases
    assert ">SANDBOX</span>" in dash.header.value and "active: <b>binance</b>" in dash.header.value
    assert dash.balances is not None and len(dash.balances.frame) > 0
    assert dash.balances.total > 0

    btc = y_of(dash.spread)
    dash.market.dropdown.value = "ETH"
    assert dash.errors.last_error is None, dash.errors.text()
    assert dash.spread.figure.layout.title.text.startswith("ETH")
    assert y_of(dash.spread) != btc
    assert set(dash.spread.frame.base) == {"ETH"}
    assert dash.ticket.market == "binance:ETH/USDT"

    dash.exchange.dropdown.value = "upbit"
    assert dash.manager.active == "upbit"
    assert dash.ticket.market == "upbit:ETH/KRW"
    assert "active: <b>upbit</b>" in dash.header.value

    points = len(dash.spread.frame)
    box.market.step(3)  # prices move
    dash.controls.button.click()
    assert dash.errors.last_error is None, dash.errors.text()
    assert len(dash.spread.frame) == points + 2
    assert [len(t.y) for t in lines(dash.spread).values()] == [32, 32]

    # The depth tab is fetched when opened, for the current market.
    assert dash.book.book.empty
    dash.tabs.selected_index = dash.tabs.titles.index("Depth")
    assert dash.errors.last_error is None, dash.errors.text()
    assert set(dash.book.book.exchange) == {"binance", "upbit"}
    assert dash.book.figure.layout.title.text.startswith("ETH")
    assert "application/vnd.plotly.v1+json" in dash.book.output.outputs[0]["data"]

    text = dash.text()
    for part in ("xtoolkit dashboard", "SpreadPanel ETH", "BalancesPanel", "OrderTicket upbit:ETH/KRW"):
        assert part in text
    bundle = dash._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle
    dash.close()
    assert not dash.controls.running


def test_ticket_places_one_order_on_the_sandbox_and_shows_refusals(client: xt.Client, box: Any) -> None:
    before = len(box.orders("upbit"))
    ticket = OrderTicket(client, market="upbit:BTC/KRW")
    assert ticket.mode.label == "SANDBOX"
    ticket.qty.value = "0.0002"
    ticket.price.value = "88000000"
    ticket.preview_button.click()
    assert ticket.errors.last_error is None, ticket.errors.text()
    assert "SANDBOX" in ticket.preview_area.value
    ticket.confirm_button.click()
    assert ticket.errors.last_error is None, ticket.errors.text()
    assert ticket.result.order_id
    assert len(box.orders("upbit")) == before + 1
    ticket.confirm_button.click()  # disarmed: nothing more is sent
    assert len(box.orders("upbit")) == before + 1

    ticket.qty.value = "0.00001"  # 880 KRW: under Upbit's 5,000 KRW minimum
    ticket.preview_button.click()
    assert isinstance(ticket.errors.last_error, xt.GuardError)
    assert ticket.confirm_button.disabled
    assert len(box.orders("upbit")) == before + 1


def test_ticket_in_dry_run_sends_nothing(box: Any, home: None) -> None:
    with xt.Client(**box.connect_kwargs(), use_env=False) as dry:
        before = len(box.orders("upbit"))
        ticket = OrderTicket(dry, market="upbit:BTC/KRW")
        assert ">DRY-RUN</span>" in ticket.badge.value
        ticket.qty.value = "0.0002"
        ticket.price.value = "87000000"
        ticket.preview_button.click()
        assert ticket.errors.last_error is None, ticket.errors.text()
        ticket.confirm_button.click()
        assert isinstance(ticket.errors.last_error, xt.DryRunBlocked)
        assert "nothing was sent" in ticket.errors.widget.value
        assert len(box.orders("upbit")) == before


def test_the_kill_switch_reaches_the_ticket(client: xt.Client, box: Any) -> None:
    ticket = OrderTicket(client, market="upbit:BTC/KRW")
    ticket.qty.value = "0.0002"
    ticket.price.value = "86000000"
    ticket.preview()
    before = len(box.orders("upbit"))
    xt.kill()
    ticket.confirm_button.click()
    assert isinstance(ticket.errors.last_error, xt.KillSwitchOn)
    assert len(box.orders("upbit")) == before


# --- single panels ----------------------------------------------------------------------------


def test_spread_panel_grows_in_place_and_stays_bounded(client: xt.Client, box: Any) -> None:
    panel = SpreadPanel(client, base="XRP", fx=FX, history=0, max_rows=3)
    widget = panel.figure
    for _ in range(5):
        box.market.step(1)
        panel.refresh()
    assert panel.figure is widget  # updated in place, never replaced
    assert panel.refreshes == 5
    assert len(panel.frame) == 2 * 3  # bounded per basis
    assert [len(t.y) for t in lines(panel).values()] == [3, 3]
    assert panel.frame.ts.is_monotonic_increasing
    assert "XRP · updated" in panel.text() and "upbit:USDT/KRW" in panel.text()


def test_panels_raise_in_code_and_show_in_the_ui(box: Any, home: None) -> None:
    closed = xt.Client(**box.connect_kwargs(), use_env=False)
    panel = BookPanel(closed, base="BTC")
    closed.close()
    with pytest.raises(xt.ClientClosed):
        panel.refresh()
    balances = BalancesPanel(closed)
    balances.button.click()
    assert isinstance(balances.errors.last_error, xt.ClientClosed)
    assert "ClientClosed" in balances.errors.widget.value


def test_a_failing_venue_is_shown_in_the_snapshot_not_hidden(client: xt.Client, box: Any) -> None:
    panel = SpreadPanel(client, base="BTC", fx="upbit", history=0)
    box.faults.next("binance", status=503, count=10)
    try:
        panel.refresh()
    finally:
        box.faults.clear()
    assert panel.snapshot["error"].notna().all()
    assert "ExchangeUnavailable" in panel.table.value or "503" in panel.table.value
    assert pd.isna(panel.snapshot["premium_pct"]).all()


# --- the live chart's watchdog ----------------------------------------------------------------


def _figure(n: int) -> Any:
    from xtoolkit import charts

    ts = pd.date_range("2025-01-01", periods=n, freq="1min", tz="UTC")
    return charts.premium(pd.DataFrame({"ts": ts, "premium_pct": range(n), "fx_source": "user"}))


def test_a_deaf_view_gets_a_fresh_chart() -> None:
    live = LiveFigure(_figure(3), classes=["xt-test"], ack_timeout=0.05, max_rebuilds=1)
    first = live.widget
    first._view_count = 1  # as if a browser showed it ...
    live.show(_figure(5))  # ... and never acknowledged this edit
    deadline = time.monotonic() + 5
    while live.rebuilds == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert live.rebuilds == 1
    assert live.widget is not first and live.container.children == (live.widget,)
    assert len(live.widget.data[0].y) == 5 and "xt-test" in live.widget._dom_classes
    live.widget._view_count = 1
    live.show(_figure(6))
    time.sleep(0.2)
    assert live.rebuilds == 1  # bounded by max_rebuilds
    live.close()


def test_an_answering_or_absent_view_is_left_alone() -> None:
    live = LiveFigure(_figure(3), ack_timeout=0.05)
    widget = live.widget
    live.show(_figure(4))  # no view: nothing to watch
    widget._view_count = 1
    live.show(_figure(5))
    widget._trace_edit_in_process = False  # what plotly does when the browser acknowledges
    time.sleep(0.2)
    assert live.rebuilds == 0 and live.widget is widget
    live.close()
