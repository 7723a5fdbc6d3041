"""Price grids (tick rules) and the decimal text formats each venue puts on the wire.

Binance symbols have one fixed ``tickSize``; Upbit prices live on banded grids whose tick
depends on the price level (KRW price-unit table of 2025-07-31, USDT-market table, fixed
satoshi tick for BTC markets). Money maths is Decimal; the float helpers exist only for the
vectorised market simulation and always land on the same grid as the Decimal ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from functools import lru_cache

import numpy as np

__all__ = [
    "BINANCE_DECIMAL_RE",
    "UPBIT_BTC_BANDS",
    "UPBIT_KRW_BANDS",
    "UPBIT_USDT_BANDS",
    "BandedGrid",
    "decimal_places",
    "fmt8",
    "fmt_plain",
    "is_multiple",
    "parse_binance_decimal",
]

D = Decimal

#: Upbit KRW market price units (lower bound of band, tick) — spec upbit.md §2, 2025-07-31 policy.
UPBIT_KRW_BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    (D(1_000_000), D(1000)),
    (D(500_000), D(500)),
    (D(100_000), D(100)),
    (D(50_000), D(50)),
    (D(10_000), D(10)),
    (D(5_000), D(5)),
    (D(100), D(1)),
    (D(10), D("0.1")),
    (D(1), D("0.01")),
    (D("0.1"), D("0.001")),
    (D("0.01"), D("0.0001")),
    (D("0.001"), D("0.00001")),
    (D("0.0001"), D("0.000001")),
    (D("0.00001"), D("0.0000001")),
    (D(0), D("0.00000001")),
)

#: Upbit USDT market price units (spec upbit.md §2, since 2024-08-19).
UPBIT_USDT_BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    (D(10), D("0.01")),
    (D(1), D("0.001")),
    (D("0.1"), D("0.0001")),
    (D("0.01"), D("0.00001")),
    (D("0.001"), D("0.000001")),
    (D("0.0001"), D("0.0000001")),
    (D(0), D("0.00000001")),
)

#: Upbit BTC markets: always one satoshi.
UPBIT_BTC_BANDS: tuple[tuple[Decimal, Decimal], ...] = ((D(0), D("0.00000001")),)

#: Binance's accepted decimal syntax (from its -1100 messages): no sign, no exponent.
BINANCE_DECIMAL_RE = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")

_EIGHT = D("0.00000001")


@dataclass(frozen=True, slots=True)
class BandedGrid:
    """A price grid: ``bands`` are ``(lower_bound, tick)`` pairs, highest band first.

    A fixed-tick grid (Binance) is the one-band case ``((0, tick),)``. Band boundaries are
    multiples of the lower band's tick, so stepping across a boundary stays on the grid.
    """

    bands: tuple[tuple[Decimal, Decimal], ...]

    @classmethod
    def fixed(cls, tick: Decimal) -> BandedGrid:
        """A grid with one tick everywhere."""
        return cls(((D(0), tick),))

    def tick_at(self, price: Decimal) -> Decimal:
        """The tick of the band containing ``price``."""
        for lower, tick in self.bands:
            if price >= lower:
                return tick
        return self.bands[-1][1]

    def tick_below(self, price: Decimal) -> Decimal:
        """The tick used when stepping down from ``price`` (band strictly below it)."""
        for lower, tick in self.bands:
            if price > lower:
                return tick
        return self.bands[-1][1]

    def on_grid(self, price: Decimal) -> bool:
        """Whether ``price`` is a positive multiple of its band's tick."""
        return price > 0 and is_multiple(price, self.tick_at(price))

    def floor(self, price: Decimal) -> Decimal:
        """Largest grid price ≤ ``price``."""
        tick = self.tick_at(price)
        return (price / tick).to_integral_value(ROUND_FLOOR) * tick

    def ceil(self, price: Decimal) -> Decimal:
        """Smallest grid price ≥ ``price``."""
        tick = self.tick_at(price)
        out = (price / tick).to_integral_value(ROUND_CEILING) * tick
        # Rounding up can cross into a coarser band; re-snap there.
        return out if self.on_grid(out) else self.ceil(out)

    def nearest(self, price: Decimal) -> Decimal:
        """The grid price nearest to ``price`` (never below the smallest tick)."""
        tick = self.tick_at(price)
        out = (price / tick).to_integral_value(ROUND_HALF_EVEN) * tick
        if not self.on_grid(out):
            out = self.nearest(out)
        return max(out, self.bands[-1][1])

    def up(self, price: Decimal, n: int = 1) -> Decimal:
        """The grid price ``n`` steps above ``price`` (which must be on the grid)."""
        for _ in range(n):
            price = price + self.tick_at(price)
        return price

    def down(self, price: Decimal, n: int = 1) -> Decimal:
        """The grid price ``n`` steps below ``price``; never below the smallest tick."""
        for _ in range(n):
            price = max(price - self.tick_below(price), self.bands[-1][1])
        return price

    # -- float helpers for the vectorised simulation -------------------------------------
    def tick_array(self, prices: np.ndarray) -> np.ndarray:
        """Tick size per price (float)."""
        lowers, ticks = _band_arrays(self.bands)
        if len(ticks) == 1:
            return np.full(np.shape(prices), ticks[0])
        pos = np.searchsorted(lowers, prices, side="right") - 1
        return ticks[np.clip(pos, 0, len(ticks) - 1)]

    def nearest_array(self, prices: np.ndarray) -> np.ndarray:
        """Round each price to the nearest grid price (float, ≥ smallest tick)."""
        tick = self.tick_array(prices)
        out = np.round(prices / tick) * tick
        # A value rounded up across a band edge may need the coarser band's tick.
        tick2 = self.tick_array(out)
        out = np.where(tick2 != tick, np.round(out / tick2) * tick2, out)
        return np.maximum(out, float(self.bands[-1][1]))

    def floor_array(self, prices: np.ndarray) -> np.ndarray:
        """Round each price down to the grid (float)."""
        tick = self.tick_array(prices)
        # The 1e-9 guard keeps exact grid values (a float hair below k*tick) on k*tick.
        return np.maximum(np.floor(prices / tick + 1e-9) * tick, float(self.bands[-1][1]))

    def to_decimal(self, value: float) -> Decimal:
        """A float that is (nearly) on the grid as its exact Decimal grid price."""
        return self.nearest(D(repr(float(value))))


