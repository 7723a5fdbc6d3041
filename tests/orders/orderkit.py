"""Builders shared by the order-helper tests: market rules, snapshots, intents."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xtoolkit._models import MarketInfo, MarketRef, Symbol
from xtoolkit.orders.intent import Intent
from xtoolkit.orders.snapshot import Snapshot

D = Decimal

#: Distinctive fake secrets: no repr, error, journal line or frame may ever contain them.
KEY_B = "binkey-" + "Q7" * 28
SECRET_B = "binsecret-" + "W9" * 27
KEY_U = "upbkey-" + "R4" * 20
SECRET_U = "upbsecret-" + "V3" * 20
SECRETS = (KEY_B, SECRET_B, KEY_U, SECRET_U)


def binance_info(**kw: Any) -> MarketInfo:
    base = dict(
        exchange="binance",
        symbol=Symbol("BTC", "USDT"),
        native="BTCUSDT",
        status="TRADING",
        tick_size=D("0.01"),
        step_size=D("0.00001"),
        min_qty=D("0.00001"),
        max_qty=D("9000"),
        min_notional=D("5"),
        max_notional=D("9000000"),
        raw={"quotePrecision": 8},
    )
    base.update(kw)
    return MarketInfo(**base)


def upbit_info(**kw: Any) -> MarketInfo:
    base = dict(
        exchange="upbit",
        symbol=Symbol("BTC", "KRW"),
        native="KRW-BTC",
        status="TRADING",
        tick_size=D("1000"),
        step_size=D("0.00000001"),
        min_notional=D("5000"),
        max_notional=D("1000000000"),
    )
    base.update(kw)
    return MarketInfo(**base)


def snapshot(info: MarketInfo, **kw: Any) -> Snapshot:
    if info.exchange == "upbit":
        book = dict(
            bids=((D("95000000"), D("0.5")), (D("94990000"), D("1"))),
            asks=((D("95010000"), D("0.5")), (D("95020000"), D("1"))),
            free={"KRW": D("1000000"), "BTC": D("0.1")},
            fee_rate=D("0.0005"),
            fee_reserved=True,
            quote_usdt=D(1) / D(1440),
            quote_krw=D(1),
        )
    else:
        book = dict(
            bids=((D("65000.00"), D("0.5")), (D("64990.00"), D("1"))),
            asks=((D("65000.01"), D("0.5")), (D("65010.00"), D("1"))),
            free={"USDT": D("1000"), "BTC": D("0.1")},
            fee_rate=D("0.001"),
            quote_usdt=D(1),
            quote_krw=D(1440),
        )
    base: dict[str, Any] = dict(
        info=info,
        sandbox=True,
        taken_at=0.0,
        open_orders=0,
        min_total=info.min_notional,
        max_total=info.max_notional,
        **book,
    )
    base.update(kw)
    return Snapshot(**base)


def intent(info: MarketInfo, side: str = "buy", **kw: Any) -> Intent:
    base: dict[str, Any] = dict(
        ref=MarketRef(info.exchange, info.symbol, info.native),
        side=side,
        type="limit",
        client_order_id="xt-TEST",
    )
    base.update(kw)
    return Intent(**base)


# --- sandbox helpers --------------------------------------------------------------------------

#: The venues' order placement and test-order endpoints.
ORDER_PATHS = {("POST", "/api/v3/order"), ("POST", "/v1/orders")}
TEST_PATHS = {("POST", "/api/v3/order/test"), ("POST", "/v1/orders/test")}


def order_posts(box: Any, *, include_tests: bool = True) -> list[Any]:
    """Requests that reached an order placement (and test-order) endpoint."""
    paths = ORDER_PATHS | TEST_PATHS if include_tests else ORDER_PATHS
    return [r for r in box.requests.snapshot() if (r.method, r.path) in paths]


def client_ids(box: Any, exchange: str) -> list[str]:
    """Client order ids of every order the sandbox venue ever accepted."""
    key = "clientOrderId" if exchange == "binance" else "identifier"
    return [str(o.get(key)) for o in box.orders(exchange)]


def sandbox_kwargs(box: Any, journal: Any, **kw: Any) -> dict[str, Any]:
    """Client options for the sandbox: live mode (safe there), a private journal, short timeouts.

    A 1 s Binance recvWindow keeps "never placed" proofs quick (absent after recvWindow + 0.5 s).
    """
    import xtoolkit as xt

    opts: dict[str, Any] = dict(
        box.connect_kwargs(),
        use_env=False,
        journal=journal,
        mode="live",
        timeout=xt.Timeout(connect=2, read=2),
        recv_window_ms=1000,
    )
    opts.update(kw)
    return opts


@pytest.fixture
def box() -> Iterator[Any]:
    """A frozen sandbox (prices move only via ``box.market.step``)."""
    from xtoolkit.sandbox import Sandbox

    with Sandbox(seed=7, freeze=True) as sandbox:
        yield sandbox


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal.jsonl"
