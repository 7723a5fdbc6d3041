"""The executable premium: what crossing Binance and Upbit would earn at a size, after costs.

Pure: from fetched books, fee rates, routes and an FX basis to a labelled frame, all money
maths in ``Decimal`` (:data:`~xtoolkit.research.walk.MONEY`). Every leg is a taker trade that
walks the fetched book best level first.

The two directions, leg by leg
------------------------------
``binance_to_upbit`` (earns when Upbit is dearer; capital and result in USDT):

1. buy the base on Binance ``BASE/USDT``, walking the **asks**; Binance's fee is taken from the
   base received (``binance`` rate × base bought);
2. withdraw it from Binance to Upbit over the cheapest open route: the arriving base is what
   was received minus Binance's flat ``withdrawFee`` (base units);
3. sell the arriving base on Upbit ``BASE/KRW``, walking the **bids**; Upbit's fee comes out of
   the KRW proceeds;
4. turn the KRW back into USDT on Upbit ``USDT/KRW``: buy USDT walking its **asks**, spending
   the KRW net of fee (Upbit adds its fee on top of a buy, so ``KRW / (1 + fee)`` reaches the
   book). With a user rate instead: ``KRW / rate``, no fee, no depth.

``upbit_to_binance`` (earns when Upbit is cheaper; capital and result in KRW):

1. buy the base on Upbit ``BASE/KRW``, walking the **asks**; Upbit's fee is added in KRW;
2. withdraw it from Upbit to Binance: the arriving base is the bought base minus Upbit's
   ``withdraw_fee`` (base units);
3. sell it on Binance ``BASE/USDT``, walking the **bids**; Binance's fee comes out of the USDT;
4. sell the USDT on Upbit ``USDT/KRW``, walking its **bids**; Upbit's fee comes out of the KRW.
   With a user rate: ``USDT × rate``.

Inventory. Leg 4 trades Upbit's USDT/KRW with the currency already there (binance_to_upbit
ends holding USDT on Upbit; upbit_to_binance sells USDT it holds on Upbit while the USDT from
leg 3 lands on Binance): the usual pre-positioned crossing. Moving USDT between venues to
rebalance is a second transfer and is not priced here. Not modelled either: lot-size and
withdrawal-step rounding (``withdrawIntegerMultiple``, Upbit's ``fixed`` decimals), the BNB
fee discount, and Upbit's refusal of market orders larger than its visible 30 levels.

Size. ``size_in="base"``: leg 1 buys ``size`` base off the book. ``size_in`` equal to the
direction's capital currency (USDT for binance_to_upbit, KRW for upbit_to_binance): ``size``
is the capital, spent in all (fee included) on leg 1. The other currency: ``size`` is turned
into capital currency on the FX basis first — walking the USDT/KRW book (KRW buys USDT on the
asks; USDT sells on the bids; no fee, it only sizes) or at the user rate.

Figures. ``C`` = capital (what left the account in leg 1), ``final`` = what leg 4 returns.
``e`` = the exit value of one base unit in capital currency at the walked prices (leg 3's VWAP
converted at leg 4's book rate). Costs are valued in capital currency as the differences of
the chain ``v1 = C·e/vwap₁`` (no costs at all), ``v2 = base after leg-1 fee × e``,
``v3 = leg-3 gross proceeds × fx rate``, ``v4 = leg-3 net proceeds × fx rate``, ``v5 = final``:

* ``gross_profit = v1 − C``; premium_gross_exec = v1/C − 1 (the legs' VWAP ratio);
* fee of leg 1 = v1 − v2, transfer = v2 − v3, fee of leg 3 = v3 − v4, FX fee = v4 − v5;
* ``net_profit = v5 − C = gross − fees − transfer`` — exact (differences and sums are taken at
  200 digits, where they round nowhere);
* each ``*_bps`` is the amount / C × 10 000; ``premium_net_exec_bps`` is *defined* as
  ``premium_gross_exec_bps − fees_exec_bps − transfer_bps`` (so the identity is exact in
  ``Decimal``) and equals ``net_profit / C × 10 000`` to the 50th digit.

A crossing is only priced when every leg filled (``filled``): when a fetched book is too thin,
the legs report what they could fill (quantities, VWAPs), the premium columns are NaN, and
``error`` says which book ran out and whether it was the fetch (``depth``) or the venue.
Without an open route the transfer cannot be priced: leg 3 then sells everything leg 1
delivered, ``premium_after_fees_exec_bps`` is still given, and the transfer, the net figures
and ``final`` are NaN; ``route_status`` / ``route_reason`` say why (``unknown`` without keys —
never open). ``error`` is about books and sizing only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import frame
from xtoolkit.research._common import join_errors, validate_bases
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.fees import FeeBook, TakerFee, as_fee_book
from xtoolkit.research.routes import (
    BINANCE_TO_UPBIT,
    DIRECTIONS,
    UPBIT_TO_BINANCE,
    Route,
    RouteChoice,
    cheapest_route,
)
from xtoolkit.research.walk import (
    FEE_STYLE,
    FX_KEY,
    MONEY,
    WIDE,
    Book,
    Fill,
    FxRate,
    Leg,
    age_s,
    books_from_frame,
    buy_base,
    buy_spend,
    dec,
    dtext,
    fnum,
    krw_to_usdt,
    parse_fx_rates,
    sell_base,
    usdt_to_krw,
    utc_now_arg,
    walk_base,
    walk_quote,
)

__all__ = ["Crossing", "as_books", "check_size", "cross", "executable_premium"]

_BPS = Decimal(10_000)
_ZERO = Decimal(0)
_SIZE_UNITS = ("base", "USDT", "KRW")

#: direction -> (capital currency, venue of leg 1, venue of leg 3).
_PLAN: dict[str, tuple[str, str, str]] = {
    BINANCE_TO_UPBIT: ("USDT", "binance", "upbit"),
    UPBIT_TO_BINANCE: ("KRW", "upbit", "binance"),
}
_QUOTE = {"binance": "USDT", "upbit": "KRW"}


@dataclass(frozen=True, slots=True)
class Crossing:
    """One priced (or unpriceable) crossing, every figure in ``Decimal`` (None: not defined).

    Money figures are in ``capital_currency``; ``legs`` maps ``"buy"``, ``"sell"``, ``"fx"`` to
    their :class:`~xtoolkit.research.walk.Leg` (None when its book is missing).
    """

    base: str
    direction: str
    fx: FxRate
    size: Decimal
    size_in: str
    capital_currency: str
    capital: Decimal | None
    final: Decimal | None
    legs: Mapping[str, Leg | None]
    sizing_filled: bool
    route: RouteChoice
    transfer_fee: Decimal | None
    transfer_qty: Decimal | None
    fee_sources: Mapping[str, str]
    fee_rates: Mapping[str, Decimal]
    gross_profit: Decimal | None
    fee_costs: Mapping[str, Decimal | None]
    transfer_cost: Decimal | None
    net_profit: Decimal | None
    premium_gross_bps: Decimal | None
    fee_bps: Mapping[str, Decimal | None]
    fees_bps: Decimal | None
    premium_after_fees_bps: Decimal | None
    transfer_bps: Decimal | None
    premium_net_bps: Decimal | None
    kimchi_mid_bps: Decimal | None
    errors: tuple[str, ...]

    @property
    def filled(self) -> bool:
        """Every leg filled what it was asked (and the size could be converted)."""
        return self.sizing_filled and all(leg is not None and leg.fill.filled for leg in self.legs.values())

    @property
    def fees_cost(self) -> Decimal | None:
        parts = list(self.fee_costs.values())
        if any(p is None for p in parts):
            return None
        with localcontext(WIDE):
            return sum(parts, _ZERO)  # type: ignore[arg-type]


def as_books(
    books: Mapping[str, Book] | pd.DataFrame, depth: int | Mapping[str, int] | None = None
) -> dict[str, Book]:
    """What ``books=`` accepts: an ``orderbook`` frame (several markets) or ``{key: Book}``."""
    if isinstance(books, pd.DataFrame):
        return books_from_frame(books, depth=depth)
    if isinstance(books, Mapping):
        out: dict[str, Book] = {}
        for key, book in books.items():
            if not isinstance(book, Book):
                raise InvalidArgument(f"books[{key!r}] must be a Book, not {type(book).__name__}")
            out[key] = book
        return out
    raise InvalidArgument(
        f"books must be an orderbook frame or a mapping of Books, not {type(books).__name__}"
    )


def _shortfall(book: Book, side: str, fill: Fill, wanted: Decimal, unit: str) -> str:
    levels = len(book.side(side))
    cut = book.truncated(side)
    if cut is None:
        why = f"{levels} fetched levels (fetched depth not given)"
    elif cut:
        why = f"the fetched {levels} levels (depth={book.depth}; the book may go deeper)"
    else:
        why = f"the venue's whole book ({levels} levels)"
    got = fill.qty if unit == "base" else fill.notional
    return f"{book.key} {side}s: {why} fill {dtext(got)} of {dtext(wanted)} {unit}"


def _mid_premium(up: Book | None, bn: Book | None, fx: FxRate, fx_book: Book | None) -> Decimal | None:
    up_mid = up.mid if up else None
    bn_mid = bn.mid if bn else None
    rate = fx.rate if fx.rate is not None else (fx_book.mid if fx_book else None)
    if up_mid is None or bn_mid is None or rate is None:
        return None
    with localcontext(MONEY):
        return (up_mid / (bn_mid * rate) - 1) * _BPS


def _capital_from(
    direction: str, size: Decimal, size_in: str, fx: FxRate, fx_book: Book | None
) -> tuple[Decimal | None, bool, str | None]:
    """(capital spent in leg 1 or None for base sizing, sizing filled, error)."""
    capital_ccy = _PLAN[direction][0]
    if size_in == "base":
        return None, True, None
    if size_in == capital_ccy:
        return size, True, None
    # The other currency: converted on the FX basis, without fee (it only sizes).
    if fx.rate is not None:
        with localcontext(MONEY):
            return (size / fx.rate if size_in == "KRW" else size * fx.rate), True, None
    if fx_book is None:
        return None, False, f"no book for {FX_KEY} to turn {dtext(size)} {size_in} into {capital_ccy}"
    if size_in == "KRW":
        fill = walk_quote(fx_book.asks, size)
        got = fill.qty
        side, unit = "ask", "KRW"
    else:
        fill = walk_base(fx_book.bids, size)
        got = fill.notional
        side, unit = "bid", "base"
    err = None if fill.filled else "sizing: " + _shortfall(fx_book, side, fill, size, unit)
    return got, fill.filled, err


def _fx_leg(direction: str, amount: Decimal, fx: FxRate, fx_book: Book | None, fee: Decimal) -> Leg | None:
    if direction == BINANCE_TO_UPBIT:
        return krw_to_usdt(amount, fx, fx_book, fee)
    return usdt_to_krw(amount, fx, fx_book, fee)


def _fx_rate_gross(direction: str, leg: Leg, fx: FxRate) -> Decimal | None:
    """Capital currency per unit of leg 3's quote, at the FX leg's book prices (before its fee)."""
    with localcontext(MONEY):
        if fx.rate is not None:
            return 1 / fx.rate if direction == BINANCE_TO_UPBIT else fx.rate
        if not leg.fill.qty or not leg.fill.notional:
            return None
        if direction == BINANCE_TO_UPBIT:
            return leg.fill.qty / leg.fill.notional
        return leg.fill.notional / leg.fill.qty


def cross(
    direction: str,
    base: str,
    size: Decimal,
    size_in: str,
    *,
    books: Mapping[str, Book],
    fees: FeeBook,
    routes: Sequence[Route] | None,
    fx: FxRate,
) -> Crossing:
    """Price one crossing (see the module docstring for the legs and the figures)."""
    fx_book = books.get(FX_KEY) if fx.is_book else None
    kimchi = _mid_premium(books.get(f"upbit:{base}/KRW"), books.get(f"binance:{base}/USDT"), fx, fx_book)
    return _cross(direction, base, size, size_in, books=books, fees=fees, routes=routes, fx=fx, kimchi=kimchi)


def _cross(
    direction: str,
    base: str,
    size: Decimal,
    size_in: str,
    *,
    books: Mapping[str, Book],
    fees: FeeBook,
    routes: Sequence[Route] | None,
    fx: FxRate,
    kimchi: Decimal | None,
) -> Crossing:
    """:func:`cross` with the headline mid premium of (base, fx) given: it is the same for both
    directions, so :func:`executable_premium` computes it once."""
    if direction not in _PLAN:
        raise InvalidArgument(f"direction must be one of {', '.join(_PLAN)}, not {direction!r}")
    capital_ccy, buy_venue, sell_venue = _PLAN[direction]
    buy_key = f"{buy_venue}:{base}/{_QUOTE[buy_venue]}"
    sell_key = f"{sell_venue}:{base}/{_QUOTE[sell_venue]}"
    buy_book, sell_book = books.get(buy_key), books.get(sell_key)
    fx_book = books.get(FX_KEY) if fx.is_book else None
    errors: list[str] = [
        f"no book for {k}" for k, b in ((buy_key, buy_book), (sell_key, sell_book)) if b is None
    ]
    if fx.is_book and fx_book is None:
        errors.append(f"no book for {FX_KEY}")
    buy_rate, buy_src = fees.rate(buy_venue, f"{base}/{_QUOTE[buy_venue]}", "buy")
    sell_rate, sell_src = fees.rate(sell_venue, f"{base}/{_QUOTE[sell_venue]}", "sell")
    fx_side = "buy" if direction == BINANCE_TO_UPBIT else "sell"
    if fx.is_book:
        fx_rate_fee, fx_src = fees.rate("upbit", "USDT/KRW", fx_side)
    else:
        fx_rate_fee, fx_src = _ZERO, "none"
    sources = {"buy": buy_src, "sell": sell_src, "fx": fx_src}
    rates = {"buy": buy_rate, "sell": sell_rate, "fx": fx_rate_fee}
    spend, sizing_ok, sizing_err = _capital_from(direction, size, size_in, fx, fx_book)
    if sizing_err:
        errors.append(sizing_err)

    legs: dict[str, Leg | None] = {"buy": None, "sell": None, "fx": None}
    choice = (
        RouteChoice(None, "unknown", "wallet status not read (needs API keys)")
        if routes is None
        # The route is chosen for the amount the buy leg moves (minimums, fees): without that
        # leg there is nothing to choose for — the keys and the wallet read are not the reason.
        else RouteChoice(None, "unknown", "no route chosen: the buy leg could not be walked (see error)")
    )
    transfer_fee = transfer_qty = None
    leg1: Leg | None = None
    if buy_book is not None and size_in == "base":
        leg1 = buy_base(buy_book.asks, size, buy_rate, FEE_STYLE[buy_venue])
        if not leg1.fill.filled:
            errors.append(_shortfall(buy_book, "ask", leg1.fill, size, "base"))
    elif buy_book is not None and spend is not None:
        leg1 = buy_spend(buy_book.asks, spend, buy_rate, FEE_STYLE[buy_venue])
        if not leg1.fill.filled:
            on_book = _on_book(spend, buy_rate, buy_venue)
            errors.append(_shortfall(buy_book, "ask", leg1.fill, on_book, "quote"))
    if leg1 is not None:
        legs["buy"] = leg1
        moved = leg1.got
        if routes is not None:
            choice = cheapest_route(routes, base, direction, moved)
        if choice.is_open and choice.route is not None and choice.route.withdraw_fee is not None:
            transfer_fee = choice.route.withdraw_fee
            with localcontext(MONEY):
                arriving = moved - transfer_fee
            transfer_qty = arriving
        else:
            arriving = moved
        if sell_book is not None:
            leg3 = sell_base(sell_book.bids, max(arriving, _ZERO), sell_rate)
            legs["sell"] = leg3
            if not leg3.fill.filled:
                errors.append(_shortfall(sell_book, "bid", leg3.fill, arriving, "base"))
            leg4 = _fx_leg(direction, leg3.got, fx, fx_book, fx_rate_fee)
            legs["fx"] = leg4
            if leg4 is not None and not leg4.fill.filled and fx_book is not None:
                fx_book_side = "ask" if direction == BINANCE_TO_UPBIT else "bid"
                want = leg3.got if direction == UPBIT_TO_BINANCE else _on_book(leg3.got, fx_rate_fee, "upbit")
                errors.append(
                    _shortfall(
                        fx_book, fx_book_side, leg4.fill, want, "quote" if fx_side == "buy" else "base"
                    )
                )

    numbers = _figures(direction, legs, fx, transfer_known=transfer_fee is not None)
    complete = sizing_ok and all(leg is not None and leg.fill.filled for leg in legs.values())
    if not complete:
        numbers = {k: None for k in numbers} | {
            "fee_costs": dict.fromkeys(rates),
            "fee_bps": dict.fromkeys(rates),
        }
    return Crossing(
        base=base,
        direction=direction,
        fx=fx,
        size=size,
        size_in=size_in,
        capital_currency=capital_ccy,
        capital=leg1.paid if leg1 is not None else None,
        final=numbers["final"],
        legs=legs,
        sizing_filled=sizing_ok,
        route=choice,
        transfer_fee=transfer_fee,
        transfer_qty=transfer_qty,
        fee_sources=sources,
        fee_rates=rates,
        gross_profit=numbers["gross_profit"],
        fee_costs=numbers["fee_costs"],
        transfer_cost=numbers["transfer_cost"],
        net_profit=numbers["net_profit"],
        premium_gross_bps=numbers["premium_gross_bps"],
        fee_bps=numbers["fee_bps"],
        fees_bps=numbers["fees_bps"],
        premium_after_fees_bps=numbers["premium_after_fees_bps"],
        transfer_bps=numbers["transfer_bps"],
        premium_net_bps=numbers["premium_net_bps"],
        kimchi_mid_bps=kimchi,
        errors=tuple(dict.fromkeys(errors)),
    )


def _on_book(spend: Decimal, rate: Decimal, venue: str) -> Decimal:
    """The part of an all-in ``spend`` that reaches the book (a quote-style fee sits on top)."""
    if FEE_STYLE[venue] != "quote":
        return spend
    with localcontext(MONEY):
        return spend / (1 + rate)


def _no_figures() -> dict[str, Any]:
    return {
        "final": None,
        "gross_profit": None,
        "fee_costs": {"buy": None, "sell": None, "fx": None},
        "transfer_cost": None,
        "net_profit": None,
        "premium_gross_bps": None,
        "fee_bps": {"buy": None, "sell": None, "fx": None},
        "fees_bps": None,
        "premium_after_fees_bps": None,
        "transfer_bps": None,
        "premium_net_bps": None,
    }


def _figures(
    direction: str, legs: Mapping[str, Leg | None], fx: FxRate, *, transfer_known: bool
) -> dict[str, Any]:
    """The v1..v5 chain and everything derived from it (None where a leg filled nothing)."""
    leg1, leg3, leg4 = legs["buy"], legs["sell"], legs["fx"]
    if leg1 is None or leg3 is None or leg4 is None:
        return _no_figures()
    if not leg1.fill.qty or not leg1.fill.notional or not leg3.fill.qty or not leg1.paid:
        return _no_figures()
    r = _fx_rate_gross(direction, leg4, fx)
    if r is None:
        return _no_figures()
    with localcontext(MONEY):
        capital = leg1.paid
        e = leg3.fill.notional / leg3.fill.qty * r
        v1 = capital * (leg1.fill.qty * e) / leg1.fill.notional
        v2 = leg1.got * e
        v3 = leg3.fill.notional * r
        v4 = leg3.got * r
        # A user rate converts exactly at r with no fee: the FX leg adds nothing of its own.
        v5 = v4 if fx.rate is not None else leg4.got
    with localcontext(WIDE):
        gross = v1 - capital
        fee_costs = {"buy": v1 - v2, "sell": v3 - v4, "fx": v4 - v5}
        transfer = v2 - v3
        net = v5 - capital
    with localcontext(MONEY):
        gross_bps = gross * _BPS / capital
        fee_bps = {k: v * _BPS / capital for k, v in fee_costs.items()}
        transfer_bps = transfer * _BPS / capital
    with localcontext(WIDE):
        fees_bps = fee_bps["buy"] + fee_bps["sell"] + fee_bps["fx"]
        after_fees = gross_bps - fees_bps
        net_bps = after_fees - transfer_bps
    return {
        "final": v5 if transfer_known else None,
        "gross_profit": gross,
        "fee_costs": fee_costs,
        "transfer_cost": transfer if transfer_known else None,
        "net_profit": net if transfer_known else None,
        "premium_gross_bps": gross_bps,
        "fee_bps": fee_bps,
        "fees_bps": fees_bps,
        "premium_after_fees_bps": after_fees,
        "transfer_bps": transfer_bps if transfer_known else None,
        "premium_net_bps": net_bps if transfer_known else None,
    }


def check_size(size: Any, size_in: str) -> tuple[Decimal, str]:
    """``(size, unit)`` checked: a positive amount in ``"base"``, ``"USDT"`` or ``"KRW"``."""
    unit = size_in if size_in == "base" else str(size_in).upper()
    if unit not in _SIZE_UNITS:
        raise InvalidArgument(f"size_in must be one of {', '.join(_SIZE_UNITS)}, not {size_in!r}")
    amount = dec(size, what="size")
    if amount <= 0:
        raise InvalidArgument(f"size must be positive, not {size!r}")
    return amount, unit


def _leg_columns(row: dict[str, Any], venue: str, leg: Leg | None) -> None:
    if leg is None:
        row[f"filled_{venue}"] = False
        row[f"{venue}_levels"] = 0
        return
    fill = leg.fill
    row[f"{venue}_side"] = leg.side
    row[f"{venue}_qty"] = float(fill.qty)
    row[f"{venue}_notional"] = float(fill.notional)
    row[f"{venue}_vwap"] = fnum(fill.vwap)
    row[f"{venue}_levels"] = fill.levels
    row[f"filled_{venue}"] = fill.filled


def _book_columns(books: Mapping[str, Book], base: str, fx: FxRate, now: pd.Timestamp) -> dict[str, Any]:
    """The books' times and ages of one (base, FX basis): the same in both directions' rows."""
    bn_book = books.get(f"binance:{base}/USDT")
    up_book = books.get(f"upbit:{base}/KRW")
    fx_book = books.get(FX_KEY) if fx.is_book else None
    return {
        "binance_book_ts": bn_book.ts if bn_book else pd.NaT,
        "upbit_book_ts": up_book.ts if up_book else pd.NaT,
        "fx_book_ts": fx_book.ts if fx_book else pd.NaT,
        "binance_book_age_s": age_s(now, bn_book.ts) if bn_book else None,
        "upbit_book_age_s": age_s(now, up_book.ts) if up_book else None,
        "fx_book_age_s": age_s(now, fx_book.ts) if fx_book else None,
    }


def _row(c: Crossing, book_columns: Mapping[str, Any]) -> dict[str, Any]:
    """One crossing's row (``book_columns``: :func:`_book_columns` of its base and basis)."""
    capital_ccy, buy_venue, sell_venue = _PLAN[c.direction]
    fx_leg = c.legs["fx"]
    fx_fill = fx_leg.fill if fx_leg is not None else None
    route = c.route.route
    rates, sources, fee_bps = c.fee_rates, c.fee_sources, c.fee_bps
    net_bps = c.premium_net_bps
    row: dict[str, Any] = {
        "base": c.base,
        "direction": c.direction,
        "fx_basis": c.fx.label,
        "size": fnum(c.size),
        "size_in": c.size_in,
        "capital": fnum(c.capital),
        "capital_currency": capital_ccy,
        "final": fnum(c.final),
        "net_profit": fnum(c.net_profit),
        "filled": c.filled,
        "binance_symbol": f"{c.base}/USDT",
        "upbit_symbol": f"{c.base}/KRW",
        "fx_side": "buy" if c.direction == BINANCE_TO_UPBIT else "sell",
        "fx_usdt": float(fx_fill.qty) if fx_fill else None,
        "fx_krw": float(fx_fill.notional) if fx_fill else None,
        "fx_vwap": fnum(fx_fill.vwap) if fx_fill else None,
        "fx_levels": fx_fill.levels if fx_fill else 0,
        "filled_fx": bool(fx_fill is not None and fx_fill.filled and c.sizing_filled),
        "fee_rate_fx": fnum(rates["fx"]),
        "fee_source_fx": sources["fx"],
        "transfer_network": route.sender.network if route and route.sender else None,
        "transfer_chain": route.chain if route else None,
        "transfer_fee": fnum(c.transfer_fee),
        "transfer_qty": fnum(c.transfer_qty),
        "route_status": c.route.status,
        "route_open": c.route.is_open,
        "route_reason": c.route.reason,
        "kimchi_premium_mid_bps": fnum(c.kimchi_mid_bps),
        "premium_gross_exec_bps": fnum(c.premium_gross_bps),
        "fees_exec_bps": fnum(c.fees_bps),
        "premium_after_fees_exec_bps": fnum(c.premium_after_fees_bps),
        "transfer_bps": fnum(c.transfer_bps),
        "premium_net_exec_bps": fnum(net_bps),
        "premium_net_exec_pct": fnum(net_bps / 100) if net_bps is not None else None,
        "gross_profit": fnum(c.gross_profit),
        "fees_cost": fnum(c.fees_cost),
        "transfer_cost": fnum(c.transfer_cost),
        "error": join_errors(c.errors),
        f"fee_rate_{buy_venue}": fnum(rates["buy"]),
        f"fee_source_{buy_venue}": sources["buy"],
        f"fee_{buy_venue}_bps": fnum(fee_bps["buy"]),
        f"fee_rate_{sell_venue}": fnum(rates["sell"]),
        f"fee_source_{sell_venue}": sources["sell"],
        f"fee_{sell_venue}_bps": fnum(fee_bps["sell"]),
        "fee_fx_bps": fnum(fee_bps["fx"]),
    }
    _leg_columns(row, buy_venue, c.legs["buy"])
    _leg_columns(row, sell_venue, c.legs["sell"])
    row.update(book_columns)
    return row


