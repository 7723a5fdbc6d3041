"""Pure: the local order book follows Binance's sync procedure exactly and replaces on Upbit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xtoolkit import SCHEMAS, TransportError
from xtoolkit.stream import BookNotSynced, LocalBook
from xtoolkit.stream.book import APPLIED, BUFFERED, DROPPED, GAP, RETRY, SYNCED
from xtoolkit.stream.events import DepthDiff

D = Decimal


def diff(
    first: int, final: int, bids: list[tuple[str, str]] = (), asks: list[tuple[str, str]] = ()
) -> DepthDiff:
    return DepthDiff(
        "BTCUSDT",
        first,
        final,
        tuple((D(p), D(q)) for p, q in bids),
        tuple((D(p), D(q)) for p, q in asks),
        event_ts=float(final),
        received=float(final),
    )


SNAP_BIDS = [(D("100"), D("1")), (D("99"), D("2")), (D("98"), D("3"))]
SNAP_ASKS = [(D("101"), D("1")), (D("102"), D("2"))]


def synced_book(last_id: int = 10) -> LocalBook:
    book = LocalBook("binance", "BTC/USDT")
    assert book.load_snapshot(last_id, SNAP_BIDS, SNAP_ASKS) == SYNCED
    return book


def test_events_buffer_until_the_snapshot_then_straddle_and_apply() -> None:
    book = LocalBook("binance", "BTC/USDT")
    assert not book.synced
    assert book.feed(diff(5, 8, bids=[("100", "9")])) == BUFFERED  # u <= L: dropped on load
    assert book.feed(diff(9, 12, bids=[("100", "4")])) == BUFFERED  # straddles L = 10
    assert book.feed(diff(13, 13, asks=[("101", "0")])) == BUFFERED
    assert book.buffered == 3
    assert book.load_snapshot(10, SNAP_BIDS, SNAP_ASKS) == SYNCED
    assert book.synced and book.update_id == 13 and book.buffered == 0
    assert book.levels("bid", 1) == [(D("100"), D("4"))]
    assert book.levels("ask") == [(D("102"), D("2"))]  # 101 removed by qty 0
    top = book.best()
    assert (top.bid, top.bid_qty, top.ask, top.ask_qty) == (100.0, 4.0, 102.0, 2.0)


def test_a_snapshot_older_than_the_buffered_events_is_refused() -> None:
    book = LocalBook("binance", "BTC/USDT")
    book.feed(diff(20, 25))
    assert book.load_snapshot(15, SNAP_BIDS, SNAP_ASKS) == RETRY  # 16..19 would be missing
    assert not book.synced and book.buffered == 1
    assert book.load_snapshot(19, SNAP_BIDS, SNAP_ASKS) == SYNCED  # L + 1 == U: exact
    assert book.update_id == 25


def test_duplicates_are_dropped_and_a_gap_desyncs() -> None:
    book = synced_book(10)
    assert book.feed(diff(8, 10)) == DROPPED
    assert book.feed(diff(11, 11, bids=[("97", "1")])) == APPLIED
    assert book.feed(diff(10, 12)) == APPLIED  # overlapping start is fine (U <= local + 1)
    assert book.update_id == 12 and book.resyncs == 0
    assert book.feed(diff(14, 15)) == GAP  # 13 never arrived
    assert not book.synced and book.gaps == 1 and book.resyncs == 1
    assert "sequence gap" in (book.unsynced_reason or "")
    assert book.buffered == 1  # the revealing event is kept for the next snapshot
    assert book.feed(diff(16, 16)) == BUFFERED
    assert book.load_snapshot(15, SNAP_BIDS, SNAP_ASKS) == SYNCED
    assert book.update_id == 16


def test_a_hole_inside_the_buffer_is_a_gap_on_load() -> None:
    book = LocalBook("binance", "BTC/USDT")
    book.feed(diff(11, 12))
    book.feed(diff(15, 16))  # 13..14 missing
    assert book.load_snapshot(10, SNAP_BIDS, SNAP_ASKS) == GAP
    assert not book.synced


def test_frame_schema_and_not_synced_error() -> None:
    book = LocalBook("binance", "BTC/USDT")
    with pytest.raises(BookNotSynced) as info:
        book.frame()
    assert isinstance(info.value, TransportError)
    book = synced_book()
    df = book.frame(2)
    assert dict(df.dtypes.astype(str)) == SCHEMAS["orderbook"]
    assert df["side"].tolist() == ["bid", "bid", "ask", "ask"]
    assert df["level"].tolist() == [0, 1, 0, 1]
    assert df["price"].tolist() == [100.0, 99.0, 101.0, 102.0]
    assert df.attrs["update_id"] == 10


def test_levels_are_trimmed_to_max_levels() -> None:
    book = LocalBook("binance", "BTC/USDT", max_levels=4)
    book.load_snapshot(1, [(D(100 - i), D(1)) for i in range(10)], [(D(200 + i), D(1)) for i in range(3)])
    assert [p for p, _ in book.levels("bid")] == [D(100), D(99), D(98), D(97)]
    book.feed(diff(2, 2, bids=[("96.5", "1"), ("96.4", "1")]))
    assert len(book.levels("bid")) <= 5  # trimmed once past max_levels * 1.25


def test_upbit_replace_and_empty_sides() -> None:
    book = LocalBook("upbit", "BTC/KRW")
    book.replace([(D(10), D(1))], [], ts=5.0)
    assert book.synced and book.update_id is None
    top = book.best()
    assert top.bid == 10.0 and top.ask != top.ask  # NaN ask
    book.replace([(D(11), D(2)), (D(10), D(0))], [(D(12), D(1))])
    assert book.levels("bid") == [(D(11), D(2))]
    assert book.frame()["symbol"].unique().tolist() == ["BTC/KRW"]
