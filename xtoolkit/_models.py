"""Value types shared by every layer: symbols, market references, market rules, decimals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from xtoolkit._errors import InvalidArgument

__all__ = [
    "MarketInfo",
    "MarketRef",
    "Symbol",
    "fmt_decimal",
    "ms_to_datetime",
    "round_to_step",
    "to_decimal",
]

_SYMBOL_RE = re.compile(r"^\s*([A-Za-z0-9._-]+)\s*/\s*([A-Za-z0-9._-]+)\s*$")


@dataclass(frozen=True, slots=True, order=True)
class Symbol:
    """A unified ``BASE/QUOTE`` pair, e.g. ``Symbol("BTC", "KRW")`` prints ``BTC/KRW``."""

    base: str
    quote: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.upper())
        object.__setattr__(self, "quote", self.quote.upper())

    def __str__(self) -> str:
        return f"{self.base}/{self.quote}"

    @classmethod
    def parse(cls, text: str) -> Symbol:
        """Parse ``"BTC/USDT"`` (case-insensitive). Native codes are parsed by the adapters."""
        m = _SYMBOL_RE.match(text)
        if not m:
            raise InvalidArgument(f"{text!r} is not a BASE/QUOTE symbol")
        return cls(m.group(1), m.group(2))


@dataclass(frozen=True, slots=True)
class MarketRef:
    """One market on one venue: ``upbit:BTC/KRW``."""

    exchange: str
    symbol: Symbol
    native: str

    def __str__(self) -> str:
        return f"{self.exchange}:{self.symbol}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketInfo:
    """A market's trading rules as the venue publishes them (``Decimal``; None = no rule)."""

    exchange: str
    symbol: Symbol
    native: str
    status: str
    tick_size: Decimal | None = None
    step_size: Decimal | None = None
    min_qty: Decimal | None = None
    max_qty: Decimal | None = None
    min_notional: Decimal | None = None
    max_notional: Decimal | None = None
    market_min_qty: Decimal | None = None
    market_max_qty: Decimal | None = None
    warning: bool = False
    trading: bool = True
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def ref(self) -> MarketRef:
        return MarketRef(self.exchange, self.symbol, self.native)


def to_decimal(value: Any, *, name: str = "value") -> Decimal:
    """A ``Decimal`` from str/int/Decimal; floats go through ``str`` so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise InvalidArgument(f"{name} must be a number, not a bool")
    elif isinstance(value, int | str):
        try:
            d = Decimal(str(value).strip().replace("_", ""))
        except InvalidOperation:
            raise InvalidArgument(f"{name}={value!r} is not a number") from None
    elif isinstance(value, float):
        d = Decimal(repr(value))
    else:
        raise InvalidArgument(f"{name} must be str, int, float or Decimal, not {type(value).__name__}")
    if not d.is_finite():
        raise InvalidArgument(f"{name}={value!r} is not a finite number")
    return d


def fmt_decimal(d: Decimal) -> str:
    """Plain decimal text with no exponent and no trailing zeros: what venues accept."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def round_to_step(value: Decimal, step: Decimal | None, *, up: bool) -> Decimal:
    """Round ``value`` to a multiple of ``step``: up (toward +inf) or down (toward -inf)."""
    if not step:
        return value
    units = (value / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return (units * step).quantize(step) if step.as_tuple().exponent < 0 else units * step


def ms_to_datetime(ms: int | float) -> datetime:
    """Epoch milliseconds to an aware UTC ``datetime``."""
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC)
