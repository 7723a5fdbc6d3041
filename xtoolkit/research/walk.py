"""Walking order books in ``Decimal``: books from frames, fills, taker legs with fees, the FX leg.

Everything here is pure and exact enough to check by hand: prices and sizes become ``Decimal``
from each float's shortest repr (``101.5`` is ``Decimal("101.5")``), and every sum, product and
quotient runs in :data:`MONEY` (60 significant digits), so sums of ``price × qty`` over a book
are exact and the only rounding is the last digit of a quotient.

Vocabulary
----------
:class:`Book`
    One market's book, best level first on each side (bids high to low, asks low to high),
    with its time and the depth that was asked for (to tell a thin book from a short fetch).
:class:`Fill`
    What walking one side gave: base ``qty``, quote ``notional``, levels touched, ``filled``.
:class:`Leg`
    One taker trade: the fill plus the fee (rate, amount, the asset it is taken in) and what
    left (``paid``) and reached (``got``) the account.

Where fees are taken is a venue fact (:data:`FEE_STYLE`): Binance takes the fee from the asset
the trade delivers (a buy pays it in base, a sell in quote — its standard scheme without BNB);
Upbit takes it in the quote currency, on top of a buy's cost and out of a sell's proceeds.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any, Literal

import pandas as pd

from xtoolkit._errors import InvalidArgument

__all__ = [
    "FEE_STYLE",
    "FX_KEY",
    "MONEY",
    "WIDE",
    "Book",
    "FeeStyle",
    "Fill",
    "FxRate",
    "Leg",
    "Level",
    "age_s",
    "book_from_levels",
    "books_from_frame",
    "buy_base",
    "buy_for",
    "buy_spend",
    "dec",
    "dtext",
    "fnum",
    "krw_for_usdt",
    "krw_to_usdt",
    "parse_fx_rates",
    "sell_base",
    "sell_for",
    "usdt_for_krw",
    "usdt_to_krw",
    "utc_now_arg",
    "walk_base",
    "walk_quote",
]

#: The arithmetic of every money computation in the research execution layer.
MONEY = Context(prec=60, rounding=ROUND_HALF_EVEN)
#: Where sums and differences of MONEY results run when an identity must hold exactly: at 200
#: digits, adding or subtracting numbers of 60 digits and similar size never rounds.
WIDE = Context(prec=200, rounding=ROUND_HALF_EVEN)

_ZERO = Decimal(0)
_ONE = Decimal(1)


def _money() -> Any:
    """A context manager running the enclosed arithmetic in :data:`MONEY`."""
    return localcontext(MONEY)


Level = tuple[Decimal, Decimal]
FeeStyle = Literal["received", "quote"]

#: Where each venue takes a taker fee. ``received``: from the asset the fill delivers (a buy
#: pays in base, a sell in quote; Binance's standard commission when not paying in BNB, see its
#: commission FAQ). ``quote``: in the quote currency, added to a buy's cost and deducted from a
#: sell's proceeds (Upbit, ``orders/chance`` ``bid_fee``/``ask_fee``).
FEE_STYLE: dict[str, FeeStyle] = {"binance": "received", "upbit": "quote"}

#: The Upbit market whose book is the executable FX basis (KRW per USDT).
FX_KEY = "upbit:USDT/KRW"


def dec(value: Any, *, what: str = "value") -> Decimal:
    """``value`` as a finite ``Decimal`` (a float through its shortest repr, never its binary value)."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{what} must be a number, not a bool")
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, int):
        out = Decimal(value)
    elif isinstance(value, float):
        out = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            out = Decimal(value.strip())
        except ArithmeticError:
            raise InvalidArgument(f"{what} must be a number, not {value!r}") from None
    else:
        try:
            out = Decimal(repr(float(value)))
        except (TypeError, ValueError):
            raise InvalidArgument(f"{what} must be a number, not {type(value).__name__}") from None
    if not out.is_finite():
        raise InvalidArgument(f"{what} must be finite, not {value!r}")
    return out


