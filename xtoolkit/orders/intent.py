"""What an order will be (``Intent``) and what it is estimated to cost (``Estimate``).

``Intent`` is the exact, rounded order that would go on the wire plus what the user typed;
``estimate`` values it against a :class:`~xtoolkit.orders.snapshot.Snapshot` of the market.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from xtoolkit._models import MarketRef, fmt_decimal
from xtoolkit.exchanges._orders import OrderSpec
from xtoolkit.orders.pricing import walk

if TYPE_CHECKING:
    from xtoolkit.orders.snapshot import Snapshot

__all__ = ["Estimate", "Intent", "estimate"]

Side = Literal["buy", "sell"]
OrderType = Literal["limit", "market"]


def _text(d: Decimal | None) -> str | None:
    return None if d is None else fmt_decimal(d)


@dataclass(frozen=True, slots=True, kw_only=True)
class Intent:
    """One order as it will be sent (rounded) and as it was typed."""

    ref: MarketRef
    side: Side
    type: OrderType
    client_order_id: str
    price: Decimal | None = None
    qty: Decimal | None = None
    quote_qty: Decimal | None = None
    typed_price: Decimal | None = None
    typed_qty: Decimal | None = None
    typed_quote_qty: Decimal | None = None
    allow_warning: bool = False

    def spec(self) -> OrderSpec:
        """The adapter-level order (already rounded and checked)."""
        return OrderSpec(
            native=self.ref.native,
            side=self.side,
            type=self.type,
            client_order_id=self.client_order_id,
            qty=self.qty,
            price=self.price,
            quote_qty=self.quote_qty,
        )

    def key(self) -> tuple[str | None, ...]:
        """Identity of the order's economics (for the repeated-order guard)."""
        return (
            self.ref.exchange,
            self.ref.native,
            self.side,
            self.type,
            _text(self.price),
            _text(self.qty),
            _text(self.quote_qty),
        )

    def wire(self) -> dict[str, str | None]:
        """The order fields as plain decimal text (journal and display)."""
        return {
            "market": str(self.ref),
            "native": self.ref.native,
            "side": self.side,
            "type": self.type,
            "price": _text(self.price),
            "qty": _text(self.qty),
            "quote_qty": _text(self.quote_qty),
        }


@dataclass(frozen=True, slots=True)
class Estimate:
    """An order's value against a market snapshot, in its quote currency and in USDT / KRW.

    ``notional`` is the quote amount (limit: price x qty; market: the book walk or the given
    total), ``qty`` the base amount, ``worst`` the worst price a market order reaches in the
    visible book, ``complete`` whether that book could fill it, ``fee`` at the taker rate.
    """

    notional: Decimal | None
    qty: Decimal | None
    worst: Decimal | None
    complete: bool
    fee_rate: Decimal
    fee: Decimal | None
    value_usdt: Decimal | None
    value_krw: Decimal | None


def estimate(intent: Intent, snap: Snapshot) -> Estimate:
    """Value ``intent`` against ``snap`` (pure)."""
    notional: Decimal | None
    qty: Decimal | None
    worst: Decimal | None = intent.price
    complete = True
    if intent.type == "limit":
        assert intent.price is not None and intent.qty is not None
        notional, qty = intent.price * intent.qty, intent.qty
    else:
        book = snap.asks if intent.side == "buy" else snap.bids
        fill = walk(book, qty=intent.qty) if intent.qty is not None else walk(book, quote=intent.quote_qty)
        worst, complete = fill.worst, fill.complete
        notional = intent.quote_qty if intent.quote_qty is not None else fill.quote
        qty = intent.qty if intent.qty is not None else fill.qty
        if not fill.qty:
            notional = intent.quote_qty
            qty = intent.qty
    fee = None if notional is None else notional * snap.fee_rate
    value_usdt = None if notional is None or snap.quote_usdt is None else notional * snap.quote_usdt
    value_krw = None if notional is None or snap.quote_krw is None else notional * snap.quote_krw
    return Estimate(notional, qty, worst, complete, snap.fee_rate, fee, value_usdt, value_krw)
