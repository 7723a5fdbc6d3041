"""Synthetic order-book depth on a venue's price grid, generated lazily and reproducibly.

Levels are produced in chunks of :data:`CHUNK` from a stream keyed by (seed, listing, tick,
side, chunk): asking for 5 or 5000 levels gives the same first five, and the book only
changes when the walk ticks. Gaps between levels widen with depth; sizes grow with depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xtoolkit.sandbox.grids import BandedGrid

__all__ = ["CHUNK", "BookSpec", "Level", "synth_side"]

#: Levels generated per RNG chunk (prefix stability unit).
CHUNK = 100

Level = tuple[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class BookSpec:
    """What a listing's book looks like: grid, quantity step/minimum, mean level size."""

    grid: BandedGrid
    qty_step: Decimal
    min_qty: Decimal
    mean_qty: float


def _chunk(spec: BookSpec, key: tuple[int, ...], k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([*key, k])
    depth = np.arange(k * CHUNK, (k + 1) * CHUNK)
    # Near the touch almost every tick is quoted; deeper levels are sparser.
    gaps = 1 + rng.poisson(0.25 + depth / 250.0)
    sizes = spec.mean_qty * np.exp(1.1 * rng.standard_normal(CHUNK) - 0.6) * np.sqrt(1 + depth / 40.0)
    return gaps, sizes


def synth_side(spec: BookSpec, best: Decimal, side: str, depth: int, key: tuple[int, ...]) -> list[Level]:
    """``depth`` levels starting at ``best``: ``side`` ``"bid"`` walks down, ``"ask"`` up."""
    if depth <= 0 or best <= 0:
        return []
    step = spec.qty_step
    min_units = max(1, int((spec.min_qty / step).to_integral_value(rounding="ROUND_CEILING")))
    step_f = float(step)
    fixed = len(spec.grid.bands) == 1
    tick = spec.grid.bands[0][1]
    out: list[Level] = []
    price = best
    for k in range((depth + CHUNK - 1) // CHUNK):
        gaps, sizes = _chunk(spec, key, k)
        units = np.maximum(np.rint(sizes / step_f).astype(np.int64), min_units)
        if fixed:
            # Integer tick arithmetic: exact and fast for thousands of levels.
            base = int(price / tick)
            offsets = np.cumsum(gaps) - gaps[0] if k == 0 else np.cumsum(gaps)
            ticks = base - offsets if side == "bid" else base + offsets
            exhausted = False
            for t_i, u in zip(ticks.tolist(), units.tolist(), strict=True):
                if t_i <= 0:
                    exhausted = True
                    break
                if len(out) >= depth:
                    break
                out.append((tick * t_i, step * u))
            if out:
                price = out[-1][0]
            if exhausted or len(out) >= depth:
                break
        else:
            for i, (g, u) in enumerate(zip(gaps.tolist(), units.tolist(), strict=True)):
                if len(out) >= depth:
                    break
                if out or i > 0 or k > 0:
                    nxt = spec.grid.down(price, g) if side == "bid" else spec.grid.up(price, g)
                    if nxt == price:  # hit the smallest price on the way down
                        return out
                    price = nxt
                out.append((price, step * u))
            if len(out) >= depth:
                break
    return out
