"""DuckDB over the catalog (one job: SQL in, UTC DataFrame out).

Each kind is a view named after it (``candles``, ``trades``, ``record_premium``,
``record_tickers``) over ``<root>/kind=<kind>/**/*.parquet`` with the hive keys as columns
(``exchange``, ``symbol`` as ``BTC/USDT``, ``interval``, ``date`` as DATE). Timestamps come
back tz-aware UTC.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument, XtoolkitError
from xtoolkit.catalog.layout import KINDS, Root
from xtoolkit.catalog.schemas import arrow_schema

__all__ = ["CatalogQueryError", "connect", "sql"]

_DUCK = {"string": "VARCHAR", "double": "DOUBLE", "int64": "BIGINT", "bool": "BOOLEAN"}


class CatalogQueryError(XtoolkitError):
    """DuckDB refused or failed a query (``payload`` holds DuckDB's message)."""


def _empty_view(kind: str) -> str:
    cols = []
    for field in arrow_schema(kind):
        t = "TIMESTAMPTZ" if str(field.type).startswith("timestamp") else _DUCK[str(field.type)]
        cols.append(f"CAST(NULL AS {t}) AS {field.name}")
    keys = "CAST(NULL AS VARCHAR) AS exchange, CAST(NULL AS VARCHAR) AS symbol, "
    keys += "CAST(NULL AS VARCHAR) AS interval, CAST(NULL AS DATE) AS date"
    return f"SELECT {', '.join(cols)}, {keys} WHERE false"


def _has_files(root: Root, kind: str) -> bool:
    import glob

    if root.local:
        return bool(glob.glob(f"{root.join(f'kind={kind}')}/**/*.parquet", recursive=True))
    return bool(root.fs.glob(root.join(f"kind={kind}/**/*.parquet")))


def connect(root: Root) -> Any:
    """A fresh in-memory DuckDB connection with one view per kind."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    prefix = root.path
    if not root.local:
        con.register_filesystem(root.fs)
        prefix = root.url.rstrip("/")
    for kind in KINDS:
        if _has_files(root, kind):
            pattern = f"{prefix}/kind={kind}/**/*.parquet".replace("'", "''")
            body = (
                "SELECT * EXCLUDE (kind, symbol), regexp_replace(symbol, '-', '/') AS symbol "
                f"FROM read_parquet('{pattern}', hive_partitioning = true, union_by_name = true, "
                "hive_types = {'kind': VARCHAR, 'exchange': VARCHAR, 'symbol': VARCHAR, "
                "'interval': VARCHAR, 'date': DATE})"
            )
        else:
            body = _empty_view(kind)
        con.execute(f"CREATE VIEW {kind} AS {body}")
    return con


def sql(root: Root, query: str, params: Any = None) -> pd.DataFrame:
    """Run ``query`` and return a DataFrame whose timestamp columns are tz-aware UTC."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidArgument("sql() takes a non-empty SQL string")
    import duckdb

    con = connect(root)
    try:
        df = con.execute(query, params).df() if params is not None else con.execute(query).df()
    except duckdb.Error as exc:
        raise CatalogQueryError(f"DuckDB: {exc}", payload=str(exc)) from None
    finally:
        con.close()
    for name in df.columns:
        col = df[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            df[name] = col.dt.tz_convert("UTC")
        elif pd.api.types.is_datetime64_dtype(col.dtype):
            df[name] = col.dt.tz_localize("UTC")  # TIMESTAMP without zone: stored instants are UTC
    return df
