"""One Arrow schema per catalog kind (one job: what a file holds).

Files hold every column of the kind's frame except the hive keys (exchange, symbol, interval,
date live in the path) and ``is_closed`` (the catalog stores closed candles only). Timestamps
are ``timestamp[us, tz=UTC]`` — Parquet ``TIMESTAMP(MICROS, isAdjustedToUTC=true)``, which
Spark 4, DuckDB, Dask, Polars and pyarrow all read as UTC instants without options.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from xtoolkit._frames import schema as frame_schema

__all__ = ["PARTITION_KEYS", "TS_TYPE", "arrow_schema", "columns", "time_column"]

TS_TYPE = pa.timestamp("us", tz="UTC")
PARTITION_KEYS = ("kind", "exchange", "symbol", "interval", "date")
_DROPPED = {"exchange", "symbol", "interval", "is_closed"}
_ARROW = {"str": pa.string(), "float64": pa.float64(), "int64": pa.int64(), "bool": pa.bool_()}
_TIME = {"candles": "open_time", "trades": "ts", "record_premium": "poll_ts", "record_tickers": "poll_ts"}


def _frame_kind(kind: str) -> str:
    return kind  # catalog kinds are frame kinds of the same name (candles, trades, record_*)


def columns(kind: str) -> list[str]:
    """The columns stored in a file of ``kind`` (frame columns minus hive keys)."""
    return [c for c in frame_schema(_frame_kind(kind)) if c not in _DROPPED]


def time_column(kind: str) -> str:
    """The column that decides a row's ``date=`` partition and coverage."""
    return _TIME[kind]


def _arrow_type(dtype: str) -> Any:
    return TS_TYPE if dtype.startswith("datetime64") else _ARROW[dtype]


def arrow_schema(kind: str) -> pa.Schema:
    """The Arrow schema of a ``kind`` file."""
    types = frame_schema(_frame_kind(kind))
    return pa.schema([pa.field(c, _arrow_type(types[c])) for c in columns(kind)])
