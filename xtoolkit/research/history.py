"""Premium history: both venues' candles and the FX basis aligned on one UTC grid.

Fill policy (Upbit emits no candle for a period without trades; either venue may have gaps):

* the grid is every interval step from the first to the last candle seen on any leg
  (for ``1M`` candles, whose length varies, the union of the legs' open times);
* a leg's close is forward-filled from its last real candle, its volume set to 0, and the
  ``filled_<leg>`` flag set — never before the leg's first real candle (those rows stay NaN,
  flag False);
* a user FX series is read as of each candle's close time (the last value strictly before the
  next candle opens); ``filled_fx`` is True when it has no point inside the candle. A constant
  user rate is never "filled".
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from xtoolkit._client import AsyncClient, _to_ms
from xtoolkit._errors import InvalidArgument, XtoolkitError
from xtoolkit._frames import conform, frame
from xtoolkit._fx import UPBIT_FX, FxBasis, FxLike, parse_fx
from xtoolkit.research._common import LEG_ERRORS, error_text, join_errors, typed, validate_bases
from xtoolkit.research._verb import async_verb, blocking_verb

if TYPE_CHECKING:  # the catalog imports pyarrow: only its type is needed here
    from xtoolkit.catalog import Catalog

__all__ = [
    "align_history",
    "apremium_history",
    "fill_leg",
    "premium_history",
    "premium_summary",
]

_QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def fill_leg(candles: pd.DataFrame, grid: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(close, volume, filled)`` of one leg's candles on ``grid`` under the fill policy.

    Closes are forward-filled from the last real candle with volume 0 and ``filled=True``;
    rows before the first real candle stay NaN with ``filled=False``.
    """
    real = candles.drop_duplicates("open_time", keep="last").set_index("open_time")
    close = real["close"].reindex(grid)
    volume = real["volume"].reindex(grid)
    present = close.notna().to_numpy()
    carried = close.ffill()
    filled = ~present & carried.notna().to_numpy()
    vol = np.where(filled, 0.0, volume.to_numpy(dtype=np.float64))
    return carried.to_numpy(dtype=np.float64), vol, filled


def _grid(legs: Sequence[pd.DataFrame], step: pd.Timedelta | None) -> pd.DatetimeIndex:
    times = [leg["open_time"] for leg in legs if len(leg)]
    if not times:
        return pd.DatetimeIndex([], dtype="datetime64[ns, UTC]")
    seen = pd.DatetimeIndex(pd.concat(times, ignore_index=True).unique()).sort_values()
    if step is None:
        return seen
    regular = pd.date_range(seen[0], seen[-1], freq=step)
    return seen.union(regular).as_unit("ns")


def _close_times(grid: pd.DatetimeIndex, step: pd.Timedelta | None) -> pd.DatetimeIndex:
    if step is None:  # calendar months
        return pd.DatetimeIndex([t + pd.DateOffset(months=1) for t in grid]).as_unit("ns")
    return grid + step