def dtext(value: Decimal | None) -> str:
    """``value`` for a message: plain digits, no exponent, no trailing zeros (``3.0`` → ``3``)."""
    if value is None:
        return "?"
    return format(value.normalize(), "f")


def fnum(value: Decimal | None) -> float:
    """A ``Decimal`` as the float64 a frame holds (``None`` → NaN)."""
    return math.nan if value is None else float(value)


def utc_now_arg(now: Any) -> pd.Timestamp:
    """The injected ``now`` as a tz-aware UTC ``Timestamp`` (these functions never read the clock)."""
    if now is None:
        raise InvalidArgument("now is required: pass the time the ages are measured against")
    stamp = pd.Timestamp(now)
    if stamp.tzinfo is None:
        raise InvalidArgument("now must be tz-aware (UTC), not a naive time")
    return stamp.tz_convert("UTC").as_unit("ns")


def age_s(now: pd.Timestamp, ts: Any) -> float:
    """Seconds from ``ts`` to ``now`` (NaN when ``ts`` is missing)."""
    return math.nan if ts is None or pd.isna(ts) else (now - ts).total_seconds()


@dataclass(frozen=True, slots=True)
class Book:
    """One market's order book: levels best first, its time, and the depth that was fetched.

    ``depth`` is the number of levels per side that was asked for (``None``: not known). A side
    holding fewer levels than ``depth`` is the venue's whole book; a side holding ``depth``
    levels may continue beyond what was fetched.
    """

    exchange: str
    symbol: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts: pd.Timestamp = pd.NaT
    depth: int | None = None

    @property
    def key(self) -> str:
        """``exchange:symbol``, e.g. ``"upbit:BTC/KRW"``."""
        return f"{self.exchange}:{self.symbol}"

    @property
    def base(self) -> str:
        return self.symbol.split("/")[0]

    @property
    def quote(self) -> str:
        return self.symbol.split("/")[1]

    def side(self, side: str) -> tuple[Level, ...]:
        """The ``"bid"`` or ``"ask"`` levels."""
        if side == "bid":
            return self.bids
        if side == "ask":
            return self.asks
        raise InvalidArgument(f"a book side is 'bid' or 'ask', not {side!r}")

    @property
    def mid(self) -> Decimal | None:
        """(best bid + best ask) / 2; ``None`` when a side is empty."""
        if not self.bids or not self.asks:
            return None
        with _money():
            return (self.bids[0][0] + self.asks[0][0]) / 2

    def truncated(self, side: str) -> bool | None:
        """True when the fetched ``side`` may continue past its last level (None: depth unknown)."""
        if self.depth is None:
            return None
        return len(self.side(side)) >= self.depth


_BOOK_COLUMNS = ("exchange", "symbol", "side", "price", "qty", "ts")


