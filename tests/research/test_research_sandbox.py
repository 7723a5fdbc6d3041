"""Compare, premium, history, books and balances against the sandbox (seed 7, frozen prices)."""

from __future__ import annotations

import math
from decimal import Decimal as D

import pandas as pd
import pytest
from research_fixtures import box_fixture, client_fixture, quick_fixture  # noqa: F401  (fixtures)

import xtoolkit as xt
from xtoolkit import research as xr

TWENTY = [
    "BTC",
    "ETH",
    "XRP",
    "SOL",
    "DOGE",
    "ADA",
    "TRX",
    "AVAX",
    "LINK",
    "DOT",
    "BCH",
    "LTC",
    "XLM",
    "ETC",
    "SUI",
    "HBAR",
    "SHIB",
    "AAVE",
    "UNI",
    "NEAR",
]


def dec(x: float) -> D:
    return D(repr(float(x)))


def mids(client: xt.Client, markets: list[str]) -> dict[str, float]:
    t = client.tickers(markets)
    return {f"{e}:{s}": (b + a) / 2 for e, s, b, a in zip(t.exchange, t.symbol, t.bid, t.ask, strict=True)}


def counts(box: object) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in box.requests:  # type: ignore[attr-defined]
        out[r.exchange] = out.get(r.exchange, 0) + 1
    return out


def test_premium_matches_an_independent_fetch_for_both_bases(client: xt.Client) -> None:
    df = xr.premium(client, ["BTC", "ETH"], fx=["upbit", 1400.0])
    m = mids(
        client, ["upbit:BTC/KRW", "upbit:ETH/KRW", "upbit:USDT/KRW", "binance:BTC/USDT", "binance:ETH/USDT"]
    )
    assert list(df.columns) == list(xt.SCHEMAS["premium"])
    assert list(zip(df.base, df.fx_source, strict=True)) == [
        ("BTC", "upbit:USDT/KRW"),
        ("BTC", "user"),
        ("ETH", "upbit:USDT/KRW"),
        ("ETH", "user"),
    ]
    for row in df.itertuples():
        fx = m["upbit:USDT/KRW"] if row.fx_source == "upbit:USDT/KRW" else 1400.0
        up, bn = m[f"upbit:{row.base}/KRW"], m[f"binance:{row.base}/USDT"]
        assert row.upbit_mid == up and row.binance_mid == bn and row.fx_rate == fx
        assert row.premium_pct == (up / (bn * fx) - 1) * 100
        assert row.premium_bps == (up / (bn * fx) - 1) * 10_000
        assert not row.stale and pd.isna(row.error)
    assert df.attrs["errors"] == {}


def test_twenty_bases_cost_one_batch_per_exchange(client: xt.Client, box: object) -> None:
    box.requests.clear()  # type: ignore[attr-defined]
    df = xr.premium(client, TWENTY)
    assert counts(box) == {"binance": 1, "upbit": 2}
    assert len(df) == 20 and df.error.isna().all() and df.premium_pct.notna().all()
    box.requests.clear()  # type: ignore[attr-defined]
    cmp = xr.compare(client, TWENTY, quote="KRW")
    assert counts(box) == {"binance": 1, "upbit": 2}
    assert len(cmp) == 40 and cmp.mid_n.notna().all()


def test_compare_normalises_consistently(client: xt.Client) -> None:
    df = xr.compare(client, ["BTC"], quote="USDT", fx=["upbit", 1400.0])
    m = mids(client, ["upbit:BTC/KRW", "upbit:USDT/KRW", "binance:BTC/USDT"])
    up = df[(df.exchange == "upbit") & (df.fx_source == "upbit:USDT/KRW")].iloc[0]
    assert up.mid == m["upbit:BTC/KRW"] and up.mid_n == m["upbit:BTC/KRW"] / m["upbit:USDT/KRW"]
    user = df[(df.exchange == "upbit") & (df.fx_source == "user")].iloc[0]
    assert user.mid_n == m["upbit:BTC/KRW"] / 1400.0
    bn = df[df.exchange == "binance"]
    assert (bn.mid_n == m["binance:BTC/USDT"]).all()


def test_outage_keeps_the_other_venue(quick: xt.Client, box: object) -> None:
    box.faults.next("binance", status=503, count=10)  # type: ignore[attr-defined]
    df = xr.premium(quick, ["BTC", "ETH"], fx=["upbit", 1400.0])
    assert df.upbit_mid.notna().all() and df.premium_pct.isna().all()
    assert df.error.str.startswith("binance: ExchangeUnavailable").all()
    assert isinstance(df.attrs["errors"]["binance"], xt.ExchangeUnavailable)
    cmp = xr.compare(quick, ["BTC"])
    assert cmp[cmp.exchange == "upbit"].mid_n.notna().all()
    assert cmp[cmp.exchange == "binance"].error.str.startswith("ExchangeUnavailable").all()


