"""The kimchi premium of one base at one FX basis: one pure function, for REST and streams.

Below both wings (research polls, stream/ streams), so neither imports the other: the row, the
staleness rule, and the small rules of its inputs and outputs (base codes, error cells).

``premium = upbit_mid / (binance_mid × fx_rate) − 1``. :func:`premium_row` turns two legs
(Upbit ``BASE/KRW``, Binance ``BASE/USDT``) and a resolved FX rate into the ``premium`` row —
the polled :func:`~xtoolkit.research.premium` and the streamed
:class:`~xtoolkit.stream.LivePremium` both call it, so their numbers, staleness and error texts
cannot drift apart. Where the legs and the rate come from (a batched tickers request, a
websocket book top, a user series) is the caller's business.

Times are either all ``pandas.Timestamp`` (NaT when unknown; REST) or all float epoch seconds
(NaN when unknown; streams, which stay in floats on the hot path); the row keeps the
representation it was given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Protocol

import pandas as pd

from xtoolkit._errors import InvalidArgument

__all__ = [
    "PREMIUM_VENUES",
    "LegQuote",
    "error_text",
    "is_stale",
    "join_errors",
    "premium_row",
    "seconds_between",
    "validate_bases",
]

#: The ``exchange`` value (and partition) of recorded premium rows: Upbit against Binance.
PREMIUM_VENUES = "upbit-binance"


def error_text(exc: BaseException) -> str:
    """``"ClassName: message"`` — what an ``error`` cell holds."""
    return f"{type(exc).__name__}: {exc}"


def join_errors(parts: Iterable[str | None]) -> str | None:
    """Join the non-empty error texts with ``"; "``; ``None`` when there are none."""
    texts = [p for p in parts if p]
    return "; ".join(texts) if texts else None


def validate_bases(bases: str | Iterable[str]) -> list[str]:
    """Upper-cased, de-duplicated base assets in the order given."""
    items = [bases] if isinstance(bases, str) else list(bases)
    out: list[str] = []
    for b in items:
        if not isinstance(b, str) or not b.strip() or not b.strip().replace(".", "").isalnum():
            raise InvalidArgument(f"a base is an asset code like 'BTC', not {b!r}")
        code = b.strip().upper()
        if code not in out:
            out.append(code)
    if not out:
        raise InvalidArgument("give at least one base asset, e.g. ['BTC', 'ETH']")
    return out


class LegQuote(Protocol):
    """One venue's quote: a mid (NaN when unknown), its time, and why it is missing."""

    @property
    def mid(self) -> float: ...

    @property
    def ts(self) -> Any: ...

    @property
    def error(self) -> str | None: ...


def seconds_between(later: Any, earlier: Any) -> float:
    """``later - earlier`` in seconds (Timestamps or epoch floats); NaN when either is unknown."""
    # Two Timestamps of the same kind (both tz-aware or both naive): their epoch nanoseconds
    # differ by exactly the Timedelta's. A third of the pd.isna + Timedelta route's cost, and
    # a premium row takes four of these.
    if (
        type(later) is pd.Timestamp
        and type(earlier) is pd.Timestamp
        and (later.tzinfo is None) is (earlier.tzinfo is None)
    ):
        return (later.value - earlier.value) / 1e9
    if pd.isna(later) or pd.isna(earlier):
        return math.nan
    delta = later - earlier
    return delta.total_seconds() if isinstance(delta, pd.Timedelta) else float(delta)


def is_stale(ages: Iterable[float], max_age: float) -> bool:
    """Too old, or too far in the future (a skewed clock): either way not comparable."""
    return any(abs(a) > max_age for a in ages if not math.isnan(a))


def premium_row(
    base: str,
    fx_source: str,
    *,
    upbit: LegQuote,
    binance: LegQuote,
    fx_rate: float,
    fx_ts: Any,
    fx_error: str | None,
    as_of: Any,
    max_age: float,
) -> dict[str, Any]:
    """The ``premium`` row of ``base`` at one FX basis (pure; columns in schema order).

    Parameters
    ----------
    base
        The base asset, e.g. ``"BTC"``.
    fx_source
        The FX basis' label (``"upbit:USDT/KRW"``, ``"user"``...).
    upbit, binance
        The Upbit KRW leg and the Binance USDT leg.
    fx_rate, fx_ts, fx_error
        KRW per USDT (NaN when unknown), its time (NaT/NaN for a constant), why it is missing.
    as_of
        "Now", for the ages (same time representation as the legs).
    max_age
        Seconds after which a leg makes the row ``stale``.

    Returns
    -------
    dict
        base, fx_source, fx_rate, upbit_mid, binance_mid, binance_mid_krw, upbit_mid_usdt,
        premium_pct, premium_bps, upbit_ts, binance_ts, fx_ts, upbit_age_s, binance_age_s,
        fx_age_s, skew_s (spread of the known times), max_age_s, stale, error (NaN numbers and
        the reasons when a leg or the rate is missing — never a zero).
    """
    binance_krw = binance.mid * fx_rate
    ratio = upbit.mid / binance_krw - 1
    ages = [seconds_between(as_of, t) for t in (upbit.ts, binance.ts, fx_ts)]
    stamps = [t for t in (upbit.ts, binance.ts, fx_ts) if not pd.isna(t)]
    return {
        "base": base,
        "fx_source": fx_source,
        "fx_rate": fx_rate,
        "upbit_mid": upbit.mid,
        "binance_mid": binance.mid,
        "binance_mid_krw": binance_krw,
        "upbit_mid_usdt": upbit.mid / fx_rate,
        "premium_pct": ratio * 100,
        "premium_bps": ratio * 10_000,
        "upbit_ts": upbit.ts,
        "binance_ts": binance.ts,
        "fx_ts": fx_ts,
        "upbit_age_s": ages[0],
        "binance_age_s": ages[1],
        "fx_age_s": ages[2],
        "skew_s": seconds_between(max(stamps), min(stamps)) if stamps else math.nan,
        "max_age_s": max_age,
        "stale": is_stale(ages, max_age),
        "error": join_errors(
            [
                f"upbit: {upbit.error}" if upbit.error else None,
                f"binance: {binance.error}" if binance.error else None,
                fx_error,
            ]
        ),
    }
