"""Cross-exchange comparison and the kimchi premium (Upbit KRW over Binance USDT).

Pure maths on fetched quotes (:func:`compare_quotes`, :func:`premium_quotes`) behind a thin
fetch layer: one batched tickers request per venue however many bases (Binance 1 request,
Upbit 2: ticker + book top), the Upbit FX market riding in the same Upbit batch.

Stale policy: a leg older than ``max_age`` seconds (or more than ``max_age`` in the future, a
clock-skew symptom) is *flagged* ``stale=True``; the numbers are still computed so charts can
shade them — filter with ``df[~df.stale]``. A missing leg (outage, unlisted market) gives NaN
and an ``error`` text, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xtoolkit._client import AsyncClient
from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import frame, schema
from xtoolkit._fx import (
    UPBIT_FX,
    FxBasis,
    FxLike,
    check_quote,
    convert,
    needs_fx,
    parse_fx,
)
from xtoolkit._premium import is_stale, premium_row, seconds_between
from xtoolkit.research._common import (
    error_text,
    join_errors,
    now_utc,
    quote_of,
    validate_bases,
)
from xtoolkit.research._fetch import Quotes, fetch_quotes
from xtoolkit.research._verb import async_verb, blocking_verb

__all__ = [
    "Leg",
    "acompare",
    "apremium",
    "compare",
    "compare_quotes",
    "fx_at",
    "leg_of",
    "premium",
    "premium_quotes",
]

_FX_SYMBOL = "USDT/KRW"
NaN = float("nan")


@dataclass(frozen=True, slots=True)
class Leg:
    """One venue's quote for one market (NaN prices and ``error`` text when missing)."""

    bid: float = NaN
    ask: float = NaN
    last: float = NaN
    ts: pd.Timestamp = pd.NaT
    error: str | None = None

    @property
    def mid(self) -> float:
        """(bid + ask) / 2 — NaN when either side is missing (never the last price in disguise)."""
        return (self.bid + self.ask) / 2


def leg_of(quotes: Mapping[str, Quotes], exchange: str, symbol: str) -> Leg:
    """The :class:`Leg` of ``symbol`` on ``exchange`` from fetched quotes."""
    q = quotes.get(exchange)
    if q is None:
        return Leg(error=f"InvalidArgument: {exchange} was not fetched")
    if q.error is not None:
        return Leg(error=error_text(q.error))
    if symbol in q.unlisted:
        return Leg(error=f"UnknownMarket: {exchange} does not list {symbol}")
    got = q.quote(symbol)
    if got is None:
        return Leg(error=f"MalformedResponse: {exchange} returned no ticker for {symbol}")
    return Leg(*got)


def fx_at(
    basis: FxBasis, quotes: Mapping[str, Quotes], when: pd.Timestamp
) -> tuple[float, pd.Timestamp, str | None]:
    """``(KRW per USDT, its time, error text)`` of ``basis`` for a price at ``when``.

    Upbit: the mid of the fetched ``KRW-USDT`` book top. A user series: its last value at or
    before ``when``. A constant: itself, with no time.
    """
    if basis.is_upbit:
        leg = leg_of(quotes, "upbit", _FX_SYMBOL)
        if leg.error:
            return NaN, pd.NaT, f"fx {UPBIT_FX}: {leg.error}"
        if math.isnan(leg.mid):
            return NaN, leg.ts, f"fx {UPBIT_FX}: no book top"
        return leg.mid, leg.ts, None
    rate, stamp = basis.asof(when)
    if math.isnan(rate):
        return NaN, pd.NaT, f"fx {basis.source}: no value at or before {when}"
    return rate, stamp, None


