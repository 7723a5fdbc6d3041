"""Binance spot: the exact request every public verb sends, one row per call.

Source of truth: /work/shared/spec/binance-spot.md (each row names its section). Conventions
the rows rely on (spec §2, §4):

* every parameter travels in the query string, also for POST and DELETE (allowed: "parameters
  may be in the query string"); no request has a body;
* array parameters are one JSON array literal: ``symbols=["BTCUSDT","ETHUSDT"]``;
* signed requests end ``…&recvWindow=5000&timestamp=<ms>&signature=<hex>``: ``signature`` last,
  an HMAC-SHA256 over the exact percent-encoded query (the test recomputes it), ``timestamp``
  within the venue's window of *its* clock (the test applies the spec's timing rule), and the
  key in ``X-MBX-APIKEY``. Public requests carry none of these.

Canned answers come from payloads/binance (copies of the spec's examples), echoing what the
request named (symbol, client order id) the way the venue does.
"""

from __future__ import annotations

import copy
from typing import Any

from wire_model import Like, Multiple, Req, Row, Value, answer, call, plan
from wire_server import Reply, Responder, Seen, payload

__all__ = ["DEFAULTS", "KEY", "ROWS", "SECRET", "SIGNED_PATHS"]

KEY = "wire-binance-key-" + "K7" * 24
SECRET = "wire-binance-secret-" + "S3" * 22
RECV_WINDOW_MS = 5000

#: Spec §3.1: endpoints whose security type is TRADE or USER_DATA (signed).
SIGNED_PATHS = frozenset(
    {
        "/api/v3/account",
        "/api/v3/order",
        "/api/v3/order/test",
        "/api/v3/openOrders",
        "/api/v3/allOrders",
        "/api/v3/myTrades",
        "/api/v3/account/commission",
        "/sapi/v1/capital/config/getall",
    }
)

TIMESTAMP = Like(r"[0-9]{13}", "epoch ms (checked against the venue clock)")
SIGNATURE = Like(r"[0-9a-f]{64}", "lower-case hex HMAC-SHA256 (recomputed by the test)")
TEST_ORDER_ID = Like(r"xt-t[0-9A-HJKMNP-TV-Z]{26}", "a fresh client id for the test order")

M = "binance:BTC/USDT"
ORDER_ID = "48291746013"
CLIENT_ID = "nb-20261123-0001"

# Routes.
TIME = ("GET", "/api/v3/time")
EXCHANGE_INFO = ("GET", "/api/v3/exchangeInfo")
DEPTH = ("GET", "/api/v3/depth")
KLINES = ("GET", "/api/v3/klines")
ACCOUNT = ("GET", "/api/v3/account")
OPEN_ORDERS = ("GET", "/api/v3/openOrders")
ORDER_GET = ("GET", "/api/v3/order")
ORDER_NEW = ("POST", "/api/v3/order")
CAPITAL_CONFIG = ("GET", "/sapi/v1/capital/config/getall")
COMMISSION = ("GET", "/api/v3/account/commission")
#: The Upbit calls a Binance order makes to value USDT in KRW (upbit:USDT/KRW).
FX = frozenset({("GET", "/v1/ticker"), ("GET", "/v1/orderbook")})
#: What an order's guards read at preview and again at submit (rules, book, balances, opens).
ORDER_READS = frozenset({TIME, EXCHANGE_INFO, DEPTH, ACCOUNT, OPEN_ORDERS}) | FX


def signed(*pairs: tuple[str, Value]) -> tuple[tuple[str, Value], ...]:
    """The query of a signed request: the call's parameters, then the spec §4 trailer, in order."""
    return (*pairs, ("recvWindow", str(RECV_WINDOW_MS)), ("timestamp", TIMESTAMP), ("signature", SIGNATURE))


def get(path: str, *query: tuple[str, Value]) -> Req:
    return Req("GET", path, tuple(query))


# --- canned answers ---------------------------------------------------------------------------


def _symbols(seen: Seen) -> list[str]:
    import json

    return json.loads(seen.param("symbols") or "[]")


