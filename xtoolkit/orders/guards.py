"""Order guards: pure functions ``(intent, snapshot, limits) -> Check``.

Each guard names its rule and, when it refuses, the numbers (``limit`` and ``value``). A plan
shows every verdict; ``submit`` turns the first failure into :class:`LimitExceeded` before
anything is sent. ``skip`` means the rule does not apply (or cannot be read yet, e.g. balances
without keys — ``submit`` always has keys and reads them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from xtoolkit._errors import LimitExceeded
from xtoolkit._models import fmt_decimal
from xtoolkit.orders.intent import Intent, estimate
from xtoolkit.orders.limits import Limits
from xtoolkit.orders.snapshot import Snapshot

__all__ = ["GUARDS", "Check", "first_failure", "refusal", "run_guards"]

Verdict = Literal["pass", "fail", "skip"]


@dataclass(frozen=True, slots=True)
class Check:
    """One guard's verdict on one order."""

    rule: str
    verdict: Verdict
    message: str
    limit: Any = None
    value: Any = None

    @property
    def ok(self) -> bool:
        """False only for a refusal (``skip`` is not a refusal)."""
        return self.verdict != "fail"


def _f(d: Decimal | None, unit: str = "") -> str:
    if d is None:
        return "n/a"
    text = fmt_decimal(d.quantize(Decimal("0.00000001")) if d.as_tuple().exponent < -8 else d)
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{whole}{'.' + frac if frac else ''}{' ' + unit if unit else ''}"


def _pass(rule: str, message: str, **kw: Any) -> Check:
    return Check(rule, "pass", message, **kw)


def _fail(rule: str, message: str, **kw: Any) -> Check:
    return Check(rule, "fail", message, **kw)


def _skip(rule: str, message: str) -> Check:
    return Check(rule, "skip", message)


# --- the guards ------------------------------------------------------------------------------


def market_status(i: Intent, s: Snapshot, lim: Limits) -> Check:
    if not s.info.trading:
        return _fail("market_status", f"{i.ref} is not trading (status {s.info.status})", value=s.info.status)
    return _pass("market_status", f"{i.ref} is trading")


def market_warning(i: Intent, s: Snapshot, lim: Limits) -> Check:
    if not s.info.warning:
        return _pass("market_warning", "no exchange warning on this market")
    if i.allow_warning or lim.allow_warning:
        return _pass("market_warning", "market is under an exchange warning (allowed by allow_warning)")
    return _fail(
        "market_warning",
        f"{i.ref} is under an exchange warning; pass allow_warning=True to trade it anyway",
        value=s.info.status,
    )


def allowlist(i: Intent, s: Snapshot, lim: Limits) -> Check:
    patterns = lim.sandbox_allowlist if s.sandbox else lim.allowlist
    if lim.allows(i.ref.exchange, str(i.ref.symbol), sandbox=s.sandbox):
        return _pass("allowlist", f"{i.ref} is allowed")
    which = "sandbox_allowlist" if s.sandbox else "allowlist"
    return _fail(
        "allowlist",
        f"{i.ref} is not in Limits.{which} {list(patterns)}; add it to trade this market",
        limit=patterns,
        value=str(i.ref),
    )


def quantity(i: Intent, s: Snapshot, lim: Limits) -> Check:
    info = s.info
    if i.quote_qty is not None and i.qty is None:
        if i.quote_qty <= 0:
            return _fail("quantity", "the total rounds to zero at the venue's precision", value=i.quote_qty)
        return _pass("quantity", f"total {_f(i.quote_qty, info.symbol.quote)}")
    qty = i.qty or Decimal(0)
    unit = info.symbol.base
    if qty <= 0:
        return _fail(
            "quantity",
            f"quantity rounds to zero at step {_f(info.step_size)}",
            limit=info.step_size,
            value=qty,
        )
    market = i.type == "market"
    lo = (info.market_min_qty or info.min_qty) if market else info.min_qty
    hi = (info.market_max_qty or info.max_qty) if market else info.max_qty
    if lo and qty < lo:
        return _fail(
            "quantity",
            f"quantity {_f(qty, unit)} is below the venue minimum {_f(lo, unit)}",
            limit=lo,
            value=qty,
        )
    if hi and qty > hi:
        return _fail(
            "quantity",
            f"quantity {_f(qty, unit)} is above the venue maximum {_f(hi, unit)}",
            limit=hi,
            value=qty,
        )
    return _pass("quantity", f"quantity {_f(qty, unit)} fits the venue's step and bounds")


