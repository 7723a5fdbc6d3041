"""One order book across exchanges, in one quote currency; depth, VWAP and slippage.

Book maths (distances, cumulative depth, VWAP, slippage) runs on ``Decimal`` built from each
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
from xtoolkit.research._common import LEG_ERRORS, error_text, quote_of, typed, validate_bases
from xtoolkit.research._verb import async_verb, blocking_verb

__all__ = [
    "aaggregated_book",
    "aggregated_book",
    "best_venue",
    "book_from_levels",
    "depth_within",
    "slippage",
]

_ONE = Decimal(1)
_BPS = Decimal(10_000)
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
    return frame("book", cols)


def _failed(book: pd.DataFrame) -> dict[str, str]:
    errors = book.attrs.get("errors") or {}
    return {ex: error_text(exc) if isinstance(exc, BaseException) else str(exc) for ex, exc in errors.items()}


def depth_within(book: pd.DataFrame, pct: float) -> pd.DataFrame:
    """Resting size within ``pct`` % of each venue's mid, per venue and side.

    Returns
    -------
    DataFrame
        exchange, symbol, side, pct, levels, qty (base), notional_n (in the book's quote), error
        (venues in ``book.attrs["errors"]`` appear with NaN and their error).
    """
    if isinstance(pct, bool) or not isinstance(pct, int | float) or pct < 0:
        raise InvalidArgument(f"pct must be a non-negative number, not {pct!r}")
    limit = _d(pct)
    cols: dict[str, list[Any]] = {k: [] for k in frame("depth").columns}

    def add(**values: Any) -> None:
        for k in cols:
            cols[k].append(values.get(k))

    for (ex, side), rows in book.groupby(["exchange", "side"], sort=False):
        inside = [r for r in rows.itertuples(index=False) if _d(r.distance_pct) <= limit]
        add(
            exchange=ex,
            symbol=rows["symbol"].iloc[0],
            side=side,
            pct=float(pct),
            levels=len(inside),
            qty=float(sum((_d(r.qty) for r in inside), Decimal(0))),
            notional_n=float(sum((_d(r.notional_n) for r in inside), Decimal(0))),
        )
    for ex, err in _failed(book).items():
        for side in ("bid", "ask"):
            add(exchange=ex, side=side, pct=float(pct), levels=0, error=err)
    return frame("depth", cols)


def _walk(rows: pd.DataFrame, size: Decimal, size_in: str) -> tuple[Decimal, Decimal, int, bool]:
    """Fill ``size`` against levels best-first: ``(qty, notional, levels used, fully filled)``."""
    qty = notional = Decimal(0)
    used = 0
    remaining = size
    for r in rows.sort_values("level", kind="stable").itertuples(index=False):
        if remaining <= 0:
            break
        price, avail = _d(r.price_n), _d(r.qty)
        if size_in == "base":
            take = min(avail, remaining)
            remaining -= take
        else:
            spend = min(price * avail, remaining)
            take = spend / price
            remaining -= spend
        qty += take
        notional += take * price
        used += 1
    return qty, notional, used, remaining <= 0


def _bps(vwap: Decimal | None, ref: Decimal | None, sign: Decimal) -> float | None:
    """Slippage of ``vwap`` against ``ref`` in bps, positive when worse for the taker."""
    if vwap is None or ref is None:
        return None
    return float(sign * (vwap / ref - _ONE) * _BPS)


def slippage(book: pd.DataFrame, size: float, *, side: str = "buy", size_in: str = "base") -> pd.DataFrame:
    """What filling ``size`` at market would cost on each venue: VWAP and slippage.

    A buy walks the asks, a sell the bids, best level first. When the fetched book is too thin
    ``filled`` is False and the figures describe the part that could be filled.

    Parameters
    ----------
    book
        An :func:`aggregated_book` frame.
    size
        Amount to fill: base units (``size_in="base"``) or book-quote notional (``"quote"``).
    side
        ``"buy"`` or ``"sell"``.

    Returns
    -------
    DataFrame
        One row per exchange: exchange, symbol, side, size, size_in, filled, filled_qty,
        filled_notional_n, vwap_n, best_n (best price), mid_n, slippage_bps_mid,
        slippage_bps_best (positive = worse than the reference), levels_used, error.
    """
    if side not in ("buy", "sell"):
        raise InvalidArgument(f"side must be 'buy' or 'sell', not {side!r}")
    if size_in not in ("base", "quote"):
        raise InvalidArgument(f"size_in must be 'base' or 'quote', not {size_in!r}")
    if isinstance(size, bool) or not isinstance(size, int | float | Decimal) or not size > 0:
        raise InvalidArgument(f"size must be a positive number, not {size!r}")
    want = Decimal(str(size))
    book_side = "ask" if side == "buy" else "bid"
    sign = _ONE if side == "buy" else -_ONE
    cols: dict[str, list[Any]] = {k: [] for k in frame("slippage").columns}

    def add(**values: Any) -> None:
        for k in cols:
            cols[k].append(values.get(k))

    for ex in dict.fromkeys(book["exchange"]):
        rows = book[(book["exchange"] == ex) & (book["side"] == book_side)]
        symbol = book.loc[book["exchange"] == ex, "symbol"].iloc[0]
        common = {"exchange": ex, "symbol": symbol, "side": side, "size": float(size), "size_in": size_in}
        if rows.empty or rows["price_n"].isna().any():
            add(**common, filled=False, levels_used=0, error=f"no {book_side} levels to fill against")
            continue
        qty, notional, used, done = _walk(rows, want, size_in)
        best = _d(rows.sort_values("level")["price_n"].iloc[0])
        mid_f = rows["mid_n"].iloc[0]
        vwap = notional / qty if qty else None
        mid = None if mid_f != mid_f else _d(mid_f)
        add(
            **common,
            filled=done,
            filled_qty=float(qty),
            filled_notional_n=float(notional),
            vwap_n=None if vwap is None else float(vwap),
            best_n=float(best),
            mid_n=None if mid is None else float(mid),
            slippage_bps_mid=_bps(vwap, mid, sign),
            slippage_bps_best=_bps(vwap, best, sign),
            levels_used=used,
        )
    for ex, err in _failed(book).items():
        add(exchange=ex, side=side, size=float(size), size_in=size_in, filled=False, levels_used=0, error=err)
    return frame("slippage", cols)


def best_venue(book: pd.DataFrame, size: float, *, size_in: str = "base") -> pd.DataFrame:
    """The venue with the best VWAP for ``size``, for a buy and for a sell.

    Only venues that can fill the whole size compete (lowest VWAP to buy, highest to sell).

    Returns
    -------
    DataFrame
        Two rows (side ``buy``, ``sell``) with the :func:`slippage` columns of the winner; when
        no venue can fill, exchange is NA, filled False and error says so.
    """
    out = []
    for side in ("buy", "sell"):
        slip = slippage(book, size, side=side, size_in=size_in)
        ok = slip[slip["filled"]]
        if ok.empty:
            out.append(
                frame(
                    "slippage",
                    {
                        "side": [side],
                        "size": [float(size)],
                        "size_in": [size_in],
                        "filled": [False],
                        "levels_used": [0],
                        "error": [f"no venue can fill {size} {size_in} on the {side} side"],
                    },
                )
            )
            continue
        pick = ok["vwap_n"].idxmin() if side == "buy" else ok["vwap_n"].idxmax()
        out.append(slip.loc[[pick]])
    return pd.concat(out, ignore_index=True)


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

    One book request per venue (Upbit at most 30 levels) plus, for the Upbit FX basis, the top
    of Upbit's ``KRW-USDT`` book. A failing venue is left out of the rows and listed in
    ``df.attrs["errors"]``; :func:`depth_within` and :func:`slippage` report it with its error.

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
        − 1| × 100), fx_source, fx_rate (KRW per USDT), ts. ``attrs``: errors, quote, fx_source.
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
    jobs = [_book(engine, m, min(depth, engine.venue(ex).adapter.max_depth)) for ex, m in markets.items()]
    wants_fx = basis.is_upbit and any(needs_fx(quote_of(ex), target) for ex in venues)
    if wants_fx:
        jobs.append(_book(engine, UPBIT_FX, 1))
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
    df.attrs["quote"] = target
    df.attrs["fx_source"] = basis.source
    return df


aggregated_book = blocking_verb(_aggregated_book)
aaggregated_book = async_verb(_aggregated_book)
