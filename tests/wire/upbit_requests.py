"""Upbit: the exact request every public verb sends, one row per call.

Source of truth: /work/shared/spec/upbit.md (each row names its section). Conventions the rows
rely on:

* quotation lists are one comma-separated value (``markets=KRW-BTC,KRW-ETH``, §3); exchange
  API arrays repeat ``key[]=`` (``states[]=wait&states[]=watch``, §4.6, §5);
* GET and DELETE carry their parameters in the query; POST sends a JSON body
  (``Content-Type: application/json``) whose decimals are JSON strings (§1, §4.3);
* private requests carry ``Authorization: Bearer <JWT>``: ``access_key``, a fresh uuid4
  ``nonce`` and, when there are parameters, ``query_hash`` (SHA-512 of the unescaped query or
  of the body's ``key=value`` fields in order) with ``query_hash_alg=SHA512`` (§5). The test
  decodes and checks every token. Public requests carry no Authorization.

Canned answers come from payloads/upbit (copies of the spec's examples), echoing what the
request named (markets, uuid, identifier) the way the venue does.
"""

from __future__ import annotations

import copy
from typing import Any

from wire_model import Like, Req, Row, answer, call, plan
from wire_server import Reply, Responder, Seen, payload

__all__ = ["DEFAULTS", "KEY", "ROWS", "SECRET", "SIGNED_PATHS"]

KEY = "wire-upbit-access-" + "A5" * 21
SECRET = "wire-upbit-secret-" + "Z8" * 23

#: Spec §4: the exchange endpoints (JWT required).
SIGNED_PATHS = frozenset(
    {
        "/v1/accounts",
        "/v1/orders/chance",
        "/v1/orders",
        "/v1/orders/test",
        "/v1/order",
        "/v1/orders/open",
        "/v1/orders/closed",
        "/v1/orders/uuids",
        "/v1/status/wallet",
        "/v1/withdraws/chance",
    }
)

TEST_ORDER_ID = Like(r"xt-t[0-9A-HJKMNP-TV-Z]{26}", "a fresh identifier for the test order")

M = "upbit:BTC/KRW"
UUID = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
IDENTIFIER = "tk-20261123-0000"

# Routes.
MARKET_ALL = ("GET", "/v1/market/all")
INSTRUMENTS = ("GET", "/v1/orderbook/instruments")
TICKER = ("GET", "/v1/ticker")
ORDERBOOK = ("GET", "/v1/orderbook")
TRADES = ("GET", "/v1/trades/ticks")
MINUTES_1 = ("GET", "/v1/candles/minutes/1")
CHANCE = ("GET", "/v1/orders/chance")
OPEN_ORDERS = ("GET", "/v1/orders/open")
ORDER_NEW = ("POST", "/v1/orders")
#: What an order's guards read at preview and again at submit: market rules and tick sizes,
#: the book, orders/chance (fees, minimums, balances), open orders, and upbit:USDT/KRW (FX).
ORDER_READS = frozenset({MARKET_ALL, INSTRUMENTS, ORDERBOOK, CHANCE, OPEN_ORDERS, TICKER})

OPEN_QUERY = (("states[]", "wait"), ("states[]", "watch"), ("page", "1"), ("limit", "100"))


def get(path: str, *query: tuple[str, Any]) -> Req:
    return Req("GET", path, tuple(query))


# --- canned answers ---------------------------------------------------------------------------


def _markets(seen: Seen) -> list[str]:
    return [m for m in (seen.param("markets") or "").split(",") if m]


def _per_market(name: str) -> Responder:
    """One copy of the canned object per requested market (an unknown market copies the first)."""

    def respond(seen: Seen) -> Reply:
        canned = payload("upbit", name)
        by_market = {item["market"]: item for item in canned}
        out = []
        for market in _markets(seen):
            item = copy.deepcopy(by_market.get(market, canned[0]))
            item["market"] = market
            out.append(item)
        return Reply(body=out)

    return respond


def _orderbook(seen: Seen) -> Reply:
    books = _per_market("orderbook")(seen).body
    count = int(seen.param("count") or 30)
    for book in books:
        book["orderbook_units"] = book["orderbook_units"][:count]
    return Reply(body=books)


