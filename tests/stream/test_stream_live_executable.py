"""The live executable premium (``widgets.live_exec.LiveExecutable``) on the sandbox's streams.

* Fed by the streams' local books it gives exactly the numbers the REST verb
  ``executable_premium`` gives for the same books (frozen sandbox: the REST fetch and the local
  books hold the same levels), with and without keys, for a size that fills and one that does
  not, both directions, both FX bases, before and after the market moves.
* A book that is not depth-synced gives a flagged row (``books_synced`` False, NaN premiums),
  never a number; a book older than ``max_age`` marks the row ``stale``.
* The spread panel draws it as labelled lines of their own; the dashboard's size control and
  its live toggle drive it.

Every wait is bounded (``streamhelpers.wait_until``). No dates are asserted.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pandas as pd
import pytest
from streamhelpers import wait_until

import xtoolkit as xt
from xtoolkit.research import executable_premium
from xtoolkit.sandbox import Sandbox
from xtoolkit.stream import ConnectionPolicy, LocalBook
from xtoolkit.widgets.live_exec import LIVE_EXECUTABLE_SCHEMA, LiveExecutable
from xtoolkit.widgets.spread import SpreadPanel

# What the numbers say, not how fast a dead link is noticed: staleness gets room for a busy machine.
FAST = ConnectionPolicy(heartbeat=0.5, stale_after=6.0, backoff_initial=0.05, backoff_max=0.2)
FX = ["upbit", 1400.0]
#: Book levels per side of the REST verb's fetch (Binance 100, Upbit all 30), and the stream's.
DEPTH = 100
#: Columns the live rows share with the REST verb's, except the books' times and ages (the REST
#: fetch and the local books are read at different instants).
SAME = [
    c
    for c in xt.SCHEMAS["executable_premium"]
    if not c.endswith("_book_ts") and not c.endswith("_book_age_s")
]
WAIT = 20.0  # a first sync: connect, subscribe, REST snapshot (bounded; usually well under 1 s)


@pytest.fixture
def keyed(box: Sandbox) -> Iterator[xt.Client]:
    """The sandbox's seeded accounts: account fee rates, wallets read (routes known)."""
    with xt.Client(**box.connect_kwargs(), use_env=False) as c:
        yield c


@pytest.fixture
def public(box: Sandbox) -> Iterator[xt.Client]:
    """No keys: default fee rates, every route unknown."""
    kw = dict(box.connect_kwargs())
    kw.pop("credentials")
    with xt.Client(**kw, use_env=False) as c:
        yield c


def same(live: pd.DataFrame, rest: pd.DataFrame) -> bool:
    return len(live) == len(rest) and live[SAME].reset_index(drop=True).equals(
        rest[SAME].reset_index(drop=True)
    )


def differences(live: pd.DataFrame, rest: pd.DataFrame) -> dict[str, Any]:
    return {
        c: (live[c].tolist(), rest[c].tolist())
        for c in SAME
        if not live[c].reset_index(drop=True).equals(rest[c].reset_index(drop=True))
    }


def synced(live: LiveExecutable) -> bool:
    snap = live.snapshot()
    return len(snap) > 0 and bool(snap["books_synced"].all())


