"""Pure: the normalizer turns events into records and makes every loss a gap row."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

import xtoolkit as xt
from xtoolkit._models import MarketRef, Symbol
from xtoolkit.stream import StreamMessageError, StreamRecord
from xtoolkit.stream.book import LocalBook
from xtoolkit.stream.connection import Closed, ConnectionPolicy, Failed, Malformed, Opened
from xtoolkit.stream.events import BookSnapshot, Control, Trade
from xtoolkit.stream.normalize import Normalizer
from xtoolkit.stream.snapshots import Snapshots
from xtoolkit.stream.stats import StreamStats

D = Decimal
REFS = {
    "binance:BTC/USDT": MarketRef("binance", Symbol("BTC", "USDT"), "BTCUSDT"),
    "upbit:BTC/KRW": MarketRef("upbit", Symbol("BTC", "KRW"), "KRW-BTC"),
}


def normalizer(channels: tuple[str, ...]) -> tuple[Normalizer, list[StreamRecord], StreamStats]:
    out: list[StreamRecord] = []
    stats = StreamStats()
    books = {"upbit:BTC/KRW": LocalBook("upbit", "BTC/KRW")} if "depth" in channels else {}
    snaps = Snapshots(
        xt.AsyncClient(use_env=False),
        REFS,
        books,
        depth=10,
        policy=ConnectionPolicy(),
        emit=out.append,
        stats=stats,
    )
    return (
        Normalizer(
            channels=channels,
            refs=REFS,
            books=books,
            protocols={},
            snapshots=snaps,
            stats=stats,
            emit=out.append,
        ),
        out,
        stats,
    )


def trade(seq: int, native: str = "BTCUSDT") -> Trade:
    return Trade(native, 1.0, 2.0, "buy", seq, 1.0, time.time())


def test_binance_trade_id_jumps_are_gaps_but_not_after_a_reconnect() -> None:
    norm, out, _ = normalizer(("trades",))
    for seq in (10, 11, 14):
        norm.handle("binance", trade(seq))
    gaps = [r for r in out if r.gap]
    assert len(gaps) == 1 and gaps[0].reason == "trade ids jumped from 11 to 14: 2 trades missing"
    norm.handle("binance", Closed("binance", "connection lost", time.time()))
    norm.handle("binance", trade(99))
    reasons = [r.reason for r in out if r.gap]
    assert reasons == [gaps[0].reason, "disconnected: connection lost"]  # one gap row, not two


def test_upbit_books_feed_depth_and_book_ticker_rows() -> None:
    norm, out, stats = normalizer(("book_ticker", "depth"))
    snap = BookSnapshot("KRW-BTC", ((D(100), D(1)),), ((D(101), D(2)),), 5.0, 6.0, snapshot=True)
    norm.handle("upbit", snap)
    assert [(r.channel, r.bid, r.ask, r.reason) for r in out] == [
        ("depth", 100.0, 101.0, "snapshot"),
        ("book_ticker", 100.0, 101.0, None),
    ]
    norm.handle("upbit", BookSnapshot("KRW-XRP", (), (), 5.0, 6.0))
    assert stats.ignored == 1 and len(out) == 2


async def test_connection_events_become_stats_and_gap_rows() -> None:
    # Opened starts timers (the subscribe-reply fallback) on the running loop.
    norm, out, stats = normalizer(("book_ticker", "trades"))
    norm.handle("binance", Failed("binance", "connect failed (x)", 1, True, 1.0))
    norm.handle("binance", Failed("binance", "connect failed (x)", 2, False, 2.0))
    assert stats.connect_failures == 2
    assert [(r.symbol, r.channel) for r in out] == [("BTC/USDT", "book_ticker"), ("BTC/USDT", "trades")]
    norm.handle("binance", Opened("binance", "ws://x", 3, False))
    norm.handle("binance", Opened("binance", "ws://x", 4, True))
    assert (stats.connects, stats.reconnects) == (2, 1)
    err = StreamMessageError("binance sent a frame that is not JSON", exchange="binance")
    norm.handle("binance", Malformed("binance", err, 3.0))
    assert out[-1].gap and out[-1].symbol is None and stats.malformed == 1
    norm.handle("upbit", Control("error", code="WRONG_FORMAT", message="bad"))
    assert out[-1].reason == "subscription rejected: bad"
    assert type(stats.errors[-1]).__name__ == "SubscriptionRejected"
    await norm.snapshots.stop()


@pytest.mark.parametrize("kind", ["status", "shutdown"])
def test_keepalive_and_shutdown_notices_are_not_data(kind: str) -> None:
    norm, out, _ = normalizer(("book_ticker",))
    norm.handle("upbit", Control(kind))
    assert out == []
