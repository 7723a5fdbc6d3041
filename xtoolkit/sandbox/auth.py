"""Request authentication exactly as the venues check it.

Binance: HMAC-SHA256 (hex), Ed25519 or RSA (base64, percent-encoded; spec §12) over the raw
query string without its ``signature`` pair, immediately followed by the raw form body
without its ``signature`` pair (spec §4 recipe), plus the ``timestamp``/``recvWindow`` window
against the (possibly skewed) server clock. The key type is the account's: one server
accepts all three.

Upbit: ``Authorization: Bearer <JWT>`` signed HS256 or HS512 with the secret key; the signature
is verified over the received ``header.payload`` bytes (PyJWT never re-serialises), the nonce
must be new, and ``query_hash`` must be the SHA-512 of the un-escaped query actually received
(or of the JSON body's fields in order, arrays as ``key[]=value``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import warnings
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import unquote, unquote_plus, urlencode

import jwt

from xtoolkit.sandbox.accounts import Account, AccountBook
from xtoolkit.sandbox.binance_params import LEGAL_RANGES, MICROS_FROM
from xtoolkit.sandbox.errors import binance_error, upbit_error

__all__ = [
    "BINANCE_KEY_RE",
    "NonceRegistry",
    "binance_authenticate",
    "binance_sign",
    "signed_payload",
    "upbit_authenticate",
    "upbit_body_hash_inputs",
    "upbit_query_hash_inputs",
]

#: Binance API keys are 64 letters/digits; anything else is "API-key format invalid" (-2014).
BINANCE_KEY_RE = re.compile(r"^[A-Za-z0-9]{64}$")
#: Nonces remembered per access key (bounded so a long-running sandbox stays small).
NONCE_MEMORY = 100_000
#: JWT algorithms Upbit accepts.
UPBIT_ALGORITHMS = ("HS256", "HS512")


def binance_sign(secret: str, payload: str) -> str:
    """Lower-case hex HMAC-SHA256 of ``payload`` with ``secret``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _strip_signature(raw: str) -> tuple[str, str | None]:
    if not raw:
        return "", None
    kept, sig = [], None
    for pair in raw.split("&"):
        if pair.split("=", 1)[0] == "signature":
            sig = pair.split("=", 1)[1] if "=" in pair else ""
        else:
            kept.append(pair)
    return "&".join(kept), sig


def signed_payload(raw_query: str, raw_body: str) -> tuple[str, str | None]:
    """The payload Binance signs (query then body, no separator) and the signature sent."""
    query, sig_q = _strip_signature(raw_query)
    body, sig_b = _strip_signature(raw_body)
    return query + body, sig_q if sig_q is not None else sig_b


def _signature_ok(account: Account, payload: str, sent: str) -> bool:
    """Check a percent-encoded signature against the account's key type (spec §4, §12.3)."""
    # Form decoding: an Ed25519/RSA signature sent without percent-encoding has its '+'
    # turned into a space here and fails, as on the venue (whether it repairs it: unconfirmed).
    signature = unquote_plus(sent)
    if account.public_key is None:
        return hmac.compare_digest(binance_sign(account.secret, payload), signature.lower())
    return bool(account.public_key.verify(payload, signature))


def binance_authenticate(
    *,
    api_key: str | None,
    params: dict[str, str],
    raw_query: str,
    raw_body: str,
    accounts: AccountBook,
    server_ms: int,
    remote: str = "127.0.0.1",
    permission: str | None = None,
) -> Account:
    """The account behind a signed Binance request, or raise the venue's error.

    ``raw_body`` is the part of the body Binance reads (form-encoded only); ``permission`` the
    key permission the endpoint needs (``READ`` / ``TRADE``). ``timestamp`` may be in ms or µs
    (then the window is checked in µs: ``recvWindow`` µs-precise, 1 s ahead allowed).
    """
    if not api_key or not BINANCE_KEY_RE.match(api_key):
        raise binance_error("BAD_API_KEY_FMT")
    account = accounts.get("binance", api_key)
    if account is None or not account.admits(remote) or not account.may(permission):
        raise binance_error("REJECTED_MBX_KEY")
    ts_text = params.get("timestamp", "")
    if not ts_text:
        raise binance_error("MANDATORY_PARAM", param="timestamp")
    LEGAL_RANGES["TIMESTAMP"].check("timestamp", ts_text)
    recv_text = params.get("recvWindow", "5000") or "5000"
    LEGAL_RANGES["RECV_WINDOW"].check("recvWindow", recv_text)
    recv_window = Decimal(recv_text)
    if recv_window > 60_000:
        raise binance_error("BAD_RECV_WINDOW")
    payload, signature = signed_payload(raw_query, raw_body)
    if not signature:
        raise binance_error("MANDATORY_PARAM", param="signature")
    if not _signature_ok(account, payload, signature):
        raise binance_error("INVALID_SIGNATURE")
    timestamp = int(ts_text)
    scale = 1000 if timestamp >= MICROS_FROM else 1
    server = server_ms * scale
    if timestamp >= server + 1000 * scale:
        raise binance_error("TIMESTAMP_AHEAD")
    if server - timestamp > recv_window * scale:
        raise binance_error("TIMESTAMP_OUTSIDE")
    return account


