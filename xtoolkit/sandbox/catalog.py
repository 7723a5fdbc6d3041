"""Seed reference data: which assets, Binance symbols and Upbit markets the sandbox lists.

The data lives in the repository's top-level ``data/`` directory (``assets.csv``,
``binance_symbols.csv``, ``upbit_markets.csv``); ``XTOOLKIT_DATA`` overrides the location.
Everything here is plain, immutable data — the simulation and the venues read it, never write it.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

__all__ = [
    "AssetSpec",
    "BinanceSymbolSpec",
    "Catalog",
    "UpbitMarketSpec",
    "data_dir",
    "load_catalog",
]

#: Environment variable that points the sandbox at another data directory.
DATA_ENV = "XTOOLKIT_DATA"


@dataclass(frozen=True, slots=True)
class AssetSpec:
    """One asset: names, reference price (in ``ref_quote``), volatility, history depth."""

    asset: str
    english_name: str
    korean_name: str
    ref_price: Decimal
    ref_quote: str
    daily_vol: float
    listed_days: int
    premium: float


@dataclass(frozen=True, slots=True)
class BinanceSymbolSpec:
    """One Binance spot symbol and its trading rules (the exchangeInfo filters)."""

    symbol: str
    base: str
    quote: str
    status: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    notional_filter: str
    quote_volume_24h: float
    trades_per_min: float
    spread_ticks: int


@dataclass(frozen=True, slots=True)
class UpbitMarketSpec:
    """One Upbit market (``QUOTE-BASE``), its activity level and its warning flags."""

    market: str
    base: str
    quote: str
    quote_volume_24h: float
    trades_per_min: float
    trade_prob: float
    spread_ticks: int
    warning: bool
    caution: frozenset[str]


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every listing of both venues, keyed by native symbol."""

    assets: dict[str, AssetSpec]
    binance: dict[str, BinanceSymbolSpec]
    upbit: dict[str, UpbitMarketSpec]


def data_dir() -> Path:
    """The directory holding the seed CSV files (``$XTOOLKIT_DATA`` or ``<repo>/data``)."""
    override = os.environ.get(DATA_ENV, "").strip()
    if override:
        return Path(override)
    # <repo>/xtoolkit/sandbox/catalog.py → <repo>/data (the same place as
    # Path(xtoolkit.__file__).parents[1] / "data", but robust to namespace-style installs
    # where xtoolkit.__file__ is None).
    return Path(__file__).resolve().parents[2] / "data"


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(
            f"sandbox seed data {path} is missing; set {DATA_ENV} to the directory holding "
            "assets.csv, binance_symbols.csv and upbit_markets.csv"
        )
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read and cross-check the three seed files."""
    base = directory or data_dir()
    assets = {
        r["asset"]: AssetSpec(
            asset=r["asset"],
            english_name=r["english_name"],
            korean_name=r["korean_name"],
            ref_price=Decimal(r["ref_price"]),
            ref_quote=r["ref_quote"],
            daily_vol=float(r["daily_vol"]),
            listed_days=int(r["listed_days"]),
            premium=float(r["premium"]),
        )
        for r in _rows(base / "assets.csv")
    }
    binance = {
        r["symbol"]: BinanceSymbolSpec(
            symbol=r["symbol"],
            base=r["base"],
            quote=r["quote"],
            status=r["status"],
            tick_size=Decimal(r["tick_size"]),
            step_size=Decimal(r["step_size"]),
            min_qty=Decimal(r["min_qty"]),
            max_qty=Decimal(r["max_qty"]),
            market_max_qty=Decimal(r["market_max_qty"]),
            min_notional=Decimal(r["min_notional"]),
            notional_filter=r["notional_filter"],
            quote_volume_24h=float(r["quote_volume_24h"]),
            trades_per_min=float(r["trades_per_min"]),
            spread_ticks=int(r["spread_ticks"]),
        )
        for r in _rows(base / "binance_symbols.csv")
    }
    upbit = {
        r["market"]: UpbitMarketSpec(
            market=r["market"],
            base=r["base"],
            quote=r["quote"],
            quote_volume_24h=float(r["quote_volume_24h"]),
            trades_per_min=float(r["trades_per_min"]),
            trade_prob=float(r["trade_prob"]),
            spread_ticks=int(r["spread_ticks"]),
            warning=r["warning"].lower() == "true",
            caution=frozenset(c for c in r["caution"].split(";") if c),
        )
        for r in _rows(base / "upbit_markets.csv")
    }
    pairs = [(s.symbol, s.base, s.quote) for s in binance.values()]
    pairs += [(m.market, m.base, m.quote) for m in upbit.values()]
    for name, base_asset, quote_asset in pairs:
        for asset in (base_asset, quote_asset):
            if asset not in assets and asset != "KRW":
                raise ValueError(f"{name} refers to unknown asset {asset!r}")
    for sym in binance.values():
        if sym.notional_filter not in ("NOTIONAL", "MIN_NOTIONAL"):
            raise ValueError(f"{sym.symbol}: notional_filter must be NOTIONAL or MIN_NOTIONAL")
    return Catalog(assets=assets, binance=binance, upbit=upbit)
