"""CSV and Parquet round trips that keep dtypes and UTC timestamps (defined in
:mod:`xtoolkit._export`, below research and streams, which both write recorded rows)."""

from xtoolkit._export import (
    PARTITIONS,
    SIDECAR,
    path_safe,
    read_csv,
    read_parquet,
    symbol_from_path,
    to_csv,
    to_parquet,
    write_part,
)

__all__ = [
    "PARTITIONS",
    "SIDECAR",
    "path_safe",
    "read_csv",
    "read_parquet",
    "symbol_from_path",
    "to_csv",
    "to_parquet",
    "write_part",
]
