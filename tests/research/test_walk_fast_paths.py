"""The bulk paths of the crossing maths build exactly what the level-by-level paths built.

``book_from_levels`` converts whole columns at once when it can; these tests hold it to the
per-level definition (the venue's text as written, a float through its shortest repr, the same
errors) — no timing assertions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from xtoolkit._errors import InvalidArgument
from xtoolkit.research.walk import Book, book_from_levels


def _by_level(sides: list[str], prices: list[Any], qtys: list[Any]) -> tuple[list[Any], list[Any]]:
    """The definition, one level at a time."""
    bids, asks = [], []
    for side, p, q in zip(sides, prices, qtys, strict=True):
        pd_ = Decimal(p) if isinstance(p, str) else Decimal(repr(p)) if isinstance(p, float) else Decimal(p)
        qd = Decimal(q) if isinstance(q, str) else Decimal(repr(q)) if isinstance(q, float) else Decimal(q)
        (bids if side == "bid" else asks).append((pd_, qd))
    return sorted(bids, key=lambda lv: lv[0], reverse=True), sorted(asks, key=lambda lv: lv[0])


def _text(levels: tuple[tuple[Decimal, Decimal], ...]) -> list[tuple[str, str]]:
    # str() shows the exponent and trailing zeros: equal Decimals of other forms differ here.
    return [(str(p), str(q)) for p, q in levels]


CASES = {
    "binance text": (
        ["bid", "bid", "ask", "ask"],
        ["101.50", "101.40", "101.60", "101.70"],
        ["1.000", "0", "2", "3.5"],
    ),
    "upbit floats": (["bid", "ask"], [1440.0, 1441.0], [12.5, 0.1]),
    "ints and floats": (["bid", "ask", "ask"], [1440, 1441.5, 1442], [3, 0.25, 1]),
    "interleaved sides": (["ask", "bid", "ask", "bid"], ["2", "1", "3", "0.5"], ["1", "1", "1", "1"]),
    "equal prices keep order": (
        ["bid", "bid", "ask", "ask"],
        ["1", "1", "2", "2"],
        ["0.1", "0.10", "5", "5.0"],
    ),
    "exponent text": (["bid", "ask"], ["1E+3", "1.0E+3"], ["1e-8", "2"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bulk_conversion_equals_the_level_by_level_definition(name: str) -> None:
    sides, prices, qtys = CASES[name]
    book = book_from_levels(
        "binance", "BTC/USDT", sides, prices, qtys, [1_700_000_000_000] * len(sides), depth=5
    )
    bids, asks = _by_level(sides, prices, qtys)
    assert _text(book.bids) == _text(tuple(bids))
    assert _text(book.asks) == _text(tuple(asks))
    assert book.ts == pd.Timestamp(1_700_000_000_000, unit="ms", tz="UTC")
    assert book.ts.unit == "ns" and str(book.ts.tz) == "UTC"
    assert isinstance(book, Book) and book.depth == 5


@pytest.mark.parametrize(
    ("sides", "prices", "qtys", "message"),
    [
        (["bid", "mid"], ["1", "2"], ["1", "1"], "a book side is 'bid' or 'ask'"),
        (["bid", "ask"], ["1", "-2"], ["1", "1"], "a positive price"),
        (["bid", "ask"], ["1", "2"], ["1", "-1"], "a non-negative qty"),
        (["bid", "ask"], ["1", "NaN"], ["1", "1"], "a positive price"),
        (["bid", "ask"], [1.0, float("inf")], [1.0, 1.0], "a positive price"),
        (["bid", "ask"], ["1", "abc"], ["1", "1"], "must be a number"),
        (["bid", "ask"], ["1", "2"], [True, 1], "not a bool"),
    ],
)
def test_bad_levels_raise_what_the_level_by_level_path_raises(
    sides: list[str], prices: list[Any], qtys: list[Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        book_from_levels("upbit", "BTC/KRW", sides, prices, qtys)


def test_columns_of_different_lengths_still_fail() -> None:
    with pytest.raises(ValueError):
        book_from_levels("upbit", "BTC/KRW", ["bid", "ask"], ["1"], ["1", "1"])


def test_an_empty_side_list_is_an_empty_book() -> None:
    book = book_from_levels("upbit", "BTC/KRW", [], [], [])
    assert book.bids == () and book.asks == () and pd.isna(book.ts)


def test_the_cached_stamp_is_the_same_time_every_call() -> None:
    a = book_from_levels("upbit", "BTC/KRW", ["bid"], ["1"], ["1"], [1_700_000_000_123])
    b = book_from_levels("upbit", "ETH/KRW", ["bid"], ["1"], ["1"], [1_700_000_000_123.0])
    assert a.ts == b.ts == pd.Timestamp("2023-11-14 22:13:20.123", tz="UTC")


def test_indexed_routes_pick_what_the_whole_table_picks() -> None:
    """executable_premium hands each crossing only its asset's routes in its direction; the
    choice must be the one cheapest_route makes from the whole table (cross() gets that)."""
    from executable_helpers import DEPTH, NOW, TS, all_books

    from xtoolkit.research.executable import as_books, cross, executable_premium
    from xtoolkit.research.fees import FeeBook
    from xtoolkit.research.routes import NetworkStatus, route_table
    from xtoolkit.research.walk import FxRate

    def net(exchange: str, asset: str, network: str, fee: str, **kw: object) -> NetworkStatus:
        facts: dict[str, object] = {
            "exchange": exchange,
            "asset": asset,
            "network": network,
            "deposit_enabled": True,
            "withdraw_enabled": True,
            "withdraw_fee": Decimal(fee),
            "withdraw_min": Decimal("0.001"),
            "read_at": TS,
        }
        if exchange == "upbit":
            facts |= {"wallet_state": "working", "block_state": "normal", "block_updated_at": TS}
        return NetworkStatus(**(facts | kw))  # type: ignore[arg-type]

    table = route_table(
        ["ETH", "BTC"],
        binance=[
            net("binance", "ETH", "ETH", "0.0001"),
            net("binance", "BTC", "BTC", "0.0005"),
            net("binance", "BTC", "BSC", "0.0001", withdraw_enabled=False),
        ],
        upbit=[net("upbit", "BTC", "BTC", "0.0008"), net("upbit", "BTC", "BSC", "0.0002")],
        now=NOW,
    )
    books = as_books(all_books(), DEPTH)
    df = executable_premium("BTC", "1.5", size_in="base", books=books, now=NOW, routes=table, depth=DEPTH)
    for direction in ("binance_to_upbit", "upbit_to_binance"):
        want = cross(
            direction, "BTC", Decimal("1.5"), "base", books=books, fees=FeeBook(), routes=table, fx=FxRate()
        )
        got = df[df.direction == direction].iloc[0]
        assert got.route_status == want.route.status
        assert bool(got.route_open) == want.route.is_open
        assert (got.route_reason if isinstance(got.route_reason, str) else None) == want.route.reason
        assert (
            got.transfer_fee == float(want.transfer_fee)
            if want.transfer_fee is not None
            else pd.isna(got.transfer_fee)
        )
        assert got.premium_net_exec_bps == float(want.premium_net_bps)  # type: ignore[arg-type]
