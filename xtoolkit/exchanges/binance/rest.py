"""Binance spot REST (``/api/v3``): endpoint table, request building, parsers, error map.

Pure translation — nothing here awaits. Wire facts follow the venue's REST documentation:
decimals travel as JSON strings, timestamps are epoch milliseconds, signed requests carry
``timestamp``/``recvWindow`` and a ``signature`` (HMAC-SHA256 hex, or percent-encoded base64
Ed25519/RSA) over the exact encoded payload.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from xtoolkit._credentials import Credentials
from xtoolkit._errors import (
    BadInterval,
    BadRequest,
    BadSymbol,
    CancelRejected,
    DuplicateOrder,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidApiKey,
    InvalidArgument,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    InvalidSignature,
    InvalidTimestamp,
    IpBanned,
    MinNotional,
    MissingCredentials,
    OrderArchived,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    RateLimited,
    TooManyOrders,
    UnknownExchangeError,
    XtoolkitError,
)
from xtoolkit._models import MarketInfo, MarketRef, Symbol
from xtoolkit.exchanges._common import INTERVAL_SECONDS, new_columns, param_text
from xtoolkit.exchanges._common import retry_after as _retry_after
from xtoolkit.exchanges._orders import OrderSpec
from xtoolkit.exchanges._spec import Call, Columns, Endpoint, RateLimit, Request, Usage
from xtoolkit.exchanges._wallet import TradingFee, WalletNetwork
from xtoolkit.exchanges.binance import wallet
from xtoolkit.exchanges.binance.signing import encode, signature

__all__ = ["ENDPOINTS", "ERRORS", "NAME", "BinanceAdapter"]

NAME = "binance"


def _depth_weight(p: Mapping[str, Any]) -> int:
    limit = int(p.get("limit", 100))
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


def _ticker_weight(p: Mapping[str, Any]) -> int:
    if "symbol" in p:
        return 2
    n = len(p["symbols"]) if "symbols" in p else 10_000
    return 2 if n <= 20 else 40 if n <= 100 else 80


def _one_or_many(single: int, many: int) -> Any:
    return lambda p: single if "symbol" in p else many


ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("ping", "GET", "/api/v3/ping", "weight", 1),
        Endpoint("time", "GET", "/api/v3/time", "weight", 1),
        Endpoint("exchange_info", "GET", "/api/v3/exchangeInfo", "weight", 20),
        Endpoint("depth", "GET", "/api/v3/depth", "weight", weigh=_depth_weight),
        Endpoint("trades", "GET", "/api/v3/trades", "weight", 25),
        Endpoint("klines", "GET", "/api/v3/klines", "weight", 2),
        Endpoint("ticker_24hr", "GET", "/api/v3/ticker/24hr", "weight", weigh=_ticker_weight),
        Endpoint("book_ticker", "GET", "/api/v3/ticker/bookTicker", "weight", weigh=_one_or_many(2, 4)),
        Endpoint("ticker_price", "GET", "/api/v3/ticker/price", "weight", weigh=_one_or_many(2, 4)),
        Endpoint("avg_price", "GET", "/api/v3/avgPrice", "weight", 2),
        Endpoint("account", "GET", "/api/v3/account", "weight", 20, signed=True),
        Endpoint("account_commission", "GET", "/api/v3/account/commission", "weight", 20, signed=True),
        # /sapi: its own per-endpoint IP budget, not the /api weight (spec §10.1).
        Endpoint("capital_config", "GET", "/sapi/v1/capital/config/getall", "sapi_capital_config", 10, signed=True),
        Endpoint("order_new", "POST", "/api/v3/order", "orders", 1, True, True, True),
        Endpoint(
            "order_test",
            "POST",
            "/api/v3/order/test",
            "weight",
            signed=True,
            weigh=lambda p: 20 if p.get("computeCommissionRates") else 1,
        ),
        Endpoint("order_cancel", "DELETE", "/api/v3/order", "weight", 1, True, True),
        Endpoint("open_orders_cancel", "DELETE", "/api/v3/openOrders", "weight", 1, True, True),
        Endpoint("order_get", "GET", "/api/v3/order", "weight", 4, signed=True),
        Endpoint(
            "open_orders",
            "GET",
            "/api/v3/openOrders",
            "weight",
            signed=True,
            weigh=_one_or_many(6, 80),
        ),
        Endpoint("all_orders", "GET", "/api/v3/allOrders", "weight", 20, signed=True),
        Endpoint(
            "my_trades",
            "GET",
            "/api/v3/myTrades",
            "weight",
            signed=True,
            weigh=lambda p: 5 if "orderId" in p else 20,
        ),
    )
}

#: Production budgets (read back from exchangeInfo ``rateLimits`` by careful users; these are
#: the documented values). Weight is per IP per minute; orders per account per 10 s.
RATE_LIMITS: dict[str, RateLimit] = {
    "weight": RateLimit("weight", 6000, 60.0),
    "orders": RateLimit("orders", 100, 10.0),
    # Each /sapi endpoint has its own IP budget and its 429 leaves /api alone (spec §10.1).
    "sapi_capital_config": RateLimit("sapi_capital_config", 12_000, 60.0, isolated=True),
}

_USAGE_HEADERS: dict[str, str] = {
    "x-mbx-used-weight-1m": "weight",
    "x-mbx-order-count-10s": "orders",
}
#: A /sapi answer reports its own endpoint's budget, under these names (spec §10.1).
_SAPI_USAGE_HEADERS = ("x-sapi-used-ip-weight-1m", "x-sapi-used-uid-weight-1m")

#: Venue error code -> exception class. ``-1013``/``-2010`` are refined by message below.
ERRORS: dict[int, type[XtoolkitError]] = {
    -1000: UnknownExchangeError,
    -1003: RateLimited,
    -1006: ExchangeUnavailable,
    -1007: ExchangeUnavailable,
    -1008: ExchangeUnavailable,
    -1013: InvalidOrder,
    -1015: TooManyOrders,
    -1021: InvalidTimestamp,
    -1022: InvalidSignature,
    -1100: BadRequest,
    -1101: BadRequest,
    -1102: BadRequest,
    -1104: BadRequest,
    -1106: BadRequest,
    -1111: BadRequest,
    -1114: BadRequest,
    -1115: BadRequest,
    -1116: BadRequest,
    -1117: BadRequest,
    -1120: BadInterval,
    -1121: BadSymbol,
    -1125: BadRequest,
    -1127: BadRequest,
    -1131: BadRequest,
    -2008: InvalidApiKey,
    -2010: OrderRejected,
    -2011: CancelRejected,
    -2013: OrderNotFound,
    -2014: InvalidApiKey,
    -2015: InvalidApiKey,
    -2026: OrderArchived,
}

#: ``-1013 Filter failure: <TYPE>`` -> the more specific class.
FILTER_ERRORS: dict[str, type[XtoolkitError]] = {
    "PRICE_FILTER": InvalidPrice,
    "PERCENT_PRICE": InvalidPrice,
    "PERCENT_PRICE_BY_SIDE": InvalidPrice,
    "LOT_SIZE": InvalidQuantity,
    "MARKET_LOT_SIZE": InvalidQuantity,
    "NOTIONAL": MinNotional,
    "MIN_NOTIONAL": MinNotional,
}

#: ``-2010`` engine messages -> the more specific class.
REJECT_MESSAGES: tuple[tuple[str, type[XtoolkitError]], ...] = (
    ("insufficient balance", InsufficientFunds),
    ("duplicate order", DuplicateOrder),
)

#: Quote assets tried, longest first, when splitting a native code without market data.
KNOWN_QUOTES = (
    "FDUSD",
    "USDT",
    "USDC",
    "TUSD",
    "BUSD",
    "USDP",
    "DAI",
    "EUR",
    "TRY",
    "BRL",
    "JPY",
    "BTC",
    "ETH",
    "BNB",
    "XRP",
    "TRX",
    "DOGE",
)

ORDER_STATUS: dict[str, str] = {
    "NEW": "open",
    "PENDING_NEW": "open",
    "PARTIALLY_FILLED": "partially_filled",
    "FILLED": "filled",
    "CANCELED": "canceled",
    "PENDING_CANCEL": "open",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
    "EXPIRED_IN_MATCH": "expired",
}

#: Unified candle intervals Binance serves (its names are the unified names).
INTERVALS = (
    "1s",
    "1m",
    "3m",
    "5m",
    "15m",
    "30m",
    "1h",
    "2h",
    "4h",
    "6h",
    "8h",
    "12h",
    "1d",
    "3d",
    "1w",
    "1M",
)

_BANNED_UNTIL = re.compile(r"banned until (\d{10,})")
_FILTER = re.compile(r"Filter failure: ([A-Z_]+)")


def _d(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    d = Decimal(str(value))
    return d if d != 0 else None


class BinanceAdapter:
    """Translation for Binance spot. One instance per client venue (``recv_window_ms`` is config)."""

    name = NAME
    endpoints = ENDPOINTS
    rate_limits = RATE_LIMITS
    default_base_url = "https://api.binance.com"
    testnet_base_url = "https://testnet.binance.vision"
    needs_server_time = True
    intervals = INTERVALS
    max_depth = 5000
    max_trades = 1000
    candle_page = 1000
    candle_direction = "forward"
    tickers_chunk = 100
    open_orders_page: int | None = None  # one answer holds every open order

    def __init__(self, *, recv_window_ms: int = 5000) -> None:
        if not 0 < recv_window_ms <= 60_000:
            raise InvalidArgument("recv_window_ms must be in 1..60000")
        self.recv_window_ms = recv_window_ms

    # --- requests -------------------------------------------------------------------------

    def build(self, call: Call, credentials: Credentials | None, *, now_ms: int, nonce: str) -> Request:
        ep = self.endpoints[call.endpoint]
        pairs = [(k, param_text(v)) for k, v in call.params.items() if v is not None]
        headers: dict[str, str] = {}
        if ep.signed:
            if credentials is None:
                raise MissingCredentials(
                    f"{ep.path} needs Binance keys: set BINANCE_API_KEY and BINANCE_API_SECRET "
                    "(or BINANCE_PRIVATE_KEY for an Ed25519/RSA key)",
                    exchange=NAME,
                )
            pairs.append(("recvWindow", str(self.recv_window_ms)))
            pairs.append(("timestamp", str(now_ms)))
            query = encode(pairs)
            query = f"{query}&signature={signature(credentials, query)}"
            headers["X-MBX-APIKEY"] = credentials.key
        else:
            query = encode(pairs)
        return Request(NAME, ep, ep.method, ep.path, query, None, headers, ep.cost(call.params))

    def usage(self, headers: Mapping[str, str], endpoint: Endpoint) -> list[Usage]:
        out = []
        for name, group in _USAGE_HEADERS.items():
            value = headers.get(name)
            if value is not None and value.strip().isdigit():
                out.append(Usage(group, used=int(value)))
        if endpoint.path.startswith("/sapi/"):
            for name in _SAPI_USAGE_HEADERS:
                value = headers.get(name)
                if value is not None and value.strip().isdigit():
                    out.append(Usage(endpoint.group, used=int(value)))
        return out

    def error(
        self, status: int, payload: Any, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> XtoolkitError:
        code = payload.get("code") if isinstance(payload, dict) else None
        msg = payload.get("msg") if isinstance(payload, dict) else None
        message = str(msg or (payload if isinstance(payload, str) and payload else f"HTTP {status}"))
        kw: dict[str, Any] = {
            "exchange": NAME,
            "status": status,
            "code": code,
            "payload": payload,
            "endpoint": endpoint.path,
        }
        retry_after = _retry_after(headers)
        if status == 418:
            m = _BANNED_UNTIL.search(message)
            until = int(m.group(1)) / 1000 if m else None
            if until is None and retry_after is not None:
                until = time.time() + retry_after
            return IpBanned(message, until=until, **kw)
        if status == 429 or code in (-1003, -1015):
            cls = TooManyOrders if code == -1015 else RateLimited
            return cls(message, retry_after=retry_after, **kw)
        if status >= 500:
            return ExchangeUnavailable(message, **kw)
        if status == 403 and code is None:
            return PermissionDenied(f"request blocked by the venue's firewall: {message}", **kw)
        cls = ERRORS.get(code, UnknownExchangeError) if isinstance(code, int) else UnknownExchangeError
        if code == -1013:
            m = _FILTER.search(message)
            cls = FILTER_ERRORS.get(m.group(1), InvalidOrder) if m else InvalidOrder
        elif code == -2010:
            lowered = message.lower()
            cls = next((c for text, c in REJECT_MESSAGES if text in lowered), OrderRejected)
        return cls(message, **kw)

    # --- symbols --------------------------------------------------------------------------

    def native(self, symbol: Symbol) -> str:
        return f"{symbol.base}{symbol.quote}"

    def parse_native(self, native: str) -> Symbol | None:
        text = native.strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{4,20}", text):
            return None
        for quote_asset in KNOWN_QUOTES:
            if text.endswith(quote_asset) and len(text) > len(quote_asset):
                return Symbol(text[: -len(quote_asset)], quote_asset)
        return None

    # --- markets --------------------------------------------------------------------------

    def markets_calls(self) -> list[Call]:
        return [Call("exchange_info", {"permissions": "SPOT"})]

    def markets_more(self, payloads: list[Any]) -> list[Call]:
        return []

    def parse_markets(self, payloads: list[Any], more: Sequence[Any] = ()) -> list[MarketInfo]:
        out = []
        for s in payloads[0].get("symbols", []):
            filters = {f.get("filterType"): f for f in s.get("filters", [])}
            price = filters.get("PRICE_FILTER", {})
            lot = filters.get("LOT_SIZE", {})
            mlot = filters.get("MARKET_LOT_SIZE", {})
            notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
            symbol = Symbol(s["baseAsset"], s["quoteAsset"])
            out.append(
                MarketInfo(
                    exchange=NAME,
                    symbol=symbol,
                    native=s["symbol"],
                    status=s.get("status", ""),
                    tick_size=_d(price.get("tickSize")),
                    step_size=_d(lot.get("stepSize")),
                    min_qty=_d(lot.get("minQty")),
                    max_qty=_d(lot.get("maxQty")),
                    min_notional=_d(notional.get("minNotional")),
                    max_notional=_d(notional.get("maxNotional")),
                    market_min_qty=_d(mlot.get("minQty")),
                    market_max_qty=_d(mlot.get("maxQty")),
                    trading=s.get("status") == "TRADING",
                    raw=s,
                )
            )
        return out

    # --- market data ----------------------------------------------------------------------

    def tickers_calls(self, natives: Sequence[str]) -> list[Call]:
        return [Call("ticker_24hr", {"symbols": list(natives)})]

    def parse_tickers(self, payloads: list[Any], refs: Mapping[str, MarketRef], received_ms: int) -> Columns:
        rows = payloads[0] if isinstance(payloads[0], list) else [payloads[0]]
        cols = new_columns("tickers")
        for t in rows:
            ref = refs.get(t["symbol"])
            if ref is None:
                continue
            cols["exchange"].append(NAME)
            cols["symbol"].append(str(ref.symbol))
            cols["bid"].append(t.get("bidPrice"))
            cols["bid_qty"].append(t.get("bidQty"))
            cols["ask"].append(t.get("askPrice"))
            cols["ask_qty"].append(t.get("askQty"))
            cols["last"].append(t.get("lastPrice"))
            cols["volume_24h"].append(t.get("volume"))
            cols["quote_volume_24h"].append(t.get("quoteVolume"))
            cols["change_24h_pct"].append(t.get("priceChangePercent"))
            cols["ts"].append(t.get("closeTime", received_ms))
            cols["raw"].append(t)
        return cols

    def orderbook_call(self, native: str, depth: int) -> Call:
        return Call("depth", {"symbol": native, "limit": min(depth, self.max_depth)})

    def parse_orderbook(self, payload: Any, ref: MarketRef, depth: int, received_ms: int) -> Columns:
        bids = payload.get("bids", [])[:depth]
        asks = payload.get("asks", [])[:depth]
        n_b, n_a = len(bids), len(asks)
        n = n_b + n_a
        return {
            "exchange": [NAME] * n,
            "symbol": [str(ref.symbol)] * n,
            "side": ["bid"] * n_b + ["ask"] * n_a,
            "level": list(range(n_b)) + list(range(n_a)),
            "price": [lv[0] for lv in bids] + [lv[0] for lv in asks],
            "qty": [lv[1] for lv in bids] + [lv[1] for lv in asks],
            "ts": [received_ms] * n,
        }

    def trades_call(self, native: str, limit: int, cursor: Any = None) -> Call:
        return Call("trades", {"symbol": native, "limit": min(limit, self.max_trades)})

    def parse_trades(
        self, payload: Any, ref: MarketRef, cursor: Any = None, requested: int = 0
    ) -> tuple[Columns, Any]:
        """Trades columns and the next cursor (always None: one call returns up to 1000)."""
        cols = new_columns("trades")
        for t in payload:
            cols["exchange"].append(NAME)
            cols["symbol"].append(str(ref.symbol))
            cols["trade_id"].append(str(t["id"]))
            cols["price"].append(t["price"])
            cols["qty"].append(t["qty"])
            cols["quote_qty"].append(t.get("quoteQty"))
            # isBuyerMaker: the buyer rested, so the aggressor (taker) sold.
            cols["side"].append("sell" if t.get("isBuyerMaker") else "buy")
            cols["ts"].append(t["time"])
            cols["raw"].append(t)
        return cols, None

    def candles_call(
        self, native: str, interval: str, *, start_ms: int | None, end_ms: int | None, limit: int
    ) -> Call:
        params: dict[str, Any] = {"symbol": native, "interval": interval}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms - 1  # unified end is exclusive; Binance's is inclusive
        params["limit"] = min(limit, self.candle_page)
        return Call("klines", params)

    def parse_candles(self, payload: Any, ref: MarketRef, interval: str) -> Columns:
        cols = new_columns("candles")
        for k in payload:
            cols["exchange"].append(NAME)
            cols["symbol"].append(str(ref.symbol))
            cols["interval"].append(interval)
            cols["open_time"].append(k[0])
            cols["open"].append(k[1])
            cols["high"].append(k[2])
            cols["low"].append(k[3])
            cols["close"].append(k[4])
            cols["volume"].append(k[5])
            cols["close_time"].append(k[6])
            cols["quote_volume"].append(k[7])
            cols["trades"].append(k[8])
            cols["raw"].append(k)
        return cols

    def interval_seconds(self, interval: str) -> int:
        return INTERVAL_SECONDS[interval]

    # --- account --------------------------------------------------------------------------

    def balances_call(self) -> Call:
        return Call("account", {"omitZeroBalances": True})

    def parse_balances(self, payload: Any) -> Columns:
        cols = new_columns("balances")
        # The account answer always carries a balances list; anything else is a wrong shape.
        balances = payload["balances"]
        if not isinstance(balances, list):
            raise TypeError("balances is not a list")
        for b in balances:
            free, locked = Decimal(b["free"]), Decimal(b["locked"])
            if not free and not locked:
                continue
            cols["exchange"].append(NAME)
            cols["asset"].append(b["asset"])
            cols["free"].append(float(free))
            cols["locked"].append(float(locked))
            cols["total"].append(float(free + locked))
            cols["raw"].append(b)
        return cols

    def open_orders_call(self, native: str | None, page: int = 1) -> Call:
        return Call("open_orders", {"symbol": native} if native else {})

    def order_get_call(self, native: str, *, order_id: str | None, client_order_id: str | None) -> Call:
        if not native:
            raise InvalidArgument("Binance order lookups need the market", exchange=NAME)
        params: dict[str, Any] = {"symbol": native}
        if order_id is not None:
            params["orderId"] = order_id
        elif client_order_id is not None:
            params["origClientOrderId"] = client_order_id
        else:
            raise InvalidArgument("give order_id or client_order_id", exchange=NAME)
        return Call("order_get", params)

    def cancel_call(self, native: str, *, order_id: str | None, client_order_id: str | None) -> Call:
        params = dict(self.order_get_call(native, order_id=order_id, client_order_id=client_order_id).params)
        return Call("order_cancel", params)

    def cancel_all_call(self, native: str | None) -> Call:
        if not native:
            raise InvalidArgument("Binance cancels open orders per market; give the market", exchange=NAME)
        return Call("open_orders_cancel", {"symbol": native})

    def history_call(self, native: str | None, *, limit: int) -> Call:
        if not native:
            raise InvalidArgument("Binance order history is per market; give the market", exchange=NAME)
        return Call("all_orders", {"symbol": native, "limit": min(limit, 1000)})

    def place_call(self, spec: OrderSpec, *, test: bool = False) -> Call:
        params: dict[str, Any] = {
            "symbol": spec.native,
            "side": spec.side.upper(),
            "type": spec.type.upper(),
        }
        if spec.type == "limit":
            params["timeInForce"] = (spec.time_in_force or "GTC").upper()
            params["quantity"] = spec.qty
            params["price"] = spec.price
        elif spec.quote_qty is not None:
            params["quoteOrderQty"] = spec.quote_qty
        else:
            params["quantity"] = spec.qty
        params["newClientOrderId"] = spec.client_order_id
        if test:
            params["computeCommissionRates"] = True
            return Call("order_test", params)
        params["newOrderRespType"] = "FULL"
        return Call("order_new", params)

    def parse_orders(self, payload: Any, symbols: Mapping[str, str]) -> Columns:
        """Order objects (new/query/cancel/open) -> orders columns. ``symbols`` maps native -> unified."""
        items = payload if isinstance(payload, list) else [payload]
        cols = new_columns("orders")
        for o in items:
            executed = Decimal(o.get("executedQty") or "0")
            quote_filled = Decimal(o.get("cummulativeQuoteQty") or "0")
            price = Decimal(o.get("price") or "0")
            created = o.get("time", o.get("transactTime"))
            cols["exchange"].append(NAME)
            cols["symbol"].append(symbols.get(o.get("symbol", ""), o.get("symbol", "")))
            oid = o.get("orderId")
            # No "None" order ids: an answer without one is not an order (the desk treats it as unknown).
            cols["order_id"].append(str(oid) if isinstance(oid, int | str) and oid != "" else None)
            cols["client_order_id"].append(o.get("origClientOrderId") or o.get("clientOrderId"))
            cols["side"].append(str(o.get("side", "")).lower())
            cols["type"].append(str(o.get("type", "")).lower())
            cols["status"].append(ORDER_STATUS.get(o.get("status", ""), "open"))
            cols["price"].append(float(price) if price else None)
            cols["qty"].append(o.get("origQty"))
            cols["filled_qty"].append(float(executed))
            cols["filled_quote"].append(float(quote_filled) if quote_filled >= 0 else None)
            cols["avg_price"].append(
                float(quote_filled / executed) if executed and quote_filled > 0 else None
            )
            cols["created"].append(created)
            cols["updated"].append(o.get("updateTime", o.get("transactTime", created)))
            cols["venue_status"].append(o.get("status"))
            cols["raw"].append(o)
        return cols

    # --- wallet and fees (reads only: nothing here moves funds) ---------------------------

    def networks_calls(self, assets: Sequence[str] | None) -> list[Call]:
        return wallet.networks_calls(assets)

    def networks_more(self, payloads: list[Any], assets: Sequence[str] | None) -> list[Call]:
        return []  # one answer covers every coin

    def parse_networks(
        self, payloads: list[Any], more: Sequence[tuple[Call, Any]], received_ms: int
    ) -> list[WalletNetwork]:
        return wallet.parse_networks(payloads, received_ms)

    def fee_call(self, native: str) -> Call:
        return wallet.fee_call(native)

    def parse_fee(self, payload: Any, ref: MarketRef, received_ms: int) -> TradingFee:
        return wallet.parse_fee(payload, ref, received_ms)
