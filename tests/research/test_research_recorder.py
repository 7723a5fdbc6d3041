"""The recorder against the sandbox: polling, gaps, bounded memory, disk, clean stops."""

from __future__ import annotations

import asyncio
import random
import threading
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
    assert list(df.columns) == list(xt.SCHEMAS["record_premium"])
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


# --- stop() at random points: every recorded row is on disk, none arrives later ---------------


def _disk_keys(sink: str, where: Path) -> list[tuple[int, str]]:
    """(poll_ts in µs, symbol) of every row on disk, sorted; a multiset, so duplicates show."""
    if not where.exists():
        return []
    if sink == "csv":
        df = xr.read_csv(where)
    elif sink == "parquet":
        df = xr.read_parquet(where)
    else:
        df = xt.Catalog(where).sql("SELECT poll_ts, symbol FROM record_premium")
    return _keys(df)


def _keys(df: pd.DataFrame) -> list[tuple[int, str]]:
    # Microseconds: what every sink stores (Spark-readable); the frame holds nanoseconds.
    us = pd.to_datetime(df["poll_ts"], utc=True).dt.as_unit("us").astype("int64")
    return sorted(zip(us.tolist(), df["symbol"].astype(str).tolist(), strict=True))


def _files(where: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``where`` (or ``where`` itself) with its size and mtime: a late write shows."""
    if where.is_file():
        paths = [where]
    else:
        paths = [p for p in where.rglob("*") if p.is_file()] if where.exists() else []
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in paths}


def _stop_at_random_points(recorder_cls: type, client: xt.Client, sink: str, where: Path, seed: int) -> None:
    """Start/stop one recorder 30 times; after each stop() the disk holds exactly its frame.

    A third of the stops land while a poll's write is queued on its thread (the write is held
    there until stop() has been called: where the pre-fix recorder closed the sink under it),
    the rest between polls or before the first one. Every wait is bounded; the outcome never
    depends on how fast this machine is.
    """
    rng = random.Random(seed)
    if sink == "catalog":
        target: dict[str, object] = {"catalog": xt.Catalog(where)}
    else:
        target = {"path": where, "format": sink}
    # flush_every=0.05: some Parquet/catalog flushes happen mid-run, the rest in stop().
    rec = recorder_cls(
        client, "premium", bases=["BTC"], every=0.02, flush_every=0.05, progress=False, **target
    )
    sink_obj = rec._sink
    real_write = sink_obj.write
    writes = [0]
    hold: dict[str, object] = {"at": -1}
    entered, finished = threading.Event(), threading.Event()

    def write(rows: pd.DataFrame) -> None:
        n = writes[0]
        writes[0] += 1
        if n == hold["at"]:
            entered.set()
            # Keep this write on its thread until stop() was called and its cancel has had time
            # to land; a correct recorder waits for us, the pre-fix one closed the sink meanwhile.
            rec._stopping.wait(10.0)
            time.sleep(0.05)
        try:
            real_write(rows)
        finally:
            if n == hold["at"]:
                finished.set()

    sink_obj.write = write
    for cycle in range(30):
        mode = rng.choice(["in_write", "between", "between", "at_once"])
        k = rng.randint(0, 3)
        entered.clear()
        finished.clear()
        hold["at"] = writes[0] + k if mode == "in_write" else -1
        polls = rec.polls
        rec.start()
        if mode == "in_write":
            assert entered.wait(10.0), f"cycle {cycle}: the held write never started"
        elif mode == "between":
            wait_for(lambda want=polls + k: rec.polls >= want, timeout=10.0)
            time.sleep(rng.uniform(0.0, 0.03))  # anywhere in the poll cycle: sleep, request, write
        frame = rec.stop(timeout=10.0)
        assert _disk_keys(sink, where) == _keys(frame), f"cycle {cycle} ({mode}): rows lost or duplicated"
        after_stop = _files(where)
        if mode == "in_write":
            # A write still running after stop() returned would finish now: give it the chance.
            assert finished.wait(10.0)
        assert _files(where) == after_stop, f"cycle {cycle} ({mode}): a write landed after stop() returned"
    assert rec.polls >= 30  # the cycles did record (a test of nothing would pass trivially)


@pytest.mark.parametrize("sink", ["csv", "parquet", "catalog"])
def test_stop_at_random_points_flushes_every_row(client: xt.Client, tmp_path: Path, sink: str) -> None:
    where = tmp_path / {"csv": "rec.csv", "parquet": "pq", "catalog": "cat"}[sink]
    _stop_at_random_points(xr.Recorder, client, sink, where, seed=16)


# --- the plain Parquet sink writes each part atomically -----------------------------------------


def test_parquet_parts_are_written_atomically(
    client: xt.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    root = tmp_path / "pq"
    real = pq.write_table
    seen: list[tuple[str, list[str]]] = []

    def spy(table: object, where: object, **kw: object) -> None:
        # The bytes go to a dot-named temp file beside the final part, which is not there yet.
        name = getattr(where, "name", where)
        assert isinstance(name, str), "written straight to the final path, not through a temp file"
        folder = Path(name).parent
        seen.append((Path(name).name, sorted(p.name for p in folder.glob("part-*.parquet"))))
        real(table, where, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "write_table", spy)
    df = xr.Recorder(client, "premium", bases=["BTC"], every=0.02, path=root, format="parquet").run(2)
    assert len(seen) == 1 and seen[0][0].startswith(".part-") and seen[0][1] == []
    assert [p.name.startswith(".") for p in root.rglob("*") if p.is_file()] == [False]
    assert len(xr.read_parquet(root)) == len(df) == 2

    # A write that dies half-way (disk full) leaves nothing a reader would pick up.
    def dies(table: object, where: object, **kw: object) -> None:
        where.write(b"PAR1 half a file")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", dies)
    with pytest.raises(OSError, match="No space"):
        xr.Recorder(client, "premium", bases=["BTC"], every=0.02, path=root, format="parquet").run(1)
    assert [p.name for p in root.rglob("*") if p.is_file()] == [seen[0][0].split(".tmp-")[0][1:]]
    assert len(xr.read_parquet(root)) == 2
