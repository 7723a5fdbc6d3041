"""Small shared facts and helpers of the research layer (no I/O)."""

from __future__ import annotations

import math
from collections.abc import Awaitable
from typing import Any, TypeVar

import pandas as pd

from xtoolkit._errors import ExchangeError, InvalidArgument, TransportError, UnknownMarket, XtoolkitError
from xtoolkit._premium import error_text, join_errors, validate_bases

__all__ = [
    "DEFAULT_QUOTES",
    "LEG_ERRORS",
    "OUTAGE",
    "error_text",
    "finite",
    "join_errors",
    "now_utc",
    "quote_of",
    "typed",
    "validate_bases",
]

T = TypeVar("T")

#: The quote each venue's unqualified markets use ("BTC" -> BTC/USDT on Binance, BTC/KRW on Upbit).
DEFAULT_QUOTES: dict[str, str] = {"binance": "USDT", "upbit": "KRW"}

#: Failures of one venue that become data (an ``error`` cell), never a crash of the whole call.
OUTAGE: tuple[type[Exception], ...] = (TransportError, ExchangeError)

#: What may go wrong with one leg of a comparison: an outage, or a market the venue does not list.
LEG_ERRORS: tuple[type[Exception], ...] = (TransportError, ExchangeError, UnknownMarket)


def quote_of(exchange: str) -> str:
    """The default quote currency of ``exchange`` (``InvalidArgument`` for a venue without one)."""
    try:
        return DEFAULT_QUOTES[exchange]
    except KeyError:
        raise InvalidArgument(
            f"no default quote known for {exchange!r}; known: {', '.join(DEFAULT_QUOTES)}"
        ) from None


def now_utc() -> pd.Timestamp:
    """The current time as a tz-aware UTC ``Timestamp`` (nanosecond unit)."""
    return pd.Timestamp.now(tz="UTC").as_unit("ns")


def finite(value: Any) -> bool:
    """True for a real, finite number (not None, not NaN)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


async def typed(work: Awaitable[T]) -> T:
    """Await ``work``, turning an ``ExceptionGroup`` of xtoolkit errors into its first error.

    The client sends multi-call verbs (Upbit ticker + book top, paged market lists) in a
    ``TaskGroup``, whose failures arrive wrapped; the outage handling here needs the typed error.
    """
    try:
        return await work
    except BaseExceptionGroup as group:
        leaf: BaseException = group
        while isinstance(leaf, BaseExceptionGroup):
            leaf = leaf.exceptions[0]
        if isinstance(leaf, XtoolkitError):
            raise leaf from None
        raise
