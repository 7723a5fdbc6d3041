"""Request signing for the conformance suite, written from the spec (not the toolkit's client).

Binance (spec §4): the percent-encoded query string immediately followed by the form body,
HMAC-SHA256, lower-case hex, ``signature`` appended last. Upbit (spec upbit.md §5): a JWT
(HS256) with ``access_key``, a fresh ``nonce`` and, when the request has parameters, the
SHA-512 of the un-escaped ``key=value&...`` string in send order (arrays as ``key[]=``).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable
from urllib.parse import quote, unquote

import jwt

__all__ = ["binance_encode", "binance_signature", "upbit_hashed", "upbit_token"]


def binance_encode(pairs: Iterable[tuple[str, str]]) -> str:
    """``key=value`` pairs percent-encoded (UTF-8) in order — what is sent and signed."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def binance_signature(secret: str, query: str, body: str = "") -> str:
    """Hex HMAC-SHA256 of ``query`` immediately followed by ``body`` (no separator)."""
    return hmac.new(secret.encode(), (query + body).encode(), hashlib.sha256).hexdigest()


def upbit_hashed(pairs: Iterable[tuple[str, str]]) -> str:
    """The un-escaped string Upbit's ``query_hash`` covers."""
    return unquote("&".join(f"{k}={v}" for k, v in pairs))


def upbit_token(
    access: str,
    secret: str,
    hashed: str | None,
    *,
    nonce: str | None = None,
    query_hash: str | None = None,
) -> str:
    """``Bearer`` token value for one request (``nonce`` / ``query_hash`` override the fresh
    nonce and the computed hash, for rows that must be refused)."""
    claims: dict[str, str] = {"access_key": access, "nonce": nonce or str(uuid.uuid4())}
    if hashed or query_hash:
        claims["query_hash"] = query_hash or hashlib.sha512(str(hashed).encode()).hexdigest()
        claims["query_hash_alg"] = "SHA512"
    return jwt.encode(claims, secret, algorithm="HS256")
