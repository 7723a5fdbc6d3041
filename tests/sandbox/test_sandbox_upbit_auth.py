"""Upbit JWT authentication: spec vectors, HS256/HS512, query hashing, every rejection."""

from __future__ import annotations

import base64
import json

import pytest
from sbhelpers import UpbitClient, example, http, make_jwt, sha512_hex

from xtoolkit.sandbox import Sandbox


def test_default_account_uses_spec_vector_keys(box: Sandbox) -> None:
    vectors = example("upbit", "auth_test_vectors")
    assert box.keys["upbit"] == (vectors["access_key"], vectors["secret_key"])
    assert len(vectors["secret_key"].encode()) >= 32


@pytest.mark.parametrize("case", range(8))
def test_vectors_hash_and_sign_like_our_helpers(case: int) -> None:
    vectors = example("upbit", "auth_test_vectors")
    v = vectors["vectors"][case]
    payload = v["payload"]
    assert make_jwt(payload, vectors["secret_key"], "HS256") == v["jwt_hs256"]
    assert make_jwt(payload, vectors["secret_key"], "HS512") == v["jwt_hs512"]
    if v["hashed_query_string"] is not None:
        assert sha512_hex(v["hashed_query_string"]) == payload["query_hash"]


def test_spec_vector_token_is_accepted_once(fresh: Sandbox) -> None:
    vectors = example("upbit", "auth_test_vectors")
    token = vectors["vectors"][1]["jwt_hs256"]  # GET /v1/orders/chance?market=KRW-BTC
    url = f"{fresh.url}/v1/orders/chance?market=KRW-BTC"
    first = http("GET", url, headers={"Authorization": f"Bearer {token}"})
    assert first.status == 200, first.text
    again = http("GET", url, headers={"Authorization": f"Bearer {token}"})
    assert again.status == 401 and again.json() == example("upbit", "error_nonce_used")


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
def test_accepts_both_algorithms(upbit: UpbitClient, alg: str) -> None:
    r = upbit.private("GET", "/v1/accounts", alg=alg)
    assert r.status == 200, r.text
    r = upbit.private("GET", "/v1/orders/chance", {"market": "KRW-BTC"}, alg=alg)
    assert r.status == 200, r.text


def test_array_and_escaped_values_hash_unescaped(upbit: UpbitClient) -> None:
    r = upbit.private(
        "GET", "/v1/orders/open", [("market", "KRW-BTC"), ("states[]", "wait"), ("states[]", "watch")]
    )
    assert r.status == 200, r.text
    r = upbit.private(
        "GET",
        "/v1/orders/closed",
        [("market", "KRW-BTC"), ("start_time", "2026-11-20T13:56:53+09:00"), ("limit", 100)],
    )
    assert r.status == 200, r.text


def test_hash_over_escaped_query_is_rejected(upbit: UpbitClient) -> None:
    # pyupbit-style hashing of the *escaped* query (%3A, %2B kept) does not match.
    query = "market=KRW-BTC&start_time=2026-11-20T13%3A56%3A53%2B09%3A00"
    token = upbit.token(query)
    r = http("GET", f"{upbit.base}/v1/orders/closed?{query}", headers={"Authorization": f"Bearer {token}"})
    assert r.status == 401 and r.json() == example("upbit", "error_invalid_query_payload")


def test_query_hash_mismatch_and_missing(upbit: UpbitClient) -> None:
    r = upbit.private("GET", "/v1/orders/chance", {"market": "KRW-BTC"}, token=upbit.token("market=KRW-ETH"))
    assert r.status == 401 and r.json() == example("upbit", "error_invalid_query_payload")
    r = upbit.private("GET", "/v1/orders/chance", {"market": "KRW-BTC"}, token=upbit.token(None))
    assert r.status == 401 and r.json()["error"]["name"] == "invalid_query_payload"


def test_post_body_hash_in_field_order(upbit: UpbitClient, box: Sandbox) -> None:
    body = {"market": "KRW-BTC", "side": "bid", "volume": "0.0001", "price": "100000000", "ord_type": "limit"}
    ok = upbit.post("/v1/orders/test", body)
    assert ok.status == 201, ok.text
    reordered = "&".join(f"{k}={body[k]}" for k in sorted(body))
    bad = upbit.post("/v1/orders/test", body, token=upbit.token(reordered))
    assert bad.status == 401 and bad.json()["error"]["name"] == "invalid_query_payload"
    # JSON numbers are hashed as their text.
    raw = '{"market":"KRW-BTC","side":"bid","volume":0.0001,"price":100000000,"ord_type":"limit"}'
    token = upbit.token("market=KRW-BTC&side=bid&volume=0.0001&price=100000000&ord_type=limit")
    r = http(
        "POST",
        f"{upbit.base}/v1/orders/test",
        body=raw.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert r.status == 201, r.text


def test_bad_signature_garbage_and_missing_token(upbit: UpbitClient) -> None:
    r = upbit.private("GET", "/v1/accounts", secret="s" * 40)
    assert r.status == 401 and r.json() == example("upbit", "error_jwt_verification")
    for auth in ("Bearer not-a-jwt", "Basic abc", ""):
        r = http("GET", f"{upbit.base}/v1/accounts", headers={"Authorization": auth} if auth else {})
        assert r.status == 401 and r.json()["error"]["name"] == "jwt_verification"
    # alg "none" (unsigned) tokens are refused.
    none_header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    )
    unsigned = none_header + "." + upbit.token(None).split(".")[1] + "."
    r = http("GET", f"{upbit.base}/v1/accounts", headers={"Authorization": f"Bearer {unsigned}"})
    assert r.json()["error"]["name"] == "jwt_verification"


def test_unknown_access_key(upbit: UpbitClient) -> None:
    r = upbit.private("GET", "/v1/accounts", access="unknown-access-key-0000000000000000")
    assert r.status == 401 and r.json() == example("upbit", "error_invalid_access_key")


def test_nonce_reuse(upbit: UpbitClient) -> None:
    token = upbit.token(None, nonce="fixed-nonce-for-test")
    assert upbit.private("GET", "/v1/accounts", token=token).status == 200
    r = upbit.private("GET", "/v1/accounts", token=token)
    assert r.status == 401 and r.json() == example("upbit", "error_nonce_used")
