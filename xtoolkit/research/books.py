"""One order book across exchanges, in one quote currency, for display and comparison.

:func:`aggregated_book` fetches the books; :func:`book_from_levels` is its pure half. Prices
in the book's quote (``price_n``, ``mid_n``) are converted at the FX **mid** — a picture of
where the liquidity sits, not a price anyone trades at. What an order would really cost (taker
fees, the FX leg on its executable side, bands the fetch does not reach) is
:mod:`xtoolkit.research.execution` (``depth_within``, ``slippage``, ``best_venue``), which reads
an aggregated book as it is. Distances and cumulative depth run on ``Decimal`` built from each
float's shortest repr, so hand-computed answers match exactly; results are float64 columns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from xtoolkit._client import AsyncClient
from xtoolkit._errors import InvalidArgument, XtoolkitError
from xtoolkit._frames import frame
from xtoolkit._fx import UPBIT_FX, FxBasis, FxLike, check_quote, needs_fx, one_fx
from xtoolkit.research._common import LEG_ERRORS, quote_of, typed, validate_bases
from xtoolkit.research._verb import async_verb, blocking_verb

__all__ = [
    "aaggregated_book",
    "aggregated_book",
    "book_from_levels",
]

_ONE = Decimal(1)
_PCT = Decimal(100)


def _d(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _to_target(price: Decimal, native: str, target: str, rate: Decimal | None) -> Decimal:
    if native == target:
        return price
    if rate is None:
        raise InvalidArgument(f"an FX rate is needed to show {native} prices in {target}")
    return price / rate if (native, target) == ("KRW", "USDT") else price * rate


def book_from_levels(
    levels: pd.DataFrame,
    *,
    quote: str,
    fx_rate: float | Mapping[str, float] | None,
    fx_source: str | None,
) -> pd.DataFrame:
    """The :func:`aggregated_book` frame from ``orderbook``-schema levels of several venues (pure).

    Each venue's native quote is read from its symbol (``BTC/KRW`` → KRW). ``fx_rate`` is KRW
    per USDT, one number or one per exchange (needed only for venues not already in ``quote``).
    """
    target = check_quote(quote)
    cols: dict[str, list[Any]] = {k: [] for k in frame("book").columns}
    order = list(dict.fromkeys(levels["exchange"]))
    for ex in order:
        venue = levels[levels["exchange"] == ex]
        rate_f = fx_rate.get(ex) if isinstance(fx_rate, Mapping) else fx_rate
        rate = None if rate_f is None or rate_f != rate_f else _d(rate_f)
        bids = venue[venue["side"] == "bid"].sort_values("level", kind="stable")
        asks = venue[venue["side"] == "ask"].sort_values("level", kind="stable")
        mid = (_d(bids["price"].iloc[0]) + _d(asks["price"].iloc[0])) / 2 if len(bids) and len(asks) else None
        for side_rows in (bids, asks):
            cum_qty = Decimal(0)
            cum_notional = Decimal(0)
            for row in side_rows.itertuples(index=False):
                native = str(row.symbol).split("/")[1]
                convertible = not needs_fx(native, target) or rate is not None
                price, qty = _d(row.price), _d(row.qty)
                price_n = _to_target(price, native, target, rate) if convertible else None
                cum_qty += qty
                notional = price_n * qty if price_n is not None else None
                if notional is not None:
                    cum_notional += notional
                mid_n = _to_target(mid, native, target, rate) if mid is not None and convertible else None
                values = {
                    "exchange": ex,
                    "symbol": row.symbol,
                    "side": row.side,
                    "level": int(row.level),
                    "price": float(price),
                    "qty": float(qty),
                    "quote": native,
                    "price_n": None if price_n is None else float(price_n),
                    "notional_n": None if notional is None else float(notional),
                    "cum_qty": float(cum_qty),
                    "cum_notional_n": None if notional is None else float(cum_notional),
                    "mid_n": None if mid_n is None else float(mid_n),
                    "distance_pct": None if mid is None else float((price / mid - _ONE).copy_abs() * _PCT),
                    "fx_source": fx_source,
                    "fx_rate": rate_f,
                    "ts": row.ts,
                }
                for k, v in values.items():
                    cols[k].append(v)
    df = frame("book", cols)
    df.attrs.update(quote=target, fx_source=fx_source, errors={})
    return df


async def _book(engine: AsyncClient, market: str, depth: int) -> tuple[pd.DataFrame, XtoolkitError | None]:
    try:
        return await typed(engine.orderbook(market, depth=depth)), None
    except LEG_ERRORS as exc:
        return frame("orderbook"), exc  # type: ignore[return-value]


def _fx_for(
    basis: FxBasis, fx_book: pd.DataFrame | None, when: pd.Timestamp
) -> tuple[float | None, str | None]:
    """KRW per USDT for a venue's book: the Upbit KRW-USDT top mid, or the user basis as of ``when``."""
    if basis.is_upbit:
        if fx_book is None or fx_book.empty:
            return None, None
        top = fx_book[fx_book["level"] == 0]
        bid = top.loc[top["side"] == "bid", "price"]
        ask = top.loc[top["side"] == "ask", "price"]
        if bid.empty or ask.empty:
            return None, f"fx {UPBIT_FX}: no book top"
        return float((_d(bid.iloc[0]) + _d(ask.iloc[0])) / 2), None
    rate, _ = basis.asof(when)
    return (None, f"fx {basis.source}: no value at or before {when}") if rate != rate else (rate, None)