def _ticker_24hr(seen: Seen) -> Reply:
    template = payload("binance", "ticker_24hr")
    return Reply(body=[{**template, "symbol": s} for s in _symbols(seen)])


def _order(template: str, seen: Seen, **override: Any) -> dict[str, Any]:
    """A canned order object naming the order the request named (symbol, ids, side, amounts)."""
    body = copy.deepcopy(payload("binance", template))
    body["symbol"] = seen.param("symbol", body["symbol"])
    if seen.param("orderId"):
        body["orderId"] = int(seen.param("orderId") or 0)
    if seen.param("origClientOrderId"):
        body["clientOrderId"] = seen.param("origClientOrderId")
    body.update(override)
    return body


def _order_new(seen: Seen) -> Reply:
    return Reply(
        body=_order(
            "order_new",
            seen,
            clientOrderId=seen.param("newClientOrderId"),
            side=seen.param("side"),
            type=seen.param("type"),
            price=seen.param("price", "0"),
            origQty=seen.param("quantity", "0"),
        )
    )


def _order_cancel(seen: Seen) -> Reply:
    body = _order("order_cancel", seen)
    if seen.param("origClientOrderId"):
        body["origClientOrderId"] = seen.param("origClientOrderId")
    return Reply(body=body)


def klines(start_ms: int, count: int, step_ms: int = 60_000) -> list[list[Any]]:
    """``count`` consecutive klines opening at ``start_ms`` (oldest first, spec §3.6)."""
    template = payload("binance", "klines")[0]
    return [
        [start_ms + i * step_ms, *template[1:6], start_ms + (i + 1) * step_ms - 1, *template[7:]]
        for i in range(count)
    ]


#: What the fake venue answers when a row queues nothing for a route.
DEFAULTS: dict[tuple[str, str], Responder] = {
    ("GET", "/api/v3/ping"): answer(payload("binance", "ping")),
    TIME: lambda seen: Reply(body={"serverTime": seen.server_ms}),
    EXCHANGE_INFO: answer(payload("binance", "exchange_info_multi")),
    DEPTH: answer(payload("binance", "depth")),
    ("GET", "/api/v3/trades"): answer(payload("binance", "trades")),
    KLINES: answer(payload("binance", "klines")),
    ("GET", "/api/v3/ticker/24hr"): _ticker_24hr,
    ("GET", "/api/v3/ticker/bookTicker"): answer(payload("binance", "book_ticker")),
    ("GET", "/api/v3/ticker/price"): answer(payload("binance", "ticker_price")),
    ("GET", "/api/v3/avgPrice"): answer(payload("binance", "avg_price")),
    ACCOUNT: answer(payload("binance", "account")),
    OPEN_ORDERS: answer([]),
    ORDER_GET: lambda seen: Reply(body=_order("order_query", seen)),
    ("GET", "/api/v3/allOrders"): lambda seen: Reply(body=[_order("order_query", seen)]),
    ("GET", "/api/v3/myTrades"): answer(payload("binance", "my_trades")),
    ORDER_NEW: _order_new,
    ("POST", "/api/v3/order/test"): answer(payload("binance", "order_test_commission")),
    ("DELETE", "/api/v3/order"): _order_cancel,
    ("DELETE", "/api/v3/openOrders"): lambda seen: Reply(body=[_order("order_cancel", seen)]),
    CAPITAL_CONFIG: answer(payload("binance", "capital_config_getall")),
    COMMISSION: answer(payload("binance", "account_commission")),
}

OPEN = answer(payload("binance", "open_orders"))

# --- the table --------------------------------------------------------------------------------

