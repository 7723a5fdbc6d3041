"""Upbit request signing: the query text and its JWT bearer token (pure).

Private calls carry ``Authorization: Bearer <JWT>`` whose ``query_hash`` is the SHA-512 of the
*unescaped* query (arrays as ``key[]=``) or, for POST, of the JSON body's fields in order.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlencode

from xtoolkit._credentials import Credentials
from xtoolkit.exchanges._common import param_text

__all__ = ["jwt_token", "query_strings"]

#: JWS algorithm -> HMAC digest name. HS256 is what the official SDK, ccxt and pyupbit send;
#: Upbit also accepts HS512 (its docs' sample token).
_DIGESTS = {"HS256": "sha256", "HS512": "sha512"}
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64url(data: bytes) -> bytes:
    """Unpadded base64url (RFC 7515), without base64.urlsafe_b64encode's Python layers."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


#: The encoded JOSE header per algorithm, built once (PyJWT's exact bytes: sorted keys, compact).
_HEADERS = {alg: _b64url(f'{{"alg":"{alg}","typ":"JWT"}}'.encode()) for alg in _DIGESTS}


def query_strings(params: Mapping[str, Any]) -> tuple[str, str]:
    """``(encoded, unescaped)``: what goes on the wire, and what ``query_hash`` hashes."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((f"{key}[]", param_text(v)) for v in value)
        else:
            pairs.append((key, param_text(value)))
    encoded = urlencode(pairs)
    return encoded, unquote(encoded)


def jwt_token(credentials: Credentials, nonce: str, hashed: str | None, *, algorithm: str = "HS256") -> str:
    """The bearer token: ``access_key``, ``nonce`` and, when there are parameters, ``query_hash``.

    Built by hand — ``base64url(header) . base64url(claims) . base64url(HMAC(secret, both))``,
    compact JSON, claims in that order — byte for byte what PyJWT makes, without its per-call
    layers (tests/test_signing.py checks both against the spec's vectors and each other).
    """
    digest = _DIGESTS.get(algorithm)
    if digest is None:
        raise ValueError(f"unsupported JWT algorithm {algorithm!r} (HS256 or HS512)")
    claims: dict[str, str] = {"access_key": credentials.key, "nonce": nonce}
    if hashed:
        claims["query_hash"] = hashlib.sha512(hashed.encode()).hexdigest()
        claims["query_hash_alg"] = "SHA512"
    signing_input = _HEADERS[algorithm] + b"." + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.digest(credentials.secret.encode(), signing_input, digest)  # OpenSSL one-shot
    return (signing_input + b"." + _b64url(mac)).decode()
