"""THE Upbit conformance table: every endpoint the sandbox serves, generated from one
declaration per endpoint (spec upbit.md §3, §4, §8, §11, §12).

Per endpoint: the minimal valid request; one row per documented optional parameter and per
documented form of it (``markets`` as one code, a comma list, ``%2C``-encoded; arrays as
``states[]=``; times as ISO text with ``Z``, a space, an offset, epoch ms ...); one row per
mandatory parameter left out (the endpoint's error name). Upbit documents no refusal of
unknown parameters, so none is asserted. :data:`ERROR_ROWS` provokes every error the spec
lists — by a request where one can, on demand (an ``error`` fault, a restricted key) where
none can. Websocket rows cover ``/websocket/v1``.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conf_pacing import note, pace
from conf_rows import Context, Row, Setup
from conf_signing import upbit_hashed, upbit_token

from xtoolkit.sandbox import Sandbox

__all__ = ["ENDPOINTS", "ERROR_ROWS", "UPBIT_ROWS", "WS_ROWS", "Endpoint"]

P = tuple[tuple[str, Any], ...]
BTC = (("market", "KRW-BTC"),)
#: A limit bid that rests far below the market (and passes tick and minimum checks).
LIMIT_BID = (
    ("market", "KRW-BTC"),
    ("side", "bid"),
    ("volume", "0.0001"),
    ("price", "100000000"),
    ("ord_type", "limit"),
)
#: KRW quotation errors carry the HTTP status as a number in ``name`` (sandbox convention).
MISSING, NOT_FOUND = 400, 404


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: minimal parameters, documented optional ones with their forms, and the
    error name each missing mandatory parameter draws."""

    method: str
    path: str
    required: P = ()
    optional: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    private: bool = False
    setup: Setup | None = None
    status: int = 200
    missing: tuple[tuple[str, int | str], ...] = ()
    extra: tuple[Row, ...] = ()

    @property
    def body(self) -> bool:
        return self.method == "POST"


# -- setups ----------------------------------------------------------------------------------------
def _post(box: Sandbox, path: str, fields: dict[str, str]) -> dict[str, Any]:
    access, secret = box.keys["upbit"]
    token = upbit_token(access, secret, upbit_hashed(fields.items()))
    req = urllib.request.Request(
        f"{box.url}{path}",
        data=json.dumps(fields).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=utf-8"},
    )
    pace(box.url)
    with urllib.request.urlopen(req, timeout=10) as r:
        note(box.url, dict(r.headers))
        return json.loads(r.read())


def resting_order(box: Sandbox) -> Context:
    """A limit bid resting on KRW-BTC: ``{uuid}`` and ``{identifier}``."""
    identifier = f"conf-{uuid.uuid4().hex[:16]}"
    order = _post(box, "/v1/orders", {**dict(LIMIT_BID), "identifier": identifier})
    return {"uuid": order["uuid"], "identifier": identifier}


def done_order(box: Sandbox) -> Context:
    """A market buy that fills at once: ``{uuid}``."""
    order = _post(
        box, "/v1/orders", {"market": "KRW-BTC", "side": "bid", "ord_type": "price", "price": "10000"}
    )
    return {"uuid": order["uuid"]}


def used_nonce(box: Sandbox) -> Context:
    """A nonce already spent on a request."""
    nonce = str(uuid.uuid4())
    access, secret = box.keys["upbit"]
    req = urllib.request.Request(
        f"{box.url}/v1/accounts",
        headers={"Authorization": f"Bearer {upbit_token(access, secret, None, nonce=nonce)}"},
    )
    pace(box.url)
    with urllib.request.urlopen(req, timeout=10) as r:
        note(box.url, dict(r.headers))
    return {"nonce": nonce}


def restricted(**restriction: object) -> Setup:
    def setup(box: Sandbox) -> Context:
        cred = box.add_account("upbit", {"KRW": "100000"})
        box.restrict_key("upbit", cred.key, **restriction)  # type: ignore[arg-type]
        return {"access": cred.key, "secret": cred.secret}

    return setup


def account(balances: dict[str, str]) -> Setup:
    def setup(box: Sandbox) -> Context:
        cred = box.add_account("upbit", balances)
        return {"access": cred.key, "secret": cred.secret}

    return setup


def fault(error: str | None = None, status: int | None = None) -> Setup:
    def setup(box: Sandbox) -> Context:
        if error is None:
            box.faults.next("upbit", status=status)
        else:
            box.faults.next("upbit", kind="error", error=error)
        return {}

    return setup