def books_from_frame(
    levels: pd.DataFrame, *, depth: int | Mapping[str, int] | None = None
) -> dict[str, Book]:
    """Every market's :class:`Book` in an ``orderbook``-schema frame, keyed ``exchange:symbol``.

    ``levels`` may hold several markets (e.g. concatenated books). Each side is ordered best
    first by price (the ``level`` column is not trusted for order); zero-size levels are kept.
    ``depth``: the levels per side that were requested — one number for all, or per key.
    """
    missing = [c for c in _BOOK_COLUMNS if c not in levels.columns]
    if missing:
        raise InvalidArgument(f"an order book frame needs the columns {missing}")
    n = len(levels)
    if n == 0:
        return {}
    exchanges = levels["exchange"].tolist()
    symbols = levels["symbol"].tolist()
    sides = levels["side"].tolist()
    prices = levels["price"].tolist()
    qtys = levels["qty"].tolist()
    stamps = levels["ts"].tolist()
    raw: dict[str, dict[str, Any]] = {}
    for i in range(n):
        key = f"{exchanges[i]}:{symbols[i]}"
        entry = raw.get(key)
        if entry is None:
            entry = raw[key] = {
                "exchange": exchanges[i],
                "symbol": symbols[i],
                "bid": [],
                "ask": [],
                "ts": [],
            }
        side = sides[i]
        if side not in ("bid", "ask"):
            raise InvalidArgument(f"{key}: a book side is 'bid' or 'ask', not {side!r}")
        price = dec(prices[i], what=f"{key} price")
        qty = dec(qtys[i], what=f"{key} qty")
        if price <= 0 or qty < 0:
            raise InvalidArgument(f"{key}: a level needs a positive price and a non-negative qty")
        entry[side].append((price, qty))
        if not pd.isna(stamps[i]):
            entry["ts"].append(stamps[i])
    out: dict[str, Book] = {}
    for key, entry in raw.items():
        want = depth.get(key) if isinstance(depth, Mapping) else depth
        if want is not None and (isinstance(want, bool) or not isinstance(want, int) or want < 1):
            raise InvalidArgument(f"depth must be a positive int, not {want!r}")
        out[key] = Book(
            exchange=entry["exchange"],
            symbol=entry["symbol"],
            bids=tuple(sorted(entry["bid"], key=lambda lv: lv[0], reverse=True)),
            asks=tuple(sorted(entry["ask"], key=lambda lv: lv[0])),
            ts=max(entry["ts"]) if entry["ts"] else pd.NaT,
            depth=want,
        )
    return out


def _exact(value: Any, what: str) -> Decimal:
    # The venues' own text and JSON numbers: text as written, a float through its shortest repr.
    kind = type(value)
    if kind is str:
        try:
            return Decimal(value)
        except ArithmeticError:
            pass
    elif kind is float or kind is int:
        return Decimal(repr(value)) if kind is float else Decimal(value)
    return dec(value, what=what)


def _stamp_of(value: Any) -> pd.Timestamp:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _stamp_of_ms(int(value))
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).as_unit("ns")


@functools.lru_cache(maxsize=256)
def _stamp_of_ms(ms: int) -> pd.Timestamp:
    # A Timestamp is immutable, and the books of one fetch share a handful of stamps (Upbit's
    # batch, Binance's receive times): building each once saves ~25 us a book.
    return pd.Timestamp(ms, unit="ms", tz="UTC").as_unit("ns")


def _exact_all(values: Sequence[Any]) -> list[Decimal] | None:
    """Every value as :func:`_exact` makes it, in bulk (``map`` in C) when the list holds only
    text or only JSON numbers; None for anything else (the caller goes level by level)."""
    kinds = set(map(type, values))
    try:
        if kinds <= _TEXT:
            return list(map(Decimal, values))
        if kinds <= _FLOAT:
            return list(map(Decimal, map(repr, values)))
        if kinds <= _NUMBERS:
            return [Decimal(repr(v)) if type(v) is float else Decimal(v) for v in values]
    except ArithmeticError:  # text that is no number: the level-by-level path says which
        return None
    return None


_TEXT, _FLOAT, _NUMBERS = frozenset({str}), frozenset({float}), frozenset({int, float})
_PRICE = operator.itemgetter(0)


def _levels_fast(
    sides: Sequence[str], prices: Sequence[Any], qtys: Sequence[Any]
) -> tuple[list[Level], list[Level]] | None:
    """(bids, asks) in the order given, or None when anything needs the checking path (a bad
    number, a bad side, lists of different lengths): that path raises the precise error."""
    if not len(sides) == len(prices) == len(qtys):
        return None
    ps = _exact_all(prices)
    qs = _exact_all(qtys) if ps is not None else None
    if ps is None or qs is None or not ps:
        return None
    is_finite = Decimal.is_finite
    if not (all(map(is_finite, ps)) and all(map(is_finite, qs))) or min(ps) <= 0 or min(qs) < 0:
        return None
    labels = list(sides)
    n, n_bid = len(labels), labels.count("bid")
    if labels[:n_bid].count("bid") == n_bid and labels[n_bid:].count("ask") == n - n_bid:
        # The venue parsers' layout: every bid, then every ask (sliced in C, not per level).
        return (
            list(zip(ps[:n_bid], qs[:n_bid], strict=True)),
            list(zip(ps[n_bid:], qs[n_bid:], strict=True)),
        )
    levels = list(zip(ps, qs, strict=True))
    bids = [lv for side, lv in zip(labels, levels, strict=True) if side == "bid"]
    asks = [lv for side, lv in zip(labels, levels, strict=True) if side == "ask"]
    if len(bids) + len(asks) != n:
        return None
    return bids, asks


