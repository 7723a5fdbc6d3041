"""Charts of the executable premium: net premium by size (both directions) and the scanner."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from xtoolkit import InvalidArgument, charts
from xtoolkit._frames import frame
from xtoolkit.research import exec_schemas  # noqa: F401  (registers the executable kinds)

pytest.importorskip("plotly")

DIRECTIONS = ("binance_to_upbit", "upbit_to_binance")


def curve(*, net: bool = True) -> pd.DataFrame:
    """executable_premium rows at four sizes; the largest size does not fill."""
    sizes = [0.1, 1.0, 5.0, 20.0]
    cols: dict[str, list] = {k: [] for k in ("base", "direction", "fx_basis", "size", "size_in", "filled")}
    cols |= {"premium_net_exec_bps": [], "premium_after_fees_exec_bps": []}
    for size in sizes:
        for i, d in enumerate(DIRECTIONS):
            ok = size < 20
            cols["base"].append("BTC")
            cols["direction"].append(d)
            cols["fx_basis"].append("upbit:USDT/KRW executable")
            cols["size"].append(size)
            cols["size_in"].append("base")
            cols["filled"].append(ok)
            after = (30.0 - size) * (1 if i == 0 else -1) if ok else math.nan
            cols["premium_after_fees_exec_bps"].append(after)
            cols["premium_net_exec_bps"].append(after - 2 if (ok and net) else math.nan)
    return frame("executable_premium", cols)


def test_premium_by_size_draws_one_line_per_direction_and_marks_unfilled_sizes() -> None:
    fig = charts.premium_by_size(curve())
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == [
        "binance_to_upbit · upbit:USDT/KRW executable",
        "upbit_to_binance · upbit:USDT/KRW executable",
    ]
    assert [t.line.dash for t in lines] == ["solid", "dash"]
    assert list(lines[0].x) == [0.1, 1.0, 5.0, 20.0]
    assert list(lines[0].y)[:3] == [27.9, 27.0, 23.0] and math.isnan(list(lines[0].y)[3])
    (missed,) = [t for t in fig.data if t.name == "not filled"]
    assert list(missed.x) == [20.0, 20.0]
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.title.text == "size (BTC)"
    assert fig.layout.title.text == "BTC executable premium by size"


def test_premium_by_size_falls_back_to_after_fees_without_routes() -> None:
    fig = charts.premium_by_size(curve(net=False)).to_plotly_json()
    names = [t["name"] for t in fig["data"] if t["mode"] == "lines+markers"]
    assert all(n.endswith("(no transfer)") for n in names)
    assert all(t["line"]["dash"] == "dot" for t in fig["data"] if t["mode"] == "lines+markers")
    only_net = charts.premium_by_size(curve(net=False), fallback=None).to_plotly_json()
    assert not any(n.endswith("(no transfer)") for n in (t["name"] for t in only_net["data"]))


def scan() -> pd.DataFrame:
    cols: dict[str, list] = {
        "rank": [1, 2, 3],
        "base": ["PEPE", "ARB", "BTC"],
        "premium_gross_mid_bps": [240.0, -230.0, 10.0],
        "upbit_warning": [True, False, False],
        "upbit_caution_any": [False, True, False],
        "books_fetched": [True, False, False],
        "premium_net_exec_binance_to_upbit_bps": [130.0, None, None],
        "premium_net_exec_upbit_to_binance_bps": [-300.0, None, None],
    }
    return frame("premium_scan", cols)


def test_scanner_bars_biggest_on_top_with_warnings_coloured_and_net_markers() -> None:
    fig = charts.scanner(scan(), top=2)
    bar = fig.data[0]
    assert bar.type == "bar" and list(bar.y) == ["ARB", "PEPE"]  # largest |premium| on top
    assert list(bar.marker.color) == ["#d97706", "#dc2626"]  # caution amber, warning red
    nets = list(fig.data[1:])
    assert [t.name for t in nets] == [
        "net executable · binance_to_upbit",
        "net executable · upbit_to_binance",
    ]
    assert list(nets[0].x)[1] == 130.0


def test_chart_columns_are_checked() -> None:
    with pytest.raises(InvalidArgument, match="premium_net_exec_bps"):
        charts.premium_by_size(pd.DataFrame({"size": [1.0]}))
    with pytest.raises(InvalidArgument):
        charts.scanner(pd.DataFrame({"base": ["BTC"]}))
    empty = charts.scanner(frame("premium_scan")).to_plotly_json()
    assert any(a["text"] == "no data" for a in empty["layout"]["annotations"])
