"""Charts: DataFrame + column names in, go.Figure out — asserted on ``fig.to_plotly_json()``."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xtoolkit import InvalidArgument, charts
from xtoolkit._frames import frame as build

pytest.importorskip("plotly")

FX = ("upbit:USDT/KRW", "user")
#: How the bases are named in legends: a fixed user rate shows its rate (the frame keeps "user").
SHOWN = ("upbit:USDT/KRW", "USD/KRW 1400")


def history(n: int = 60, *, base: str = "BTC", fx: tuple[str, ...] = FX, flag_every: int = 0) -> pd.DataFrame:
    """A premium_history-shaped frame (built with the research schema, so names stay in sync)."""
    ts = pd.date_range("2025-03-01 00:00", periods=n, freq="1min", tz="UTC")
    cols: dict[str, list] = {
        k: []
        for k in (
            "ts",
            "base",
            "fx_source",
            "upbit_close",
            "binance_close",
            "fx_rate",
            "binance_close_krw",
            "premium_pct",
            "premium_bps",
            "filled_upbit",
            "filled_binance",
            "filled_fx",
        )
    }
    for j, source in enumerate(fx):
        prem = 2.0 + j * 0.5 + np.sin(np.arange(n) / 7.0) * 0.3
        rate = 1440.0 - j * 40
        binance = 97_000.0 + np.arange(n) * 5.0
        cols["ts"] += list(ts)
        cols["base"] += [base] * n
        cols["fx_source"] += [source] * n
        cols["binance_close"] += list(binance)
        cols["fx_rate"] += [rate] * n
        cols["binance_close_krw"] += list(binance * rate)
        cols["upbit_close"] += list(binance * rate * (1 + prem / 100))
        cols["premium_pct"] += list(prem)
        cols["premium_bps"] += list(prem * 100)
        cols["filled_upbit"] += [bool(flag_every) and i % flag_every == 0 for i in range(n)]
        cols["filled_binance"] += [False] * n
        cols["filled_fx"] += [False] * n
    return build("premium_history", cols)


def book() -> pd.DataFrame:
    rows: dict[str, list] = {
        k: []
        for k in (
            "exchange",
            "symbol",
            "side",
            "level",
            "price",
            "qty",
            "price_n",
            "notional_n",
            "cum_qty",
            "cum_notional_n",
            "distance_pct",
        )
    }
    for exchange, symbol, shift in (("binance", "BTC/USDT", 0.0), ("upbit", "BTC/KRW", 150.0)):
        for side, sign in (("bid", -1), ("ask", 1)):
            cum_q = cum_n = 0.0
            for level in range(5):
                price_n = 97_000 + shift + sign * (5 + 10 * level)
                qty = 0.5 + level * 0.1
                cum_q += qty
                cum_n += qty * price_n
                rows["exchange"].append(exchange)
                rows["symbol"].append(symbol)
                rows["side"].append(side)
                rows["level"].append(level)
                rows["price"].append(price_n * (1440 if exchange == "upbit" else 1))
                rows["qty"].append(qty)
                rows["price_n"].append(price_n)
                rows["notional_n"].append(qty * price_n)
                rows["cum_qty"].append(cum_q)
                rows["cum_notional_n"].append(cum_n)
                rows["distance_pct"].append(abs(price_n / (97_000 + shift) - 1) * 100)
    return build("book", rows)


def xs(trace: dict) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(trace["x"])))


def arr(values: object) -> np.ndarray:
    """A trace's numbers from ``to_plotly_json`` (plotly ships numeric arrays base64-typed)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


@pytest.fixture(autouse=True)
def _fresh_defaults():
    charts.reset_defaults()
    yield
    charts.reset_defaults()


# --- premium ----------------------------------------------------------------------------------