def book_from_levels(
    exchange: str,
    symbol: str,
    sides: Sequence[str],
    prices: Sequence[Any],
    qtys: Sequence[Any],
    stamps: Sequence[Any] = (),
    *,
    depth: int | None = None,
) -> Book:
    """One market's :class:`Book` from parallel level lists (a venue parser's columns).

    Prices and sizes may be the venue's text (``"101.50"``, taken as written) or numbers (a float
    through its shortest repr); ``stamps`` are epoch milliseconds or times (the latest is the
    book's time). Each side is ordered best first by price; zero-size levels are kept.
    """
    key = f"{exchange}:{symbol}"
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
        raise InvalidArgument(f"depth must be a positive int, not {depth!r}")
    fast = _levels_fast(sides, prices, qtys)
    if fast is not None:
        bids, asks = fast
    else:
        bids, asks = [], []
        for side, p, q in zip(sides, prices, qtys, strict=True):
            price = _exact(p, f"{key} price")
            qty = _exact(q, f"{key} qty")
            if not price.is_finite() or not qty.is_finite() or price <= 0 or qty < 0:
                raise InvalidArgument(f"{key}: a level needs a positive price and a non-negative qty")
            if side == "bid":
                bids.append((price, qty))
            elif side == "ask":
                asks.append((price, qty))
            else:
                raise InvalidArgument(f"{key}: a book side is 'bid' or 'ask', not {side!r}")
    present = [t for t in set(stamps) if t is not None and not pd.isna(t)]
    numeric = all(isinstance(t, int | float) and not isinstance(t, bool) for t in present)
    # One time per book: the latest, converted once (a venue sends one stamp for all levels).
    latest = (
        (_stamp_of(max(present)) if numeric else max(_stamp_of(t) for t in present)) if present else pd.NaT
    )
    return Book(
        exchange=exchange,
        symbol=symbol,
        bids=tuple(sorted(bids, key=_PRICE, reverse=True)),
        asks=tuple(sorted(asks, key=_PRICE)),
        ts=latest,
        depth=depth,
    )


@dataclass(frozen=True, slots=True)
class Fill:
    """The result of walking one side: base ``qty``, quote ``notional``, ``levels`` touched."""

    qty: Decimal
    notional: Decimal
    levels: int
    filled: bool

    @property
    def vwap(self) -> Decimal | None:
        """notional / qty (``None`` when nothing filled)."""
        if not self.qty:
            return None
        with _money():
            return self.notional / self.qty


def _check_amount(amount: Decimal, what: str) -> None:
    if amount < 0:
        raise InvalidArgument(f"{what} cannot be negative ({amount})")


def walk_base(levels: Sequence[Level], qty: Decimal) -> Fill:
    """Take ``qty`` base from ``levels`` best first (a buy walks asks, a sell bids)."""
    _check_amount(qty, "a base quantity")
    with _money():
        remaining = qty
        got = notional = _ZERO
        used = 0
        for price, avail in levels:
            if remaining <= 0:
                break
            if avail <= 0:
                continue
            take = avail if avail < remaining else remaining
            got += take
            notional += take * price
            remaining -= take
            used += 1
        return Fill(got, notional, used, remaining <= 0)


