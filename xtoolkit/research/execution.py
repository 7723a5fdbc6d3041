"""Depth, slippage and the best venue, honestly: bands the fetch may not reach, fees, the FX leg.

The public book helpers (``xt.research.depth_within``, ``slippage``, ``best_venue``), with money
maths in ``Decimal``. They take what a user has in hand: raw ``orderbook`` frames (one frame of
several markets, or a list of frames), :class:`~xtoolkit.research.walk.Book` mappings, or an
:func:`~xtoolkit.research.aggregated_book` frame (its native ``price``/``qty`` levels are read,
the FX book and fetched depths it carries in ``attrs`` are used, and the venues in
``attrs["errors"]`` come back as error rows):

* :func:`depth_within` says whether the fetched book reaches the band (``reaches_band``): a
  side holding as many levels as were fetched may continue past its last level, so resting size
  inside a band wider than the fetched book is a lower bound, not an answer;
* :func:`slippage` walks the book as a taker, charges the venue's taker fee where the venue
  takes it (:data:`~xtoolkit.research.walk.FEE_STYLE`) and converts into the target currency
  on the executable side of Upbit's USDT/KRW book (or at a user rate): a buy priced in USDT on
  an Upbit market first sells USDT for KRW on the FX bids; a sale on Upbit buys USDT on the FX
  asks with the KRW proceeds;
* :func:`best_venue` ranks venues by that all-in price, among those that fill.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import frame
from xtoolkit._fx import UPBIT_FX
from xtoolkit.research._common import error_text, quote_of
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.executable import as_books
from xtoolkit.research.fees import FeeBook, TakerFee, as_fee_book
from xtoolkit.research.walk import (
    FEE_STYLE,
    FX_KEY,
    MONEY,
    Book,
    FxRate,
    Leg,
    books_from_frame,
    buy_base,
    buy_spend,
    dec,
    dtext,
    fnum,
    krw_for_usdt,
    krw_to_usdt,
    parse_fx_rates,
    sell_base,
    sell_for,
    usdt_for_krw,
    usdt_to_krw,
)

__all__ = ["best_venue", "depth_within", "slippage"]

_BPS = Decimal(10_000)
_HUNDRED = Decimal(100)
_QUOTES = ("USDT", "KRW")

#: What ``books=`` accepts.
BooksLike = Mapping[str, Book] | pd.DataFrame | Sequence[pd.DataFrame]

#: Columns only an :func:`~xtoolkit.research.aggregated_book` frame has (schema ``book``).
_AGGREGATED_MARKS = ("price_n", "mid_n", "fx_source")
_LEVEL_COLUMNS = ["exchange", "symbol", "side", "level", "price", "qty", "ts"]


@dataclass(frozen=True, slots=True)
class _Input:
    """The books of one call, and what an aggregated book frame said about its fetch."""

    books: dict[str, Book]
    #: exchange -> error text of a venue the aggregated book could not fetch.
    failed: dict[str, str] = field(default_factory=dict)
    #: exchange -> symbol of those failed venues (None when the base is not known).
    failed_symbols: dict[str, str | None] = field(default_factory=dict)
    #: The aggregated book's quote currency and FX basis (defaults for ``quote=``/``fx=``).
    quote: str | None = None
    fx: Any = None
    #: Keys of the books the caller asked about (an aggregated book's FX book is only a means).
    shown: tuple[str, ...] = ()


def is_aggregated(df: pd.DataFrame) -> bool:
    """True for an :func:`~xtoolkit.research.aggregated_book` frame (schema ``book``)."""
    return all(c in df.columns for c in _AGGREGATED_MARKS)


def _depths(
    depth: int | Mapping[str, int] | None, recorded: Mapping[str, int]
) -> dict[str, int] | int | None:
    if depth is None:
        return dict(recorded) or None
    if isinstance(depth, Mapping):
        return {**recorded, **depth}
    return depth


def _aggregated_fx(df: pd.DataFrame, target: str | None) -> Any:
    """The aggregated book's basis as an ``fx=`` value: ``"upbit"`` or the user rate it used."""
    source = df.attrs.get("fx_source")
    if source is None and len(df):
        source = df["fx_source"].dropna().iloc[0] if df["fx_source"].notna().any() else None
    if source is None or source == UPBIT_FX:
        return "upbit"
    # A user rate (a number or a series read as of the book time): the one the converted rows used.
    converted = df[df["quote"] != target] if target is not None else df
    rates = [r for r in converted["fx_rate"].tolist() if isinstance(r, float) and math.isfinite(r)]
    if not rates:
        rates = [r for r in df["fx_rate"].tolist() if isinstance(r, float) and math.isfinite(r)]
    return rates[0] if rates else "upbit"


