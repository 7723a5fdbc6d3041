"""Walks, depth bands that the fetch may not reach, slippage and best venue with fees and FX."""

from __future__ import annotations

from decimal import Decimal as D
from decimal import localcontext

import pandas as pd
import pytest
from executable_helpers import BINANCE_BTC, DEPTH, TS, UPBIT_FX, all_books, levels

import xtoolkit as xt
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.execution import best_venue, depth_within, slippage
from xtoolkit.research.fees import TakerFee
from xtoolkit.research.walk import (
    MONEY,
    Book,
    books_from_frame,
    buy_base,
    buy_for,
    buy_spend,
    dec,
    parse_fx_rates,
    sell_base,
    sell_for,
    walk_base,
    walk_quote,
)

ASKS = ((D(100), D(1)), (D(101), D(2)))
BIDS = ((D(99), D(1)), (D(98), D(2)))


def test_walks_fill_partly_fill_and_skip_empty_levels() -> None:
    f = walk_base(ASKS, D("1.5"))
    assert (f.qty, f.notional, f.levels, f.filled) == (D("1.5"), D("150.5"), 2, True)
    with localcontext(MONEY):
        assert f.vwap == D("150.5") / D("1.5")
    short = walk_base(ASKS, D(4))
    assert (short.qty, short.notional, short.filled) == (D(3), D(302), False)
    q = walk_quote(ASKS, D(201))
    with localcontext(MONEY):
        assert q.qty == 1 + D(101) / D(101) and q.notional == D(201) and q.filled
    assert walk_quote((), D(1)).filled is False and walk_quote((), D(1)).vwap is None
    gaps = walk_base(((D(100), D(0)), (D(101), D(1))), D(1))
    assert gaps.levels == 1 and gaps.notional == D(101)
    assert walk_base(ASKS, D(0)).filled  # nothing asked, nothing missing
    with pytest.raises(xt.InvalidArgument):
        walk_base(ASKS, D(-1))


def test_taker_legs_charge_fees_where_each_venue_takes_them() -> None:
    rate = D("0.001")
    bn_buy = buy_base(ASKS, D(1), rate, "received")  # Binance: fee in the base received
    assert (bn_buy.paid, bn_buy.got, bn_buy.fee, bn_buy.fee_in) == (D(100), D("0.999"), D("0.001"), "base")
    up_buy = buy_base(ASKS, D(1), rate, "quote")  # Upbit: fee on top, in quote
    assert (up_buy.paid, up_buy.got, up_buy.fee, up_buy.fee_in) == (D("100.1"), D(1), D("0.1"), "quote")
    spend = buy_spend(ASKS, D("100.1"), rate, "quote")
    assert spend.fill.notional == D(100) and spend.got == D(1) and spend.paid == D("100.1")
    sell = sell_base(BIDS, D(2), rate)
    assert (sell.fill.notional, sell.got) == (D(197), D(197) - D("0.197"))
    with localcontext(MONEY):
        raise_net = sell_for(BIDS, D("98.901"), rate)  # 98.901 / 0.999 = 99 gross: exactly level one
        assert raise_net.fill.notional == D(99) and raise_net.fill.qty == D(1)
        net_qty = buy_for(ASKS, D("0.999"), rate, "received")
        assert net_qty.fill.qty == D(1) and net_qty.got == D("0.999")
    with pytest.raises(xt.InvalidArgument):
        buy_base(ASKS, D(1), rate, "bnb")


def test_books_from_frame_orders_by_price_and_keeps_depth() -> None:
    shuffled = levels("binance", "BTC/USDT", [(98.0, 2.0), (99.0, 1.0)], [(101.0, 2.0), (100.0, 1.0)])
    (book,) = books_from_frame(shuffled, depth=DEPTH).values()
    assert book.bids == BIDS and book.asks == ASKS and book.mid == D("99.5") and book.ts == TS
    assert book.truncated("bid") is True and book.depth == DEPTH
    many = books_from_frame(all_books(), depth={"upbit:USDT/KRW": 30})
    assert set(many) == {"binance:BTC/USDT", "upbit:BTC/KRW", "upbit:USDT/KRW"}
    assert many["upbit:USDT/KRW"].truncated("ask") is False and many["upbit:BTC/KRW"].depth is None
    assert books_from_frame(BINANCE_BTC.iloc[:0]) == {}
    assert dec(0.1) == D("0.1") and dec(1432) == D(1432) and dec("0.30") == D("0.30")
    for bad in (float("nan"), "abc", True, None):
        with pytest.raises(xt.InvalidArgument):
            dec(bad)
    with pytest.raises(xt.InvalidArgument):
        books_from_frame(BINANCE_BTC.drop(columns=["qty"]))
    with pytest.raises(xt.InvalidArgument):
        books_from_frame(levels("binance", "BTC/USDT", [(-1.0, 1.0)], []))
    assert [b.label for b in parse_fx_rates(["upbit", 1450.5])] == [
        "upbit:USDT/KRW executable",
        "user:1450.5",
    ]
    for bad_fx in ([], "bank", -5, [1450, 1450.0]):
        with pytest.raises(xt.InvalidArgument):
            parse_fx_rates(bad_fx)