def walk_quote(levels: Sequence[Level], notional: Decimal) -> Fill:
    """Exchange ``notional`` of quote against ``levels`` best first (spend on asks, raise on bids)."""
    _check_amount(notional, "a quote amount")
    with _money():
        remaining = notional
        got = spent = _ZERO
        used = 0
        for price, avail in levels:
            if remaining <= 0:
                break
            if avail <= 0:
                continue
            level_value = price * avail
            if level_value <= remaining:
                got += avail
                spent += level_value
                remaining -= level_value
            else:
                got += remaining / price
                spent += remaining
                remaining = _ZERO
            used += 1
        return Fill(got, spent, used, remaining <= 0)


@dataclass(frozen=True, slots=True)
class Leg:
    """One taker trade: its fill, its fee, and what left and reached the account.

    ``paid`` / ``got``: a buy pays quote and gets base, a sell pays base and gets quote.
    ``fee_in`` is ``"base"`` or ``"quote"``: the asset the fee amount ``fee`` is in.
    """

    side: str
    fill: Fill
    fee_rate: Decimal
    fee: Decimal
    fee_in: str
    paid: Decimal
    got: Decimal


def _style(style: str) -> FeeStyle:
    if style not in ("received", "quote"):
        raise InvalidArgument(f"a fee style is 'received' or 'quote', not {style!r}")
    return style  # type: ignore[return-value]


def _buy_leg(fill: Fill, fee_rate: Decimal, style: FeeStyle) -> Leg:
    with _money():
        if style == "received":
            fee = fill.qty * fee_rate
            return Leg("buy", fill, fee_rate, fee, "base", fill.notional, fill.qty - fee)
        fee = fill.notional * fee_rate
        return Leg("buy", fill, fee_rate, fee, "quote", fill.notional + fee, fill.qty)


def _sell_leg(fill: Fill, fee_rate: Decimal) -> Leg:
    # Both styles take a sell's fee from its quote proceeds.
    with _money():
        fee = fill.notional * fee_rate
        return Leg("sell", fill, fee_rate, fee, "quote", fill.qty, fill.notional - fee)


def buy_base(asks: Sequence[Level], qty: Decimal, fee_rate: Decimal, style: str) -> Leg:
    """Buy ``qty`` base off the book (the fill's size; a received-style fee then shrinks ``got``)."""
    return _buy_leg(walk_base(asks, qty), fee_rate, _style(style))


def buy_spend(asks: Sequence[Level], spend: Decimal, fee_rate: Decimal, style: str) -> Leg:
    """Spend ``spend`` quote in all: a quote-style fee on top comes out of it (book gets spend/(1+f))."""
    st = _style(style)
    with _money():
        on_book = spend / (_ONE + fee_rate) if st == "quote" else spend
    return _buy_leg(walk_quote(asks, on_book), fee_rate, st)


def buy_for(asks: Sequence[Level], net_qty: Decimal, fee_rate: Decimal, style: str) -> Leg:
    """Buy so that ``net_qty`` base arrives after the fee (received style buys net/(1-f))."""
    st = _style(style)
    with _money():
        gross = net_qty / (_ONE - fee_rate) if st == "received" else net_qty
    return _buy_leg(walk_base(asks, gross), fee_rate, st)


def sell_base(bids: Sequence[Level], qty: Decimal, fee_rate: Decimal) -> Leg:
    """Sell ``qty`` base into the bids; the fee comes out of the quote proceeds."""
    return _sell_leg(walk_base(bids, qty), fee_rate)


def sell_for(bids: Sequence[Level], net_proceeds: Decimal, fee_rate: Decimal) -> Leg:
    """Sell enough base that ``net_proceeds`` quote arrives after the fee (gross net/(1-f))."""
    with _money():
        gross = net_proceeds / (_ONE - fee_rate)
    return _sell_leg(walk_quote(bids, gross), fee_rate)


# --- the FX leg: KRW <-> USDT on Upbit's KRW-USDT book, or at a user's fixed rate ----------


