"""Aggregated book maths: cumulative depth, distance, VWAP, slippage (no server)."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit import SCHEMAS
from xtoolkit._frames import frame
from xtoolkit.research import best_venue, book_from_levels, depth_within, slippage

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


def test_depth_within(book: pd.DataFrame) -> None:
    d = depth_within(book, 1.0)
    assert list(d.columns) == list(SCHEMAS["depth"])
    got = {(r.exchange, r.side): (r.levels, r.qty, r.notional_n) for r in d.itertuples()}
    assert got == {
        ("binance", "bid"): (1, 1.0, 99.0),
        ("binance", "ask"): (1, 1.0, 101.0),
        ("upbit", "bid"): (1, 0.5, 50.0),
        ("upbit", "ask"): (1, 0.5, 50.5),
    }
    assert depth_within(book, 2.0).qty.tolist() == [3.0, 3.0, 1.5, 2.5]


def test_slippage_buy_in_base(book: pd.DataFrame) -> None:
    s = slippage(book, 2.0, side="buy")
    assert list(s.columns) == list(SCHEMAS["slippage"])
    bn, up = s.iloc[0], s.iloc[1]
    assert bn.filled and bn.filled_qty == 2.0 and bn.filled_notional_n == 203.0
    assert bn.vwap_n == 101.5 and bn.best_n == 101.0 and bn.levels_used == 2
    assert bn.slippage_bps_mid == 150.0
    assert bn.slippage_bps_best == float((D("101.5") / D(101) - 1) * 10_000)
    assert up.vwap_n == 101.75 and up.filled_notional_n == 203.5
    assert up.slippage_bps_mid == float((D("101.75") / D("100.5") - 1) * 10_000)


def test_slippage_sell_thin_book_and_quote_sizing(book: pd.DataFrame) -> None:
    s = slippage(book, 2.0, side="sell")
    bn, up = s.iloc[0], s.iloc[1]
    assert bn.filled and bn.vwap_n == 98.5 and bn.slippage_bps_mid == 150.0
    assert not up.filled and up.filled_qty == 1.5 and up.filled_notional_n == 149.0
    assert up.vwap_n == float(D(149) / D("1.5"))
    q = slippage(book, 152.0, side="buy", size_in="quote").iloc[0]
    assert q.filled and q.filled_qty == 1.5 and q.filled_notional_n == 152.0
    assert q.vwap_n == float(D(152) / D("1.5"))


def test_best_venue_only_counts_full_fills(book: pd.DataFrame) -> None:
    best = best_venue(book, 2.0)
    assert best.side.tolist() == ["buy", "sell"]
    assert best.exchange.tolist() == ["binance", "binance"]
    none = best_venue(book, 100.0)
    assert none.exchange.isna().all() and not none.filled.any()
    assert "no venue can fill" in none.error.iloc[0]


def test_failed_venues_show_up_in_derived_tables(book: pd.DataFrame) -> None:
    book.attrs["errors"] = {"upbit": xt.RequestTimeout("timed out", exchange="upbit")}
    only = book[book.exchange == "binance"]
    only.attrs = book.attrs
    d = depth_within(only, 1.0)
    assert d[d.exchange == "upbit"].error.str.startswith("RequestTimeout").all()
    s = slippage(only, 1.0)
    assert s.exchange.tolist() == ["binance", "upbit"] and not s.filled.iloc[1]


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
    assert slippage(empty, 1.0).empty and depth_within(empty, 1.0).empty
