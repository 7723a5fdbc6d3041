"""Upbit REST (``/v1``): endpoint table, request building, parsers, error map.

Pure translation — nothing here awaits. Wire facts: quotation endpoints return JSON numbers,
exchange endpoints decimal strings; market codes are quote-first (``KRW-BTC``); private calls
carry ``Authorization: Bearer <JWT>`` whose ``query_hash`` is the SHA-512 of the *unescaped*
query (arrays as ``key[]=``) or, for POST, of the JSON body's fields in order.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote, urlencode

from xtoolkit._credentials import Credentials
from xtoolkit._errors import (
    BadRequest,
    BadSymbol,
    DuplicateOrder,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidApiKey,
    InvalidArgument,
    InvalidOrder,
    InvalidPrice,
    InvalidSignature,
    IpBanned,
    MinNotional,
    MissingCredentials,
    NonceReused,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    RateLimited,
    UnknownExchangeError,
    XtoolkitError,
)
from xtoolkit._models import MarketInfo, MarketRef, Symbol
from xtoolkit.exchanges._common import (
    INTERVAL_SECONDS,
    chunks,
    new_columns,
    param_text,
)
from xtoolkit.exchanges._common import (
    retry_after as _retry_after,
)
from xtoolkit.exchanges._orders import OrderSpec
from xtoolkit.exchanges._spec import Call, Columns, Endpoint, RateLimit, Request, Usage
from xtoolkit.exchanges._wallet import TradingFee, WalletNetwork
from xtoolkit.exchanges.upbit import wallet
from xtoolkit.exchanges.upbit.signing import jwt_token, query_strings

__all__ = ["ENDPOINTS", "ERRORS", "NAME", "UpbitAdapter"]

NAME = "upbit"

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("market_all", "GET", "/v1/market/all", "market"),
        Endpoint("ticker", "GET", "/v1/ticker", "ticker"),
        Endpoint("orderbook", "GET", "/v1/orderbook", "orderbook"),
        Endpoint("instruments", "GET", "/v1/orderbook/instruments", "orderbook"),
        Endpoint("trades", "GET", "/v1/trades/ticks", "trade"),
        Endpoint("candles_seconds", "GET", "/v1/candles/seconds", "candle"),
        Endpoint("candles_minutes", "GET", "/v1/candles/minutes/{unit}", "candle"),
        Endpoint("candles_days", "GET", "/v1/candles/days", "candle"),
        Endpoint("candles_weeks", "GET", "/v1/candles/weeks", "candle"),
        Endpoint("candles_months", "GET", "/v1/candles/months", "candle"),
        Endpoint("accounts", "GET", "/v1/accounts", "default", signed=True),
        Endpoint("chance", "GET", "/v1/orders/chance", "default", signed=True),
        Endpoint("status_wallet", "GET", "/v1/status/wallet", "default", signed=True),
        Endpoint("withdraws_chance", "GET", "/v1/withdraws/chance", "default", signed=True),
        Endpoint("order_new", "POST", "/v1/orders", "order", 1, True, True, True),
        Endpoint("order_test", "POST", "/v1/orders/test", "order-test", signed=True),
        Endpoint("order_get", "GET", "/v1/order", "default", signed=True),
        Endpoint("order_cancel", "DELETE", "/v1/order", "default", 1, True, True),
        Endpoint("orders_open", "GET", "/v1/orders/open", "default", signed=True),
        Endpoint("orders_closed", "GET", "/v1/orders/closed", "default", signed=True),
        Endpoint("orders_uuids", "GET", "/v1/orders/uuids", "default", signed=True),
        Endpoint("orders_cancel_open", "DELETE", "/v1/orders/open", "order-cancel-all", 1, True, True),
    )
}

#: Per-group budgets (requests per rolling window). Quotation groups count per IP, exchange
#: groups per account pocket. ``Remaining-Req`` headers correct these at run time.
RATE_LIMITS: dict[str, RateLimit] = {
    g.group: g
    for g in (
        RateLimit("market", 10, 1.0),
        RateLimit("candle", 10, 1.0),
        RateLimit("trade", 10, 1.0),
        RateLimit("ticker", 10, 1.0),
        RateLimit("orderbook", 10, 1.0),
        RateLimit("default", 30, 1.0),
        RateLimit("order", 12, 1.0),
        RateLimit("order-test", 8, 1.0),
        RateLimit("order-cancel-all", 1, 2.0),
    )
}

#: Venue error name -> exception class.
ERRORS: dict[str, type[XtoolkitError]] = {
    "create_bid_error": InvalidOrder,
    "create_ask_error": InvalidOrder,
    "insufficient_funds_bid": InsufficientFunds,
    "insufficient_funds_ask": InsufficientFunds,
    "under_min_total_bid": MinNotional,
    "under_min_total_ask": MinNotional,
    "invalid_price_bid": InvalidPrice,
    "invalid_price_ask": InvalidPrice,
    "validation_error": BadRequest,
    "invalid_parameter": BadRequest,
    "market_offline": OrderRejected,
    "withdraw_address_not_registered": PermissionDenied,
    "withdraw_address_not_registerd": PermissionDenied,
    "invalid_query_payload": InvalidSignature,
    "jwt_verification": InvalidSignature,
    "expired_access_key": InvalidApiKey,
    "invalid_access_key": InvalidApiKey,
    "nonce_used": NonceReused,
    "no_authorization_i_p": PermissionDenied,
    "out_of_scope": PermissionDenied,
    "order_not_found": OrderNotFound,
    "duplicate_identifier": DuplicateOrder,
    "identifier_already_used": DuplicateOrder,
}

#: Minimum order totals by quote currency (documented; ``orders/chance`` gives live values).
MIN_TOTAL: dict[str, Decimal] = {
    "KRW": Decimal("5000"),
    "BTC": Decimal("0.00005"),
    "USDT": Decimal("0.5"),
}
MAX_TOTAL: dict[str, Decimal] = {"KRW": Decimal("1000000000"), "BTC": Decimal("10")}
VOLUME_STEP = Decimal("0.00000001")

#: Unified interval -> (endpoint, path args).
INTERVALS: dict[str, tuple[str, dict[str, Any]]] = {
    "1s": ("candles_seconds", {}),
    "1m": ("candles_minutes", {"unit": 1}),
    "3m": ("candles_minutes", {"unit": 3}),
    "5m": ("candles_minutes", {"unit": 5}),
    "10m": ("candles_minutes", {"unit": 10}),
    "15m": ("candles_minutes", {"unit": 15}),
    "30m": ("candles_minutes", {"unit": 30}),
    "1h": ("candles_minutes", {"unit": 60}),
    "4h": ("candles_minutes", {"unit": 240}),
    "1d": ("candles_days", {}),
    "1w": ("candles_weeks", {}),
    "1M": ("candles_months", {}),
}

_REMAINING = re.compile(r"group=([a-z\-]+);\s*min=(\d+);\s*sec=(\d+)")
_NATIVE = re.compile(r"^([A-Z]{2,6})-([A-Z0-9]{1,20})$")


def _state(o: Mapping[str, Any]) -> str:
    state = o.get("state")
    if state == "done":
        return "filled"
    if state == "cancel":
        # Upbit ends every market order (a buy by total, ``ord_type="price"``, or a sell by volume,
        # ``"market"``) in ``cancel`` once the unspendable remainder is released: with a fill that
        # order *is* filled, and calling it canceled would hide a position from the user.
        if o.get("ord_type") in ("price", "market") and _executed(o) > 0:
            return "filled"
        return "canceled"
    if state == "wait" and _executed(o) > 0:
        return "partially_filled"
    return "open"


def _executed(o: Mapping[str, Any]) -> Decimal:
    """The executed volume of an Upbit order (0 when absent or not a number)."""
    try:
        value = Decimal(str(o.get("executed_volume") or "0"))
    except ArithmeticError:
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


_PATH_ARG = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _fill_path(template: str, args: Mapping[str, Any]) -> str:
    """The endpoint path with its ``{name}`` segments filled from ``args``.

    A path argument is one plain segment (``unit=5``): anything else — ``?``, ``&``, ``/``,
    ``..`` — would inject a query or walk to another endpoint, so it is refused (and still
    percent-encoded, should the rule ever widen).
    """
    names = set(re.findall(r"{(\w+)}", template))
    if set(args) != names:
        raise InvalidArgument(f"{template} takes path arguments {sorted(names)}, got {sorted(args)}")
    filled: dict[str, str] = {}
    for name, value in args.items():
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not _PATH_ARG.fullmatch(text):
            raise InvalidArgument(f"path argument {name}={value!r} must be a plain token like 5")
        filled[name] = quote(text, safe="")
    return template.format(**filled)


class UpbitAdapter:
    """Translation for Upbit (Korea)."""

    name = NAME
    endpoints = ENDPOINTS
    rate_limits = RATE_LIMITS
    default_base_url = "https://api.upbit.com"
    testnet_base_url = None
    needs_server_time = False
    intervals = tuple(INTERVALS)
    max_depth = 30
    max_trades = 500
    candle_page = 200
    candle_direction = "backward"
    tickers_chunk = 100
    open_orders_page: int | None = 100

    # --- requests -------------------------------------------------------------------------

    def build(self, call: Call, credentials: Credentials | None, *, now_ms: int, nonce: str) -> Request:
        ep = self.endpoints[call.endpoint]
        path = _fill_path(ep.path, call.path_args) if call.path_args else ep.path
        headers: dict[str, str] = {}
        body: bytes | None = None
        if ep.method == "POST":
            fields = {k: param_text(v) for k, v in call.params.items() if v is not None}
            body = json.dumps(fields, separators=(",", ":")).encode()
            query, hashed = "", unquote(urlencode(list(fields.items())))
            headers["Content-Type"] = "application/json; charset=utf-8"
        else:
            query, hashed = query_strings(call.params)
        if ep.signed:
            if credentials is None:
                raise MissingCredentials(
                    f"{path} needs Upbit keys: set UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY",
                    exchange=NAME,
                )
            headers["Authorization"] = f"Bearer {jwt_token(credentials, nonce, hashed or None)}"
        return Request(NAME, ep, ep.method, path, query, body, headers, ep.cost(call.params))

    def usage(self, headers: Mapping[str, str], endpoint: Endpoint) -> list[Usage]:
        # Remaining-Req names its group itself (the endpoint's, by the venue's own table).
        value = headers.get("Remaining-Req")
        m = _REMAINING.search(value) if value is not None else None
        return [Usage(m.group(1), remaining=int(m.group(3)))] if m else []

    def error(
        self, status: int, payload: Any, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> XtoolkitError:
        err = payload.get("error") if isinstance(payload, dict) else None
        name = err.get("name") if isinstance(err, dict) else None
        message = (err.get("message") if isinstance(err, dict) else None) or (
            payload.strip() if isinstance(payload, str) and payload.strip() else f"HTTP {status}"
        )
        kw: dict[str, Any] = {
            "exchange": NAME,
            "status": status,
            "code": name,
            "payload": payload,
            "endpoint": endpoint.path,
        }
        retry_after = _retry_after(headers)
        if status == 418:
            wait = retry_after if retry_after is not None else _seconds_in(str(message)) or 60.0
            return IpBanned(str(message), until=time.time() + wait, **kw)
        if status == 429:
            return RateLimited(str(message), retry_after=retry_after, **kw)
        if status >= 500:
            return ExchangeUnavailable(str(message), **kw)
        if isinstance(name, str) and name in ERRORS:
            return ERRORS[name](str(message), **kw)
        if isinstance(name, str) and "identifier" in name:
            return DuplicateOrder(str(message), **kw)
        if status == 404 and not endpoint.signed:
            # Quotation endpoints answer 404 ("Code not found") for markets they do not list.
            return BadSymbol(str(message), **kw)
        if status == 400 and not isinstance(name, str):
            # Quotation endpoints name parameter errors by number: {"error":{"name":400,...}}.
            return BadRequest(str(message), **kw)
        return UnknownExchangeError(str(message), **kw)

    # --- symbols --------------------------------------------------------------------------

    def native(self, symbol: Symbol) -> str:
        return f"{symbol.quote}-{symbol.base}"

    def parse_native(self, native: str) -> Symbol | None:
        m = _NATIVE.match(native.strip().upper())
        return Symbol(m.group(2), m.group(1)) if m else None

    # --- markets --------------------------------------------------------------------------

    def markets_calls(self) -> list[Call]:
        return [Call("market_all", {"is_details": True})]

    def markets_more(self, payloads: list[Any]) -> list[Call]:
        codes = [m["market"] for m in payloads[0]]
        return [Call("instruments", {"markets": ",".join(c)}) for c in chunks(codes, 100)]

    def parse_markets(self, payloads: list[Any], more: Sequence[Any] = ()) -> list[MarketInfo]:
        ticks = {i["market"]: i.get("tick_size") for page in more for i in page}
        out = []
        for m in payloads[0]:
            symbol = self.parse_native(m["market"])
            if symbol is None:
                continue
            event = m.get("market_event") or {}
            caution = event.get("caution") or {}
            warning = bool(event.get("warning")) or m.get("market_warning") == "CAUTION"
            tick = ticks.get(m["market"])
            out.append(
                MarketInfo(
                    exchange=NAME,
                    symbol=symbol,
                    native=m["market"],
                    status="WARNING" if warning else ("CAUTION" if any(caution.values()) else "TRADING"),
                    tick_size=Decimal(str(tick)) if tick not in (None, "") else None,
                    step_size=VOLUME_STEP,
                    min_notional=MIN_TOTAL.get(symbol.quote),
                    max_notional=MAX_TOTAL.get(symbol.quote),
                    warning=warning,
                    raw=m,
                )
            )
        return out

    def chance_call(self, native: str) -> Call:
        return Call("chance", {"market": native})

    # --- market data ----------------------------------------------------------------------

    def tickers_calls(self, natives: Sequence[str]) -> list[Call]:
        groups = list(chunks(list(natives), self.tickers_chunk))
        return [Call("ticker", {"markets": ",".join(g)}) for g in groups] + [
            Call("orderbook", {"markets": ",".join(g), "count": 1}) for g in groups
        ]

    def parse_tickers(self, payloads: list[Any], refs: Mapping[str, MarketRef], received_ms: int) -> Columns:
        tops: dict[str, Mapping[str, Any]] = {}
        tickers: list[Mapping[str, Any]] = []
        for page in payloads:
            for item in page:
                if "orderbook_units" in item:
                    units = item.get("orderbook_units") or []
                    tops[item["market"]] = units[0] if units else {}
                else:
                    tickers.append(item)
        cols = new_columns("tickers")
        for t in tickers:
            ref = refs.get(t["market"])
            if ref is None:
                continue
            top = tops.get(t["market"], {})
            rate = t.get("signed_change_rate")
            cols["exchange"].append(NAME)
            cols["symbol"].append(str(ref.symbol))
            cols["bid"].append(top.get("bid_price"))
            cols["bid_qty"].append(top.get("bid_size"))
            cols["ask"].append(top.get("ask_price"))
            cols["ask_qty"].append(top.get("ask_size"))
            cols["last"].append(t.get("trade_price"))
            cols["volume_24h"].append(t.get("acc_trade_volume_24h"))
            cols["quote_volume_24h"].append(t.get("acc_trade_price_24h"))
            # Upbit's change is against the previous UTC-day close, not a rolling 24 h.
            cols["change_24h_pct"].append(None if rate is None else float(rate) * 100.0)
            cols["ts"].append(t.get("timestamp", received_ms))
            cols["raw"].append({"ticker": t, "orderbook_top": top})
        return cols

    def orderbook_call(self, native: str, depth: int) -> Call:
        return Call("orderbook", {"markets": native, "count": depth})

    def parse_orderbook(self, payload: Any, ref: MarketRef, depth: int, received_ms: int) -> Columns:
        book = next((b for b in payload if b.get("market") == ref.native), None)
        if book is None:
            # A lone book that names no market is taken as the one asked for (tolerant of a
            # terse answer); one that names another market is never relabelled as this one.
            lone = payload[0] if len(payload) == 1 else None
            if lone is None or lone.get("market") is not None:
                raise ValueError(f"no order book for {ref.native} in the answer")
            book = lone
        units = (book.get("orderbook_units") or [])[:depth]
        bids = [(u["bid_price"], u["bid_size"]) for u in units if u.get("bid_size")]
        asks = [(u["ask_price"], u["ask_size"]) for u in units if u.get("ask_size")]
        n_b, n_a = len(bids), len(asks)
        n = n_b + n_a
        ts = book.get("timestamp", received_ms)
        return {
            "exchange": [NAME] * n,
            "symbol": [str(ref.symbol)] * n,
            "side": ["bid"] * n_b + ["ask"] * n_a,
            "level": list(range(n_b)) + list(range(n_a)),
            "price": [p for p, _ in bids] + [p for p, _ in asks],
            "qty": [q for _, q in bids] + [q for _, q in asks],
            "ts": [ts] * n,
        }

    def trades_call(self, native: str, limit: int, cursor: Any = None) -> Call:
        """``cursor`` is ``(days_ago, sequential_id)``: which UTC day, and older than which trade."""
        params: dict[str, Any] = {"market": native, "count": min(limit, self.max_trades)}
        days_ago, before = cursor if cursor is not None else (0, None)
        if before is not None:
            params["cursor"] = before
        if days_ago:
            params["days_ago"] = days_ago
        return Call("trades", params)

    def parse_trades(
        self, payload: Any, ref: MarketRef, cursor: Any = None, requested: int = 0
    ) -> tuple[Columns, Any]:
        """Trades columns and the next cursor; a short page moves on to the previous UTC day."""
        cols = new_columns("trades")
        for t in payload:
            price, qty = t["trade_price"], t["trade_volume"]
            cols["exchange"].append(NAME)
            cols["symbol"].append(str(ref.symbol))
            cols["trade_id"].append(str(t["sequential_id"]))
            cols["price"].append(price)
            cols["qty"].append(qty)
            cols["quote_qty"].append(float(price) * float(qty))
            # ask_bid is the taker's side: BID means a buyer lifted the ask.
            cols["side"].append("buy" if t.get("ask_bid") == "BID" else "sell")
            cols["ts"].append(t["timestamp"])
            cols["raw"].append(t)
        days_ago = cursor[0] if cursor is not None else 0
        if payload and len(payload) >= requested:
            return cols, (days_ago, payload[-1]["sequential_id"])
        # Upbit serves one UTC day per request (days_ago 1..7 reach back a week).
        return cols, ((days_ago + 1, None) if days_ago < 7 else None)

    def candles_call(
        self, native: str, interval: str, *, start_ms: int | None, end_ms: int | None, limit: int
    ) -> Call:
        endpoint, path_args = INTERVALS[interval]
        params: dict[str, Any] = {"market": native, "count": min(limit, self.candle_page)}
        if end_ms is not None:
            params["to"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end_ms / 1000))
        return Call(endpoint, params, path_args)

    def parse_candles(self, payload: Any, ref: MarketRef, interval: str) -> Columns:
        cols = new_columns("candles")
        for c in payload:
            cols["exchange"].append(NAME)
            cols["symbol"].append(str(ref.symbol))
            cols["interval"].append(interval)
            cols["open_time"].append(c["candle_date_time_utc"])
            cols["open"].append(c["opening_price"])
            cols["high"].append(c["high_price"])
            cols["low"].append(c["low_price"])
            cols["close"].append(c["trade_price"])
            cols["volume"].append(c["candle_acc_trade_volume"])
            cols["quote_volume"].append(c["candle_acc_trade_price"])
            cols["trades"].append(None)
            cols["raw"].append(c)
        return cols

    def interval_seconds(self, interval: str) -> int:
        return INTERVAL_SECONDS[interval]

    # --- account --------------------------------------------------------------------------

    def balances_call(self) -> Call:
        return Call("accounts")

    def parse_balances(self, payload: Any) -> Columns:
        cols = new_columns("balances")
        for b in payload:
            free, locked = Decimal(b.get("balance") or "0"), Decimal(b.get("locked") or "0")
            cols["exchange"].append(NAME)
            cols["asset"].append(b["currency"])
            cols["free"].append(float(free))
            cols["locked"].append(float(locked))
            cols["total"].append(float(free + locked))
            cols["raw"].append(b)
        return cols

    def open_orders_call(self, native: str | None, page: int = 1) -> Call:
        params: dict[str, Any] = {}
        if native:
            params["market"] = native
        params["states"] = ["wait", "watch"]
        params["page"] = page
        params["limit"] = 100
        return Call("orders_open", params)

    def order_get_call(
        self, native: str | None, *, order_id: str | None, client_order_id: str | None
    ) -> Call:
        if order_id is not None:
            return Call("order_get", {"uuid": order_id})
        if client_order_id is not None:
            return Call("order_get", {"identifier": client_order_id})
        raise InvalidArgument("give order_id or client_order_id", exchange=NAME)

    def cancel_call(self, native: str | None, *, order_id: str | None, client_order_id: str | None) -> Call:
        params = self.order_get_call(native, order_id=order_id, client_order_id=client_order_id).params
        return Call("order_cancel", dict(params))

    def cancel_all_call(self, native: str | None) -> Call:
        params: dict[str, Any] = {"cancel_side": "all"}
        if native:
            params["pairs"] = native
        return Call("orders_cancel_open", params)

    def history_call(self, native: str | None, *, limit: int) -> Call:
        params: dict[str, Any] = {}
        if native:
            params["market"] = native
        params["states"] = ["done", "cancel"]
        params["limit"] = min(limit, 1000)
        return Call("orders_closed", params)

    def place_call(self, spec: OrderSpec, *, test: bool = False) -> Call:
        body: dict[str, Any] = {
            "market": spec.native,
            "side": "bid" if spec.side == "buy" else "ask",
        }
        if spec.type == "limit":
            body["volume"] = spec.qty
            body["price"] = spec.price
            body["ord_type"] = "limit"
        elif spec.side == "buy":
            # Upbit market buys are by total: ord_type=price carries the quote amount in `price`.
            if spec.quote_qty is None:
                raise InvalidArgument("Upbit market buys are by total: give quote_qty", exchange=NAME)
            body["price"] = spec.quote_qty
            body["ord_type"] = "price"
        else:
            if spec.qty is None:
                raise InvalidArgument("Upbit market sells are by volume: give qty", exchange=NAME)
            body["volume"] = spec.qty
            body["ord_type"] = "market"
        if spec.time_in_force:
            body["time_in_force"] = spec.time_in_force.lower()
        body["identifier"] = spec.client_order_id
        return Call("order_test" if test else "order_new", body)

    def parse_orders(self, payload: Any, symbols: Mapping[str, str]) -> Columns:
        """Order objects -> orders columns. ``symbols`` maps native -> unified."""
        items = payload if isinstance(payload, list) else [payload]
        cols = new_columns("orders")
        for o in items:
            executed = Decimal(o.get("executed_volume") or "0")
            trades = o.get("trades") or []
            if o.get("executed_funds") is not None:
                funds: Decimal | None = Decimal(o["executed_funds"])
            elif trades:
                funds = sum((Decimal(t.get("funds") or "0") for t in trades), Decimal(0))
            else:
                funds = Decimal(0) if not executed else None
            limit = o.get("ord_type") == "limit"
            market = o.get("market", "")
            cols["exchange"].append(NAME)
            cols["symbol"].append(symbols.get(market) or str(self.parse_native(market) or market))
            cols["order_id"].append(o.get("uuid"))
            cols["client_order_id"].append(o.get("identifier"))
            cols["side"].append("buy" if o.get("side") == "bid" else "sell")
            cols["type"].append("limit" if limit else "market")
            cols["status"].append(_state(o))
            cols["price"].append(o.get("price") if limit else None)
            cols["qty"].append(o.get("volume"))
            cols["filled_qty"].append(float(executed))
            cols["filled_quote"].append(None if funds is None else float(funds))
            cols["avg_price"].append(float(funds / executed) if funds is not None and executed else None)
            cols["created"].append(o.get("created_at"))
            cols["updated"].append(trades[-1].get("created_at") if trades else o.get("created_at"))
            cols["venue_status"].append(o.get("state"))
            cols["raw"].append(o)
        return cols

    # --- wallet and fees (reads only: nothing here moves funds) ---------------------------

    def networks_calls(self, assets: Sequence[str] | None) -> list[Call]:
        return wallet.networks_calls(assets)

    def networks_more(self, payloads: list[Any], assets: Sequence[str] | None) -> list[Call]:
        return wallet.networks_more(payloads, assets)

    def parse_networks(
        self, payloads: list[Any], more: Sequence[tuple[Call, Any]], received_ms: int
    ) -> list[WalletNetwork]:
        return wallet.parse_networks(payloads, more, received_ms)

    def fee_call(self, native: str) -> Call:
        return wallet.fee_call(native)

    def parse_fee(self, payload: Any, ref: MarketRef, received_ms: int) -> TradingFee:
        return wallet.parse_fee(payload, ref, received_ms)


def _seconds_in(message: str) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:s|sec|seconds|초)", message)
    return float(m.group(1)) if m else None