def venue_notional(i: Intent, s: Snapshot, lim: Limits) -> Check:
    e = estimate(i, s)
    quote = s.info.symbol.quote
    if e.notional is None:
        return _fail("venue_notional", "the order cannot be valued: the book is empty")
    if s.min_total is not None and e.notional < s.min_total:
        return _fail(
            "venue_notional",
            f"order total {_f(e.notional, quote)} is below the venue minimum {_f(s.min_total, quote)}",
            limit=s.min_total,
            value=e.notional,
        )
    if s.max_total is not None and i.type == "limit" and e.notional > s.max_total:
        return _fail(
            "venue_notional",
            f"order total {_f(e.notional, quote)} is above the venue maximum {_f(s.max_total, quote)}",
            limit=s.max_total,
            value=e.notional,
        )
    return _pass(
        "venue_notional", f"total {_f(e.notional, quote)} meets the venue minimum {_f(s.min_total, quote)}"
    )


def order_notional(i: Intent, s: Snapshot, lim: Limits) -> Check:
    e = estimate(i, s)
    quote = s.info.symbol.quote
    cap, value, unit = _order_cap(lim, e, quote)
    if cap is None or value is None:
        have = ", ".join(sorted(lim.max_order_notional)) or "none"
        return _fail(
            "max_order_notional",
            f"this {quote} order cannot be valued against a per-order cap: caps are set for {have} "
            f"only and there is no rate to them ({s.fx_note or 'no exchange rate'}); add one, e.g. "
            f"Limits(max_order_notional={{'{quote}': {_CAP_EXAMPLES.get(quote, '...')}}})",
            value=e.notional,
        )
    if value > cap:
        return _fail(
            "max_order_notional",
            f"order value {_f(value, unit)} exceeds the per-order cap {_f(cap, unit)} "
            "(Limits.max_order_notional)",
            limit=cap,
            value=value,
        )
    return _pass(
        "max_order_notional",
        f"{_f(value, unit)} within the per-order cap {_f(cap, unit)}",
        limit=cap,
        value=value,
    )


#: A sensible first cap per quote currency, for the message that asks for one.
_CAP_EXAMPLES = {"USDT": "50", "KRW": "50000", "BTC": "0.001", "ETH": "0.02"}


def _order_cap(lim: Limits, e: Any, quote: str) -> tuple[Decimal | None, Decimal | None, str]:
    """(cap, order value, currency): the cap in the order's own quote, else one the estimate is valued in.

    A client capped only in KRW still checks a Binance USDT order: its KRW value (the FX
    basis the preview shows, ``Estimate.value_krw``) against the KRW cap; likewise USDT.
    """
    caps = lim.max_order_notional
    if quote in caps:
        return caps[quote], e.notional, quote
    for unit, value in (("USDT", e.value_usdt), ("KRW", e.value_krw)):
        if unit in caps and value is not None:
            return caps[unit], value, unit
    return None, None, quote


def daily_notional(i: Intent, s: Snapshot, lim: Limits) -> Check:
    e = estimate(i, s)
    quote = s.info.symbol.quote
    cap = lim.max_daily_notional.get(quote)
    if cap is None:
        return _skip("max_daily_notional", f"no daily cap set for {quote}")
    total = s.daily_used + (e.notional or Decimal(0))
    if total > cap:
        return _fail(
            "max_daily_notional",
            f"sent today {_f(s.daily_used, quote)} + this order {_f(e.notional, quote)} = {_f(total, quote)} "
            f"exceeds the daily cap {_f(cap, quote)} (UTC day, Limits.max_daily_notional)",
            limit=cap,
            value=total,
        )
    return _pass(
        "max_daily_notional", f"{_f(total, quote)} of {_f(cap, quote)} today", limit=cap, value=total
    )


def price_band(i: Intent, s: Snapshot, lim: Limits) -> Check:
    if i.type != "limit":
        return _skip("price_band", "market order: see slippage")
    assert i.price is not None
    band = lim.price_band_pct / 100
    quote = s.info.symbol.quote
    touch = s.ask if i.side == "buy" else s.bid
    if touch is None:
        return _fail(
            "price_band", f"no {'ask' if i.side == 'buy' else 'bid'} in the book to check the price against"
        )
    if i.side == "buy":
        edge = touch * (1 + band)
        bad = i.price > edge
        where = f"best ask {_f(touch, quote)}"
    else:
        edge = touch * (1 - band)
        bad = i.price < edge
        where = f"best bid {_f(touch, quote)}"
    through = (i.price - touch) / touch * 100 * (1 if i.side == "buy" else -1)
    if bad:
        return _fail(
            "price_band",
            f"{i.side} at {_f(i.price, quote)} is {through:.2f}% through the {where}; "
            f"the band is {_f(lim.price_band_pct)}% (Limits.price_band_pct)",
            limit=lim.price_band_pct,
            value=through.quantize(Decimal("0.01")),
        )
    return _pass(
        "price_band", f"{max(through, Decimal(0)):.2f}% through the {where} (band {_f(lim.price_band_pct)}%)"
    )


