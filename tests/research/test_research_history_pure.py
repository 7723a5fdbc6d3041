"""Premium history alignment, the fill policy, and the summary (no server)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit import SCHEMAS
from xtoolkit._frames import frame
from xtoolkit._frames import frame as build
from xtoolkit.research import align_history, premium_summary
from xtoolkit.research.fx import UPBIT_FX, FxBasis, parse_fx

T0 = pd.Timestamp("2025-03-01 00:00", tz="UTC")
MIN = pd.Timedelta(minutes=1)


def candles(exchange: str, symbol: str, rows: dict[int, tuple[float, float]]) -> pd.DataFrame:
    """Candles at T0 + k minutes: ``{k: (close, volume)}``."""
    return frame(
        "candles",
        {
            "exchange": [exchange] * len(rows),
            "symbol": [symbol] * len(rows),
            "interval": ["1m"] * len(rows),
            "open_time": [T0 + k * MIN for k in rows],
            "close": [c for c, _ in rows.values()],
            "volume": [v for _, v in rows.values()],
            "is_closed": [True] * len(rows),
        },
    )


UPBIT = candles("upbit", "BTC/KRW", {0: (100.0e6, 1.5), 1: (101.0e6, 2.0), 3: (103.0e6, 0.5)})
BINANCE = candles("binance", "BTC/USDT", {1: (70_000.0, 3.0), 2: (70_500.0, 4.0), 3: (71_000.0, 5.0)})
FX = candles("upbit", "USDT/KRW", {0: (1450.0, 9.0), 2: (1460.0, 8.0)})


def test_fill_policy_on_the_upbit_basis() -> None:
    df = align_history(UPBIT, BINANCE, base="BTC", fx=parse_fx("upbit"), fx_candles=FX, step=MIN)
    assert list(df.columns) == list(SCHEMAS["premium_history"])
    assert list(df.ts) == [T0 + k * MIN for k in range(4)]
    assert df.upbit_close.tolist() == [100.0e6, 101.0e6, 101.0e6, 103.0e6]
    assert df.filled_upbit.tolist() == [False, False, True, False]
    assert df.upbit_volume.tolist() == [1.5, 2.0, 0.0, 0.5]
    # never filled before the first real candle
    assert math.isnan(df.binance_close.iloc[0]) and not df.filled_binance.iloc[0]
    assert math.isnan(df.binance_volume.iloc[0])
    assert df.binance_close.tolist()[1:] == [70_000.0, 70_500.0, 71_000.0]
    assert df.fx_rate.tolist() == [1450.0, 1450.0, 1460.0, 1460.0]
    assert df.filled_fx.tolist() == [False, True, False, True]
    for i in range(1, 4):
        row = df.iloc[i]
        ratio = row.upbit_close / (row.binance_close * row.fx_rate) - 1
        assert row.premium_pct == ratio * 100 and row.premium_bps == ratio * 10_000
        assert row.binance_close_krw == row.binance_close * row.fx_rate
        assert row.upbit_close_usdt == row.upbit_close / row.fx_rate
    assert math.isnan(df.premium_pct.iloc[0])
    assert (df.fx_source == UPBIT_FX).all() and df.error.isna().all()


def test_user_series_read_as_of_candle_close_and_constant_side_by_side() -> None:
    series = pd.Series(
        [1390.0, 1410.0, 1420.0],
        index=pd.DatetimeIndex(
            [T0 - pd.Timedelta(seconds=10), T0 + 90 * pd.Timedelta(seconds=1), T0 + 3 * MIN]
        ),
    )
    df = align_history(
        UPBIT, BINANCE, base="BTC", fx=parse_fx([series, FxBasis("flat", rate=1400.0)]), step=MIN
    )
    user = df[df.fx_source == "user"]
    flat = df[df.fx_source == "flat"]
    assert user.fx_rate.tolist() == [1390.0, 1410.0, 1410.0, 1420.0]
    assert user.filled_fx.tolist() == [True, False, True, False]
    assert flat.fx_rate.tolist() == [1400.0] * 4 and not flat.filled_fx.any()
    assert len(df) == 8


def test_grid_fills_interior_gaps_of_every_leg() -> None:
    up = candles("upbit", "BTC/KRW", {0: (1.0, 1.0), 4: (2.0, 1.0)})
    bn = candles("binance", "BTC/USDT", {0: (1.0, 1.0), 4: (1.0, 1.0)})
    df = align_history(up, bn, base="BTC", fx=parse_fx(1.0), step=MIN)
    assert len(df) == 5 and df.filled_upbit.tolist() == [False, True, True, True, False]
    assert df.upbit_volume.tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]


def test_months_use_the_union_of_open_times() -> None:
    up = candles("upbit", "BTC/KRW", {0: (1.0, 1.0)})
    df = align_history(up, frame("candles"), base="BTC", fx=parse_fx(2.0), step=None)
    assert df.ts.tolist() == [T0] and math.isnan(df.premium_pct.iloc[0])


def test_failed_leg_is_nan_with_error() -> None:
    df = align_history(
        UPBIT,
        frame("candles"),
        base="BTC",
        fx=parse_fx("upbit"),
        fx_candles=FX,
        step=MIN,
        errors={"binance": "ExchangeUnavailable: down"},
    )
    assert df.binance_close.isna().all() and df.premium_pct.isna().all()
    assert (df.error == "binance: ExchangeUnavailable: down").all()


def test_summary_statistics() -> None:
    ts = [T0 + k * MIN for k in range(5)]
    hist = build(
        "premium_history",
        {
            "ts": ts * 2,
            "fx_source": ["a"] * 5 + ["b"] * 5,
            "premium_pct": [1.0, 2.0, 3.0, 4.0, float("nan")] + [float("nan")] * 5,
        },
    )
    s = premium_summary(hist)
    assert list(s.columns) == list(SCHEMAS["premium_summary"])
    a, b = s.iloc[0], s.iloc[1]
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert a["count"] == 4 and a["mean"] == 2.5 and a["std"] == x.std(ddof=1)
    assert a["min"] == 1.0 and a["max"] == 4.0
    assert [a[k] for k in ("p5", "p25", "p50", "p75", "p95")] == [
        np.quantile(x, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)
    ]
    assert a.latest == 4.0 and a.latest_ts == ts[3]
    assert a.zscore_latest == (4.0 - 2.5) / x.std(ddof=1)
    assert b["count"] == 0 and math.isnan(b["mean"]) and pd.isna(b.latest_ts)
    with pytest.raises(xt.InvalidArgument):
        premium_summary(hist, column="nope")


def test_summary_leaves_out_filled_rows_and_counts_them() -> None:
    ts = [T0 + k * MIN for k in range(5)]
    hist = build(
        "premium_history",
        {
            "ts": ts,
            "fx_source": ["a"] * 5,
            "premium_pct": [1.0, 2.0, 9.0, 3.0, 9.0],
            # a stale Upbit close against fresh Binance closes, twice
            "filled_upbit": [False, False, True, False, True],
            "filled_binance": [False] * 5,
            "filled_fx": [False] * 5,
        },
    )
    s = premium_summary(hist).iloc[0]
    assert s["count"] == 3 and s["filled_excluded"] == 2
    assert s["mean"] == 2.0 and s["max"] == 3.0 and s.latest == 3.0 and s.latest_ts == ts[3]
    everything = premium_summary(hist, include_filled=True).iloc[0]
    assert everything["count"] == 5 and everything["filled_excluded"] == 0 and everything.latest == 9.0