def align_history(
    upbit: pd.DataFrame,
    binance: pd.DataFrame,
    *,
    base: str,
    fx: Sequence[FxBasis],
    fx_candles: pd.DataFrame | None = None,
    step: pd.Timedelta | None,
    errors: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The :func:`premium_history` frame from candles (pure; see it for columns).

    ``upbit`` are ``BASE/KRW`` candles, ``binance`` ``BASE/USDT`` candles and ``fx_candles``
    Upbit ``USDT/KRW`` candles (needed for the Upbit basis), all in the ``candles`` schema.
    ``step`` is the interval length (``None`` for calendar months). ``errors`` maps a leg name
    (``"upbit"``, ``"binance"``, ``"fx"``) to the error text of a leg that could not be fetched.
    """
    errors = errors or {}
    fx_frame = fx_candles if fx_candles is not None else frame("candles")
    uses_upbit = any(b.is_upbit for b in fx)
    grid = _grid([upbit, binance, *([fx_frame] if uses_upbit else [])], step)
    up_close, up_vol, up_filled = fill_leg(upbit, grid)
    bn_close, bn_vol, bn_filled = fill_leg(binance, grid)
    closes = _close_times(grid, step)
    parts: list[pd.DataFrame] = []
    for basis in fx:
        if basis.is_upbit:
            rate, _, fx_filled = fill_leg(fx_frame, grid)
            fx_err = errors.get("fx")
        elif basis.rate is not None:
            rate = np.full(len(grid), basis.rate)
            fx_filled = np.zeros(len(grid), dtype=bool)
            fx_err = None
        else:
            rate, stamps = basis.asof_many(closes, before=True)
            fx_filled = ~np.asarray(stamps >= grid) & ~np.isnan(rate)
            fx_err = None
        binance_krw = bn_close * rate
        ratio = up_close / binance_krw - 1
        leg_err = join_errors(
            [
                f"upbit: {errors['upbit']}" if "upbit" in errors else None,
                f"binance: {errors['binance']}" if "binance" in errors else None,
                f"fx {basis.source}: {fx_err}" if fx_err else None,
            ]
        )
        n = len(grid)
        parts.append(
            frame(
                "premium_history",
                {
                    "ts": grid,
                    "base": [base] * n,
                    "fx_source": [basis.source] * n,
                    "upbit_close": up_close,
                    "binance_close": bn_close,
                    "fx_rate": rate,
                    "binance_close_krw": binance_krw,
                    "upbit_close_usdt": up_close / rate,
                    "premium_pct": ratio * 100,
                    "premium_bps": ratio * 10_000,
                    "upbit_volume": up_vol,
                    "binance_volume": bn_vol,
                    "filled_upbit": up_filled,
                    "filled_binance": bn_filled,
                    "filled_fx": fx_filled,
                    "error": [leg_err] * n,
                },
            )
        )
    if not parts:
        return frame("premium_history")
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def premium_summary(
    history: pd.DataFrame, *, column: str = "premium_pct", include_filled: bool = False
) -> pd.DataFrame:
    """Distribution of the premium per FX basis, and where the latest value sits in it.

    Parameters
    ----------
    history
        A :func:`premium_history` frame (NaN premiums are ignored).
    column
        Which column to summarise (``premium_pct`` or ``premium_bps``).
    include_filled
        Rows where any leg was forward-filled (``filled_upbit``, ``filled_binance``,
        ``filled_fx``: a stale close set against a fresh one) are left out by default and
        counted in ``filled_excluded``: on a sparse market they inflate the spread and move
        the z-score. True keeps them.

    Returns
    -------
    DataFrame
        One row per fx_source: fx_source, count (values summarised), filled_excluded (values
        left out as filled), mean, std (sample), min, p5, p25, p50, p75, p95, max, latest (the
        last value kept, by ts), latest_ts, zscore_latest = (latest − mean) / std (NaN when
        std is 0 or undefined).
    """
    if column not in history.columns or "fx_source" not in history.columns:
        raise InvalidArgument(f"expected a premium_history frame with a {column!r} column")
    flags = [c for c in ("filled_upbit", "filled_binance", "filled_fx") if c in history.columns]
    rows: dict[str, list[Any]] = {k: [] for k in frame("premium_summary").columns}
    for source in pd.unique(history["fx_source"]):
        part = history[history["fx_source"] == source].sort_values("ts", kind="stable")
        values = part[column].to_numpy(dtype=np.float64)
        filled = (
            part[flags].fillna(False).to_numpy(dtype=bool).any(axis=1)
            if flags
            else np.zeros(len(part), dtype=bool)
        )
        ok = ~np.isnan(values)
        excluded = 0 if include_filled else int((ok & filled).sum())
        if not include_filled:
            ok &= ~filled
        x = values[ok]
        count = int(ok.sum())
        mean = float(x.mean()) if count else math.nan
        std = float(x.std(ddof=1)) if count > 1 else math.nan
        latest = float(x[-1]) if count else math.nan
        rows["fx_source"].append(source)
        rows["count"].append(count)
        rows["filled_excluded"].append(excluded)
        rows["mean"].append(mean)
        rows["std"].append(std)
        rows["min"].append(float(x.min()) if count else math.nan)
        for name, q in _QUANTILES.items():
            rows[name].append(float(np.quantile(x, q)) if count else math.nan)
        rows["max"].append(float(x.max()) if count else math.nan)
        rows["latest"].append(latest)
        rows["latest_ts"].append(part["ts"].to_numpy()[ok][-1] if count else pd.NaT)
        rows["zscore_latest"].append((latest - mean) / std if std and std == std else math.nan)
    return frame("premium_summary", rows)


async def _candles(
    engine: AsyncClient, market: str, interval: str, start: Any, end: Any
) -> tuple[pd.DataFrame, XtoolkitError | None]:
    try:
        return await typed(engine.candles(market, interval=interval, start=start, end=end)), None
    except LEG_ERRORS as exc:
        return frame("candles"), exc  # type: ignore[return-value]


def _window(engine: AsyncClient, interval: str, start: Any, end: Any, limit: int | None) -> tuple[Any, Any]:
    if start is not None:
        return start, end
    # Ask both venues for the same window: Upbit's "last N candles" of a quiet market reach
    # further back than Binance's, which would leave a ragged, half-empty history.
    step = engine.venue("binance").adapter.interval_seconds(interval)
    stop_ms = _to_ms(end, "end") if end is not None else int(time.time() * 1000)
    return int(stop_ms) - step * 1000 * (limit or 500), end


async def _premium_history(
    engine: AsyncClient,
    base: str,
    *,
    interval: str = "1m",
    start: Any = None,
    end: Any = None,
    limit: int | None = None,
    fx: FxLike = "upbit",
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """The premium over time from both venues' candles (and the FX basis), on one UTC grid.

    Fetches Upbit ``BASE/KRW``, Binance ``BASE/USDT`` and, for the Upbit basis, Upbit
    ``USDT/KRW`` candles concurrently (paginated by the client). Gaps are filled explicitly — see
    the fill policy in :mod:`xtoolkit.research.history`. One venue failing gives NaN for its
    columns with the ``error`` text (and ``df.attrs["errors"]``); both failing raises.

    Parameters
    ----------
    base
        Asset listed on both venues, e.g. ``"BTC"``.
    interval
        A candle interval both venues serve: 1m 3m 5m 15m 30m 1h 4h 1d 1w 1M.
    start, end
        Datetimes, ISO text or epoch ms (naive = UTC); ``end`` exclusive. Without ``start``,
        the ``limit`` (default 500) intervals before ``end`` (default now).
    limit
        Keep at most this many grid times (the latest).
    fx
        ``"upbit"`` (default), a KRW-per-USDT number, a Series on a UTC index, or a list of
        them for one set of rows per basis.
    catalog
        A :class:`~xtoolkit.Catalog`: when it holds every leg over ``[start, end)`` the legs are
        read from it (same numbers, no requests); otherwise they are fetched from the venues.
    client
        The :class:`~xtoolkit.Client` to use (default: the shared public client; an
        ``AsyncClient`` needs ``await apremium_history(...)``).

    Returns
    -------
    DataFrame
        One row per (ts, fx_source): ts (candle open, UTC), base, fx_source, upbit_close (KRW),
        binance_close (USDT), fx_rate (KRW per USDT), binance_close_krw, upbit_close_usdt,
        premium_pct, premium_bps, upbit_volume, binance_volume (0 on filled rows), filled_upbit,
        filled_binance, filled_fx, error. ``attrs``: errors, interval, fx_sources.
    """
    (name,) = validate_bases([base])
    bases_fx = parse_fx(fx)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidArgument(f"limit must be a positive int, not {limit!r}")
    for ex in ("upbit", "binance"):
        if interval not in engine.venue(ex).adapter.intervals:
            raise InvalidArgument(f"{ex} has no {interval!r} candles", exchange=ex)
    lo, hi = _window(engine, interval, start, end, limit)
    markets = [f"upbit:{name}/KRW", f"binance:{name}/USDT"]
    if any(b.is_upbit for b in bases_fx):
        markets.append(UPBIT_FX)
    if catalog is not None and hi is not None and all(catalog.covers(m, interval, lo, hi) for m in markets):
        # Every leg is stored (closed candles, same rows the venues send): read, do not fetch.
        results = [(catalog.candles(m, interval, lo, hi), None) for m in markets]
    else:
        results = await asyncio.gather(*(_candles(engine, m, interval, lo, hi) for m in markets))
    legs = dict(zip(("upbit", "binance", "fx"), results, strict=False))
    failures = {leg: exc for leg, (_, exc) in legs.items() if exc is not None}
    if "upbit" in failures and "binance" in failures:
        raise failures["binance"]
    step = (
        None
        if interval == "1M"
        else pd.Timedelta(seconds=engine.venue("binance").adapter.interval_seconds(interval))
    )
    df = align_history(
        legs["upbit"][0],
        legs["binance"][0],
        base=name,
        fx=bases_fx,
        fx_candles=legs["fx"][0] if "fx" in legs else None,
        step=step,
        errors={leg: error_text(exc) for leg, exc in failures.items()},
    )
    if limit is not None:
        keep = pd.DatetimeIndex(pd.unique(df["ts"])).sort_values()[-limit:]
        df = conform(df[df["ts"].isin(keep)], "premium_history")
    # attrs["errors"] is keyed by exchange: the FX candles are an Upbit market.
    by_venue = {leg: exc for leg, exc in failures.items() if leg != "fx"}
    if "fx" in failures:
        by_venue.setdefault("upbit", failures["fx"])
    df.attrs["errors"] = by_venue
    df.attrs["interval"] = interval
    df.attrs["fx_sources"] = [b.source for b in bases_fx]
    return df


premium_history = blocking_verb(_premium_history)
apremium_history = async_verb(_premium_history)
