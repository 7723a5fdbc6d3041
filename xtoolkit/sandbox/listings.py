"""What trades where: latent price components and the venue listings priced from them.

Components are one log-price random walk per asset (in its reference quote) plus, for every
USDT-priced asset listed in KRW on Upbit, a mean-reverting "kimchi premium". A listing's price
is a product of components raised to ±1: ``BTCUSDT = BTC``, ``KRW-BTC = BTC × USDT(KRW) ×
(1 + premium_BTC)``, ``ETHBTC = ETH / BTC``. Start prices are the catalog's reference prices
nudged by the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xtoolkit.sandbox.book import BookSpec
from xtoolkit.sandbox.catalog import Catalog
from xtoolkit.sandbox.grids import UPBIT_BTC_BANDS, UPBIT_KRW_BANDS, UPBIT_USDT_BANDS, BandedGrid
from xtoolkit.sandbox.history import ComponentSpec, ListingActivity

__all__ = [
    "LEVEL_SHARE",
    "UPBIT_GRIDS",
    "UPBIT_QTY_STEP",
    "Listing",
    "build_components",
    "build_listings",
]

Formula = tuple[tuple[int, float], ...]

#: Upbit quote currency → price grid.
UPBIT_GRIDS: dict[str, BandedGrid] = {
    "KRW": BandedGrid(UPBIT_KRW_BANDS),
    "BTC": BandedGrid(UPBIT_BTC_BANDS),
    "USDT": BandedGrid(UPBIT_USDT_BANDS),
}
#: Upbit volumes have at most 8 decimals.
UPBIT_QTY_STEP = Decimal("0.00000001")
#: Mean book level size as a share of one minute's volume.
LEVEL_SHARE = 0.05
#: Premium process: daily volatility and mean-reversion speed of log(1 + premium).
PREMIUM_SIGMA_DAY = 0.004
PREMIUM_THETA_DAY = 1.5


@dataclass(frozen=True, slots=True)
class Listing:
    """One tradable market on one venue and everything the simulation needs about it."""

    index: int
    venue: str
    symbol: str
    base: str
    quote: str
    status: str
    grid: BandedGrid
    book: BookSpec
    formula: tuple[tuple[int, float], ...]
    activity: ListingActivity
    spread_ticks: int
    listed_days: int
    mean_trade_qty: float

    @property
    def trading(self) -> bool:
        """Whether the listing accepts orders and prints trades."""
        return self.status == "TRADING"


def build_components(catalog: Catalog, seed: int) -> list[ComponentSpec]:
    """Every latent component, in a fixed order (assets sorted, then premiums)."""
    rng = np.random.default_rng([seed, 7])
    out: list[ComponentSpec] = []
    for asset in sorted(catalog.assets):
        spec = catalog.assets[asset]
        # The seed nudges start prices by up to ~1 %, so seeds differ from the first tick.
        wiggle = min(0.01, spec.daily_vol * 0.4) * rng.standard_normal()
        out.append(
            ComponentSpec(f"PX:{asset}", "walk", math.log(float(spec.ref_price)) + wiggle, spec.daily_vol)
        )
    for asset in sorted(catalog.assets):
        spec = catalog.assets[asset]
        if spec.ref_quote == "USDT" and spec.premium:
            mean = math.log1p(spec.premium)
            out.append(
                ComponentSpec(
                    f"PREM:{asset}",
                    "ou",
                    mean + 0.003 * rng.standard_normal(),
                    PREMIUM_SIGMA_DAY,
                    mean,
                    PREMIUM_THETA_DAY,
                )
            )
    return out


def _formula(catalog: Catalog, index: dict[str, int], base: str, quote: str, venue: str) -> Formula:
    a = catalog.assets[base]
    if quote == a.ref_quote:
        return ((index[f"PX:{base}"], 1.0),)
    if quote == "KRW" and a.ref_quote == "USDT":
        parts = [(index[f"PX:{base}"], 1.0), (index["PX:USDT"], 1.0)]
        if venue == "upbit" and f"PREM:{base}" in index:
            parts.append((index[f"PREM:{base}"], 1.0))
        return tuple(parts)
    q = catalog.assets[quote]
    if q.ref_quote == a.ref_quote:
        return ((index[f"PX:{base}"], 1.0), (index[f"PX:{quote}"], -1.0))
    raise ValueError(f"cannot price {base} in {quote}")


def build_listings(catalog: Catalog, components: list[ComponentSpec]) -> list[Listing]:
    """Every Binance symbol then every Upbit market of the catalog, indexed in that order."""
    index = {c.name: i for i, c in enumerate(components)}
    out: list[Listing] = []

    def add(
        venue: str,
        symbol: str,
        base: str,
        quote: str,
        status: str,
        grid: BandedGrid,
        qty_step: Decimal,
        min_qty: Decimal,
        quote_volume: float,
        trades_per_min: float,
        trade_prob: float,
        spread: int,
    ) -> None:
        formula = _formula(catalog, index, base, quote, venue)
        price = math.exp(sum(components[i].anchor * e for i, e in formula))
        activity = ListingActivity(quote_volume / price / 1440, trades_per_min, trade_prob, float(qty_step))
        n = len(out)
        out.append(
            Listing(
                index=n,
                venue=venue,
                symbol=symbol,
                base=base,
                quote=quote,
                status=status,
                grid=grid,
                book=BookSpec(grid, qty_step, min_qty, activity.volume_per_min * LEVEL_SHARE),
                formula=formula,
                activity=activity,
                spread_ticks=spread,
                listed_days=catalog.assets[base].listed_days,
                mean_trade_qty=activity.volume_per_min / max(activity.trades_per_min, 1e-9),
            )
        )

    for sym in catalog.binance.values():
        add(
            "binance",
            sym.symbol,
            sym.base,
            sym.quote,
            sym.status,
            BandedGrid.fixed(sym.tick_size),
            sym.step_size,
            sym.min_qty,
            sym.quote_volume_24h,
            sym.trades_per_min,
            1.0,
            sym.spread_ticks,
        )
    for mkt in catalog.upbit.values():
        add(
            "upbit",
            mkt.market,
            mkt.base,
            mkt.quote,
            "TRADING",
            UPBIT_GRIDS[mkt.quote],
            UPBIT_QTY_STEP,
            UPBIT_QTY_STEP,
            mkt.quote_volume_24h,
            mkt.trades_per_min,
            mkt.trade_prob,
            mkt.spread_ticks,
        )
    return out
