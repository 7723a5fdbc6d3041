"""All three Binance API-key types on one server (issue 14, item 7; spec §12).

The spec's self-generated Ed25519 and RSA vectors verify against the sandbox byte for byte,
and accounts registered with a public key sign live requests; HMAC accounts keep working.
"""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from sbhelpers import BinanceClient, example, http

from xtoolkit.sandbox import Sandbox
from xtoolkit.sandbox.auth import signed_payload
from xtoolkit.sandbox.binance_keys import load_public_key

pytest.importorskip("cryptography")
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

VECTORS: dict[str, Any] = example("binance", "auth_test_vectors")
#: The vectors' timestamps: a sandbox pinned just after them accepts their recvWindow.
VECTOR_TIMES = sorted(
    {int(v["signed_payload"].split("timestamp=")[1][:13]) for v in VECTORS["key_pair_vectors"]}
)


def _private(kind: str) -> Any:
    pem = VECTORS["key_pair_keys"][kind]["private_key_pem_pkcs8"].encode()
    return serialization.load_pem_private_key(pem, password=None)


def _public(kind: str) -> str:
    return str(VECTORS["key_pair_keys"][kind]["public_key_pem_spki"])


def sign(key: Any, payload: str) -> str:
    """Binance's key-pair signature: base64 of the raw signature, percent-encoded."""
    raw = (
        key.sign(payload.encode())
        if isinstance(key, ed25519.Ed25519PrivateKey)
        else key.sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())
    )
    return quote(base64.b64encode(raw).decode(), safe="")


@pytest.mark.parametrize("i", range(len(VECTORS["key_pair_vectors"])))
def test_key_pair_vectors_verify(i: int) -> None:
    v = VECTORS["key_pair_vectors"][i]
    payload, sent = signed_payload(v["request_query_as_sent"], v["request_body_as_sent"])
    assert payload == v["signed_payload"]
    assert sent == v["signature_percent_encoded"]
    key = load_public_key(_public(v["type"]))
    assert key.verify(payload, v["signature_base64"])
    assert not key.verify(payload + "0", v["signature_base64"])
    # Re-signing reproduces the vector: both schemes are deterministic.
    assert sign(_private(v["type"]), payload) == v["signature_percent_encoded"]


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_the_vector_requests_pass_authentication_on_a_pinned_sandbox(kind: str) -> None:
    for ts in VECTOR_TIMES:
        with Sandbox(seed=7, freeze=True, now=ts + 1000) as box:
            api_key = box.add_key_pair_account({"USDT": "1000", "BTC": "1"}, _public(kind))
            for v in (
                v
                for v in VECTORS["key_pair_vectors"]
                if v["type"] == kind and str(ts) in v["query"] + v["body"]
            ):
                headers = {"X-MBX-APIKEY": api_key}
                body = None
                if v["request_body_as_sent"]:
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                    body = v["request_body_as_sent"].encode()
                r = http(
                    "POST",
                    f"{box.url}/api/v3/order/test?{v['request_query_as_sent']}",
                    headers=headers,
                    body=body,
                )
                # Authenticated: what is left are the order's own errors (a toy price, a
                # symbol the sandbox does not list), never -1022/-1021.
                assert r.json()["code"] in (-1013, -1121), (v["name"], r.text)


def _signed(box: Sandbox, api_key: str, key: Any, params: dict[str, str], *, encode: bool = True) -> Any:
    query = urlencode({**params, "timestamp": int(time.time() * 1000)})
    sig = sign(key, query)
    if not encode:
        sig = base64.b64encode(
            key.sign(query.encode())
            if isinstance(key, ed25519.Ed25519PrivateKey)
            else key.sign(query.encode(), padding.PKCS1v15(), hashes.SHA256())
        ).decode()
    return http("GET", f"{box.url}/api/v3/account?{query}&signature={sig}", headers={"X-MBX-APIKEY": api_key})


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_key_pair_accounts_sign_live_requests(fresh: Sandbox, kind: str) -> None:
    api_key = fresh.add_key_pair_account({"USDT": "123"}, _public(kind))
    assert len(api_key) == 64 and api_key.isalnum()
    r = _signed(fresh, api_key, _private(kind), {})
    assert r.status == 200, r.text
    assert {b["asset"]: b["free"] for b in r.json()["balances"]}["USDT"] == "123.00000000"
    # A signature by another key, and a tampered one, are -1022.
    other = (
        ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else rsa.generate_private_key(65537, 2048)
    )
    assert _signed(fresh, api_key, other, {}).json() == example("binance", "error_-1022")


def test_an_unencoded_base64_signature_fails(fresh: Sandbox) -> None:
    api_key = fresh.add_key_pair_account({"USDT": "1"}, _public("ed25519"))
    key = _private("ed25519")
    for _ in range(20):  # until the base64 text carries a '+' (turned into a space by form decoding)
        r = _signed(fresh, api_key, key, {"omitZeroBalances": "true"}, encode=False)
        if r.status != 200:
            break
        time.sleep(0.002)
    assert r.json() == example("binance", "error_-1022")


def test_hmac_and_key_pairs_side_by_side(fresh: Sandbox) -> None:
    ed = fresh.add_key_pair_account({"ETH": "1"}, _public("ed25519"))
    rs = fresh.add_key_pair_account({"BTC": "1"}, _public("rsa"))
    hmac_client = BinanceClient(fresh.url, *fresh.keys["binance"])
    assert hmac_client.signed("GET", "/api/v3/account").status == 200
    assert _signed(fresh, ed, _private("ed25519"), {}).status == 200
    assert _signed(fresh, rs, _private("rsa"), {}).status == 200
    # The key decides the scheme: an Ed25519 signature on the RSA key fails.
    assert _signed(fresh, rs, _private("ed25519"), {}).json()["code"] == -1022


def test_registration_refuses_what_binance_refuses(fresh: Sandbox) -> None:
    small = rsa.generate_private_key(65537, 1024).public_key()
    pem = small.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError, match="2048 or 4096"):
        fresh.add_key_pair_account({}, pem)
    with pytest.raises(ValueError, match="PEM public key"):
        fresh.add_key_pair_account({}, "not a key")
    with pytest.raises(ValueError, match="64 letters"):
        fresh.add_key_pair_account({}, _public("ed25519"), api_key="short")
