"""Aggregated book maths, and the book helpers reading an aggregated book: depth bands, slippage
and the best venue after fees (no server)."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit import SCHEMAS
from xtoolkit._frames import frame
from xtoolkit.research import best_venue, book_from_levels, depth_within, slippage
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS

TS = pd.Timestamp("2025-01-01", tz="UTC")


def levels(
    exchange: str, symbol: str, bids: list[tuple[float, float]], asks: list[tuple[float, float]]
) -> pd.DataFrame:
    n_b, n_a = len(bids), len(asks)
    return frame(
        "orderbook",
        {
            "exchange": [exchange] * (n_b + n_a),
            "symbol": [symbol] * (n_b + n_a),
            "side": ["bid"] * n_b + ["ask"] * n_a,
            "level": list(range(n_b)) + list(range(n_a)),
            "price": [p for p, _ in bids + asks],
            "qty": [q for _, q in bids + asks],
            "ts": [TS] * (n_b + n_a),
        },
    )


BINANCE = levels("binance", "BTC/USDT", [(99.0, 1.0), (98.0, 2.0)], [(101.0, 1.0), (102.0, 2.0)])
UPBIT = levels("upbit", "BTC/KRW", [(145_000.0, 0.5), (143_550.0, 1.0)], [(146_450.0, 0.5), (147_900.0, 2.0)])


@pytest.fixture
def book() -> pd.DataFrame:
    lv = pd.concat([BINANCE, UPBIT], ignore_index=True)
    return book_from_levels(lv, quote="USDT", fx_rate={"binance": 1450.0, "upbit": 1450.0}, fx_source="user")


def test_book_columns_prices_and_cumulative_depth(book: pd.DataFrame) -> None:
    assert list(book.columns) == list(SCHEMAS["book"])
    bn = book[book.exchange == "binance"]
    up = book[book.exchange == "upbit"]
    assert bn.price_n.tolist() == [99.0, 98.0, 101.0, 102.0]
    assert bn.cum_qty.tolist() == [1.0, 3.0, 1.0, 3.0]
    assert bn.cum_notional_n.tolist() == [99.0, 295.0, 101.0, 305.0]
    assert bn.distance_pct.tolist() == [1.0, 2.0, 1.0, 2.0]
    assert (bn.mid_n == 100.0).all() and (bn.quote == "USDT").all()
    assert up.price_n.tolist() == [100.0, 99.0, 101.0, 102.0]
    assert up.notional_n.tolist() == [50.0, 99.0, 50.5, 204.0]
    assert up.cum_notional_n.tolist() == [50.0, 149.0, 50.5, 254.5]
    assert (up.mid_n == 100.5).all() and (up.quote == "KRW").all()
    mid = (D(145_000) + D(146_450)) / 2
    assert up.distance_pct.iloc[0] == float((D(145_000) / mid - 1).copy_abs() * 100)
    assert (book.fx_source == "user").all() and (book.fx_rate == 1450.0).all()


def test_depth_within_reads_the_aggregated_book(book: pd.DataFrame) -> None:
    d = depth_within(book, 1.0)
    assert list(d.columns) == list(EXECUTION_SCHEMAS["depth_band"])
    got = {(r.exchange, r.side): (r.levels, r.qty, r.notional, r.quote) for r in d.itertuples()}
    # Native quotes now (the aggregated book's price_n was at the FX mid).
    assert got == {
        ("binance", "bid"): (1, 1.0, 99.0, "USDT"),
        ("binance", "ask"): (1, 1.0, 101.0, "USDT"),
        ("upbit", "bid"): (1, 0.5, 72_500.0, "KRW"),
        ("upbit", "ask"): (1, 0.5, 73_225.0, "KRW"),
    }
    # A level beyond each band edge proves the band is inside the fetch.
    assert d.reaches_band.all() and d.fetched_depth.isna().all()
    two = depth_within(book, 2.0)
    assert two.qty.tolist() == [3.0, 3.0, 1.5, 2.5]
    # Upbit's bids end at 143 550, inside the 2 % edge (142 810.5): with the depth unknown,
    # 1.5 BTC is only what was fetched.
    up_mid = (D(145_000) + D(146_450)) / 2
    up_bid = two[(two.exchange == "upbit") & (two.side == "bid")].iloc[0]
    assert up_bid.band_price == float(up_mid * D("0.98")) and not up_bid.reaches_band


def test_slippage_on_the_aggregated_book_charges_fees(book: pd.DataFrame) -> None:
    s = slippage(book, 2.0, side="buy")
    assert list(s.columns) == list(EXECUTION_SCHEMAS["slippage_exec"])
    bn, up = s.iloc[0], s.iloc[1]
    # The aggregated book's quote (USDT) and its user rate (1450) are the defaults.
    assert (bn.quote, up.fx_basis) == ("USDT", "user:1450.0")
    assert bn.filled and bn.qty == 2.0 and bn.notional == 203.0 and bn.vwap == 101.5
    assert bn.best == 101.0 and bn.levels == 2 and bn.slippage_bps_mid == 150.0
    assert bn.slippage_bps_best == float((D("101.5") / D(101) - 1) * 10_000)
    # Binance takes its 0.1 % out of the BTC received: 203 USDT buys 1.998 BTC.
    assert bn.all_in_n == 203.0 and bn.all_in_price_n == float(D(203) / D("1.998"))
    krw = D(146_450) * D("0.5") + D(147_900) * D("1.5")
    assert up.notional == float(krw) and up.vwap == float(krw / 2)
    # Upbit charges 0.05 % on top, in KRW; the user rate converts at 1450.
    assert up.all_in_n == float(krw * D("1.0005") / 1450)
    assert up.all_in_price_n == float(krw * D("1.0005") / 1450 / 2)


def test_slippage_sell_thin_book_and_quote_sizing(book: pd.DataFrame) -> None:
    s = slippage(book, 2.0, side="sell")
    bn, up = s.iloc[0], s.iloc[1]
    assert bn.filled and bn.vwap == 98.5 and bn.slippage_bps_mid == 150.0
    assert bn.all_in_n == float(D(197) * D("0.999"))
    assert not up.filled and up.qty == 1.5 and up.notional == 216_050.0
    assert up.vwap == float(D(216_050) / D("1.5")) and "do not fill 2 base" in up.error
    # Spend 152 USDT in all on Binance: the fee comes out of the BTC, so 152 of asks are taken.
    q = slippage(book, 152.0, side="buy", size_in="quote").iloc[0]
    assert q.filled and q.qty == 1.5 and q.notional == 152.0
    assert q.vwap == float(D(152) / D("1.5"))


def test_best_venue_only_counts_full_fills(book: pd.DataFrame) -> None:
    best = best_venue(book, 2.0)
    assert best.side.tolist() == ["buy", "sell"]
    # Buy: 203 / 1.998 on Binance beats Upbit's 295 075 × 1.0005 / 1450 / 2; Upbit cannot sell 2.
    assert best.exchange.tolist() == ["binance", "binance"]
    none = best_venue(book, 100.0)
    assert none.exchange.isna().all() and not none.filled.any()
    assert "no venue fills" in none.error.iloc[0]


def test_failed_venues_show_up_in_derived_tables(book: pd.DataFrame) -> None:
    book.attrs["errors"] = {"upbit": xt.RequestTimeout("timed out", exchange="upbit")}
    book.attrs["base"] = "BTC"
    only = book[book.exchange == "binance"]
    only.attrs = book.attrs
    d = depth_within(only, 1.0)
    failed = d[d.exchange == "upbit"]
    assert failed.error.str.startswith("RequestTimeout").all() and failed.side.tolist() == ["bid", "ask"]
    assert (failed.symbol == "BTC/KRW").all() and not failed.reaches_band.any()
    s = slippage(only, 1.0)
    assert s.exchange.tolist() == ["binance", "upbit"] and not s.filled.iloc[1]
    assert s.error.iloc[1].startswith("RequestTimeout")
    assert best_venue(only, 1.0).exchange.tolist() == ["binance", "binance"]
    nobody = best_venue(only, 50.0)
    assert "not fetched: upbit: RequestTimeout" in nobody.error.iloc[0]


@pytest.mark.parametrize(
    ("size", "side", "size_in"),
    [(0, "buy", "base"), (1.0, "hold", "base"), (1.0, "buy", "usd"), (True, "buy", "base")],
)
def test_bad_arguments(book: pd.DataFrame, size: float, side: str, size_in: str) -> None:
    with pytest.raises(xt.InvalidArgument):
        slippage(book, size, side=side, size_in=size_in)


def test_empty_book_keeps_schema() -> None:
    empty = book_from_levels(frame("orderbook"), quote="KRW", fx_rate=None, fx_source="upbit:USDT/KRW")
    assert empty.empty and list(empty.columns) == list(SCHEMAS["book"])
    s, d = slippage(empty, 1.0), depth_within(empty, 1.0)
    assert s.empty and list(s.columns) == list(EXECUTION_SCHEMAS["slippage_exec"])
    assert d.empty and list(d.columns) == list(EXECUTION_SCHEMAS["depth_band"])
    b = best_venue(empty, 1.0)
    assert list(b.columns) == list(EXECUTION_SCHEMAS["slippage_exec"]) and b.quote.tolist() == ["KRW"] * 2