_PUBLIC: tuple[Row, ...] = (
    Row(
        "tickers_one_market",
        (call("tickers", M),),
        (get("/api/v3/ticker/24hr", ("symbols", '["BTCUSDT"]')),),
        "§2 arrays, §3.7",
    ),
    Row(
        "tickers_many_markets_one_request",
        (call("tickers", [M, "binance:ETH/USDT"]),),
        (get("/api/v3/ticker/24hr", ("symbols", '["BTCUSDT","ETHUSDT"]')),),
        "§2 arrays, §3.7",
    ),
    Row(
        "orderbook_default_depth",
        (call("orderbook", M),),
        (get("/api/v3/depth", ("symbol", "BTCUSDT"), ("limit", "100")),),
        "§3.4 (default 100)",
    ),
    Row(
        "orderbook_depth_500",
        (call("orderbook", M, depth=500),),
        (get("/api/v3/depth", ("symbol", "BTCUSDT"), ("limit", "500")),),
        "§3.4",
    ),
    Row(
        "orderbook_max_depth",
        (call("orderbook", M, depth=5000),),
        (get("/api/v3/depth", ("symbol", "BTCUSDT"), ("limit", "5000")),),
        "§3.4 (max 5000)",
    ),
    Row(
        "trades_default",
        (call("trades", M),),
        (get("/api/v3/trades", ("symbol", "BTCUSDT"), ("limit", "100")),),
        "§3.5",
    ),
    Row(
        "trades_max",
        (call("trades", M, limit=1000),),
        (get("/api/v3/trades", ("symbol", "BTCUSDT"), ("limit", "1000")),),
        "§3.5 (max 1000)",
    ),
    Row(
        "candles_window_end_inclusive",
        (call("candles", M, interval="1h", start="2026-11-21T00:00:00Z", end="2026-11-21T06:00:00Z"),),
        (
            get(
                "/api/v3/klines",
                ("symbol", "BTCUSDT"),
                ("interval", "1h"),
                ("startTime", "1795219200000"),
                ("endTime", "1795240799999"),  # the unified end is exclusive, Binance's inclusive
                ("limit", "1000"),
            ),
        ),
        "§3.6 (startTime/endTime inclusive, limit max 1000)",
    ),
    Row(
        "candles_paginate_forward",
        (
            call(
                "candles",
                M,
                interval="1m",
                start="2026-11-20T12:00:00Z",
                end="2026-11-21T12:00:00Z",
                progress=False,
            ),
        ),
        (
            get(
                "/api/v3/klines",
                ("symbol", "BTCUSDT"),
                ("interval", "1m"),
                ("startTime", "1795176000000"),
                ("endTime", "1795262399999"),
                ("limit", "1000"),
            ),
            get(
                "/api/v3/klines",
                ("symbol", "BTCUSDT"),
                ("interval", "1m"),
                ("startTime", "1795235940001"),  # last open time of page 1 + 1
                ("endTime", "1795262399999"),
                ("limit", "1000"),
            ),
        ),
        "§3.6 pagination (walk forward with startTime = lastOpenTime + 1)",
        replies={KLINES: (answer(klines(1795176000000, 1000)), answer(klines(1795235940000 + 60_000, 440)))},
    ),
    Row(
        "candles_latest_counted_back_from_now",
        (call("candles", M, interval="1h", limit=3),),
        (
            get(
                "/api/v3/klines",
                ("symbol", "BTCUSDT"),
                ("interval", "1h"),
                ("startTime", Multiple(3_600_000, "an hour boundary, 2 candles before the forming one")),
                ("limit", "1000"),
            ),
        ),
        "§3.6 (startTime only: oldest rows from startTime)",
    ),
    Row(
        "candles_month_interval",
        (call("candles", M, interval="1M", start="2026-01-01T00:00:00Z", end="2026-07-01T00:00:00Z"),),
        (
            get(
                "/api/v3/klines",
                ("symbol", "BTCUSDT"),
                ("interval", "1M"),
                ("startTime", "1767225600000"),
                ("endTime", "1782863999999"),
                ("limit", "1000"),
            ),
        ),
        "§3.6 (intervals are case-sensitive: 1M is a month)",
    ),
    Row(
        "markets",
        (call("markets", "binance"),),
        (get("/api/v3/exchangeInfo", ("permissions", "SPOT")),),
        "§3.3 (permissions STRING)",
    ),
    Row(
        "market_info",
        (call("market_info", M),),
        (get("/api/v3/exchangeInfo", ("permissions", "SPOT")),),
        "§3.3",
    ),
    Row("request_ping", (call("request", "binance", "ping"),), (get("/api/v3/ping"),), "§3.2"),
    Row("request_server_time", (call("request", "binance", "time"),), (get("/api/v3/time"),), "§3.2"),
    Row(
        "request_avg_price",
        (call("request", "binance", "avg_price", {"symbol": "BTCUSDT"}),),
        (get("/api/v3/avgPrice", ("symbol", "BTCUSDT")),),
        "§3.1",
    ),
    Row(
        "request_book_ticker",
        (call("request", "binance", "book_ticker", {"symbol": "BTCUSDT"}),),
        (get("/api/v3/ticker/bookTicker", ("symbol", "BTCUSDT")),),
        "§3.8",
    ),
    Row(
        "request_ticker_price",
        (call("request", "binance", "ticker_price", {"symbols": ["BTCUSDT", "ETHUSDT"]}),),
        (get("/api/v3/ticker/price", ("symbols", '["BTCUSDT","ETHUSDT"]')),),
        "§2 arrays, §3.8",
    ),
)