async def _aggregated_book(
    engine: AsyncClient,
    base: str,
    *,
    quote: str = "USDT",
    depth: int = 20,
    fx: FxLike = "upbit",
    exchanges: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The order books of ``base`` on every venue, long form, priced in one quote currency.

    One book request per venue (Upbit at most 30 levels) plus, for the Upbit FX basis when a
    venue needs converting, one for Upbit's ``KRW-USDT`` book (to the same depth: its top mid
    prices the rows, its levels ride along in ``attrs["fx_levels"]`` so :func:`slippage` and
    :func:`best_venue` can walk the FX leg at its executable side). A failing venue is left out
    of the rows and listed in ``df.attrs["errors"]``; :func:`depth_within`, :func:`slippage`
    report it with its error.

    Parameters
    ----------
    base
        The asset, e.g. ``"BTC"`` (Binance BTC/USDT, Upbit BTC/KRW).
    quote
        ``"USDT"`` or ``"KRW"``.
    depth
        Levels per side per venue (capped at each venue's maximum).
    fx
        One basis: ``"upbit"`` (default), a KRW-per-USDT number, or a Series (as of the book time).
    exchanges
        Venues to include (default: every configured one).
    client
        The :class:`~xtoolkit.Client` to use (default: the shared public client; an
        ``AsyncClient`` needs ``await aaggregated_book(...)``).

    Returns
    -------
    DataFrame
        exchange, symbol, side ("bid"/"ask"), level (0 = best), price, qty (native), quote
        (native), price_n, notional_n (price_n × qty), cum_qty, cum_notional_n (from the best
        level outward, per venue and side), mid_n (the venue's mid), distance_pct (|price / mid
        − 1| × 100), fx_source, fx_rate (KRW per USDT), ts. ``price_n`` and ``mid_n`` are at the
        FX **mid**: where the liquidity sits, not what crossing it costs. ``attrs``: errors,
        quote, fx_source, base, depth (levels requested per ``exchange:symbol``: a side that
        holds that many may go deeper), fx_levels (the ``KRW-USDT`` book's ``orderbook``
        columns, when it was fetched).
    """
    (name,) = validate_bases([base])
    target = check_quote(quote)
    basis = one_fx(fx)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InvalidArgument(f"depth must be a positive int, not {depth!r}")
    venues = (
        [e.lower() for e in exchanges]
        if exchanges
        else [e for e in engine.exchanges if e in ("binance", "upbit")]
    )
    markets = {ex: f"{ex}:{name}/{quote_of(ex)}" for ex in venues}
    asked = {m: min(depth, engine.venue(ex).adapter.max_depth) for ex, m in markets.items()}
    jobs = [_book(engine, m, asked[m]) for m in markets.values()]
    wants_fx = basis.is_upbit and any(needs_fx(quote_of(ex), target) for ex in venues)
    if wants_fx:
        # As deep as the venue books: an order's FX leg walks it, the top alone cannot fill it.
        asked[UPBIT_FX] = min(depth, engine.venue("upbit").adapter.max_depth)
        jobs.append(_book(engine, UPBIT_FX, asked[UPBIT_FX]))
    results = await asyncio.gather(*jobs)
    books = dict(zip(venues, results[: len(venues)], strict=True))
    fx_book, fx_exc = results[-1] if wants_fx else (None, None)
    errors: dict[str, BaseException] = {ex: exc for ex, (_, exc) in books.items() if exc is not None}
    rates: dict[str, float | None] = {}
    for ex, (levels, exc) in books.items():
        if exc is not None:
            continue
        when = levels["ts"].max() if len(levels) else pd.NaT
        rate, err = _fx_for(basis, fx_book, when)
        rates[ex] = rate
        if rate is None and needs_fx(quote_of(ex), target):
            # No FX, no comparable prices: report the venue as failed rather than guess.
            errors[ex] = fx_exc or InvalidArgument(err or f"fx {basis.source}: unavailable")
    good = [lv for ex, (lv, exc) in books.items() if ex not in errors and len(lv)]
    if not good and errors:
        # Nothing to show at all: an empty book would be a silent failure.
        raise next(iter(errors.values()))
    levels = pd.concat(good, ignore_index=True) if good else frame("orderbook")
    df = book_from_levels(levels, quote=target, fx_rate=rates, fx_source=basis.source)
    df.attrs["errors"] = errors
    df.attrs["base"] = name
    df.attrs["depth"] = asked
    if fx_book is not None and len(fx_book):
        # Plain lists, not a frame: attrs are deep-copied by every pandas operation on df.
        df.attrs["fx_levels"] = {c: fx_book[c].tolist() for c in frame("orderbook").columns}
    return df


aggregated_book = blocking_verb(_aggregated_book)
aaggregated_book = async_verb(_aggregated_book)