def test_live_rows_equal_the_rest_verb_on_the_same_books(box: Sandbox, keyed: xt.Client) -> None:
    bases = ["BTC", "ETH"]
    executable_premium(bases, D("0.5"), fx=FX, client=keyed)  # warm the sandbox's lazy state
    live = LiveExecutable(bases, D("0.5"), fx=FX, depth=DEPTH, max_age=3600.0)
    live.start(keyed, policy=FAST)
    try:
        wait_until(lambda: synced(live), timeout=WAIT, what="every local book synced")
        for size in (D("0.5"), D("100000")):  # fills; does not fill (the books hold far less)
            live.set_size(size)
            for _ in range(2):  # at the current state, then after the market moves
                rest = executable_premium(bases, size, fx=FX, client=keyed)
                wait_until(
                    lambda: same(live.snapshot(), rest),  # noqa: B023
                    timeout=WAIT,
                    what=f"live rows equal to REST at {size}: {differences(live.snapshot(), rest)}",
                )
                box.market.step(1)
            snap = live.snapshot()
            assert list(snap.columns) == list(LIVE_EXECUTABLE_SCHEMA)
            assert snap["books_synced"].all() and snap["unsynced"].isna().all()
            assert set(snap["direction"]) == {"binance_to_upbit", "upbit_to_binance"}
            assert set(snap["fx_basis"]) == {"upbit:USDT/KRW executable", "user:1400.0"}
            assert (snap["fee_source_binance"] == "account").all() and (snap["route_status"] == "open").all()
            if size == D("0.5"):
                assert snap["filled"].all() and snap["premium_net_exec_bps"].notna().all()
                # The identity the REST verb documents holds for the live rows too.
                net = snap["premium_gross_exec_bps"] - snap["fees_exec_bps"] - snap["transfer_bps"]
                assert (net - snap["premium_net_exec_bps"]).abs().max() < 1e-9
            else:
                # Never a number from a thin book: filled is False, the premiums NaN, and the
                # error names the book that ran out.
                assert not snap["filled"].any() and snap["premium_net_exec_bps"].isna().all()
                assert snap["error"].str.contains("fill").all()
        ages = live.snapshot()[["binance_book_age_s", "upbit_book_age_s"]]
        assert ages.notna().all().all()
        assert live.stream is not None and live.stream.stats.gaps == 0
    finally:
        history = live.stop()
    assert len(history) == 8 * live.updates  # 2 bases x 2 FX bases x 2 directions a computation
    wait_until(lambda: box.streams.connections() == 0, what="the sandbox to see the streams closed")


def test_without_keys_the_live_rows_are_net_of_fees_only_and_say_so(box: Sandbox, public: xt.Client) -> None:
    live = LiveExecutable("BTC", 1000, size_in="USDT", depth=DEPTH, max_age=3600.0)
    live.start(public, policy=FAST)
    try:
        rest = executable_premium("BTC", 1000, size_in="USDT", client=public)
        wait_until(lambda: same(live.snapshot(), rest), timeout=WAIT, what="live rows equal to REST")
        snap = live.snapshot()
        assert (snap["fee_source_binance"] == "default").all() and (
            snap["fee_source_upbit"] == "default"
        ).all()
        assert (snap["route_status"] == "unknown").all() and not snap["route_open"].any()
        assert snap["premium_net_exec_bps"].isna().all()
        assert snap["premium_after_fees_exec_bps"].notna().all() and snap["filled"].all()
        assert (snap["fx_basis"] == "upbit:USDT/KRW executable").all()
    finally:
        live.stop()


def test_a_disconnected_book_gives_flagged_rows_not_numbers(box: Sandbox, keyed: xt.Client) -> None:
    live = LiveExecutable("BTC", D("0.5"), depth=DEPTH, max_age=3600.0, min_interval=0.0)
    live.start(keyed, policy=FAST)
    try:
        wait_until(lambda: synced(live), timeout=WAIT, what="every local book synced")
        before = len(live.frame())
        box.faults.ws_drop("binance", refuse=2)

        def flagged() -> pd.DataFrame:
            rows = live.frame().iloc[before:]  # computed after the drop
            return rows[~rows["books_synced"]]

        wait_until(lambda: len(flagged()) > 0, timeout=WAIT, what="a row flagged unsynced")
        rows = flagged()
        assert rows["unsynced"].str.contains("binance:BTC/USDT: local book not synced").all()
        assert rows["error"].str.contains("binance:BTC/USDT").all()
        for column in ("premium_gross_exec_bps", "premium_after_fees_exec_bps", "premium_net_exec_bps"):
            assert rows[column].isna().all(), column
        assert not rows["filled"].any()
        # Reconnected and re-snapshotted: numbers again.
        wait_until(
            lambda: synced(live) and live.snapshot()["premium_net_exec_bps"].notna().all(),
            timeout=WAIT,
            what="the book back in sync",
        )
        assert live.stream is not None and live.stream.stats.reconnects >= 1
    finally:
        live.stop()


