"""Upbit REST v1: the route table and request dispatch (JWT verification for exchange
routes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xtoolkit.sandbox.auth import upbit_authenticate, upbit_body_hash_inputs, upbit_query_hash_inputs
from xtoolkit.sandbox.errors import UpbitError
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.upbit_exchange import (
    accounts,
    cancel_by_ids,
    cancel_open,
    cancel_order,
    chance,
    get_order,
    new_order,
    orders_by_ids,
    orders_closed,
    orders_open,
    test_order,
)
from xtoolkit.sandbox.upbit_format import Query, json_body
from xtoolkit.sandbox.upbit_quotation import (
    candles_minutes,
    candles_seconds,
    instruments,
    market_all,
    orderbook,
    period_candles,
    ticker,
    ticker_all,
    trades_ticks,
)
from xtoolkit.sandbox.upbit_wallet import wallet_status, withdraw_chance
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = ["ROUTES", "Route", "dispatch"]


@dataclass(frozen=True, slots=True)
class Route:
    """An Upbit endpoint: handler, whether it needs a JWT, and the key permission it needs
    (spec upbit.md §4 table; ``None``: any valid key)."""

    handler: Callable[..., Reply]
    private: bool = False
    permission: str | None = None


VIEW_ACCOUNT, VIEW_ORDERS, MAKE_ORDERS = "View Account", "View Orders", "Make Orders"
VIEW_WITHDRAWALS = "View Withdrawals"


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/v1/market/all"): Route(market_all),
    ("GET", "/v1/ticker"): Route(ticker),
    ("GET", "/v1/ticker/all"): Route(ticker_all),
    ("GET", "/v1/orderbook"): Route(orderbook),
    ("GET", "/v1/orderbook/instruments"): Route(instruments),
    ("GET", "/v1/trades/ticks"): Route(trades_ticks),
    ("GET", "/v1/candles/seconds"): Route(candles_seconds),
    ("GET", "/v1/candles/minutes/{unit}"): Route(candles_minutes),
    ("GET", "/v1/candles/days"): Route(period_candles("days")),
    ("GET", "/v1/candles/weeks"): Route(period_candles("weeks")),
    ("GET", "/v1/candles/months"): Route(period_candles("months")),
    ("GET", "/v1/candles/years"): Route(period_candles("years")),
    ("GET", "/v1/accounts"): Route(accounts, True, VIEW_ACCOUNT),
    ("GET", "/v1/orders/chance"): Route(chance, True, VIEW_ORDERS),
    ("POST", "/v1/orders"): Route(new_order, True, MAKE_ORDERS),
    ("POST", "/v1/orders/test"): Route(test_order, True, MAKE_ORDERS),
    ("GET", "/v1/order"): Route(get_order, True, VIEW_ORDERS),
    ("DELETE", "/v1/order"): Route(cancel_order, True, MAKE_ORDERS),
    ("GET", "/v1/orders/open"): Route(orders_open, True, VIEW_ORDERS),
    ("DELETE", "/v1/orders/open"): Route(cancel_open, True, MAKE_ORDERS),
    ("GET", "/v1/orders/closed"): Route(orders_closed, True, VIEW_ORDERS),
    ("GET", "/v1/orders/uuids"): Route(orders_by_ids, True, VIEW_ORDERS),
    ("DELETE", "/v1/orders/uuids"): Route(cancel_by_ids, True, MAKE_ORDERS),
    # Wallet (spec upbit.md §11); there is no withdrawal endpoint.
    ("GET", "/v1/status/wallet"): Route(wallet_status, True),
    ("GET", "/v1/withdraws/chance"): Route(withdraw_chance, True, VIEW_WITHDRAWALS),
}


def dispatch(state: SandboxState, req: ApiRequest, route: Route) -> Reply:
    """Authenticate private routes and run the handler (state lock held)."""
    q = Query(req.raw_query)
    if not route.private:
        return route.handler(state, req, q)
    if req.method == "POST":
        try:
            fields = list(json_body(req).items())
        except UpbitError:
            fields = []
        inputs = upbit_body_hash_inputs(fields)
    else:
        inputs = upbit_query_hash_inputs(req.raw_query)
    auth = upbit_authenticate(
        authorization=req.headers.get("Authorization"),
        hash_inputs=inputs,
        accounts=state.accounts,
        nonces=state.nonces,
        remote=req.remote,
        permission=route.permission,
    )
    return route.handler(state, req, q, auth.account)
