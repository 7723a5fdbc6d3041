"""Create or replace a local file in one step (temp file beside it, fsync, rename).

Used by the catalog's writer and by the recorded-data files (:mod:`xtoolkit._export`), so a
process killed mid-write, or a reader listing the directory, never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from typing import IO

__all__ = ["fsync_dir", "replace_atomically", "temp_name"]


def fsync_dir(path: str) -> None:
    """Flush the directory entry ``path`` (best effort)."""
    # The rename is durable only once the directory entry is on disk (POSIX).
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temp_name(directory: str, name: str) -> str:
    """A dot-prefixed temp name beside ``name`` (readers skip dot files)."""
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
    tmp = temp_name(directory, name)
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
    fsync_dir(directory)
