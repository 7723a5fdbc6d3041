"""Small helpers shared by the adapters (no I/O)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from xtoolkit._errors import XtoolkitError
from xtoolkit._frames import SCHEMAS
from xtoolkit._models import fmt_decimal

T = TypeVar("T")

#: The longest Retry-After believed (seconds); a real venue pause is seconds to minutes.
MAX_RETRY_AFTER = 3600.0

#: Candle intervals in unified notation -> seconds (months counted as 30 days for paging only).
INTERVAL_SECONDS: dict[str, int] = {
    "1s": 1,
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "10m": 600,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "8h": 28800,
    "12h": 43200,
    "1d": 86400,
    "3d": 259200,
    "1w": 604800,
    "1M": 2592000,
}


def param_text(value: Any) -> str:
    """How a parameter value is written on the wire (no exponents, JSON-style booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return fmt_decimal(value)
    if isinstance(value, float):
        return fmt_decimal(Decimal(repr(value)))
    if isinstance(value, list | tuple):
        return json.dumps([param_text(v) for v in value], separators=(",", ":"))
    return str(value)


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def error_from_table(
    table: Mapping[Any, type[XtoolkitError]],
    key: Any,
    default: type[XtoolkitError],
    message: str,
    **kw: Any,
) -> XtoolkitError:
    cls = table.get(key, default)
    return cls(message, **kw)


def floats(values: Iterable[Any]) -> list[float]:
    return [float(v) for v in values]


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (any case), or None."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                seconds = float(value)
            except ValueError:
                return None
            # A hostile or broken header ("inf", "nan", "1e308", "-5") must not pause a venue
            # forever or not at all: treat non-finite or negative as "not told" and cap the rest.
            if not math.isfinite(seconds) or seconds < 0:
                return None
            return min(seconds, MAX_RETRY_AFTER)
    return None


def new_columns(kind: str, *, raw: bool = True) -> dict[str, list[Any]]:
    """Empty columns for a frame kind (its SCHEMAS names), plus ``raw`` for the payloads."""
    cols: dict[str, list[Any]] = {name: [] for name in SCHEMAS[kind]}
    if raw:
        cols["raw"] = []
    return cols
