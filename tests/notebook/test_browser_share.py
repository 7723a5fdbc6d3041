"""Real browser, the other two ways a researcher meets a notebook (issue 18).

1. JupyterLab (installed by ``pip install -e '.[notebook]'``): the dashboard notebook opened
   and run in JupyterLab shows its live widgets — the spread chart drawn by plotly's widget.
2. An executed notebook exported with ``jupyter nbconvert --to html --execute``, opened from
   disk in Chromium with the network cut: its charts and the live panel's static snapshot are
   drawn (plotly.js embedded once, no CDN).

Screenshots go to ``out/test-artifacts/`` (or ``$XTOOLKIT_ARTIFACTS``): ``jupyterlab.png``
and ``export.png``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nb_support
import pytest
from nb_support import ROOT, LabServer, artifacts_dir

pytestmark = pytest.mark.browser

chromium = nb_support.chromium
jupyter_lab = nb_support.jupyter_lab

#: The live spread chart drawn by plotly's FigureWidget, with points in it.
LIVE_CHART = (
    "() => { const el = document.querySelector('.xt-spread-chart.js-plotly-plot');"
    " return !!(el && el.data && el.data.length > 0 && el.data[0].y && el.data[0].y.length > 0); }"
)


def test_dashboard_notebook_runs_live_in_jupyterlab(jupyter_lab: LabServer, chromium: Any) -> None:
    from playwright.sync_api import Error as PlaywrightError

    ctx = chromium.new_context(viewport={"width": 1280, "height": 1800}, device_scale_factor=1)
    ctx.route("https://**/*", lambda route: route.abort())  # offline
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    shot = artifacts_dir() / "jupyterlab.png"
    try:
        started = time.perf_counter()
        page.goto(
            f"{jupyter_lab.url}/lab/tree/00_dashboard.ipynb?token={jupyter_lab.token}&reset", timeout=90_000
        )
        # The notebook is open and its kernel is idle: then run every cell, as a user would.
        page.wait_for_function(
            "() => { const app = window.jupyterapp; const w = app && app.shell.currentWidget;"
            " return !!(w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel"
            " && w.sessionContext.session.kernel.status === 'idle'); }",
            timeout=120_000,
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(LIVE_CHART, timeout=150_000)
        loaded = time.perf_counter() - started
        title = page.evaluate(
            "() => document.querySelector('.xt-spread-chart.js-plotly-plot').layout.title.text"
        )
        assert "BTC" in title
        # The live widgets are there: pickers, the refresh button, the order ticket.
        for selector in (".xt-exchange-picker select", ".xt-market-picker select", "button.xt-refresh"):
            assert page.locator(selector).count() >= 1, selector
        # The static snapshot (for HTML export) is in the outputs but hidden once live.
        snapshots = page.locator(".xt-snapshot")
        assert snapshots.count() >= 1, "the dashboard's static snapshot output is missing"
        assert not snapshots.first.is_visible(), "the snapshot shows next to the live dashboard"
        page.wait_for_timeout(500)  # let plotly finish drawing before the picture
        page.screenshot(path=str(shot))
        print(f"\njupyterlab: dashboard live after {loaded:.1f} s, chart {title!r}; screenshot: {shot}")
    except (AssertionError, PlaywrightError):
        if not page.is_closed():
            page.screenshot(path=str(artifacts_dir() / "jupyterlab-failure.png"))
        print(f"page errors: {errors}\njupyterlab log tail:\n{jupyter_lab.log_tail()}")
        raise
    finally:
        ctx.close()
    assert shot.stat().st_size > 10_000


def test_exported_notebook_html_shows_charts_and_the_panel_offline(tmp_path: Path, chromium: Any) -> None:
    from playwright.sync_api import Error as PlaywrightError

    source = ROOT / "notebooks" / "02_kimchi_premium.ipynb"
    work = tmp_path / "export"
    work.mkdir()
    (work / source.name).write_bytes(source.read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("XTOOLKIT_LIVE", "XTOOLKIT_ALLOW_LIVE")}
    env.update(TQDM_DISABLE="1", XTOOLKIT_HOME=str(tmp_path / "home"))
    # Exactly the README's command for sharing a notebook as HTML.
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute", source.name],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    html_file = work / "02_kimchi_premium.html"
    text = html_file.read_text()
    size = html_file.stat().st_size
    # plotly.js once (its banner), not once per figure, and never from a CDN.
    assert text.count("plotly.js v") == 1, text.count("plotly.js v")
    assert 'src="https://cdn.plot.ly' not in text and 'import "https://cdn.plot.ly' not in text
    ctx = chromium.new_context(viewport={"width": 1200, "height": 1600}, device_scale_factor=1)
    ctx.route("http*://**/*", lambda route: route.abort())  # the file must stand on its own
    page = ctx.new_page()
    shot = artifacts_dir() / "export.png"
    try:
        page.goto(html_file.as_uri(), timeout=60_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=60_000
        )
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".filter(el => el.data && el.data.length > 0 && el.querySelector('.main-svg'))"
            ".map(el => (el.layout && el.layout.title && el.layout.title.text) || '')"
        )
        assert len(drawn) >= 4, drawn
        assert any("premium distribution" in t for t in drawn), drawn
        assert any("depth" in t for t in drawn), drawn
        # The live panel, as its static snapshot: visible, with its chart drawn inside.
        panel = page.locator(".xt-snapshot").first
        assert panel.is_visible(), "the live panel left no visible snapshot in the export"
        assert panel.locator(".js-plotly-plot .main-svg").count() >= 1
        assert "Kimchi premium panel" in panel.inner_text()
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(shot))
        print(f"\nexport: {size / 1e6:.2f} MB, {len(drawn)} charts drawn offline: {drawn}")
        print(f"screenshot: {shot}")
    except (AssertionError, PlaywrightError):
        if not page.is_closed():
            page.screenshot(path=str(artifacts_dir() / "export-failure.png"), full_page=True)
        raise
    finally:
        ctx.close()
    assert shot.stat().st_size > 10_000
