"""Premium history: both venues' prices and the FX basis aligned on one UTC grid.

Which price (``price=``), and why it matters:

* ``"close"`` (default): candle closes on all three legs — the last *trade* of each interval,
  the only history both venues serve over REST. A close sits on the bid or the ask, whichever
  the last taker hit, so it jumps by the spread: on Upbit's KRW-USDT (1 KRW tick at ~1,440 KRW
  is 6.9 bps) the FX close alone moves a minute's premium by about ±3.5 bps. Columns
  ``upbit_close``, ``binance_close``, ``fx_rate`` (the USDT/KRW close for the Upbit basis).
* ``"mid"``: book-top mids, as :func:`~xtoolkit.research.premium` uses — but neither venue serves
  historical order books over REST, so they come from what was recorded into a
  :class:`~xtoolkit.Catalog` (``Recorder(client, "tickers", markets=[...], catalog=cat)`` or a
  premium recording, ``Recorder(client, "premium", bases=[...], catalog=cat)``): the last
  recorded mid of each interval. Columns ``upbit_mid``, ``binance_mid``, ``fx_rate`` (the
  USDT/KRW mid), schema :data:`PREMIUM_HISTORY_MID`. Without a catalog it is refused.

So ``premium()`` (now, book-top mids) and a close-based ``premium_history()`` differ by
construction; ``attrs["price"]`` names the price of every history frame.

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
from xtoolkit._frames import conform, frame, register
from xtoolkit._fx import UPBIT_FX, FxBasis, FxLike, parse_fx
from xtoolkit.research._common import LEG_ERRORS, error_text, join_errors, typed, validate_bases
from xtoolkit.research._verb import async_verb, blocking_verb

if TYPE_CHECKING:  # the catalog imports pyarrow: only its type is needed here
    from xtoolkit.catalog import Catalog

__all__ = [
    "PREMIUM_HISTORY_MID",
    "PRICES",
    "align_history",
    "align_mids",
    "apremium_history",
    "fill_leg",
    "premium_history",
    "premium_summary",
]

_QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}

#: What ``premium_history(price=...)`` accepts.
PRICES = ("close", "mid")

#: The history from recorded book mids: the close frame's shape, every column named for a mid.
PREMIUM_HISTORY_MID: dict[str, str] = register(
    "premium_history_mid",
    {
        "ts": "datetime64[ns, UTC]",
        "base": "str",
        "fx_source": "str",
        "upbit_mid": "float64",
        "binance_mid": "float64",
        "fx_rate": "float64",
        "binance_mid_krw": "float64",
        "upbit_mid_usdt": "float64",
        "premium_pct": "float64",
        "premium_bps": "float64",
        "upbit_samples": "float64",
        "binance_samples": "float64",
        "filled_upbit": "bool",
        "filled_binance": "bool",
        "filled_fx": "bool",
        "error": "str",
    },
)

#: Per price: (frame kind or spec, upbit, binance, binance in KRW, upbit in USDT, activity).
_NAMES: dict[str, tuple[str | dict[str, str], str, str, str, str, str]] = {
    "close": (
        "premium_history",
        "upbit_close",
        "binance_close",
        "binance_close_krw",
        "upbit_close_usdt",
        "volume",
    ),
    "mid": (
        "premium_history_mid",
        "upbit_mid",
        "binance_mid",
        "binance_mid_krw",
        "upbit_mid_usdt",
        "samples",
    ),
}


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
    return _align("close", upbit, binance, base=base, fx=fx, fx_legs=fx_candles, step=step, errors=errors)


def align_mids(
    upbit: pd.DataFrame,
    binance: pd.DataFrame,
    *,
    base: str,
    fx: Sequence[FxBasis],
    fx_mids: pd.DataFrame | None = None,
    step: pd.Timedelta | None,
    errors: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The ``price="mid"`` :func:`premium_history` frame from recorded mids (pure).

    Each leg is a frame with ``ts`` (when the mid was quoted, UTC) and ``mid``: ``upbit``
    ``BASE/KRW``, ``binance`` ``BASE/USDT`` and ``fx_mids`` Upbit ``USDT/KRW`` (for the Upbit
    basis). Each interval takes the leg's last mid in it (``*_samples`` counts them); an
    interval without one is forward-filled and flagged like a missing candle.
    """
    legs = [_bucketed(leg, step) for leg in (upbit, binance)]
    fx_legs = _bucketed(fx_mids, step) if fx_mids is not None else None
    return _align("mid", legs[0], legs[1], base=base, fx=fx, fx_legs=fx_legs, step=step, errors=errors)