def test_premium_one_line_per_fx_basis_with_the_frames_timestamps() -> None:
    h = history(30)
    j = charts.premium(h).to_plotly_json()
    assert [t["name"] for t in j["data"]] == list(SHOWN)
    assert all(t["type"] == "scatter" and t["mode"] == "lines" for t in j["data"])
    for t, source in zip(j["data"], FX, strict=True):
        rows = h[h.fx_source == source]
        assert (xs(t) == rows.ts.dt.tz_localize(None).to_numpy()).all()
        np.testing.assert_allclose(arr(t["y"]), rows.premium_pct.to_numpy())
    layout = j["layout"]
    assert layout["xaxis"]["title"]["text"] == "time (UTC)"
    assert layout["yaxis"]["title"]["text"] == "premium (%)"
    assert layout["title"]["text"] == "BTC kimchi premium"
    assert layout["template"]["layout"]  # the shared look is applied


def test_premium_marks_filled_and_stale_samples() -> None:
    h = history(40, flag_every=10)
    h.loc[5, "filled_fx"] = True  # any flag column counts
    j = charts.premium(h).to_plotly_json()
    names = [t["name"] for t in j["data"]]
    assert names == [SHOWN[0], f"{SHOWN[0]} · filled/stale", SHOWN[1], f"{SHOWN[1]} · filled/stale"]
    marked = j["data"][1]
    assert marked["mode"] == "markers" and marked["marker"]["symbol"] == "circle-open"
    flagged = h[(h.fx_source == FX[0]) & (h.filled_upbit | h.filled_fx)]
    assert (xs(marked) == flagged.ts.dt.tz_localize(None).to_numpy()).all()
    assert len(j["data"][3]["x"]) == 4  # the other basis: only its filled_upbit rows

    snap = h.drop(columns=["filled_upbit", "filled_binance", "filled_fx"]).assign(stale=False)
    snap.loc[snap.index[-1], "stale"] = True
    names = [t["name"] for t in charts.premium(snap).to_plotly_json()["data"]]
    assert names == [SHOWN[0], SHOWN[1], f"{SHOWN[1]} · filled/stale"]


def test_premium_time_axis_in_another_zone_is_labelled_and_shifted() -> None:
    h = history(3, fx=("user",))
    j = charts.premium(h, tz="Asia/Seoul").to_plotly_json()
    assert j["layout"]["xaxis"]["title"]["text"] == "time (Asia/Seoul)"
    assert xs(j["data"][0])[0] == pd.Timestamp("2025-03-01 09:00")
    charts.defaults.tz = "Asia/Seoul"
    assert charts.premium(h).layout.xaxis.title.text == "time (Asia/Seoul)"


def test_premium_custom_column_names() -> None:
    h = history(10).rename(columns={"ts": "time", "premium_pct": "kp", "fx_source": "basis"})
    j = charts.premium(h, x="time", y="kp", color="basis").to_plotly_json()
    assert [t["name"] for t in j["data"]] == list(SHOWN)
    with pytest.raises(InvalidArgument, match=r"\['premium_pct'\]"):
        charts.premium(h, x="time", color="basis")
    with pytest.raises(InvalidArgument, match="DataFrame"):
        charts.premium([1, 2, 3])  # type: ignore[arg-type]


def test_premium_several_bases_split_lines_per_base() -> None:
    h = pd.concat([history(5, base="BTC"), history(5, base="ETH")], ignore_index=True)
    fig = charts.premium(h)
    assert [t.name for t in fig.data] == [f"{b} · {s}" for b in ("BTC", "ETH") for s in SHOWN]
    assert fig.layout.title.text == "Kimchi premium"


def test_premium_long_series_are_downsampled_keeping_extremes() -> None:
    h = history(20_000, fx=("user",))
    h.loc[12_345, "premium_pct"] = 9.5
    h.loc[777, "premium_pct"] = -4.0
    t = charts.premium(h, max_points=1000).to_plotly_json()["data"][0]
    y = arr(t["y"])
    assert len(y) <= 1000
    assert y.max() == 9.5 and y.min() == -4.0
    x = xs(t)
    assert x.is_monotonic_increasing and x[0] == h.ts.iloc[0].tz_localize(None)
    charts.defaults.max_points = 500
    assert len(charts.premium(h).data[0].y) <= 500


