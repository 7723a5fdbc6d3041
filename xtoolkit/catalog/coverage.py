"""Coverage bookkeeping: which time ranges of a series the catalog holds (one job: ranges).

A series is covered over the union of (a) the ranges in its ``part-<lo>-<hi>.parquet`` names
and (b) the ranges in ``_coverage/<series>.json``. (b) records windows the venue answered with
no rows at all — Upbit sends no candle for a minute without trades — so they are not asked for
again; (a) makes a crash between writing a file and updating (b) harmless.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from xtoolkit.catalog.layout import Root, Series, part_range
from xtoolkit.catalog.writer import write_bytes

__all__ = ["Ranges", "load", "merge", "missing", "record"]

Ranges = list[tuple[int, int]]


def merge(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Sorted, non-overlapping half-open ranges; touching ranges are joined."""
    out: Ranges = []
    for lo, hi in sorted(r for r in ranges if r[1] > r[0]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def missing(covered: Ranges, lo: int, hi: int) -> Ranges:
    """The parts of ``[lo, hi)`` not in ``covered`` (which is merged)."""
    holes: Ranges = []
    cursor = lo
    for a, b in covered:
        if b <= cursor:
            continue
        if a >= hi:
            break
        if a > cursor:
            holes.append((cursor, min(a, hi)))
        cursor = max(cursor, b)
        if cursor >= hi:
            break
    if cursor < hi:
        holes.append((cursor, hi))
    return holes


def _ledger(series: Series) -> str:
    return f"_coverage/{series.directory()}.json"


def _ls(root: Root, path: str) -> list[str]:
    import os

    if root.local:
        try:
            return os.listdir(path)
        except FileNotFoundError:
            return []
    if not root.fs.exists(path):
        return []
    return [p.rstrip("/").rsplit("/", 1)[-1] for p in root.fs.ls(path, detail=False)]


def file_ranges(root: Root, series: Series) -> Ranges:
    """Ranges named by the series' part files (every ``date=`` directory)."""
    base = root.join(series.directory())
    found: Ranges = []
    for day in _ls(root, base):
        if day.startswith("date="):
            found.extend(r for r in map(part_range, _ls(root, f"{base}/{day}")) if r is not None)
    return found


def _read_ledger(root: Root, series: Series) -> Ranges:
    path = root.join(_ledger(series))
    try:
        if root.local:
            with open(path, "rb") as fh:
                raw = fh.read()
        else:
            if not root.fs.exists(path):
                return []
            raw = root.fs.cat_file(path)
    except FileNotFoundError:
        return []
    return [(int(a), int(b)) for a, b in json.loads(raw).get("covered", [])]


def load(root: Root, series: Series) -> Ranges:
    """Everything the catalog holds of ``series`` (merged)."""
    return merge([*_read_ledger(root, series), *file_ranges(root, series)])


def record(root: Root, series: Series, lo: int, hi: int) -> Ranges:
    """Add ``[lo, hi)`` to the series' ledger (atomically) and return the merged coverage."""
    covered = merge([*_read_ledger(root, series), (lo, hi)])
    body = {"series": series.key(), "covered": [list(r) for r in covered]}
    write_bytes(root, _ledger(series), json.dumps(body).encode())
    return merge([*covered, *file_ranges(root, series)])