#: A Monday at midnight: buckets of every fixed interval line up with the venues' candles
#: (minutes, hours and days from the epoch; weeks from Monday, as both venues count them).
_ORIGIN = pd.Timestamp("1970-01-05", tz="UTC")


def _bucketed(mids: pd.DataFrame, step: pd.Timedelta | None) -> pd.DataFrame:
    """Recorded ``(ts, mid)`` as candle-like rows: open_time, close (last mid), volume (samples)."""
    keep = mids[["ts", "mid"]].dropna()
    keep = keep[np.isfinite(keep["mid"].to_numpy(dtype=np.float64))].sort_values("ts", kind="stable")
    if keep.empty:
        return frame("candles")
    ts = pd.DatetimeIndex(keep["ts"]).tz_convert("UTC")
    if step is None:  # calendar months
        opens = pd.DatetimeIndex([pd.Timestamp(t.year, t.month, 1, tz="UTC") for t in ts])
    else:
        opens = _ORIGIN + ((ts - _ORIGIN) // step) * step
    grouped = pd.DataFrame({"open_time": opens.as_unit("ns"), "close": keep["mid"].to_numpy()}).groupby(
        "open_time", sort=True
    )["close"]
    last = grouped.last()
    return frame(
        "candles",
        {
            "open_time": last.index,
            "close": last.to_numpy(),
            "volume": grouped.size().to_numpy(dtype=np.float64),
        },
    )


def _align(
    price: str,
    upbit: pd.DataFrame,
    binance: pd.DataFrame,
    *,
    base: str,
    fx: Sequence[FxBasis],
    fx_legs: pd.DataFrame | None,
    step: pd.Timedelta | None,
    errors: dict[str, str] | None,
) -> pd.DataFrame:
    kind, up_col, bn_col, bn_krw, up_usdt, activity = _NAMES[price]
    errors = errors or {}
    fx_frame = fx_legs if fx_legs is not None else frame("candles")
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
                kind,
                {
                    "ts": grid,
                    "base": [base] * n,
                    "fx_source": [basis.source] * n,
                    up_col: up_close,
                    bn_col: bn_close,
                    "fx_rate": rate,
                    bn_krw: binance_krw,
                    up_usdt: up_close / rate,
                    "premium_pct": ratio * 100,
                    "premium_bps": ratio * 10_000,
                    f"upbit_{activity}": up_vol,
                    f"binance_{activity}": bn_vol,
                    "filled_upbit": up_filled,
                    "filled_binance": bn_filled,
                    "filled_fx": fx_filled,
                    "error": [leg_err] * n,
                },
            )
        )
    if not parts:
        return frame(kind)
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
    price: str = "close",
) -> pd.DataFrame:
    """The premium over time from both venues' prices (and the FX basis), on one UTC grid.

    ``price="close"`` (default) fetches Upbit ``BASE/KRW``, Binance ``BASE/USDT`` and, for the
    Upbit basis, Upbit ``USDT/KRW`` candles concurrently (paginated by the client): the premium of
    candle **closes**, last trades that sit on the bid or the ask — not the book-top mids of
    :func:`~xtoolkit.research.premium`. On KRW-USDT one 1-KRW tick at ~1,440 KRW is 6.9 bps, so
    the FX close alone moves a minute's premium by about ±3.5 bps. ``price="mid"`` reads book-top
    mids recorded into ``catalog`` instead (no request: neither venue serves historical books).
    Gaps are filled explicitly — see the fill policy in :mod:`xtoolkit.research.history`. One
    venue failing (or, for mids, not recorded) gives NaN for its columns with the ``error`` text
    (and ``df.attrs["errors"]``); both failing raises.

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
        A :class:`~xtoolkit.Catalog`. Closes: when it holds every leg's candles over
        ``[start, end)`` they are read from it (same numbers, no requests); otherwise fetched.
        Mids: where the recorded mids are read (``record_tickers`` rows of the three markets,
        and the mids of ``record_premium`` rows of ``base``).
    price
        ``"close"`` (candle closes, the default) or ``"mid"`` (the last recorded book-top mid of
        each interval; needs ``catalog``, else :class:`~xtoolkit.InvalidArgument` says why).
    client
        The :class:`~xtoolkit.Client` to use (default: the shared public client; an
        ``AsyncClient`` needs ``await apremium_history(...)``).

    Returns
    -------
    DataFrame
        One row per (ts, fx_source): ts (candle open, UTC), base, fx_source, upbit_close (KRW),
        binance_close (USDT), fx_rate (KRW per USDT), binance_close_krw, upbit_close_usdt,
        premium_pct, premium_bps, upbit_volume, binance_volume (0 on filled rows), filled_upbit,
        filled_binance, filled_fx, error. ``attrs``: errors, interval, fx_sources, price.
        With ``price="mid"`` the same shape named for mids (:data:`PREMIUM_HISTORY_MID`):
        upbit_mid, binance_mid, fx_rate (the USDT/KRW mid for the Upbit basis),
        binance_mid_krw, upbit_mid_usdt, and upbit_samples, binance_samples (recorded mids in
        the interval, 0 on filled rows) instead of the volumes.
    """
    (name,) = validate_bases([base])
    if price not in PRICES:
        raise InvalidArgument(f"price must be one of {', '.join(PRICES)}, not {price!r}")
    if price == "mid" and catalog is None:
        raise InvalidArgument(
            "price='mid' needs recorded book mids: neither Binance nor Upbit serves historical "
            "order books over REST. Record them into a Catalog (Recorder(client, 'tickers', "
            "markets=[...], catalog=cat) or Recorder(client, 'premium', bases=[...], catalog=cat)) "
            "and pass catalog=cat, or use price='close' (candle closes)"
        )
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
    step = (
        None
        if interval == "1M"
        else pd.Timedelta(seconds=engine.venue("binance").adapter.interval_seconds(interval))
    )
    if price == "mid":
        assert catalog is not None  # refused above
        return _mid_history(catalog, name, markets, bases_fx, step, lo, hi, limit, interval)
    if catalog is not None and hi is not None and all(catalog.covers(m, interval, lo, hi) for m in markets):
        # Every leg is stored (closed candles, same rows the venues send): read, do not fetch.
        results = [(catalog.candles(m, interval, lo, hi), None) for m in markets]
    else:
        results = await asyncio.gather(*(_candles(engine, m, interval, lo, hi) for m in markets))
    legs = dict(zip(("upbit", "binance", "fx"), results, strict=False))
    failures = {leg: exc for leg, (_, exc) in legs.items() if exc is not None}
    if "upbit" in failures and "binance" in failures:
        raise failures["binance"]
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
    df.attrs["price"] = "close"
    return df


