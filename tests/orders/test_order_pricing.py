"""Rounding toward safety at tick/step edges (Decimal exact), book walks, input parsing."""

from __future__ import annotations

import warnings
from decimal import Decimal

import pytest
from orderkit import binance_info, upbit_info

from xtoolkit._errors import InvalidArgument
from xtoolkit.orders.desk import OrderDesk, check_shape
from xtoolkit.orders.pricing import FloatInputWarning, amount, quote_step, round_price, truncate, walk

D = Decimal


def rounded(info, side, price=None, qty=None, quote_qty=None):  # type: ignore[no-untyped-def]
    otype = "limit" if price is not None else "market"
    return OrderDesk._round(
        info.ref,
        info,
        side,
        otype,
        price and D(price),
        qty and D(qty),
        quote_qty and D(quote_qty),
        "xt-X",
        False,
    )


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [
        ("65000.123", "buy", "65000.12"),  # buys round down
        ("65000.123", "sell", "65000.13"),  # sells round up
        ("65000.12", "buy", "65000.12"),  # on the grid: unchanged
        ("65000.12", "sell", "65000.12"),
        ("65000.1200000001", "sell", "65000.13"),  # a hair above the tick goes to the next one
        ("65000.1299999999", "buy", "65000.12"),
        ("0.019", "buy", "0.01"),
    ],
)
def test_binance_price_rounds_never_more_aggressive(price: str, side: str, expected: str) -> None:
    got = rounded(binance_info(), side, price=price, qty="0.001").price
    assert got == D(expected) and str(got) == expected


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [
        ("95000500", "buy", "95000000"),
        ("95000500", "sell", "95001000"),
        ("95000000", "sell", "95000000"),
        ("95000999.999", "buy", "95000000"),
        ("95000000.001", "sell", "95001000"),
    ],
)
def test_upbit_price_rounds_to_the_krw_tick(price: str, side: str, expected: str) -> None:
    got = rounded(upbit_info(), side, price=price, qty="0.0005").price
    assert got == D(expected)


@pytest.mark.parametrize(
    ("info", "qty", "expected"),
    [
        (binance_info(), "0.000019", "0.00001"),
        (binance_info(), "0.00002", "0.00002"),
        (binance_info(), "1.999999999", "1.99999"),
        (upbit_info(), "0.123456789", "0.12345678"),
        (upbit_info(), "0.00000001", "0.00000001"),
    ],
)
def test_quantity_is_always_truncated(info, qty: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    for side in ("buy", "sell"):
        assert rounded(info, side, price="95000000", qty=qty).qty == D(expected)


def test_quantity_below_one_step_truncates_to_zero() -> None:
    assert rounded(binance_info(), "buy", price="65000", qty="0.000009").qty == 0


def test_market_totals_truncate_to_the_quote_precision() -> None:
    up = rounded(upbit_info(), "buy", quote_qty="10000.9")
    assert up.quote_qty == D("10000") and up.price is None
    bn = rounded(binance_info(), "buy", quote_qty="12.123456789")
    assert bn.quote_qty == D("12.12345678")
    assert quote_step(upbit_info(symbol=upbit_info().symbol.__class__("BTC", "USDT"))) == D("1e-8")


def test_typed_values_are_kept_beside_the_sent_ones() -> None:
    i = rounded(upbit_info(), "buy", price="95000500", qty="0.000512345")
    assert (i.typed_price, i.price) == (D("95000500"), D("95000000"))
    assert (i.typed_qty, i.qty) == (D("0.000512345"), D("0.00051234"))
    assert i.wire() == {
        "market": "upbit:BTC/KRW",
        "native": "KRW-BTC",
        "side": "buy",
        "type": "limit",
        "price": "95000000",
        "qty": "0.00051234",
        "quote_qty": None,
    }


def test_price_rounding_to_zero_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="rounds to zero"):
        rounded(upbit_info(), "buy", price="999", qty="1")


def test_amount_parsing() -> None:
    assert amount("0.1", "qty") == D("0.1")
    assert amount(5, "qty") == D(5)
    assert amount(D("1.5"), "qty") == D("1.5")
    assert amount(None, "qty") is None
    with pytest.warns(FloatInputWarning, match="0.1"):
        assert amount(0.1, "qty") == D("0.1")  # not 0.1000000000000000055511151231257827
    for bad in ("-1", "0", "abc", True, [1]):
        with pytest.raises(InvalidArgument):
            amount(bad, "qty")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        amount("0.3", "qty")  # text never warns


def test_walk_consumes_levels_best_first() -> None:
    asks = ((D("100"), D("1")), (D("101"), D("2")), (D("103"), D("5")))
    f = walk(asks, qty=D("2.5"))
    assert (f.qty, f.quote, f.worst, f.complete) == (D("2.5"), D("251.5"), D("101"), True)
    f = walk(asks, quote=D("150"))
    assert f.complete and f.worst == D("101") and f.quote == D("150")
    assert f.qty == D("1") + D("50") / D("101")
    thin = walk(asks, qty=D("100"))
    assert not thin.complete and thin.qty == D("8")
    empty = walk((), qty=D("1"))
    assert (empty.qty, empty.worst, empty.complete) == (0, None, False)
    with pytest.raises(InvalidArgument):
        walk(asks)


def test_round_helpers_direct() -> None:
    assert round_price(D("1.005"), D("0.01"), "buy") == D("1.00")
    assert round_price(D("1.005"), D("0.01"), "sell") == D("1.01")
    assert round_price(D("1.005"), None, "sell") == D("1.005")
    assert truncate(D("7"), D("5")) == D("5")


@pytest.mark.parametrize(
    ("exchange", "side", "kw", "message"),
    [
        ("upbit", "buy", {"qty": D(1)}, "market buys are by total"),
        ("upbit", "sell", {"quote_qty": D(1)}, "market sells are by volume"),
        ("binance", "buy", {"qty": D(1), "quote_qty": D(1)}, "exactly one"),
        ("binance", "buy", {}, "exactly one"),
    ],
)
def test_market_order_shapes(exchange: str, side: str, kw: dict, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        check_shape(exchange, side, "market", None, kw.get("qty"), kw.get("quote_qty"))


def test_limit_order_shapes() -> None:
    with pytest.raises(InvalidArgument, match="needs price= and qty="):
        check_shape("binance", "buy", "limit", D(1), None, None)
    with pytest.raises(InvalidArgument, match="quote_qty= is for market"):
        check_shape("binance", "buy", "limit", D(1), D(1), D(1))
    with pytest.raises(InvalidArgument, match="takes no price"):
        check_shape("binance", "buy", "market", D(1), D(1), None)
    check_shape("upbit", "buy", "market", None, None, D(5000))
    check_shape("upbit", "sell", "market", None, D(1), None)
    check_shape("binance", "sell", "market", None, None, D(10))