def test_downsample_returns_short_frames_unchanged_and_checks_its_bound() -> None:
    h = history(10)
    assert charts.downsample(h, y="premium_pct", max_points=100) is h
    with pytest.raises(InvalidArgument):
        charts.downsample(h, y="premium_pct", max_points=1)


def test_empty_history_is_an_empty_chart_saying_so() -> None:
    fig = charts.premium(history(0))
    assert fig.data == ()
    assert [a.text for a in fig.layout.annotations] == ["no data"]


# --- prices, depth, distribution --------------------------------------------------------------


def test_prices_compare_both_venues_in_one_currency() -> None:
    h = history(20)
    j = charts.prices(h).to_plotly_json()
    assert [t["name"] for t in j["data"]] == ["Upbit", f"Binance × {SHOWN[0]}", f"Binance × {SHOWN[1]}"]
    upbit = j["data"][0]
    assert len(upbit["x"]) == 20  # one Upbit line, not one per basis
    assert (xs(upbit) == h.ts.iloc[:20].dt.tz_localize(None).to_numpy()).all()
    np.testing.assert_allclose(arr(j["data"][2]["y"]), h[h.fx_source == FX[1]].binance_close_krw.to_numpy())
    assert j["layout"]["yaxis"]["title"]["text"] == "price (KRW)"
    assert j["layout"]["title"]["text"] == "BTC price on both venues"
    assert upbit["line"]["color"] == charts.defaults.venue_colors["upbit"]


def test_prices_read_a_mid_history_by_its_own_columns() -> None:
    close = history(20)
    mid = close.rename(
        columns={
            "upbit_close": "upbit_mid",
            "binance_close": "binance_mid",
            "binance_close_krw": "binance_mid_krw",
            "upbit_close_usdt": "upbit_mid_usdt",
        }
    )
    mid.attrs["price"] = "mid"
    j = charts.prices(mid).to_plotly_json()
    assert [t["name"] for t in j["data"]] == ["Upbit", f"Binance × {SHOWN[0]}", f"Binance × {SHOWN[1]}"]
    np.testing.assert_allclose(arr(j["data"][0]["y"]), mid.drop_duplicates("ts").upbit_mid.to_numpy())
    np.testing.assert_allclose(arr(j["data"][2]["y"]), mid[mid.fx_source == FX[1]].binance_mid_krw.to_numpy())


def test_depth_draws_cumulative_steps_per_venue_and_side() -> None:
    b = book()
    j = charts.depth(b, x="price_n").to_plotly_json()
    assert [t["name"] for t in j["data"]] == ["binance bids", "binance asks", "upbit bids", "upbit asks"]
    bids, asks = j["data"][0], j["data"][1]
    bx, ax = arr(bids["x"]), arr(asks["x"])
    assert (np.diff(bx) > 0).all() and (np.diff(ax) > 0).all()
    assert bx.max() < ax.min()
    assert bids["line"]["shape"] == "vh" and asks["line"]["shape"] == "hv"
    assert bids["fill"] == "tozeroy"
    expected = b[(b.exchange == "upbit") & (b.side == "ask")].sort_values("price_n")
    np.testing.assert_allclose(arr(j["data"][3]["y"]), expected.cum_notional_n)
    assert j["layout"]["xaxis"]["title"]["text"] == "price (USDT)"
    assert j["layout"]["yaxis"]["title"]["text"] == "cumulative size (USDT)"
    assert j["data"][2]["line"]["color"] == charts.defaults.venue_colors["upbit"]
    assert charts.depth(b, y="cum_qty").layout.yaxis.title.text == "cumulative size (BTC)"


