"""CSV and Parquet round trips that keep dtypes and UTC timestamps.

* Timestamps are normalised to tz ``"UTC"`` (the string zone, nanoseconds) before writing —
  ``datetime.timezone.utc``/local zones are a known Parquet round-trip trap; naive times are
  taken as UTC.
* CSV carries no types, so :func:`to_csv` writes a sidecar ``<file>.schema.json`` (column
  dtypes, frame kind, provenance). :func:`read_csv` restores dtypes from ``kind=`` (any
  research or core frame kind) or from that sidecar. Only empty fields read as missing, so a
  text value such as ``"NA"`` survives; an empty string does not (it reads back as missing).
* Parquet keeps types itself; the same schema and provenance ride in the file metadata
  (key ``xtoolkit``). :func:`read_parquet` also reads a hive-partitioned directory
  (``exchange=.../symbol=.../date=.../part-*.parquet``, as the recorder writes), turning the
  path-safe symbol (``BTC-USDT``) back into ``BTC/USDT``.
* A plain row-number index is not stored; any other index (named, or times) is written as
  ordinary columns.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from xtoolkit._atomic import replace_atomically
from xtoolkit._errors import InvalidArgument, XtoolkitError
from xtoolkit._frames import TS, coerce, conform, schema
from xtoolkit._premium import error_text
from xtoolkit._version import __version__

__all__ = [
    "PARTITIONS",
    "path_safe",
    "read_csv",
    "read_parquet",
    "symbol_from_path",
    "to_csv",
    "to_parquet",
    "write_part",
]

SIDECAR = ".schema.json"
META_KEY = b"xtoolkit"
#: Hive partition keys of recorded data, outermost first.
PARTITIONS = ("exchange", "symbol", "date")
_FORMAT = "xtoolkit-frame/1"
#: Microsecond timestamps (TIMESTAMP(MICROS, isAdjustedToUTC=true)): Spark 4 refuses the
#: nanosecond ones pyarrow writes by default. Sub-microsecond digits are dropped on purpose.
_PARQUET_OPTIONS: dict[str, Any] = {"coerce_timestamps": "us", "allow_truncated_timestamps": True}


def path_safe(symbol: str) -> str:
    """``BTC/USDT`` -> ``BTC-USDT``: a symbol usable as a directory name (and reversible)."""
    return symbol.replace("/", "-")


def symbol_from_path(text: str) -> str:
    """``BTC-USDT`` -> ``BTC/USDT`` (the inverse of :func:`path_safe`; ``BTC`` stays ``BTC``)."""
    return text.replace("-", "/", 1) if "-" in text else text


def _dtype_name(dtype: Any) -> str:
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return TS
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
        return "str"
    return str(dtype)


def _normalise(df: pd.DataFrame, kind: str | None) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument(f"expected a DataFrame, not {type(df).__name__}")
    # A plain row-number index (also a filtered one) carries nothing; any other index —
    # named, or times — is data and becomes columns.
    plain = df.index.name is None and pd.api.types.is_integer_dtype(df.index.dtype)
    out = df.reset_index(drop=plain)
    if kind is not None:
        normal = conform(out, kind)
    else:
        cols = {}
        for name in out.columns:
            dtype = _dtype_name(out[name].dtype)
            cols[name] = coerce(out[name], dtype) if dtype in (TS, "str") else out[name]
        normal = pd.DataFrame(cols, index=pd.RangeIndex(len(out)))
    normal.attrs = dict(df.attrs)
    return normal


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, BaseException):
        return error_text(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _header(df: pd.DataFrame, kind: str | None) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "kind": kind,
        "xtoolkit": __version__,
        "columns": [[name, _dtype_name(df[name].dtype)] for name in df.columns],
        "provenance": _jsonable(df.attrs),
    }


def _restore(df: pd.DataFrame, header: Mapping[str, Any] | None, kind: str | None) -> pd.DataFrame:
    if kind is not None:
        return conform(df, kind)
    if header is None:
        return df
    if header.get("kind"):
        out = conform(df, str(header["kind"]))
    else:
        cols = {}
        for name, dtype in header.get("columns", []):
            if name in df.columns:
                cols[name] = coerce(df[name].reset_index(drop=True), dtype)
        for name in df.columns:
            cols.setdefault(name, df[name].reset_index(drop=True))
        out = pd.DataFrame(cols, index=pd.RangeIndex(len(df)))
    out.attrs["provenance"] = header.get("provenance", {})
    return out


def to_csv(df: pd.DataFrame, path: str | Path, *, kind: str | None = None, append: bool = False) -> Path:
    """Write ``df`` as CSV plus a ``.schema.json`` sidecar; returns the CSV path.

    Parameters
    ----------
    kind
        Frame kind (``"premium"``, ``"tickers"``...) to enforce before writing and record in
        the sidecar.
    append
        Add rows to an existing file (header and sidecar are written only when it is new).
    """
    target = Path(path)
    out = _normalise(df, kind)
    fresh = not append or not target.exists() or target.stat().st_size == 0
    target.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(target, index=False, mode="w" if fresh else "a", header=fresh)
    if fresh:
        sidecar = target.with_name(target.name + SIDECAR)
        sidecar.write_text(json.dumps(_header(out, kind), indent=1), encoding="utf-8")
    return target


def read_csv(path: str | Path, *, kind: str | None = None) -> pd.DataFrame:
    """Read a CSV written by :func:`to_csv` with its dtypes and UTC timestamps restored.

    Types come from ``kind`` when given, else from the sidecar; with neither this raises
    :class:`~xtoolkit.InvalidArgument` rather than guess.
    """
    source = Path(path)
    sidecar = source.with_name(source.name + SIDECAR)
    header = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else None
    if kind is None and header is None:
        raise InvalidArgument(f"{source} has no {SIDECAR} sidecar: pass kind= to say what it holds")
    types = dict(schema(kind)) if kind is not None else dict(header["columns"])  # type: ignore[index]
    read_as: dict[str, Any] = {}
    for name, dtype in types.items():
        read_as[name] = "str" if dtype in (TS, "str") else dtype
    df = pd.read_csv(
        source,
        dtype=read_as,
        keep_default_na=False,
        na_values=[""],
    )
    return _restore(df, header, kind)


def to_parquet(df: pd.DataFrame, path: str | Path, *, kind: str | None = None) -> Path:
    """Write ``df`` as one Parquet file (pyarrow) with its schema and provenance in the metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(path)
    out = _normalise(df, kind)
    header = _header(out, kind)
    # pandas would also try to embed attrs (exceptions and all); ours travel under META_KEY.
    out.attrs = {}
    table = pa.Table.from_pandas(out, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps(header).encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(meta), target, **_PARQUET_OPTIONS)
    return target


