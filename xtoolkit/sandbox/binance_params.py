"""Binance request parameters: query string and form body merged (query wins), with the
venue's parameter errors (-1100 illegal characters, -1101 duplicates, -1102 missing, -1111
precision) and its legal ranges as data.

Where parameters come from (spec §2): the query string always; the body only for
``POST``/``PUT``/``DELETE`` and only when it is ``application/x-www-form-urlencoded``. Any other
body (``text/plain``, JSON, no Content-Type) is not read at all — its parameters count as
"not sent", so the venue answers ``-1102`` for the first mandatory one — and it is not part of
the signed payload either (see :func:`readable_body`).

Timestamps (``timestamp``, ``startTime``, ``endTime``) may be sent in milliseconds or
microseconds (Binance's general API rules); :meth:`Params.time_ms` tells them apart by size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl

from xtoolkit.sandbox.accounts import Account
from xtoolkit.sandbox.errors import BinanceError, binance_error
from xtoolkit.sandbox.grids import decimal_places

__all__ = [
    "FORM_CONTENT_TYPE",
    "LEGAL_RANGES",
    "MAX_DECIMALS",
    "MICROS_FROM",
    "LegalRange",
    "Params",
    "one_of_error",
    "readable_body",
    "to_ms",
]


@dataclass(frozen=True, slots=True)
class LegalRange:
    """A parameter's legal range: ``text`` as Binance prints it in ``-1100`` messages and the
    compiled ``regex`` the sandbox enforces (compiled once, at import)."""

    text: str
    regex: re.Pattern[str]

    def check(self, name: str, value: str) -> None:
        """Raise ``-1100`` when ``value`` is outside the range."""
        if not self.regex.match(value):
            raise binance_error("ILLEGAL_CHARS", param=name, pattern=self.text)


# Since 2025-12 symbols may be UTF-8 (spec §13.4), so the documented ASCII ranges below are
# "possibly outdated" (spec §9): the enforced patterns additionally admit any non-ASCII
# character, while the message keeps the documented text. Lower-case ASCII, spaces and other
# punctuation stay illegal, as the venue reports.
_SYM_CHAR = "A-Z0-9\\-_.\u0080-\U0010ffff"

#: Legal ranges by parameter kind (spec §2, §3.10, §4; texts from observed -1100 messages).
LEGAL_RANGES: dict[str, LegalRange] = {
    "DECIMAL": LegalRange("^([0-9]{1,20})(\\.[0-9]{1,20})?$", re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")),
    "LONG": LegalRange("^[0-9]{1,20}$", re.compile(r"^-?[0-9]{1,20}$")),
    "INT": LegalRange("^[0-9]{1,20}$", re.compile(r"^-?[0-9]{1,20}$")),
    "TIMESTAMP": LegalRange("^[0-9]{1,20}$", re.compile(r"^[0-9]{1,20}$")),
    "RECV_WINDOW": LegalRange("^[0-9]{1,20}(\\.[0-9]{1,3})?$", re.compile(r"^[0-9]{1,20}(\.[0-9]{1,3})?$")),
    "SYMBOL": LegalRange("^[A-Z0-9-_.]{1,20}$", re.compile(f"^[{_SYM_CHAR}]{{1,20}}$")),
    "SYMBOLS": LegalRange(
        '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$',
        re.compile(f'^\\[("[{_SYM_CHAR}]{{1,20}}"(,"[{_SYM_CHAR}]{{1,20}}")*)?\\]$'),
    ),
    "CLIENT_ID": LegalRange("^[a-zA-Z0-9-_]{1,36}$", re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")),
}

#: Decimals a quantity/price may carry (base/quote asset precision).
MAX_DECIMALS = 8
#: A timestamp at or above this is in microseconds (10^14 ms is the year 5138).
MICROS_FROM = 10**14
#: The only body Binance reads parameters from.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_BODY_METHODS = frozenset({"POST", "PUT", "DELETE"})


def readable_body(method: str, headers: Mapping[str, str], body_text: str) -> str:
    """The body text Binance reads parameters (and the signature payload) from: the whole
    body of a form-encoded ``POST``/``PUT``/``DELETE``, else ``""``."""
    if not body_text or method not in _BODY_METHODS:
        return ""
    media = headers.get("Content-Type", "").partition(";")[0].strip().lower()
    return body_text if media == FORM_CONTENT_TYPE else ""


def to_ms(value: int, *, end: bool = False) -> int:
    """Milliseconds of a timestamp sent in ms or µs (µs rounded so that an inclusive
    ``startTime`` keeps its instant: up for starts, down for ``end``)."""
    if value < MICROS_FROM:
        return value
    return value // 1000 if end else -((-value) // 1000)


def _pairs(raw: str) -> list[tuple[str, str]]:
    return parse_qsl(raw, keep_blank_values=True) if raw else []


class Params:
    """Merged request parameters with typed, venue-faithful accessors.

    ``raw_body`` must already be the readable part (:func:`readable_body`).
    """

    def __init__(self, raw_query: str, raw_body: str = "") -> None:
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
        LEGAL_RANGES["DECIMAL"].check(name, raw)
        value = Decimal(raw)
        if decimal_places(value) > MAX_DECIMALS:
            raise binance_error("BAD_PRECISION", param=name)
        return value

    def long(self, name: str, *, required: bool = False) -> int | None:
        """An integer (LONG) parameter."""
        raw = self.require(name) if required else self.get(name)
        if raw is None:
            return None
        LEGAL_RANGES["LONG"].check(name, raw)
        return int(raw)

    def time_ms(self, name: str, *, end: bool = False) -> int | None:
        """A time parameter (``startTime`` / ``endTime``) in milliseconds, whether it was sent
        in ms or µs."""
        value = self.long(name)
        return None if value is None else to_ms(value, end=end)

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

    def symbol(self) -> str:
        """The mandatory ``symbol`` parameter (legal range checked: upper case, no spaces)."""
        raw = self.require("symbol")
        LEGAL_RANGES["SYMBOL"].check("symbol", raw)
        return raw

    def optional_symbol(self) -> str | None:
        """The ``symbol`` parameter where it is optional (``None`` when absent)."""
        return self.symbol() if self.has("symbol") else None

    def symbols(self) -> list[str] | None:
        """The JSON-array ``symbols`` parameter (``None`` if absent): exactly the venue's form
        ``["A","B"]`` — no spaces, upper case — else -1100; a repeated name is -1151."""
        raw = self.get("symbols")
        if raw is None:
            return None
        LEGAL_RANGES["SYMBOLS"].check("symbols", raw)
        parsed = json.loads(raw)
        if not parsed:
            raise binance_error("ILLEGAL_PARAM")
        if len(set(parsed)) != len(parsed):
            raise binance_error("DUPLICATE_SYMBOLS")
        return [str(s) for s in parsed]

    def client_id(self, name: str) -> str | None:
        """A client order id parameter (charset checked)."""
        raw = self.get(name)
        if raw is None:
            return None
        LEGAL_RANGES["CLIENT_ID"].check(name, raw)
        return raw


def one_of_error(first: str, second: str) -> BinanceError:
    """-1102 for "send one of these two" parameters (Binance's wording)."""
    return BinanceError(-1102, f"Param '{first}' or '{second}' must be sent, but both were empty/null!", 400)