def _id() -> str:
    return "{uid}"


ORDER_FORMS: tuple[tuple[str, P], ...] = (
    ("limit bid", LIMIT_BID),
    (
        "limit ask",
        (
            ("market", "KRW-BTC"),
            ("side", "ask"),
            ("volume", "0.0001"),
            ("price", "300000000"),
            ("ord_type", "limit"),
        ),
    ),
    (
        "price (market buy)",
        (("market", "KRW-BTC"), ("side", "bid"), ("price", "10000"), ("ord_type", "price")),
    ),
    (
        "market (market sell)",
        (("market", "KRW-BTC"), ("side", "ask"), ("volume", "0.0001"), ("ord_type", "market")),
    ),
    (
        "best bid ioc",
        (
            ("market", "KRW-BTC"),
            ("side", "bid"),
            ("price", "10000"),
            ("ord_type", "best"),
            ("time_in_force", "ioc"),
        ),
    ),
    (
        "best ask fok",
        (
            ("market", "KRW-BTC"),
            ("side", "ask"),
            ("volume", "0.0001"),
            ("ord_type", "best"),
            ("time_in_force", "fok"),
        ),
    ),
    ("limit ioc", (*LIMIT_BID, ("time_in_force", "ioc"))),
    ("limit fok", (*LIMIT_BID, ("time_in_force", "fok"))),
    ("limit post_only", (*LIMIT_BID, ("time_in_force", "post_only"))),
    ("smp_type cancel_maker", (*LIMIT_BID, ("smp_type", "cancel_maker"))),
    ("smp_type cancel_taker", (*LIMIT_BID, ("smp_type", "cancel_taker"))),
    ("smp_type reduce", (*LIMIT_BID, ("smp_type", "reduce"))),
    ("identifier", (*LIMIT_BID, ("identifier", _id()))),
    (
        "numbers as JSON numbers",
        (
            ("market", "KRW-BTC"),
            ("side", "bid"),
            ("volume", 0.0001),
            ("price", 100000000),
            ("ord_type", "limit"),
        ),
    ),
    (
        "BTC market",
        (
            ("market", "BTC-ETH"),
            ("side", "bid"),
            ("volume", "0.01"),
            ("price", "0.01"),
            ("ord_type", "limit"),
        ),
    ),
)


def _order_rows(path: str, status: int) -> tuple[Row, ...]:
    return tuple(
        Row(f"POST {path} {name}", "POST", path, json=body, signed=True, status=status)
        for name, body in ORDER_FORMS
    )