_ACCOUNT: tuple[Row, ...] = (
    Row(
        "balances",
        (call("balances", "binance"),),
        (get("/api/v3/account", *signed(("omitZeroBalances", "true"))),),
        "§3.9, §4",
        also=frozenset({TIME}),
    ),
    Row(
        "open_orders_of_market",
        (call("open_orders", M),),
        (get("/api/v3/openOrders", *signed(("symbol", "BTCUSDT"))),),
        "§3.13, §4",
        also=frozenset({TIME}),
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "open_orders_of_exchange",
        (call("open_orders", exchange="binance"),),
        (get("/api/v3/openOrders", *signed()),),
        "§3.13 (no symbol: every market), §4",
        also=frozenset({TIME}),
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "order_status_by_order_id",
        (call("order_status", M, order_id=ORDER_ID),),
        (get("/api/v3/order", *signed(("symbol", "BTCUSDT"), ("orderId", ORDER_ID))),),
        "§3.12, §4",
        also=frozenset({TIME}),
    ),
    Row(
        "order_status_by_client_id",
        (call("order_status", M, client_order_id=CLIENT_ID),),
        (get("/api/v3/order", *signed(("symbol", "BTCUSDT"), ("origClientOrderId", CLIENT_ID))),),
        "§3.12, §4",
        also=frozenset({TIME}),
    ),
    Row(
        "cancel_order_by_order_id",
        (call("cancel_order", M, order_id=ORDER_ID),),
        (Req("DELETE", "/api/v3/order", signed(("symbol", "BTCUSDT"), ("orderId", ORDER_ID))),),
        "§3.11, §4",
        also=frozenset({TIME}),
    ),
    Row(
        "cancel_order_by_client_id",
        (call("cancel_order", M, client_order_id=CLIENT_ID),),
        (Req("DELETE", "/api/v3/order", signed(("symbol", "BTCUSDT"), ("origClientOrderId", CLIENT_ID))),),
        "§3.11, §4",
        also=frozenset({TIME}),
    ),
    Row(
        "order_history",
        (call("order_history", M),),
        (get("/api/v3/allOrders", *signed(("symbol", "BTCUSDT"), ("limit", "100"))),),
        "§3.1 (allOrders; its parameters are not in the spec), §4",
        also=frozenset({TIME}),
    ),
    Row(
        "order_history_limit_capped",
        (call("order_history", M, limit=5000),),
        (get("/api/v3/allOrders", *signed(("symbol", "BTCUSDT"), ("limit", "1000"))),),
        "§3.1 (allOrders; venue maximum 1000 is from Binance's docs, not the spec), §4",
        also=frozenset({TIME}),
    ),
    Row(
        "request_my_trades",
        (call("request", "binance", "my_trades", {"symbol": "BTCUSDT"}),),
        (get("/api/v3/myTrades", *signed(("symbol", "BTCUSDT"))),),
        "§3.1, §4",
        also=frozenset({TIME}),
    ),
    Row(
        "cancel_all_of_market",
        (call("cancel_all", M, confirm=True),),
        (
            get("/api/v3/openOrders", *signed(("symbol", "BTCUSDT"))),
            Req("DELETE", "/api/v3/openOrders", signed(("symbol", "BTCUSDT"))),
        ),
        "§3.11 (DELETE openOrders, symbol required), §3.13, §4",
        also=frozenset({TIME}),
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "cancel_all_of_exchange_per_market",
        (call("cancel_all", exchange="binance", confirm=True),),
        (
            get("/api/v3/openOrders", *signed()),
            Req("DELETE", "/api/v3/openOrders", signed(("symbol", "BTCUSDT"))),
        ),
        "§3.11 (one DELETE per market: symbol is required), §3.13, §4",
        also=frozenset({TIME}),
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "cancel_all_unconfirmed_sends_no_cancel",
        (call("cancel_all", M, raises="ConfirmationRequired"),),
        (get("/api/v3/openOrders", *signed(("symbol", "BTCUSDT"))),),
        "§3.13 (only the listing leaves)",
        also=frozenset({TIME}),
        replies={OPEN_ORDERS: (OPEN,)},
    ),
)


