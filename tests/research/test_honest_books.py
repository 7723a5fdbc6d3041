"""The public book helpers, honestly (issue 15, item 5): fees change best_venue's pick, the FX
leg is paid at its executable side, depth_within flags a band the fetch does not reach, and an
aggregated book is read as it is (its FX book, its depths, its failed venues).

Every figure is a hand computation in ``Decimal`` from the raw levels and the fee table below.
"""

from __future__ import annotations

from decimal import Decimal as D
from decimal import localcontext

import pandas as pd
import pytest
from executable_helpers import TS, levels

import xtoolkit as xt
from xtoolkit import research as xr
from xtoolkit._frames import frame
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.fees import TakerFee
from xtoolkit.research.walk import MONEY, Book

#: The documented default taker rates the helpers charge without account fees.
BINANCE_FEE = D("0.001")  # out of the asset received
UPBIT_FEE = D("0.0005")  # on top, in KRW
NO_FEES = [
    TakerFee(exchange="binance", symbol=None, buy=D(0), sell=D(0)),
    TakerFee(exchange="upbit", symbol=None, buy=D(0), sell=D(0)),
]

#: A reference rate at which both books sit 2 bps apart: "breakeven" FX, no spread, no fee.
RATE = 1450

BINANCE = levels("binance", "BTC/USDT", [(99.90, 0.1), (99.89, 0.5)], [(100.00, 0.1), (100.01, 0.5)])
# Upbit's levels are Binance's moved 2 bps outward, at 1450 KRW per USDT.
UPBIT = levels("upbit", "BTC/KRW", [(144_826.0, 0.1), (144_811.5, 0.5)], [(145_029.0, 0.1), (145_043.5, 0.5)])
#: Upbit's USDT/KRW book: 1449 / 1451 around the reference 1450 (~14 bps wide).
FX = levels("upbit", "USDT/KRW", [(1449.0, 1000.0)], [(1451.0, 1000.0)])

SIZE = D("0.2")