def slippage(i: Intent, s: Snapshot, lim: Limits) -> Check:
    e = estimate(i, s)
    if i.type != "market":
        return _skip("slippage", "limit order: see price_band")
    touch = s.ask if i.side == "buy" else s.bid
    if touch is None or e.worst is None:
        return _fail("slippage", "the book has no liquidity on that side")
    if not e.complete:
        return _fail("slippage", "the visible book is too thin to fill this market order", value=e.qty)
    bps = abs(e.worst - touch) / touch * 10000
    if bps > lim.max_slippage_bps:
        return _fail(
            "slippage",
            f"walking the book reaches {_f(e.worst)}: {bps:.1f} bps beyond the touch "
            f"(Limits.max_slippage_bps {_f(lim.max_slippage_bps)})",
            limit=lim.max_slippage_bps,
            value=bps.quantize(Decimal("0.1")),
        )
    return _pass("slippage", f"worst price {_f(e.worst)}, {bps:.1f} bps beyond the touch")


def open_orders(i: Intent, s: Snapshot, lim: Limits) -> Check:
    if i.type != "limit":
        return _skip("max_open_orders", "market orders do not rest")
    if s.open_orders is None:
        return _skip("max_open_orders", "open orders not read (no keys)")
    if s.open_orders >= lim.max_open_orders:
        return _fail(
            "max_open_orders",
            f"{s.open_orders} orders already open (or sent and awaiting the venue's answer) on {i.ref} "
            f"(Limits.max_open_orders {lim.max_open_orders})",
            limit=lim.max_open_orders,
            value=s.open_orders + 1,
        )
    return _pass("max_open_orders", f"{s.open_orders} open of {lim.max_open_orders}")


def balance(i: Intent, s: Snapshot, lim: Limits) -> Check:
    e = estimate(i, s)
    if not lim.check_balance:
        return _skip("balance", "balance check off (Limits.check_balance)")
    if s.free is None:
        return _skip("balance", "balances not read (no keys)")
    sym = s.info.symbol
    if i.side == "buy":
        asset = sym.quote
        if e.notional is None:
            return _fail("balance", "the order cannot be valued to check the balance")
        need = e.notional + ((e.fee or Decimal(0)) if s.fee_reserved else Decimal(0))
    else:
        asset = sym.base
        if e.qty is None:
            return _fail("balance", "the quantity to sell cannot be estimated")
        need = e.qty
    have = s.free.get(asset, Decimal(0))
    if need > have:
        return _fail(
            "balance",
            f"needs {_f(need, asset)} free, the account has {_f(have, asset)}",
            limit=have,
            value=need,
        )
    return _pass("balance", f"needs {_f(need, asset)}, {_f(have, asset)} free")


def unresolved(i: Intent, s: Snapshot, lim: Limits) -> Check:
    if s.unresolved:
        ids = ", ".join(s.unresolved[:3]) + (" ..." if len(s.unresolved) > 3 else "")
        return _fail(
            "unresolved_orders",
            f"{len(s.unresolved)} earlier order(s) on {i.ref.exchange} have an unknown outcome ({ids}); "
            "run client.reconcile() first",
            value=len(s.unresolved),
        )
    return _pass("unresolved_orders", "no order of unknown outcome")


def repeat(i: Intent, s: Snapshot, lim: Limits) -> Check:
    if s.repeat_of is None:
        return _pass("repeat", "no identical order sent recently")
    cid, age = s.repeat_of
    return _fail(
        "repeat",
        f"an identical order ({cid}) was sent {age:.0f} s ago - did a cell run twice? "
        f"Change the order, wait {lim.repeat_window_s:.0f} s, or set Limits(repeat_window_s=0)",
        limit=lim.repeat_window_s,
        value=round(age, 1),
    )


Guard = Callable[[Intent, Snapshot, Limits], Check]

#: Every guard, in the order a refusal is reported.
GUARDS: tuple[Guard, ...] = (
    market_status,
    allowlist,
    market_warning,
    unresolved,
    repeat,
    quantity,
    venue_notional,
    order_notional,
    daily_notional,
    price_band,
    slippage,
    open_orders,
    balance,
)


def run_guards(intent: Intent, snap: Snapshot, limits: Limits) -> tuple[Check, ...]:
    """Every guard's verdict on ``intent``."""
    return tuple(guard(intent, snap, limits) for guard in GUARDS)


def first_failure(checks: tuple[Check, ...]) -> Check | None:
    return next((c for c in checks if not c.ok), None)


def refusal(check: Check, exchange: str) -> LimitExceeded:
    """The typed error for a failed check: nothing was sent."""
    return LimitExceeded(
        f"refused by {check.rule}: {check.message} - nothing was sent",
        rule=check.rule,
        limit=check.limit,
        value=check.value,
        exchange=exchange,
    )
