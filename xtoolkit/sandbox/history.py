"""Deterministic pre-start price history, generated backwards from the start prices.

Layout (all boundaries are UTC midnights except the last one): native **day** candles up to
``max_days`` back, then native **hour** candles for ``hour_days``, then **minute** candles for
the last ``minute_days`` plus the start day up to the start minute. Coarser candles of the
recent sections are *aggregates* of the finer ones (see :mod:`xtoolkit.sandbox.market`), so
every interval agrees exactly where they overlap.

Each level is drawn "k steps back from its right edge" from its own seeded stream, so the
k-th minute before the start has the same return whatever the wall-clock time of day —
same seed, same prices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xtoolkit.sandbox.candles import DAY, HOUR, MINUTE, Candles
from xtoolkit.sandbox.grids import BandedGrid

__all__ = [
    "ComponentHistory",
    "ComponentSpec",
    "LevelPath",
    "ListingActivity",
    "Window",
    "component_history",
    "listing_history",
    "make_window",
    "normal_from_uniform",
    "ou_path",
]

#: (level name, step in ms) from fine to coarse; index is part of every RNG key.
LEVELS: tuple[tuple[str, int], ...] = (("minute", MINUTE), ("hour", HOUR), ("day", DAY))

#: How far (in standard deviations of one step) a candle's wick reaches beyond open/close.
WICK_SCALE = 0.6
#: Cap on trades per minute so sequential ids stay unique per millisecond (see trades.py).
MAX_TRADES_PER_MINUTE = 9_999


@dataclass(frozen=True, slots=True)
class Window:
    """Time layout of the history. ``m0`` is the open of the start minute (live from there)."""

    m0: int
    minute_from: int
    hour_from: int
    day_from: int

    @property
    def n_minutes(self) -> int:
        """Minute candles in the history (from ``minute_from`` to ``m0``)."""
        return (self.m0 - self.minute_from) // MINUTE

    @property
    def n_hours(self) -> int:
        """Native hour candles (from ``hour_from`` to ``minute_from``)."""
        return (self.minute_from - self.hour_from) // HOUR

    @property
    def n_days(self) -> int:
        """Native day candles (from ``day_from`` to ``hour_from``)."""
        return (self.hour_from - self.day_from) // DAY

    def count(self, level: str) -> int:
        """Number of native candles at ``level``."""
        return {"minute": self.n_minutes, "hour": self.n_hours, "day": self.n_days}[level]

    def level_from(self, level: str) -> int:
        """Open time of the first native candle at ``level``."""
        return {"minute": self.minute_from, "hour": self.hour_from, "day": self.day_from}[level]


def make_window(start_ms: int, *, minute_days: int = 7, hour_days: int = 60, max_days: int = 1000) -> Window:
    """The history layout for a sandbox started at ``start_ms``."""
    m0 = start_ms - start_ms % MINUTE
    day0 = start_ms - start_ms % DAY
    minute_from = day0 - minute_days * DAY
    hour_from = minute_from - hour_days * DAY
    return Window(m0, minute_from, hour_from, hour_from - max_days * DAY)


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A latent log-price path: a random ``walk`` or a mean-reverting ``ou`` process.

    ``anchor`` is the log value at the live start; ``sigma_day`` the daily standard deviation
    of log changes; ``mean``/``theta_day`` the OU mean level and reversion speed per day.
    """

    name: str
    kind: str
    anchor: float
    sigma_day: float
    mean: float = 0.0
    theta_day: float = 0.0


@dataclass(slots=True)
class LevelPath:
    """Log-space open/high/low/close of one level, ascending in time."""

    o: np.ndarray
    h: np.ndarray
    l: np.ndarray  # noqa: E741
    c: np.ndarray


