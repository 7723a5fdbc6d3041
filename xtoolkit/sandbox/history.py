"""Deterministic price history for any day, generated on demand from the seed.

The history is a pure function of ``(seed, catalog, day)``: asking for the same window gives
byte-identical candles and trades whenever it is asked and whenever the sandbox was started.
Nothing is generated ahead of time and there is no horizon: any minute from a market's
listing day on can be produced in isolation.

How a component's path is defined (log space):

* **Day boundaries.** At :data:`EPOCH_MS` (2026-01-01 UTC) every component sits at its anchor.
  From there the value at each later day start follows a mean-reverting step
  ``V(d+1) = m + keep·(V(d) - m) + σ_day·z⁺(d)``, and each earlier one the same recursion run
  backwards with its own draws ``z⁻(d)`` (a stationary OU process is time-reversible, so both
  directions have the same law). Asset prices revert to their anchor slowly enough to look
  like a walk day to day, but stay within about ±:data:`LONG_RUN_SD` (one s.d.) of the
  catalog's reference price on any date — so examples and tests read sensible prices on any
  date. Draws come in fixed blocks of :data:`BLOCK_DAYS` days keyed by block number, so a
  value never depends on how far the cache has been extended.
* **Minutes inside a day.** A Brownian bridge from ``V(d)`` to ``V(d+1)`` over 1,440 steps,
  drawn from a stream keyed by ``(seed, component, day)``.

A listing's minute candles combine its components, add wicks and activity (trades per day
drawn per day, then spread over the day's minutes), and stay **unrounded** here: callers put
prices on the venue's grid after any aggregation. Rounding is monotone, so rounding then
aggregating equals aggregating then rounding — every interval agrees exactly with the minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xtoolkit.sandbox.candles import DAY, MINUTE, Candles

__all__ = [
    "BLOCK_DAYS",
    "BLOCK_DAYS_MINUTES",
    "EPOCH_MS",
    "LONG_RUN_SD",
    "MINUTES_PER_DAY",
    "ComponentPath",
    "ComponentSpec",
    "ListingActivity",
    "day_counts",
    "day_index",
    "listing_block",
    "normal_from_uniform",
    "ou_path",
]

#: Where every component sits at its anchor: 2026-01-01T00:00:00Z.
EPOCH_MS = 1_767_225_600_000
MINUTES_PER_DAY = 1440
#: Day-level random draws come in blocks of this many days (keyed by block number).
BLOCK_DAYS = 256
#: Minute candles are generated (and their draws keyed) in blocks of this many days: one
#: block's numpy work amortises per-call overhead, the unit of caching stays ~1 MB.
BLOCK_DAYS_MINUTES = 8
#: Long-run standard deviation of an asset's log price around its anchor.
LONG_RUN_SD = 0.05
#: Upper bound on an asset's day-level reversion speed (per day).
MAX_THETA_DAY = 0.35
#: How far (in standard deviations of one minute) a candle's wick reaches beyond open/close.
WICK_SCALE = 0.6
#: Cap on trades per minute so sequential ids stay unique per millisecond (see trades.py).
MAX_TRADES_PER_MINUTE = 9_999
#: RNG keys must be non-negative: day numbers (negative before the epoch) are shifted by this.
_DAY_KEY = 1 << 31
#: Stream tags inside one component's / listing's key space.
_FWD, _BWD, _MIN, _WICK, _ACT, _COUNT = 1, 2, 3, 4, 5, 6


def day_index(ms: int) -> int:
    """The day number of ``ms`` counted from :data:`EPOCH_MS` (negative before it)."""
    return (int(ms) - EPOCH_MS) // DAY


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A latent log-price path: an asset ``walk`` or a faster mean-reverting ``ou`` process.

    ``anchor`` is the log value at :data:`EPOCH_MS`; ``sigma_day`` the daily standard deviation
    of log changes; ``mean``/``theta_day`` the OU mean level and reversion speed per day (a
    ``walk`` reverts to its anchor at the speed that gives :data:`LONG_RUN_SD`).
    """

    name: str
    kind: str
    anchor: float
    sigma_day: float
    mean: float = 0.0
    theta_day: float = 0.0

    @property
    def reversion(self) -> tuple[float, float]:
        """``(mean, keep)`` of the day-level recursion."""
        if self.kind == "walk":
            theta = min(MAX_THETA_DAY, self.sigma_day**2 / (2 * LONG_RUN_SD**2))
            return self.anchor, 1.0 - theta
        return self.mean, 1.0 - min(self.theta_day, 1.0)