def both(*extra: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([BINANCE, UPBIT, *extra], ignore_index=True)


def test_fees_flip_best_venue_on_both_sides() -> None:
    with localcontext(MONEY):
        bn_buy = D(100) * D("0.1") + D("100.01") * D("0.1")  # 20.001 USDT
        up_buy = D(145_029) * D("0.1") + D("145043.5") * D("0.1")  # 29 007.25 KRW
        bn_sell = D("99.90") * D("0.1") + D("99.89") * D("0.1")
        up_sell = D(144_826) * D("0.1") + D("144811.5") * D("0.1")
        gross = {
            "buy": {"binance": bn_buy / SIZE, "upbit": up_buy / RATE / SIZE},
            "sell": {"binance": bn_sell / SIZE, "upbit": up_sell / RATE / SIZE},
        }
        net = {
            # Binance keeps 0.1 % of the BTC bought and of the USDT received.
            "buy": {
                "binance": bn_buy / (SIZE * (1 - BINANCE_FEE)),
                "upbit": up_buy * (1 + UPBIT_FEE) / RATE / SIZE,
            },
            "sell": {
                "binance": bn_sell * (1 - BINANCE_FEE) / SIZE,
                "upbit": up_sell * (1 - UPBIT_FEE) / RATE / SIZE,
            },
        }
    # Without fees Binance's books are the better ones on both sides...
    assert (
        gross["buy"]["binance"] < gross["buy"]["upbit"] and gross["sell"]["binance"] > gross["sell"]["upbit"]
    )
    free = xr.best_venue(both(), 0.2, fx=RATE, fees=NO_FEES)
    assert free.exchange.tolist() == ["binance", "binance"]
    assert free.all_in_price_n.tolist() == [float(gross["buy"]["binance"]), float(gross["sell"]["binance"])]
    # ...after the taker fees (Binance 0.1 %, Upbit 0.05 %) Upbit wins both.
    assert net["buy"]["upbit"] < net["buy"]["binance"] and net["sell"]["upbit"] > net["sell"]["binance"]
    paid = xr.best_venue(both(), 0.2, fx=RATE)
    assert paid.exchange.tolist() == ["upbit", "upbit"]
    assert paid.all_in_price_n.tolist() == [float(net["buy"]["upbit"]), float(net["sell"]["upbit"])]
    assert paid.fee_rate.tolist() == [float(UPBIT_FEE)] * 2 and (paid.fee_source == "default").all()
    every = xr.slippage(both(), 0.2, fx=RATE).set_index("exchange")
    assert every.loc["binance", "all_in_price_n"] == float(net["buy"]["binance"])


def test_the_fx_leg_is_paid_on_its_executable_side_not_at_the_mid() -> None:
    s = xr.slippage(both(FX), 0.2, side="buy").set_index("exchange")
    up = s.loc["upbit"]
    with localcontext(MONEY):
        krw = (D(145_029) * D("0.1") + D("145043.5") * D("0.1")) * (1 + UPBIT_FEE)
        # The KRW comes from selling USDT on the FX bids (1449), Upbit's fee out of the KRW.
        usdt = krw / (1 - UPBIT_FEE) / 1449
        at_mid = krw / 1450  # what a conversion at the FX mid would have said
        hidden = (usdt / at_mid - 1) * 10_000
    assert up.fx_basis == "upbit:USDT/KRW executable" and up.fx_vwap == 1449.0 and up.filled_fx
    assert up.all_in_n == float(usdt) and up.all_in_price_n == float(usdt / SIZE)
    assert float(hidden) > 11  # half the ~14 bps spread plus the 5 bps fee
    sell = xr.slippage(both(FX), 0.2, side="sell").set_index("exchange").loc["upbit"]
    with localcontext(MONEY):
        krw_got = (D(144_826) * D("0.1") + D("144811.5") * D("0.1")) * (1 - UPBIT_FEE)
        usdt_got = krw_got / (1 + UPBIT_FEE) / 1451  # USDT bought on the FX asks, fee on top
    assert sell.fx_vwap == 1451.0 and sell.all_in_n == float(usdt_got)
    # With the FX leg paid, Binance (no FX leg) wins both sides again.
    assert xr.best_venue(both(FX), 0.2).exchange.tolist() == ["binance", "binance"]


def deep_book(n: int) -> pd.DataFrame:
    """Binance BTC/USDT with ``n`` levels a side, 2 bps apart around a mid of 100 000, 1 BTC each."""
    step = D("20")
    bids = [(float(D(99_990) - i * step), 1.0) for i in range(n)]
    asks = [(float(D(100_010) + i * step), 1.0) for i in range(n)]
    return levels("binance", "BTC/USDT", bids, asks)


def test_depth_within_flags_a_band_the_fetch_does_not_reach() -> None:
    venue = deep_book(100)  # 1 % of the mid is 1 000 USDT: 50 levels each side
    fetched = venue.groupby("side", sort=False).head(20)  # what depth=20 brings back
    cut = xr.depth_within(fetched, 1, fetched_depth=20)
    assert cut.qty.tolist() == [20.0, 20.0] and not cut.reaches_band.any()
    assert cut.fetched_levels.tolist() == [20, 20] and cut.fetched_depth.tolist() == [20, 20]
    with localcontext(MONEY):
        assert cut.deepest_pct.iloc[0] == float((1 - D(99_990 - 19 * 20) / D(100_000)) * 100)
    whole = xr.depth_within(venue, 1, fetched_depth=200)  # 100 < 200 levels: the venue's whole book
    assert whole.qty.tolist() == [50.0, 50.0] and whole.reaches_band.all()  # 99 010 … 99 990
    narrow = xr.depth_within(fetched, 0.2, fetched_depth=20)  # 0.2 % ends inside the fetch
    assert narrow.qty.tolist() == [10.0, 10.0] and narrow.reaches_band.all()


def aggregated(*frames: pd.DataFrame, fx_levels: pd.DataFrame | None = None, depth: int = 2) -> pd.DataFrame:
    """What aggregated_book builds from these levels (its pure half plus the attrs it records)."""
    agg = xr.book_from_levels(
        pd.concat(frames, ignore_index=True), quote="USDT", fx_rate=1450.0, fx_source="upbit:USDT/KRW"
    )
    agg.attrs["base"] = "BTC"
    agg.attrs["depth"] = {f"{f.exchange.iloc[0]}:{f.symbol.iloc[0]}": depth for f in frames}
    if fx_levels is not None:
        agg.attrs["depth"]["upbit:USDT/KRW"] = depth
        agg.attrs["fx_levels"] = {c: fx_levels[c].tolist() for c in frame("orderbook").columns}
    return agg


def test_an_aggregated_book_reads_like_its_raw_books() -> None:
    agg = aggregated(BINANCE, UPBIT, fx_levels=FX)
    raw = [BINANCE, UPBIT, FX]
    for side in ("buy", "sell"):
        got = xr.slippage(agg, 0.2, side=side)
        want = xr.slippage(raw, 0.2, side=side, depth=2)
        pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(xr.best_venue(agg, 0.2), xr.best_venue(raw, 0.2, depth=2))
    # depth_within shows the base's books only (the FX book is a means), with the depths recorded.
    d = xr.depth_within(agg, 1)
    assert set(d.symbol) == {"BTC/USDT", "BTC/KRW"} and d.fetched_depth.tolist() == [2] * 4
    pd.testing.assert_frame_equal(d, xr.depth_within([BINANCE, UPBIT], 1, fetched_depth=2))
    books = {
        "binance:BTC/USDT": Book("binance", "BTC/USDT", ((D("99.90"), D("0.1")),), ((D(100), D("0.1")),), TS)
    }
    assert xr.slippage(books, 0.1).all_in_n.tolist() == [10.0]


def test_an_aggregated_book_without_its_fx_book_says_so() -> None:
    s = xr.slippage(aggregated(BINANCE, UPBIT), 0.2).set_index("exchange")
    assert not s.loc["upbit", "filled"] and "no book for upbit:USDT/KRW" in s.loc["upbit", "error"]
    # A user-rate aggregated book converts at its own rate; fx= and quote= still override it.
    user = xr.book_from_levels(both(), quote="USDT", fx_rate=1450.0, fx_source="user")
    assert xr.slippage(user, 0.2).set_index("exchange").loc["upbit", "fx_basis"] == "user:1450.0"
    krw = xr.slippage(user, 0.2, quote="KRW", fx=1400).set_index("exchange")
    assert krw.loc["binance", "fx_basis"] == "user:1400" and krw.loc["binance", "quote"] == "KRW"


def test_failed_venues_of_an_aggregated_book_are_error_rows() -> None:
    agg = aggregated(BINANCE, fx_levels=FX)
    agg.attrs["errors"] = {"upbit": xt.ExchangeUnavailable("503", exchange="upbit")}
    d = xr.depth_within(agg, 1)
    bad = d[d.exchange == "upbit"]
    assert bad.side.tolist() == ["bid", "ask"] and (bad.symbol == "BTC/KRW").all()
    assert bad.error.str.startswith("ExchangeUnavailable").all() and bad.qty.isna().all()
    s = xr.slippage(agg, 0.2)
    assert s.exchange.tolist() == ["binance", "upbit"] and s.filled.tolist() == [True, False]
    assert s.error.iloc[1].startswith("ExchangeUnavailable") and pd.isna(s.error.iloc[0])


def test_inputs_that_are_not_books_are_refused() -> None:
    with pytest.raises(xt.InvalidArgument):
        xr.slippage([aggregated(BINANCE)], 0.1)
    with pytest.raises(xt.InvalidArgument):
        xr.depth_within(["not a frame"], 1)  # type: ignore[list-item]
    with pytest.raises(xt.InvalidArgument):
        xr.best_venue(BINANCE, 0.1, quote="EUR")
    empty = xr.depth_within([], 1)
    assert empty.empty and list(empty.columns) == list(EXECUTION_SCHEMAS["depth_band"])
