"""Plain-text and notebook (HTML) views of plans, placements and validations.

The mode is shown loudly in both: DRY-RUN, SANDBOX or LIVE. Views hold order facts only —
nothing here can reach a key or secret.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from xtoolkit._models import fmt_decimal
from xtoolkit.orders.guards import Check
from xtoolkit.orders.intent import Estimate, Intent
from xtoolkit.orders.mode import ModeDecision
from xtoolkit.orders.snapshot import Snapshot


# What the views read, as protocols: plan.py renders through this module, so this module
# must not import plan.py back.
class Validation(Protocol):
    """What a validation view reads (:class:`~xtoolkit.orders.plan.Validation`)."""

    @property
    def exchange(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def test_client_order_id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def commission(self) -> Mapping[str, Any] | None: ...


class Placement(Protocol):
    """What a placement view reads (:class:`~xtoolkit.orders.plan.Placement`)."""

    @property
    def exchange(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def client_order_id(self) -> str: ...
    @property
    def order_id(self) -> str | None: ...
    @property
    def side(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def qty(self) -> Decimal | None: ...
    @property
    def filled_qty(self) -> Decimal | None: ...
    @property
    def avg_price(self) -> Decimal | None: ...
    @property
    def mode(self) -> str: ...
    @property
    def via(self) -> str: ...


class OrderPlan(Protocol):
    """What a plan view reads (:class:`~xtoolkit.orders.plan.OrderPlan`)."""

    @property
    def intent(self) -> Intent: ...
    @property
    def estimate(self) -> Estimate: ...
    @property
    def checks(self) -> tuple[Check, ...]: ...
    @property
    def mode(self) -> ModeDecision: ...
    @property
    def snapshot(self) -> Snapshot: ...
    @property
    def market(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def state(self) -> str: ...
    @property
    def validation(self) -> Validation | None: ...
    @property
    def placement(self) -> Placement | None: ...
    @property
    def error(self) -> BaseException | None: ...


__all__ = ["placement_html", "placement_text", "plan_html", "plan_text", "validation_html", "validation_text"]

MODE_COLORS = {"DRY-RUN": "#1f6feb", "SANDBOX": "#b7791f", "LIVE": "#cf222e"}
MARKS = {"pass": "✔", "fail": "✘", "skip": "–"}
CHECK_COLORS = {"pass": "#1a7f37", "fail": "#cf222e", "skip": "#6e7781"}


def num(d: Decimal | None, unit: str = "", *, places: int | None = None) -> str:
    """``1,234.5 KRW``; ``n/a`` for None. ``places`` rounds estimates for display."""
    if d is None:
        return "n/a"
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places))
    text = fmt_decimal(d)
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    out = f"{sign}{int(whole.lstrip('-') or 0):,}" + (f".{frac}" if frac else "")
    return f"{out} {unit}" if unit else out


def _typed_vs_sent(plan: OrderPlan) -> tuple[str, str]:
    i = plan.intent
    base, quote = i.ref.symbol.base, i.ref.symbol.quote
    typed, sent = [], []
    for label, t, s, unit in (
        ("price", i.typed_price, i.price, quote),
        ("qty", i.typed_qty, i.qty, base),
        ("total", i.typed_quote_qty, i.quote_qty, quote),
    ):
        if t is None and s is None:
            continue
        typed.append(f"{label} {num(t, unit)}")
        changed = " (rounded)" if t is not None and s is not None and t != s else ""
        sent.append(f"{label} {num(s, unit)}{changed}")
    return "  ".join(typed), "  ".join(sent)


def _value(plan: OrderPlan) -> str:
    e, quote = plan.estimate, plan.intent.ref.symbol.quote
    # A limit order's notional is exact; a market order's is an estimate, shown rounded.
    places = None if plan.intent.type == "limit" else (0 if quote == "KRW" else 8)
    parts = [num(e.notional, quote, places=places)]
    if quote != "USDT":
        parts.append(f"≈ {num(e.value_usdt, 'USDT', places=2)}")
    if quote != "KRW":
        parts.append(f"≈ {num(e.value_krw, 'KRW', places=0)}")
    est = " (estimated from the book)" if plan.intent.type == "market" else ""
    return "  ".join(parts) + est


def _fee(plan: OrderPlan) -> str:
    e, s, quote = plan.estimate, plan.snapshot, plan.intent.ref.symbol.quote
    rate = num(e.fee_rate * 100) + "%"
    return f"{num(e.fee, quote, places=8)} ({rate} taker, {s.fee_source})"


def _next_step(plan: OrderPlan) -> str:
    state = plan.state
    if state == "placed":
        return "placed: running submit again returns this same order"
    if state == "unknown":
        return "outcome unknown: plan.reconcile() (or client.reconcile()) resolves it"
    if state in ("rejected", "not_placed"):
        return "this plan is spent: preview a new one to try again"
    if not plan.mode.sends:
        return "dry-run: plan.validate() asks the exchange; submit will not send"
    if not plan.ok:
        return "a check refuses this order: submit will not send"
    return "plan.validate() asks the exchange; plan.submit(confirm=True) places it once"


def plan_text(plan: OrderPlan) -> str:
    i = plan.intent
    typed, sent = _typed_vs_sent(plan)
    lines = [
        f"OrderPlan [{plan.mode.label}] {plan.market} {i.side.upper()} {i.type.upper()} - {plan.state}",
        f"  you typed  {typed}",
        f"  will send  {sent}",
        f"  notional   {_value(plan)}",
        f"  est. fee   {_fee(plan)}",
        f"  client id  {i.client_order_id}",
        f"  mode       {plan.mode.label}: {plan.mode.reason}",
        "  checks",
    ]
    width = max(len(c.rule) for c in plan.checks) if plan.checks else 0
    lines += [f"    {MARKS[c.verdict]} {c.rule:<{width}}  {c.message}" for c in plan.checks]
    lines += [f"  note       {n}" for n in plan.snapshot.notes]
    if plan.validation is not None:
        lines.append("  validated  the exchange accepted the test order (nothing placed)")
    if plan.placement is not None:
        lines.append(f"  placed     {plan.placement.order_id} ({plan.placement.status})")
    if plan.error is not None:
        lines.append(f"  refused    {type(plan.error).__name__}: {plan.error}")
    lines.append(f"  next       {_next_step(plan)}")
    return "\n".join(lines)


def _badge(label: str) -> str:
    color = MODE_COLORS.get(label, "#6e7781")
    return (
        f'<span style="background:{color};color:#fff;font-weight:700;padding:2px 10px;'
        f'border-radius:4px;letter-spacing:.05em">{html.escape(label)}</span>'
    )


def _row(key: str, value: str) -> str:
    return (
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0;white-space:nowrap">{html.escape(key)}</th>'
        f'<td style="text-align:left">{value}</td></tr>'
    )


def plan_html(plan: OrderPlan) -> str:
    i = plan.intent
    typed, sent = _typed_vs_sent(plan)
    color = MODE_COLORS.get(plan.mode.label, "#6e7781")
    checks = "".join(
        f'<tr><td style="color:{CHECK_COLORS[c.verdict]};font-weight:700">{MARKS[c.verdict]}</td>'
        f'<td style="text-align:left;padding-right:12px"><code>{html.escape(c.rule)}</code></td>'
        f'<td style="text-align:left">{html.escape(c.message)}</td></tr>'
        for c in plan.checks
    )
    rows = [
        _row("you typed", html.escape(typed)),
        _row("will send", f"<b>{html.escape(sent)}</b>"),
        _row("notional", html.escape(_value(plan))),
        _row("est. fee", html.escape(_fee(plan))),
        _row("client id", f"<code>{html.escape(i.client_order_id)}</code>"),
        _row("mode", html.escape(plan.mode.reason)),
        _row("state", html.escape(plan.state)),
    ]
    rows += [_row("note", html.escape(n)) for n in plan.snapshot.notes]
    if plan.validation is not None:
        rows.append(_row("validated", "the exchange accepted the test order (nothing placed)"))
    if plan.placement is not None:
        p = plan.placement
        rows.append(_row("placed", html.escape(f"{p.order_id} ({p.status})")))
    if plan.error is not None:
        rows.append(_row("refused", html.escape(f"{type(plan.error).__name__}: {plan.error}")))
    rows.append(_row("next", html.escape(_next_step(plan))))
    return (
        f'<div style="border:3px solid {color};border-radius:6px;padding:8px 12px;display:inline-block">'
        f'<div style="margin-bottom:6px">{_badge(plan.mode.label)} '
        f"<b>{html.escape(plan.market)}</b> {html.escape(i.side.upper())} {html.escape(i.type.upper())}</div>"
        f'<table style="border-collapse:collapse">{"".join(rows)}</table>'
        f'<table style="border-collapse:collapse;margin-top:6px">{checks}</table></div>'
    )


def placement_text(p: Placement) -> str:
    how = "found by reconciliation" if p.via == "reconciled" else "placed"
    return (
        f"Placement [{p.mode}] {p.exchange}:{p.symbol} {p.side.upper()} {p.type.upper()} {how}\n"
        f"  order id   {p.order_id}\n"
        f"  client id  {p.client_order_id}\n"
        f"  status     {p.status}  filled {num(p.filled_qty)} of {num(p.qty)}"
        + (f" at avg {num(p.avg_price)}" if p.avg_price is not None else "")
        + (f"\n  price      {num(p.price)}" if p.price is not None else "")
    )


def placement_html(p: Placement) -> str:
    color = MODE_COLORS.get(p.mode, "#6e7781")
    how = "found by reconciliation" if p.via == "reconciled" else "placed"
    rows = [
        _row("order id", f"<code>{html.escape(str(p.order_id))}</code>"),
        _row("client id", f"<code>{html.escape(p.client_order_id)}</code>"),
        _row("status", html.escape(p.status)),
        _row("filled", html.escape(f"{num(p.filled_qty)} of {num(p.qty)}")),
    ]
    if p.avg_price is not None:
        rows.append(_row("avg price", html.escape(num(p.avg_price))))
    if p.price is not None:
        rows.append(_row("price", html.escape(num(p.price))))
    return (
        f'<div style="border:3px solid {color};border-radius:6px;padding:8px 12px;display:inline-block">'
        f"<div>{_badge(p.mode)} <b>{html.escape(p.exchange)}:{html.escape(p.symbol)}</b> "
        f"{html.escape(p.side.upper())} {html.escape(p.type.upper())} — {html.escape(how)}</div>"
        f'<table style="border-collapse:collapse">{"".join(rows)}</table></div>'
    )


def validation_text(v: Validation) -> str:
    extra = f"\n  commission {v.commission}" if v.commission else ""
    return (
        f"Validation {v.exchange}:{v.symbol}: the exchange accepted the test order - "
        f"nothing was placed (test id {v.test_client_order_id}){extra}"
    )


def validation_html(v: Validation) -> str:
    return (
        '<div style="border:3px solid #1a7f37;border-radius:6px;padding:8px 12px;display:inline-block">'
        f"<b>✔ exchange accepted the test order</b> — {html.escape(v.exchange)}:{html.escape(v.symbol)}, "
        f"nothing was placed (test id <code>{html.escape(v.test_client_order_id)}</code>)</div>"
    )