class ComponentPath:
    """Day-start values and in-day minute paths of one component, for any day.

    Day-start values are cached as they are extended (a few floats per day); minute paths
    are not cached here (see :class:`~xtoolkit.sandbox.archive.HistoryArchive`).
    """

    def __init__(self, spec: ComponentSpec, seed: int, comp_id: int) -> None:
        self.spec = spec
        self.seed = int(seed)
        self.comp_id = int(comp_id)
        self.sigma_minute = spec.sigma_day / math.sqrt(MINUTES_PER_DAY)
        self._mean, self._keep = spec.reversion
        self._fwd: list[float] = [spec.anchor]  # V(0), V(1), ...
        self._bwd: list[float] = [spec.anchor]  # V(0), V(-1), ...

    def _extend(self, values: list[float], tag: int, upto: int) -> None:
        mean, keep, sigma = self._mean, self._keep, self.spec.sigma_day
        # Whole blocks at a time: one generator per block, however the days are asked for.
        upto = (upto // BLOCK_DAYS + 1) * BLOCK_DAYS
        while len(values) <= upto:
            k = len(values) - 1  # next step goes from values[k] to values[k + 1]
            block, pos = divmod(k, BLOCK_DAYS)
            z = _rng(self.seed, self.comp_id, tag, block).standard_normal(BLOCK_DAYS)
            v = values[-1]
            for j in range(pos, BLOCK_DAYS):
                v = mean + keep * (v - mean) + sigma * float(z[j])
                values.append(v)
                if len(values) > upto:
                    break

    def at_day(self, d: int) -> float:
        """Log value at the start of day ``d``."""
        if d >= 0:
            self._extend(self._fwd, _FWD, d)
            return self._fwd[d]
        self._extend(self._bwd, _BWD, -d)
        return self._bwd[-d]

    def block_paths(self, block: int) -> np.ndarray:
        """Log values at the minute boundaries of the :data:`BLOCK_DAYS_MINUTES` days of
        minute block ``block`` (days ``block * BLOCK_DAYS_MINUTES`` on): shape
        ``(days, 1441)``, both ends of each day included."""
        first = block * BLOCK_DAYS_MINUTES
        ends = np.array([self.at_day(first + k) for k in range(BLOCK_DAYS_MINUTES + 1)])
        a, b = ends[:-1, None], ends[1:, None]
        z = _rng(self.seed, self.comp_id, _MIN, block + _DAY_KEY).standard_normal(
            (BLOCK_DAYS_MINUTES, MINUTES_PER_DAY)
        )
        walk = np.zeros((BLOCK_DAYS_MINUTES, MINUTES_PER_DAY + 1))
        np.cumsum(z * self.sigma_minute, axis=1, out=walk[:, 1:])
        return a + walk - _FRAC * (walk[:, -1:] - (b - a))


_FRAC = np.arange(MINUTES_PER_DAY + 1) / MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class ListingActivity:
    """How much a listing trades: base volume per minute, trades per minute, and the chance
    that a given minute has any trade at all (< 1 makes candles sparse)."""

    volume_per_min: float
    trades_per_min: float
    trade_prob: float
    qty_step: float

    @property
    def trades_per_day(self) -> float:
        """Mean trade count of a full day."""
        return MINUTES_PER_DAY * self.trade_prob * self.trades_per_min


def day_counts(activity: ListingActivity, seed: int, listing_id: int, d0: int, d1: int) -> np.ndarray:
    """Trades on each day ``d0..d1`` (inclusive), drawn per day in fixed blocks.

    Native per day (not summed from minutes) so trade ids — a running count from the
    listing — are known for any day after a few thousand additions, not millions.
    """
    if d1 < d0:
        return np.zeros(0, dtype=np.int64)
    out = np.empty(d1 - d0 + 1, dtype=np.int64)
    lam = activity.trades_per_day
    b0, b1 = (d0 + _DAY_KEY) // BLOCK_DAYS, (d1 + _DAY_KEY) // BLOCK_DAYS
    for block in range(b0, b1 + 1):
        z = _rng(seed, 1000 + listing_id, _COUNT, block).standard_normal(BLOCK_DAYS)
        first = block * BLOCK_DAYS - _DAY_KEY
        lo, hi = max(d0, first), min(d1, first + BLOCK_DAYS - 1)
        zz = z[lo - first : hi - first + 1]
        out[lo - d0 : hi - d0 + 1] = np.rint(lam * np.exp(0.25 * zz - 0.03125)).astype(np.int64)
    return out


def spread_counts(totals: np.ndarray, traded: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each day's trade count spread over its active minutes in proportion to ``weights``.

    Systematic rounding along each day (``rows``): a minute gets the floor or the ceiling of its
    share and each row sums to its total exactly — vectorised, no sorting. A minute whose share
    rounds to nothing stays quiet, so a market with fewer trades than active minutes is sparse.
    """
    w = np.where(traded, weights, 0.0)
    sums = w.sum(axis=1, keepdims=True)
    share = np.divide(w * totals[:, None], sums, out=np.zeros_like(w), where=sums > 0)
    # The 0.5 offset rounds each running total to nearest; row totals are integers, so
    # floor(0.5 + total) - floor(0.5) == total.
    running = np.floor(np.cumsum(share, axis=1) + 0.5)
    counts = np.diff(running, axis=1, prepend=0.0).astype(np.int64)
    over = counts > MAX_TRADES_PER_MINUTE
    if over.any():
        # A weight spike (never seen with the catalog's rates): cap it and hand the excess
        # to the day's other active minutes in order — the row total is kept.
        for row in np.flatnonzero(over.any(axis=1)).tolist():
            excess = int((counts[row] - MAX_TRADES_PER_MINUTE).clip(min=0).sum())
            counts[row] = np.minimum(counts[row], MAX_TRADES_PER_MINUTE)
            for i in np.flatnonzero(traded[row]).tolist():
                room = MAX_TRADES_PER_MINUTE - int(counts[row, i])
                give = min(room, excess)
                counts[row, i] += give
                excess -= give
                if not excess:
                    break
    return counts


def listing_block(
    parts: list[tuple[np.ndarray, float]],
    sigma_minute: float,
    activity: ListingActivity,
    seed: int,
    listing_id: int,
    block: int,
    n_trades: np.ndarray,
    first_ids: np.ndarray,
) -> Candles:
    """Dense minute candles of one listing over the days of minute block ``block``, prices
    unrounded, days in order (``len == days * 1440``).

    ``parts`` are the components' :meth:`ComponentPath.block_paths` with their exponents;
    ``n_trades``/``first_ids`` each day's trade count and first trade id. A minute without
    trades is flat at the previous traded close of the same day (at the day's open when none
    traded yet), with zero volume — Binance prints such minutes, Upbit omits them.
    """
    days, n = BLOCK_DAYS_MINUTES, MINUTES_PER_DAY
    log = parts[0][0] * parts[0][1]
    for path, e in parts[1:]:
        log = log + e * path
    px = np.exp(log)
    o, c = px[:, :-1], px[:, 1:]
    rng = _rng(seed, 1000 + listing_id, _ACT, block + _DAY_KEY)
    # Single-precision draws: half the generator work, ample for shapes and coin flips.
    u = rng.random((5, days, n), dtype=np.float32).astype(np.float64)
    wick = np.abs(rng.standard_normal((2, days, n), dtype=np.float32)) * (sigma_minute * WICK_SCALE)
    top, bottom = np.maximum(o, c), np.minimum(o, c)
    h = top * np.exp(wick[0])
    low = bottom * np.exp(-wick[1])
    act = activity
    traded = u[0] < act.trade_prob
    noise = np.exp(0.7 * normal_from_uniform(u[1]) - 0.245)
    weights = noise * np.exp(0.3 * (u[2] - 0.5))
    counts = spread_counts(n_trades.astype(np.float64), traded, weights)
    quiet = counts == 0
    mean_units = act.volume_per_min / max(act.trade_prob, 1e-9) / act.qty_step
    units = np.where(quiet, 0.0, np.maximum(np.floor(mean_units * noise), counts))
    v = units * act.qty_step
    tbv = np.floor(v * (0.35 + 0.3 * u[3]) / act.qty_step) * act.qty_step
    # Few trades cannot print separate highs and lows; one trade prints one price.
    few = counts <= 3
    h = np.where(few, top, h)
    low = np.where(few, bottom, low)
    single = counts == 1
    o = np.where(single, c, o)
    h = np.where(single, c, h)
    low = np.where(single, c, low)
    c = c.copy()
    if quiet.any():
        col = np.arange(n)
        last_traded = np.where(~quiet, col, -1)
        np.maximum.accumulate(last_traded, axis=1, out=last_traded)
        prev = np.concatenate([np.full((days, 1), -1), last_traded[:, :-1]], axis=1)
        fill = np.where(prev >= 0, np.take_along_axis(c, np.maximum(prev, 0), axis=1), o[:, :1])
        o, h, low = np.where(quiet, fill, o), np.where(quiet, fill, h), np.where(quiet, fill, low)
        c = np.where(quiet, fill, c)
    qv = v * (o + h + low + c) / 4.0
    first_day = block * days
    t = EPOCH_MS + (first_day * DAY + np.arange(days * n, dtype=np.int64) * MINUTE)
    flat_quiet = quiet.ravel()
    jitter = np.floor(u[4].ravel() * MINUTE).astype(np.int64)
    last = np.where(flat_quiet, t, t + MINUTE - 1 - jitter)
    before = np.cumsum(counts, axis=1) - counts
    first = (first_ids[:, None] + before).ravel()
    return Candles(
        t=t,
        o=o.ravel(),
        h=h.ravel(),
        l=low.ravel(),
        c=c.ravel(),
        v=v.ravel(),
        qv=qv.ravel(),
        n=counts.ravel(),
        tbv=tbv.ravel(),
        last=last,
        first_id=first.astype(np.int64),
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
