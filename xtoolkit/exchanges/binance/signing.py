"""Binance request signing: the exact query text, and its HMAC-SHA256 signature (pure)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import quote

__all__ = ["encode", "sign"]


def encode(pairs: Sequence[tuple[str, str]]) -> str:
    """Percent-encode (UTF-8) ``key=value`` pairs in order — the exact text that is signed and sent."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def sign(secret: str, query: str, body: str = "") -> str:
    """Lower-case hex HMAC-SHA256 of ``query`` immediately followed by ``body`` (no separator)."""
    return hmac.new(secret.encode(), (query + body).encode(), hashlib.sha256).hexdigest()