@dataclass(frozen=True, slots=True)
class FxRate:
    """One FX basis for an executable figure: Upbit's ``KRW-USDT`` book, or a fixed user rate.

    ``rate`` is KRW per USDT (``None`` for the book). Labels: ``"upbit:USDT/KRW executable"``
    and ``"user:<rate>"``. A user rate converts both ways at that rate, with no fee and no
    depth: it is a reference, not a market.
    """

    rate: Decimal | None = None

    @property
    def label(self) -> str:
        return "upbit:USDT/KRW executable" if self.rate is None else f"user:{self.rate}"

    @property
    def is_book(self) -> bool:
        return self.rate is None


def parse_fx_rates(fx: Any) -> list[FxRate]:
    """``"upbit"``, a KRW-per-USDT number, or a list of them (one result row per basis)."""
    items = list(fx) if isinstance(fx, list | tuple) else [fx]
    if not items:
        raise InvalidArgument("give at least one FX basis: 'upbit' or a KRW-per-USDT rate")
    out: list[FxRate] = []
    for item in items:
        if isinstance(item, FxRate):
            basis = item
        elif isinstance(item, str) and item.strip().lower() in ("upbit", "upbit:usdt/krw"):
            basis = FxRate()
        elif isinstance(item, int | float | Decimal) and not isinstance(item, bool):
            rate = dec(item, what="an FX rate")
            if rate <= 0:
                raise InvalidArgument(f"an FX rate is a positive number of KRW per USDT, not {item!r}")
            basis = FxRate(rate)
        else:
            raise InvalidArgument(f"an FX basis is 'upbit' or a KRW-per-USDT number, not {item!r}")
        if basis in out:
            raise InvalidArgument(f"the FX basis {basis.label} is given twice")
        out.append(basis)
    return out


def _user_leg(side: str, qty_usdt: Decimal, krw: Decimal, *, paid: Decimal, got: Decimal) -> Leg:
    return Leg(side, Fill(qty_usdt, krw, 0, True), _ZERO, _ZERO, "quote", paid, got)


def krw_to_usdt(krw: Decimal, fx: FxRate, book: Book | None, fee_rate: Decimal) -> Leg | None:
    """Spend ``krw`` (fee included) on USDT: the book's asks, or ``krw / rate`` (None: no book)."""
    if fx.rate is not None:
        with _money():
            usdt = krw / fx.rate
        return _user_leg("buy", usdt, krw, paid=krw, got=usdt)
    if book is None:
        return None
    return buy_spend(book.asks, krw, fee_rate, FEE_STYLE["upbit"])


def usdt_to_krw(usdt: Decimal, fx: FxRate, book: Book | None, fee_rate: Decimal) -> Leg | None:
    """Sell ``usdt`` for KRW: the book's bids (fee out of the KRW), or ``usdt × rate``."""
    if fx.rate is not None:
        with _money():
            krw = usdt * fx.rate
        return _user_leg("sell", usdt, krw, paid=usdt, got=krw)
    if book is None:
        return None
    return sell_base(book.bids, usdt, fee_rate)


def krw_for_usdt(usdt: Decimal, fx: FxRate, book: Book | None, fee_rate: Decimal) -> Leg | None:
    """Buy exactly ``usdt`` USDT with KRW: what it costs (``paid``, fee included) on the asks."""
    if fx.rate is not None:
        with _money():
            krw = usdt * fx.rate
        return _user_leg("buy", usdt, krw, paid=krw, got=usdt)
    if book is None:
        return None
    return buy_for(book.asks, usdt, fee_rate, FEE_STYLE["upbit"])


def usdt_for_krw(krw: Decimal, fx: FxRate, book: Book | None, fee_rate: Decimal) -> Leg | None:
    """Sell enough USDT that ``krw`` KRW arrives after the fee (the bids; or ``krw / rate``)."""
    if fx.rate is not None:
        with _money():
            usdt = krw / fx.rate
        return _user_leg("sell", usdt, krw, paid=usdt, got=krw)
    if book is None:
        return None
    return sell_for(book.bids, krw, fee_rate)
