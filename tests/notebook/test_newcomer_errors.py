"""Every mistake a newcomer makes first from the README's snippets, and what it answers.

Each case is one thing a user types and the words the answer must contain: the fix, in the
user's terms (the call to write instead, the market meant, the field on screen). Issue 18,
items 4, 5 and 6. Against the sandbox: the real client, order layer and widgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import xtoolkit as xt
from xtoolkit._hints import candle_window, exchange_as_market, swapped_dash_matches


@pytest.fixture(scope="module")
def box() -> Iterator[Any]:
    from xtoolkit.sandbox import Sandbox

    with Sandbox(seed=7, freeze=True) as sandbox:
        yield sandbox


@pytest.fixture()
def home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path))
    monkeypatch.delenv("XTOOLKIT_ALLOW_LIVE", raising=False)


@pytest.fixture()
def client(box: Any, home: None) -> Iterator[xt.Client]:
    with xt.Client(**box.connect_kwargs(), use_env=False, mode="live") as c:
        yield c


def _day_ahead_ms() -> float:
    # Relative to the clock, never a calendar date: always in the future.
    return time.time() * 1000 + 3 * 86_400_000


#: (what the newcomer types, the error type, words the message must contain).
CASES: list[tuple[str, Callable[[xt.Client], Any], type[Exception], tuple[str, ...]]] = [
    (
        'resolve("upbit") — an exchange where a market goes',
        lambda c: c.resolve("upbit"),
        xt.InvalidArgument,
        ("is an exchange, not a market", "exchange='upbit'", "'upbit:BTC/KRW'"),
    ),
    (
        'tickers("BTC-USDT") — Binance base-quote written Upbit-style',
        lambda c: c.tickers("BTC-USDT"),
        xt.UnknownMarket,
        ("did you mean binance:BTC/USDT",),
    ),
    (
        "candles(start=<3 days ahead>) with no end",
        lambda c: c.candles("binance:BTC/USDT", interval="1h", start=_day_ahead_ms()),
        xt.InvalidArgument,
        ("is in the future", "pass a start in the past", "leave start out"),
    ),
    (
        'order(..., no quantity) — the ticket says "Quantity"/"Spend", not qty=',
        lambda c: c.order("binance:BTC/USDT", "buy"),
        xt.InvalidArgument,
        ("qty=", "quote_qty="),  # the API's own words; the ticket translates them (below)
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_newcomer_error_names_the_fix(client: xt.Client, case: Any) -> None:
    _what, call, kind, words = case
    with pytest.raises(kind) as info:
        call(client)
    message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"{message!r} lacks {missing}"
    assert "must be before end" not in message


def test_open_orders_takes_an_exchange_name_like_balances(client: xt.Client) -> None:
    """Item 4: ``open_orders("upbit")`` used to answer "Write it as 'binance:upbit'..."."""
    by_name = client.open_orders("upbit")
    by_keyword = client.open_orders(exchange="upbit")
    assert list(by_name.columns) == list(by_keyword.columns)
    assert len(by_name) == len(by_keyword)
    assert set(client.balances("upbit")["exchange"]) == {"upbit"}


def test_hint_helpers_are_silent_when_nothing_is_wrong() -> None:
    assert exchange_as_market("BTC/USDT", ["binance", "upbit"]) is None
    assert swapped_dash_matches("upbit", "KRWBTC", ["binance", "upbit"]) == []
    assert "swap them" in candle_window(2_000, 1_000, 5_000)


def test_a_binance_usdt_order_under_a_krw_only_cap_is_valued_in_krw(box: Any, home: None) -> None:
    """Item 5: it was refused with "cannot be valued in USDT (no rate)"."""
    limits = xt.Limits(max_order_notional={"KRW": 200_000})
    with xt.Client(**box.connect_kwargs(), use_env=False, mode="live", limits=limits) as c:
        ok = c.order("binance:BTC/USDT", "buy", qty="0.001", price="80000")  # 80 USDT
        check = next(k for k in ok.checks if k.rule == "max_order_notional")
        assert check.ok, check
        assert "KRW" in check.message and "200,000 KRW" in check.message
        ok.validate()
        big = c.order("binance:BTC/USDT", "buy", qty="0.01", price="80000")  # 800 USDT ≈ 1.2 M KRW
        check = next(k for k in big.checks if k.rule == "max_order_notional")
        assert not check.ok and "exceeds the per-order cap 200,000 KRW" in check.message
    none = xt.Limits(max_order_notional={"BTC": 1})
    with xt.Client(**box.connect_kwargs(), use_env=False, mode="live", limits=none) as c:
        plan = c.order("binance:BTC/USDT", "buy", qty="0.001", price="80000")
        check = next(k for k in plan.checks if k.rule == "max_order_notional")
        assert not check.ok
        assert "Limits(max_order_notional={'USDT': 50})" in check.message
        assert "caps are set for BTC only" in check.message


# --- the order ticket (item 6) -----------------------------------------------------------------


def test_ticket_errors_sit_under_its_buttons_in_the_forms_words(client: xt.Client) -> None:
    pytest.importorskip("ipywidgets")
    from xtoolkit.widgets import OrderTicket

    ticket = OrderTicket(client, market="binance:BTC/USDT")
    ticket.preview_button.click()  # nothing filled in
    shown = ticket.errors.widget.value
    assert isinstance(ticket.errors.last_error, xt.InvalidArgument)
    assert "&quot;Quantity&quot;" in shown and "&quot;Spend&quot;" in shown  # HTML-escaped quotes
    assert "qty=" not in shown and "quote_qty=" not in shown
    children = list(ticket.widget.children)
    buttons = next(i for i, w in enumerate(children) if ticket.preview_button in getattr(w, "children", ()))
    assert children[buttons + 1] is ticket.errors.widget, "the error box is not right under the buttons"


def test_ticket_placeholder_is_an_order_the_default_cap_accepts(client: xt.Client) -> None:
    pytest.importorskip("ipywidgets")
    from xtoolkit.widgets import OrderTicket

    for market in ("binance:BTC/USDT", "upbit:BTC/KRW"):
        ticket = OrderTicket(client, market=market)
        example = ticket.example_qty()
        assert example is not None and example in ticket.qty.placeholder
        ticket.qty.value = example  # what a newcomer types first: the placeholder's number
        # At the current price (an Upbit market buy is by total, so a limit at the last price).
        ticket.price.value = str(client.tickers(market)["last"].iloc[0])
        plan = ticket.preview()  # raises if any guard refuses
        check = next(k for k in plan.checks if k.rule == "max_order_notional")
        assert check.ok, check
    assert "0.001" not in OrderTicket(client, market="binance:BTC/USDT").qty.placeholder
