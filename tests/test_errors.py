"""Every error code and name in the spec maps to a specific class carrying the venue's reply."""

from __future__ import annotations

import pickle
import time

import pytest
from spec_examples import DATA, example

import xtoolkit as xt
from xtoolkit import _errors as E
from xtoolkit.exchanges.binance import ENDPOINTS as B_ENDPOINTS
from xtoolkit.exchanges.binance import ERRORS as B_ERRORS
from xtoolkit.exchanges.binance import BinanceAdapter
from xtoolkit.exchanges.upbit import ENDPOINTS as U_ENDPOINTS
from xtoolkit.exchanges.upbit import ERRORS as U_ERRORS
from xtoolkit.exchanges.upbit import UpbitAdapter

B, U = BinanceAdapter(), UpbitAdapter()
ORDER_B, ORDER_U = B_ENDPOINTS["order_new"], U_ENDPOINTS["order_new"]

#: Every Binance code the spec lists (§6 and the appendix) -> the class it must become.
BINANCE_CODES = {
    -1000: E.UnknownExchangeError,
    -1003: E.RateLimited,
    -1006: E.ExchangeUnavailable,
    -1007: E.ExchangeUnavailable,
    -1008: E.ExchangeUnavailable,
    -1013: E.InvalidOrder,
    -1015: E.TooManyOrders,
    -1021: E.InvalidTimestamp,
    -1022: E.InvalidSignature,
    -1100: E.BadRequest,
    -1101: E.BadRequest,
    -1102: E.BadRequest,
    -1104: E.BadRequest,
    -1106: E.BadRequest,
    -1111: E.BadRequest,
    -1114: E.BadRequest,
    -1115: E.BadRequest,
    -1116: E.BadRequest,
    -1117: E.BadRequest,
    -1120: E.BadInterval,
    -1121: E.BadSymbol,
    -1125: E.BadRequest,
    -1127: E.BadRequest,
    -1131: E.BadRequest,
    -2008: E.InvalidApiKey,
    -2010: E.OrderRejected,
    -2011: E.CancelRejected,
    -2013: E.OrderNotFound,
    -2014: E.InvalidApiKey,
    -2015: E.InvalidApiKey,
    -2026: E.OrderArchived,
}

UPBIT_NAMES = {
    "create_bid_error": E.InvalidOrder,
    "create_ask_error": E.InvalidOrder,
    "insufficient_funds_bid": E.InsufficientFunds,
    "insufficient_funds_ask": E.InsufficientFunds,
    "under_min_total_bid": E.MinNotional,
    "under_min_total_ask": E.MinNotional,
    "invalid_price_bid": E.InvalidPrice,
    "invalid_price_ask": E.InvalidPrice,
    "validation_error": E.BadRequest,
    "withdraw_address_not_registered": E.PermissionDenied,
    "withdraw_address_not_registerd": E.PermissionDenied,
    "invalid_query_payload": E.InvalidSignature,
    "jwt_verification": E.InvalidSignature,
    "expired_access_key": E.InvalidApiKey,
    "nonce_used": E.NonceReused,
    "no_authorization_i_p": E.PermissionDenied,
    "invalid_access_key": E.InvalidApiKey,
    "out_of_scope": E.PermissionDenied,
    "order_not_found": E.OrderNotFound,
    "market_offline": E.OrderRejected,
}


@pytest.mark.parametrize("code,cls", sorted(BINANCE_CODES.items()))
def test_binance_code_map(code: int, cls: type) -> None:
    assert B_ERRORS[code] is cls
    status = 429 if code == -1003 else 500 if code in (-1006, -1007, -1008) else 400
    err = B.error(status, {"code": code, "msg": "some message"}, ORDER_B, {})
    assert type(err) is cls
    assert (err.exchange, err.status, err.code, err.payload) == (
        "binance",
        status,
        code,
        {"code": code, "msg": "some message"},
    )


@pytest.mark.parametrize("path", sorted((DATA / "binance").glob("error_*.json")), ids=lambda p: p.stem)
def test_binance_error_examples(path) -> None:  # type: ignore[no-untyped-def]
    payload = example("binance", path.stem)
    code = payload["code"]
    status = 429 if code == -1003 else 401 if code in (-2014, -2015) else 400
    err = B.error(status, payload, ORDER_B, {"Retry-After": "7"} if status == 429 else {})
    assert isinstance(err, BINANCE_CODES[code])
    assert err.message == payload["msg"] and err.payload == payload
    if status == 429:
        assert err.retry_after == 7


