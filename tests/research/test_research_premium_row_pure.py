"""Pure: the one premium formula, in both time representations (REST Timestamps, stream floats)."""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from xtoolkit._frames import SCHEMAS
from xtoolkit.research.premium_row import premium_row


@dataclass
class Leg:
    mid: float
    ts: Any
    error: str | None = None


T0 = pd.Timestamp("2025-01-02T03:04:05Z")


def rows(up_mid: float, bn_mid: float, rate: float, up_err: str | None = None) -> tuple[dict, dict]:
    stamped = premium_row(
        "BTC",
        "user",
        upbit=Leg(up_mid, T0 - pd.Timedelta(seconds=2), up_err),
        binance=Leg(bn_mid, T0 - pd.Timedelta(seconds=7)),
        fx_rate=rate,
        fx_ts=pd.NaT,
        fx_error=None,
        as_of=T0,
        max_age=5.0,
    )
    now = T0.value / 1e9
    floats = premium_row(
        "BTC",
        "user",
        upbit=Leg(up_mid, now - 2, up_err),
        binance=Leg(bn_mid, now - 7),
        fx_rate=rate,
        fx_ts=math.nan,
        fx_error=None,
        as_of=now,
        max_age=5.0,
    )
    return stamped, floats


def test_the_row_has_the_premium_columns_in_order() -> None:
    stamped, floats = rows(150_000_000.0, 100_000.0, 1_400.0)
    assert list(stamped) == list(floats) == list(SCHEMAS["premium"])


def test_same_numbers_in_both_time_representations() -> None:
    stamped, floats = rows(150_000_000.0, 100_000.0, 1_400.0)
    assert stamped["premium_pct"] == pytest.approx(150_000_000 / 140_000_000 * 100 - 100)
    assert stamped["premium_bps"] == pytest.approx(stamped["premium_pct"] * 100)
    for key in ("premium_pct", "binance_mid_krw", "upbit_mid_usdt", "upbit_age_s", "binance_age_s", "skew_s"):
        assert stamped[key] == pytest.approx(floats[key]), key
    assert stamped["upbit_age_s"] == 2.0 and stamped["binance_age_s"] == 7.0 and stamped["skew_s"] == 5.0
    assert math.isnan(stamped["fx_age_s"]) and math.isnan(floats["fx_age_s"])
    assert stamped["stale"] and floats["stale"]  # the Binance leg is 7 s old, max_age 5 s
    assert stamped["error"] is None and floats["error"] is None


def test_a_missing_leg_is_nan_with_its_reason_never_zero() -> None:
    stamped, floats = rows(math.nan, 100_000.0, 1_400.0, up_err="gap: disconnected")
    for row in (stamped, floats):
        assert math.isnan(row["premium_pct"]) and row["error"] == "upbit: gap: disconnected"


def test_rest_and_stream_use_this_function() -> None:
    # One formula: both wings call the same object (no second copy to drift).
    rest = importlib.import_module("xtoolkit.research.compare")
    live = importlib.import_module("xtoolkit.stream.premium")
    assert rest.premium_row is premium_row and live.premium_row is premium_row
