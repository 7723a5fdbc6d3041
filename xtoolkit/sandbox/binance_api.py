"""Binance spot REST (``/api/v3``) and wallet (``/sapi/v1``): the route table — each endpoint's
handler, security type and parameter table — and request dispatch.

Dispatch order, as the venue checks: parameters parsed (-1101 duplicates), the time-unit
header (-1194), authentication of signed routes (-2014/-2015/-1102/-1022/-1021), the
parameter table (-1102 mandatory, -1100 legal range, -1104 unread), then the handler. The
body is read only when form-encoded (:func:`~xtoolkit.sandbox.binance_params.readable_body`).
With ``X-MBX-TIME-UNIT: MICROSECOND`` the response's time fields come back in µs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xtoolkit.sandbox import binance_time
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
from xtoolkit.sandbox.binance_params import Params, readable_body
from xtoolkit.sandbox.binance_paramspec import ParamSpec, ParamTable, check_params, table
from xtoolkit.sandbox.binance_wallet import account_commission, capital_config, retired, trade_fee
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = ["ROUTES", "Route", "dispatch"]

Handler = Callable[[SandboxState, ApiRequest, Params], Reply]

#: Key permission each security type needs (spec §3: NONE is public).
PERMISSION_OF = {"NONE": None, "USER_DATA": "READ", "TRADE": "TRADE"}


@dataclass(frozen=True, slots=True)
class Route:
    """A Binance endpoint: handler, security type (``NONE``, ``USER_DATA``, ``TRADE``), the
    parameters it reads, and whether its body is kline rows (time columns by position)."""

    handler: Handler
    params: ParamTable
    security: str = "NONE"
    klines: bool = False
    #: ``False`` for retired endpoints, which answer the same whatever is sent.
    checks: bool = True

    @property
    def signed(self) -> bool:
        """Whether the endpoint needs a signed request."""
        return self.security != "NONE"


def _p(name: str, kind: str = "STRING", required: bool = False) -> ParamSpec:
    return ParamSpec(name, kind, required)


SYMBOL = _p("symbol", "SYMBOL", True)
SYMBOL_OPT = _p("symbol", "SYMBOL")
SYMBOLS = _p("symbols", "SYMBOLS")
LIMIT = _p("limit", "INT")
SYMBOL_STATUS = _p("symbolStatus", "ENUM")
START, END = _p("startTime", "LONG"), _p("endTime", "LONG")
ORDER_ID = _p("orderId", "LONG")
ORIG_CLIENT_ID = _p("origClientOrderId")
KLINES = (SYMBOL, _p("interval", "ENUM", True), START, END, _p("timeZone"), LIMIT)
#: ``POST /api/v3/order`` parameters (rest-api.md "New order").
NEW_ORDER = (
    SYMBOL,
    _p("side", "ENUM", True),
    _p("type", "ENUM", True),
    _p("timeInForce", "ENUM"),
    _p("quantity", "DECIMAL"),
    _p("quoteOrderQty", "DECIMAL"),
    _p("price", "DECIMAL"),
    _p("newClientOrderId", "CLIENT_ID"),
    _p("strategyId", "LONG"),
    _p("strategyType", "INT"),
    _p("stopPrice", "DECIMAL"),
    _p("trailingDelta", "LONG"),
    _p("icebergQty", "DECIMAL"),
    _p("newOrderRespType", "ENUM"),
    _p("selfTradePreventionMode", "ENUM"),
    _p("pegPriceType", "ENUM"),
    _p("pegOffsetValue", "INT"),
    _p("pegOffsetType", "ENUM"),
)

#: Every Binance endpoint the sandbox serves.
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v3/ping"): Route(ping, table()),
    ("GET", "/api/v3/time"): Route(server_time, table()),
    ("GET", "/api/v3/exchangeInfo"): Route(
        exchange_info,
        table(
            SYMBOL_OPT,
            SYMBOLS,
            _p("permissions"),
            _p("showPermissionSets", "BOOLEAN"),
            SYMBOL_STATUS,
        ),
    ),
    ("GET", "/api/v3/depth"): Route(depth, table(SYMBOL, LIMIT, SYMBOL_STATUS)),
    ("GET", "/api/v3/trades"): Route(recent_trades, table(SYMBOL, LIMIT)),
    ("GET", "/api/v3/historicalTrades"): Route(historical_trades, table(SYMBOL, LIMIT, _p("fromId", "LONG"))),
    ("GET", "/api/v3/aggTrades"): Route(agg_trades, table(SYMBOL, _p("fromId", "LONG"), START, END, LIMIT)),
    ("GET", "/api/v3/klines"): Route(klines, table(*KLINES), klines=True),
    ("GET", "/api/v3/uiKlines"): Route(klines, table(*KLINES), klines=True),
    ("GET", "/api/v3/avgPrice"): Route(avg_price, table(SYMBOL)),
    ("GET", "/api/v3/ticker/24hr"): Route(
        ticker_24hr, table(SYMBOL_OPT, SYMBOLS, _p("type", "ENUM"), SYMBOL_STATUS)
    ),
    ("GET", "/api/v3/ticker/price"): Route(ticker_price, table(SYMBOL_OPT, SYMBOLS, SYMBOL_STATUS)),
    ("GET", "/api/v3/ticker/bookTicker"): Route(book_ticker, table(SYMBOL_OPT, SYMBOLS, SYMBOL_STATUS)),
    ("GET", "/api/v3/account"): Route(
        account_info, table(_p("omitZeroBalances", "BOOLEAN"), signed=True), "USER_DATA"
    ),
    ("GET", "/api/v3/account/commission"): Route(account_commission, table(SYMBOL, signed=True), "USER_DATA"),
    ("POST", "/api/v3/order"): Route(new_order, table(*NEW_ORDER, signed=True), "TRADE"),
    ("POST", "/api/v3/order/test"): Route(
        test_order, table(*NEW_ORDER, _p("computeCommissionRates", "BOOLEAN"), signed=True), "TRADE"
    ),
    ("GET", "/api/v3/order"): Route(
        query_order, table(SYMBOL, ORDER_ID, ORIG_CLIENT_ID, signed=True), "USER_DATA"
    ),
    ("DELETE", "/api/v3/order"): Route(
        cancel_order,
        table(
            SYMBOL,
            ORDER_ID,
            ORIG_CLIENT_ID,
            _p("newClientOrderId", "CLIENT_ID"),
            _p("cancelRestrictions", "ENUM"),
            signed=True,
        ),
        "TRADE",
    ),
    ("GET", "/api/v3/openOrders"): Route(open_orders, table(SYMBOL_OPT, signed=True), "USER_DATA"),
    ("DELETE", "/api/v3/openOrders"): Route(cancel_open_orders, table(SYMBOL, signed=True), "TRADE"),
    ("GET", "/api/v3/allOrders"): Route(
        all_orders, table(SYMBOL, ORDER_ID, START, END, LIMIT, signed=True), "USER_DATA"
    ),
    ("GET", "/api/v3/myTrades"): Route(
        my_trades, table(SYMBOL, ORDER_ID, START, END, _p("fromId", "LONG"), LIMIT, signed=True), "USER_DATA"
    ),
    # Wallet (spec §10): the same host, its own rate-limit family.
    ("GET", "/sapi/v1/capital/config/getall"): Route(capital_config, table(signed=True), "USER_DATA"),
    ("GET", "/sapi/v1/asset/tradeFee"): Route(trade_fee, table(SYMBOL_OPT, signed=True), "USER_DATA"),
    # listenKey REST endpoints stopped on 2026-02-20: HTTP 410 (spec §13.5).
    ("POST", "/api/v3/userDataStream"): Route(retired, table(), checks=False),
    ("PUT", "/api/v3/userDataStream"): Route(retired, table(), checks=False),
    ("DELETE", "/api/v3/userDataStream"): Route(retired, table(), checks=False),
}


def request_params(req: ApiRequest) -> Params:
    """The request's parameters: query string plus, when form-encoded, the body (-1101 for a
    name repeated within either)."""
    return Params(req.raw_query, readable_body(req.method, req.headers, req.body_text))


def dispatch(state: SandboxState, req: ApiRequest, route: Route) -> Reply:
    """Parse parameters, authenticate signed routes, check the parameter table, run the
    handler (state lock held)."""
    if not route.checks:
        return route.handler(state, req, Params(""))
    params = request_params(req)
    unit = binance_time.response_unit(req.headers)
    if route.signed:
        params.account = binance_authenticate(
            api_key=req.headers.get("X-MBX-APIKEY"),
            params=params.values,
            raw_query=req.raw_query,
            raw_body=readable_body(req.method, req.headers, req.body_text),
            accounts=state.accounts,
            server_ms=req.now_ms,
            remote=req.remote,
            permission=PERMISSION_OF[route.security],
        )
    check_params(route.params, params)
    reply = route.handler(state, req, params)
    if unit == binance_time.MICROSECOND and reply.text is None:
        reply.body = binance_time.to_micros(reply.body, klines=route.klines)
    return reply
