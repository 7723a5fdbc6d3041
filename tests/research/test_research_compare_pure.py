"""Premium and comparison maths on hand-built quotes (no server)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from research_quotes import AS_OF, quotes

import xtoolkit as xt
from xtoolkit import SCHEMAS
from xtoolkit._frames import frame
from xtoolkit.research import compare_quotes, premium_quotes
from xtoolkit.research._fetch import Quotes
from xtoolkit.research.fx import UPBIT_FX, parse_fx

UP = {"BTC/KRW": (99_990_000.0, 100_010_000.0, 100_000_000.0), "USDT/KRW": (1449.0, 1451.0, 1450.0)}
BN = {"BTC/USDT": (69_990.0, 70_010.0, 70_001.0)}


def venue_quotes(**ages: float) -> dict[str, Quotes]:
    return {
        "upbit": quotes(
            "upbit", UP, age={"BTC/KRW": ages.get("upbit", 1.0), "USDT/KRW": ages.get("fx", 1.0)}
        ),
        "binance": quotes("binance", BN, age=ages.get("binance", 1.0)),
    }


def expected(upbit_mid: float, binance_mid: float, fx: float) -> float:
    return upbit_mid / (binance_mid * fx) - 1


def test_premium_maths_and_both_bases_with_opposite_signs() -> None:
    df = premium_quotes(venue_quotes(), ["BTC"], fx=parse_fx(["upbit", 1400.0]), max_age=5.0, as_of=AS_OF)
    assert list(df.columns) == list(SCHEMAS["premium"])
    assert list(df.fx_source) == [UPBIT_FX, "user"]
    up_mid = (99_990_000.0 + 100_010_000.0) / 2
    bn_mid = (69_990.0 + 70_010.0) / 2
    fx_mid = (1449.0 + 1451.0) / 2
    p_upbit = expected(up_mid, bn_mid, fx_mid)
    p_user = expected(up_mid, bn_mid, 1400.0)
    assert p_upbit < 0 < p_user  # the two bases disagree in sign
    row_u, row_user = df.iloc[0], df.iloc[1]
    assert row_u.premium_pct == p_upbit * 100 and row_u.premium_bps == p_upbit * 10_000
    assert row_user.premium_pct == p_user * 100
    assert row_u.fx_rate == fx_mid and row_user.fx_rate == 1400.0
    assert row_u.binance_mid_krw == bn_mid * fx_mid
    assert row_u.upbit_mid_usdt == up_mid / fx_mid
    assert row_u.upbit_mid == up_mid and row_u.binance_mid == bn_mid
    assert row_u.fx_ts == AS_OF - pd.Timedelta(seconds=1)
    assert pd.isna(row_user.fx_ts) and math.isnan(row_user.fx_age_s)
    assert not df.stale.any() and df.error.isna().all()
    assert row_u.max_age_s == 5.0 and row_u.upbit_age_s == 1.0


def test_stale_legs_are_flagged_but_computed() -> None:
    df = premium_quotes(venue_quotes(binance=9.0), ["BTC"], fx=parse_fx("upbit"), max_age=5.0, as_of=AS_OF)
    row = df.iloc[0]
    assert bool(row.stale) and row.binance_age_s == 9.0
    assert row.skew_s == 8.0  # legs 1 s and 9 s old
    assert not math.isnan(row.premium_pct)


def test_future_stamps_count_as_stale() -> None:
    df = premium_quotes(venue_quotes(fx=-7.0), ["BTC"], fx=parse_fx("upbit"), max_age=5.0, as_of=AS_OF)
    assert bool(df.stale.iloc[0]) and df.fx_age_s.iloc[0] == -7.0


def test_old_user_series_is_stale_and_read_as_of_the_later_leg() -> None:
    idx = pd.DatetimeIndex([AS_OF - pd.Timedelta(minutes=10), AS_OF - pd.Timedelta(seconds=1)])
    later = pd.Series([1300.0, 1500.0], index=idx)
    df = premium_quotes(
        venue_quotes(upbit=3.0, binance=2.0), ["BTC"], fx=parse_fx(later), max_age=5.0, as_of=AS_OF
    )
    # the later leg is 2 s old: the series' last value at or before it is the 10-minute-old one
    assert df.fx_rate.iloc[0] == 1300.0
    assert df.fx_age_s.iloc[0] == 600.0 and bool(df.stale.iloc[0])


def test_outage_leaves_nan_and_names_the_error() -> None:
    qs = venue_quotes()
    boom = xt.ExchangeUnavailable("Service Unavailable", exchange="binance", status=503)
    qs["binance"] = Quotes("binance", frame("tickers"), AS_OF, error=boom)
    df = premium_quotes(qs, ["BTC"], fx=parse_fx("upbit"), max_age=5.0, as_of=AS_OF)
    row = df.iloc[0]
    assert math.isnan(row.premium_pct) and math.isnan(row.binance_mid)
    assert row.upbit_mid == 100_000_000.0 and row.fx_rate == 1450.0
    assert row.error.startswith("binance: ExchangeUnavailable: Service Unavailable")


def test_unlisted_base_is_marked_not_dropped() -> None:
    qs = venue_quotes()
    qs["binance"] = quotes("binance", BN, unlisted=frozenset({"KRWONLY/USDT"}))
    df = premium_quotes(qs, ["BTC", "KRWONLY"], fx=parse_fx("upbit"), max_age=5.0, as_of=AS_OF)
    assert list(df.base) == ["BTC", "KRWONLY"]
    assert "UnknownMarket: binance does not list KRWONLY/USDT" in df.error.iloc[1]


def test_compare_normalises_with_each_basis() -> None:
    df = compare_quotes(
        venue_quotes(),
        ["BTC"],
        quote="USDT",
        fx=parse_fx(["upbit", 1400.0]),
        exchanges=["binance", "upbit"],
        max_age=5.0,
        as_of=AS_OF,
    )
    assert list(df.columns) == list(SCHEMAS["compare"])
    assert list(zip(df.exchange, df.fx_source, strict=True)) == [
        ("binance", UPBIT_FX),
        ("binance", "user"),
        ("upbit", UPBIT_FX),
        ("upbit", "user"),
    ]
    bn, up = df.iloc[0], df.iloc[2]
    assert bn.mid_n == bn.mid == 70_000.0 and bn.quote == "USDT" and bn.quote_n == "USDT"
    assert up.bid_n == 99_990_000.0 / 1450.0 and up.ask_n == 100_010_000.0 / 1450.0
    assert up.last_n == 100_000_000.0 / 1450.0
    assert df.iloc[3].mid_n == 100_000_000.0 / 1400.0
    assert (df.age_s == 1.0).all() and not df.stale.any()


def test_compare_into_krw_and_fx_staleness_only_where_used() -> None:
    df = compare_quotes(
        venue_quotes(fx=30.0),
        ["BTC"],
        quote="KRW",
        fx=parse_fx("upbit"),
        exchanges=["binance", "upbit"],
        max_age=5.0,
        as_of=AS_OF,
    )
    bn, up = df.iloc[0], df.iloc[1]
    assert bn.mid_n == 70_000.0 * 1450.0 and bool(bn.stale)  # converted with a 30 s old rate
    assert up.mid_n == up.mid and not bool(up.stale)  # native KRW: the FX age is irrelevant


def test_compare_fx_failure_only_hurts_converted_rows() -> None:
    qs = venue_quotes()
    qs["upbit"] = quotes("upbit", {"BTC/KRW": UP["BTC/KRW"]}, unlisted=frozenset({"USDT/KRW"}))
    df = compare_quotes(
        qs,
        ["BTC"],
        quote="USDT",
        fx=parse_fx("upbit"),
        exchanges=["binance", "upbit"],
        max_age=5.0,
        as_of=AS_OF,
    )
    assert pd.isna(df.error.iloc[0]) and df.mid_n.iloc[0] == 70_000.0
    assert math.isnan(df.mid_n.iloc[1]) and "fx upbit:USDT/KRW" in df.error.iloc[1]


def test_empty_inputs_keep_the_schema() -> None:
    with pytest.raises(xt.InvalidArgument):
        compare_quotes({}, ["BTC"], quote="EUR", fx=parse_fx("upbit"), exchanges=[], max_age=5.0, as_of=AS_OF)
    df = compare_quotes(
        {}, ["BTC"], quote="USDT", fx=parse_fx("upbit"), exchanges=[], max_age=5.0, as_of=AS_OF
    )
    assert df.empty and list(df.columns) == list(SCHEMAS["compare"])
    assert str(df.ts.dtype) == "datetime64[ns, UTC]"