def _order_query(*pairs: tuple[str, Value], client_id: Value, test: bool) -> tuple[tuple[str, Value], ...]:
    tail: tuple[tuple[str, Value], ...] = (
        (("newClientOrderId", client_id), ("computeCommissionRates", "true"))
        if test
        else (("newClientOrderId", client_id), ("newOrderRespType", "FULL"))
    )
    return signed(("symbol", "BTCUSDT"), *pairs, *tail)


def _placed(row_id: str, order: dict[str, Any], pairs: tuple[tuple[str, Value], ...], spec: str) -> Row:
    cid = f"xt-wire-b-{row_id[:20]}"
    return Row(
        f"submit_{row_id}",
        (call("order", M, client_order_id=cid, **order), plan("submit", confirm=True)),
        (Req("POST", "/api/v3/order", _order_query(*pairs, client_id=cid, test=False)),),
        spec,
        also=ORDER_READS,
        mode="live",
    )


LIMIT_BUY = {"side": "buy", "qty": "0.0001", "price": "90000"}

_ORDERS: tuple[Row, ...] = (
    Row(
        "validate_limit_buy",
        (call("order", M, client_order_id="xt-wire-b-validate", **LIMIT_BUY), plan("validate")),
        (
            Req(
                "POST",
                "/api/v3/order/test",
                _order_query(
                    ("side", "BUY"),
                    ("type", "LIMIT"),
                    ("timeInForce", "GTC"),
                    ("quantity", "0.0001"),
                    ("price", "90000"),
                    client_id=TEST_ORDER_ID,
                    test=True,
                ),
            ),
        ),
        "§3.10 (order/test: same params + computeCommissionRates), §4",
        also=ORDER_READS,
    ),
    _placed(
        "limit_buy",
        LIMIT_BUY,
        (
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.0001"),
            ("price", "90000"),
        ),
        "§3.10 (LIMIT: timeInForce, quantity, price), §4",
    ),
    _placed(
        "limit_sell",
        {"side": "sell", "qty": "0.00012", "price": "92000.5"},
        (
            ("side", "SELL"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.00012"),
            ("price", "92000.5"),
        ),
        "§3.10, §2 decimals (no exponent), §4",
    ),
    _placed(
        "market_buy_by_total",
        {"side": "buy", "quote_qty": "10"},
        (("side", "BUY"), ("type", "MARKET"), ("quoteOrderQty", "10")),
        "§3.10 (MARKET: quoteOrderQty), §4",
    ),
    _placed(
        "market_sell_by_qty",
        {"side": "sell", "qty": "0.0001"},
        (("side", "SELL"), ("type", "MARKET"), ("quantity", "0.0001")),
        "§3.10 (MARKET: quantity), §4",
    ),
    Row(
        "submit_dry_run_sends_no_order",
        (
            call("order", M, client_order_id="xt-wire-b-dry", **LIMIT_BUY),
            plan("submit", confirm=True, raises="DryRunBlocked"),
        ),
        (),
        "(toolkit rule: dry-run places nothing; nothing reaches POST /api/v3/order)",
        also=ORDER_READS,
    ),
    Row(
        "reconcile_looks_up_by_client_id",
        (
            call("order", M, client_order_id="xt-wire-b-reconcile", **LIMIT_BUY),
            plan("submit", confirm=True, raises="OrderStatusUnknown"),
            call("reconcile", "xt-wire-b-reconcile"),
        ),
        (
            Req(
                "POST",
                "/api/v3/order",
                _order_query(
                    ("side", "BUY"),
                    ("type", "LIMIT"),
                    ("timeInForce", "GTC"),
                    ("quantity", "0.0001"),
                    ("price", "90000"),
                    client_id="xt-wire-b-reconcile",
                    test=False,
                ),
            ),
            get(
                "/api/v3/order", *signed(("symbol", "BTCUSDT"), ("origClientOrderId", "xt-wire-b-reconcile"))
            ),
        ),
        "§3.10 (5XX: execution status unknown, §6), §3.12 lookup by origClientOrderId, §4",
        also=ORDER_READS,
        replies={ORDER_NEW: (answer({"code": -1000, "msg": "An unknown error occurred."}, status=503),)},
        mode="live",
    ),
    Row(
        "plan_reconcile_looks_up_by_client_id",
        (
            call("order", M, client_order_id="xt-wire-b-plan-reconcile", **LIMIT_BUY),
            plan("submit", confirm=True, raises="OrderStatusUnknown"),
            plan("reconcile"),
        ),
        (
            Req(
                "POST",
                "/api/v3/order",
                _order_query(
                    ("side", "BUY"),
                    ("type", "LIMIT"),
                    ("timeInForce", "GTC"),
                    ("quantity", "0.0001"),
                    ("price", "90000"),
                    client_id="xt-wire-b-plan-reconcile",
                    test=False,
                ),
            ),
            get(
                "/api/v3/order",
                *signed(("symbol", "BTCUSDT"), ("origClientOrderId", "xt-wire-b-plan-reconcile")),
            ),
        ),
        "§3.12 lookup by origClientOrderId, §4",
        also=ORDER_READS,
        replies={ORDER_NEW: (answer({"code": -1000, "msg": "An unknown error occurred."}, status=503),)},
        mode="live",
    ),
)

_WALLET: tuple[Row, ...] = (
    Row(
        "networks_one_call_for_every_coin",
        (call("networks", "BTC", exchange="binance"),),
        (get("/sapi/v1/capital/config/getall", *signed()),),
        "§10.1 (/sapi signed as §4), §10.2 (no coin filter: filtered locally)",
        also=frozenset({TIME}),
    ),
    Row(
        "network_records_every_coin",
        (call("network_records", exchange="binance"),),
        (get("/sapi/v1/capital/config/getall", *signed()),),
        "§10.2",
        also=frozenset({TIME}),
    ),
    Row(
        "trading_fees_per_symbol",
        (call("trading_fees", [M, "binance:ETH/USDT"]),),
        (
            get("/api/v3/account/commission", *signed(("symbol", "BTCUSDT"))),
            get("/api/v3/account/commission", *signed(("symbol", "ETHUSDT"))),
        ),
        "§10.4",
        also=frozenset({TIME}),
    ),
    Row(
        "fee_records_one_symbol",
        (call("fee_records", M),),
        (get("/api/v3/account/commission", *signed(("symbol", "BTCUSDT"))),),
        "§10.4",
        also=frozenset({TIME}),
    ),
)

ROWS: tuple[Row, ...] = _PUBLIC + _ACCOUNT + _ORDERS + _WALLET
