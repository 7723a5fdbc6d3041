"""Columns -> DataFrames with one fixed schema per kind, even when empty.

Every frame is long-form with ``exchange`` and ``symbol`` columns (balances: ``asset``),
numbers as float64 and timestamps as tz-aware UTC. The shape never depends on how many
inputs were given. ``SCHEMAS`` is the single source of truth for column names and dtypes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SCHEMAS", "empty_columns", "frame", "merge_columns"]

STR = "str"
F64 = "float64"
I64 = "int64"
BOOL = "bool"
TS = "datetime64[ns, UTC]"

SCHEMAS: dict[str, dict[str, str]] = {
    "tickers": {
        "exchange": STR,
        "symbol": STR,
        "bid": F64,
        "bid_qty": F64,
        "ask": F64,
        "ask_qty": F64,
        "last": F64,
        "volume_24h": F64,
        "quote_volume_24h": F64,
        "change_24h_pct": F64,
        "ts": TS,
    },
    "orderbook": {
        "exchange": STR,
        "symbol": STR,
        "side": STR,
        "level": I64,
        "price": F64,
        "qty": F64,
        "ts": TS,
    },
    "trades": {
        "exchange": STR,
        "symbol": STR,
        "trade_id": STR,
        "price": F64,
        "qty": F64,
        "quote_qty": F64,
        "side": STR,
        "ts": TS,
    },
    "candles": {
        "exchange": STR,
        "symbol": STR,
        "interval": STR,
        "open_time": TS,
        "open": F64,
        "high": F64,
        "low": F64,
        "close": F64,
        "volume": F64,
        "quote_volume": F64,
        "trades": F64,
        "close_time": TS,
        "is_closed": BOOL,
    },
    "balances": {
        "exchange": STR,
        "asset": STR,
        "free": F64,
        "locked": F64,
        "total": F64,
    },
    "orders": {
        "exchange": STR,
        "symbol": STR,
        "order_id": STR,
        "client_order_id": STR,
        "side": STR,
        "type": STR,
        "status": STR,
        "price": F64,
        "qty": F64,
        "filled_qty": F64,
        "filled_quote": F64,
        "avg_price": F64,
        "created": TS,
        "updated": TS,
        "venue_status": STR,
    },
    "markets": {
        "exchange": STR,
        "symbol": STR,
        "native": STR,
        "base": STR,
        "quote": STR,
        "status": STR,
        "tick_size": F64,
        "step_size": F64,
        "min_qty": F64,
        "min_notional": F64,
        "warning": BOOL,
    },
}


def empty_columns(kind: str) -> dict[str, list[Any]]:
    """A fresh, empty column dict for ``kind``."""
    return {name: [] for name in SCHEMAS[kind]}


def merge_columns(parts: Iterable[Mapping[str, Sequence[Any]]], kind: str) -> dict[str, list[Any]]:
    """Concatenate column dicts of one kind (cheaper than concatenating DataFrames)."""
    out = empty_columns(kind)
    extra: dict[str, list[Any]] = {}
    for part in parts:
        n = len(next(iter(part.values()), ()))
        for name in out:
            out[name].extend(part.get(name, [None] * n))
        for name, values in part.items():
            if name not in out:
                extra.setdefault(name, []).extend(values)
    out.update(extra)
    return out


def _series(values: Sequence[Any], dtype: str, n: int) -> Any:
    if dtype == F64:
        if not values:
            return np.full(n, np.nan)
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if dtype == I64:
        return np.array(values, dtype=np.int64) if values else np.zeros(n, dtype=np.int64)
    if dtype == BOOL:
        return np.array(values, dtype=bool) if values else np.zeros(n, dtype=bool)
    if dtype == TS:
        if not values:
            return pd.DatetimeIndex([pd.NaT] * n, dtype=TS)
        first = next((v for v in values if v is not None), None)
        if isinstance(first, int | float | np.integer | np.floating):
            # Epoch milliseconds from the venues: exact integer maths, no float rounding.
            ms = np.array([-(2**63) if v is None else int(v) for v in values], dtype=np.int64)
            return pd.to_datetime(ms, unit="ms", utc=True).as_unit("ns")
        return pd.to_datetime(list(values), utc=True, format="ISO8601").as_unit("ns")
    return (
        pd.array([None if v is None else str(v) for v in values], dtype=STR)
        if values
        else (pd.array([None] * n, dtype=STR))
    )


def frame(
    kind: str, columns: Mapping[str, Sequence[Any]] | None = None, *, raw: bool = False
) -> pd.DataFrame:
    """Build the ``kind`` frame from columns; missing columns are filled with NaN/NA.

    With ``raw=True`` a ``raw`` column (the venue's payload per row) is appended when present.
    """
    schema = SCHEMAS[kind]
    columns = columns or {}
    n = max((len(v) for v in columns.values()), default=0)
    data = {name: _series(columns.get(name, []), dtype, n) for name, dtype in schema.items()}
    df = pd.DataFrame(data, index=pd.RangeIndex(n))
    if raw:
        values = columns.get("raw", [None] * n)
        df["raw"] = pd.Series(list(values), dtype=object, index=df.index)
    return df
