"""Upbit order facts: default fees, preview depth, market orders, cancel-all, account reads.

* market buys are by total (``ord_type=price``), market sells by volume (``ord_type=market``);
* the fee is reserved on top of the order's funds;
* ``DELETE /v1/orders/open`` cancels up to 20 orders a call and answers their ids;
* ``GET /v1/orders/chance`` carries the market's fees, minimum totals and both balances;
* nothing like a receive window bounds when an order may still appear: NOT_FOUND stays
  provisional until ``Limits.not_found_horizon_s``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xtoolkit._errors import XtoolkitError
from xtoolkit._models import to_decimal
from xtoolkit.exchanges._spec import Call
from xtoolkit.exchanges._venue import AccountView, OrderFacts

__all__ = ["ORDERS", "account_call", "cancelled_ids", "parse_account"]

#: Orders one ``DELETE /v1/orders/open`` call cancels at most.
CANCEL_BATCH = 20


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return to_decimal(value)
    except XtoolkitError:
        return None


def account_call(adapter: Any, native: str) -> Call:
    """``orders/chance`` of the market: fees, minimum totals and both balances in one call."""
    return adapter.chance_call(native)  # type: ignore[no-any-return]


def parse_account(payload: Any, side: str) -> AccountView:
    """Free balances, the side's fee and the venue's totals from ``GET /v1/orders/chance``."""
    fee = _dec(payload.get("bid_fee" if side == "buy" else "ask_fee"))
    market = payload.get("market") or {}
    leg = market.get("bid" if side == "buy" else "ask") or {}
    free: dict[str, Decimal] = {}
    for key in ("bid_account", "ask_account"):
        acct = payload.get(key) or {}
        if acct.get("currency"):
            free[str(acct["currency"]).upper()] = _dec(acct.get("balance")) or Decimal(0)
    return AccountView(
        free=free,
        fee_rate=fee,
        fee_source="orders/chance" if fee is not None else "default",
        min_total=_dec(leg.get("min_total")),
        max_total=_dec(market.get("max_total")),
    )


def cancelled_ids(payload: Any) -> list[str]:
    """The order uuids one cancel-all call accepted."""
    orders = ((payload or {}).get("success") or {}).get("orders") or []
    return [str(o.get("uuid")) for o in orders]


ORDERS = OrderFacts(
    default_fees={"KRW": Decimal("0.0005"), "*": Decimal("0.0025")},
    book_depth=30,
    account_call=account_call,
    parse_account=parse_account,
    market_order_by={"buy": "quote_qty", "sell": "qty"},
    fee_reserved=True,
    cancel_all_batch=CANCEL_BATCH,
    cancelled_ids=cancelled_ids,
)