def test_distribution_histogram_per_basis_with_mean_and_percentile_lines() -> None:
    h = history(200)
    j = charts.premium_distribution(h, percentiles=(5, 95)).to_plotly_json()
    assert [(t["type"], t["name"]) for t in j["data"]] == [("histogram", s) for s in SHOWN]
    shapes = j["layout"]["shapes"]
    assert len(shapes) == 2 * 3
    user = h[h.fx_source == "user"].premium_pct
    assert shapes[3]["x0"] == pytest.approx(user.mean())
    assert shapes[5]["x0"] == pytest.approx(np.percentile(user, 95))
    assert shapes[3]["line"]["dash"] == "solid" and shapes[4]["line"]["dash"] == "dot"
    texts = [a["text"] for a in j["layout"]["annotations"]]
    assert f"USD/KRW 1400 mean {user.mean():.2f}%" in texts
    # Every label on its own row: labels of nearby lines never print over each other.
    ys = [a["y"] for a in j["layout"]["annotations"]]
    assert len(set(ys)) == len(ys) == 6
    rows_px = min(abs(a - b) for a in ys for b in ys if a != b) * (j["layout"]["height"] - 88 - 56)
    assert rows_px >= 11 + 4, "rows closer than the label font"
    assert j["layout"]["barmode"] == "overlay"
    with pytest.raises(InvalidArgument):
        charts.premium_distribution(h, percentiles=(150,))


# --- the shared look --------------------------------------------------------------------------


def test_one_resettable_defaults_object_styles_every_chart() -> None:
    h = history(5)
    charts.defaults.height = 333
    charts.defaults.template = "simple_white"
    charts.defaults.venue_colors["upbit"] = "#000000"
    for fig in (charts.premium(h), charts.prices(h), charts.depth(book()), charts.premium_distribution(h)):
        assert fig.layout.height == 333
        assert fig.layout.font.family == charts.defaults.font_family
    assert charts.prices(h).data[0].line.color == "#000000"
    charts.reset_defaults()
    assert charts.defaults.height == 420
    assert charts.defaults.venue_colors["upbit"] != "#000000"
    assert charts.premium(h, height=250).layout.height == 250


# --- live figures and export ------------------------------------------------------------------


def test_update_figure_changes_a_figure_widget_in_place() -> None:
    pytest.importorskip("anywidget")
    fw = charts.figure_widget(charts.premium(history(10)))
    before = list(fw.data[0].y)
    ident = id(fw.data[0])
    charts.update_figure(fw, charts.premium(history(12).assign(premium_pct=lambda d: d.premium_pct + 1)))
    assert id(fw.data[0]) == ident  # same trace object: updated, not rebuilt
    assert len(fw.data[0].y) == 12 and fw.data[0].y[0] == pytest.approx(before[0] + 1)
    charts.update_figure(fw, charts.premium(history(5, fx=("user",), base="ETH")))
    assert [t.name for t in fw.data] == ["USD/KRW 1440"]  # history(fx=("user",)) rates 1440
    assert fw.layout.title.text == "ETH kimchi premium"


def test_write_html_is_self_contained(tmp_path: Path) -> None:
    out = charts.write_html(charts.premium(history(5)), tmp_path / "sub" / "p.html")
    text = out.read_text(encoding="utf-8")
    assert out == tmp_path / "sub" / "p.html"
    assert "BTC kimchi premium" in text
    # plotly.js is inlined (no <script src=...> to a CDN), so the page opens offline.
    assert "<script src=" not in text and len(text) > 1_000_000


