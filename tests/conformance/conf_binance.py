"""THE Binance conformance table: every endpoint the sandbox serves, generated from one
declaration per endpoint (spec §3, §10, §11, §13; parameter tables of ``rest-api.md``).

Per endpoint the generator emits: the minimal valid request; one row per documented optional
parameter and per documented form of it (``symbols`` raw and percent-encoded, ``permissions``
as a value and as an array, ``recvWindow`` with decimals ...); one row per mandatory
parameter left out (``-1102`` naming it); an unread parameter (``-1104``); for signed
endpoints a bad signature (``-1022``) and a missing key (``-2014``). Hand-written rows add the
endpoint's own variants and, in :data:`ERROR_ROWS`, every error the spec lists — provoked by
a request where one can, on demand (``box.faults.next(kind="error")``, a restricted key, a
symbol status) where none can. Websocket rows cover the stream routes.

Adding an endpoint means adding an :class:`Endpoint` (and its rows) here; the route coverage
test fails until every route the sandbox registers has a row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from conf_rows import Context, Row, Setup

from xtoolkit.sandbox import Sandbox

__all__ = ["BINANCE_ROWS", "ENDPOINTS", "ERROR_ROWS", "WS_ROWS", "Endpoint"]

P = tuple[tuple[str, str], ...]
BTC = (("symbol", "BTCUSDT"),)
#: A LIMIT buy that rests (far below the market) and passes every filter.
LIMIT = (
    ("symbol", "BTCUSDT"),
    ("side", "BUY"),
    ("type", "LIMIT"),
    ("timeInForce", "GTC"),
    ("quantity", "0.001"),
    ("price", "80000.00"),
)
MARKET = (("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.001"))
SYMBOLS_RAW = '["BTCUSDT","ETHUSDT"]'
SYMBOLS_FORMS = (SYMBOLS_RAW,)  # sent percent-encoded by the runner; raw forms: symbols_rows()
RECV_WINDOWS = ("5000", "5000.5", "10000", "60000")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: its minimal valid parameters, its documented optional parameters with
    every documented form of value, and the rows only it has."""

    method: str
    path: str
    required: P = ()
    optional: tuple[tuple[str, tuple[str, ...]], ...] = ()
    signed: bool = False
    setup: Setup | None = None
    status: int = 200
    #: ``required`` entries whose absence is answered otherwise than ``-1102 <name>`` (the
    #: handler's one-of rules), mapped to the error.
    missing: tuple[tuple[str, int], ...] = ()
    extra: tuple[Row, ...] = ()
    #: Whether the generic rows apply (retired endpoints answer the same whatever is sent).
    generic: bool = True