@dataclass(slots=True)
class ComponentHistory:
    """The three native levels of one component."""

    levels: dict[str, LevelPath]


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def _backward(
    spec: ComponentSpec, end: float, n: int, step_ms: int, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Closes and opens (ascending) of ``n`` steps ending at log value ``end``."""
    frac = step_ms / DAY
    sigma = spec.sigma_day * np.sqrt(frac)
    if spec.kind == "walk":
        back = np.concatenate([[0.0], np.cumsum(sigma * z)])
        closes_back = end - back[:n]
        opens_back = end - back[1 : n + 1]
    else:
        # The stationary OU process is time-reversible, so the forward recursion run
        # backwards from the anchor has the right law.
        keep = 1.0 - min(spec.theta_day * frac, 1.0)
        values = np.concatenate([[end], spec.mean + ou_path(end - spec.mean, keep, sigma * z)])
        closes_back = values[:n]
        opens_back = values[1:]
    return closes_back[::-1].copy(), opens_back[::-1].copy()


def component_history(spec: ComponentSpec, window: Window, seed: int, comp_id: int) -> ComponentHistory:
    """Generate every native level of one component, fine to coarse, from its anchor back."""
    end = spec.anchor
    levels: dict[str, LevelPath] = {}
    for level_no, (name, step_ms) in enumerate(LEVELS):
        n = window.count(name)
        z = _rng(seed, comp_id, level_no, 0).standard_normal(n)
        closes, opens = _backward(spec, end, n, step_ms, z)
        top, bottom = np.maximum(opens, closes), np.minimum(opens, closes)
        if spec.kind == "walk":
            wick = _rng(seed, comp_id, level_no, 1).standard_normal((n, 2))[::-1]
            reach = spec.sigma_day * np.sqrt(step_ms / DAY) * WICK_SCALE
            top = top + np.abs(wick[:, 0]) * reach
            bottom = bottom - np.abs(wick[:, 1]) * reach
        levels[name] = LevelPath(opens, top, bottom, closes)
        if n:
            end = float(opens[0])
    return ComponentHistory(levels)


@dataclass(frozen=True, slots=True)
class ListingActivity:
    """How much a listing trades: base volume per minute, trades per minute, and the chance
    that a given minute has any trade at all (< 1 makes candles sparse)."""

    volume_per_min: float
    trades_per_min: float
    trade_prob: float
    qty_step: float


def _combine(parts: list[tuple[LevelPath, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Log OHLC of a product of components raised to exponents (a negative exponent swaps
    which wick of that component makes the product's high / low)."""

    def total(pick: list[np.ndarray]) -> np.ndarray:
        return np.sum(np.stack(pick), axis=0)

    o = total([e * p.o for p, e in parts])
    c = total([e * p.c for p, e in parts])
    h = total([e * (p.h if e > 0 else p.l) for p, e in parts])
    low = total([e * (p.l if e > 0 else p.h) for p, e in parts])
    return o, h, low, c


def listing_history(
    parts: list[tuple[ComponentHistory, float]],
    grid: BandedGrid,
    activity: ListingActivity,
    window: Window,
    seed: int,
    listing_id: int,
    history_days: int,
) -> dict[str, Candles]:
    """Native candles of one listing at each level (prices on the listing's grid).

    ``history_days`` (days since listing) trims the oldest day candles.
    """
    out: dict[str, Candles] = {}
    for level_no, (name, step_ms) in enumerate(LEVELS):
        n = window.count(name)
        lo, hi, ll, lc = _combine([(ch.levels[name], e) for ch, e in parts])
        o = grid.nearest_array(np.exp(lo))
        c = grid.nearest_array(np.exp(lc))
        h = np.maximum(grid.nearest_array(np.exp(hi)), np.maximum(o, c))
        low = np.minimum(grid.nearest_array(np.exp(ll)), np.minimum(o, c))
        t = window.level_from(name) + np.arange(n, dtype=np.int64) * step_ms
        table = _with_activity(t, o, h, low, c, activity, step_ms, _rng(seed, 1000 + listing_id, level_no, 2))
        if name == "day":
            keep = max(0, history_days - (window.minute_from - window.hour_from) // DAY - 8)
            table = table.take(slice(max(0, n - keep), n))
        out[name] = table
    return out


def _with_activity(
    t: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    low: np.ndarray,
    c: np.ndarray,
    act: ListingActivity,
    step_ms: int,
    rng: np.random.Generator,
) -> Candles:
    """Attach volumes / trade counts to a price path and make quiet candles consistent."""
    n = t.shape[0]
    scale = step_ms / MINUTE
    # Draw in "steps back" order so the draws for a given candle don't depend on n.
    draws = rng.random((n, 4))[::-1]
    prob = act.trade_prob if step_ms == MINUTE else 1.0 - (1.0 - act.trade_prob) ** scale
    traded = draws[:, 0] < prob
    noise = np.exp(0.7 * normal_from_uniform(draws[:, 1]) - 0.245)
    mean = act.volume_per_min * scale / max(prob, 1e-9)
    units = np.floor(np.where(traded, mean * noise, 0.0) / act.qty_step)
    counts = np.rint(act.trades_per_min * scale * noise * np.exp(0.3 * (draws[:, 2] - 0.5)))
    counts = np.where(traded, np.maximum(counts, 1), 0)
    if step_ms == MINUTE:
        counts = np.minimum(counts, MAX_TRADES_PER_MINUTE)
    units = np.where(traded, np.maximum(units, counts), 0)
    counts = np.minimum(counts, units).astype(np.int64)
    v = units * act.qty_step
    tbv = np.floor(v * (0.35 + 0.3 * draws[:, 3]) / act.qty_step) * act.qty_step
    o, h, low, c = o.copy(), h.copy(), low.copy(), c.copy()
    # Few trades cannot print separate highs and lows.
    few = counts <= 3
    h = np.where(few, np.maximum(o, c), h)
    low = np.where(few, np.minimum(o, c), low)
    single = counts == 1
    o = np.where(single, c, o)
    h = np.where(single, c, h)
    low = np.where(single, c, low)
    # Quiet periods are flat at the previous traded close (Binance prints them that way;
    # Upbit omits them).
    quiet = counts == 0
    if quiet.any():
        idx = np.where(~quiet, np.arange(n), -1)
        np.maximum.accumulate(idx, out=idx)
        prev = np.r_[-1, idx[:-1]]
        fill = np.where(prev >= 0, c[np.maximum(prev, 0)], o)
        for arr in (o, h, low, c):
            arr[quiet] = fill[quiet]
    qv = v * (o + h + low + c) / 4.0
    jitter = np.floor(draws[:, 1] * min(step_ms, MINUTE)).astype(np.int64)
    last = np.where(quiet, t, t + step_ms - 1 - jitter)
    return Candles(
        t=t,
        o=o,
        h=h,
        l=low,
        c=c,
        v=v,
        qv=qv,
        n=counts,
        tbv=tbv,
        last=last.astype(np.int64),
        first_id=np.zeros(n, dtype=np.int64),
    )


def ou_path(y0: float, keep: float, shocks: np.ndarray) -> np.ndarray:
    """``y[k+1] = keep * y[k] + shocks[k]`` from ``y0``, vectorised (returns y[1..n]).

    Uses ``y[k] = keep^k (y0 + sum_j keep^-(j+1) shock_j)`` in chunks short enough that
    ``keep^-k`` stays far from overflow.
    """
    n = len(shocks)
    if keep <= 0.0:
        return shocks.astype(float).copy()
    out = np.empty(n)
    chunk = max(1, int(200.0 / max(-math.log(keep), 1e-12)))
    y = y0
    for lo in range(0, n, chunk):
        s = shocks[lo : lo + chunk]
        pw = keep ** np.arange(1, len(s) + 1)
        ys = pw * (y + np.cumsum(s / pw))
        out[lo : lo + len(s)] = ys
        y = float(ys[-1])
    return out


def normal_from_uniform(u: np.ndarray) -> np.ndarray:
    """Approximate standard normals from uniforms (logistic quantile; shape is what matters)."""
    u = np.clip(u, 1e-9, 1 - 1e-9)
    return np.log(u / (1.0 - u)) * 0.5513
