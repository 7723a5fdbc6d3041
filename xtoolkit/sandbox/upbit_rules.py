"""Upbit market rules (per quote currency) and order-request validation.

Validation order and error names follow spec upbit.md §4.3 / §7: malformed or missing fields
→ ``validation_error``; a wrong side/type/field combination → ``create_bid_error`` /
``create_ask_error``; off-grid price → ``invalid_price_*``; too small → ``under_min_total_*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from xtoolkit.sandbox.errors import UpbitError, upbit_error
from xtoolkit.sandbox.grids import decimal_places
from xtoolkit.sandbox.market import Listing

__all__ = [
    "ASK_TYPES",
    "BID_TYPES",
    "QUOTE_RULES",
    "OrderRequest",
    "QuoteRule",
    "parse_order_request",
    "supported_levels",
]

D = Decimal


@dataclass(frozen=True, slots=True)
class QuoteRule:
    """Per-quote-currency order totals (``orders/chance``); fees live in
    :mod:`xtoolkit.sandbox.fees`."""

    currency: str
    min_total: Decimal
    max_total: Decimal


#: Spec upbit.md §2: minimum totals since 2024-08-19; BTC market max 10 BTC since 2025-05-19.
QUOTE_RULES: dict[str, QuoteRule] = {
    "KRW": QuoteRule("KRW", D(5000), D(1_000_000_000)),
    "BTC": QuoteRule("BTC", D("0.00005"), D(10)),
    "USDT": QuoteRule("USDT", D("0.5"), D(1_000_000)),
}

BID_TYPES: tuple[str, ...] = ("best_fok", "best_ioc", "limit", "limit_fok", "limit_ioc", "price")
ASK_TYPES: tuple[str, ...] = ("best_fok", "best_ioc", "limit", "limit_fok", "limit_ioc", "market")
ORD_TYPES = frozenset({"limit", "price", "market", "best"})
TIME_IN_FORCE = frozenset({"ioc", "fok", "post_only"})
SMP_TYPES = frozenset({"cancel_maker", "cancel_taker", "reduce"})
#: Volumes carry at most 8 decimals.
VOLUME_DECIMALS = 8
#: Identifier length / charset accepted (Upbit's own limit is undocumented).
IDENTIFIER_RE = re.compile(r"^[\x21-\x7e]{1,64}$")


def supported_levels(lst: Listing, price: Decimal) -> list[str]:
    """``orderbook/instruments`` aggregation levels: 0 plus tick×10ᵏ up to the price (KRW)."""
    if lst.quote != "KRW":
        return ["0"]
    out = ["0"]
    level = lst.grid.tick_at(price) * 10
    while level <= price and len(out) < 6:
        out.append(format(level.normalize(), "f"))
        level *= 10
    return out


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated Upbit order request."""

    listing: Listing
    side: str  # "bid" | "ask"
    ord_type: str
    price: Decimal | None
    volume: Decimal | None
    time_in_force: str | None
    smp_type: str | None
    identifier: str | None


def _num(body: dict[str, object], name: str) -> Decimal | None:
    raw = body.get(name)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise upbit_error("validation_error", detail=f"{name} does not have a valid value")
    try:
        value = D(str(raw))
    except InvalidOperation:
        raise upbit_error("validation_error", detail=f"{name} does not have a valid value") from None
    if not value.is_finite() or value <= 0:
        raise upbit_error("validation_error", detail=f"{name} does not have a valid value")
    return value


def _create_error(side: str) -> UpbitError:
    return upbit_error("create_bid_error" if side == "bid" else "create_ask_error")


def parse_order_request(body: dict[str, object], find: dict[str, Listing]) -> OrderRequest:
    """Check an order body's fields and their combination (not funds, tick or minimums)."""
    market = body.get("market")
    if not isinstance(market, str) or not market:
        raise upbit_error("validation_error", detail="market is missing")
    lst = find.get(market)
    if lst is None:
        raise upbit_error("validation_error", detail="market does not have a valid value")
    side = body.get("side")
    if side not in ("bid", "ask"):
        raise upbit_error("validation_error", detail="side is missing, side does not have a valid value")
    ord_type = body.get("ord_type")
    if ord_type not in ORD_TYPES:
        raise upbit_error(
            "validation_error", detail="ord_type is missing, ord_type does not have a valid value"
        )
    assert isinstance(side, str) and isinstance(ord_type, str)
    price, volume = _num(body, "price"), _num(body, "volume")
    tif = body.get("time_in_force")
    if tif is not None and tif not in TIME_IN_FORCE:
        raise upbit_error("validation_error", detail="time_in_force does not have a valid value")
    smp = body.get("smp_type")
    if smp is not None and smp not in SMP_TYPES:
        raise upbit_error("validation_error", detail="smp_type does not have a valid value")
    identifier = body.get("identifier")
    if identifier is not None and (not isinstance(identifier, str) or not IDENTIFIER_RE.match(identifier)):
        raise upbit_error("validation_error", detail="identifier does not have a valid value")
    if ord_type == "limit":
        if price is None:
            raise upbit_error("validation_error", detail="price is missing")
        if volume is None:
            raise upbit_error("validation_error", detail="volume is missing")
    elif ord_type == "price":
        # Market buy by total: bid only, price = total, no volume.
        if side != "bid" or volume is not None or price is None or tif is not None:
            raise _create_error(side)
    elif ord_type == "market":
        # Market sell by quantity: ask only, volume, no price.
        if side != "ask" or price is not None or volume is None or tif is not None:
            raise _create_error(side)
    else:  # best
        if tif not in ("ioc", "fok"):
            raise upbit_error("validation_error", detail="time_in_force is missing")
        if side == "bid" and (price is None or volume is not None):
            raise _create_error(side)
        if side == "ask" and (volume is None or price is not None):
            raise _create_error(side)
    if tif == "post_only" and (ord_type != "limit" or smp is not None):
        raise _create_error(side)
    if volume is not None and decimal_places(volume) > VOLUME_DECIMALS:
        raise upbit_error("validation_error", detail="volume does not have a valid value")
    return OrderRequest(
        lst,
        side,
        ord_type,
        price,
        volume,
        tif if isinstance(tif, str) else None,
        smp if isinstance(smp, str) else None,
        identifier if isinstance(identifier, str) else None,
    )
