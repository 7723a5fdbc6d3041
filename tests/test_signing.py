"""Signing exactly as the venues check it: every vector from the spec passes."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qsl

import jwt
import pytest
from spec_examples import example

from xtoolkit import Credentials
from xtoolkit.exchanges import binance, upbit
from xtoolkit.exchanges._orders import OrderSpec
from xtoolkit.exchanges._spec import Call

BINANCE = example("binance", "auth_test_vectors")
UPBIT = example("upbit", "auth_test_vectors")


@pytest.mark.parametrize("vector", BINANCE["vectors"], ids=lambda v: v["name"][:30])
def test_binance_hmac_vectors(vector: dict) -> None:
    assert vector["query"] + vector["body"] == vector["signed_payload"]
    assert binance.sign(BINANCE["secretKey"], vector["query"], vector["body"]) == vector["signature"]


def test_binance_encoding_matches_vector_for_non_ascii_symbol() -> None:
    pairs = [
        ("symbol", "１２３４５６"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
        ("recvWindow", "5000"),
        ("timestamp", "1499827319559"),
    ]
    assert binance.encode(pairs) == BINANCE["vectors"][1]["query"]


def test_binance_build_signs_the_exact_query_and_appends_signature_last() -> None:
    creds = Credentials(BINANCE["apiKey"], BINANCE["secretKey"])
    adapter = binance.BinanceAdapter(recv_window_ms=5000)
    call = Call(
        "order_new",
        {
            "symbol": "LTCBTC",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "1",
            "price": "0.1",
        },
    )
    req = adapter.build(call, creds, now_ms=1499827319559, nonce="unused")
    assert (
        req.query
        == BINANCE["vectors"][0]["signed_payload"] + "&signature=" + BINANCE["vectors"][0]["signature"]
    )
    assert req.headers == {"X-MBX-APIKEY": BINANCE["apiKey"]}
    assert req.method == "POST" and req.path == "/api/v3/order" and req.body is None


def test_binance_symbols_array_is_a_json_literal() -> None:
    req = binance.BinanceAdapter().build(
        Call("ticker_24hr", {"symbols": ["BTCUSDT", "ETHUSDT"]}), None, now_ms=0, nonce=""
    )
    assert req.query == "symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D"
    assert dict(parse_qsl(req.query))["symbols"] == '["BTCUSDT","ETHUSDT"]'


def test_binance_decimals_never_use_exponents() -> None:
    from decimal import Decimal

    spec = OrderSpec(
        native="BTCUSDT",
        side="buy",
        type="limit",
        client_order_id="x1",
        qty=Decimal("0.00001"),
        price=Decimal("9.1E+4"),
    )
    call = binance.BinanceAdapter().place_call(spec)
    req = binance.BinanceAdapter().build(call, Credentials("k" * 64, "s" * 64), now_ms=1, nonce="")
    assert "quantity=0.00001&price=91000&" in req.query
    assert "e-" not in req.query.lower().split("signature")[0]


UPBIT_CREDS = Credentials(UPBIT["access_key"], UPBIT["secret_key"])


def _upbit_call(vector: dict) -> tuple[str, Call]:
    case = vector["case"]
    method, path = case.split(" ")[0], case.split(" ")[1]
    by_path = {
        ("GET", "/v1/accounts"): "accounts",
        ("GET", "/v1/orders/chance"): "chance",
        ("GET", "/v1/order"): "order_get",
        ("GET", "/v1/orders/open"): "orders_open",
        ("GET", "/v1/orders/uuids"): "orders_uuids",
        ("GET", "/v1/orders/closed"): "orders_closed",
        ("POST", "/v1/orders"): "order_new",
        ("DELETE", "/v1/order"): "order_cancel",
    }
    return method, Call(by_path[(method, path)], vector["params"] or {})


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("vector", UPBIT["vectors"], ids=lambda v: v["case"][:40])
def test_upbit_jwt_vectors(vector: dict) -> None:
    method, call = _upbit_call(vector)
    params = vector["params"] or {}
    if method == "POST":
        hashed = "&".join(f"{k}={v}" for k, v in params.items())
    else:
        encoded, hashed = upbit.query_strings(params)
        assert encoded == (vector["url_query_as_sent_by_sdk"] or "")
    assert (hashed or None) == vector["hashed_query_string"]
    for alg in ("HS256", "HS512"):
        token = upbit.jwt_token(UPBIT_CREDS, UPBIT["nonce"], hashed or None, algorithm=alg)
        assert token == vector[f"jwt_{alg.lower()}"]
    # The adapter builds the same token and sends exactly what was hashed.
    req = upbit.UpbitAdapter().build(call, UPBIT_CREDS, now_ms=0, nonce=UPBIT["nonce"])
    assert req.headers["Authorization"] == "Bearer " + vector["jwt_hs256"]
    if method == "POST":
        assert req.body.decode() == vector["json_body_as_sent"]
        assert req.query == ""
    else:
        assert req.query == (vector["url_query_as_sent_by_sdk"] or "")
        claims = jwt.decode(vector["jwt_hs256"], UPBIT["secret_key"], algorithms=["HS256"])
        if hashed:
            assert claims["query_hash"] == hashlib.sha512(hashed.encode()).hexdigest()


def test_upbit_post_body_keeps_field_order_and_string_decimals() -> None:
    from decimal import Decimal

    spec = OrderSpec(
        native="KRW-BTC",
        side="buy",
        type="market",
        client_order_id="my-order-0001",
        quote_qty=Decimal("5000"),
    )
    call = upbit.UpbitAdapter().place_call(spec)
    req = upbit.UpbitAdapter().build(call, UPBIT_CREDS, now_ms=0, nonce=UPBIT["nonce"])
    body = json.loads(req.body)
    assert list(body) == ["market", "side", "price", "ord_type", "identifier"]
    assert body == UPBIT["vectors"][-2]["params"]
    assert req.headers["Authorization"] == "Bearer " + UPBIT["vectors"][-2]["jwt_hs256"]


def test_upbit_public_calls_carry_no_authorization() -> None:
    req = upbit.UpbitAdapter().build(
        Call("ticker", {"markets": "KRW-BTC,KRW-ETH"}), None, now_ms=0, nonce="n"
    )
    assert "Authorization" not in req.headers
    assert req.query == "markets=KRW-BTC%2CKRW-ETH"


# The two full tokens printed in the spec's section 5.1 (also in the JSON vectors): the
# hand-built JWT must reproduce them exactly.
SPEC_TOKEN_NO_PARAMS = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3Nfa2V5IjoiYWstdGVzdC0wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw"
    "MDAwMDAwMDAwIiwibm9uY2UiOiI2ZjVjM2YwZS04YTJiLTRjMWQtOWU3Zi0wMTIzNDU2Nzg5YWIifQ.KVPBwlpSRPvWpjgW-2QOG"
    "PR2aULh98Edyi9sBemy8vA"
)
SPEC_TOKEN_MARKET = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3Nfa2V5IjoiYWstdGVzdC0wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw"
    "MDAwMDAwMDAwIiwibm9uY2UiOiI2ZjVjM2YwZS04YTJiLTRjMWQtOWU3Zi0wMTIzNDU2Nzg5YWIiLCJxdWVyeV9oYXNoIjoiYjc0"
    "OWRmYzJlMTdmNzVlNWI0NmM4MTYxZjk3ZmU3YzkyOThlZDQxNjdlYTIxYzVjOTRkMTY1NzNlZmQ4YTgwMTM1MTQ3MGMwZmYxYTlh"
    "M2YxZTc2M2Y4MjQ5OTY4MjE4YzA0YzU3MWM4YjQ1YWE4MGNkNDU4OGU2YzRiZTA3MzgiLCJxdWVyeV9oYXNoX2FsZyI6IlNIQTUx"
    "MiJ9.mQd7jVihlSQhnaEcVMKj0eZk-AY6b9cxxyWAqhS9rhQ"
)


def test_upbit_hand_built_jwt_matches_the_spec_tokens() -> None:
    assert upbit.jwt_token(UPBIT_CREDS, UPBIT["nonce"], None) == SPEC_TOKEN_NO_PARAMS
    assert upbit.jwt_token(UPBIT_CREDS, UPBIT["nonce"], "market=KRW-BTC") == SPEC_TOKEN_MARKET


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
@pytest.mark.parametrize(
    ("key", "secret", "hashed"),
    [
        ("ak", "s", None),
        ("A" * 40, "B" * 40, "market=KRW-BTC&states[]=wait&states[]=watch"),
        ("key/with+odd=chars", "secret\u00e9\u4e2d", "start_time=2025-06-24T13:56:53+09:00"),
        ("k\u00fc", "x" * 100, "identifier=\u00fc\u00df&price=1"),
    ],
)
def test_upbit_hand_built_jwt_is_pyjwt_byte_for_byte(
    key: str, secret: str, hashed: str | None, algorithm: str
) -> None:
    import uuid

    nonce = str(uuid.UUID(int=0x1234_5678_9ABC_4DEF_8123_456789ABCDEF))
    claims = {"access_key": key, "nonce": nonce}
    if hashed:
        claims |= {"query_hash": hashlib.sha512(hashed.encode()).hexdigest(), "query_hash_alg": "SHA512"}
    expected = jwt.encode(claims, secret, algorithm=algorithm)
    assert upbit.jwt_token(Credentials(key, secret), nonce, hashed, algorithm=algorithm) == expected


def test_upbit_jwt_refuses_an_unknown_algorithm() -> None:
    with pytest.raises(ValueError, match="HS256 or HS512"):
        upbit.jwt_token(UPBIT_CREDS, "n", None, algorithm="none")
