"""The live premium on the sandbox equals research.premium at the same frozen state, feeds the
spread panel through its push hook, and records to disk."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamhelpers import wait_until

import xtoolkit as xt
from xtoolkit.research import premium, read_csv
from xtoolkit.sandbox import Sandbox
from xtoolkit.stream import ConnectionPolicy, LivePremium

# These tests check what the premium says, not how fast a dead link is noticed (test_stream_live
# does that with its own timings): staleness gets room for a busy machine or a faked clock.
FAST = ConnectionPolicy(heartbeat=0.5, stale_after=6.0, backoff_initial=0.05, backoff_max=0.2)
COLS = ["base", "fx_source", "fx_rate", "upbit_mid", "binance_mid", "binance_mid_krw", "premium_pct"]


@pytest.fixture
def client(box: Sandbox) -> Iterator[xt.Client]:
    with xt.Client(**box.connect_kwargs()) as c:
        yield c


def same(live: pd.DataFrame, rest: pd.DataFrame) -> bool:
    return len(live) == len(rest) and live[COLS].reset_index(drop=True).equals(
        rest[COLS].reset_index(drop=True)
    )


def test_live_premium_equals_the_rest_premium_and_feeds_the_panel(
    box: Sandbox, client: xt.Client, tmp_path: Path
) -> None:
    from xtoolkit.widgets.spread import SpreadPanel

    panel = SpreadPanel(client, base="BTC", history=0)
    # The sandbox builds the history a REST premium reads on its server thread; do that once
    # before streaming, so a cold start cannot hold up the first comparison.
    premium(client, ["BTC", "ETH"], fx=["upbit", 1400.0])
    path = tmp_path / "live.csv"
    lp = LivePremium(["BTC", "ETH"], fx=["upbit", 1400.0], path=path, flush_every=0.0)
    lp.on_update(panel.push, min_interval=0.0)
    lp.start(client, policy=FAST)
    try:
        for _ in range(2):  # at the current state, then after the market moves
            rest = premium(client, ["BTC", "ETH"], fx=["upbit", 1400.0])
            # Equality, not speed, is asserted (the stream benchmark times it): under
            # libfaketime with four workers the sandbox hub lags 1-1.5 s per tick.
            wait_until(lambda: same(lp.snapshot(), rest), timeout=20.0, what="the live premium to equal REST")  # noqa: B023
            box.market.step(1)
        snap = lp.snapshot()
        assert snap["error"].isna().all() and not snap["stale"].any()

        def panel_shows_the_live_numbers() -> bool:
            # The listener runs on the delivery thread: its first pushes may be the snapshots
            # taken before the books synced (NaN premiums); what counts is that the newest
            # one, with numbers, reaches the panel.
            shown = panel.snapshot
            if panel.refreshes == 0 or not (shown["base"] == "BTC").all():
                return False
            live = lp.snapshot().query("base == 'BTC'").set_index("fx_source")["premium_pct"]
            drawn = shown.set_index("fx_source")["premium_pct"]
            return bool(drawn.notna().all()) and drawn.sort_index().equals(live.sort_index())

        wait_until(panel_shows_the_live_numbers, what="the panel to show the live premium")
        assert set(panel.snapshot["fx_source"]) == {"upbit:USDT/KRW", "user"}
        assert lp.stream is not None and lp.stream.stats.gaps == 0
    finally:
        df = lp.stop()
    assert df["trigger"].isin(lp.markets).all()
    # A base's quote moves its own 2 rows (2 FX bases); the FX quote moves every base's.
    fx_moves = df["trigger"].eq("upbit:USDT/KRW").sum() // 4
    assert len(df) == 4 * fx_moves + 2 * (lp.updates - fx_moves)
    back = read_csv(path)
    assert len(back) == len(df)
    assert box.streams.connections() == 0


def test_a_disconnect_shows_in_the_premium(box: Sandbox, client: xt.Client) -> None:
    lp = LivePremium("BTC").start(client, policy=FAST)
    try:
        wait_until(lambda: lp.snapshot()["error"].isna().all() and len(lp.snapshot()) == 1)
        box.faults.ws_drop("binance", refuse=1)
        wait_until(lambda: lp.frame()["error"].str.contains("binance: gap: disconnected").any())
        assert lp.stream is not None
        wait_until(lambda: lp.stream.stats.reconnects == 1 and lp.snapshot()["error"].isna().all())
    finally:
        lp.stop()


def test_a_slow_listener_gets_the_newest_snapshot_off_the_stream_loop(
    box: Sandbox, client: xt.Client
) -> None:
    seen: list[tuple[str, pd.DataFrame]] = []

    def slow(snap: pd.DataFrame) -> None:  # a panel redrawing a figure takes ~100 ms
        seen.append((threading.current_thread().name, snap))
        time.sleep(0.3)

    lp = LivePremium(["BTC", "ETH"])
    lp.on_update(slow)
    lp.start(client, policy=FAST)
    try:
        wait_until(lambda: lp.snapshot()["error"].isna().all() and len(seen) > 0)
        for _ in range(3):
            box.market.step(1)
        wait_until(lambda: lp.updates >= 6, what="updates while the listener sleeps")
    finally:
        final = lp.stop()
    assert all(name.startswith("xtoolkit-premium-listeners") for name, _ in seen)
    # Coalesced, not queued: fewer calls than updates, and the last one saw the final state.
    assert len(seen) < lp.updates
    assert seen[-1][1][COLS].equals(lp.snapshot()[COLS])
    assert lp.stream is not None and lp.stream.stats.reconnects == 0 and not final.empty