def test_depth_within_flags_bands_the_fetch_does_not_reach() -> None:
    one = depth_within(BINANCE_BTC, 1, fetched_depth=DEPTH)
    assert list(one.columns) == list(EXECUTION_SCHEMAS["depth_band"])
    bid, ask = one.iloc[0], one.iloc[1]
    assert bid.mid == 99.5 and bid.band_price == float(D("99.5") * D("0.99"))
    assert (bid.levels, bid.qty, bid.notional, bid.reaches_band) == (1, 1.0, 99.0, True)
    assert (ask.levels, ask.qty, ask.notional, ask.reaches_band) == (1, 1.0, 100.0, True)
    assert bid.deepest_price == 98.0 and bid.deepest_pct == float((1 - D(98) / D("99.5")) * 100)
    # 2 %: every fetched level is inside and the fetch was cut at depth 2 — a lower bound.
    two = depth_within(BINANCE_BTC, 2, fetched_depth=DEPTH)
    assert two.qty.tolist() == [3.0, 3.0] and not two.reaches_band.any()
    assert two.fetched_levels.tolist() == [2, 2] and two.fetched_depth.tolist() == [2, 2]
    # Asked for 5, got 2: that is the venue's whole book, so the band is fully seen.
    assert depth_within(BINANCE_BTC, 2, fetched_depth=5).reaches_band.all()
    # Depth unknown: only a level beyond the band proves it.
    unknown = depth_within(BINANCE_BTC, 2)
    assert not unknown.reaches_band.any() and unknown.fetched_depth.isna().all()


def test_depth_within_band_edge_and_one_sided_books() -> None:
    edge = levels("binance", "BTC/USDT", [(99.5, 1.0), (99.0, 1.0)], [(100.5, 1.0), (101.0, 1.0)])  # mid 100
    d = depth_within(edge, 1, fetched_depth=2)
    assert d.levels.tolist() == [2, 2] and d.reaches_band.all()  # a level exactly on the edge counts
    one_sided = levels("upbit", "BTC/KRW", [], [(151_000.0, 1.0)])
    d = depth_within(one_sided, 1, fetched_depth=30)
    assert d.error.tolist() == ["no mid: the bid side is empty"] * 2 and not d.reaches_band.any()
    assert d.fetched_levels.tolist() == [0, 1]
    empty = depth_within(BINANCE_BTC.iloc[:0], 1)
    assert empty.empty and list(empty.columns) == list(EXECUTION_SCHEMAS["depth_band"])
    with pytest.raises(xt.InvalidArgument):
        depth_within(BINANCE_BTC, -1)


def test_slippage_includes_fees_and_the_fx_leg_at_its_executable_side() -> None:
    s = slippage(all_books(), 1, side="buy", quote="USDT", depth=DEPTH)
    assert list(s.columns) == list(EXECUTION_SCHEMAS["slippage_exec"])
    bn, up = s.set_index("exchange").loc["binance"], s.set_index("exchange").loc["upbit"]
    assert bn.all_in_n == 100.0 and bn.all_in_price_n == float(D(100) / D("0.999"))
    assert bn.fee_rate == 0.001 and bn.fee_source == "default" and pd.isna(bn.fx_basis) and bn.filled_fx
    with localcontext(MONEY):
        krw_paid = D(151_000) * D("1.0005")  # Upbit fee on top
        usdt_sold = krw_paid / D("0.9995") / D(1450)  # sell USDT on the FX bids, fee out of the KRW
    assert up.vwap == 151_000.0 and up.all_in_n == float(usdt_sold) and up.all_in_price_n == float(usdt_sold)
    assert up.fx_basis == "upbit:USDT/KRW executable" and up.fx_vwap == 1450.0 and up.filled
    assert up.slippage_bps_best == 0.0 and up.slippage_bps_mid == float(
        (D(151_000) / D(150_500) - 1) * 10_000
    )
    sell = slippage(all_books(), 1, side="sell").set_index("exchange")
    with localcontext(MONEY):
        krw = (D(75_000) + D(74_500)) * D("0.9995")
        usdt = krw / D("1.0005") / D(1460)  # buy USDT on the FX asks, fee on top
    assert sell.loc["upbit", "all_in_n"] == float(usdt)
    assert sell.loc["binance", "all_in_n"] == float(D(99) * D("0.999"))


