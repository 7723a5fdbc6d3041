"""Pure: the rolling buffer keeps a fixed schema and exactly max_rows rows in flat memory."""

from __future__ import annotations

import tracemalloc

import pandas as pd
import pytest

from xtoolkit import InvalidArgument
from xtoolkit.stream import STREAM_SCHEMA, StreamBuffer, StreamRecord
from xtoolkit.stream.records import gap_record

T0 = 1_795_430_400.0


def top(i: int) -> StreamRecord:
    return StreamRecord(
        "binance",
        "BTC/USDT",
        "book_ticker",
        T0 + i,
        bid=100.0 + i,
        ask=101.0 + i,
        bid_qty=1,
        ask_qty=2,
        seq=i,
    )


def test_empty_frame_has_the_schema() -> None:
    df = StreamBuffer(10).frame()
    assert df.empty
    assert dict(df.dtypes.astype(str)) == STREAM_SCHEMA


def test_rows_and_types() -> None:
    buf = StreamBuffer(100)
    buf.append(top(0))
    buf.append(
        StreamRecord(
            "upbit",
            "BTC/KRW",
            "trades",
            T0,
            price=1.5,
            qty=2.0,
            side="sell",
            event_ts=T0 - 0.25,
            seq=17954235123450001,
        )
    )
    buf.append(gap_record("upbit", None, None, T0 + 1, "malformed frame skipped"))
    df = buf.frame()
    assert dict(df.dtypes.astype(str)) == STREAM_SCHEMA
    assert df["exchange"].tolist() == ["binance", "upbit", "upbit"]
    assert df["seq"].tolist()[:2] == [0, 17954235123450001]  # beyond float64's exact range
    assert pd.isna(df["seq"].iloc[2]) and pd.isna(df["symbol"].iloc[2]) and pd.isna(df["channel"].iloc[2])
    assert df["gap"].tolist() == [False, False, True]
    assert df["reason"].iloc[2] == "malformed frame skipped"
    assert pd.isna(df["event_ts"].iloc[0])
    assert df["event_ts"].iloc[1] == pd.Timestamp(T0 - 0.25, unit="s", tz="UTC")
    assert df["received_ts"].iloc[0] == pd.Timestamp(T0, unit="s", tz="UTC")
    assert df["side"].iloc[1] == "sell" and pd.isna(df["bid"].iloc[1])


def test_50k_events_through_1000_rows_keeps_exactly_the_newest_in_flat_memory() -> None:
    buf = StreamBuffer(1000)
    for i in range(2000):
        buf.append(top(i))
    buf.frame()
    held = buf.nbytes
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for i in range(2000, 50_000):
            buf.append(top(i))
        df = buf.frame()
        del df
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert buf.nbytes == held
    # 48k records went through; what stays is the fixed ring plus at most one pending batch.
    assert after - before < 200_000
    df = buf.frame()
    assert len(df) == len(buf) == 1000
    assert df["seq"].tolist() == list(range(49_000, 50_000))
    assert buf.total == 50_000 and buf.dropped == 49_000


def test_extend_clear_and_validation() -> None:
    buf = StreamBuffer(3)
    buf.extend(top(i) for i in range(5))
    assert buf.frame()["seq"].tolist() == [2, 3, 4]
    buf.clear()
    assert len(buf) == 0 and buf.total == 5
    with pytest.raises(InvalidArgument):
        StreamBuffer(0)
