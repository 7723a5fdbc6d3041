"""Client order ids: generated unique forever, checked against both venues' rules.

Binance accepts ``^[a-zA-Z0-9-_]{1,36}$`` and only refuses an id that is *open*; Upbit's
``identifier`` may never be reused, even after a failed request. A time-ordered random id
(``xt-`` + 26 Crockford base32 characters, ULID layout) satisfies both, and sorts by creation.
"""

from __future__ import annotations

import re
import secrets
import time

from xtoolkit._errors import InvalidArgument

__all__ = ["CLIENT_ID_RE", "check_client_id", "new_client_id"]

CLIENT_ID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def new_client_id(prefix: str = "xt-") -> str:
    """``xt-`` + 48 bits of milliseconds + 80 random bits: 29 characters, never repeated."""
    ms = int(time.time() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    return prefix + _base32((ms << 80) | rand, 26)


def check_client_id(value: str) -> str:
    """Return ``value`` if both venues accept it as a client order id; raise otherwise."""
    if not isinstance(value, str) or not CLIENT_ID_RE.fullmatch(value):
        raise InvalidArgument(
            f"client_order_id {value!r} must be 1-36 characters of letters, digits, '-' or '_' "
            "(the rule both Binance and Upbit accept)"
        )
    return value
