"""ToyEx REST: endpoint table, request building, parsers, error map (pure, like a real venue's)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from xtoolkit._credentials import Credentials
from xtoolkit._errors import BadSymbol, ExchangeUnavailable, RateLimited, UnknownExchangeError, XtoolkitError
from xtoolkit._models import MarketInfo, MarketRef, Symbol
from xtoolkit.exchanges._common import new_columns, param_text
from xtoolkit.exchanges._common import retry_after as _retry_after
from xtoolkit.exchanges._spec import Call, Columns, Endpoint, RateLimit, Request, Usage

NAME = "toyex"

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("markets", "GET", "/api/markets", "public"),
        Endpoint("ticker", "GET", "/api/ticker", "public"),
        Endpoint("book", "GET", "/api/book", "public"),
    )
}
RATE_LIMITS = {"public": RateLimit("public", 50, 1.0)}
_NATIVE = re.compile(r"^([A-Z0-9]{2,10})_([A-Z]{2,6})$")


class ToyAdapter:
    """Translation for ToyEx: public market data only."""

    name = NAME
    endpoints = ENDPOINTS
    rate_limits = RATE_LIMITS
    default_base_url = "https://api.toyex.invalid"
    testnet_base_url = None
    needs_server_time = False
    max_depth = 50
    tickers_chunk = 50

    def build(self, call: Call, credentials: Credentials | None, *, now_ms: int, nonce: str) -> Request:
        ep = self.endpoints[call.endpoint]
        query = urlencode([(k, param_text(v)) for k, v in call.params.items() if v is not None])
        return Request(NAME, ep, ep.method, ep.path, query, None, {}, ep.cost(call.params))

    def usage(self, headers: Mapping[str, str], endpoint: Endpoint) -> list[Usage]:
        return []

    def error(
        self, status: int, payload: Any, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> XtoolkitError:
        message = str(payload.get("message") if isinstance(payload, dict) else payload) or f"HTTP {status}"
        kw: dict[str, Any] = {
            "exchange": NAME,
            "status": status,
            "payload": payload,
            "endpoint": endpoint.path,
        }
        if status == 429:
            return RateLimited(message, retry_after=_retry_after(headers), **kw)
        if status >= 500:
            return ExchangeUnavailable(message, **kw)
        if status == 404:
            return BadSymbol(message, **kw)
        return UnknownExchangeError(message, **kw)

    def native(self, symbol: Symbol) -> str:
        return f"{symbol.base}_{symbol.quote}"

    def parse_native(self, native: str) -> Symbol | None:
        m = _NATIVE.match(native.strip().upper())
        return Symbol(m.group(1), m.group(2)) if m else None

    def markets_calls(self) -> list[Call]:
        return [Call("markets")]

    def markets_more(self, payloads: list[Any]) -> list[Call]:
        return []

    def parse_markets(self, payloads: list[Any], more: Sequence[Any] = ()) -> list[MarketInfo]:
        return [
            MarketInfo(
                exchange=NAME,
                symbol=Symbol(m["base"], m["quote"]),
                native=m["code"],
                status="TRADING",
                tick_size=Decimal(m["tick"]),
                step_size=Decimal(m["step"]),
                raw=m,
            )
            for m in payloads[0]
        ]

    def tickers_calls(self, natives: Sequence[str]) -> list[Call]:
        return [Call("ticker", {"codes": ",".join(natives)})]

    def parse_tickers(self, payloads: list[Any], refs: Mapping[str, MarketRef], received_ms: int) -> Columns:
        cols = new_columns("tickers")
        for t in payloads[0]:
            ref = refs.get(t["code"])
            if ref is None:
                continue
            cols["exchange"].append(NAME)
            cols["symbol"].append(str(ref.symbol))
            for col, key in (
                ("bid", "bid"),
                ("bid_qty", "bid_size"),
                ("ask", "ask"),
                ("ask_qty", "ask_size"),
            ):
                cols[col].append(t[key])
            cols["last"].append(t["last"])
            cols["volume_24h"].append(t["vol"])
            cols["quote_volume_24h"].append(t["qvol"])
            cols["change_24h_pct"].append(t["chg"])
            cols["ts"].append(t["ts"])
            cols["raw"].append(t)
        return cols

    def orderbook_call(self, native: str, depth: int) -> Call:
        return Call("book", {"code": native, "depth": depth})

    def parse_orderbook(self, payload: Any, ref: MarketRef, depth: int, received_ms: int) -> Columns:
        bids, asks = payload["bids"][:depth], payload["asks"][:depth]
        n_b, n_a = len(bids), len(asks)
        return {
            "exchange": [NAME] * (n_b + n_a),
            "symbol": [str(ref.symbol)] * (n_b + n_a),
            "side": ["bid"] * n_b + ["ask"] * n_a,
            "level": list(range(n_b)) + list(range(n_a)),
            "price": [p for p, _ in bids] + [p for p, _ in asks],
            "qty": [q for _, q in bids] + [q for _, q in asks],
            "ts": [payload["ts"]] * (n_b + n_a),
        }
