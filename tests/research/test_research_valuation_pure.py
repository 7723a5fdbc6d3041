"""Balance valuation on hand-built balances and quotes (no server)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from research_quotes import AS_OF, quotes

import xtoolkit as xt
from xtoolkit import SCHEMAS
from xtoolkit._frames import frame
from xtoolkit.research.fx import parse_fx
from xtoolkit.research.valuation import value_balances

BALANCES = frame(
    "balances",
    {
        "exchange": ["binance"] * 3 + ["upbit"] * 4,
        "asset": ["BTC", "USDT", "LDBTC", "KRW", "BTC", "USDT", "XYZ"],
        "free": [0.4, 100.0, 1.0, 1_450_000.0, 0.1, 10.0, 5.0],
        "locked": [0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "total": [0.5, 100.0, 1.0, 1_450_000.0, 0.1, 10.0, 5.0],
    },
)
QUOTES = {
    "binance": quotes("binance", {"BTC/USDT": (69_990.0, 70_010.0, 70_000.0)}),
    "upbit": quotes(
        "upbit", {"BTC/KRW": (99_990_000.0, 100_010_000.0, 1.0), "USDT/KRW": (1449.0, 1451.0, 1450.0)}
    ),
}
LISTED = {"binance": {"BTC/USDT"}, "upbit": {"BTC/KRW", "USDT/KRW"}}


@pytest.fixture
def valued() -> pd.DataFrame:
    return value_balances(BALANCES, QUOTES, LISTED, quote="USDT", fx=parse_fx("upbit")[0])


def test_values_in_usdt(valued: pd.DataFrame) -> None:
    df = valued
    assert list(df.columns) == list(SCHEMAS["valued_balances"])
    rows = {(r.exchange, r.asset): r for r in df.itertuples()}
    btc = rows[("binance", "BTC")]
    assert btc.price_n == 70_000.0 and btc.value_n == 0.5 * 70_000.0 and btc.priced and btc.note == "mid"
    assert btc.symbol == "BTC/USDT" and btc.ts == AS_OF - pd.Timedelta(seconds=1)
    assert rows[("binance", "USDT")].value_n == 100.0 and rows[("binance", "USDT")].note == "quote currency"
    krw = rows[("upbit", "KRW")]
    assert krw.price_n == 1.0 / 1450.0 and krw.value_n == 1_450_000.0 * (1.0 / 1450.0)
    assert krw.note == "quote currency via fx" and krw.fx_rate == 1450.0
    up_btc = rows[("upbit", "BTC")]
    assert up_btc.price == 100_000_000.0 and up_btc.price_n == 100_000_000.0 / 1450.0
    assert rows[("upbit", "USDT")].price_n == 1.0


def test_assets_without_a_market_are_kept_and_flagged(valued: pd.DataFrame) -> None:
    df = valued
    flagged = df[~df.priced]
    assert sorted(flagged.asset) == ["LDBTC", "XYZ"]
    assert (flagged.note == "no market").all() and flagged.value_n.isna().all()
    assert len(df) == len(BALANCES)


def test_krw_target_and_failed_venue() -> None:
    boom = xt.NetworkError("connection reset", exchange="binance")
    df = value_balances(
        BALANCES[BALANCES.exchange == "upbit"],
        QUOTES,
        LISTED,
        quote="KRW",
        fx=parse_fx(1400.0)[0],
        errors={"binance": boom},
    )
    first = df.iloc[0]
    assert first.exchange == "binance" and not first.priced and first.error.startswith("NetworkError")
    krw = df[df.asset == "KRW"].iloc[0]
    assert krw.price_n == 1.0 and krw.value_n == 1_450_000.0
    usdt = df[df.asset == "USDT"].iloc[0]
    assert usdt.price_n == 1450.0 and usdt.symbol == "USDT/KRW"  # Upbit's own market, not the user rate
    assert not math.isnan(df[df.asset == "BTC"].value_n.iloc[0])