def test_outage_with_retries(client: xt.Client, box: object) -> None:
    box.faults.next("binance", status=503, count=10)  # type: ignore[attr-defined]
    df = xr.premium(client, ["BTC"])
    assert math.isnan(df.premium_pct.iloc[0]) and not math.isnan(df.upbit_mid.iloc[0])
    assert isinstance(df.attrs["errors"]["binance"], xt.ExchangeUnavailable)


def test_skewed_clock_makes_legs_stale(client: xt.Client, box: object) -> None:
    box.faults.clock_skew("binance", ms=-20_000)  # type: ignore[attr-defined]
    df = xr.premium(client, ["BTC"], max_age=5.0)
    row = df.iloc[0]
    assert bool(row.stale) and row.binance_age_s > 15 and row.upbit_age_s < 5
    assert not math.isnan(row.premium_pct)  # flagged, still computed
    assert row.skew_s > 15


def test_old_user_fx_series_is_stale(client: xt.Client) -> None:
    hour_ago = pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=1)
    df = xr.premium(client, ["BTC"], fx=pd.Series([1400.0], index=[hour_ago]))
    row = df.iloc[0]
    assert row.fx_source == "user" and row.fx_rate == 1400.0 and bool(row.stale)
    assert row.fx_age_s > 3000


def test_unlisted_bases_are_marked(client: xt.Client) -> None:
    df = xr.premium(client, ["BTC", "MED", "BNB"])
    by = df.set_index("base")
    assert pd.isna(by.loc["BTC", "error"])
    assert "UnknownMarket: binance does not list MED/USDT" in by.loc["MED", "error"]
    assert "UnknownMarket: upbit does not list BNB/KRW" in by.loc["BNB", "error"]
    assert not math.isnan(by.loc["MED", "upbit_mid"]) and not math.isnan(by.loc["BNB", "binance_mid"])


def test_premium_history_aligns_and_matches_candles(client: xt.Client) -> None:
    hist = xr.premium_history(client, "BTC", interval="1m", limit=60, fx=["upbit", 1400.0])
    assert list(hist.columns) == list(xt.SCHEMAS["premium_history"])
    assert set(hist.fx_source) == {"upbit:USDT/KRW", "user"}
    up = hist[hist.fx_source == "upbit:USDT/KRW"]
    assert 0 < len(up) <= 60 and up.ts.is_monotonic_increasing
    assert (up.ts.diff().dropna() == pd.Timedelta(minutes=1)).all()
    ok = up.dropna(subset=["premium_pct"])
    assert len(ok) > 0
    assert (ok.premium_pct == (ok.upbit_close / (ok.binance_close * ok.fx_rate) - 1) * 100).all()
    candles = client.candles("binance:BTC/USDT", interval="1m", limit=60).set_index("open_time")
    real = ok[~ok.filled_binance & ok.ts.isin(candles.index)]
    assert len(real) > 30
    assert (real.binance_close.to_numpy() == candles.loc[real.ts, "close"].to_numpy()).all()
    summary = xr.premium_summary(hist)
    assert list(summary.fx_source) == ["upbit:USDT/KRW", "user"] and (summary["count"] > 0).all()


def test_premium_history_survives_one_venue(quick: xt.Client, box: object) -> None:
    box.faults.next("upbit", status=503, count=50, endpoint="/v1/candles/minutes/1")  # type: ignore[attr-defined]
    hist = xr.premium_history(quick, "BTC", interval="1m", limit=10)
    assert hist.upbit_close.isna().all() and hist.binance_close.notna().any()
    assert hist.error.str.contains("ExchangeUnavailable").all()
    assert isinstance(hist.attrs["errors"]["upbit"], xt.ExchangeUnavailable)