def _from_aggregated(df: pd.DataFrame, depth: int | Mapping[str, int] | None) -> _Input:
    recorded = {str(k): int(v) for k, v in (df.attrs.get("depth") or {}).items()}
    levels = df[_LEVEL_COLUMNS]
    fx_levels = df.attrs.get("fx_levels")
    if fx_levels:
        levels = pd.concat([levels, frame("orderbook", fx_levels)], ignore_index=True)
    books = books_from_frame(levels, depth=_depths(depth, recorded))
    quote = df.attrs.get("quote")
    base = df.attrs.get("base")
    failed: dict[str, str] = {}
    symbols: dict[str, str | None] = {}
    for ex, exc in (df.attrs.get("errors") or {}).items():
        failed[ex] = error_text(exc) if isinstance(exc, BaseException) else str(exc)
        symbols[ex] = f"{base}/{quote_of(ex)}" if base and ex in ("binance", "upbit") else None
    shown = tuple(k for k in books if k != FX_KEY)
    return _Input(books, failed, symbols, quote, _aggregated_fx(df, quote), shown)


def read_books(books: BooksLike, depth: int | Mapping[str, int] | None = None) -> _Input:
    """What ``books=`` accepts, as :class:`Book` s (see the module docstring)."""
    if isinstance(books, pd.DataFrame):
        if is_aggregated(books):
            return _from_aggregated(books, depth)
        found = as_books(books, depth)
        return _Input(found, shown=tuple(found))
    if isinstance(books, list | tuple):
        frames = list(books)
        if not all(isinstance(f, pd.DataFrame) for f in frames):
            raise InvalidArgument("a list of books must hold orderbook frames")
        if any(is_aggregated(f) for f in frames):
            raise InvalidArgument("pass an aggregated_book frame on its own, not in a list")
        parts = [f[_LEVEL_COLUMNS] if all(c in f.columns for c in _LEVEL_COLUMNS) else f for f in frames]
        joined = pd.concat(parts, ignore_index=True) if parts else frame("orderbook")
        found = as_books(joined, depth)
        return _Input(found, shown=tuple(found))
    found = as_books(books, depth)
    return _Input(found, shown=tuple(found))


