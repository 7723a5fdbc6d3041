"""The recorder against the sandbox: polling, gaps, bounded memory, disk, clean stops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest
from research_fixtures import box_fixture, client_fixture, quick_fixture  # noqa: F401  (fixtures)

import xtoolkit as xt
from xtoolkit import research as xr

MARKETS = ["binance:BTC/USDT", "upbit:BTC/KRW"]


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_run_records_polls_and_appends_csv(client: xt.Client, tmp_path: Path) -> None:
    rec = xr.Recorder(client, "premium", bases=["BTC", "ETH"], every=0.05, path=tmp_path / "p.csv")
    df = rec.run(3)
    assert list(df.columns) == list(xr.RESEARCH_SCHEMAS["record_premium"])
    assert len(df) == 6 and rec.polls == 3
    assert (df.exchange == "upbit-binance").all() and list(df.symbol[:2]) == ["BTC", "ETH"]
    assert df.poll_ts.is_monotonic_increasing and (df.lag_s < 5).all()
    assert df.error.isna().all() and df.error_type.isna().all() and df.premium_pct.notna().all()
    pd.testing.assert_frame_equal(xr.read_csv(tmp_path / "p.csv"), df)
    more = rec.run(1)  # runs again, appending to the same file
    assert len(more) == 8
    pd.testing.assert_frame_equal(xr.read_csv(tmp_path / "p.csv"), more)


def test_a_failing_exchange_becomes_gap_rows_and_recording_continues(quick: xt.Client, box: object) -> None:
    rec = xr.Recorder(quick, "tickers", markets=MARKETS, every=0.05, progress=False)
    with rec:
        wait_for(lambda: rec.polls >= 2)
        box.faults.next("binance", status=503, count=1)  # type: ignore[attr-defined]
        wait_for(lambda: rec.polls >= 6)
    assert not rec.running
    df = rec.frame
    gaps = df[df.error.notna()]
    assert len(gaps) == 1
    gap = gaps.iloc[0]
    assert gap.exchange == "binance" and gap.symbol == "BTC/USDT" and gap.error_type == "ExchangeUnavailable"
    assert pd.isna(gap.bid) and gap.error.startswith("ExchangeUnavailable")
    later = df[df.poll_ts > gap.poll_ts]
    assert len(later[later.exchange == "binance"]) >= 1 and later.error.isna().all()
    same_poll = df[(df.poll_ts == gap.poll_ts) & (df.exchange == "upbit")]
    assert same_poll.bid.notna().all()  # the other venue in that poll is intact
    errs = rec.errors
    assert list(errs.columns) == ["poll_ts", "exchange", "error_type", "error"]
    assert errs.exchange.tolist() == ["binance"] and errs.error_type.tolist() == ["ExchangeUnavailable"]
    assert (df.mid == (df.bid + df.ask) / 2).where(df.error.isna(), True).all()


def test_stop_is_bounded_even_with_a_request_hanging(quick: xt.Client, box: object) -> None:
    box.faults.next("upbit", kind="timeout", delay=30, count=100)  # type: ignore[attr-defined]
    rec = xr.Recorder(quick, "tickers", markets=MARKETS, every=0.05).start()
    time.sleep(0.3)
    assert rec.running
    t0 = time.monotonic()
    rec.stop(timeout=3.0)
    assert time.monotonic() - t0 < 3.0 and not rec.running


def test_memory_is_bounded(client: xt.Client) -> None:
    from xtoolkit.research.recorder import _COMPACT_EVERY

    rec = xr.Recorder(client, "premium", bases=["BTC", "ETH"], every=0.01, max_rows=4)
    df = rec.run(_COMPACT_EVERY + 6)
    assert len(df) == 4 and rec.polls == _COMPACT_EVERY + 6
    assert df.poll_ts.nunique() == 2  # the two most recent polls
    # What is held stays bounded: one folded frame of at most max_rows plus a few recent polls.
    assert rec._kept is not None and len(rec._kept) <= 4
    assert len(rec._polls) == 6


def test_parquet_is_hive_partitioned(client: xt.Client, tmp_path: Path) -> None:
    root = tmp_path / "ticks"
    rec = xr.Recorder(
        client, "tickers", markets=MARKETS, every=0.05, path=root, format="parquet", flush_every=0
    )
    df = rec.run(2)
    day = df.poll_ts.iloc[0].strftime("%Y-%m-%d")
    files = sorted(p.relative_to(root).parent.as_posix() for p in root.rglob("part-*.parquet"))
    assert f"exchange=binance/symbol=BTC-USDT/date={day}" in files
    assert f"exchange=upbit/symbol=BTC-KRW/date={day}" in files
    back = xr.read_parquet(root)
    want = df.sort_values(["poll_ts", "exchange", "symbol"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(back, want)
    # plain pyarrow (what DuckDB / Dask / Spark see) reads it too
    table = ds.dataset(root, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 4 and {"exchange", "symbol", "date", "bid"} <= set(table.column_names)


def test_parquet_flushes_on_stop(client: xt.Client, tmp_path: Path) -> None:
    rec = xr.Recorder(client, "premium", bases=["BTC"], every=0.02, path=tmp_path / "pq", format="parquet")
    rec.run(3)  # flush_every=60 s: everything is written when the run ends
    back = xr.read_parquet(tmp_path / "pq")
    assert len(back) == 3 and set(back.symbol) == {"BTC"} and (back.exchange == "upbit-binance").all()


def test_bugs_end_the_recording_loudly(client: xt.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = xr.Recorder(client, "premium", bases=["BTC"], every=0.02)

    async def broken(engine: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(rec, "_poll", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        rec.run(2)
    assert not rec.running


def test_arguments_are_checked(client: xt.Client, tmp_path: Path) -> None:
    with pytest.raises(xt.InvalidArgument):
        xr.Recorder(client, "trades", bases=["BTC"])
    with pytest.raises(xt.InvalidArgument):
        xr.Recorder(client, "premium", markets=MARKETS)
    with pytest.raises(xt.InvalidArgument):
        xr.Recorder(client, "tickers", markets=["BTC/USDT"])
    with pytest.raises(xt.InvalidArgument):
        xr.Recorder(client, "premium", bases=["BTC"], every=0)
    with pytest.raises(xt.InvalidArgument):
        xr.Recorder(client, "premium", bases=["BTC"], format="xlsx")
    rec = xr.Recorder(client, "tickers", markets=["binance:BTCUSDT", "upbit:KRW-ETH"])
    assert rec.markets == ["binance:BTC/USDT", "upbit:ETH/KRW"]
    xr.Recorder(client, "premium", bases=["BTC"], path=tmp_path / "x.csv").run(1)
    with pytest.raises(xt.InvalidArgument, match="holds"):
        xr.Recorder(client, "tickers", bases=["BTC"], path=tmp_path / "x.csv")


def test_async_client_runs_as_a_task(box: object) -> None:
    async def main() -> tuple[pd.DataFrame, pd.DataFrame]:
        async with xt.AsyncClient(**box.connect_kwargs(), use_env=False) as ac:  # type: ignore[attr-defined]
            rec = xr.Recorder(ac, "premium", bases=["BTC"], every=0.02)
            ran = await rec.arun(2)
            async with rec:
                for _ in range(250):
                    if rec.polls >= 4:
                        break
                    await asyncio.sleep(0.02)
            with pytest.raises(xt.InvalidArgument):
                rec.run(1)
            return ran, rec.frame

    ran, after = asyncio.run(main())
    assert len(ran) == 2 and len(after) >= 4
