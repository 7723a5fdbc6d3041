"""Pure: the live premium fed by hand — research.premium's maths and columns, visible gaps,
bounded history, throttled listeners, disk recording through the research writers."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pandas as pd
import pytest

from xtoolkit import InvalidArgument
from xtoolkit.research import read_csv
from xtoolkit.research.schemas import RESEARCH_SCHEMAS
from xtoolkit.stream import LivePremium, StreamRecord
from xtoolkit.stream.records import gap_record


def quote(market: str, bid: float, ask: float, ts: float | None = None) -> StreamRecord:
    exchange, symbol = market.split(":")
    now = time.time()
    return StreamRecord(exchange, symbol, "book_ticker", now, bid=bid, ask=ask, event_ts=ts)


def fed(lp: LivePremium) -> LivePremium:
    lp.update(quote("upbit:USDT/KRW", 1439.5, 1440.5))
    lp.update(quote("binance:BTC/USDT", 91_000.0, 91_002.0))
    lp.update(quote("upbit:BTC/KRW", 135_000_000.0, 135_001_000.0))
    return lp


def test_markets_and_the_premium_formula() -> None:
    lp = fed(LivePremium(["BTC"], fx=["upbit", 1400.0]))
    assert lp.markets == ["upbit:BTC/KRW", "binance:BTC/USDT", "upbit:USDT/KRW"]
    snap = lp.snapshot()
    assert list(snap.columns) == list(RESEARCH_SCHEMAS["premium"])
    up, bn = 135_000_500.0, 91_001.0
    for fx, rate in (("upbit:USDT/KRW", 1440.0), ("user", 1400.0)):
        row = snap[snap["fx_source"] == fx].iloc[0]
        assert row["fx_rate"] == rate
        assert row["premium_pct"] == pytest.approx((up / (bn * rate) - 1) * 100)
        assert row["premium_bps"] == pytest.approx((up / (bn * rate) - 1) * 10_000)
        assert row["binance_mid_krw"] == pytest.approx(bn * rate)
        assert not row["stale"] and pd.isna(row["error"])


def test_rows_use_the_recorder_schema_plus_trigger() -> None:
    lp = fed(LivePremium("BTC"))
    df = lp.frame()
    schema = RESEARCH_SCHEMAS["record_premium"]
    assert list(df.columns) == [*schema, "trigger"]
    assert dict(df.dtypes.astype(str))["poll_ts"] == "datetime64[ns, UTC]"
    assert df["exchange"].unique().tolist() == ["upbit-binance"]
    assert df["trigger"].tolist() == ["upbit:USDT/KRW", "binance:BTC/USDT", "upbit:BTC/KRW"]
    # Until every leg has a quote, the premium is NaN and says why.
    assert math.isnan(df["premium_pct"].iloc[0]) and "no quote yet" in df["error"].iloc[0]
    assert not math.isnan(df["premium_pct"].iloc[2]) and pd.isna(df["error"].iloc[2])
    assert (df["lag_s"] >= 0).all()


def test_a_gap_makes_the_leg_unknown_until_its_next_quote() -> None:
    lp = fed(LivePremium("BTC"))
    (row,) = lp.update(gap_record("binance", "BTC/USDT", "book_ticker", time.time(), "disconnected: x"))
    assert math.isnan(row["premium_pct"]) and "binance: gap: disconnected: x" in row["error"]
    (row,) = lp.update(quote("binance:BTC/USDT", 91_000.0, 91_002.0))
    assert not math.isnan(row["premium_pct"]) and row["error"] is None
    # A connection-wide gap (malformed frame) touches every leg of that venue.
    rows = lp.update(gap_record("upbit", None, None, time.time(), "malformed frame skipped"))
    assert (
        len(rows) == 1 and "upbit: gap" in rows[0]["error"] and "fx upbit:USDT/KRW: gap" in rows[0]["error"]
    )


def test_irrelevant_records_produce_nothing() -> None:
    lp = LivePremium("BTC")
    assert lp.update(quote("binance:ETH/USDT", 1.0, 2.0)) == []
    trade = StreamRecord("binance", "BTC/USDT", "trades", time.time(), price=1.0, qty=1.0, side="buy")
    assert lp.update(trade) == []
    assert lp.updates == 0


def test_an_fx_update_moves_every_base() -> None:
    lp = LivePremium(["BTC", "ETH"])
    rows = lp.update(quote("upbit:USDT/KRW", 1439.5, 1440.5))
    assert [r["base"] for r in rows] == ["BTC", "ETH"]


def test_stale_legs_are_flagged_not_dropped() -> None:
    lp = LivePremium("BTC", max_age=5.0)
    old = time.time() - 60
    lp.update(quote("upbit:USDT/KRW", 1439.5, 1440.5, ts=old))
    lp.update(quote("binance:BTC/USDT", 91_000.0, 91_002.0))
    (row,) = lp.update(quote("upbit:BTC/KRW", 135_000_000.0, 135_001_000.0))
    assert row["stale"] and row["fx_age_s"] > 50 and not math.isnan(row["premium_pct"])


def test_history_is_bounded() -> None:
    lp = LivePremium("BTC", max_rows=5)
    for i in range(20):
        lp.update(quote("binance:BTC/USDT", 91_000.0 + i, 91_002.0 + i))
    assert len(lp.frame()) == 5 and lp.updates == 20


def test_listeners_are_throttled_and_failures_contained() -> None:
    lp = LivePremium("BTC")
    calls: list[pd.DataFrame] = []
    lp.on_update(calls.append, min_interval=3600)
    lp.on_update(lambda snap: 1 / 0)
    fed(lp)
    assert len(calls) == 1 and list(calls[0]["base"]) == ["BTC"]
    assert lp.listener_errors == 3  # the failing one ran on every update
    with pytest.raises(InvalidArgument):
        lp.on_update(calls.append, min_interval=-1)


def test_recording_to_csv_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "premium.csv"
    lp = fed(LivePremium("BTC", path=path, flush_every=0.0))
    lp.update(quote("binance:BTC/USDT", 91_010.0, 91_012.0))
    lp._close_sink()
    back = read_csv(path)
    assert len(back) == 4
    assert list(back.columns)[: len(RESEARCH_SCHEMAS["record_premium"])] == list(
        RESEARCH_SCHEMAS["record_premium"]
    )
    assert back["premium_pct"].iloc[-1] == pytest.approx(lp.frame()["premium_pct"].iloc[-1])


def test_validation() -> None:
    with pytest.raises(InvalidArgument):
        LivePremium([])
    with pytest.raises(InvalidArgument):
        LivePremium("BTC", max_age=0)
    with pytest.raises(InvalidArgument):
        LivePremium("BTC", format="xlsx")