def compare_quotes(
    quotes: Mapping[str, Quotes],
    bases: Sequence[str],
    *,
    quote: str,
    fx: Sequence[FxBasis],
    exchanges: Sequence[str],
    max_age: float,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """The :func:`compare` frame from fetched quotes (pure; see :func:`compare` for columns)."""
    target = check_quote(quote)
    cols: dict[str, list[Any]] = {k: [] for k in schema("compare")}
    # Upbit's book-top rate is one quote for every row: read it once per basis.
    fixed = {i: fx_at(b, quotes, pd.NaT) for i, b in enumerate(fx) if b.is_upbit}
    for base in bases:
        for ex in exchanges:
            native = quote_of(ex)
            symbol = f"{base}/{native}"
            leg = leg_of(quotes, ex, symbol)
            age = seconds_between(as_of, leg.ts)
            for i, basis in enumerate(fx):
                rate, fx_ts, fx_err = fixed[i] if i in fixed else fx_at(basis, quotes, leg.ts)
                used = needs_fx(native, target)
                ages = [age, seconds_between(as_of, fx_ts)] if used else [age]
                values = [leg.bid, leg.ask, leg.mid, leg.last]
                normal = [convert(v, native, target, rate) for v in values]
                row = {
                    "base": base,
                    "exchange": ex,
                    "symbol": symbol,
                    "quote": native,
                    "bid": leg.bid,
                    "ask": leg.ask,
                    "mid": leg.mid,
                    "last": leg.last,
                    "fx_source": basis.source,
                    "fx_rate": rate,
                    "fx_ts": fx_ts,
                    "quote_n": target,
                    "bid_n": normal[0],
                    "ask_n": normal[1],
                    "mid_n": normal[2],
                    "last_n": normal[3],
                    "ts": leg.ts,
                    "age_s": age,
                    "stale": is_stale(ages, max_age),
                    "error": join_errors([leg.error, fx_err if used else None]),
                }
                for k, v in row.items():
                    cols[k].append(v)
    return frame("compare", cols)


def premium_quotes(
    quotes: Mapping[str, Quotes],
    bases: Sequence[str],
    *,
    fx: Sequence[FxBasis],
    max_age: float,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """The :func:`premium` frame from fetched quotes (pure; see :func:`premium` for columns).

    ``premium = upbit_mid / (binance_mid × fx_rate) − 1``; a user FX series is read as of the
    later of the two legs' times.
    """
    return frame("premium", premium_columns(quotes, bases, fx=fx, max_age=max_age, as_of=as_of))


def premium_columns(
    quotes: Mapping[str, Quotes],
    bases: Sequence[str],
    *,
    fx: Sequence[FxBasis],
    max_age: float,
    as_of: pd.Timestamp,
) -> dict[str, list[Any]]:
    """The columns of :func:`premium_quotes` as lists, in ``premium`` schema order.

    For callers that add columns before building one frame (the Recorder adds its poll
    columns): building the premium frame first and copying it out again costs a frame per poll.
    """
    cols: dict[str, list[Any]] = {k: [] for k in schema("premium")}
    # Upbit's book-top rate is one quote for every base: read it once per basis, not per row.
    fixed = {i: fx_at(b, quotes, pd.NaT) for i, b in enumerate(fx) if b.is_upbit}
    for base in bases:
        up = leg_of(quotes, "upbit", f"{base}/KRW")
        bn = leg_of(quotes, "binance", f"{base}/USDT")
        times = [t for t in (up.ts, bn.ts) if not pd.isna(t)]
        when = max(times) if times else pd.NaT
        for i, basis in enumerate(fx):
            rate, fx_ts, fx_err = fixed[i] if i in fixed else fx_at(basis, quotes, when)
            row = premium_row(
                base,
                basis.source,
                upbit=up,
                binance=bn,
                fx_rate=rate,
                fx_ts=fx_ts,
                fx_error=fx_err,
                as_of=as_of,
                max_age=max_age,
            )
            for k, v in row.items():
                cols[k].append(v)
    return cols


def _check_age(max_age: float) -> float:
    if isinstance(max_age, bool) or not isinstance(max_age, int | float) or not max_age > 0:
        raise InvalidArgument(f"max_age must be a positive number of seconds, not {max_age!r}")
    return float(max_age)


def _attach(df: pd.DataFrame, quotes: Mapping[str, Quotes], as_of: pd.Timestamp, **info: Any) -> pd.DataFrame:
    df.attrs["errors"] = {ex: q.error for ex, q in quotes.items() if q.error is not None}
    df.attrs["as_of"] = as_of
    df.attrs.update(info)
    return df


def _need(engine: AsyncClient, exchanges: Iterable[str]) -> None:
    missing = [ex for ex in exchanges if ex not in engine.exchanges]
    if missing:
        raise InvalidArgument(
            f"this needs {', '.join(missing)} configured on the client; "
            f"configured: {', '.join(engine.exchanges)}"
        )


async def _compare(
    engine: AsyncClient,
    bases: str | Sequence[str],
    *,
    quote: str = "USDT",
    fx: FxLike = "upbit",
    max_age: float = 5.0,
    exchanges: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each exchange's bid/ask/mid/last for many bases, native and normalised to one quote.

    Costs one batched tickers request per exchange however many bases (Binance 1, Upbit 2); the
    Upbit ``KRW-USDT`` FX market rides in the Upbit batch. A failing exchange does not raise: its
    rows carry NaN prices and the ``error`` text, and ``df.attrs["errors"]`` maps it to the typed
    error. A base a venue does not list gives that row an ``UnknownMarket`` error.

    Parameters
    ----------
    bases
        Base assets, e.g. ``["BTC", "ETH"]``; each venue's default quote is used (Binance USDT,
        Upbit KRW).
    quote
        The quote to normalise into: ``"USDT"`` or ``"KRW"``.
    fx
        FX basis (see :mod:`xtoolkit.research.fx`): ``"upbit"`` (default), a KRW-per-USDT number,
        a Series, or a list of them for one row per basis (e.g. ``["upbit", 1385.0]``).
    max_age
        Seconds after which a leg (or the FX leg it needs) is flagged ``stale``.
    exchanges
        Venues to compare (default: every configured one).
    client
        The :class:`~xtoolkit.Client` to use (default: the shared public client; an
        ``AsyncClient`` needs ``await acompare(...)``).

    Returns
    -------
    DataFrame
        One row per (base, exchange, fx_source): base, exchange, symbol, quote (native), bid,
        ask, mid, last (native), fx_source, fx_rate (KRW per USDT), fx_ts, quote_n (the target),
        bid_n, ask_n, mid_n, last_n (in ``quote``), ts (the venue's quote time), age_s, stale,
        error. ``attrs``: errors, as_of, quote, fx_sources.
    """
    names = validate_bases(bases)
    target = check_quote(quote)
    bases_fx = parse_fx(fx)
    age = _check_age(max_age)
    venues = (
        [e.lower() for e in exchanges]
        if exchanges
        else [e for e in engine.exchanges if e in ("binance", "upbit")]
    )
    for ex in venues:
        quote_of(ex)
    _need(engine, venues)
    wanted: dict[str, list[str]] = {ex: [f"{b}/{quote_of(ex)}" for b in names] for ex in venues}
    if any(b.is_upbit for b in bases_fx) and any(needs_fx(quote_of(ex), target) for ex in venues):
        _need(engine, ["upbit"])
        wanted.setdefault("upbit", []).append(_FX_SYMBOL)
    quotes = await fetch_quotes(engine, wanted)
    as_of = now_utc()
    df = compare_quotes(quotes, names, quote=target, fx=bases_fx, exchanges=venues, max_age=age, as_of=as_of)
    return _attach(df, quotes, as_of, quote=target, fx_sources=[b.source for b in bases_fx])


async def _premium(
    engine: AsyncClient, bases: str | Sequence[str], *, fx: FxLike = "upbit", max_age: float = 5.0
) -> pd.DataFrame:
    """The kimchi premium: Upbit's KRW mid over Binance's USDT mid converted at an FX basis.

    ``premium = upbit_mid / (binance_mid × fx_rate) − 1`` (``premium_pct`` ×100, ``premium_bps``
    ×10 000). Costs 1 Binance and 2 Upbit requests however many bases. Give several FX bases
    (``fx=["upbit", 1385.0]``) to see them side by side: one row per base per basis. Stale legs
    are flagged, not dropped; a failing venue leaves NaN premiums with the ``error`` text and
    the typed error in ``df.attrs["errors"]``.

    Parameters
    ----------
    bases
        Base assets listed on both venues, e.g. ``["BTC", "ETH"]``.
    fx
        ``"upbit"`` (Upbit ``KRW-USDT``, default), a KRW-per-USDT number, a Series on a UTC
        index (value as of the later leg's time), an :class:`FxBasis`, or a list of them.
    max_age
        Seconds after which a leg (Upbit, Binance or a timed FX value) makes the row ``stale``.
    client
        The :class:`~xtoolkit.Client` to use (default: the shared public client; an
        ``AsyncClient`` needs ``await apremium(...)``).

    Returns
    -------
    DataFrame
        One row per (base, fx_source): base, fx_source (``"upbit:USDT/KRW"`` or ``"user"``),
        fx_rate (KRW per USDT), upbit_mid (KRW), binance_mid (USDT), binance_mid_krw,
        upbit_mid_usdt, premium_pct, premium_bps, upbit_ts, binance_ts, fx_ts, upbit_age_s,
        binance_age_s, fx_age_s, skew_s (spread of the legs' times), max_age_s, stale, error.
        ``attrs``: errors, as_of, fx_sources, max_age.
    """
    got = await poll_premium(engine, bases, fx=fx, max_age=max_age)
    df = frame("premium", got.columns)
    df.attrs.update(errors=got.errors, as_of=got.as_of, fx_sources=got.fx_sources, max_age=got.max_age)
    return df


@dataclass(frozen=True, slots=True)
class PremiumPoll:
    """One premium fetch before it becomes a frame: the columns and what ``attrs`` would say."""

    columns: dict[str, list[Any]]
    errors: dict[str, BaseException]
    as_of: pd.Timestamp
    fx_sources: list[str]
    max_age: float


async def poll_premium(
    engine: AsyncClient, bases: str | Sequence[str], *, fx: FxLike = "upbit", max_age: float = 5.0
) -> PremiumPoll:
    """Fetch and compute :func:`premium` (same requests, same numbers) without building a frame."""
    names = validate_bases(bases)
    bases_fx = parse_fx(fx)
    age = _check_age(max_age)
    _need(engine, ["upbit", "binance"])
    wanted = {"upbit": [f"{b}/KRW" for b in names], "binance": [f"{b}/USDT" for b in names]}
    if any(b.is_upbit for b in bases_fx):
        wanted["upbit"].append(_FX_SYMBOL)
    quotes = await fetch_quotes(engine, wanted)
    as_of = now_utc()
    return PremiumPoll(
        premium_columns(quotes, names, fx=bases_fx, max_age=age, as_of=as_of),
        {ex: q.error for ex, q in quotes.items() if q.error is not None},
        as_of,
        [b.source for b in bases_fx],
        age,
    )


compare = blocking_verb(_compare)
acompare = async_verb(_compare)
premium = blocking_verb(_premium)
apremium = async_verb(_premium)
