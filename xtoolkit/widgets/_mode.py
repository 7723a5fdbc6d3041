"""The trading-mode badge: what an order placed from a panel would really do.

Panels never decide the mode: the answer comes from :func:`xtoolkit.orders.mode.decide` (the
one place that decides) for the client's ``mode`` and the venue's ``sandbox`` flag, exactly
as ``plan.submit`` will see it. The badge only paints it, in the order layer's own colours
(``xtoolkit.orders.display.MODE_COLORS``), so the ticket and the plan preview never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xtoolkit.widgets._ui import escape

__all__ = ["Mode", "mode_of"]

_UNKNOWN = "#6e7781"


@dataclass(frozen=True, slots=True)
class Mode:
    """How an order from this client to one exchange is handled.

    Attributes
    ----------
    label
        ``"LIVE"`` (real orders, real money), ``"SANDBOX"`` (live on the local sandbox) or
        ``"DRY-RUN"`` (previewed and validated, never sent).
    sends
        Whether ``submit`` places the order.
    detail
        The reason, as the order layer words it.
    exchange
        The venue this applies to.
    """

    label: str
    sends: bool
    detail: str
    exchange: str

    @property
    def color(self) -> str:
        from xtoolkit.orders.display import MODE_COLORS

        return MODE_COLORS.get(self.label, _UNKNOWN)

    def html(self) -> str:
        return (
            f'<span class="xt-mode xt-mode-{escape(self.label.lower())}" '
            f'title="{escape(self.detail)}" style="background:{self.color};color:white;'
            "font-weight:700;letter-spacing:.06em;padding:3px 10px;border-radius:4px;"
            f'font-size:13px;white-space:nowrap">{escape(self.label)}</span>'
            f'<span style="color:#4b5563;font-size:12px;margin-left:8px">'
            f"{escape(self.exchange)}: {escape(self.detail)}</span>"
        )

    def text(self) -> str:
        return f"[{self.label}] {self.exchange}: {self.detail}"


def mode_of(client: Any, exchange: str) -> Mode:
    """The :class:`Mode` of ``client`` for orders on ``exchange``."""
    from xtoolkit.orders.mode import decide

    decision = decide(str(client.mode), sandbox=bool(client.venue(exchange).sandbox))
    return Mode(decision.label, decision.sends, decision.reason, exchange)