@lru_cache(maxsize=64)
def _band_arrays(bands: tuple[tuple[Decimal, Decimal], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Band lower bounds and ticks as float arrays in ascending price order."""
    asc = bands[::-1]
    return np.array([float(lo) for lo, _ in asc]), np.array([float(t) for _, t in asc])


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """``value % step == 0`` in exact decimal arithmetic (step 0 disables the rule)."""
    if step == 0:
        return True
    return (value % step) == 0


def decimal_places(value: Decimal) -> int:
    """Digits after the point in ``value``'s shortest form (``Decimal("1.50")`` → 1)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fmt8(value: Decimal | int | float) -> str:
    """Binance's DEC text: fixed 8 decimals, never exponent notation (``"91234.57000000"``)."""
    d = value if isinstance(value, Decimal) else D(repr(value)) if isinstance(value, float) else D(value)
    return format(d.quantize(_EIGHT, rounding=ROUND_HALF_EVEN), "f")


def fmt_plain(value: Decimal | int) -> str:
    """Upbit's private DEC text: shortest plain form (``"130000000"``, ``"0.0001"``, ``"0"``)."""
    d = value if isinstance(value, Decimal) else D(value)
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    return text


def parse_binance_decimal(text: str) -> Decimal | None:
    """The Decimal for a Binance DEC parameter, or ``None`` if it breaks the venue's syntax."""
    if not BINANCE_DECIMAL_RE.match(text):
        return None
    return D(text)
