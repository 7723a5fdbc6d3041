"""Binance order facts: default fees, preview depth, market orders, cancel-all, account reads.

* market orders take either amount: ``quantity`` (base) or ``quoteOrderQty`` (total);
* ``DELETE /api/v3/openOrders`` cancels one market's open orders and answers them;
* ``/api/v3/order/test?computeCommissionRates=true`` answers the commission it would charge;
* a request older than ``recvWindow`` is refused before matching, so an order still not found
  after it was never placed (absence is proof);
* the signed ``account`` read carries balances and ``commissionRates`` (the taker rate).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xtoolkit._errors import XtoolkitError
from xtoolkit._models import to_decimal
from xtoolkit.exchanges._spec import Call
from xtoolkit.exchanges._venue import AccountView, OrderFacts

__all__ = ["ORDERS", "account_call", "parse_account"]


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return to_decimal(value)
    except XtoolkitError:
        return None


def account_call(adapter: Any, native: str) -> Call:
    """The signed account read (balances and commission rates) a preview takes."""
    del native  # one read covers every market
    return adapter.balances_call()  # type: ignore[no-any-return]


def parse_account(payload: Any, side: str) -> AccountView:
    """Free balances and the taker fee from ``GET /api/v3/account``."""
    del side  # one taker rate for both sides
    rates = payload.get("commissionRates") or {}
    fee = _dec(rates.get("taker"))
    free = {
        str(b.get("asset", "")).upper(): _dec(b.get("free")) or Decimal(0)
        for b in payload.get("balances", [])
    }
    return AccountView(free=free, fee_rate=fee, fee_source="account" if fee is not None else "default")


ORDERS = OrderFacts(
    default_fees={"*": Decimal("0.001")},
    book_depth=100,
    account_call=account_call,
    parse_account=parse_account,
    test_order_commission=True,
    absence_is_proof=True,
)
