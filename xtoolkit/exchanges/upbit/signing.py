"""Upbit request signing: the query text and its JWT bearer token (pure).

Private calls carry ``Authorization: Bearer <JWT>`` whose ``query_hash`` is the SHA-512 of the
*unescaped* query (arrays as ``key[]=``) or, for POST, of the JSON body's fields in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlencode

from xtoolkit._credentials import Credentials
from xtoolkit.exchanges._common import param_text

__all__ = ["jwt_token", "query_strings"]


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
    """The bearer token: ``access_key``, ``nonce`` and, when there are parameters, ``query_hash``."""
    import jwt  # imported on first signed call: PyJWT pulls in `cryptography`, slow at import time

    claims: dict[str, str] = {"access_key": credentials.key, "nonce": nonce}
    if hashed:
        claims["query_hash"] = hashlib.sha512(hashed.encode()).hexdigest()
        claims["query_hash_alg"] = "SHA512"
    return jwt.encode(claims, credentials.secret, algorithm=algorithm)
