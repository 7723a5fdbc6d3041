"""The unified order an adapter turns into its venue's order call."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = ["OrderSpec", "OrderType", "Side"]

Side = Literal["buy", "sell"]
OrderType = Literal["limit", "market"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSpec:
    """Already rounded and checked; adapters only translate it.

    ``qty`` is in the base asset; ``quote_qty`` (market buys by total) in the quote asset.
    """

    native: str
    side: Side
    type: OrderType
    client_order_id: str
    qty: Decimal | None = None
    price: Decimal | None = None
    quote_qty: Decimal | None = None
    time_in_force: str | None = None
