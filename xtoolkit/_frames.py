"""One schema registry (kind -> column -> dtype) and one frame builder, empty-safe.

Every frame xtoolkit hands back is built here, by :func:`frame`, from column lists, with the
columns and dtypes its kind registers in :data:`SCHEMAS`: long form with ``exchange`` and
``symbol`` columns (balances: ``asset``; premium rows: ``base``), numbers as float64, text as
``str``, timestamps tz-aware UTC in nanoseconds — and the same columns when there are no rows,
so a frame's shape never depends on how many inputs were given.

Kinds: the market data the clients return (tickers, orderbook, trades, candles, balances,
orders, markets), the research frames (compare, premium, premium_history, book, ...), the
recorder's (record_*), stream records (``stream``). A wing that owns a table of its own
(the order journal, reconcile verdicts) registers it with :func:`register`, next to where it
is defined, and builds it with the same :func:`frame`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from xtoolkit._errors import InvalidArgument

__all__ = [
    "RESEARCH_KINDS",
    "SCHEMAS",
    "TypedColumns",
    "coerce",
    "conform",
    "empty_columns",
    "frame",
    "merge_columns",
    "register",
    "schema",
    "typed_columns",
]

STR = "str"
F64 = "float64"
I64 = "int64"
#: Nullable integers (stream sequence ids exceed float64's exact integer range).
NULLABLE_I64 = "Int64"
BOOL = "bool"
TS = "datetime64[ns, UTC]"
DTYPES = (STR, F64, I64, NULLABLE_I64, BOOL, TS)

# --- market data: what the clients return ----------------------------------------------------

_MARKET_DATA: dict[str, dict[str, str]] = {
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

# --- research: comparisons, premium, books, balances, recordings -----------------------------

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

_RESEARCH: dict[str, dict[str, str]] = {
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
        "filled_excluded": I64,
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
    "record_tickers": {**_MARKET_DATA["tickers"], "mid": F64, **_POLL, "error": STR},
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

# --- streams: every normalized websocket message is one row of this shape ---------------------

#: ``seq`` is nullable: Upbit sequential ids exceed float64's exact integer range, and book
#: snapshots have none.
_STREAM: dict[str, dict[str, str]] = {
    "stream": {
        "exchange": STR,
        "symbol": STR,
        "channel": STR,
        "bid": F64,
        "ask": F64,
        "bid_qty": F64,
        "ask_qty": F64,
        "price": F64,
        "qty": F64,
        "side": STR,
        "event_ts": TS,
        "received_ts": TS,
        "seq": NULLABLE_I64,
        "gap": BOOL,
        "reason": STR,
    },
}

#: The registry: kind -> column -> dtype. The single source of truth for column names, their
#: order and their dtypes (read it, never edit it: add a kind with :func:`register`).
SCHEMAS: dict[str, dict[str, str]] = {**_MARKET_DATA, **_RESEARCH, **_STREAM}
#: The research layer's kinds (the frames of :mod:`xtoolkit.research`).
RESEARCH_KINDS: tuple[str, ...] = tuple(_RESEARCH)


def register(kind: str, columns: Mapping[str, str]) -> dict[str, str]:
    """Add the table ``kind`` (column -> dtype) to :data:`SCHEMAS`; returns its registered dict.

    Registering the same columns again is a no-op (modules may be reloaded); different columns
    under a taken name raise :class:`~xtoolkit.InvalidArgument`.
    """
    spec = dict(columns)
    bad = {c: d for c, d in spec.items() if d not in DTYPES}
    if bad:
        raise InvalidArgument(f"{kind}: unknown dtypes {bad}; use one of {', '.join(DTYPES)}")
    known = SCHEMAS.get(kind)
    if known is not None:
        if known != spec:
            raise InvalidArgument(f"frame kind {kind!r} is already registered with other columns")
        return known
    SCHEMAS[kind] = spec
    return spec


def schema(kind: str) -> dict[str, str]:
    """Column -> dtype of ``kind`` (``InvalidArgument`` naming the known kinds otherwise)."""
    found = SCHEMAS.get(kind)
    if found is None:
        raise InvalidArgument(f"unknown frame kind {kind!r}; known: {', '.join(sorted(SCHEMAS))}")
    return found


def empty_columns(kind: str) -> dict[str, list[Any]]:
    """A fresh, empty column dict for ``kind``."""
    return {name: [] for name in schema(kind)}


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


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


#: The exact dtypes the schema names stand for (what a typed column already is).
_TS_DTYPE = pd.DatetimeTZDtype("ns", "UTC")


@functools.cache
def _str_kind() -> tuple[type, Any]:
    """pandas' ``str`` array class and dtype, found on first use (building one loads pandas' Arrow
    string machinery: not at import time)."""
    empty = pd.array([], dtype=STR)
    return type(empty), empty.dtype


#: Epoch milliseconds whose nanoseconds fit in int64 (about 1677-09-21 .. 2262-04-11).
_MS_LIMIT = (2**63 - 1) // 1_000_000
_NAT_NS = np.iinfo(np.int64).min


def _str_array(vals: list[Any]) -> Any:
    """``pd.array(vals, dtype="str")`` for text with ``None`` holes, without pandas' per-element
    inference (Arrow-backed ``str``; the ``str`` of anything else goes the general way)."""
    array_type, str_dtype = _str_kind()
    if array_type.__name__ == "ArrowStringArray" and all(type(v) is str or v is None for v in vals):
        import pyarrow as pa  # already loaded: pandas' "str" dtype is Arrow-backed here

        return array_type(pa.array(vals, type=pa.large_string()), dtype=str_dtype)
    return pd.array([None if _missing(v) else str(v) for v in vals], dtype=STR)


def _utc_ns(ns: np.ndarray) -> Any:
    """int64 epoch nanoseconds (iNaT for missing) as a tz-aware UTC array, no parsing."""
    # UTC wall time is UTC: the nanoseconds are the values, no localising arithmetic needed.
    # ``_simple_new`` wraps the M8[ns] view as it is (~1 µs); ``_from_sequence`` re-validates
    # what is valid by construction (~13 µs, nine times a Recorder poll).
    return pd.arrays.DatetimeArray._simple_new(ns.view("M8[ns]"), dtype=_TS_DTYPE)


def _utc_from_ms(vals: Sequence[Any]) -> Any | None:
    """Epoch milliseconds (no missing values, within range) as UTC nanoseconds; None otherwise."""
    try:
        ms = np.array(vals, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        return None
    if ms.ndim != 1 or (len(ms) and (ms.min() < -_MS_LIMIT or ms.max() > _MS_LIMIT)):
        return None
    return _utc_ns(ms * 1_000_000)


def _utc_from_stamps(vals: Sequence[Any]) -> Any | None:
    """``pandas.Timestamp``/``NaT`` values as UTC nanoseconds (``.value`` is UTC epoch ns, a
    naive stamp read as UTC); None when anything else is in the list."""
    ts_type, nat = pd.Timestamp, pd.NaT
    if not all(type(v) is ts_type or v is nat for v in vals):
        return None
    try:
        ns = np.array([_NAT_NS if v is nat else v.value for v in vals], dtype=np.int64)
    except OverflowError:  # beyond nanoseconds' range: the general path raises as before
        return None
    return _utc_ns(ns)


def _typed(values: Any, dtype: str) -> Any | None:
    """A copy of ``values`` when it already is an array of exactly ``dtype`` (a column of another
    frame, numpy maths), so it is not converted again; None otherwise."""
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    kind = getattr(values, "dtype", None)
    if kind is None:
        return None
    if dtype == F64 and isinstance(values, np.ndarray) and kind.kind == "f":
        return values.astype(np.float64, copy=True)  # history maths: already float arrays
    if isinstance(values, pd.api.extensions.ExtensionArray) and not isinstance(
        values, pd.arrays.NumpyExtensionArray
    ):
        if (
            (dtype == TS and kind == _TS_DTYPE)
            or (dtype == STR and kind == _str_kind()[1])
            or (dtype == NULLABLE_I64 and kind == pd.Int64Dtype())
        ):
            return values.copy()
        return None
    if isinstance(values, pd.arrays.NumpyExtensionArray):
        values = values.to_numpy()
    if (
        isinstance(values, np.ndarray)
        and values.ndim == 1
        and (
            (dtype == F64 and values.dtype == np.float64)
            or (dtype == I64 and values.dtype == np.int64)
            or (dtype == BOOL and values.dtype == np.bool_)
        )
    ):
        return values.copy()
    return None


def _column(values: Sequence[Any], dtype: str, n: int) -> Any:
    """One column of ``n`` rows; no values at all means ``n`` missing ones (NaN/NA/NaT/False/0).

    Always a fresh array (the frame is built around it without another copy). Values that are
    already an array of the dtype are copied, not re-converted; plain lists take numpy's and
    Arrow's bulk conversions, and only lists those refuse (missing markers numpy does not know,
    mixed types) go element by element.
    """
    typed = _typed(values, dtype) if not isinstance(values, list) else None
    if typed is not None:
        return typed
    vals = values if isinstance(values, list) else list(values)
    if dtype == F64:
        if not vals:
            return np.full(n, np.nan)
        try:
            return np.array(vals, dtype=np.float64)  # None -> NaN, as below
        except (TypeError, ValueError):
            return np.array([np.nan if _missing(v) else v for v in vals], dtype=np.float64)
    if dtype == I64:
        return np.array(vals, dtype=np.int64) if vals else np.zeros(n, dtype=np.int64)
    if dtype == BOOL:
        return np.array(vals, dtype=bool) if vals else np.zeros(n, dtype=bool)
    if dtype == NULLABLE_I64:
        return pd.array([None if _missing(v) else int(v) for v in vals] if vals else [None] * n, dtype=dtype)
    if dtype == TS:
        if not vals:
            return _utc_ns(np.full(n, _NAT_NS, dtype=np.int64))
        first = next((v for v in vals if not _missing(v)), None)
        if isinstance(first, int | float | np.integer | np.floating) and not isinstance(first, bool):
            fast = _utc_from_ms(vals)
            if fast is not None:
                return fast
            # Epoch milliseconds from the venues: exact integer maths, no float rounding.
            ms = np.array([-(2**63) if _missing(v) else int(v) for v in vals], dtype=np.int64)
            return pd.to_datetime(ms, unit="ms", utc=True).as_unit("ns").array
        fast = _utc_from_stamps(vals)
        if fast is not None:
            return fast
        stamps = [pd.NaT if _missing(v) else v for v in vals]
        return pd.DatetimeIndex(pd.to_datetime(stamps, utc=True, format="ISO8601")).as_unit("ns").array
    if not vals:
        return pd.array([None] * n, dtype=STR)
    return _str_array(vals)


#: Column labels per schema (an Index is immutable: one per column list serves every frame).
_LABELS: dict[tuple[str, ...], pd.Index] = {}


def _labels(names: tuple[str, ...]) -> pd.Index:
    found = _LABELS.get(names)
    if found is None:
        found = _LABELS[names] = pd.Index(list(names))
    return found


def _assemble(data: dict[str, Any], n: int) -> pd.DataFrame:
    """The frame of ``data``'s columns (fresh 1-D arrays of their final dtypes, ``n`` rows each).

    ``DataFrame._from_arrays`` skips what ``DataFrame(dict)`` re-does for arrays like these
    (key inference, per-column sanitising and copying): a third of its cost, the same frame
    (same blocks, dtypes, labels). Lengths are checked here, as the constructor would.
    """
    arrays = list(data.values())
    if any(len(a) != n for a in arrays):
        return pd.DataFrame(data, index=pd.RangeIndex(n))  # raises pandas' own length error
    return pd.DataFrame._from_arrays(
        arrays, columns=_labels(tuple(data)), index=pd.RangeIndex(n), verify_integrity=False
    )


class TypedColumns:
    """A frame's columns converted to their final arrays, not yet assembled into a frame.

    For code that reads a few columns of a frame it would otherwise build only to read back
    (research reads five ticker columns on every premium poll): :meth:`values` gives what
    ``frame()[name].tolist()`` would, and :meth:`frame` assembles the same frame when it is
    wanted after all. Every column that can refuse its values (numbers, times) is converted up
    front, so a wrong-shaped answer fails where :func:`frame` would; text columns, which take
    any value, are converted on first use.
    """

    __slots__ = ("_arrays", "_spec", "_text", "n")

    def __init__(self, spec: dict[str, str], columns: Mapping[str, Sequence[Any]], n: int) -> None:
        self._spec = spec
        self.n = n
        self._text = {name: columns.get(name, []) for name, dtype in spec.items() if dtype == STR}
        self._arrays: dict[str, Any] = {
            name: _column(columns.get(name, []), dtype, n) for name, dtype in spec.items() if dtype != STR
        }

    def array(self, name: str) -> Any:
        """Column ``name`` as the array the frame holds (a text column is converted once)."""
        found = self._arrays.get(name)
        if found is None:
            found = self._arrays[name] = _column(self._text.pop(name), self._spec[name], self.n)
        return found

    def values(self, name: str) -> list[Any]:
        """Column ``name`` as ``frame()[name].tolist()`` would give it."""
        text = self._text.get(name)
        if text is not None and len(text) == self.n and all(type(v) is str for v in text):
            return list(text)  # what the Arrow text column's tolist() gives, without building it
        return self.array(name).tolist()

    def frame(self) -> pd.DataFrame:
        """The frame of these columns (built around the arrays, not copying them)."""
        return _assemble({name: self.array(name) for name in self._spec}, self.n)


def typed_columns(kind: str | Mapping[str, str], columns: Mapping[str, Sequence[Any]]) -> TypedColumns:
    """``kind``'s columns from column lists, each converted to its dtype (see :func:`frame`).

    Raises what :func:`frame` raises: ``InvalidArgument`` for a column the kind does not have
    (``raw`` is let through and left out), numpy's/pandas' errors for values that do not convert.
    """
    spec = schema(kind) if isinstance(kind, str) else dict(kind)
    unknown = set(columns) - set(spec) - {"raw"}
    if unknown:
        name = kind if isinstance(kind, str) else "this frame"
        raise InvalidArgument(f"{name} has no columns {sorted(unknown)}")
    n = max((len(v) for v in columns.values()), default=0)
    return TypedColumns(spec, columns, n)


def frame(
    kind: str | Mapping[str, str],
    columns: Mapping[str, Sequence[Any]] | None = None,
    *,
    raw: bool = False,
) -> pd.DataFrame:
    """The ``kind`` frame from column lists: exactly its columns, in order, with its dtypes.

    ``kind`` is a registered kind (``"tickers"``, ``"premium"``...) or a column -> dtype
    mapping. Absent columns are filled with NaN / NA / NaT / False / 0; a column the kind does
    not have raises ``InvalidArgument`` (a dropped column would be a silent loss) — except
    ``raw``, the venue payload per row, appended as an object column when ``raw=True``.
    """
    columns = columns or {}
    df = typed_columns(kind, columns).frame()
    if raw:
        n = len(df)
        values = columns.get("raw", [None] * n)
        df["raw"] = pd.Series(list(values), dtype=object, index=df.index)
    return df


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
    present = set(df.columns)
    out: dict[str, Any] = {}
    arrays_only = True
    for name, dtype in spec.items():
        if name not in present:
            out[name] = _column([], dtype, n)
            continue
        column = df[name]
        # A column already of exactly its dtype (what a venue parser or the frame builder made)
        # is taken as it is, never re-coerced; copied, so the result shares nothing with ``df``.
        typed = _typed(column, dtype) if _exact(column.dtype, dtype) else None
        if typed is None:
            typed = coerce(column.reset_index(drop=True), dtype)
            arrays_only = False
        out[name] = typed
    for name in df.columns:
        if name not in spec:
            out[name] = df[name].reset_index(drop=True)
            arrays_only = False
    if arrays_only:
        return _assemble(out, n)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _exact(kind: Any, dtype: str) -> bool:
    """Whether a column's dtype ``kind`` already is ``dtype`` exactly (UTC as
    ``datetime.timezone.utc``, as :func:`coerce` makes it)."""
    if dtype == TS:
        return kind == _TS_DTYPE and kind.tz is _TS_DTYPE.tz
    if dtype == STR:
        return kind == _str_kind()[1]
    if dtype == NULLABLE_I64:
        return kind == pd.Int64Dtype()
    return kind == np.dtype(dtype)
