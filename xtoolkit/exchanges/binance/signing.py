"""Binance request signing: the exact query text and its signature (pure).

The signed payload is the percent-encoded (UTF-8) query string immediately followed by the
percent-encoded body — no separator, ``signature`` excluded (spec §4, §12.1). Then, by key type:

* HMAC: lower-case hex HMAC-SHA256 of the payload with the API secret;
* Ed25519: the pure Ed25519 signature of the payload bytes, standard base64 with padding;
* RSA: RSASSA-PKCS1-v1_5 with SHA-256 over the payload bytes, base64.

Base64 holds ``+``, ``/`` and ``=``, so the value sent as ``signature=`` is percent-encoded
(``%2B``, ``%2F``, ``%3D``); unencoded, a ``+`` would be read as a space (spec §12.2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import quote

from xtoolkit._credentials import Credentials

__all__ = ["encode", "sign", "sign_key_pair", "signature"]


def encode(pairs: Sequence[tuple[str, str]]) -> str:
    """Percent-encode (UTF-8) ``key=value`` pairs in order — the exact text that is signed and sent."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def sign(secret: str, query: str, body: str = "") -> str:
    """Lower-case hex HMAC-SHA256 of ``query`` immediately followed by ``body`` (no separator)."""
    return hmac.new(secret.encode(), (query + body).encode(), hashlib.sha256).hexdigest()


def sign_key_pair(credentials: Credentials, query: str, body: str = "") -> str:
    """Base64 (with padding) of the Ed25519 / RSA-SHA256 signature of ``query`` + ``body``."""
    raw = credentials.sign_with_key_pair((query + body).encode())
    return base64.b64encode(raw).decode("ascii")


def signature(credentials: Credentials, query: str, body: str = "") -> str:
    """The ``signature`` value exactly as sent: hex for HMAC, percent-encoded base64 otherwise."""
    if credentials.is_key_pair:
        return quote(sign_key_pair(credentials, query, body), safe="")
    return sign(credentials.secret, query, body)