def _recorded_mids(catalog: Catalog, market: str, base: str) -> pd.DataFrame:
    """Every recorded book-top mid of ``market`` in ``catalog``: ``ts`` (quote time) and ``mid``.

    From ``record_tickers`` rows of the market and from ``record_premium`` rows of ``base``
    (their ``upbit_mid``, ``binance_mid``, and ``fx_rate`` where the basis is Upbit's USDT/KRW).
    A mid seen in both (same time, same value) counts once.
    """
    exchange, symbol = market.split(":", 1)
    parts = [
        catalog.sql(
            "SELECT coalesce(ts, poll_ts) AS ts, mid FROM record_tickers "
            "WHERE exchange = ? AND symbol = ? AND mid IS NOT NULL",
            [exchange, symbol],
        )
    ]
    if market == UPBIT_FX:
        parts.append(
            catalog.sql(
                "SELECT coalesce(fx_ts, poll_ts) AS ts, fx_rate AS mid FROM record_premium "
                "WHERE fx_source = ? AND fx_rate IS NOT NULL",
                [UPBIT_FX],
            )
        )
    else:
        leg = "upbit" if exchange == "upbit" else "binance"
        parts.append(
            catalog.sql(
                f"SELECT coalesce({leg}_ts, poll_ts) AS ts, {leg}_mid AS mid FROM record_premium "
                f"WHERE symbol = ? AND {leg}_mid IS NOT NULL",
                [base],
            )
        )
    rows = (
        pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    )
    rows = rows.astype({"mid": "float64"})
    rows["ts"] = pd.to_datetime(rows["ts"], utc=True)
    # A failed leg of a poll is recorded as NaN (Parquet keeps it as a value, not a NULL).
    rows = rows[np.isfinite(rows["mid"].to_numpy()) & rows["ts"].notna().to_numpy()]
    return rows.drop_duplicates(["ts", "mid"]).reset_index(drop=True)


