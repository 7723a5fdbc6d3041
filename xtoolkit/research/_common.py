"""Small shared facts and helpers of the research layer (no I/O)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

import pandas as pd

from xtoolkit._errors import ExchangeError, InvalidArgument, TransportError, UnknownMarket, XtoolkitError

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


def error_text(exc: BaseException) -> str:
    """``"ClassName: message"`` — what an ``error`` cell holds."""
    return f"{type(exc).__name__}: {exc}"


def join_errors(parts: Iterable[str | None]) -> str | None:
    """Join the non-empty error texts with ``"; "``; ``None`` when there are none."""
    texts = [p for p in parts if p]
    return "; ".join(texts) if texts else None


def now_utc() -> pd.Timestamp:
    """The current time as a tz-aware UTC ``Timestamp`` (nanosecond unit)."""
    return pd.Timestamp.now(tz="UTC").as_unit("ns")


def validate_bases(bases: str | Iterable[str]) -> list[str]:
    """Upper-cased, de-duplicated base assets in the order given."""
    items = [bases] if isinstance(bases, str) else list(bases)
    out: list[str] = []
    for b in items:
        if not isinstance(b, str) or not b.strip() or not b.strip().replace(".", "").isalnum():
            raise InvalidArgument(f"a base is an asset code like 'BTC', not {b!r}")
        code = b.strip().upper()
        if code not in out:
            out.append(code)
    if not out:
        raise InvalidArgument("give at least one base asset, e.g. ['BTC', 'ETH']")
    return out


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