def _order(template: str, seen: Seen) -> dict[str, Any]:
    """A canned order object carrying the uuid / identifier the request named."""
    body = copy.deepcopy(payload("upbit", template))
    for name in ("uuid", "identifier"):
        if seen.param(name):
            body[name] = seen.param(name)
    return body


def _placed(status: int) -> Responder:
    """An order answer echoing the posted fields (§4.3: 201 Created for a placed order)."""

    def respond(seen: Seen) -> Reply:
        fields = seen.json() or {}
        body = copy.deepcopy(payload("upbit", "order_new"))
        body.update(
            {k: v for k, v in fields.items() if k in ("market", "side", "ord_type", "price", "volume")}
        )
        if "volume" not in fields:  # a market buy by total has no volume
            body.pop("volume", None)
            body.pop("remaining_volume", None)
        body["identifier"] = fields.get("identifier")
        return Reply(status, body)

    return respond


def ticks(newest_seq: int, count: int, newest_ms: int = 1795262399000) -> list[dict[str, Any]]:
    """``count`` trades, newest first (spec §3.5), sequential ids counting down from ``newest_seq``."""
    template = payload("upbit", "trades_ticks")[0]
    return [
        {**template, "sequential_id": newest_seq - i, "timestamp": newest_ms - i * 100} for i in range(count)
    ]