def test_wallet_information_older_than_max_info_age_is_read_again(box: Sandbox, keyed: xt.Client) -> None:
    live = LiveExecutable("BTC", D("0.5"), depth=DEPTH, max_age=3600.0, max_info_age=1.0, min_interval=0.0)
    live.start(keyed, policy=FAST)
    try:
        wait_until(lambda: synced(live), timeout=WAIT, what="every local book synced")
        first = live.snapshot()["costs_read_at"].iloc[0]
        assert (live.snapshot()["route_status"] == "open").all()
        wait_until(
            lambda: (pd.Timestamp.now(tz="UTC") - first).total_seconds() > 1.5,
            what="the wallet information to age past max_info_age",
        )
        box.market.step(1)  # a book update: the next computation finds the routes too old

        def aged() -> pd.DataFrame:
            rows = live.frame()
            return rows[rows["route_reason"].str.contains("being read again", na=False)]

        wait_until(lambda: len(aged()) > 0, timeout=WAIT, what="a row saying the routes are re-read")
        rows = aged()
        # Meanwhile no route counts as open, so no net figure is given.
        assert (rows["route_status"] == "unknown").all() and rows["premium_net_exec_bps"].isna().all()
        assert rows["premium_after_fees_exec_bps"].notna().all()
        wait_until(
            lambda: (
                bool((live.snapshot()["costs_read_at"] > first).all())
                and bool((live.snapshot()["route_status"] == "open").all())
            ),
            timeout=WAIT,
            what="fees and routes read again, routes open",
        )
    finally:
        live.stop()


def test_a_failed_wallet_re_read_is_said_in_the_rows(box: Sandbox, keyed: xt.Client) -> None:
    live = LiveExecutable("BTC", D("0.5"), depth=DEPTH, max_age=3600.0, max_info_age=1.0, min_interval=0.0)
    live.start(keyed, policy=FAST)
    try:
        wait_until(lambda: synced(live), timeout=WAIT, what="every local book synced")
        first = live.snapshot()["costs_read_at"].iloc[0]

        async def refused(engine: object) -> None:
            raise xt.errors.PermissionDenied("the key may not read wallets", exchange="upbit")

        live._read_costs = refused  # type: ignore[method-assign,assignment]
        wait_until(
            lambda: (pd.Timestamp.now(tz="UTC") - first).total_seconds() > 1.5,
            what="the wallet information to age past max_info_age",
        )

        # A book update: the computation finds the routes too old and re-reads them; the
        # failed re-read prices the same books again, now saying why routes stay unknown.
        box.market.step(1)

        def said() -> pd.DataFrame:
            rows = live.frame()
            return rows[rows["route_reason"].str.contains("the last re-read failed", na=False)]

        wait_until(lambda: len(said()) > 0, timeout=WAIT, what="a row naming the failed re-read")
        row = said().iloc[-1]
        assert "PermissionDenied: the key may not read wallets" in row["route_reason"]
        assert row["route_status"] == "unknown" and pd.isna(row["premium_net_exec_bps"])
    finally:
        live.stop()


# --- fed by hand: the flags without a network -------------------------------------------------


def _book(
    exchange: str, symbol: str, mid: float, step: float, qty: str = "2", *, synced: bool = True
) -> LocalBook:
    book = LocalBook(exchange, symbol, max_levels=50)
    if synced:
        bids = [(D(repr(mid - step * (i + 1))), D(qty)) for i in range(20)]
        asks = [(D(repr(mid + step * (i + 1))), D(qty)) for i in range(20)]
        book.replace(bids, asks, ts=1_000.0)
    return book


def _books(*, binance_synced: bool = True) -> dict[str, LocalBook]:
    return {
        "binance:BTC/USDT": _book("binance", "BTC/USDT", 90_000.0, 1.0, synced=binance_synced),
        "upbit:BTC/KRW": _book("upbit", "BTC/KRW", 130_000_000.0, 1000.0),
        "upbit:USDT/KRW": _book("upbit", "USDT/KRW", 1440.0, 1.0, "100000"),
    }


def test_hand_fed_rows_are_the_pure_walk_and_flag_unsynced_and_stale_books() -> None:
    live = LiveExecutable("BTC", 1, max_age=5.0)
    at = pd.Timestamp(1_002.0, unit="s", tz="UTC")  # two seconds after the books' time
    rows = live.price(_books(), now=at, trigger="binance:BTC/USDT")
    assert rows["books_synced"].all() and not rows["stale"].any() and rows["filled"].all()
    assert (rows["binance_book_age_s"] == 2.0).all() and (rows["trigger"] == "binance:BTC/USDT").all()
    assert rows["premium_after_fees_exec_bps"].notna().all()
    assert (rows["route_status"] == "unknown").all()  # no routes given, none read

    late = live.price(_books(), now=at + pd.Timedelta(seconds=10))
    assert late["stale"].all() and late["premium_after_fees_exec_bps"].notna().all()

    thin = LiveExecutable("BTC", 100).price(_books(), now=at)  # 40 BTC on each side at most
    assert not thin["filled"].any() and thin["premium_after_fees_exec_bps"].isna().all()

    unsynced = live.price(_books(binance_synced=False), now=at)
    assert not unsynced["books_synced"].any()
    assert unsynced["unsynced"].str.startswith("binance:BTC/USDT: local book not synced").all()
    assert unsynced["premium_after_fees_exec_bps"].isna().all() and not unsynced["filled"].any()
    assert live.updates == 3 and len(live.frame()) == 6