TO_FORMS = ("2026-01-10T12:00:00Z", "2026-01-10 12:00:00", "2026-01-10T21:00:00+09:00")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/v1/market/all", optional=(("is_details", ("true", "false")),)),
    Endpoint(
        "GET",
        "/v1/ticker",
        (("markets", "KRW-BTC"),),
        optional=(("markets", ("KRW-BTC,KRW-ETH,BTC-ETH",)),),
        missing=(("markets", MISSING),),
        extra=(
            Row("GET /v1/ticker markets %2C", "GET", "/v1/ticker", raw_query="markets=KRW-BTC%2CKRW-ETH"),
            Row(
                "GET /v1/ticker unknown market",
                "GET",
                "/v1/ticker",
                (("markets", "KRW-NOPE"),),
                status=404,
                error=NOT_FOUND,
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/v1/ticker/all",
        (("quote_currencies", "KRW"),),
        optional=(("quote_currencies", ("KRW,BTC", "USDT", "KRW,BTC,USDT")),),
        missing=(("quote_currencies", MISSING),),
    ),
    Endpoint(
        "GET",
        "/v1/orderbook",
        (("markets", "KRW-BTC"),),
        optional=(("markets", ("KRW-BTC,KRW-ETH",)), ("count", ("1", "5", "15", "30")), ("level", ("0",))),
        missing=(("markets", MISSING),),
        extra=(
            Row(
                "GET /v1/orderbook markets %2C", "GET", "/v1/orderbook", raw_query="markets=KRW-BTC%2CKRW-XRP"
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/v1/orderbook/instruments",
        (("markets", "KRW-BTC"),),
        optional=(("markets", ("KRW-BTC,BTC-ETH",)),),
        missing=(("markets", MISSING),),
    ),
    Endpoint(
        "GET",
        "/v1/trades/ticks",
        BTC,
        optional=(("count", ("1", "500")), ("to", ("120000", "12:00:00")), ("days_ago", ("1", "7"))),
        missing=(("market", MISSING),),
    ),
    Endpoint(
        "GET",
        "/v1/candles/seconds",
        BTC,
        optional=(("count", ("1", "200")), ("to", TO_FORMS[:1])),
        missing=(("market", MISSING),),
    ),
    *(
        Endpoint(
            "GET",
            f"/v1/candles/minutes/{unit}",
            BTC,
            optional=(("count", ("200",)), ("to", TO_FORMS)),
            missing=(("market", MISSING),),
        )
        for unit in (1, 3, 5, 10, 15, 30, 60, 240)
    ),
    Endpoint(
        "GET",
        "/v1/candles/days",
        BTC,
        optional=(("count", ("200",)), ("to", TO_FORMS), ("converting_price_unit", ("KRW",))),
        missing=(("market", MISSING),),
    ),
    *(
        Endpoint(
            "GET",
            f"/v1/candles/{period}",
            BTC,
            optional=(("count", ("10",)), ("to", TO_FORMS[:1])),
            missing=(("market", MISSING),),
        )
        for period in ("weeks", "months", "years")
    ),
    Endpoint("GET", "/v1/accounts", private=True),
    Endpoint(
        "GET",
        "/v1/orders/chance",
        BTC,
        private=True,
        optional=(("market", ("BTC-ETH", "USDT-BTC")),),
        missing=(("market", "validation_error"),),
    ),
    Endpoint(
        "POST",
        "/v1/orders",
        LIMIT_BID,
        private=True,
        status=201,
        missing=(
            ("market", "validation_error"),
            ("side", "validation_error"),
            ("volume", "validation_error"),
            ("price", "validation_error"),
            ("ord_type", "validation_error"),
        ),
        extra=_order_rows("/v1/orders", 201),
    ),
    Endpoint(
        "POST",
        "/v1/orders/test",
        LIMIT_BID,
        private=True,
        status=201,
        missing=(
            ("market", "validation_error"),
            ("side", "validation_error"),
            ("volume", "validation_error"),
            ("price", "validation_error"),
            ("ord_type", "validation_error"),
        ),
        extra=_order_rows("/v1/orders/test", 201),
    ),
    Endpoint(
        "GET",
        "/v1/order",
        (("uuid", "{uuid}"),),
        private=True,
        setup=resting_order,
        missing=(("uuid", "validation_error"),),
        extra=(
            Row(
                "GET /v1/order by identifier",
                "GET",
                "/v1/order",
                (("identifier", "{identifier}"),),
                signed=True,
                setup=resting_order,
            ),
        ),
    ),
    Endpoint(
        "DELETE",
        "/v1/order",
        (("uuid", "{uuid}"),),
        private=True,
        setup=resting_order,
        missing=(("uuid", "validation_error"),),
        extra=(
            Row(
                "DELETE /v1/order by identifier",
                "DELETE",
                "/v1/order",
                (("identifier", "{identifier}"),),
                signed=True,
                setup=resting_order,
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/v1/orders/open",
        private=True,
        optional=(
            ("market", ("KRW-BTC",)),
            ("state", ("wait", "watch")),
            ("page", ("1", "2")),
            ("limit", ("1", "100")),
            ("order_by", ("asc", "desc")),
        ),
        extra=(
            Row(
                "GET /v1/orders/open states[]",
                "GET",
                "/v1/orders/open",
                (("states[]", "wait"), ("states[]", "watch")),
                signed=True,
            ),
        ),
    ),
    Endpoint(
        "DELETE",
        "/v1/orders/open",
        private=True,
        setup=resting_order,
        optional=(("cancel_side", ("bid",)), ("pairs", ("KRW-BTC,KRW-ETH",)), ("quote_currencies", ("KRW",))),
    ),
    Endpoint(
        "GET",
        "/v1/orders/closed",
        private=True,
        optional=(
            ("market", ("KRW-BTC",)),
            ("state", ("done", "cancel")),
            ("start_time", ("{day_ago_iso}", "{hour_ago_ms}")),
            ("end_time", ("{now_iso}", "{now_ms}")),
            ("limit", ("1", "1000")),
            ("order_by", ("asc", "desc")),
        ),
        extra=(
            Row(
                "GET /v1/orders/closed states[]",
                "GET",
                "/v1/orders/closed",
                (("states[]", "done"), ("states[]", "cancel")),
                signed=True,
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/v1/orders/uuids",
        (("uuids[]", "{uuid}"),),
        private=True,
        setup=resting_order,
        optional=(("order_by", ("asc", "desc")), ("market", ("KRW-BTC",))),
        missing=(("uuids[]", "validation_error"),),
        extra=(
            Row(
                "GET /v1/orders/uuids identifiers[]",
                "GET",
                "/v1/orders/uuids",
                (("identifiers[]", "{identifier}"),),
                signed=True,
                setup=resting_order,
            ),
        ),
    ),
    Endpoint(
        "DELETE",
        "/v1/orders/uuids",
        (("uuids[]", "{uuid}"),),
        private=True,
        setup=resting_order,
        missing=(("uuids[]", "validation_error"),),
        extra=(
            Row(
                "DELETE /v1/orders/uuids identifiers[]",
                "DELETE",
                "/v1/orders/uuids",
                (("identifiers[]", "{identifier}"),),
                signed=True,
                setup=resting_order,
            ),
        ),
    ),
    Endpoint("GET", "/v1/status/wallet", private=True),
    Endpoint(
        "GET",
        "/v1/withdraws/chance",
        (("currency", "BTC"), ("net_type", "BTC")),
        private=True,
        missing=(("currency", "validation_error"), ("net_type", "validation_error")),
        extra=(
            Row(
                "GET /v1/withdraws/chance KRW",
                "GET",
                "/v1/withdraws/chance",
                (("currency", "KRW"),),
                signed=True,
            ),
            Row(
                "GET /v1/withdraws/chance USDT TRX",
                "GET",
                "/v1/withdraws/chance",
                (("currency", "USDT"), ("net_type", "TRX")),
                signed=True,
            ),
            Row(
                "GET /v1/withdraws/chance wrong net_type",
                "GET",
                "/v1/withdraws/chance",
                (("currency", "BTC"), ("net_type", "ETH")),
                signed=True,
                status=400,
                error="validation_error",
            ),
        ),
    ),
)


def _generic(ep: Endpoint) -> Iterator[Row]:
    name = f"{ep.method} {ep.path}"
    where = "json" if ep.body else "params"

    def row(label: str, pairs: P, **kw: Any) -> Row:
        return Row(
            f"{name} {label}", ep.method, ep.path, signed=ep.private, setup=ep.setup, **{where: pairs}, **kw
        )

    yield row("minimal", ep.required, status=ep.status)
    for param, forms in ep.optional:
        for form in forms:
            pairs = (*tuple((k, v) for k, v in ep.required if k != param), (param, form))
            yield row(f"accepts {param}={form}", pairs, status=ep.status)
    for param, error in ep.missing:
        rest = tuple((k, v) for k, v in ep.required if k != param)
        status = 404 if error == NOT_FOUND else 400
        yield row(f"without {param}", rest, status=status, error=error)


def _error_rows() -> tuple[Row, ...]:
    o = "/v1/orders"
    return (
        Row(
            "create_bid_error (price type with volume)",
            "POST",
            o,
            json=(*BTC, ("side", "bid"), ("price", "10000"), ("volume", "0.1"), ("ord_type", "price")),
            signed=True,
            status=400,
            error="create_bid_error",
        ),
        Row(
            "create_ask_error (market sell with price)",
            "POST",
            o,
            json=(*BTC, ("side", "ask"), ("volume", "0.001"), ("price", "100000000"), ("ord_type", "market")),
            signed=True,
            status=400,
            error="create_ask_error",
        ),
        Row(
            "insufficient_funds_bid",
            "POST",
            o,
            json=(*BTC, ("side", "bid"), ("price", "50000000"), ("ord_type", "price")),
            signed=True,
            setup=account({"KRW": "6000"}),
            status=400,
            error="insufficient_funds_bid",
        ),
        Row(
            "insufficient_funds_ask",
            "POST",
            o,
            json=(*BTC, ("side", "ask"), ("volume", "1"), ("ord_type", "market")),
            signed=True,
            setup=account({"KRW": "6000"}),
            status=400,
            error="insufficient_funds_ask",
        ),
        Row(
            "under_min_total_bid",
            "POST",
            o,
            json=(*BTC, ("side", "bid"), ("price", "1000"), ("ord_type", "price")),
            signed=True,
            status=400,
            error="under_min_total_bid",
        ),
        Row(
            "under_min_total_ask",
            "POST",
            o,
            json=(*BTC, ("side", "ask"), ("volume", "0.00000001"), ("ord_type", "market")),
            signed=True,
            status=400,
            error="under_min_total_ask",
        ),
        Row(
            "invalid_price_bid",
            "POST",
            o,
            json=(*BTC, ("side", "bid"), ("volume", "0.0001"), ("price", "100000001"), ("ord_type", "limit")),
            signed=True,
            status=400,
            error="invalid_price_bid",
        ),
        Row(
            "invalid_price_ask",
            "POST",
            o,
            json=(*BTC, ("side", "ask"), ("volume", "0.0001"), ("price", "300000001"), ("ord_type", "limit")),
            signed=True,
            status=400,
            error="invalid_price_ask",
        ),
        Row(
            "validation_error bad side",
            "POST",
            o,
            json=(*BTC, ("side", "buy"), ("volume", "1"), ("price", "1"), ("ord_type", "limit")),
            signed=True,
            status=400,
            error="validation_error",
        ),
        Row(
            "duplicate identifier",
            "POST",
            o,
            json=(*LIMIT_BID, ("identifier", "{identifier}")),
            signed=True,
            setup=resting_order,
            status=400,
            error="duplicate_identifier",
        ),
        Row(
            "volume_too_large",
            "POST",
            o,
            json=(*BTC, ("side", "ask"), ("volume", "50000"), ("ord_type", "market")),
            signed=True,
            setup=account({"BTC": "60000"}),
            status=400,
            error="volume_too_large",
        ),
        Row(
            "invalid_query_payload",
            "GET",
            "/v1/orders/chance",
            BTC,
            signed=True,
            setup=lambda box: {"query_hash": "0" * 128},
            status=401,
            error="invalid_query_payload",
        ),
        Row(
            "jwt_verification (bad signature)",
            "GET",
            "/v1/accounts",
            signed=True,
            setup=lambda box: {"secret": "not-the-secret-of-this-key-0000000000000"},
            status=401,
            error="jwt_verification",
        ),
        Row(
            "jwt_verification (no token)",
            "GET",
            "/v1/accounts",
            signed=True,
            setup=lambda box: {"authorization": "Bearer nope"},
            status=401,
            error="jwt_verification",
        ),
        Row(
            "invalid_access_key",
            "GET",
            "/v1/accounts",
            signed=True,
            setup=lambda box: {"access": "ak-unknown-00000000000000000000000000000"},
            status=401,
            error="invalid_access_key",
        ),
        Row(
            "nonce_used", "GET", "/v1/accounts", signed=True, setup=used_nonce, status=401, error="nonce_used"
        ),
        Row(
            "expired_access_key",
            "GET",
            "/v1/accounts",
            signed=True,
            setup=restricted(expired=True),
            status=401,
            error="expired_access_key",
        ),
        Row(
            "no_authorization_i_p",
            "GET",
            "/v1/accounts",
            signed=True,
            setup=restricted(allowed_ips=["10.9.8.7"]),
            status=401,
            error="no_authorization_i_p",
        ),
        Row(
            "out_of_scope (no Make Orders)",
            "POST",
            o,
            json=LIMIT_BID,
            signed=True,
            setup=restricted(permissions=["View Account", "View Orders"]),
            status=401,
            error="out_of_scope",
        ),
        Row(
            "out_of_scope (no View Withdrawals)",
            "GET",
            "/v1/withdraws/chance",
            (("currency", "KRW"),),
            signed=True,
            setup=restricted(permissions=["View Account"]),
            status=401,
            error="out_of_scope",
        ),
        Row(
            "order_not_found",
            "GET",
            "/v1/order",
            (("uuid", "00000000-0000-4000-8000-000000000000"),),
            signed=True,
            status=404,
            error="order_not_found",
        ),
        Row(
            "order_not_found (cancel a done order)",
            "DELETE",
            "/v1/order",
            (("uuid", "{uuid}"),),
            signed=True,
            setup=done_order,
            status=404,
            error="order_not_found",
        ),
        Row(
            "withdraw_address_not_registered on demand",
            "GET",
            "/v1/accounts",
            signed=True,
            setup=fault("withdraw_address_not_registered"),
            status=400,
            error="withdraw_address_not_registered",
        ),
        Row("429 on demand", "GET", "/v1/market/all", setup=fault(status=429), status=429),
        Row("418 on demand", "GET", "/v1/market/all", setup=fault(status=418), status=418),
        Row("500 on demand", "GET", "/v1/market/all", setup=fault(status=500), status=500),
        Row("404 unknown path", "GET", "/v1/nope", status=404),
        Row("404 no withdrawal endpoint", "POST", "/v1/withdraws/coin", status=404),
        Row("404 no KRW withdrawal endpoint", "POST", "/v1/withdraws/krw", status=404),
        Row(
            "quotation unknown market",
            "GET",
            "/v1/trades/ticks",
            (("market", "KRW-NOPE"),),
            status=404,
            error=NOT_FOUND,
        ),
    )


def _ws_request(*items: dict[str, Any]) -> str:
    return json.dumps([{"ticket": "conformance"}, *items])


#: ``/websocket/v1``: each type, option and format, PING, and the documented errors.
WS_ROWS: tuple[Row, ...] = (
    Row("WS /websocket/v1", "WS", "/websocket/v1", status=101),
    *(
        Row(f"WS {label}", "WS", "/websocket/v1", status=101, send=(_ws_request(*items),))
        for label, items in (
            ("ticker", ({"type": "ticker", "codes": ["KRW-BTC"]},)),
            ("trade", ({"type": "trade", "codes": ["KRW-BTC"]},)),
            ("orderbook", ({"type": "orderbook", "codes": ["KRW-BTC"]},)),
            ("orderbook.5", ({"type": "orderbook", "codes": ["KRW-BTC.5"]},)),
            ("orderbook.1", ({"type": "orderbook", "codes": ["KRW-BTC.1"]},)),
            ("is_only_snapshot", ({"type": "ticker", "codes": ["KRW-BTC"], "is_only_snapshot": True},)),
            ("format DEFAULT", ({"type": "ticker", "codes": ["KRW-BTC"]}, {"format": "DEFAULT"})),
            ("format SIMPLE", ({"type": "ticker", "codes": ["KRW-BTC"]}, {"format": "SIMPLE"})),
            *(
                (kind, ({"type": kind, "codes": ["KRW-BTC"]},))
                for kind in (
                    "candle.1m",
                    "candle.3m",
                    "candle.5m",
                    "candle.10m",
                    "candle.15m",
                    "candle.30m",
                    "candle.60m",
                    "candle.240m",
                )
            ),
            # No second of a frozen market has a trade, so candle.1s has no snapshot: the
            # ticker's answers for the request, which would be an error if candle.1s were not.
            (
                "candle.1s",
                ({"type": "ticker", "codes": ["KRW-BTC"]}, {"type": "candle.1s", "codes": ["KRW-BTC"]}),
            ),
            ("format JSON_LIST", ({"type": "trade", "codes": ["KRW-BTC"]}, {"format": "JSON_LIST"})),
            (
                "format SIMPLE_LIST",
                ({"type": "orderbook", "codes": ["KRW-BTC.15"]}, {"format": "SIMPLE_LIST"}),
            ),
        )
    ),
    Row("WS PING", "WS", "/websocket/v1", status=101, send=("PING",)),
    Row("WS WRONG_FORMAT", "WS", "/websocket/v1", status=101, error="WRONG_FORMAT", send=("{nope",)),
    Row(
        "WS NO_TICKET",
        "WS",
        "/websocket/v1",
        status=101,
        error="NO_TICKET",
        send=(json.dumps([{"type": "ticker", "codes": ["KRW-BTC"]}]),),
    ),
    Row(
        "WS NO_TYPE",
        "WS",
        "/websocket/v1",
        status=101,
        error="NO_TYPE",
        send=(json.dumps([{"ticket": "t"}]),),
    ),
    Row(
        "WS NO_CODES",
        "WS",
        "/websocket/v1",
        status=101,
        error="NO_CODES",
        send=(_ws_request({"type": "ticker"}),),
    ),
    Row(
        "WS INVALID_PARAM lower-case code",
        "WS",
        "/websocket/v1",
        status=101,
        error="INVALID_PARAM",
        send=(_ws_request({"type": "ticker", "codes": ["krw-btc"]}),),
    ),
    Row(
        "WS INVALID_PARAM unit",
        "WS",
        "/websocket/v1",
        status=101,
        error="INVALID_PARAM",
        send=(_ws_request({"type": "orderbook", "codes": ["KRW-BTC.7"]}),),
    ),
    Row("WS plain GET is not an upgrade", "GET", "/websocket/v1", status=400),
)


def _rows() -> tuple[Row, ...]:
    out: list[Row] = []
    for ep in ENDPOINTS:
        out.extend(_generic(ep))
        out.extend(ep.extra)
    return tuple(out)


ERROR_ROWS: tuple[Row, ...] = _error_rows()
#: THE table: every Upbit row, in the order the suite sends them.
UPBIT_ROWS: tuple[Row, ...] = (*_rows(), *ERROR_ROWS, *WS_ROWS)
