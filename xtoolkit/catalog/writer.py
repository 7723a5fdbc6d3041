"""Atomic Parquet writes (one job: a file is either whole and visible, or not there).

Local disk: write ``.<name>.tmp-<random>`` in the target directory, flush, ``fsync``, then
``os.replace`` onto the final name and ``fsync`` the directory — so a crash (SIGKILL, power)
leaves at most a dot-prefixed temp file, which every reader skips. Rewriting the same name
replaces the file in one step. On fsspec filesystems the file is written to a temp name and
moved (object stores make a PUT visible only once it is complete).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from xtoolkit._atomic import replace_atomically, temp_name
from xtoolkit._errors import XtoolkitError
from xtoolkit.catalog.layout import Root

__all__ = ["CatalogWriteError", "replace_atomically", "write_bytes", "write_table"]

META_KEY = b"xtoolkit"


class CatalogWriteError(XtoolkitError):
    """A catalog file could not be written (disk full, permissions...)."""


def write_table(root: Root, rel_path: str, table: pa.Table, *, kind: str) -> str:
    """Write ``table`` at ``rel_path`` below ``root`` atomically; returns the full path.

    Timestamps are stored as microseconds (``TIMESTAMP(MICROS, isAdjustedToUTC=true)``).
    """
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps({"format": "xtoolkit-catalog/1", "kind": kind}).encode()
    table = table.replace_schema_metadata(meta)
    target = root.join(rel_path)
    directory, name = target.rsplit("/", 1)
    options: dict[str, Any] = {
        "coerce_timestamps": "us",
        "allow_truncated_timestamps": False,
        "compression": "zstd",
    }
    try:
        if root.local:
            replace_atomically(target, lambda fh: pq.write_table(table, fh, **options))
        else:
            root.fs.makedirs(directory, exist_ok=True)
            tmp = temp_name(directory, name)
            with root.fs.open(tmp, "wb") as fh:
                pq.write_table(table, fh, **options)
            root.fs.mv(tmp, target)
    except OSError as exc:
        raise CatalogWriteError(f"cannot write {target}: {exc}") from None
    return target


def write_bytes(root: Root, rel_path: str, data: bytes) -> None:
    """Write a small bookkeeping file atomically (same temp-fsync-rename dance)."""
    target = root.join(rel_path)
    directory = target.rsplit("/", 1)[0]
    try:
        if root.local:
            replace_atomically(target, lambda fh: fh.write(data))
        else:
            root.fs.makedirs(directory, exist_ok=True)
            root.fs.pipe_file(target, data)
    except OSError as exc:
        raise CatalogWriteError(f"cannot write {target}: {exc}") from None