@pytest.mark.parametrize(
    "name,cls",
    [
        ("error_-1013_price_filter", E.InvalidPrice),
        ("error_-1013_notional", E.MinNotional),
        ("error_-1013", E.InvalidOrder),
    ],
)
def test_binance_filter_failures_are_specific(name: str, cls: type) -> None:
    err = B.error(400, example("binance", name), ORDER_B, {})
    assert isinstance(err, cls) and isinstance(err, E.InvalidOrder)


def test_binance_lot_size_and_reject_messages() -> None:
    assert (
        type(B.error(400, {"code": -1013, "msg": "Filter failure: LOT_SIZE"}, ORDER_B, {}))
        is E.InvalidQuantity
    )
    insufficient = {"code": -2010, "msg": "Account has insufficient balance for requested action."}
    assert type(B.error(400, insufficient, ORDER_B, {})) is E.InsufficientFunds
    assert (
        type(B.error(400, {"code": -2010, "msg": "Duplicate order sent."}, ORDER_B, {})) is E.DuplicateOrder
    )


def test_binance_status_only_errors() -> None:
    until = int(time.time() * 1000) + 60_000
    banned = B.error(
        418,
        {"code": -1003, "msg": f"Way too much request weight used; IP banned until {until}."},
        ORDER_B,
        {},
    )
    assert isinstance(banned, E.IpBanned) and banned.until == pytest.approx(until / 1000)
    assert isinstance(B.error(418, "", ORDER_B, {"Retry-After": "30"}), E.IpBanned)
    assert isinstance(B.error(504, "Gateway Timeout", ORDER_B, {}), E.ExchangeUnavailable)
    assert isinstance(B.error(403, "<html>WAF</html>", ORDER_B, {}), E.PermissionDenied)
    assert isinstance(B.error(400, {"code": -9999, "msg": "new"}, ORDER_B, {}), E.UnknownExchangeError)


@pytest.mark.parametrize("name,cls", sorted(UPBIT_NAMES.items()))
def test_upbit_name_map(name: str, cls: type) -> None:
    assert U_ERRORS[name] is cls
    payload = {"error": {"name": name, "message": "메시지"}}
    err = U.error(400, payload, ORDER_U, {})
    assert type(err) is cls and err.code == name and err.message == "메시지" and err.exchange == "upbit"


@pytest.mark.parametrize("path", sorted((DATA / "upbit").glob("error_*.json")), ids=lambda p: p.stem)
def test_upbit_error_examples(path) -> None:  # type: ignore[no-untyped-def]
    payload = example("upbit", path.stem)
    name = payload["error"]["name"]
    status = (
        404
        if name == "order_not_found"
        else 401
        if name
        in (
            "invalid_query_payload",
            "jwt_verification",
            "expired_access_key",
            "nonce_used",
            "no_authorization_i_p",
            "invalid_access_key",
            "out_of_scope",
        )
        else 400
    )
    err = U.error(status, payload, ORDER_U, {})
    assert isinstance(err, UPBIT_NAMES[name]) and err.payload == payload and err.status == status


def test_upbit_rate_limits_and_outages() -> None:
    limited = U.error(429, "Too many API requests.", U_ENDPOINTS["ticker"], {})
    assert isinstance(limited, E.RateLimited) and limited.message == "Too many API requests."
    banned = U.error(418, "", U_ENDPOINTS["ticker"], {"Retry-After": "10"})
    assert isinstance(banned, E.IpBanned) and banned.until == pytest.approx(time.time() + 10, abs=2)
    assert isinstance(U.error(500, "", U_ENDPOINTS["ticker"], {}), E.ExchangeUnavailable)
    missing = U.error(404, {"error": {"name": 404, "message": "Code not found"}}, U_ENDPOINTS["ticker"], {})
    assert isinstance(missing, E.BadSymbol)
    bad = U.error(
        400, {"error": {"name": 400, "message": "Missing request parameter"}}, U_ENDPOINTS["ticker"], {}
    )
    assert type(bad) is E.BadRequest


def test_error_tree_kinds() -> None:
    assert issubclass(E.OrderStatusUnknown, E.TransportError)
    assert issubclass(E.IpBanned, E.TransportError) and issubclass(E.RateLimited, E.TransportError)
    assert issubclass(E.UnknownMarket, E.GuardError) and issubclass(E.UnknownMarket, ValueError)
    assert issubclass(E.InvalidArgument, ValueError)
    for cls in set(BINANCE_CODES.values()) | set(UPBIT_NAMES.values()):
        assert issubclass(cls, E.ExchangeError | E.TransportError)


def test_errors_survive_pickling_with_their_fields() -> None:
    err = xt.OrderStatusUnknown(
        "lost", client_order_id="c-1", exchange="upbit", status=None, code=None, payload={"x": 1}
    )
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is xt.OrderStatusUnknown and back.client_order_id == "c-1" and back.payload == {"x": 1}
    assert str(back) == str(err)