def write_part(df: pd.DataFrame, path: Path, *, kind: str) -> Path:
    """Write one partition file of a ``kind`` dataset whose partition keys live in the path, atomically.

    The frame is written as given (no conforming: the hive keys are not columns here) and the
    metadata names ``kind`` so :func:`read_parquet` can restore the full schema.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = _normalise(df, None)
    header = _header(out, None)
    header["kind"] = kind
    out.attrs = {}
    table = pa.Table.from_pandas(out, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps(header).encode()
    table = table.replace_schema_metadata(meta)
    # Atomic (temp name beside it, fsync, rename): a recorder flushing while the process is
    # killed, or a reader listing the directory mid-write, never sees a half-written part.
    replace_atomically(str(path), lambda fh: pq.write_table(table, fh, **_PARQUET_OPTIONS))
    return path


def _meta(schema_meta: Mapping[bytes, bytes] | None) -> dict[str, Any] | None:
    raw = (schema_meta or {}).get(META_KEY)
    return json.loads(raw) if raw else None


def read_parquet(path: str | Path, *, kind: str | None = None) -> pd.DataFrame:
    """Read a Parquet file, or a hive-partitioned directory of them, with dtypes restored.

    A directory is read as a pyarrow dataset partitioned ``exchange/symbol/date``: the
    ``date`` key is dropped (it repeats ``poll_ts``), the symbol is decoded, and rows are
    sorted by ``poll_ts`` (then exchange, symbol) since file order is not row order.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    source = Path(path)
    if not source.exists():
        raise InvalidArgument(f"{source} does not exist")
    if source.is_dir():
        part = ds.partitioning(pa.schema([(k, pa.string()) for k in PARTITIONS]), flavor="hive")
        dataset = ds.dataset(source, format="parquet", partitioning=part)
        try:
            table = dataset.to_table()
        except pa.ArrowInvalid as exc:
            raise XtoolkitError(f"cannot read the dataset at {source}: {exc}") from None
        header = _meta(dataset.schema.metadata)
        df = table.to_pandas().drop(columns=["date"], errors="ignore")
        if "symbol" in df.columns:
            df["symbol"] = df["symbol"].astype("str").map(symbol_from_path)
        keys = [k for k in ("poll_ts", "exchange", "symbol", "fx_source") if k in df.columns]
        df = df.sort_values(keys, kind="stable").reset_index(drop=True) if keys else df
        if header is not None and header.get("kind") is None:
            header = None
    else:
        table = pq.read_table(source)
        header = _meta(table.schema.metadata)
        df = table.to_pandas()
    return _restore(df, header, kind)