# -- setups ----------------------------------------------------------------------------------------
def _signed_request(
    box: Sandbox, method: str, path: str, params: dict[str, str], *, key: str = "", secret: str = ""
) -> dict:
    key = key or box.keys["binance"][0]
    secret = secret or box.keys["binance"][1]
    query = urlencode({**params, "timestamp": int(box.now.timestamp() * 1000)})
    sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(
        f"{box.url}{path}?{query}&signature={sig}", method=method, headers={"X-MBX-APIKEY": key}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def resting_order(box: Sandbox) -> Context:
    """A LIMIT buy resting on BTCUSDT; its ids as ``{order_id}`` / ``{client_id}``."""
    client_id = f"conf{time.monotonic_ns()}"
    order = _signed_request(box, "POST", "/api/v3/order", {**dict(LIMIT), "newClientOrderId": client_id})
    return {"order_id": str(order["orderId"]), "client_id": client_id}


def fresh_account(balances: dict[str, str]) -> Setup:
    """A new HMAC account holding ``balances``."""

    def setup(box: Sandbox) -> Context:
        cred = box.add_account("binance", balances)
        return {"key": cred.key, "secret": cred.secret}

    return setup


def restricted(**restriction: object) -> Setup:
    """A new account whose key is restricted (permissions / allowed IPs)."""

    def setup(box: Sandbox) -> Context:
        cred = box.add_account("binance", {"USDT": "100"})
        box.restrict_key("binance", cred.key, **restriction)  # type: ignore[arg-type]
        return {"key": cred.key, "secret": cred.secret}

    return setup


def key_pair(kind: str) -> Setup:
    """A new account registered with a fresh Ed25519 or RSA-2048 public key (spec §12); the
    runner signs with its private key."""

    def setup(box: Sandbox) -> Context:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

        key = (
            ed25519.Ed25519PrivateKey.generate()
            if kind == "ed25519"
            else rsa.generate_private_key(65537, 2048)
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        api_key = box.add_key_pair_account({"USDT": "1000", "BTC": "1"}, public)
        return {"key": api_key, "private_pem": private.decode()}

    return setup


def fault(error: int | str, path: str, status: int | None = None) -> Setup:
    """The next request to ``path`` answers the venue error ``error``."""

    def setup(box: Sandbox) -> Context:
        box.faults.next("binance", kind="error", error=error, endpoint=path, status=status)
        return {}

    return setup


def status_fault(status: int, path: str) -> Setup:
    """The next request to ``path`` answers HTTP ``status`` (the venue's 429/418 bodies)."""

    def setup(box: Sandbox) -> Context:
        box.faults.next("binance", status=status, endpoint=path)
        return {}

    return setup


def symbol_status(symbol: str, status: str) -> tuple[Setup, object]:
    def setup(box: Sandbox) -> Context:
        box.market.set_status("binance", symbol, status)
        return {}

    def teardown(box: Sandbox) -> None:
        box.market.set_status("binance", symbol, "TRADING")

    return setup, teardown


def symbols_rows(method: str, path: str, base: P = ()) -> tuple[Row, ...]:
    """``symbols`` in both documented forms (raw JSON array, percent-encoded with raw commas),
    fully encoded, and refused forms (a space after the comma, lower case)."""
    prefix = urlencode(base) + "&" if base else ""
    enc = quote(SYMBOLS_RAW, safe=",")
    return (
        Row(f"{method} {path} symbols raw", method, path, raw_query=f"{prefix}symbols={SYMBOLS_RAW}"),
        Row(f"{method} {path} symbols encoded", method, path, raw_query=f"{prefix}symbols={enc}"),
        Row(
            f"{method} {path} symbols fully encoded",
            method,
            path,
            raw_query=f"{prefix}symbols={quote(SYMBOLS_RAW, safe='')}",
        ),
        Row(
            f"{method} {path} symbols with a space",
            method,
            path,
            raw_query=f"{prefix}symbols=" + quote('["BTCUSDT", "ETHUSDT"]', safe=","),
            status=400,
            error=-1100,
        ),
        Row(
            f"{method} {path} symbols lower case",
            method,
            path,
            raw_query=f"{prefix}symbols=" + quote('["btcusdt"]'),
            status=400,
            error=-1100,
        ),
        Row(
            f"{method} {path} symbols repeated",
            method,
            path,
            raw_query=f"{prefix}symbols=" + quote('["BTCUSDT","BTCUSDT"]'),
            status=400,
            error=-1151,
        ),
        Row(
            f"{method} {path} symbol and symbols",
            method,
            path,
            raw_query=f"{prefix}symbol=BTCUSDT&symbols={enc}",
            status=400,
            error=-1101,
        ),
    )


def status_rows(path: str, *, single: bool = True) -> tuple[Row, ...]:
    setup, teardown = symbol_status("ETHBTC", "HALT")
    rows = [
        Row(f"GET {path} symbolStatus={s}", "GET", path, (("symbol", "BTCUSDT"), ("symbolStatus", "TRADING")))
        for s in ("TRADING",)
    ]
    rows.append(
        Row(
            f"GET {path} symbolStatus mismatch -1220",
            "GET",
            path,
            (("symbol", "ETHBTC"), ("symbolStatus", "TRADING")),
            setup=setup,
            teardown=teardown,
            status=400,
            error=-1220,
        )  # type: ignore[arg-type]
    )
    rows.append(
        Row(
            f"GET {path} symbolStatus bad value",
            "GET",
            path,
            (("symbol", "BTCUSDT"), ("symbolStatus", "OPEN")),
            status=400,
            error=-1130,
        )
    )
    if not single:
        rows.append(Row(f"GET {path} symbolStatus filters all", "GET", path, (("symbolStatus", "BREAK"),)))
        rows.append(
            Row(
                f"GET {path} symbolStatus filters symbols",
                "GET",
                path,
                raw_query=f"symbols={quote(SYMBOLS_RAW)}&symbolStatus=HALT",
            )
        )
    return tuple(rows)


def _order_variants(path: str) -> tuple[Row, ...]:
    """Every order type with its documented parameters, and the body / mixed forms."""
    variants: dict[str, P] = {
        "MARKET quantity": MARKET,
        "MARKET quoteOrderQty": (
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quoteOrderQty", "50"),
        ),
        "MARKET sell": (("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "MARKET"), ("quantity", "0.001")),
        "LIMIT_MAKER": (
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.001"),
            ("price", "80000"),
        ),
        "STOP_LOSS": (
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "STOP_LOSS"),
            ("quantity", "0.001"),
            ("stopPrice", "80000"),
        ),
        "STOP_LOSS_LIMIT": (
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "STOP_LOSS_LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.001"),
            ("price", "79990"),
            ("stopPrice", "80000"),
        ),
        "TAKE_PROFIT": (
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "TAKE_PROFIT"),
            ("quantity", "0.001"),
            ("stopPrice", "100000"),
        ),
        "TAKE_PROFIT_LIMIT": (
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "TAKE_PROFIT_LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.001"),
            ("price", "100010"),
            ("stopPrice", "100000"),
        ),
        "peg PRIMARY_PEG": (
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.001"),
            ("pegPriceType", "PRIMARY_PEG"),
        ),
        "peg MARKET_PEG offset": (
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.001"),
            ("pegPriceType", "PRIMARY_PEG"),
            ("pegOffsetType", "PRICE_LEVEL"),
            ("pegOffsetValue", "2"),
        ),
        "iceberg": (*LIMIT[:4], ("quantity", "0.01"), ("price", "80000.00"), ("icebergQty", "0.001")),
        "strategy": (*LIMIT, ("strategyId", "42"), ("strategyType", "1000001")),
    }
    rows = [
        Row(f"POST {path} {name}", "POST", path, params, signed=True) for name, params in variants.items()
    ]
    rows.append(Row(f"POST {path} all in the form body", "POST", path, form=MARKET, signed=True))
    rows.append(
        Row(f"POST {path} mixed query and body", "POST", path, MARKET[:2], form=MARKET[2:], signed=True)
    )
    rows.append(
        Row(
            f"POST {path} timestamp in microseconds",
            "POST",
            path,
            (*MARKET, ("timestamp", "{now_us}")),
            signed=True,
        )
    )
    for content_type in ("text/plain", "application/json"):
        rows.append(
            Row(
                f"POST {path} body as {content_type} is not read",
                "POST",
                path,
                signed=True,
                raw_body="symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001",
                content_type=content_type,
                params=(("timestamp", "{now_ms}"),),
                status=400,
                error=-1102,
            )
        )
    return tuple(rows)


