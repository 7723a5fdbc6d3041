"""The order ticket: side, quantity, price -> Preview -> explicit Confirm -> result.

The ticket is a thin face on the order API: ``client.order(...)`` builds the plan (rounding,
checks, estimate), ``plan.validate()`` runs the guards and ``plan.submit(confirm=True)``
places it — or not, as the client's mode decides. The ticket adds no rule of its own and
removes none: a guard that refuses shows up here as its typed error, in the red box.

Confirm is only enabled after a successful preview of exactly the inputs on screen; editing
any input, or submitting once, disables it again, so one click can place at most one order.
"""

from __future__ import annotations

import threading
from decimal import ROUND_DOWN, Decimal
from typing import Any

from xtoolkit._errors import InvalidArgument
from xtoolkit.widgets._mode import Mode, mode_of
from xtoolkit.widgets._ui import (
    ErrorBox,
    escape,
    guarded,
    ipw,
    log,
    show_panel,
    snapshot_block,
    user_terms,
    widget_bundle,
)

__all__ = ["OrderTicket"]

_MUTED = '<div style="color:#6b7280;font-style:italic;padding:4px 0">{}</div>'


class OrderTicket:
    """An order form bound to one market of ``client``.

    Parameters
    ----------
    client
        A :class:`xtoolkit.Client`; its ``mode`` (and the venue's sandbox flag) decide what
        Confirm does. The ticket shows that decision as a LIVE / SANDBOX / DRY-RUN badge in
        the order layer's colours.
    market
        e.g. ``"upbit:BTC/KRW"``; a dashboard moves it with :meth:`set_market`.
    errors
        Where refusals and failures are shown (default: a box of its own, right under the
        Preview/Confirm buttons, speaking in the form's field names).

    Attributes
    ----------
    plan
        The previewed ``OrderPlan`` awaiting confirmation, else ``None``.
    result
        What the last ``submit`` returned.
    """

    def __init__(self, client: Any, *, market: str, errors: ErrorBox | None = None) -> None:
        self.client = client
        self.market = market
        # Right under the buttons, where the eye is after a click; in the form's words.
        self.errors = errors or ErrorBox(translate=user_terms)
        self.plan: Any = None
        self.result: Any = None
        self.submits = 0
        self._lock = threading.Lock()
        self.badge = ipw.HTML()
        self.title = ipw.HTML()
        self.side = ipw.ToggleButtons(
            options=[("Buy", "buy"), ("Sell", "sell")],
            value="buy",
            style={"button_width": "70px"},
        )
        self.qty = ipw.Text(
            description="Quantity", placeholder="base amount", style={"description_width": "80px"}
        )
        self.price = ipw.Text(
            description="Price", placeholder="blank = market order", style={"description_width": "80px"}
        )
        self.quote_qty = ipw.Text(
            description="Spend",
            placeholder="quote amount (market buy)",
            style={"description_width": "80px"},
        )
        self.preview_button = ipw.Button(
            description="Preview", tooltip="Preview", icon="search", layout=ipw.Layout(width="auto")
        )
        self.confirm_button = ipw.Button(
            description="Confirm",
            tooltip="Confirm",
            icon="check",
            button_style="danger",
            disabled=True,
            layout=ipw.Layout(width="auto", min_width="120px"),
        )
        self.preview_area = ipw.HTML(value=_MUTED.format("Fill in the order and press Preview."))
        self.result_area = ipw.HTML()
        for widget, name in (
            (self.side, "xt-side"),
            (self.qty, "xt-qty"),
            (self.price, "xt-price"),
            (self.quote_qty, "xt-quote-qty"),
            (self.preview_button, "xt-preview"),
            (self.confirm_button, "xt-confirm"),
            (self.result_area, "xt-result"),
        ):
            widget.add_class(name)  # stable hooks for styling and browser tests
        self.preview_button.on_click(self._on_preview)
        self.confirm_button.on_click(self._on_confirm)
        for field in (self.side, self.qty, self.price, self.quote_qty):
            field.observe(self._on_edit, names="value")
        self.widget = ipw.VBox(
            [
                self.badge,
                self.title,
                self.side,
                self.qty,
                self.price,
                self.quote_qty,
                ipw.HBox([self.preview_button, self.confirm_button]),
                self.errors.widget,
                self.preview_area,
                self.result_area,
            ],
            layout=ipw.Layout(min_width="360px"),
        )
        self._show_market()

    # --- state --------------------------------------------------------------------------------

    @property
    def mode(self) -> Mode:
        """What Confirm would do on this market's exchange (decided by the order layer)."""
        return mode_of(self.client, self.market.partition(":")[0])

    def set_market(self, market: str) -> None:
        """Trade ``market`` instead; any pending preview is discarded."""
        self.market = market
        self._invalidate("market changed — preview again")
        self._show_market()

    def _show_market(self) -> None:
        mode = self.mode
        self.badge.value = mode.html()
        self.title.value = (
            f'<div style="font-weight:600;font-size:15px">Order ticket · {escape(self.market)}</div>'
        )
        self.confirm_button.button_style = (
            "danger" if mode.label == "LIVE" else "warning" if mode.sends else ""
        )
        example = self.example_qty()
        base = self.market.partition(":")[2].split("/")[0]
        self.qty.placeholder = f"base amount, e.g. {example} {base}" if example else "base amount"

    def example_qty(self) -> str | None:
        """A quantity worth about 40 % of the per-order cap at the current price, on the step.

        The placeholder is what a newcomer types first; it must pass the default guards
        (a fixed ``0.001 BTC`` is about twice the default 50 USDT cap). ``None`` when the
        price, the rules or a cap in this market's quote cannot be read.
        """
        try:
            info = self.client.market_info(self.market)
            quote = info.symbol.quote
            caps = self.client.limits.max_order_notional
            cap = caps.get(quote)
            if cap is None:
                return None
            last = self.client.tickers(self.market)["last"].iloc[0]
            price = Decimal(repr(float(last)))
            if not price > 0:
                return None
            target = Decimal(cap) * Decimal("0.4")
            if info.min_notional and target < info.min_notional:
                target = (Decimal(info.min_notional) + Decimal(cap)) / 2
            qty = target / price
            # Two significant digits read as an example (0.00015, not 0.00015017).
            exp = qty.adjusted() - 1
            qty = qty.scaleb(-exp).to_integral_value(rounding=ROUND_DOWN).scaleb(exp)
            step = info.step_size or Decimal("0.00000001")
            qty = (qty / step).to_integral_value(rounding=ROUND_DOWN) * step
            if info.min_qty and qty < info.min_qty:
                return None
        except Exception as exc:  # a placeholder is a hint: never break the ticket over it
            log.debug("no example quantity for %s: %s: %s", self.market, type(exc).__name__, exc)
            return None
        return format(qty.normalize(), "f") if qty > 0 else None

    def _invalidate(self, why: str) -> None:
        if self.plan is not None:
            self.plan = None
            self.preview_area.value = _MUTED.format(why)
        self.confirm_button.disabled = True

    def _on_edit(self, _change: dict[str, Any]) -> None:
        self._invalidate("inputs changed — preview again")

    # --- preview / confirm --------------------------------------------------------------------

    def _inputs(self) -> dict[str, str | None]:
        def value(widget: Any) -> str | None:
            text = str(widget.value).strip().replace(",", "")
            return text or None

        return {"qty": value(self.qty), "price": value(self.price), "quote_qty": value(self.quote_qty)}

    def preview(self) -> Any:
        """Build and validate the plan for the inputs on screen; enables Confirm. Errors raise."""
        with self._lock:
            self._invalidate("previewing…")
            plan = self.client.order(self.market, self.side.value, **self._inputs())
            self.preview_area.value = _plan_html(plan)
            self.result_area.value = ""
            # The venue's test endpoint and every guard: a refusal raises here, so Confirm
            # never arms for an order that is already known to fail.
            plan.validate()
            self.preview_area.value = _plan_html(plan)  # now showing its validated state
            self.plan = plan
            self.confirm_button.disabled = False
            label = getattr(getattr(plan, "mode", None), "label", None) or self.mode.label
            self.confirm_button.description = f"Confirm {self.side.value} ({label})"
            self.errors.clear()
            return plan

    def confirm(self) -> Any:
        """Submit the previewed plan once (``plan.submit(confirm=True)``). Errors raise."""
        with self._lock:
            plan = self.plan
            if plan is None:
                raise InvalidArgument("nothing to confirm: preview the order first")
            # Disarm before sending: whatever happens next, this plan cannot be sent twice.
            self.plan = None
            self.confirm_button.disabled = True
            self.confirm_button.description = "Confirm"
            self.result = plan.submit(confirm=True)
            self.submits += 1
            self.result_area.value = _result_html(self.result)
            self.errors.clear()
            return self.result

    @guarded("previewing the order")
    def _on_preview(self, _button: Any = None) -> None:
        self.preview()

    @guarded("submitting the order")
    def _on_confirm(self, _button: Any = None) -> None:
        self.confirm()

    # --- text ---------------------------------------------------------------------------------

    def text(self) -> str:
        lines = [f"OrderTicket {self.market} {self.mode.text()}"]
        if self.plan is not None:
            lines.append("pending preview:\n" + repr(self.plan))
        if self.result is not None:
            lines.append("last result:\n" + repr(self.result))
        if self.errors.last_error is not None:
            lines.append(self.errors.text())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget, self.text(), include, exclude)

    def snapshot_html(self) -> str:
        """The ticket's last preview and result, for a saved notebook (no buttons: nothing to press)."""
        return snapshot_block(
            f"Order ticket · {self.market}",
            self.badge.value + self.preview_area.value + self.result_area.value + self.errors.widget.value,
        )

    def _ipython_display_(self) -> None:
        # A static snapshot first (what an HTML export keeps), then the live widget.
        show_panel(self, self.snapshot_html)


def _plan_html(plan: Any) -> str:
    html = getattr(plan, "_repr_html_", None)
    return html() if callable(html) else f"<pre>{escape(repr(plan))}</pre>"


def _result_html(result: Any) -> str:
    html = getattr(result, "_repr_html_", None)
    body = html() if callable(html) else f"<pre>{escape(repr(result))}</pre>"
    return f'<div style="border-left:4px solid #059669;padding-left:8px"><b>Result</b>{body}</div>'
