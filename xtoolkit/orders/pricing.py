"""Order maths in ``Decimal``: inputs, rounding toward safety, book walks, notional and fees.

Rounding never makes an order more aggressive: a buy price rounds *down* to the tick, a sell
price *up*; quantities and totals are always truncated to their step. Pure functions only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xtoolkit._errors import InvalidArgument
from xtoolkit._models import MarketInfo, round_to_step, to_decimal

__all__ = [
    "Fill",
    "FloatInputWarning",
    "amount",
    "quote_step",
    "round_price",
    "truncate",
    "walk",
]

#: One price level: (price, quantity).
Level = tuple[Decimal, Decimal]


class FloatInputWarning(UserWarning):
    """A float was given for a price or quantity; it was read through ``str`` (0.1 -> "0.1")."""


def amount(value: Any, name: str) -> Decimal | None:
    """A positive ``Decimal`` from str/int/Decimal (floats via ``str`` with a warning), or None."""
    if value is None:
        return None
    if isinstance(value, float):
        warnings.warn(
            f"{name}={value!r} is a float; read as Decimal({str(value)!r}). Pass text or Decimal "
            "for exact amounts.",
            FloatInputWarning,
            stacklevel=4,
        )
        value = str(value)
    d = to_decimal(value, name=name)
    if d <= 0:
        raise InvalidArgument(f"{name} must be positive, not {value!r}")
    return d


def round_price(price: Decimal, tick: Decimal | None, side: str) -> Decimal:
    """Onto the tick grid, never more aggressive: buys round down, sells round up."""
    return round_to_step(price, tick, up=side == "sell")


def truncate(value: Decimal, step: Decimal | None) -> Decimal:
    """Down to a multiple of ``step`` (quantities and totals are never rounded up)."""
    return round_to_step(value, step, up=False)


def quote_step(info: MarketInfo) -> Decimal:
    """The precision of a quote-currency total (market buys by total).

    Binance publishes ``quotePrecision`` per symbol; Upbit takes whole KRW and 8 decimals for
    its BTC and USDT markets.
    """
    raw = info.raw if isinstance(info.raw, dict) else {}
    digits = raw.get("quotePrecision", raw.get("quoteAssetPrecision"))
    if isinstance(digits, int) and 0 <= digits <= 18:
        return Decimal(1).scaleb(-digits)
    return Decimal(1) if info.symbol.quote == "KRW" else Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Fill:
    """An estimated fill from walking the visible book: base ``qty``, ``quote`` paid/received,
    the ``worst`` price touched and whether the book was deep enough (``complete``)."""

    qty: Decimal
    quote: Decimal
    worst: Decimal | None
    complete: bool

    @property
    def average(self) -> Decimal | None:
        return self.quote / self.qty if self.qty else None


def walk(levels: Sequence[Level], *, qty: Decimal | None = None, quote: Decimal | None = None) -> Fill:
    """Walk ``levels`` (best first) until ``qty`` base or ``quote`` total is consumed."""
    if (qty is None) == (quote is None):
        raise InvalidArgument("walk needs exactly one of qty or quote")
    got_qty, got_quote = Decimal(0), Decimal(0)
    worst: Decimal | None = None
    for price, size in levels:
        if size <= 0 or price <= 0:
            continue
        if qty is not None:
            take = min(size, qty - got_qty)
        else:
            assert quote is not None
            take = min(size, (quote - got_quote) / price)
        if take <= 0:
            break
        got_qty += take
        got_quote += take * price
        worst = price
        done = got_qty >= qty if qty is not None else got_quote >= quote  # type: ignore[operator]
        if done:
            return Fill(got_qty, got_quote, worst, True)
    return Fill(got_qty, got_quote, worst, False)
