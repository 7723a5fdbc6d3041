"""FX bases: what users may pass, and as-of lookups."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit.research.fx import UPBIT_FX, USER_FX, FxBasis, convert, one_fx, parse_fx


def test_forms_and_labels() -> None:
    series = pd.Series([1400.0], index=pd.DatetimeIndex(["2025-01-01"]))
    bases = parse_fx(["upbit", 1385])
    assert [b.source for b in bases] == [UPBIT_FX, USER_FX]
    assert bases[1].rate == 1385.0
    assert parse_fx(Decimal("1390.5"))[0].rate == 1390.5
    custom = parse_fx([series, FxBasis("user:bok", rate=1380.0)])
    assert [b.source for b in custom] == [USER_FX, "user:bok"]
    # naive index is UTC
    assert str(custom[0].series.index.tz) == "UTC"


@pytest.mark.parametrize(
    "bad",
    [True, -1.0, float("nan"), "ecb", [], [1400.0, 1500.0], pd.Series([1.0], index=[0]), object()],
)
def test_bad_bases_are_refused(bad: object) -> None:
    with pytest.raises(xt.InvalidArgument):
        parse_fx(bad)  # type: ignore[arg-type]


def test_one_fx_needs_exactly_one() -> None:
    assert one_fx(1400.0).rate == 1400.0
    with pytest.raises(xt.InvalidArgument):
        one_fx(["upbit", 1400.0])


def test_series_asof_uses_last_value_at_or_before() -> None:
    idx = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 00:01"], tz="UTC")
    basis = parse_fx(pd.Series([1400.0, 1410.0], index=idx))[0]
    assert basis.asof(pd.Timestamp("2025-01-01 00:00:59", tz="UTC")) == (1400.0, idx[0])
    assert basis.asof(idx[1]) == (1410.0, idx[1])
    rate, stamp = basis.asof(pd.Timestamp("2024-12-31", tz="UTC"))
    assert np.isnan(rate) and stamp is pd.NaT
    # strictly-before lookups (candle close times are exclusive)
    rates, stamps = basis.asof_many(pd.DatetimeIndex([idx[1]]), before=True)
    assert rates.tolist() == [1400.0] and stamps[0] == idx[0]


def test_convert() -> None:
    assert convert(1450.0, "KRW", "USDT", 1450.0) == 1.0
    assert convert(2.0, "USDT", "KRW", 1450.0) == 2900.0
    assert convert(3.0, "USDT", "USDT", float("nan")) == 3.0