def depth_within(
    books: BooksLike,
    pct: Any,
    *,
    fetched_depth: int | Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Resting size within ``pct`` % of each book's mid, and whether the fetch reaches that far.

    A book fetched with ``depth=20`` ends 20 levels out: on a deep market the band may go much
    further, and the size inside it is then only what the fetch saw. ``reaches_band`` says so.

    Parameters
    ----------
    books
        An ``orderbook`` frame (one or several markets), a list of them, ``{key: Book}``, or an
        :func:`~xtoolkit.research.aggregated_book` frame (its fetched depths are known; its FX
        book is left out; the venues in its ``attrs["errors"]`` come back as error rows).
    pct
        Band half-width in percent of the mid (``1`` = 1 %).
    fetched_depth
        Levels per side that were requested (one number or per ``exchange:symbol``); with a
        ``Book`` mapping each book's own ``depth``, with an aggregated book the depths it
        recorded, are used when this is None.

    Returns
    -------
    DataFrame
        One row per book and side: exchange, symbol, side, pct, mid, band_price (the band's
        edge), levels, qty (base), notional (native quote), quote, fetched_levels,
        fetched_depth, deepest_price, deepest_pct (distance of the last fetched level),
        reaches_band (the band ends inside what was fetched, or the venue's whole side was
        fetched; False means qty is a lower bound), error (e.g. no mid on a one-sided book, or
        the venue's fetch failed: then levels 0, qty NaN).
    """
    band = dec(pct, what="pct")
    if band < 0:
        raise InvalidArgument(f"pct must be a non-negative number, not {pct!r}")
    got = read_books(books, fetched_depth)
    spec = EXECUTION_SCHEMAS["depth_band"]
    cols: dict[str, list[Any]] = {k: [] for k in spec}
    for key in got.shown:
        book = got.books[key]
        depth = fetched_depth.get(key) if isinstance(fetched_depth, Mapping) else fetched_depth
        depth = book.depth if depth is None else depth
        mid = book.mid
        for side in ("bid", "ask"):
            levels = book.side(side)
            row: dict[str, Any] = {
                "exchange": book.exchange,
                "symbol": book.symbol,
                "side": side,
                "pct": fnum(band),
                "quote": book.quote,
                "fetched_levels": len(levels),
                "fetched_depth": depth,
                "levels": 0,
                "reaches_band": False,
            }
            if levels:
                row["deepest_price"] = fnum(levels[-1][0])
            if mid is None:
                empty = "bid" if not book.bids else "ask"
                row["error"] = f"no mid: the {empty} side is empty"
            else:
                row.update(_band(levels, side, mid, band, depth))
            for k in cols:
                cols[k].append(row.get(k))
    for ex, err in got.failed.items():
        symbol = got.failed_symbols.get(ex)
        for side in ("bid", "ask"):
            row = {
                "exchange": ex,
                "symbol": symbol,
                "side": side,
                "pct": fnum(band),
                "quote": symbol.split("/")[1] if symbol else None,
                "fetched_levels": 0,
                "levels": 0,
                "reaches_band": False,
                "error": err,
            }
            for k in cols:
                cols[k].append(row.get(k))
    return frame(spec, cols)


def _band(
    levels: tuple[tuple[Decimal, Decimal], ...], side: str, mid: Decimal, band: Decimal, depth: int | None
) -> dict[str, Any]:
    with localcontext(MONEY):
        edge = mid * (1 - band / _HUNDRED) if side == "bid" else mid * (1 + band / _HUNDRED)
        inside = [(p, q) for p, q in levels if (p >= edge if side == "bid" else p <= edge)]
        qty = sum((q for _, q in inside), Decimal(0))
        notional = sum((p * q for p, q in inside), Decimal(0))
        deepest = levels[-1][0] if levels else None
        beyond = deepest is not None and (deepest <= edge if side == "bid" else deepest >= edge)
        whole = depth is not None and len(levels) < depth
        deepest_pct = None if deepest is None else (deepest / mid - 1).copy_abs() * _HUNDRED
    return {
        "mid": fnum(mid),
        "band_price": fnum(edge),
        "levels": len(inside),
        "qty": fnum(qty),
        "notional": fnum(notional),
        "deepest_pct": fnum(deepest_pct),
        "reaches_band": bool(beyond or whole),
    }


@dataclass(frozen=True, slots=True)
class _Quote:
    """One venue's all-in result (Decimal) for ranking."""

    row: dict[str, Any]
    price: Decimal | None


def _fx_basis(fx: Any) -> FxRate:
    bases = parse_fx_rates(fx)
    if len(bases) != 1:
        raise InvalidArgument("slippage is in one quote currency: give one FX basis ('upbit' or a rate)")
    return bases[0]


def _fx_mid(fx: FxRate, fx_book: Book | None) -> Decimal | None:
    return fx.rate if fx.rate is not None else (fx_book.mid if fx_book else None)


def _to_target(value: Decimal | None, native: str, target: str, rate: Decimal | None) -> Decimal | None:
    if value is None or native == target:
        return value
    if rate is None:
        return None
    with localcontext(MONEY):
        return value / rate if native == "KRW" else value * rate


def _venue_quote(
    book: Book,
    size: Decimal,
    side: str,
    size_in: str,
    target: str,
    fee_book: FeeBook,
    fx: FxRate,
    fx_book: Book | None,
) -> _Quote:
    if book.exchange not in FEE_STYLE:
        raise InvalidArgument(f"no fee style known for {book.exchange}")
    native = book.quote
    if native not in _QUOTES:
        raise InvalidArgument(f"{book.key}: only USDT and KRW quoted books can be compared")
    style = FEE_STYLE[book.exchange]
    rate, source = fee_book.rate(book.exchange, book.symbol, side)
    fx_fee = fee_book.rate("upbit", "USDT/KRW", "buy" if (native == "KRW") == (side == "sell") else "sell")[0]
    needs_fx = native != target
    fx_leg: Leg | None = None
    errors: list[str] = []
    # Each branch: the venue leg on the book, and the FX leg at its executable side.
    if side == "buy" and size_in == "base":
        leg = buy_base(book.asks, size, rate, style)
        if needs_fx:
            fx_leg = (usdt_for_krw if native == "KRW" else krw_for_usdt)(leg.paid, fx, fx_book, fx_fee)
        all_in = leg.paid if not needs_fx else (fx_leg.paid if fx_leg else None)
        base_units = leg.got
    elif side == "buy":
        if needs_fx:
            fx_leg = (usdt_to_krw if native == "KRW" else krw_to_usdt)(size, fx, fx_book, fx_fee)
            spend = fx_leg.got if fx_leg else None
        else:
            spend = size
        leg = buy_spend(book.asks, spend, rate, style) if spend is not None else None
        all_in = size if leg is not None else None
        base_units = leg.got if leg is not None else None
    elif size_in == "base":
        leg = sell_base(book.bids, size, rate)
        if needs_fx:
            fx_leg = (krw_to_usdt if native == "KRW" else usdt_to_krw)(leg.got, fx, fx_book, fx_fee)
        all_in = leg.got if not needs_fx else (fx_leg.got if fx_leg else None)
        base_units = leg.fill.qty
    else:
        if needs_fx:
            fx_leg = (krw_for_usdt if native == "KRW" else usdt_for_krw)(size, fx, fx_book, fx_fee)
            want = fx_leg.paid if fx_leg else None
        else:
            want = size
        leg = sell_for(book.bids, want, rate) if want is not None else None
        all_in = size if leg is not None else None
        base_units = leg.fill.qty if leg is not None else None
    if needs_fx and fx.is_book and fx_book is None:
        errors.append(f"no book for {FX_KEY}")
    filled_fx = (fx_leg.fill.filled if fx_leg is not None else False) if needs_fx else True
    filled = leg is not None and leg.fill.filled and filled_fx
    if leg is not None and not leg.fill.filled:
        walked = "asks" if side == "buy" else "bids"
        errors.append(f"{book.key}: the fetched {walked} do not fill {dtext(size)} {size_in}")
    if needs_fx and fx_leg is not None and not fx_leg.fill.filled:
        errors.append(f"{FX_KEY}: the fetched book does not fill the FX leg")
    mid = book.mid
    best_side = book.asks if side == "buy" else book.bids
    best = best_side[0][0] if best_side else None
    vwap = leg.fill.vwap if leg is not None else None
    sign = 1 if side == "buy" else -1
    with localcontext(MONEY):
        price = all_in / base_units if all_in is not None and base_units else None
        mid_n = _to_target(mid, native, target, _fx_mid(fx, fx_book))
        slip_mid = sign * (vwap / mid - 1) * _BPS if vwap is not None and mid else None
        slip_best = sign * (vwap / best - 1) * _BPS if vwap is not None and best else None
        all_in_bps = sign * (price / mid_n - 1) * _BPS if price is not None and mid_n else None
    row = {
        "exchange": book.exchange,
        "symbol": book.symbol,
        "side": side,
        "size": fnum(size),
        "size_in": size_in,
        "quote": target,
        "filled": filled,
        "qty": fnum(leg.fill.qty) if leg else None,
        "notional": fnum(leg.fill.notional) if leg else None,
        "vwap": fnum(vwap),
        "best": fnum(best),
        "mid": fnum(mid),
        "slippage_bps_mid": fnum(slip_mid),
        "slippage_bps_best": fnum(slip_best),
        "levels": leg.fill.levels if leg else 0,
        "fee_rate": fnum(rate),
        "fee_source": source,
        "fx_basis": fx.label if needs_fx else None,
        "fx_vwap": fnum(fx_leg.fill.vwap) if fx_leg else None,
        "filled_fx": filled_fx,
        "all_in_n": fnum(all_in),
        "all_in_price_n": fnum(price),
        "all_in_bps_mid": fnum(all_in_bps),
        "ts": book.ts,
        "error": "; ".join(errors) or None,
    }
    return _Quote(row, price if filled else None)


def _quotes(
    got: _Input,
    size: Any,
    side: str,
    size_in: str,
    target: str,
    fees: FeeBook | Iterable[TakerFee] | None,
    fx: Any,
) -> list[_Quote]:
    if side not in ("buy", "sell"):
        raise InvalidArgument(f"side must be 'buy' or 'sell', not {side!r}")
    if size_in not in ("base", "quote"):
        raise InvalidArgument(f"size_in must be 'base' or 'quote', not {size_in!r}")
    amount = dec(size, what="size")
    if amount <= 0:
        raise InvalidArgument(f"size must be positive, not {size!r}")
    basis = _fx_basis(fx)
    fee_book = as_fee_book(fees)
    fx_book = got.books.get(FX_KEY)
    venues = [got.books[k] for k in got.shown if k != FX_KEY]
    if len({b.base for b in venues}) > 1:
        raise InvalidArgument(
            f"pass the books of one base (got {sorted({b.base for b in venues})}) plus {FX_KEY}"
        )
    return [_venue_quote(b, amount, side, size_in, target, fee_book, basis, fx_book) for b in venues]


def _setup(
    books: BooksLike, quote: str | None, fx: Any, depth: int | Mapping[str, int] | None
) -> tuple[_Input, str, Any]:
    """The books, the target currency and the FX basis of one call (an aggregated book's own
    quote and basis unless ``quote=``/``fx=`` say otherwise)."""
    got = read_books(books, depth)
    target = str(quote if quote is not None else got.quote or "USDT").upper()
    if target not in _QUOTES:
        raise InvalidArgument(f"quote must be USDT or KRW, not {quote!r}")
    return got, target, fx if fx is not None else (got.fx if got.fx is not None else "upbit")


def _failed_rows(got: _Input, size: Any, side: str, size_in: str, target: str) -> list[dict[str, Any]]:
    return [
        {
            "exchange": ex,
            "symbol": got.failed_symbols.get(ex),
            "side": side,
            "size": fnum(dec(size, what="size")),
            "size_in": size_in,
            "quote": target,
            "filled": False,
            "levels": 0,
            "error": err,
        }
        for ex, err in got.failed.items()
    ]


def slippage(
    books: BooksLike,
    size: Any,
    *,
    side: str = "buy",
    size_in: str = "base",
    quote: str | None = None,
    fees: FeeBook | Iterable[TakerFee] | None = None,
    fx: Any = None,
    depth: int | Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """What a taker order of ``size`` costs on each venue, book, fee and FX leg included.

    The book is walked best level first; the venue's taker fee is charged where the venue takes
    it (Binance in the asset received, Upbit on top in KRW); converting into ``quote`` walks
    Upbit's USDT/KRW book on the side a trader would really hit (with its taker fee), not its
    mid. When a book (or the FX leg) is too thin, ``filled`` is False and the figures describe
    the part that could be filled.

    Parameters
    ----------
    books
        The base's books on the venues (``binance:<B>/USDT``, ``upbit:<B>/KRW``) and, for the
        Upbit FX basis, ``upbit:USDT/KRW``: an ``orderbook`` frame (or a list of them),
        ``{key: Book}``, or an :func:`~xtoolkit.research.aggregated_book` frame (it carries the
        FX book; its failed venues come back as error rows).
    size
        Base units (``size_in="base"``) or an amount of ``quote``: spent in all on a buy,
        received in all on a sell (``size_in="quote"``).
    side
        ``"buy"`` (walks asks) or ``"sell"`` (walks bids).
    quote
        ``"USDT"`` or ``"KRW"``: the currency of the all-in figures (default: an aggregated
        book's own quote, else USDT).
    fees
        Account taker rates (``TakerFee`` records, a ``FeeBook`` or the client's
        ``trading_fees`` records); otherwise the venues' documented defaults (``fee_source``).
    fx
        ``"upbit"`` (the USDT/KRW book, walked at its executable side) or a KRW-per-USDT rate
        (a reference: no spread, no fee). Default: an aggregated book's own basis, else Upbit.
    depth
        Levels per side that were fetched (says whether a short fill is the venue's whole book).

    Returns
    -------
    DataFrame
        One row per venue: exchange, symbol, side, size, size_in, quote, filled (book and FX
        leg), qty (base on the book), notional (native quote), vwap, best, mid (native),
        slippage_bps_mid, slippage_bps_best (book only; positive = worse), levels, fee_rate,
        fee_source, fx_basis, fx_vwap (KRW per USDT), filled_fx, all_in_n (total paid on a
        buy, received on a sell, in ``quote``), all_in_price_n (per base unit received or
        sold), all_in_bps_mid (against the mid in ``quote`` at the FX mid; positive = cost), ts,
        error.
    """
    got, target, basis = _setup(books, quote, fx, depth)
    rows = [q.row for q in _quotes(got, size, side, size_in, target, fees, basis)]
    rows += _failed_rows(got, size, side, size_in, target)
    spec = EXECUTION_SCHEMAS["slippage_exec"]
    return frame(spec, {k: [r.get(k) for r in rows] for k in spec})


def best_venue(
    books: BooksLike,
    size: Any,
    *,
    size_in: str = "base",
    quote: str | None = None,
    fees: FeeBook | Iterable[TakerFee] | None = None,
    fx: Any = None,
    depth: int | Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """The venue with the best all-in price for ``size``: lowest to buy, highest to sell.

    All-in means after the taker fee and, for a venue quoted in the other currency, after the
    FX leg at its executable side (see :func:`slippage`, which takes the same arguments): a
    venue whose book top looks better can lose once fees and the USDT/KRW spread are paid.
    Only venues whose book (and FX leg) fill the whole size compete; ties keep the first venue;
    venues an aggregated book could not fetch do not compete (:func:`slippage` lists them).

    Returns
    -------
    DataFrame
        Two rows (side ``buy``, ``sell``) with the :func:`slippage` columns of the winner; when
        no venue fills, exchange is NA, filled False and error says so.
    """
    got, target, basis = _setup(books, quote, fx, depth)
    spec = EXECUTION_SCHEMAS["slippage_exec"]
    rows: list[dict[str, Any]] = []
    for side in ("buy", "sell"):
        quotes = [q for q in _quotes(got, size, side, size_in, target, fees, basis) if q.price is not None]
        if not quotes:
            why = f"no venue fills {size} {size_in} on the {side} side"
            if got.failed:
                why += "; not fetched: " + "; ".join(f"{ex}: {e}" for ex, e in got.failed.items())
            rows.append(
                {
                    "side": side,
                    "size": fnum(dec(size, what="size")),
                    "size_in": size_in,
                    "quote": target,
                    "filled": False,
                    "levels": 0,
                    "error": why,
                }
            )
            continue
        pick = min if side == "buy" else max
        best = pick(quotes, key=lambda q: q.price)  # type: ignore[arg-type,return-value]
        rows.append(best.row)
    return frame(spec, {k: [r.get(k) for r in rows] for k in spec})
