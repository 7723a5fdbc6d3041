"""The balances panel: every keyed venue's balances, valued in one currency."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd

from xtoolkit.widgets._ui import (
    ErrorBox,
    escape,
    frame_html,
    frame_text,
    guarded,
    ipw,
    now_utc,
    show_panel,
    snapshot_block,
    widget_bundle,
)

__all__ = ["BalancesPanel"]

COLUMNS = ["exchange", "asset", "free", "locked", "total", "price_n", "value_n", "note"]
FORMATS = {"value_n": ",.2f"}


class BalancesPanel:
    """Balances of every exchange with keys, valued in ``quote`` (``research.valued_balances``).

    Parameters
    ----------
    client
        A :class:`xtoolkit.Client` with keys for at least one venue.
    quote
        Valuation currency (``"KRW"`` or ``"USDT"``).
    errors
        Where failures are shown.

    Attributes
    ----------
    frame
        The latest ``valued_balances`` frame.
    total
        Sum of ``value_n`` over priced rows (in ``quote``).
    """

    def __init__(self, client: Any, *, quote: str = "KRW", errors: ErrorBox | None = None) -> None:
        self.client = client
        self.quote = quote
        self.errors = errors or ErrorBox()
        self.frame = pd.DataFrame()
        self.total = float("nan")
        self.updated: pd.Timestamp | None = None
        self._lock = threading.RLock()
        self.header = ipw.HTML(value=self._header_html())
        self.table = ipw.HTML()
        self.button = ipw.Button(
            description="Reload", tooltip="Reload balances", icon="refresh", layout=ipw.Layout(width="100px")
        )
        self.button.on_click(self._on_click)
        self.widget = ipw.VBox([ipw.HBox([self.header, self.button]), self.table])

    @guarded("loading balances")
    def _on_click(self, _button: Any = None) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Fetch and value the balances again."""
        from xtoolkit.research import valued_balances

        with self._lock:
            df = valued_balances(quote=self.quote, client=self.client)
            self.frame = df
            values = df["value_n"] if "value_n" in df.columns else pd.Series(dtype=float)
            self.total = float(values.sum(min_count=1)) if len(values) else 0.0
            self.updated = pd.Timestamp(now_utc())
            self.table.value = frame_html(df, columns=COLUMNS, formats=FORMATS, empty="no balances")
            self.header.value = self._header_html()
            self.errors.clear()

    def _summary(self) -> str:
        if self.updated is None:
            return f"balances in {self.quote}: not loaded"
        return f"balances ≈ {self.total:,.2f} {self.quote} (at {self.updated:%H:%M:%S} UTC)"

    def _header_html(self) -> str:
        return f'<div style="font-weight:600;padding-top:6px">{escape(self._summary())}</div>'

    def text(self) -> str:
        body = frame_text(self.frame, columns=COLUMNS) if self.updated is not None else ""
        return f"BalancesPanel: {self._summary()}" + (f"\n{body}" if body else "")

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget, self.text(), include, exclude)

    def snapshot_html(self) -> str:
        """The balances as they are now, for a saved notebook."""
        return snapshot_block("Balances panel", self.header.value + self.table.value)

    def _ipython_display_(self) -> None:
        # A static snapshot first (what an HTML export keeps), then the live widget.
        show_panel(self, self.snapshot_html)
