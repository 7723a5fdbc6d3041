"""Binance request parameters: query string and form body merged (query wins), with the
venue's parameter errors (-1100 illegal characters, -1101 duplicates, -1102 missing, -1111
precision)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import parse_qsl

from xtoolkit.sandbox.accounts import Account
from xtoolkit.sandbox.errors import BinanceError, binance_error
from xtoolkit.sandbox.grids import BINANCE_DECIMAL_RE, decimal_places

__all__ = ["CLIENT_ID_RE", "SYMBOLS_PATTERN", "Params", "one_of_error"]

#: Client order id charset (FIX docs; assumed for REST — spec §3.10).
CLIENT_ID_RE = re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")
_LONG_RE = re.compile(r"^-?[0-9]{1,20}$")
_DEC_PATTERN = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"
SYMBOLS_PATTERN = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$'
#: Decimals a quantity/price may carry (base/quote asset precision).
MAX_DECIMALS = 8


def _pairs(raw: str) -> list[tuple[str, str]]:
    return parse_qsl(raw, keep_blank_values=True) if raw else []


class Params:
    """Merged request parameters with typed, venue-faithful accessors."""

    def __init__(self, raw_query: str, raw_body: str) -> None:
        values: dict[str, str] = {}
        for source in (_pairs(raw_query), _pairs(raw_body)):
            seen: set[str] = set()
            for name, value in source:
                if name in seen:
                    raise binance_error("DUPLICATE_PARAM")
                seen.add(name)
                values.setdefault(name, value)  # the query string was read first and wins
        self.values = values
        #: The authenticated account of a signed request.
        self.account: Account | None = None

    def authenticated(self) -> Account:
        """The account of a signed request (set by the dispatcher after verification)."""
        if self.account is None:
            raise RuntimeError("endpoint handler needs a signed request")
        return self.account

    def get(self, name: str) -> str | None:
        """The raw value, ``None`` when absent or empty."""
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def has(self, name: str) -> bool:
        """Whether a non-empty value was sent."""
        return self.get(name) is not None

    def require(self, name: str) -> str:
        """The raw value, or -1102 if missing/empty."""
        value = self.get(name)
        if value is None:
            raise binance_error("MANDATORY_PARAM", param=name)
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        """A DEC parameter (no sign, no exponent), or -1100 / -1102 / -1111."""
        raw = self.require(name) if required else self.get(name)
        if raw is None:
            return None
        if not BINANCE_DECIMAL_RE.match(raw):
            raise binance_error("ILLEGAL_CHARS", param=name, pattern=_DEC_PATTERN)
        value = Decimal(raw)
        if decimal_places(value) > MAX_DECIMALS:
            raise binance_error("BAD_PRECISION", param=name)
        return value

    def long(self, name: str, *, required: bool = False) -> int | None:
        """An integer (LONG) parameter."""
        raw = self.require(name) if required else self.get(name)
        if raw is None:
            return None
        if not _LONG_RE.match(raw):
            raise binance_error("ILLEGAL_CHARS", param=name, pattern="^[0-9]{1,20}$")
        return int(raw)

    def limit(self, default: int, maximum: int, *, clamp: bool = True) -> int:
        """The ``limit`` parameter: default when absent, ≥ 1, at most ``maximum``."""
        value = self.long("limit")
        if value is None:
            return default
        if value < 1:
            raise binance_error("ILLEGAL_PARAM")
        if value > maximum and not clamp:
            raise binance_error("ILLEGAL_PARAM")
        return min(value, maximum)

    def enum(
        self,
        name: str,
        allowed: frozenset[str] | tuple[str, ...],
        error: str,
        *,
        required: bool = True,
        default: str | None = None,
    ) -> str | None:
        """An enum parameter; unknown values raise table entry ``error``."""
        raw = self.require(name) if required else self.get(name)
        if raw is None:
            return default
        if raw not in allowed:
            raise binance_error(error)
        return raw

    def boolean(self, name: str, default: bool = False) -> bool:
        """A BOOLEAN parameter (``true``/``false``, case-insensitive)."""
        raw = self.get(name)
        if raw is None:
            return default
        if raw.lower() not in ("true", "false"):
            raise binance_error("ILLEGAL_PARAM")
        return raw.lower() == "true"

    def symbols(self) -> list[str] | None:
        """The JSON-array ``symbols`` parameter (``None`` if absent)."""
        raw = self.get("symbols")
        if raw is None:
            return None
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if not isinstance(parsed, list) or not all(isinstance(s, str) for s in parsed):
            raise binance_error("ILLEGAL_CHARS", param="symbols", pattern=SYMBOLS_PATTERN)
        if not parsed:
            raise binance_error("ILLEGAL_PARAM")
        return parsed

    def client_id(self, name: str) -> str | None:
        """A client order id parameter (charset checked)."""
        raw = self.get(name)
        if raw is None:
            return None
        if not CLIENT_ID_RE.match(raw):
            raise binance_error("ILLEGAL_CHARS", param=name, pattern="^[a-zA-Z0-9-_]{1,36}$")
        return raw


def one_of_error(first: str, second: str) -> BinanceError:
    """-1102 for "send one of these two" parameters (Binance's wording)."""
    return BinanceError(-1102, f"Param '{first}' or '{second}' must be sent, but both were empty/null!", 400)