class NonceRegistry:
    """Nonces already used, per access key (most recent :data:`NONCE_MEMORY` of each)."""

    def __init__(self, memory: int = NONCE_MEMORY) -> None:
        self._memory = memory
        self._seen: dict[str, tuple[set[str], deque[str]]] = {}

    def use(self, access_key: str, nonce: str) -> bool:
        """Record ``nonce``; ``False`` if it had been used before."""
        seen, order = self._seen.setdefault(access_key, (set(), deque()))
        if nonce in seen:
            return False
        seen.add(nonce)
        order.append(nonce)
        if len(order) > self._memory:
            seen.discard(order.popleft())
        return True


def _b64json(segment: str) -> dict[str, object]:
    padded = segment + "=" * (-len(segment) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, dict):
        raise ValueError("JWT segment is not an object")
    return value


def upbit_unverified_access_key(authorization: str | None) -> str | None:
    """The ``access_key`` claim of a bearer token, unverified (for rate-limit scoping)."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    parts = authorization[7:].strip().split(".")
    if len(parts) != 3:
        return None
    try:
        key = _b64json(parts[1]).get("access_key")
    except (ValueError, UnicodeDecodeError):
        return None
    return key if isinstance(key, str) else None


def upbit_query_hash_inputs(raw_query: str) -> set[str]:
    """Strings a client may have hashed for this raw query (un-escaped, as received)."""
    if not raw_query:
        return set()
    return {unquote(raw_query), unquote_plus(raw_query)}


def upbit_body_hash_inputs(fields: Iterable[tuple[str, object]]) -> set[str]:
    """Strings a client may have hashed for these JSON body fields (in body order)."""
    pairs: list[tuple[str, str]] = []
    for key, value in fields:
        if value is None:
            continue
        if isinstance(value, list):
            pairs.extend((f"{key}[]", _hash_text(v)) for v in value)
        else:
            pairs.append((key, _hash_text(value)))
    if not pairs:
        return set()
    plain = "&".join(f"{k}={v}" for k, v in pairs)
    # The official SDK hashes unquote(urlencode(params)), which turns spaces into '+'.
    return {plain, unquote(urlencode(pairs))}


def _hash_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class UpbitAuth:
    """A verified Upbit request: its account and the claims it carried."""

    account: Account
    nonce: str
    query_hash: str | None


def upbit_authenticate(
    *,
    authorization: str | None,
    hash_inputs: set[str],
    accounts: AccountBook,
    nonces: NonceRegistry,
    remote: str = "127.0.0.1",
    permission: str | None = None,
) -> UpbitAuth:
    """Verify an Upbit bearer token for a request whose hash inputs are ``hash_inputs``; the
    key must not be expired, must allow ``remote`` and hold ``permission`` (if any)."""
    if not authorization or not authorization.startswith("Bearer "):
        raise upbit_error("jwt_verification")
    token = authorization[7:].strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise upbit_error("jwt_verification")
    try:
        header, claims = _b64json(parts[0]), _b64json(parts[1])
    except (ValueError, UnicodeDecodeError):
        raise upbit_error("jwt_verification") from None
    if header.get("alg") not in UPBIT_ALGORITHMS:
        raise upbit_error("jwt_verification")
    access_key = claims.get("access_key")
    if not isinstance(access_key, str):
        raise upbit_error("jwt_verification")
    account = accounts.get("upbit", access_key)
    if account is None:
        raise upbit_error("invalid_access_key")
    if account.expired:
        raise upbit_error("expired_access_key")
    try:
        with warnings.catch_warnings():
            # Test secrets may be shorter than HS512's recommended key length.
            warnings.simplefilter("ignore")
            verified = jwt.decode(
                token,
                account.secret,
                algorithms=list(UPBIT_ALGORITHMS),
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
    except jwt.PyJWTError:
        raise upbit_error("jwt_verification") from None
    nonce = verified.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise upbit_error("jwt_verification")
    query_hash = verified.get("query_hash")
    if hash_inputs:
        if not isinstance(query_hash, str):
            raise upbit_error("invalid_query_payload")
        alg = str(verified.get("query_hash_alg", "SHA512")).upper()
        if alg != "SHA512":
            raise upbit_error("invalid_query_payload")
        digests = {hashlib.sha512(s.encode()).hexdigest() for s in hash_inputs}
        if query_hash.lower() not in digests:
            raise upbit_error("invalid_query_payload")
    elif isinstance(query_hash, str) and query_hash.lower() != hashlib.sha512(b"").hexdigest():
        raise upbit_error("invalid_query_payload")
    if not nonces.use(access_key, nonce):
        raise upbit_error("nonce_used")
    if not account.admits(remote):
        raise upbit_error("no_authorization_i_p")
    if not account.may(permission):
        raise upbit_error("out_of_scope")
    return UpbitAuth(account, nonce, query_hash if isinstance(query_hash, str) else None)