def test_slippage_in_quote_and_in_krw() -> None:
    # Spend 146 000 KRW in all on Binance: buy USDT on the FX asks first (fee on top).
    s = slippage(all_books(), 146_000, side="buy", size_in="quote", quote="KRW").set_index("exchange")
    with localcontext(MONEY):
        usdt = D(146_000) / D("1.0005") / D(1460)
        btc = (1 + (usdt - 100) / D(101)) if usdt > 100 else usdt / 100
        got = btc - btc * D("0.001")
    assert s.loc["binance", "all_in_n"] == 146_000.0 and s.loc["binance", "all_in_price_n"] == float(
        D(146_000) / got
    )
    # Raise exactly 100 USDT from a sale on Binance: 100 / 0.999 gross off the bids.
    r = slippage(all_books(), 100, side="sell", size_in="quote").set_index("exchange")
    with localcontext(MONEY):
        gross = D(100) / D("0.999")
        sold = 1 + (gross - 99) / D(98)
    assert r.loc["binance", "qty"] == float(sold) and r.loc["binance", "all_in_n"] == 100.0
    thin = slippage(all_books(), 10, side="buy", depth=DEPTH).set_index("exchange")
    assert (
        not thin.filled.any()
        and thin.loc["binance", "qty"] == 3.0
        and "do not fill 10 base" in thin.loc["binance", "error"]
    )


def test_best_venue_ranks_all_in_prices() -> None:
    # Equal books at the rate (ask 100, bid 99 USDT on both): Upbit's lower fee wins both sides.
    even = pd.concat(
        [
            levels("binance", "BTC/USDT", [(99.0, 5.0)], [(100.0, 5.0)]),
            levels("upbit", "BTC/KRW", [(144_540.0, 5.0)], [(146_000.0, 5.0)]),
        ],
        ignore_index=True,
    )
    best = best_venue(even, 1, fx=1460)
    assert best.side.tolist() == ["buy", "sell"] and best.exchange.tolist() == ["upbit", "upbit"]
    assert best.all_in_price_n.iloc[0] == float(D(146_000) * D("1.0005") / D(1460))
    assert best.all_in_price_n.iloc[1] == float(D(144_540) * D("0.9995") / D(1460))
    # With the fees the other way round the buy goes to Binance.
    fees = [TakerFee(exchange="upbit", symbol="BTC/KRW", buy=D("0.002"), sell=D("0.002"))]
    assert best_venue(even, 1, fx=1460, fees=fees).exchange.iloc[0] == "binance"
    nobody = best_venue(all_books(), 50, depth=DEPTH)
    assert nobody.exchange.isna().all() and not nobody.filled.any()
    assert nobody.error.iloc[0] == "no venue fills 50 base on the buy side"


def test_slippage_arguments() -> None:
    for kw in ({"side": "hold"}, {"size_in": "usd"}, {"quote": "EUR"}, {"fx": ["upbit", 1450]}):
        with pytest.raises(xt.InvalidArgument):
            slippage(all_books(), 1, **kw)  # type: ignore[arg-type]
    for size in (0, -1, True):
        with pytest.raises(xt.InvalidArgument):
            slippage(all_books(), size)
    eth = levels("binance", "ETH/USDT", [(9.0, 1.0)], [(10.0, 1.0)])
    with pytest.raises(xt.InvalidArgument):
        slippage(all_books(eth), 1)
    no_fx = slippage(pd.concat([BINANCE_BTC, all_books().query("symbol == 'BTC/KRW'")]), 1).set_index(
        "exchange"
    )
    assert not no_fx.loc["upbit", "filled"] and "no book for upbit:USDT/KRW" in no_fx.loc["upbit", "error"]
    books = {"upbit:USDT/KRW": Book("upbit", "USDT/KRW", (), ())}
    assert slippage(books, 1).empty
    assert UPBIT_FX.symbol.iloc[0] == "USDT/KRW"
