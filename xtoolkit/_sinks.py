"""Where recorded rows go: a CSV file, a hive-partitioned Parquet directory, or a catalog.

Used by the research :class:`~xtoolkit.research.Recorder` and the stream
:class:`~xtoolkit.stream.LivePremium`, so polled and streamed recordings are written — and
read back — the same way. Each sink takes whole frames of one kind (``record_premium``,
``record_tickers``) from one writer at a time and is safe to call from a worker thread.

* :class:`CsvSink` appends every write to one file (with the ``.schema.json`` sidecar that
  :func:`~xtoolkit.research.read_csv` restores dtypes from);
* :class:`ParquetSink` buffers and writes ``exchange=/symbol=/date=/part-*.parquet`` files
  every ``flush_every`` seconds and on :meth:`~ParquetSink.close`;
* :class:`CatalogSink` buffers the same way and flushes into a :class:`~xtoolkit.Catalog`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit._export import SIDECAR, path_safe, to_csv, write_part

__all__ = ["CatalogSink", "CsvSink", "ParquetSink", "Sink", "error_type"]

_ERROR_CLASS = re.compile(r"(?:^|: )([A-Z]\w*): ")


def error_type(text: Any) -> str | None:
    """The error class named in an ``error`` cell (``"RateLimited: ..."`` -> ``RateLimited``)."""
    if not isinstance(text, str) or not text:
        return None
    m = _ERROR_CLASS.search(text)
    return m.group(1) if m else "Error"


class CsvSink:
    """Append every write of ``kind`` rows to the CSV file ``path`` (refuses a file of another kind)."""

    def __init__(self, path: Path, kind: str) -> None:
        sidecar = path.with_name(path.name + SIDECAR)
        if path.exists() and sidecar.exists():
            existing = json.loads(sidecar.read_text(encoding="utf-8")).get("kind")
            if existing != kind:
                raise InvalidArgument(f"{path} holds {existing!r} rows, not {kind!r}; use another path")
        self.path, self.kind = path, kind
        self._lock = threading.Lock()

    def write(self, rows: pd.DataFrame) -> None:
        with self._lock:
            to_csv(rows, self.path, kind=self.kind, append=True)

    def close(self) -> None:
        """Nothing buffered: every poll is already on disk."""


class ParquetSink:
    """Buffer ``kind`` rows; write them as hive-partitioned Parquet under ``root`` every ``flush_every`` s."""

    def __init__(self, root: Path, kind: str, flush_every: float) -> None:
        if root.exists() and not root.is_dir():
            raise InvalidArgument(f"parquet recording needs a directory, and {root} is a file")
        self.root, self.kind, self.flush_every = root, kind, flush_every
        self._buffer: list[pd.DataFrame] = []
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def write(self, rows: pd.DataFrame) -> None:
        with self._lock:
            self._buffer.append(rows)
            if time.monotonic() - self._last >= self.flush_every:
                self._flush()

    def close(self) -> None:
        """Write what is buffered."""
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        self._last = time.monotonic()
        if not self._buffer:
            return
        rows = pd.concat(self._buffer, ignore_index=True)
        self._buffer = []
        dates = rows["poll_ts"].dt.strftime("%Y-%m-%d")
        stamp = int(time.time() * 1000)
        for (ex, sym, day), part in rows.groupby([rows["exchange"], rows["symbol"], dates], sort=False):
            name = f"part-{stamp}-{uuid.uuid4().hex[:8]}.parquet"
            where = self.root / f"exchange={ex}" / f"symbol={path_safe(str(sym))}" / f"date={day}" / name
            write_part(part.drop(columns=["exchange", "symbol"]), where, kind=self.kind)


class CatalogSink(ParquetSink):
    """Buffered like the Parquet sink, flushed into a :class:`~xtoolkit.Catalog` (its layout)."""

    def __init__(self, catalog: Any, kind: str, flush_every: float) -> None:
        self.catalog, self.kind, self.flush_every = catalog, kind, flush_every
        self._buffer = []
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def _flush(self) -> None:
        self._last = time.monotonic()
        if not self._buffer:
            return
        rows = pd.concat(self._buffer, ignore_index=True)
        self._buffer = []
        self.catalog.write(self.kind, rows)


#: Any of the sinks.
Sink = CsvSink | ParquetSink
