"""Binance spot REST (``/api/v3``): the route table and request dispatch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xtoolkit.sandbox.auth import binance_authenticate
from xtoolkit.sandbox.binance_market import (
    agg_trades,
    avg_price,
    book_ticker,
    depth,
    exchange_info,
    historical_trades,
    klines,
    ping,
    recent_trades,
    server_time,
    ticker_24hr,
    ticker_price,
)
from xtoolkit.sandbox.binance_orders import (
    account_info,
    all_orders,
    cancel_open_orders,
    cancel_order,
    my_trades,
    new_order,
    open_orders,
    query_order,
    test_order,
)
from xtoolkit.sandbox.binance_params import Params
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = ["ROUTES", "Route", "dispatch"]

Handler = Callable[[SandboxState, ApiRequest, Params], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    """A Binance endpoint: its handler and whether it needs a signed request."""

    handler: Handler
    signed: bool = False


#: Every Binance endpoint the sandbox serves.
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v3/ping"): Route(ping),
    ("GET", "/api/v3/time"): Route(server_time),
    ("GET", "/api/v3/exchangeInfo"): Route(exchange_info),
    ("GET", "/api/v3/depth"): Route(depth),
    ("GET", "/api/v3/trades"): Route(recent_trades),
    ("GET", "/api/v3/historicalTrades"): Route(historical_trades),
    ("GET", "/api/v3/aggTrades"): Route(agg_trades),
    ("GET", "/api/v3/klines"): Route(klines),
    ("GET", "/api/v3/uiKlines"): Route(klines),
    ("GET", "/api/v3/avgPrice"): Route(avg_price),
    ("GET", "/api/v3/ticker/24hr"): Route(ticker_24hr),
    ("GET", "/api/v3/ticker/price"): Route(ticker_price),
    ("GET", "/api/v3/ticker/bookTicker"): Route(book_ticker),
    ("GET", "/api/v3/account"): Route(account_info, signed=True),
    ("POST", "/api/v3/order"): Route(new_order, signed=True),
    ("POST", "/api/v3/order/test"): Route(test_order, signed=True),
    ("GET", "/api/v3/order"): Route(query_order, signed=True),
    ("DELETE", "/api/v3/order"): Route(cancel_order, signed=True),
    ("GET", "/api/v3/openOrders"): Route(open_orders, signed=True),
    ("DELETE", "/api/v3/openOrders"): Route(cancel_open_orders, signed=True),
    ("GET", "/api/v3/allOrders"): Route(all_orders, signed=True),
    ("GET", "/api/v3/myTrades"): Route(my_trades, signed=True),
}


def dispatch(state: SandboxState, req: ApiRequest, route: Route) -> Reply:
    """Parse parameters, authenticate signed routes, run the handler (state lock held)."""
    params = Params(req.raw_query, req.body_text)
    if route.signed:
        account = binance_authenticate(
            api_key=req.headers.get("X-MBX-APIKEY"),
            params=params.values,
            raw_query=req.raw_query,
            raw_body=req.body_text,
            accounts=state.accounts,
            server_ms=req.now_ms,
        )
        params.account = account
    return route.handler(state, req, params)
