"""Atomic Parquet writes (one job: a file is either whole and visible, or not there).

Local disk: write ``.<name>.tmp-<random>`` in the target directory, flush, ``fsync``, then
``os.replace`` onto the final name and ``fsync`` the directory — so a crash (SIGKILL, power)
leaves at most a dot-prefixed temp file, which every reader skips. Rewriting the same name
replaces the file in one step. On fsspec filesystems the file is written to a temp name and
moved (object stores make a PUT visible only once it is complete).
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from xtoolkit._errors import XtoolkitError
from xtoolkit.catalog.layout import Root

__all__ = ["CatalogWriteError", "replace_atomically", "write_bytes", "write_table"]

META_KEY = b"xtoolkit"


class CatalogWriteError(XtoolkitError):
    """A catalog file could not be written (disk full, permissions...)."""


def _fsync_dir(path: str) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX).
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _tmp_name(directory: str, name: str) -> str:
    return f"{directory}/.{name}.tmp-{uuid.uuid4().hex[:12]}"


def replace_atomically(target: str, fill: Callable[[IO[bytes]], object]) -> None:
    """Create or replace the local file ``target`` in one step: ``fill`` writes its bytes.

    ``fill`` writes into ``.<name>.tmp-<random>`` beside ``target`` (same directory, so the
    rename cannot cross filesystems); the temp file is flushed and fsynced, renamed onto
    ``target`` and the directory fsynced. Readers (pyarrow, DuckDB, Dask, Spark) skip
    dot-prefixed names, so they see the whole file or none. Raises ``OSError``; on any error
    or interrupt the temp file is removed and ``target`` is untouched.
    """
    directory, name = os.path.split(target)
    directory = directory or "."
    os.makedirs(directory, exist_ok=True)
    tmp = _tmp_name(directory, name)
    try:
        with open(tmp, "wb") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        # Ctrl-C or an error mid-write: the temp file is junk, never the target.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


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
            tmp = _tmp_name(directory, name)
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