# --- the spread panel and the dashboard ----------------------------------------------------------


def exec_lines(panel: SpreadPanel) -> dict[str, Any]:
    return {t.name: t for t in panel.figure.data if t.mode == "lines" and " exec" in t.name}


def test_the_spread_panel_draws_the_net_executable_lines(box: Sandbox, keyed: xt.Client) -> None:
    panel = SpreadPanel(keyed, base="BTC", history=0)
    panel.view.value = "both"
    live = LiveExecutable("BTC", D("0.5"), depth=DEPTH, max_age=3600.0)
    live.on_update(panel.push_executable)
    live.start(keyed, policy=FAST)
    try:
        wait_until(lambda: synced(live), timeout=WAIT, what="every local book synced")
        names = {
            "Binance→Upbit net exec · 0.5 BTC · fx upbit book",
            "Upbit→Binance net exec · 0.5 BTC · fx upbit book",
        }
        wait_until(
            lambda: names <= set(exec_lines(panel)) and bool(panel.executable["books_synced"].all()),
            timeout=WAIT,
            what="the executable lines drawn",
        )
        live.stop()  # the last push has drawn everything: the panel holds still for the checks
        snap = panel.executable.set_index("direction")["premium_net_exec_pct"]
        drawn = {name: list(t.y)[-1] for name, t in exec_lines(panel).items()}
        assert math.isclose(
            drawn["Binance→Upbit net exec · 0.5 BTC · fx upbit book"], snap["binance_to_upbit"]
        )
        assert math.isclose(
            drawn["Upbit→Binance net exec · 0.5 BTC · fx upbit book"], snap["upbit_to_binance"]
        )
        assert "executable premium" in panel.figure.layout.title.text
        assert "premium_net_exec_bps" in panel.exec_table.value
        assert "live executable premium" in panel.text()
        panel.view.value = "mid"
        assert exec_lines(panel) == {} and panel.exec_table.value == ""
    finally:
        live.stop()


def test_the_dashboard_size_control_drives_the_live_lines(
    box: Sandbox, keyed: xt.Client, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xtoolkit.widgets import Dashboard

    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path))  # the ticket's journal in a scratch folder
    monkeypatch.delenv("XTOOLKIT_ALLOW_LIVE", raising=False)
    dash = Dashboard(
        keyed,
        base="BTC",
        history=0,
        scan_size=0.5,
        scan_size_in="base",
        live_options={"depth": DEPTH, "max_age": 3600.0, "stream_options": {"policy": FAST}},
    )
    try:
        assert dash.errors.last_error is None, dash.errors.text()
        assert dash.live is None and exec_lines(dash.spread) == {}
        dash.live_toggle.value = True
        assert dash.errors.last_error is None, dash.errors.text()
        assert dash.live is not None and dash.spread.view.value == "both"
        first = "Binance→Upbit net exec · 0.5 BTC · fx upbit book"
        wait_until(lambda: first in exec_lines(dash.spread), timeout=WAIT, what="the 0.5 BTC line")
        dash.scanner.size.value = 0.25
        assert dash.errors.last_error is None, dash.errors.text()
        assert dash.live.size == D("0.25")
        wait_until(
            lambda: "Binance→Upbit net exec · 0.25 BTC · fx upbit book" in exec_lines(dash.spread),
            timeout=WAIT,
            what="the 0.25 BTC line after the size changed",
        )
        assert "live net executable: BTC" in dash.text()
        dash.live_toggle.value = False
        assert dash.live is None and "live net executable: off" in dash.text()
        wait_until(lambda: box.streams.connections() == 0, what="the live streams closed")
    finally:
        dash.close()
    assert dash.live is None