def minute_candles(newest: str, count: int) -> list[dict[str, Any]]:
    """``count`` one-minute candles, newest (``newest``, UTC ISO) first (spec §3.6)."""
    from datetime import datetime, timedelta

    template = payload("upbit", "candles_minutes")[0]
    top = datetime.fromisoformat(newest)
    out = []
    for i in range(count):
        t = top - timedelta(minutes=i)
        out.append(
            {
                **template,
                "candle_date_time_utc": t.strftime("%Y-%m-%dT%H:%M:%S"),
                "candle_date_time_kst": (t + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%S"),
            }
        )
    return out


_MINUTE_UNITS = (1, 3, 5, 10, 15, 30, 60, 240)

#: What the fake venue answers when a row queues nothing for a route.
DEFAULTS: dict[tuple[str, str], Responder] = {
    MARKET_ALL: answer(payload("upbit", "market_all_details")),
    INSTRUMENTS: _per_market("orderbook_instruments"),
    TICKER: _per_market("ticker"),
    ORDERBOOK: _orderbook,
    TRADES: answer(payload("upbit", "trades_ticks")),
    ("GET", "/v1/candles/seconds"): answer(payload("upbit", "candles_minutes")),
    **{
        ("GET", f"/v1/candles/minutes/{u}"): answer(payload("upbit", "candles_minutes"))
        for u in _MINUTE_UNITS
    },
    **{
        ("GET", f"/v1/candles/{p}"): answer(payload("upbit", "candles_days"))
        for p in ("days", "weeks", "months")
    },
    ("GET", "/v1/accounts"): answer(payload("upbit", "accounts")),
    CHANCE: answer(payload("upbit", "orders_chance")),
    OPEN_ORDERS: answer([]),
    ("GET", "/v1/orders/closed"): answer([payload("upbit", "order_get")]),
    ("GET", "/v1/orders/uuids"): answer([payload("upbit", "order_get")]),
    ("GET", "/v1/order"): lambda seen: Reply(body=_order("order_get", seen)),
    ("DELETE", "/v1/order"): lambda seen: Reply(body=_order("order_cancel", seen)),
    ORDER_NEW: _placed(201),
    ("POST", "/v1/orders/test"): _placed(200),
    ("DELETE", "/v1/orders/open"): answer(payload("upbit", "orders_cancel_open")),
    ("GET", "/v1/status/wallet"): answer(payload("upbit", "status_wallet")),
    ("GET", "/v1/withdraws/chance"): answer(payload("upbit", "withdraws_chance")),
}

OPEN = answer(payload("upbit", "orders_open"))


def _hundred_open_orders() -> list[dict[str, Any]]:
    template = payload("upbit", "orders_open")[0]
    return [
        {**template, "uuid": f"00000000-0000-4000-8000-{i:012d}", "identifier": f"w-{i}"} for i in range(100)
    ]


# --- the table --------------------------------------------------------------------------------


def candles_row(row_id: str, interval: str, path: str, start: str, end: str, spec: str) -> Row:
    return Row(
        row_id,
        (call("candles", M, interval=interval, start=start, end=end),),
        (get(path, ("market", "KRW-BTC"), ("count", "200"), ("to", end)),),
        spec,
    )


_PUBLIC: tuple[Row, ...] = (
    Row(
        "tickers_one_market_with_book_top",
        (call("tickers", M),),
        (
            get("/v1/ticker", ("markets", "KRW-BTC")),
            get("/v1/orderbook", ("markets", "KRW-BTC"), ("count", "1")),
        ),
        "§3.2 (no bid/ask in ticker: use orderbook level 1), §3.3",
    ),
    Row(
        "tickers_many_markets_one_request_each",
        (call("tickers", [M, "upbit:ETH/KRW"]),),
        (
            get("/v1/ticker", ("markets", "KRW-BTC,KRW-ETH")),
            get("/v1/orderbook", ("markets", "KRW-BTC,KRW-ETH"), ("count", "1")),
        ),
        "§3 (comma-separated lists), §3.2, §3.3",
    ),
    Row(
        "orderbook_default_depth",
        (call("orderbook", M),),
        (get("/v1/orderbook", ("markets", "KRW-BTC"), ("count", "30")),),
        "§3.3 (count default 30, max 30)",
    ),
    Row(
        "orderbook_depth_15",
        (call("orderbook", M, depth=15),),
        (get("/v1/orderbook", ("markets", "KRW-BTC"), ("count", "15")),),
        "§3.3",
    ),
    Row(
        "trades_default",
        (call("trades", M),),
        (get("/v1/trades/ticks", ("market", "KRW-BTC"), ("count", "100")),),
        "§3.5",
        replies={TRADES: (answer(ticks(17954235123450000, 100)),)},
    ),
    Row(
        "trades_paginate_with_cursor",
        (call("trades", M, limit=800),),
        (
            get("/v1/trades/ticks", ("market", "KRW-BTC"), ("count", "500")),
            get("/v1/trades/ticks", ("market", "KRW-BTC"), ("count", "300"), ("cursor", "17954235123449501")),
        ),
        "§3.5 (count max 500; cursor = a sequential_id, returns older trades)",
        replies={TRADES: (answer(ticks(17954235123450000, 500)), answer(ticks(17954235123449500, 300)))},
    ),
    Row(
        "trades_continue_into_previous_day",
        (call("trades", M, limit=300),),
        (
            get("/v1/trades/ticks", ("market", "KRW-BTC"), ("count", "300")),
            get("/v1/trades/ticks", ("market", "KRW-BTC"), ("count", "200"), ("days_ago", "1")),
        ),
        "§3.5 (days_ago 1-7: previous UTC days)",
        replies={TRADES: (answer(ticks(17954235123450000, 100)), answer(ticks(17954000000000000, 200)))},
    ),
    candles_row(
        "candles_minutes_window",
        "1m",
        "/v1/candles/minutes/1",
        "2026-11-21T06:00:00Z",
        "2026-11-21T12:00:00Z",
        "§3.6 (to exclusive, yyyy-MM-ddTHH:mm:ssZ; count max 200)",
    ),
    Row(
        "candles_paginate_backward",
        (call("candles", M, interval="1m", start="2026-11-21T06:00:00Z", end="2026-11-21T12:00:00Z"),),
        (
            get(
                "/v1/candles/minutes/1",
                ("market", "KRW-BTC"),
                ("count", "200"),
                ("to", "2026-11-21T12:00:00Z"),
            ),
            # the next page ends at the oldest candle of the last one
            get(
                "/v1/candles/minutes/1",
                ("market", "KRW-BTC"),
                ("count", "200"),
                ("to", "2026-11-21T08:40:00Z"),
            ),
        ),
        "§3.6 pagination (to = oldest candle_date_time_utc + Z)",
        replies={
            MINUTES_1: (
                answer(minute_candles("2026-11-21T11:59:00", 200)),
                answer(minute_candles("2026-11-21T08:39:00", 160)),
            )
        },
    ),
    Row(
        "candles_latest_no_to",
        (call("candles", M, interval="1m", limit=3),),
        (get("/v1/candles/minutes/1", ("market", "KRW-BTC"), ("count", "200")),),
        "§3.6 (to defaults to now)",
    ),
    candles_row(
        "candles_seconds",
        "1s",
        "/v1/candles/seconds",
        "2026-11-21T11:59:00Z",
        "2026-11-21T12:00:00Z",
        "§3.6",
    ),
    candles_row(
        "candles_minutes_240",
        "4h",
        "/v1/candles/minutes/240",
        "2026-11-14T00:00:00Z",
        "2026-11-21T00:00:00Z",
        "§3.6 (unit 240)",
    ),
    candles_row(
        "candles_days",
        "1d",
        "/v1/candles/days",
        "2026-11-01T00:00:00Z",
        "2026-11-21T00:00:00Z",
        "§3.6",
    ),
    candles_row(
        "candles_weeks",
        "1w",
        "/v1/candles/weeks",
        "2026-09-07T00:00:00Z",
        "2026-11-16T00:00:00Z",
        "§3.6",
    ),
    candles_row(
        "candles_months",
        "1M",
        "/v1/candles/months",
        "2026-01-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
        "§3.6",
    ),
    Row(
        "markets_with_tick_sizes",
        (call("markets", "upbit"),),
        (
            get("/v1/market/all", ("is_details", "true")),
            get("/v1/orderbook/instruments", ("markets", "KRW-BTC,BTC-ETH")),
        ),
        "§3.1 (is_details), §2 and §3.4 (tick sizes from orderbook/instruments)",
    ),
    Row(
        "market_info",
        (call("market_info", M),),
        (
            get("/v1/market/all", ("is_details", "true")),
            get("/v1/orderbook/instruments", ("markets", "KRW-BTC,BTC-ETH")),
        ),
        "§3.1, §3.4",
    ),
    Row(
        "request_candles_with_path_unit",
        (call("request", "upbit", "candles_minutes", {"market": "KRW-BTC", "count": 5}, unit=5),),
        (get("/v1/candles/minutes/5", ("market", "KRW-BTC"), ("count", "5")),),
        "§3.6 (unit in the path)",
    ),
)

_ACCOUNT: tuple[Row, ...] = (
    Row(
        "balances_no_query_hash",
        (call("balances", "upbit"),),
        (get("/v1/accounts"),),
        "§4.1, §5 (no parameters: no query_hash claim)",
    ),
    Row(
        "open_orders_of_market",
        (call("open_orders", M),),
        (get("/v1/orders/open", ("market", "KRW-BTC"), *OPEN_QUERY),),
        "§4.6 (states[] array, limit max 100), §5 (arrays hashed as key[]=)",
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "open_orders_of_exchange",
        (call("open_orders", exchange="upbit"),),
        (get("/v1/orders/open", *OPEN_QUERY),),
        "§4.6",
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "open_orders_next_page",
        (call("open_orders", M),),
        (
            get("/v1/orders/open", ("market", "KRW-BTC"), *OPEN_QUERY),
            get(
                "/v1/orders/open",
                ("market", "KRW-BTC"),
                ("states[]", "wait"),
                ("states[]", "watch"),
                ("page", "2"),
                ("limit", "100"),
            ),
        ),
        "§4.6 (page, limit 100)",
        replies={OPEN_ORDERS: (answer(_hundred_open_orders()), OPEN)},
    ),
    Row(
        "order_status_by_uuid",
        (call("order_status", M, order_id=UUID),),
        (get("/v1/order", ("uuid", UUID)),),
        "§4.4",
    ),
    Row(
        "order_status_by_identifier",
        (call("order_status", M, client_order_id=IDENTIFIER),),
        (get("/v1/order", ("identifier", IDENTIFIER)),),
        "§4.4, §4.8",
    ),
    Row(
        "cancel_order_by_uuid",
        (call("cancel_order", M, order_id=UUID),),
        (Req("DELETE", "/v1/order", (("uuid", UUID),)),),
        "§4.5",
    ),
    Row(
        "cancel_order_by_identifier",
        (call("cancel_order", M, client_order_id=IDENTIFIER),),
        (Req("DELETE", "/v1/order", (("identifier", IDENTIFIER),)),),
        "§4.5, §4.8",
    ),
    Row(
        "order_history",
        (call("order_history", M),),
        (
            get(
                "/v1/orders/closed",
                ("market", "KRW-BTC"),
                ("states[]", "done"),
                ("states[]", "cancel"),
                ("limit", "100"),
            ),
        ),
        "§4.7 (states[], limit max 1000)",
    ),
    Row(
        "order_history_limit_capped",
        (call("order_history", M, limit=5000),),
        (
            get(
                "/v1/orders/closed",
                ("market", "KRW-BTC"),
                ("states[]", "done"),
                ("states[]", "cancel"),
                ("limit", "1000"),
            ),
        ),
        "§4.7 (limit max 1000)",
    ),
    Row(
        "request_chance",
        (call("request", "upbit", "chance", {"market": "KRW-BTC"}),),
        (get("/v1/orders/chance", ("market", "KRW-BTC")),),
        "§4.2, §5.1 vector",
    ),
    Row(
        "request_orders_by_uuids",
        (
            call(
                "request", "upbit", "orders_uuids", {"uuids": [UUID, "3f6a1c0e-5b2d-4f8e-9a1b-7c2d3e4f5a6b"]}
            ),
        ),
        (get("/v1/orders/uuids", ("uuids[]", UUID), ("uuids[]", "3f6a1c0e-5b2d-4f8e-9a1b-7c2d3e4f5a6b")),),
        "§4 (uuids[] array), §5",
    ),
    Row(
        "cancel_all_of_market",
        (call("cancel_all", M, confirm=True),),
        (
            get("/v1/orders/open", ("market", "KRW-BTC"), *OPEN_QUERY),
            Req("DELETE", "/v1/orders/open", (("cancel_side", "all"), ("pairs", "KRW-BTC"))),
        ),
        "§4.9 (cancel_side, pairs), §4.6",
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "cancel_all_of_exchange",
        (call("cancel_all", exchange="upbit", confirm=True),),
        (
            get("/v1/orders/open", *OPEN_QUERY),
            Req("DELETE", "/v1/orders/open", (("cancel_side", "all"), ("pairs", "KRW-BTC"))),
        ),
        "§4.9, §4.6",
        replies={OPEN_ORDERS: (OPEN,)},
    ),
    Row(
        "cancel_all_unconfirmed_sends_no_cancel",
        (call("cancel_all", M, raises="ConfirmationRequired"),),
        (get("/v1/orders/open", ("market", "KRW-BTC"), *OPEN_QUERY),),
        "§4.6 (only the listing leaves)",
        replies={OPEN_ORDERS: (OPEN,)},
    ),
)

LIMIT_BUY = {"side": "buy", "qty": "0.0001", "price": "130000000"}
LIMIT_BUY_BODY = (
    ("market", "KRW-BTC"),
    ("side", "bid"),
    ("volume", "0.0001"),
    ("price", "130000000"),
    ("ord_type", "limit"),
)


def _submitted(row_id: str, order: dict[str, Any], body: tuple[tuple[str, Any], ...], spec: str) -> Row:
    cid = f"xt-wire-u-{row_id[:20]}"
    return Row(
        f"submit_{row_id}",
        (call("order", M, client_order_id=cid, **order), plan("submit", confirm=True)),
        (Req("POST", "/v1/orders", body=(*body, ("identifier", cid))),),
        spec,
        also=ORDER_READS,
        mode="live",
    )


def _unknown_then(row_id: str, cid: str, lookup: Any) -> Row:
    """The order POST meets a 500 (outcome unknown), then the lookup by identifier."""
    return Row(
        row_id,
        (
            call("order", M, client_order_id=cid, **LIMIT_BUY),
            plan("submit", confirm=True, raises="OrderStatusUnknown"),
            lookup,
        ),
        (
            Req("POST", "/v1/orders", body=(*LIMIT_BUY_BODY, ("identifier", cid))),
            get("/v1/order", ("identifier", cid)),
        ),
        "§4.3, §4.4 lookup by identifier (§4.8)",
        also=ORDER_READS,
        replies={
            ORDER_NEW: (answer({"error": {"name": "server_error", "message": "internal"}}, status=500),)
        },
        mode="live",
    )


_ORDERS: tuple[Row, ...] = (
    Row(
        "validate_limit_buy",
        (call("order", M, client_order_id="xt-wire-u-validate", **LIMIT_BUY), plan("validate")),
        (Req("POST", "/v1/orders/test", body=(*LIMIT_BUY_BODY, ("identifier", TEST_ORDER_ID))),),
        "§4.3 (orders/test: same body), §5 (POST hashes the body fields)",
        also=ORDER_READS,
    ),
    _submitted("limit_buy", LIMIT_BUY, LIMIT_BUY_BODY, "§4.3 (limit: price + volume, NumberString), §5"),
    _submitted(
        "limit_sell",
        {"side": "sell", "qty": "0.00012", "price": "132000000"},
        (
            ("market", "KRW-BTC"),
            ("side", "ask"),
            ("volume", "0.00012"),
            ("price", "132000000"),
            ("ord_type", "limit"),
        ),
        "§4.3, §5",
    ),
    _submitted(
        "market_buy_by_total",
        {"side": "buy", "quote_qty": "10000"},
        (("market", "KRW-BTC"), ("side", "bid"), ("price", "10000"), ("ord_type", "price")),
        "§4.3 (ord_type=price: total in price, no volume)",
    ),
    _submitted(
        "market_sell_by_volume",
        {"side": "sell", "qty": "0.0001"},
        (("market", "KRW-BTC"), ("side", "ask"), ("volume", "0.0001"), ("ord_type", "market")),
        "§4.3 (ord_type=market: volume only)",
    ),
    Row(
        "submit_dry_run_sends_no_order",
        (
            call("order", M, client_order_id="xt-wire-u-dry", **LIMIT_BUY),
            plan("submit", confirm=True, raises="DryRunBlocked"),
        ),
        (),
        "(toolkit rule: dry-run places nothing; nothing reaches POST /v1/orders)",
        also=ORDER_READS,
    ),
    _unknown_then(
        "reconcile_looks_up_by_identifier", "xt-wire-u-reconcile", call("reconcile", "xt-wire-u-reconcile")
    ),
    _unknown_then("plan_reconcile_looks_up_by_identifier", "xt-wire-u-plan-reconcile", plan("reconcile")),
)

_WALLET: tuple[Row, ...] = (
    Row(
        "networks_every_asset_status_only",
        (call("networks", exchange="upbit"),),
        (get("/v1/status/wallet"),),
        "§11.1 (JWT, no parameters: no query_hash); §11.2 is one call per asset and network",
    ),
    Row(
        "networks_named_assets_with_withdraw_costs",
        (call("networks", ["BTC", "USDT"], exchange="upbit"),),
        (
            get("/v1/status/wallet"),
            get("/v1/withdraws/chance", ("currency", "BTC"), ("net_type", "BTC")),
            get("/v1/withdraws/chance", ("currency", "USDT"), ("net_type", "ETH")),
        ),
        "§11.1, §11.2 (currency and net_type, hashed as sent)",
    ),
    Row(
        "network_records_one_asset",
        (call("network_records", "XRP", exchange="upbit"),),
        (get("/v1/status/wallet"), get("/v1/withdraws/chance", ("currency", "XRP"), ("net_type", "XRP"))),
        "§11.1, §11.2",
    ),
    Row(
        "trading_fees_from_orders_chance",
        (call("trading_fees", M),),
        (get("/v1/orders/chance", ("market", "KRW-BTC")),),
        "§4.2, §12.1",
    ),
    Row(
        "fee_records_from_orders_chance",
        (call("fee_records", [M, "upbit:KRW-ETH"]),),
        (get("/v1/orders/chance", ("market", "KRW-BTC")), get("/v1/orders/chance", ("market", "KRW-ETH"))),
        "§4.2, §12.1",
    ),
)

ROWS: tuple[Row, ...] = _PUBLIC + _ACCOUNT + _ORDERS + _WALLET