def test_write_png_without_a_browser_is_a_typed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "find_browser", lambda: None)
    with pytest.raises(charts.ChartExportError, match="Chromium"):
        charts.write_png(charts.premium(history(5)), tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


def test_write_png_renders_with_local_chromium(tmp_path: Path) -> None:
    if charts.find_browser() is None:
        pytest.skip("no Chrome/Chromium on this machine")
    out = charts.write_png(charts.premium(history(30)), tmp_path / "p.png", width=600, height=300, scale=1)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 600 and int.from_bytes(data[20:24], "big") == 300


def test_missing_plotly_is_an_import_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    with pytest.raises(ImportError, match=r"xtoolkit\[notebook\]"):
        charts.premium(history(3))


def test_depth_by_distance_puts_bids_left_and_can_use_a_log_axis() -> None:
    b = book()
    mid = 97_000.0
    b["distance_pct"] = (b.price_n / mid - 1).abs() * 100
    fig = charts.depth(b, x="distance_pct", log_y=True)
    j = fig.to_plotly_json()
    bids, asks = arr(j["data"][0]["x"]), arr(j["data"][1]["x"])
    assert (bids <= 0).all() and (asks >= 0).all()
    assert (np.diff(bids) > 0).all()
    expected = b[(b.exchange == "binance") & (b.side == "bid")].sort_values("distance_pct", ascending=False)
    np.testing.assert_allclose(arr(j["data"][0]["y"]), expected.cum_notional_n)
    assert j["layout"]["xaxis"]["title"]["text"].startswith("distance from mid (%)")
    assert j["layout"]["yaxis"]["type"] == "log"
    assert charts.depth(b).layout.yaxis.type is None


def test_mime_bundle_is_plain_json_for_output_areas() -> None:
    import json

    fig = charts.premium(history(4))
    bundle = charts.mime_bundle(fig)
    spec = bundle["application/vnd.plotly.v1+json"]
    assert json.loads(json.dumps(bundle)) == bundle  # serializable as is
    assert [t["name"] for t in spec["data"]] == list(SHOWN)
    assert spec["layout"]["title"]["text"] == "BTC kimchi premium"
    assert bundle["text/plain"] == "<Figure: BTC kimchi premium, 2 traces>"


def test_depth_defaults_to_distance_from_mid_so_both_venues_overlap() -> None:
    """Issue 18 item 3: by absolute price the two venues sit apart by the premium."""
    b = book()
    j = charts.depth(b).to_plotly_json()
    assert j["layout"]["xaxis"]["title"]["text"].startswith("distance from mid (%)")
    spans = {}
    for t in j["data"]:
        venue = t["name"].split()[0]
        lo, hi = spans.get(venue, (np.inf, -np.inf))
        spans[venue] = (min(lo, arr(t["x"]).min()), max(hi, arr(t["x"]).max()))
    (alo, ahi), (blo, bhi) = spans["binance"], spans["upbit"]
    assert max(alo, blo) < min(ahi, bhi), f"the venues do not overlap: {spans}"


def test_krw_axes_use_thousands_separators_not_exponents() -> None:
    """Issue 18 item 8: a KRW price axis read 1.34e+8."""
    fig = charts.prices(history(10))
    axis = fig.layout.yaxis
    assert axis.exponentformat == "none" and axis.separatethousands
    assert axis.tickformat == ",.6~r"  # d3: fixed notation, 6 significant digits, grouped
    depth_axis = charts.depth(book(), x="price_n").layout
    assert depth_axis.xaxis.tickformat == ",.6~r" and depth_axis.yaxis.tickformat == ",.6~r"


def test_a_fixed_fx_rate_is_labelled_with_its_rate_and_the_frame_keeps_user() -> None:
    h = history(5)
    names = [t.name for t in charts.premium(h).data]
    assert names == ["upbit:USDT/KRW", "USD/KRW 1400"]
    assert set(h.fx_source) == {"upbit:USDT/KRW", "user"}  # only the label changed
    varying = h.assign(fx_rate=np.where(h.fx_source == "user", np.arange(len(h)) + 1400.0, h.fx_rate))
    assert [t.name for t in charts.premium(varying).data] == ["upbit:USDT/KRW", "user"]


def test_write_html_directory_mode_and_report_share_one_plotly_js(tmp_path: Path) -> None:
    figs = [charts.premium(history(50)), charts.prices(history(50)), charts.premium_distribution(history(50))]
    small = charts.write_html(figs[0], tmp_path / "chart.html", include_plotlyjs="directory")
    assert small.stat().st_size < 200_000
    assert (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    assert 'src="plotly.min.js"' in small.read_text()
    report = charts.write_report(figs, tmp_path / "report.html").read_text()
    assert report.count("plotly.js v") <= 2  # the bundle's banner: embedded once
    assert report.count('class="xt-chart"') == 3
    assert "cdn" not in report.split("<body")[0].lower()
    with pytest.raises(InvalidArgument):
        charts.write_html(figs[0], tmp_path / "x.html", include_plotlyjs="cdn")
