"""Backfill and update plans (one job: which windows to fetch, in which pieces).

A plan is the series' holes inside the asked window, clipped to candles that have closed by
the venue's clock, cut at UTC day boundaries (one file per piece, so a piece is the unit of
progress: an interruption loses at most the piece in flight).
"""

from __future__ import annotations

from dataclasses import dataclass

from xtoolkit.catalog.coverage import Ranges, missing

__all__ = ["DAY_MS", "Piece", "closed_horizon", "plan"]

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Piece:
    """One window ``[lo, hi)`` (epoch ms) of one series to fetch and store as one file."""

    lo: int
    hi: int


def closed_horizon(now_ms: int, step_ms: int) -> int:
    """The open time of the candle still forming at ``now_ms``: everything before it is closed."""
    return now_ms // step_ms * step_ms


def plan(covered: Ranges, lo: int, hi: int, step_ms: int, now_ms: int) -> list[Piece]:
    """Pieces of ``[lo, hi)`` the catalog lacks, on the interval grid, closed candles only."""
    lo = -(-lo // step_ms) * step_ms  # first grid time at or after lo
    hi = min(hi // step_ms * step_ms, closed_horizon(now_ms, step_ms))
    if hi <= lo:
        return []
    # A day is a whole number of steps only for intervals up to 1d; longer ones go in one piece.
    span = DAY_MS if step_ms <= DAY_MS and DAY_MS % step_ms == 0 else None
    pieces: list[Piece] = []
    for a, b in missing(covered, lo, hi):
        cursor = a
        while cursor < b:
            edge = b if span is None else min(b, (cursor // span + 1) * span)
            pieces.append(Piece(cursor, edge))
            cursor = edge
    return pieces
