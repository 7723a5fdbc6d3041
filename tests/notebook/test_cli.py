"""``xtoolkit --help`` and the demo's files, as a newcomer reads them (issue 18, item 8)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from xtoolkit import cli

#: Binary float noise as it shows in text (``0.30000000000000004``, ``0.1999999999999``): a
#: run of 9+ zeros then a stray digit, or of 9+ nines. Fixed decimals (``0.00000000``) are fine.
NOISE = re.compile(r"\.\d*(0{9,}[1-9]|9{9,})")


def test_help_has_no_rest_markup(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "xtoolkit demo" in out
    assert "``" not in out and "`" not in out


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("plotly")
    out = tmp_path_factory.mktemp("demo")
    assert cli.main(["demo", "--out", str(out)]) == 0
    return out


def test_demo_csvs_carry_market_precision_and_no_float_noise(demo_out: Path) -> None:
    for path in sorted(demo_out.glob("*.csv")):
        text = path.read_text()
        assert not NOISE.search(text), f"{path.name}: {NOISE.search(text).group(0)}"
    with (demo_out / "tickers.csv").open() as f:
        rows = list(csv.DictReader(f))
    for column in ("bid", "ask", "last", "bid_qty"):
        places = {len(r[column].partition(".")[2]) for r in rows if r[column]}
        assert len(places) == 1, f"tickers.csv {column}: decimals vary {places}"


def test_demo_chart_html_is_small_enough_to_mail(demo_out: Path) -> None:
    page = demo_out / "premium_chart.html"
    assert page.stat().st_size < 300_000, page.stat().st_size  # was 4.8 MB with plotly.js inlined
    assert 'src="plotly.min.js"' in page.read_text()
    assert (demo_out / "plotly.min.js").exists()
    report = (demo_out / "report.html").read_text()
    assert report.count('class="xt-chart"') == 3 and report.count("plotly.js v") == 1
