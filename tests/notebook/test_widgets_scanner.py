"""The scanner panel and the dashboard's scanner tab against the sandbox (no browser)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import xtoolkit as xt
from clockpins import PINNED

pytest.importorskip("ipywidgets")
pytest.importorskip("anywidget")

from xtoolkit.widgets import Dashboard, ScannerPanel


@pytest.fixture(scope="module")
def box() -> Iterator[Any]:
    from xtoolkit.sandbox import Sandbox

    # Pinned: which coins rank top changes with the sandbox's clock, and some of them have no
    # open transfer route (no net figure) — on an unpinned sandbox the first assertion below
    # failed at some hours of the day (at 2026-12-03 09:00 UTC it ranks ARB and SUI, both closed).
    with Sandbox(seed=7, freeze=True, now=PINNED) as sandbox:
        yield sandbox


@pytest.fixture()
def client(box: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[xt.Client]:
    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path))
    with xt.Client(**box.connect_kwargs(), use_env=False) as c:
        yield c


def test_the_size_control_drives_the_scan(client: xt.Client, box: Any) -> None:
    panel = ScannerPanel(client, size=1000, top=2)
    assert panel.frame.empty and "not loaded" in panel.text()
    panel.button.click()
    assert panel.errors.last_error is None, panel.errors.text()
    first = panel.frame
    assert list(first.columns) == list(xt.SCHEMAS["premium_scan"])
    assert int(first.books_fetched.sum()) == 2 and set(first[first.books_fetched].exec_size) == {1000.0}
    assert first.premium_net_exec_binance_to_upbit_bps[first.books_fetched].notna().any()
    assert "premium_net_exec_binance_to_upbit_bps" in panel.table.value

    panel.size.value = 50_000.0
    panel.top.value = 3
    box.requests.clear()
    panel.button.click()
    assert panel.errors.last_error is None, panel.errors.text()
    assert int(panel.frame.books_fetched.sum()) == 3
    assert set(panel.frame[panel.frame.books_fetched].exec_size) == {50_000.0}
    assert sum(1 for r in box.requests if r.path == "/api/v3/depth") == 3
    assert "50,000 USDT for the top 3" in panel.text()
    assert panel._repr_mimebundle_()["text/plain"] == panel.text()


def test_the_dashboard_scans_when_its_tab_opens(client: xt.Client) -> None:
    dash = Dashboard(client, base="BTC", history=5, scan_size=2000, scan_top=1)
    assert dash.scanner.updated is None  # nothing asked for until shown
    dash.tabs.selected_index = dash.tabs.titles.index("Scanner")
    assert dash.errors.last_error is None, dash.errors.text()
    assert dash.scanner.updated is not None and int(dash.scanner.frame.books_fetched.sum()) == 1
    assert "ScannerPanel: premium scan of" in dash.text()
    dash.close()
