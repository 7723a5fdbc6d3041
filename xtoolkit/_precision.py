"""Per-column number formatting from the market's tick and step, for tables and CSVs.

Formatting happens on a copy at display/export time: the numbers in the frames never change.
A price column gets as many decimals as the finest tick among the markets in it, a quantity
column those of the finest step, so every value in one column shows the same decimals. Other
float columns are written with 12 significant digits, which removes binary float noise
(``0.30000000000000004`` -> ``0.3``) and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

__all__ = ["PRICE_COLUMNS", "QTY_COLUMNS", "column_decimals", "format_frame", "to_csv"]

#: Columns in the quote currency of the row's market: decimals of its tick size.
PRICE_COLUMNS = frozenset({"bid", "ask", "last", "open", "high", "low", "close", "price", "avg_price", "mid"})
#: Columns in the base currency of the row's market: decimals of its step size.
QTY_COLUMNS = frozenset({"bid_qty", "ask_qty", "qty", "filled_qty", "volume", "volume_24h"})

#: Significant digits for float columns without a market rule.
CLEAN_DIGITS = 12


def _decimals(step: Decimal | None) -> int | None:
    if step is None or step <= 0:
        return None
    exponent = step.normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else None


def column_decimals(df: pd.DataFrame, info: Callable[[str], Any]) -> dict[str, int]:
    """Decimals per price/quantity column of ``df`` from ``info("exchange:SYMBOL")`` rules.

    ``info`` returns a ``MarketInfo`` (``client.market_info``); a market it cannot describe
    (raises) is skipped, and a column none of whose markets are known gets no entry.
    """
    if not {"exchange", "symbol"} <= set(df.columns):
        return {}
    rules: dict[str, tuple[int | None, int | None]] = {}
    for exchange, symbol in df[["exchange", "symbol"]].drop_duplicates().itertuples(index=False):
        name = f"{exchange}:{symbol}"
        try:
            market = info(name)
        except Exception:  # an unknown or delisted market: its columns fall back to clean()
            continue
        rules[name] = (_decimals(market.tick_size), _decimals(market.step_size))
    keys = df["exchange"].astype(str) + ":" + df["symbol"].astype(str)
    out: dict[str, int] = {}
    for column in df.columns:
        pick = 0 if column in PRICE_COLUMNS else 1 if column in QTY_COLUMNS else None
        if pick is None or not pd.api.types.is_float_dtype(df[column]):
            continue
        found = [rules[k][pick] for k in pd.unique(keys) if k in rules and rules[k][pick] is not None]
        if found:
            out[column] = max(found)  # type: ignore[type-var]
    return out


def clean(value: float) -> str:
    """A float without binary noise: 12 significant digits, trailing zeros dropped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{CLEAN_DIGITS}g}"


def format_frame(df: pd.DataFrame, decimals: Mapping[str, int]) -> pd.DataFrame:
    """A copy of ``df`` whose float columns are text: fixed ``decimals`` where given, else :func:`clean`."""
    view = df.copy()
    for column in view.columns:
        if not pd.api.types.is_float_dtype(view[column]):
            continue
        places = decimals.get(column)
        if places is None:
            view[column] = view[column].map(clean)
        else:
            view[column] = view[column].map(lambda v, p=places: "" if pd.isna(v) else f"{v:.{p}f}")
    return view


def to_csv(df: pd.DataFrame, path: Any, decimals: Mapping[str, int] | None = None) -> None:
    """``df.to_csv(path, index=False)`` with per-column precision and no float noise."""
    format_frame(df, decimals or {}).to_csv(path, index=False)