def executable_premium(
    bases: str | Iterable[str],
    size: Any,
    *,
    size_in: str = "base",
    books: Mapping[str, Book] | pd.DataFrame,
    now: Any,
    fees: FeeBook | Iterable[TakerFee] | None = None,
    routes: Sequence[Route] | None = None,
    fx: Any = "upbit",
    depth: int | Mapping[str, int] | None = None,
    directions: Sequence[str] = (BINANCE_TO_UPBIT, UPBIT_TO_BINANCE),
) -> pd.DataFrame:
    """The executable premium of crossing Binance and Upbit at ``size``, both directions (pure).

    Parameters
    ----------
    bases
        Assets listed on both venues, e.g. ``["BTC", "XRP"]``.
    size
        How much to cross: base units, or an amount of USDT or KRW (``size_in``).
    size_in
        ``"base"``, ``"USDT"`` or ``"KRW"`` (see the module docstring: the direction's own
        currency is the capital; the other one is converted on the FX basis's book).
    books
        The fetched books: an ``orderbook`` frame holding ``binance:<BASE>/USDT``,
        ``upbit:<BASE>/KRW`` and, for the Upbit FX basis, ``upbit:USDT/KRW`` — or a mapping of
        :class:`~xtoolkit.research.walk.Book` by that key.
    now
        The tz-aware time the books' ages are measured against.
    fees
        Account taker rates (:class:`~xtoolkit.research.fees.FeeBook` or records); any market
        without one uses the venue's documented default (``fee_source_* = "default"``).
    routes
        :func:`~xtoolkit.research.routes.route_table` output; ``None`` (wallets not read):
        every route unknown, so transfer and net are NaN.
    fx
        ``"upbit"`` (Upbit's USDT/KRW book, walked), a KRW-per-USDT rate, or a list of both.
    depth
        Levels per side that were requested (to tell a short fetch from a thin venue book).
    directions
        ``"binance_to_upbit"`` and/or ``"upbit_to_binance"``.

    Returns
    -------
    DataFrame
        One row per (base, fx basis, direction) with the columns of
        ``EXECUTION_SCHEMAS["executable_premium"]``: base, direction, fx_basis, size,
        size_in, capital, capital_currency, final, net_profit (capital currency), filled;
        per venue ``binance_*`` / ``upbit_*``: symbol, side, qty (base filled), notional
        (quote), vwap, levels, ``filled_<venue>``; fx_side, fx_usdt, fx_krw, fx_vwap (KRW per
        USDT), fx_levels, filled_fx; fee_rate_* and fee_source_* (``account`` / ``default``;
        fx ``none`` for a user rate); transfer_network, transfer_chain, transfer_fee (base
        units), transfer_qty (base arriving), route_status, route_open, route_reason;
        kimchi_premium_mid_bps (Upbit mid over Binance mid × FX mid, the same for both
        directions); premium_gross_exec_bps, fee_binance_bps, fee_upbit_bps, fee_fx_bps,
        fees_exec_bps, premium_after_fees_exec_bps, transfer_bps, premium_net_exec_bps,
        premium_net_exec_pct (the direction's own earnings, of capital); gross_profit,
        fees_cost, transfer_cost (capital currency); binance/upbit/fx book ts and age_s; error.
    """
    names = validate_bases(bases)
    amount, unit = check_size(size, size_in)
    at = utc_now_arg(now)
    fx_list = parse_fx_rates(fx)
    book_map = as_books(books, depth)
    fee_book = as_fee_book(fees)
    for d in directions:
        if d not in DIRECTIONS:
            raise InvalidArgument(f"direction must be one of {', '.join(DIRECTIONS)}, not {d!r}")
    spec = EXECUTION_SCHEMAS["executable_premium"]
    # Each crossing looks only at its asset's routes in its direction: index them once (the
    # same routes, in the same order, that cheapest_route would pick out of the whole table).
    route_index: dict[tuple[str, str], list[Route]] = {}
    for r in routes or ():
        route_index.setdefault((r.asset, r.direction), []).append(r)
    rows: list[dict[str, Any]] = []
    for base in names:
        bn_book, up_book = book_map.get(f"binance:{base}/USDT"), book_map.get(f"upbit:{base}/KRW")
        for basis in fx_list:
            # What both directions share: the headline mid premium, the books' times and ages.
            fx_book = book_map.get(FX_KEY) if basis.is_book else None
            kimchi = _mid_premium(up_book, bn_book, basis, fx_book)
            shared = _book_columns(book_map, base, basis, at)
            for direction in directions:
                c = _cross(
                    direction,
                    base,
                    amount,
                    unit,
                    books=book_map,
                    fees=fee_book,
                    routes=None if routes is None else route_index.get((base.upper(), direction), []),
                    fx=basis,
                    kimchi=kimchi,
                )
                rows.append(_row(c, shared))
    return frame(spec, {k: [r.get(k) for r in rows] for k in spec})
