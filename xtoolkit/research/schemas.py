"""The research frames' fixed schemas, and one builder that enforces them.

Same conventions as :data:`xtoolkit.SCHEMAS`: long form, float64 numbers, tz-aware UTC
timestamps (nanosecond unit), ``str`` text, fixed columns even when empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import SCHEMAS as CORE_SCHEMAS

__all__ = ["RESEARCH_SCHEMAS", "build", "coerce", "conform", "schema"]

STR = "str"
F64 = "float64"
I64 = "int64"
BOOL = "bool"
TS = "datetime64[ns, UTC]"

_PREMIUM: dict[str, str] = {
    "base": STR,
    "fx_source": STR,
    "fx_rate": F64,
    "upbit_mid": F64,
    "binance_mid": F64,
    "binance_mid_krw": F64,
    "upbit_mid_usdt": F64,
    "premium_pct": F64,
    "premium_bps": F64,
    "upbit_ts": TS,
    "binance_ts": TS,
    "fx_ts": TS,
    "upbit_age_s": F64,
    "binance_age_s": F64,
    "fx_age_s": F64,
    "skew_s": F64,
    "max_age_s": F64,
    "stale": BOOL,
    "error": STR,
}

_POLL: dict[str, str] = {"poll_ts": TS, "lag_s": F64, "error_type": STR}

RESEARCH_SCHEMAS: dict[str, dict[str, str]] = {
    "compare": {
        "base": STR,
        "exchange": STR,
        "symbol": STR,
        "quote": STR,
        "bid": F64,
        "ask": F64,
        "mid": F64,
        "last": F64,
        "fx_source": STR,
        "fx_rate": F64,
        "fx_ts": TS,
        "quote_n": STR,
        "bid_n": F64,
        "ask_n": F64,
        "mid_n": F64,
        "last_n": F64,
        "ts": TS,
        "age_s": F64,
        "stale": BOOL,
        "error": STR,
    },
    "premium": _PREMIUM,
    "premium_history": {
        "ts": TS,
        "base": STR,
        "fx_source": STR,
        "upbit_close": F64,
        "binance_close": F64,
        "fx_rate": F64,
        "binance_close_krw": F64,
        "upbit_close_usdt": F64,
        "premium_pct": F64,
        "premium_bps": F64,
        "upbit_volume": F64,
        "binance_volume": F64,
        "filled_upbit": BOOL,
        "filled_binance": BOOL,
        "filled_fx": BOOL,
        "error": STR,
    },
    "premium_summary": {
        "fx_source": STR,
        "count": I64,
        "mean": F64,
        "std": F64,
        "min": F64,
        "p5": F64,
        "p25": F64,
        "p50": F64,
        "p75": F64,
        "p95": F64,
        "max": F64,
        "latest": F64,
        "latest_ts": TS,
        "zscore_latest": F64,
    },
    "book": {
        "exchange": STR,
        "symbol": STR,
        "side": STR,
        "level": I64,
        "price": F64,
        "qty": F64,
        "quote": STR,
        "price_n": F64,
        "notional_n": F64,
        "cum_qty": F64,
        "cum_notional_n": F64,
        "mid_n": F64,
        "distance_pct": F64,
        "fx_source": STR,
        "fx_rate": F64,
        "ts": TS,
    },
    "depth": {
        "exchange": STR,
        "symbol": STR,
        "side": STR,
        "pct": F64,
        "levels": I64,
        "qty": F64,
        "notional_n": F64,
        "error": STR,
    },
    "slippage": {
        "exchange": STR,
        "symbol": STR,
        "side": STR,
        "size": F64,
        "size_in": STR,
        "filled": BOOL,
        "filled_qty": F64,
        "filled_notional_n": F64,
        "vwap_n": F64,
        "best_n": F64,
        "mid_n": F64,
        "slippage_bps_mid": F64,
        "slippage_bps_best": F64,
        "levels_used": I64,
        "error": STR,
    },
    "valued_balances": {
        "exchange": STR,
        "asset": STR,
        "symbol": STR,
        "free": F64,
        "locked": F64,
        "total": F64,
        "price": F64,
        "price_n": F64,
        "value_n": F64,
        "priced": BOOL,
        "fx_source": STR,
        "fx_rate": F64,
        "ts": TS,
        "note": STR,
        "error": STR,
    },
    "record_premium": {"exchange": STR, "symbol": STR, **_PREMIUM, **_POLL},
    "record_tickers": {**CORE_SCHEMAS["tickers"], "mid": F64, **_POLL, "error": STR},
    "record_errors": {"poll_ts": TS, "exchange": STR, "error_type": STR, "error": STR},
    "exchanges": {
        "exchange": STR,
        "active": BOOL,
        "keyed": BOOL,
        "quote": STR,
        "base_url": STR,
        "sandbox": BOOL,
    },
}


def schema(kind: str) -> dict[str, str]:
    """Column -> dtype of ``kind``: a research frame or a core one (``tickers``, ``candles``...)."""
    found = RESEARCH_SCHEMAS.get(kind) or CORE_SCHEMAS.get(kind)
    if found is None:
        known = sorted({*RESEARCH_SCHEMAS, *CORE_SCHEMAS})
        raise InvalidArgument(f"unknown frame kind {kind!r}; known: {', '.join(known)}")
    return found


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _column(values: Sequence[Any], dtype: str, n: int) -> Any:
    if dtype == F64:
        if len(values) == 0:
            return np.full(n, np.nan)
        return np.array([np.nan if _missing(v) else float(v) for v in values], dtype=np.float64)
    if dtype == I64:
        return np.array(values, dtype=np.int64) if len(values) else np.zeros(n, dtype=np.int64)
    if dtype == BOOL:
        return np.array(values, dtype=bool) if len(values) else np.zeros(n, dtype=bool)
    if dtype == TS:
        if len(values) == 0:
            return pd.DatetimeIndex([pd.NaT] * n, dtype=TS)
        stamps = [pd.NaT if _missing(v) else pd.Timestamp(v) for v in values]
        return pd.DatetimeIndex(pd.to_datetime(stamps, utc=True)).as_unit("ns")
    if len(values) == 0:
        return pd.array([None] * n, dtype=STR)
    return pd.array([None if _missing(v) else str(v) for v in values], dtype=STR)


def build(kind: str, columns: Mapping[str, Sequence[Any]] | None = None) -> pd.DataFrame:
    """The ``kind`` frame from column lists; absent columns are NaN / NA / NaT / False / 0."""
    spec = schema(kind)
    columns = columns or {}
    unknown = set(columns) - set(spec)
    if unknown:
        raise InvalidArgument(f"{kind} has no columns {sorted(unknown)}")
    n = max((len(v) for v in columns.values()), default=0)
    data = {name: _column(list(columns.get(name, [])), dtype, n) for name, dtype in spec.items()}
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def _as_utc(series: pd.Series) -> pd.Series:
    if not isinstance(series.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(
        series.dtype
    ):
        series = pd.to_datetime(series, utc=True, format="ISO8601")
    elif series.dt.tz is None:
        # Naive times are taken as UTC, as everywhere in xtoolkit.
        series = series.dt.tz_localize("UTC")
    return series.dt.tz_convert("UTC").dt.as_unit("ns")


def coerce(series: pd.Series, dtype: str) -> pd.Series:
    """``series`` as one of the schema dtypes (tz normalised to the string ``"UTC"``)."""
    if dtype == TS:
        return _as_utc(series)
    if dtype == STR:
        return series.astype(STR)
    if dtype == BOOL and series.dtype != bool:
        if series.isna().any():
            raise InvalidArgument(f"column {series.name!r} has missing values; it must be bool")
        return series.map(lambda v: v if isinstance(v, bool | np.bool_) else str(v) == "True").astype(bool)
    return series.astype(dtype)


def conform(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``df`` with exactly ``kind``'s columns first, in order, with its dtypes.

    Missing schema columns are added empty; extra columns are kept after them, unchanged.
    """
    spec = schema(kind)
    n = len(df)
    out: dict[str, Any] = {}
    for name, dtype in spec.items():
        if name in df.columns:
            out[name] = coerce(df[name].reset_index(drop=True), dtype)
        else:
            out[name] = _column([], dtype, n)
    for name in df.columns:
        if name not in spec:
            out[name] = df[name].reset_index(drop=True)
    return pd.DataFrame(out, index=pd.RangeIndex(n))