ORDER_OPTIONAL: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("timeInForce", ("GTC", "IOC", "FOK")),
    ("newClientOrderId", ("conf-client-1", "A_b-9")),
    ("newOrderRespType", ("ACK", "RESULT", "FULL")),
    ("selfTradePreventionMode", ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT")),
    ("recvWindow", RECV_WINDOWS),
)


def _limit_without(name: str) -> P:
    return tuple((k, v) for k, v in LIMIT if k != name)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v3/ping"),
    Endpoint("GET", "/api/v3/time"),
    Endpoint(
        "GET",
        "/api/v3/exchangeInfo",
        optional=(
            ("symbol", ("BTCUSDT", "WAVESUSDT")),
            ("permissions", ("SPOT", '["MARGIN","LEVERAGED"]', '["SPOT"]')),
            ("showPermissionSets", ("true", "false")),
            ("symbolStatus", ("TRADING", "HALT", "BREAK")),
        ),
        extra=(
            *symbols_rows("GET", "/api/v3/exchangeInfo"),
            Row(
                "GET exchangeInfo symbol + symbolStatus",
                "GET",
                "/api/v3/exchangeInfo",
                (*BTC, ("symbolStatus", "TRADING")),
                status=400,
                error=-1130,
            ),
            Row(
                "GET exchangeInfo unknown symbol",
                "GET",
                "/api/v3/exchangeInfo",
                (("symbol", "NOPEUSDT"),),
                status=400,
                error=-1121,
            ),
            Row(
                "GET exchangeInfo UTF-8 symbol is legal",
                "GET",
                "/api/v3/exchangeInfo",
                (("symbol", "这是测试币456"),),
                status=400,
                error=-1121,
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v3/depth",
        BTC,
        optional=(
            ("limit", ("1", "5", "100", "101", "500", "1000", "5000", "7000")),
            ("symbolStatus", ("TRADING",)),
        ),
        extra=(
            *status_rows("/api/v3/depth"),
            Row(
                "GET depth lower-case symbol",
                "GET",
                "/api/v3/depth",
                (("symbol", "btcusdt"),),
                status=400,
                error=-1100,
            ),
        ),
    ),
    Endpoint("GET", "/api/v3/trades", BTC, optional=(("limit", ("1", "500", "1000")),)),
    Endpoint(
        "GET", "/api/v3/historicalTrades", BTC, optional=(("limit", ("1", "1000")), ("fromId", ("1000",)))
    ),
    Endpoint(
        "GET",
        "/api/v3/aggTrades",
        BTC,
        optional=(
            ("fromId", ("1000",)),
            ("startTime", ("{hour_ago_ms}", "{hour_ago_us}")),
            ("endTime", ("{now_ms}", "{now_us}")),
            ("limit", ("1", "1000")),
        ),
        extra=(
            Row(
                "GET aggTrades window over an hour",
                "GET",
                "/api/v3/aggTrades",
                (*BTC, ("startTime", "{two_hours_ago_ms}"), ("endTime", "{now_ms}")),
                status=400,
                error=-1127,
            ),
        ),
    ),
    *(
        Endpoint(
            "GET",
            path,
            (*BTC, ("interval", "1m")),
            optional=(
                ("startTime", ("{hour_ago_ms}", "{hour_ago_us}")),
                ("endTime", ("{now_ms}", "{now_us}")),
                ("timeZone", ("0", "8", "-1:00", "05:45", "+14:00")),
                ("limit", ("1", "1000")),
            ),
            extra=(
                *tuple(
                    Row(f"GET {path} interval {i}", "GET", path, (*BTC, ("interval", i), ("limit", "2")))
                    for i in (
                        "1s",
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
                ),
                Row(
                    f"GET {path} bad interval",
                    "GET",
                    path,
                    (*BTC, ("interval", "2m")),
                    status=400,
                    error=-1120,
                ),
                Row(
                    f"GET {path} bad timeZone",
                    "GET",
                    path,
                    (*BTC, ("interval", "1m"), ("timeZone", "15")),
                    status=400,
                    error=-1130,
                ),
            ),
        )
        for path in ("/api/v3/klines", "/api/v3/uiKlines")
    ),
    Endpoint("GET", "/api/v3/avgPrice", BTC),
    Endpoint(
        "GET",
        "/api/v3/ticker/24hr",
        optional=(("symbol", ("BTCUSDT",)), ("type", ("FULL", "MINI"))),
        extra=(
            *symbols_rows("GET", "/api/v3/ticker/24hr"),
            *status_rows("/api/v3/ticker/24hr", single=False),
            Row(
                "GET ticker/24hr bad type",
                "GET",
                "/api/v3/ticker/24hr",
                (*BTC, ("type", "HALF")),
                status=400,
                error=-1130,
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v3/ticker/price",
        optional=(("symbol", ("BTCUSDT",)),),
        extra=(
            *symbols_rows("GET", "/api/v3/ticker/price"),
            *status_rows("/api/v3/ticker/price", single=False),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v3/ticker/bookTicker",
        optional=(("symbol", ("BTCUSDT",)),),
        extra=(
            *symbols_rows("GET", "/api/v3/ticker/bookTicker"),
            *status_rows("/api/v3/ticker/bookTicker", single=False),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v3/account",
        signed=True,
        optional=(("omitZeroBalances", ("true", "false", "TRUE")), ("recvWindow", RECV_WINDOWS)),
        extra=(
            Row(
                "GET account timestamp in microseconds",
                "GET",
                "/api/v3/account",
                (("timestamp", "{now_us}"),),
                signed=True,
            ),
            Row(
                "GET account time unit MICROSECOND",
                "GET",
                "/api/v3/account",
                signed=True,
                headers={"X-MBX-TIME-UNIT": "MICROSECOND"},
            ),
        ),
    ),
    Endpoint("GET", "/api/v3/account/commission", BTC, signed=True, optional=(("recvWindow", RECV_WINDOWS),)),
    Endpoint(
        "POST",
        "/api/v3/order/test",
        LIMIT,
        signed=True,
        optional=(*ORDER_OPTIONAL, ("computeCommissionRates", ("true", "false"))),
        missing=(("timeInForce", -1102), ("quantity", -1102), ("price", -1102)),
        extra=_order_variants("/api/v3/order/test"),
    ),
    Endpoint(
        "POST",
        "/api/v3/order",
        LIMIT,
        signed=True,
        optional=ORDER_OPTIONAL,
        missing=(("timeInForce", -1102), ("quantity", -1102), ("price", -1102)),
        extra=_order_variants("/api/v3/order"),
    ),
    Endpoint(
        "GET",
        "/api/v3/order",
        (*BTC, ("orderId", "{order_id}")),
        signed=True,
        setup=resting_order,
        missing=(("orderId", -1102),),
        extra=(
            Row(
                "GET order by origClientOrderId",
                "GET",
                "/api/v3/order",
                (*BTC, ("origClientOrderId", "{client_id}")),
                signed=True,
                setup=resting_order,
            ),
            Row(
                "GET order by both ids",
                "GET",
                "/api/v3/order",
                (*BTC, ("orderId", "{order_id}"), ("origClientOrderId", "{client_id}")),
                signed=True,
                setup=resting_order,
            ),
        ),
    ),
    Endpoint(
        "DELETE",
        "/api/v3/order",
        (*BTC, ("orderId", "{order_id}")),
        signed=True,
        setup=resting_order,
        optional=(("newClientOrderId", ("conf-cancel-1",)), ("cancelRestrictions", ("ONLY_NEW",))),
        missing=(("orderId", -1102),),
        extra=(
            Row(
                "DELETE order by origClientOrderId",
                "DELETE",
                "/api/v3/order",
                (*BTC, ("origClientOrderId", "{client_id}")),
                signed=True,
                setup=resting_order,
            ),
            Row(
                "DELETE order in the form body",
                "DELETE",
                "/api/v3/order",
                form=(*BTC, ("orderId", "{order_id}")),
                signed=True,
                setup=resting_order,
            ),
            Row(
                "DELETE order cancel restriction not met",
                "DELETE",
                "/api/v3/order",
                (*BTC, ("orderId", "{order_id}"), ("cancelRestrictions", "ONLY_PARTIALLY_FILLED")),
                signed=True,
                setup=resting_order,
                status=400,
                error=-2011,
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v3/openOrders",
        signed=True,
        optional=(("symbol", ("BTCUSDT",)), ("recvWindow", RECV_WINDOWS)),
    ),
    Endpoint("DELETE", "/api/v3/openOrders", BTC, signed=True, setup=resting_order),
    Endpoint(
        "GET",
        "/api/v3/allOrders",
        BTC,
        signed=True,
        optional=(
            ("orderId", ("1",)),
            ("startTime", ("{hour_ago_ms}", "{hour_ago_us}")),
            ("endTime", ("{now_ms}",)),
            ("limit", ("1", "1000")),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v3/myTrades",
        BTC,
        signed=True,
        optional=(
            ("orderId", ("1",)),
            ("startTime", ("{hour_ago_ms}",)),
            ("endTime", ("{now_ms}", "{now_us}")),
            ("fromId", ("1",)),
            ("limit", ("1", "1000")),
        ),
    ),
    Endpoint("GET", "/sapi/v1/capital/config/getall", signed=True, optional=(("recvWindow", RECV_WINDOWS),)),
    Endpoint(
        "GET",
        "/sapi/v1/asset/tradeFee",
        signed=True,
        optional=(("symbol", ("BTCUSDT", "ETHBTC")), ("recvWindow", ("5000",))),
    ),
    *(
        Endpoint(
            method,
            "/api/v3/userDataStream",
            status=410,
            generic=False,
            extra=(Row(f"{method} userDataStream retired", method, "/api/v3/userDataStream", status=410),),
        )
        for method in ("POST", "PUT", "DELETE")
    ),
)


def _generic(ep: Endpoint) -> Iterator[Row]:
    name = f"{ep.method} {ep.path}"
    kw = {"signed": ep.signed, "setup": ep.setup}
    yield Row(f"{name} minimal", ep.method, ep.path, ep.required, status=ep.status, **kw)  # type: ignore[arg-type]
    for param, forms in ep.optional:
        for form in forms:
            params = (*tuple((k, v) for k, v in ep.required if k != param), (param, form))
            yield Row(f"{name} accepts {param}={form}", ep.method, ep.path, params, status=ep.status, **kw)  # type: ignore[arg-type]
    missing = dict(ep.missing)
    for param, _ in ep.required:
        rest = tuple((k, v) for k, v in ep.required if k != param)
        yield Row(
            f"{name} without {param}",
            ep.method,
            ep.path,
            rest,
            status=400,
            error=missing.get(param, -1102),
            **kw,
        )  # type: ignore[arg-type]
    yield Row(
        f"{name} unread parameter",
        ep.method,
        ep.path,
        (*ep.required, ("foo", "1")),
        status=400,
        error=-1104,
        **kw,
    )  # type: ignore[arg-type]
    if ep.signed:
        yield Row(
            f"{name} bad signature",
            ep.method,
            ep.path,
            ep.required,
            signed=True,
            setup=_bad_signature(ep.setup),
            status=400,
            error=-1022,
        )
        yield Row(
            f"{name} no API key",
            ep.method,
            ep.path,
            ep.required,
            signed=True,
            setup=_no_key(ep.setup),
            status=401,
            error=-2014,
        )


def _bad_signature(setup: Setup | None) -> Setup:
    def run(box: Sandbox) -> Context:
        return {**(setup(box) if setup else {}), "signature": "0" * 64}

    return run


def _no_key(setup: Setup | None) -> Setup:
    def run(box: Sandbox) -> Context:
        return {**(setup(box) if setup else {}), "key": ""}

    return run


def _binance_error_rows() -> tuple[Row, ...]:
    o = "/api/v3/order"
    t = "/api/v3/order/test"
    acct = "/api/v3/account"
    halt_setup, halt_teardown = symbol_status("ETHUSDT", "CANCEL_ONLY")
    return (
        # 10xx
        Row(
            "-1000 UNKNOWN on demand",
            "GET",
            "/api/v3/ping",
            setup=fault(-1000, "/api/v3/ping"),
            status=400,
            error=-1000,
        ),
        Row(
            "-1003 weight 429",
            "GET",
            "/api/v3/ping",
            setup=status_fault(429, "/api/v3/ping"),
            status=429,
            error=-1003,
        ),
        Row(
            "-1003 IP banned 418",
            "GET",
            "/api/v3/ping",
            setup=status_fault(418, "/api/v3/ping"),
            status=418,
            error=-1003,
        ),
        Row(
            "-1007 TIMEOUT on demand",
            "POST",
            o,
            MARKET,
            signed=True,
            setup=fault(-1007, o),
            status=500,
            error=-1007,
        ),
        Row(
            "-1008 SERVER_BUSY on demand",
            "GET",
            "/api/v3/time",
            setup=fault(-1008, "/api/v3/time"),
            status=503,
            error=-1008,
        ),
        Row(
            "-1013 PRICE_FILTER",
            "POST",
            t,
            (*LIMIT[:5], ("price", "80000.001")),
            signed=True,
            status=400,
            error=-1013,
        ),
        Row(
            "-1013 LOT_SIZE",
            "POST",
            t,
            (*LIMIT[:4], ("quantity", "0.000001"), LIMIT[5]),
            signed=True,
            status=400,
            error=-1013,
        ),
        Row(
            "-1013 NOTIONAL",
            "POST",
            t,
            (*LIMIT[:4], ("quantity", "0.00001"), LIMIT[5]),
            signed=True,
            status=400,
            error=-1013,
        ),
        Row(
            "-1013 MIN_NOTIONAL (legacy)",
            "POST",
            t,
            (("symbol", "XLMUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "1")),
            signed=True,
            status=400,
            error=-1013,
        ),
        Row(
            "-1013 MARKET_LOT_SIZE",
            "POST",
            t,
            (("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "MARKET"), ("quantity", "90")),
            signed=True,
            status=400,
            error=-1013,
        ),
        Row(
            "-1013 PERCENT_PRICE_BY_SIDE",
            "POST",
            t,
            (*LIMIT[:5], ("price", "1000")),
            signed=True,
            status=400,
            error=-1013,
        ),
        Row(
            "-1013 ICEBERG_PARTS",
            "POST",
            t,
            (*LIMIT[:4], ("quantity", "0.2"), LIMIT[5], ("icebergQty", "0.001")),
            signed=True,
            status=400,
            error=-1013,
        ),
        Row(
            "-1014 unsupported combination (iceberg IOC)",
            "POST",
            t,
            (*LIMIT[:3], ("timeInForce", "IOC"), *LIMIT[4:], ("icebergQty", "0.0001")),
            signed=True,
            status=400,
            error=-1014,
        ),
        Row(
            "-1015 TOO_MANY_ORDERS on demand",
            "POST",
            o,
            MARKET,
            signed=True,
            setup=fault(-1015, o),
            status=429,
            error=-1015,
        ),
        Row("-1021 ahead", "GET", acct, (("timestamp", "{ahead_ms}"),), signed=True, status=400, error=-1021),
        Row(
            "-1021 outside recvWindow",
            "GET",
            acct,
            (("timestamp", "{old_ms}"),),
            signed=True,
            status=400,
            error=-1021,
        ),
        Row(
            "-1021 recvWindow decimals widen",
            "GET",
            acct,
            (("timestamp", "{old_ms}"), ("recvWindow", "7000.5")),
            signed=True,
        ),
        Row("-1022 uppercase hex accepted", "GET", acct, signed=True, setup=_upper_signature),
        Row("Ed25519 key signs a query", "GET", acct, signed=True, setup=key_pair("ed25519")),
        Row("Ed25519 key signs a form body", "POST", t, form=MARKET, signed=True, setup=key_pair("ed25519")),
        Row("RSA key signs a query", "GET", acct, signed=True, setup=key_pair("rsa")),
        Row(
            "RSA key signs query and body",
            "POST",
            t,
            MARKET[:2],
            form=MARKET[2:],
            signed=True,
            setup=key_pair("rsa"),
        ),
        Row(
            "-1022 Ed25519 signature by another key",
            "GET",
            acct,
            signed=True,
            setup=_foreign_key,
            status=400,
            error=-1022,
        ),
        # 11xx
        Row(
            "-1100 exponent decimal",
            "POST",
            t,
            (*LIMIT[:4], ("quantity", "1e-05"), LIMIT[5]),
            signed=True,
            status=400,
            error=-1100,
        ),
        Row(
            "-1100 bad client order id",
            "POST",
            t,
            (*LIMIT, ("newClientOrderId", "bad id!")),
            signed=True,
            status=400,
            error=-1100,
        ),
        Row(
            "-1100 bad timestamp", "GET", acct, (("timestamp", "12a"),), signed=True, status=400, error=-1100
        ),
        Row(
            "-1101 duplicate parameter",
            "GET",
            "/api/v3/depth",
            raw_query="symbol=BTCUSDT&symbol=ETHUSDT",
            status=400,
            error=-1101,
        ),
        Row(
            "-1102 timestamp missing", "GET", acct, setup=_no_timestamp, signed=True, status=400, error=-1102
        ),
        Row(
            "-1102 signature missing",
            "GET",
            acct,
            signed=True,
            setup=lambda box: {"signature": ""},
            status=400,
            error=-1102,
        ),
        Row(
            "-1102 one of quantity/quoteOrderQty", "POST", t, MARKET[:3], signed=True, status=400, error=-1102
        ),
        Row(
            "-1102 stopPrice or trailingDelta",
            "POST",
            t,
            (*MARKET[:2], ("type", "STOP_LOSS"), ("quantity", "0.001")),
            signed=True,
            status=400,
            error=-1102,
        ),
        Row(
            "-1106 timeInForce not required",
            "POST",
            t,
            (*MARKET, ("timeInForce", "GTC")),
            signed=True,
            status=400,
            error=-1106,
        ),
        Row(
            "-1106 stopPrice not required",
            "POST",
            t,
            (*LIMIT, ("stopPrice", "80000")),
            signed=True,
            status=400,
            error=-1106,
        ),
        Row(
            "-1111 too much precision",
            "POST",
            t,
            (*MARKET[:3], ("quantity", "0.000000001")),
            signed=True,
            status=400,
            error=-1111,
        ),
        Row(
            "-1114 TIF_NOT_REQUIRED on demand",
            "POST",
            t,
            MARKET,
            signed=True,
            setup=fault(-1114, t),
            status=400,
            error=-1114,
        ),
        Row(
            "-1115 invalid timeInForce",
            "POST",
            t,
            (*LIMIT[:3], ("timeInForce", "GTD"), *LIMIT[4:]),
            signed=True,
            status=400,
            error=-1115,
        ),
        Row(
            "-1116 invalid order type",
            "POST",
            t,
            (*MARKET[:2], ("type", "ICEBERG"), ("quantity", "1")),
            signed=True,
            status=400,
            error=-1116,
        ),
        Row(
            "-1117 invalid side",
            "POST",
            t,
            (MARKET[0], ("side", "HOLD"), *MARKET[2:]),
            signed=True,
            status=400,
            error=-1117,
        ),
        Row(
            "-1120 bad interval", "GET", "/api/v3/klines", (*BTC, ("interval", "1H")), status=400, error=-1120
        ),
        Row(
            "-1121 bad symbol",
            "POST",
            t,
            (("symbol", "NOPE"), *MARKET[1:]),
            signed=True,
            status=400,
            error=-1121,
        ),
        Row(
            "-1125 INVALID_LISTEN_KEY on demand",
            "GET",
            "/api/v3/time",
            setup=fault(-1125, "/api/v3/time"),
            status=400,
            error=-1125,
        ),
        Row(
            "-1127 allOrders window over 24 h",
            "GET",
            "/api/v3/allOrders",
            (*BTC, ("startTime", "0"), ("endTime", "{now_ms}")),
            signed=True,
            status=400,
            error=-1127,
        ),
        Row(
            "-1131 recvWindow too large",
            "GET",
            acct,
            (("recvWindow", "60001"),),
            signed=True,
            status=400,
            error=-1131,
        ),
        Row(
            "-1194 bad time unit",
            "GET",
            "/api/v3/time",
            headers={"X-MBX-TIME-UNIT": "SECOND"},
            status=400,
            error=-1194,
        ),
        Row(
            "time unit microsecond lower case",
            "GET",
            "/api/v3/time",
            headers={"X-MBX-TIME-UNIT": "microsecond"},
        ),
        Row("time unit MILLISECOND", "GET", "/api/v3/time", headers={"X-MBX-TIME-UNIT": "MILLISECOND"}),
        # 2xxx
        Row(
            "-2010 insufficient balance",
            "POST",
            o,
            (*MARKET[:3], ("quantity", "1")),
            signed=True,
            setup=fresh_account({"USDT": "10"}),
            status=400,
            error=-2010,
        ),
        Row(
            "-2010 market closed (BREAK)",
            "POST",
            o,
            (("symbol", "WAVESUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "10")),
            signed=True,
            status=400,
            error=-2010,
        ),
        Row(
            "-2010 market closed (CANCEL_ONLY)",
            "POST",
            o,
            (("symbol", "ETHUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.01")),
            signed=True,
            setup=halt_setup,
            teardown=halt_teardown,
            status=400,
            error=-2010,
        ),  # type: ignore[arg-type]
        Row(
            "-2010 would match and take",
            "POST",
            o,
            (
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT_MAKER"),
                ("quantity", "0.001"),
                ("price", "100000"),
            ),
            signed=True,
            status=400,
            error=-2010,
        ),
        Row(
            "-2010 duplicate order",
            "POST",
            o,
            (*LIMIT, ("newClientOrderId", "{client_id}")),
            signed=True,
            setup=resting_order,
            status=400,
            error=-2010,
        ),
        Row(
            "-2011 cancel unknown order",
            "DELETE",
            o,
            (*BTC, ("orderId", "1")),
            signed=True,
            status=400,
            error=-2011,
        ),
        Row(
            "-2011 cancel all with none open",
            "DELETE",
            "/api/v3/openOrders",
            (("symbol", "ETHBTC"),),
            signed=True,
            status=400,
            error=-2011,
        ),
        Row(
            "-2013 query unknown order",
            "GET",
            o,
            (*BTC, ("orderId", "1")),
            signed=True,
            status=400,
            error=-2013,
        ),
        Row(
            "-2014 short API key",
            "GET",
            acct,
            signed=True,
            setup=lambda box: {"key": "short"},
            status=401,
            error=-2014,
        ),
        Row(
            "-2015 unknown API key",
            "GET",
            acct,
            signed=True,
            setup=lambda box: {"key": "A" * 64},
            status=401,
            error=-2015,
        ),
        Row(
            "-2015 key without TRADE",
            "POST",
            t,
            MARKET,
            signed=True,
            setup=restricted(permissions=["READ"]),
            status=401,
            error=-2015,
        ),
        Row(
            "-2015 key from another IP",
            "GET",
            acct,
            signed=True,
            setup=restricted(allowed_ips=["10.9.8.7"]),
            status=401,
            error=-2015,
        ),
        Row(
            "-2026 ORDER_ARCHIVED on demand",
            "GET",
            o,
            (*BTC, ("orderId", "1")),
            signed=True,
            setup=fault(-2026, o),
            status=400,
            error=-2026,
        ),
        # Paths the venue does not serve: its not-found answer.
        Row("404 unknown path", "GET", "/api/v3/nope", status=404),
        Row("404 retired /api/v1", "GET", "/api/v1/ping", status=404),
        Row("404 no withdrawal endpoint", "POST", "/sapi/v1/capital/withdraw/apply", status=404),
        Row("404 method not served", "PUT", "/api/v3/order", status=404),
    )


def _foreign_key(box: Sandbox) -> Context:
    """A key-pair account, signed with the private key of another one."""
    registered = key_pair("ed25519")(box)
    other = key_pair("ed25519")(box)
    return {"key": registered["key"], "private_pem": other["private_pem"]}


def _upper_signature(box: Sandbox) -> Context:
    return {"signature_case": "upper"}


def _no_timestamp(box: Sandbox) -> Context:
    return {"timestamp_absent": "1"}


#: Stream routes: handshakes, the subscription protocol (replies and errors), every stream kind.
WS_ROWS: tuple[Row, ...] = (
    Row("WS /ws bare", "WS", "/ws", status=101),
    Row("WS /ws/<stream>", "WS", "/ws/btcusdt@trade", status=101),
    Row(
        "WS /ws/<index> then SUBSCRIBE",
        "WS",
        "/ws/0",
        status=101,
        send=({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1},),
    ),
    Row("WS /stream combined", "WS", "/stream?streams=btcusdt@trade/ethusdt@depth5", status=101),
    Row("WS /stream without streams", "WS", "/stream", status=101),
    Row("WS timeUnit=MICROSECOND", "WS", "/stream?streams=btcusdt@trade&timeUnit=MICROSECOND", status=101),
    Row("WS URL-encoded stream name", "WS", "/ws/" + quote("btcusdt@trade"), status=101),
    *(
        Row(
            f"WS SUBSCRIBE {name}",
            "WS",
            "/ws",
            status=101,
            send=({"method": "SUBSCRIBE", "params": [name], "id": 7},),
        )
        for name in (
            "btcusdt@trade",
            "btcusdt@aggTrade",
            "btcusdt@bookTicker",
            "btcusdt@ticker",
            "btcusdt@miniTicker",
            "!miniTicker@arr",
            "btcusdt@kline_1s",
            "btcusdt@kline_1M",
            "btcusdt@kline_1m@+08:00",
            "btcusdt@depth",
            "btcusdt@depth@100ms",
            "btcusdt@depth5",
            "btcusdt@depth10@100ms",
            "btcusdt@depth20@1000ms",
        )
    ),
    Row(
        "WS UNSUBSCRIBE",
        "WS",
        "/ws/btcusdt@trade",
        status=101,
        send=({"method": "UNSUBSCRIBE", "params": ["btcusdt@trade"], "id": 2},),
    ),
    Row(
        "WS LIST_SUBSCRIPTIONS",
        "WS",
        "/ws/btcusdt@trade",
        status=101,
        send=({"method": "LIST_SUBSCRIPTIONS", "id": 3},),
    ),
    Row(
        "WS SET_PROPERTY combined",
        "WS",
        "/ws",
        status=101,
        send=({"method": "SET_PROPERTY", "params": ["combined", True], "id": 5},),
    ),
    Row(
        "WS GET_PROPERTY combined",
        "WS",
        "/ws",
        status=101,
        send=({"method": "GET_PROPERTY", "params": ["combined"], "id": 2},),
    ),
    Row("WS id null", "WS", "/ws", status=101, send=({"method": "LIST_SUBSCRIPTIONS", "id": None},)),
    Row("WS id string", "WS", "/ws", status=101, send=({"method": "LIST_SUBSCRIPTIONS", "id": "abc123"},)),
    Row(
        "WS error 0 unknown property",
        "WS",
        "/ws",
        status=101,
        error=0,
        send=({"method": "GET_PROPERTY", "params": ["speed"], "id": 1},),
    ),
    Row(
        "WS error 1 not a boolean",
        "WS",
        "/ws",
        status=101,
        error=1,
        send=({"method": "SET_PROPERTY", "params": ["combined", 1], "id": 1},),
    ),
    Row(
        "WS error 2 invalid stream",
        "WS",
        "/ws",
        status=101,
        error=2,
        send=({"method": "SUBSCRIBE", "params": ["btcusdt@avgPrice"], "id": 4},),
    ),
    Row(
        "WS error 2 retired !ticker@arr",
        "WS",
        "/ws",
        status=101,
        error=2,
        send=({"method": "SUBSCRIBE", "params": ["!ticker@arr"], "id": 4},),
    ),
    Row(
        "WS error 2 unknown method", "WS", "/ws", status=101, error=2, send=({"method": "PUBLISH", "id": 1},)
    ),
    Row(
        "WS error 2 bad id",
        "WS",
        "/ws",
        status=101,
        error=2,
        send=({"method": "LIST_SUBSCRIPTIONS", "id": 1.5},),
    ),
    Row(
        "WS error 2 too many parameters",
        "WS",
        "/ws",
        status=101,
        error=2,
        send=({"method": "LIST_SUBSCRIPTIONS", "params": [1], "id": 1},),
    ),
    Row("WS error 2 missing method", "WS", "/ws", status=101, error=2, send=({"params": [], "id": 1},)),
    Row("WS error 3 invalid JSON", "WS", "/ws", status=101, error=3, send=("{nope",)),
    Row("WS plain GET is not an upgrade", "GET", "/ws/btcusdt@trade", status=400),
    Row("WS plain GET on /stream", "GET", "/stream", status=400),
)


def _rows() -> tuple[Row, ...]:
    out: list[Row] = []
    for ep in ENDPOINTS:
        if ep.generic:
            out.extend(_generic(ep))
        out.extend(ep.extra)
    return tuple(out)


ERROR_ROWS: tuple[Row, ...] = _binance_error_rows()
#: THE table: every Binance row, in the order the suite sends them.
BINANCE_ROWS: tuple[Row, ...] = (*_rows(), *ERROR_ROWS, *WS_ROWS)
