"""Where a catalog lives and how its files are named (one job: paths).

Layout (hive partitions, outermost first; every kind uses the same five keys so one glob reads
a whole kind)::

    <root>/kind=<kind>/exchange=<venue>/symbol=<BASE-QUOTE>/interval=<1m|tick|poll>/date=<YYYY-MM-DD>/
        part-<lo_ms>-<hi_ms>.parquet

* ``kind``: ``candles``, ``trades``, ``record_premium``, ``record_tickers``.
* ``symbol`` is path-safe (``BTC/USDT`` -> ``BTC-USDT``; premium records use the base).
* ``interval`` is the candle interval, ``tick`` for trades, ``poll`` for recorded rows.
* ``date`` is the UTC day of the rows' time (open_time / ts / poll_ts).
* ``lo_ms``/``hi_ms`` (candles and trades) is the half-open time range the file covers, in epoch
  ms: the file names are themselves coverage bookkeeping, so a crash between writing a file
  and recording its range loses nothing.
* Names starting with ``.`` or ``_`` are not data (temp files, ``_coverage/``); pyarrow, Dask,
  DuckDB (``*.parquet`` glob) and Spark all skip them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xtoolkit._errors import InvalidArgument

__all__ = ["KINDS", "Root", "Series", "default_root", "resolve_root"]

#: Kinds a catalog holds, and the ``interval=`` value of the kinds without one.
KINDS = ("candles", "trades", "record_premium", "record_tickers")
_FIXED_INTERVAL = {"trades": "tick", "record_premium": "poll", "record_tickers": "poll"}
_PART = re.compile(r"^part-(\d+)-(\d+)(?:-[0-9a-f]+)?\.parquet$")


def default_root() -> Path:
    """``$XTOOLKIT_HOME/catalog`` (``~/.xtoolkit/catalog`` when the variable is unset)."""
    home = os.environ.get("XTOOLKIT_HOME") or str(Path.home() / ".xtoolkit")
    return Path(home).expanduser() / "catalog"


def path_safe(symbol: str) -> str:
    """``BTC/USDT`` -> ``BTC-USDT`` (reversible: the first ``-`` goes back to ``/``)."""
    return symbol.replace("/", "-")


def symbol_from_path(text: str) -> str:
    return text.replace("-", "/", 1)


@dataclass(frozen=True)
class Series:
    """One stored series: kind, exchange, symbol (``BTC/USDT``) and interval."""

    kind: str
    exchange: str
    symbol: str
    interval: str

    @classmethod
    def of(cls, kind: str, exchange: str, symbol: str, interval: str | None = None) -> Series:
        if kind not in KINDS:
            raise InvalidArgument(f"unknown catalog kind {kind!r}; one of {', '.join(KINDS)}")
        return cls(kind, exchange, symbol, interval or _FIXED_INTERVAL[kind])

    def directory(self) -> str:
        """The series' path below the root (no date), ``/``-separated."""
        return (
            f"kind={self.kind}/exchange={self.exchange}/symbol={path_safe(self.symbol)}/"
            f"interval={self.interval}"
        )

    def key(self) -> str:
        return f"{self.kind}:{self.exchange}:{self.symbol}:{self.interval}"


def part_range(name: str) -> tuple[int, int] | None:
    """``(lo_ms, hi_ms)`` of a ``part-<lo>-<hi>.parquet`` name (``None`` for other names)."""
    m = _PART.match(name)
    return (int(m.group(1)), int(m.group(2))) if m else None


class Root:
    """A catalog root: a local directory, or any fsspec URL when fsspec is installed.

    ``fs`` is ``None`` for local paths (plain ``os`` calls, fsync and atomic rename), else
    the fsspec filesystem; ``path`` is the root path in that filesystem's terms.
    """

    def __init__(self, fs: Any, path: str, url: str) -> None:
        self.fs, self.path, self.url = fs, path.rstrip("/") or "/", url

    @property
    def local(self) -> bool:
        return self.fs is None

    def join(self, *parts: str) -> str:
        return "/".join([self.path, *[p.strip("/") for p in parts if p]])

    def __repr__(self) -> str:
        return f"Root({self.url!r})"


def resolve_root(where: str | os.PathLike[str] | None) -> Root:
    """A :class:`Root` from ``None`` (the default), a path, ``file://...`` or an fsspec URL.

    Other schemes than ``file`` need fsspec (``pip install fsspec`` plus the scheme's
    backend, e.g. ``s3fs``); without it this raises :class:`~xtoolkit.InvalidArgument`.
    """
    if where is None:
        path = default_root()
        return Root(None, str(path), path.as_uri())
    text = os.fspath(where)
    if "://" not in text:
        path = Path(text).expanduser().absolute()
        return Root(None, str(path), path.as_uri())
    scheme, rest = text.split("://", 1)
    if scheme == "file":
        path = Path("/" + rest.lstrip("/"))
        return Root(None, str(path), text)
    try:
        import fsspec
    except ImportError:
        raise InvalidArgument(
            f"a catalog at {scheme}:// needs fsspec (pip install fsspec and its {scheme} backend); "
            "local paths and file:// work without it"
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(text)
    except (ImportError, ValueError) as exc:
        raise InvalidArgument(f"cannot open a catalog at {text!r}: {exc}") from None
    return Root(fs, path, text)
