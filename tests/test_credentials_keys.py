"""Binance Ed25519 and RSA API keys: loading (PEM text, escaped text, path, .env, passphrase),
the spec's signature vectors byte for byte, and requests signed as the venue checks them."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import pytest
from spec_examples import example

import xtoolkit as xt
from xtoolkit import Credentials
from xtoolkit._credentials import load_credentials
from xtoolkit.exchanges import binance
from xtoolkit.exchanges._spec import Call

VECTORS = example("binance", "auth_key_pair_vectors")
KEYS = VECTORS["key_pair_keys"]
PAIR_VECTORS = VECTORS["key_pair_vectors"]


def _creds(kind: str) -> Credentials:
    return Credentials(KEYS[kind]["apiKey"], private_key=KEYS[kind]["private_key_pem_pkcs8"])


def test_the_vector_file_keeps_the_hmac_vectors_unchanged() -> None:
    # Code that loops over `vectors` with the HMAC secret keeps working (spec §12.4).
    old = example("binance", "auth_test_vectors")
    assert [v["signature"] for v in VECTORS["vectors"]] == [v["signature"] for v in old["vectors"]]
    assert {v["type"] for v in VECTORS["vectors"]} == {"hmac"}
    for v in VECTORS["vectors"]:
        assert binance.sign(VECTORS["secretKey"], v["query"], v["body"]) == v["signature"]


@pytest.mark.parametrize("vector", PAIR_VECTORS, ids=lambda v: f"{v['type']}-{v['name'][:24]}")
def test_key_pair_vectors_byte_for_byte(vector: dict) -> None:
    creds = _creds(vector["type"])
    assert creds.key_type == vector["type"]
    assert vector["query"] + vector["body"] == vector["signed_payload"]
    b64 = binance.signing.sign_key_pair(creds, vector["query"], vector["body"])
    assert b64 == vector["signature_base64"]
    assert len(b64) == (88 if vector["type"] == "ed25519" else 344)
    sent = binance.signature(creds, vector["query"], vector["body"])
    assert sent == vector["signature_percent_encoded"]
    assert "+" not in sent and "/" not in sent and "=" not in sent
    assert unquote(sent) == b64


@pytest.mark.parametrize("vector", [v for v in PAIR_VECTORS if not v["body"]], ids=lambda v: v["type"])
def test_build_sends_the_vector_query_with_the_signature_last(vector: dict) -> None:
    creds = _creds(vector["type"])
    pairs = parse_qsl(vector["query"], keep_blank_values=True)
    params = {k: v for k, v in pairs if k not in ("timestamp", "recvWindow")}
    adapter = binance.BinanceAdapter(recv_window_ms=5000)
    req = adapter.build(Call("order_new", params), creds, now_ms=0, nonce="")
    # The adapter puts recvWindow before timestamp; the vector has them the other way round,
    # so check the signature over what the adapter sent, and the vector's exact text too.
    head, _, sig = req.query.rpartition("&signature=")
    assert sig == binance.signature(creds, head)
    assert base64.b64decode(unquote(sig))
    assert req.headers == {"X-MBX-APIKEY": KEYS[vector["type"]]["apiKey"]}
    assert vector["request_query_as_sent"] == (
        vector["query"] + "&signature=" + binance.signature(creds, vector["query"])
    )


def test_signatures_verify_with_the_public_key() -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    payload = b"symbol=BTCUSDT&timestamp=1"
    for kind in ("ed25519", "rsa"):
        pub = serialization.load_pem_public_key(KEYS[kind]["public_key_pem_spki"].encode())
        sig = base64.b64decode(binance.signing.sign_key_pair(_creds(kind), payload.decode()))
        if kind == "ed25519":
            pub.verify(sig, payload)  # type: ignore[call-arg, union-attr]
        else:
            pub.verify(sig, payload, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[call-arg, union-attr]


def test_private_key_from_escaped_text_from_a_path_and_from_dotenv(tmp_path: Path) -> None:
    pem = KEYS["ed25519"]["private_key_pem_pkcs8"]
    want = binance.signature(_creds("ed25519"), "a=1")
    escaped = pem.strip().replace("\n", "\\n")
    assert binance.signature(Credentials("k", private_key=escaped), "a=1") == want
    path = tmp_path / "binance-ed25519.pem"
    path.write_text(pem)
    assert binance.signature(Credentials("k", private_key=str(path)), "a=1") == want
    env = tmp_path / ".env"
    env.write_text(f'BINANCE_API_KEY=k-from-file\nBINANCE_PRIVATE_KEY="{pem.strip()}"\n')
    found = Credentials.from_env("binance", env={}, env_file=env)
    assert found is not None and found.key == "k-from-file" and found.key_type == "ed25519"
    assert binance.signature(found, "a=1") == want
    by_path = Credentials.from_env("binance", env={"BINANCE_API_KEY": "k", "BINANCE_PRIVATE_KEY": str(path)})
    assert by_path is not None and binance.signature(by_path, "a=1") == want


def test_encrypted_pem_needs_its_passphrase(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(KEYS["rsa"]["private_key_pem_pkcs8"].encode(), None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"open sesame"),
    ).decode()
    env = {"BINANCE_API_KEY": "k", "BINANCE_PRIVATE_KEY": encrypted}
    with pytest.raises(xt.InvalidArgument, match="needs its passphrase"):
        Credentials.from_env("binance", env=env)
    with pytest.raises(xt.InvalidArgument, match="wrong passphrase"):
        Credentials.from_env("binance", env={**env, "BINANCE_PRIVATE_KEY_PASSPHRASE": "nope"})
    ok = Credentials.from_env("binance", env={**env, "BINANCE_PRIVATE_KEY_PASSPHRASE": "open sesame"})
    assert ok is not None and ok.key_type == "rsa"
    assert binance.signature(ok, "a=1") == binance.signature(_creds("rsa"), "a=1")


def test_ambiguous_or_incomplete_environments_are_refused() -> None:
    pem = KEYS["ed25519"]["private_key_pem_pkcs8"]
    with pytest.raises(ValueError, match="BINANCE_API_SECRET.*BINANCE_PRIVATE_KEY"):
        Credentials.from_env(
            "binance", env={"BINANCE_API_KEY": "k", "BINANCE_API_SECRET": "s", "BINANCE_PRIVATE_KEY": pem}
        )
    with pytest.raises(ValueError, match="BINANCE_API_KEY is not set"):
        Credentials.from_env("binance", env={"BINANCE_PRIVATE_KEY": pem})
    with pytest.raises(ValueError, match="BINANCE_API_SECRET or BINANCE_PRIVATE_KEY is not set"):
        Credentials.from_env("binance", env={"BINANCE_API_KEY": "k"})
    assert Credentials.from_env("binance", env={}) is None
    hmac = Credentials.from_env("binance", env={"BINANCE_API_KEY": "k", "BINANCE_API_SECRET": "s"})
    assert hmac is not None and hmac.key_type == "hmac" and not hmac.is_key_pair


@pytest.mark.parametrize(
    "bad",
    ["not a key at all", "/no/such/file.pem", KEYS["ed25519"]["public_key_pem_spki"]],
    ids=["text", "missing-path", "public-key"],
)
def test_bad_private_keys_are_typed_errors_that_echo_nothing(bad: str) -> None:
    with pytest.raises(xt.InvalidArgument) as info:
        Credentials("k", private_key=bad)
    assert bad.strip()[:20] not in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_small_rsa_keys_and_other_algorithms_are_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def pem(key: object) -> str:
        return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    with pytest.raises(xt.InvalidArgument, match="1024-bit RSA"):
        Credentials("k", private_key=pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)))
    with pytest.raises(xt.InvalidArgument, match="not an Ed25519 or RSA"):
        Credentials("k", private_key=pem(ec.generate_private_key(ec.SECP256R1())))


def test_upbit_refuses_a_key_pair_and_explicit_mappings_work() -> None:
    pem = KEYS["ed25519"]["private_key_pem_pkcs8"]
    with pytest.raises(xt.InvalidArgument, match="upbit takes hmac keys, not ed25519"):
        load_credentials({"upbit": {"key": "k", "private_key": pem}}, ["upbit"], use_env=False)
    got = load_credentials({"binance": {"key": "k", "private_key": pem}}, ["binance"], use_env=False)
    assert got["binance"].key_type == "ed25519"
    with xt.Client(exchanges=["binance"], credentials={"binance": {"key": "k", "private_key": pem}},
                   use_env=False) as client:
        assert client.has_credentials("binance")
        assert "ed25519" in repr(client.venue("binance").credentials)


def test_equality_compares_public_keys_not_objects() -> None:
    assert _creds("ed25519") == _creds("ed25519")
    assert _creds("ed25519") != _creds("rsa")
    assert Credentials("k", "s") == Credentials("k", "s") != Credentials("k", "t")
    with pytest.raises(AttributeError):
        _creds("ed25519").key = "other"  # type: ignore[misc]
