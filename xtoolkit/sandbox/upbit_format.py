"""Upbit wire conventions shared by its endpoints: query parsing, JSON bodies, number and
time formats, market lookups.

Quotation endpoints return prices/volumes as JSON numbers; exchange endpoints return decimal
strings; ``created_at`` is ISO-8601 in KST; candle times are naive ISO strings.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qsl

from xtoolkit.sandbox.errors import upbit_error
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.matching import q8
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.wire import ApiRequest

__all__ = [
    "KST",
    "STATE_NAMES",
    "VENUE",
    "VISIBLE_LEVELS",
    "Query",
    "as_number",
    "iso_kst",
    "json_body",
    "listing_of",
    "listings_of",
    "naive_time",
    "parse_time",
    "price_number",
    "volume_number",
]

D = Decimal
VENUE = "upbit"
KST = timezone(timedelta(hours=9))
STATE_NAMES = {
    "NEW": "wait",
    "PARTIALLY_FILLED": "wait",
    "FILLED": "done",
    "CANCELED": "cancel",
    "EXPIRED": "cancel",
}
#: Visible levels a market order may consume (policy since 2025-05-07).
VISIBLE_LEVELS = 30


class Query:
    """Upbit query parameters in order; arrays are ``key[]=`` repeats."""

    def __init__(self, raw: str) -> None:
        self.pairs = parse_qsl(raw, keep_blank_values=True) if raw else []

    def get(self, name: str) -> str | None:
        """The first non-empty value of ``name``."""
        for k, v in self.pairs:
            if k == name and v != "":
                return v
        return None

    def getlist(self, name: str) -> list[str]:
        """Values of ``name[]`` (or plain repeats of ``name``)."""
        return [v for k, v in self.pairs if k in (f"{name}[]", name) and v != ""]

    def integer(self, name: str, default: int, lo: int, hi: int, *, clamp: bool = True) -> int:
        """An integer parameter within ``[lo, hi]``."""
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise upbit_error("validation_error", detail=f"{name} does not have a valid value") from None
        if value < lo or (value > hi and not clamp):
            raise upbit_error("validation_error", detail=f"{name} does not have a valid value")
        return min(value, hi)


# -- formats and lookups -------------------------------------------------------------------
def as_number(value: Decimal | float) -> float:
    """A Decimal / float as the JSON number quotation endpoints use."""
    return float(value)


def price_number(lst: Listing, value: float) -> float:
    """A simulated price snapped to the listing's grid, as a JSON number."""
    return float(lst.grid.to_decimal(value))


def volume_number(value: float) -> float:
    """A volume rounded to 8 decimals, as a JSON number."""
    return float(q8(D(repr(float(value)))))


def iso_kst(ms: int, *, micro: bool = False) -> str:
    """``2026-11-23T17:46:01+09:00`` (optionally with microseconds)."""
    dt = datetime.fromtimestamp(ms / 1000, tz=KST)
    return dt.isoformat(timespec="microseconds" if micro else "seconds")


def naive_time(ms: int, tz: timezone) -> str:
    """``yyyy-MM-ddTHH:mm:ss`` of ``ms`` in ``tz`` (candle times)."""
    return datetime.fromtimestamp(ms / 1000, tz=tz).strftime("%Y-%m-%dT%H:%M:%S")


def parse_time(text: str) -> int:
    """Epoch ms from Upbit's ``to`` / ``start_time`` formats (UTC unless an offset is given)."""
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    norm = raw.replace(" ", "T").replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(norm)
    except ValueError:
        raise upbit_error("invalid_param", detail=f"invalid time format: {text}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def listing_of(state: SandboxState, market: str | None) -> Listing:
    """The Upbit listing ``market`` (quotation errors: 400 missing / 404 unknown)."""
    if not market:
        raise upbit_error("missing_param")
    lst = state.market.listing(VENUE, market)
    if lst is None:
        raise upbit_error("code_not_found")
    return lst


def listings_of(state: SandboxState, raw: str | None) -> list[Listing]:
    """Listings of a comma-separated ``markets`` value."""
    if not raw:
        raise upbit_error("missing_param")
    return [listing_of(state, m.strip()) for m in raw.split(",") if m.strip()]


def json_body(req: ApiRequest) -> dict[str, object]:
    """The JSON object body of a POST (numbers kept as their text: that is what was hashed)."""
    if not req.body:
        return {}
    try:
        # Keep numbers as their JSON text: that is what the client hashed.
        body = json.loads(req.body_text, parse_float=str, parse_int=str)
    except ValueError:
        raise upbit_error("validation_error", detail="request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise upbit_error("validation_error", detail="request body must be a JSON object")
    return body