def test_aggregated_book_against_independent_books(client: xt.Client) -> None:
    book = xr.aggregated_book(client, "BTC", quote="USDT", depth=10)
    assert list(book.columns) == list(xt.SCHEMAS["book"])
    fx_top = client.orderbook("upbit:USDT/KRW", depth=1)
    fx = (dec(fx_top.price.iloc[0]) + dec(fx_top.price.iloc[1])) / 2
    up = client.orderbook("upbit:BTC/KRW", depth=10)
    got = book[book.exchange == "upbit"]
    assert got.price.tolist() == up.price.tolist() and got.qty.tolist() == up.qty.tolist()
    assert got.price_n.tolist() == [float(dec(p) / fx) for p in up.price]
    bn = book[(book.exchange == "binance") & (book.side == "ask")]
    want = [float(sum(dec(q) for q in bn.qty.iloc[: i + 1])) for i in range(len(bn))]
    assert bn.cum_qty.tolist() == want
    # The helpers read the aggregated book as it is: its depths, and the FX book it carries.
    assert book.attrs["depth"] == {"binance:BTC/USDT": 10, "upbit:BTC/KRW": 10, "upbit:USDT/KRW": 10}
    fx_book = client.orderbook("upbit:USDT/KRW", depth=10)
    raw = [client.orderbook("binance:BTC/USDT", depth=10), up, fx_book]
    slip = xr.slippage(book, 0.01, side="buy")
    again = xr.slippage(raw, 0.01, side="buy", depth=10)  # frozen prices; only the book times move
    pd.testing.assert_frame_equal(slip.drop(columns="ts"), again.drop(columns="ts"))
    assert slip.filled.all() and (slip.slippage_bps_mid >= 0).all()
    assert slip.set_index("exchange").loc["upbit", "fx_basis"] == "upbit:USDT/KRW executable"
    best = xr.best_venue(book, 0.01)
    assert set(best.side) == {"buy", "sell"} and best.filled.all()
    # Ten levels of a deep book do not reach 1 %: the band's size is a lower bound, and says so.
    deep = client.orderbook("binance:BTC/USDT", depth=1000)
    band = xr.depth_within(book, 1.0).set_index(["exchange", "side"])
    assert not band.loc[("binance", "ask"), "reaches_band"]
    full = xr.depth_within(deep, 1.0, fetched_depth=1000).set_index("side")
    assert full.loc["ask", "qty"] > band.loc[("binance", "ask"), "qty"]


def test_valued_balances(client: xt.Client) -> None:
    df = xr.valued_balances(client, quote="USDT")
    assert list(df.columns) == list(xt.SCHEMAS["valued_balances"])
    raw = client.balances()
    assert len(df) == len(raw)
    m = mids(client, ["upbit:USDT/KRW"])
    krw = df[(df.exchange == "upbit") & (df.asset == "KRW")]
    assert len(krw) == 1 and krw.price_n.iloc[0] == 1.0 / m["upbit:USDT/KRW"]
    usdt = df[(df.exchange == "binance") & (df.asset == "USDT")]
    assert len(usdt) == 1 and usdt.price_n.iloc[0] == 1.0 and bool(usdt.priced.iloc[0])
    priced = df[df.priced]
    assert (priced.value_n == priced.total * priced.price_n).all()
    assert df[~df.priced].note.isin(["no market", "no price"]).all()


def test_async_twins_and_client_kinds(box: object) -> None:
    import asyncio

    async def main() -> pd.DataFrame:
        async with xt.AsyncClient(**box.connect_kwargs(), use_env=False) as ac:  # type: ignore[attr-defined]
            with pytest.raises(xt.InvalidArgument, match="await"):
                xr.premium(ac, ["BTC"])
            return await xr.apremium(ac, ["BTC"])

    df = asyncio.run(main())
    assert df.premium_pct.notna().all()


async def test_async_twin_with_a_blocking_client(client: xt.Client) -> None:
    df = await xr.acompare(client, ["BTC", "ETH"])
    assert len(df) == 4 and df.error.isna().all()


def test_upbit_outage_is_typed_too(quick: xt.Client, box: object) -> None:
    # Upbit's ticker + book-top calls run concurrently in the client; the failure must still
    # arrive as the typed error, not as an ExceptionGroup.
    box.faults.next("upbit", status=503, count=10)  # type: ignore[attr-defined]
    df = xr.premium(quick, ["BTC", "ETH"])
    assert df.binance_mid.notna().all() and df.premium_pct.isna().all()
    assert df.error.str.contains("upbit: ExchangeUnavailable").all()
    assert isinstance(df.attrs["errors"]["upbit"], xt.ExchangeUnavailable)


def test_aggregated_book_with_one_venue_down(quick: xt.Client, box: object) -> None:
    box.faults.next("binance", status=503, count=1, endpoint="/api/v3/depth")  # type: ignore[attr-defined]
    book = xr.aggregated_book(quick, "ETH", quote="KRW", depth=5)
    assert set(book.exchange) == {"upbit"}
    assert isinstance(book.attrs["errors"]["binance"], xt.ExchangeUnavailable)
    depth = xr.depth_within(book, 1.0)
    down = depth[depth.exchange == "binance"]
    assert down.error.str.startswith("ExchangeUnavailable").all() and (down.symbol == "ETH/USDT").all()
    slip = xr.slippage(book, 0.01).set_index("exchange")
    assert slip.loc["upbit", "quote"] == "KRW" and not slip.loc["binance", "filled"]
    assert slip.loc["binance", "error"].startswith("ExchangeUnavailable")
    box.faults.next("binance", status=503, count=1, endpoint="/api/v3/depth")  # type: ignore[attr-defined]
    box.faults.next("upbit", status=503, count=1, endpoint="/v1/orderbook")  # type: ignore[attr-defined]
    with pytest.raises(xt.ExchangeUnavailable):
        xr.aggregated_book(quick, "ETH", quote="USDT", fx=1400.0)