def _mid_history(
    catalog: Catalog,
    base: str,
    markets: list[str],
    bases_fx: Sequence[FxBasis],
    step: pd.Timedelta | None,
    lo: Any,
    hi: Any,
    limit: int | None,
    interval: str,
) -> pd.DataFrame:
    lo_ms, hi_ms = _to_ms(lo, "start"), _to_ms(hi, "end")
    lo_ts = pd.Timestamp(lo_ms, unit="ms", tz="UTC") if lo_ms is not None else None
    hi_ts = pd.Timestamp(hi_ms, unit="ms", tz="UTC") if hi_ms is not None else None
    since = lo_ts.isoformat() if lo_ts is not None else "the first"
    until = hi_ts.isoformat() if hi_ts is not None else "now"
    window = f"[{since}, {until})"
    legs: dict[str, pd.DataFrame] = {}
    absent: dict[str, InvalidArgument] = {}
    for leg, market in zip(("upbit", "binance", "fx"), markets, strict=False):
        mids = _recorded_mids(catalog, market, base)
        inside = np.ones(len(mids), dtype=bool)
        if lo_ts is not None:
            inside &= (mids["ts"] >= lo_ts).to_numpy()
        if hi_ts is not None:
            inside &= (mids["ts"] < hi_ts).to_numpy()
        legs[leg] = mids[inside]
        if not inside.any():
            absent[leg] = InvalidArgument(f"the catalog holds no recorded mids of {market} in {window}")
    if "upbit" in absent and "binance" in absent:
        raise InvalidArgument(
            f"price='mid': the catalog holds no recorded book mids of {markets[0]} or {markets[1]} "
            f"in {window}; record them with Recorder(..., catalog=cat) or use price='close'"
        )
    df = align_mids(
        legs["upbit"],
        legs["binance"],
        base=base,
        fx=bases_fx,
        fx_mids=legs.get("fx"),
        step=step,
        errors={leg: error_text(exc) for leg, exc in absent.items()},
    )
    if limit is not None:
        keep = pd.DatetimeIndex(pd.unique(df["ts"])).sort_values()[-limit:]
        df = df[df["ts"].isin(keep)].reset_index(drop=True)
    # attrs["errors"] is keyed by exchange, as for closes: the FX mids are an Upbit market.
    errors: dict[str, BaseException] = {leg: exc for leg, exc in absent.items() if leg != "fx"}
    if "fx" in absent:
        errors.setdefault("upbit", absent["fx"])
    df.attrs["errors"] = errors
    df.attrs["interval"] = interval
    df.attrs["fx_sources"] = [b.source for b in bases_fx]
    df.attrs["price"] = "mid"
    return df


premium_history = blocking_verb(_premium_history)
apremium_history = async_verb(_premium_history)
