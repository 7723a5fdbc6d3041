"""The scanner panel: every coin listed on both venues by gross premium, the top few at a size.

A size control (amount and unit) and a top-N control feed :func:`xtoolkit.research.premium_scan`:
one batched tickers request per venue for the gross premium of all shared coins, then books
for the ``top`` coins only, whose net executable premium at that size (both directions) joins
the table. Upbit's market warnings and cautions are columns.
"""

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

__all__ = ["ScannerPanel"]

COLUMNS = [
    "rank",
    "base",
    "premium_gross_mid_bps",
    "premium_net_exec_binance_to_upbit_bps",
    "premium_net_exec_upbit_to_binance_bps",
    "route_open_binance_to_upbit",
    "route_open_upbit_to_binance",
    "upbit_warning",
    "upbit_caution_any",
    "error",
]
FORMATS = {
    "premium_gross_mid_bps": "+.1f",
    "premium_net_exec_binance_to_upbit_bps": "+.1f",
    "premium_net_exec_upbit_to_binance_bps": "+.1f",
}
UNITS = ("USDT", "KRW", "base")


class ScannerPanel:
    """The premium scan with a size control (``research.premium_scan``).

    Parameters
    ----------
    client
        A :class:`xtoolkit.Client`. Without keys routes are unknown, so the net columns stay
        empty (the gross columns are always there).
    size, size_in
        The initial size of the executable premium (default 1,000 USDT).
    top
        How many coins get books and a net executable premium.
    rows
        Rows shown in the table (the frame holds every coin).
    errors
        Where failures are shown.

    Attributes
    ----------
    frame
        The latest ``premium_scan`` frame.
    size, size_in, top
        The controls (``panel.size.value = 5000``, then ``panel.refresh()``).
    """

    def __init__(
        self,
        client: Any,
        *,
        size: float = 1000.0,
        size_in: str = "USDT",
        top: int = 5,
        rows: int = 15,
        errors: ErrorBox | None = None,
    ) -> None:
        self.client = client
        self.rows = rows
        self.errors = errors or ErrorBox()
        self.frame = pd.DataFrame()
        self.updated: pd.Timestamp | None = None
        self._lock = threading.RLock()
        self.size = ipw.BoundedFloatText(
            value=size, min=1e-12, max=1e15, description="size", layout=ipw.Layout(width="180px")
        )
        self.size_in = ipw.Dropdown(options=list(UNITS), value=size_in, layout=ipw.Layout(width="90px"))
        self.top = ipw.BoundedIntText(
            value=top, min=0, max=50, description="top", layout=ipw.Layout(width="130px")
        )
        self.button = ipw.Button(
            description="Scan",
            tooltip="Scan every shared coin",
            icon="search",
            layout=ipw.Layout(width="100px"),
        )
        self.button.on_click(self._on_click)
        self.header = ipw.HTML(value=self._header_html())
        self.table = ipw.HTML()
        controls = ipw.HBox(
            [self.size, self.size_in, self.top, self.button],
            layout=ipw.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.widget = ipw.VBox([controls, self.header, self.table])

    @guarded("scanning the premium")
    def _on_click(self, _button: Any = None) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Scan again with the controls' size and top N. Errors raise."""
        from xtoolkit.research import premium_scan

        with self._lock:
            df = premium_scan(
                top=int(self.top.value),
                size=float(self.size.value),
                size_in=self.size_in.value,
                client=self.client,
            )
            self.frame = df
            self.updated = pd.Timestamp(now_utc())
            self.table.value = frame_html(
                df.head(self.rows), columns=COLUMNS, formats=FORMATS, empty="no coins"
            )
            self.header.value = self._header_html()
            self.errors.clear()

    def _summary(self) -> str:
        if self.updated is None:
            return "premium scan: not loaded"
        fetched = int(self.frame["books_fetched"].sum()) if "books_fetched" in self.frame.columns else 0
        return (
            f"premium scan of {len(self.frame)} coins (gross at mids); net executable at "
            f"{self.size.value:,g} {self.size_in.value} for the top {fetched} "
            f"(at {self.updated:%H:%M:%S} UTC)"
        )

    def _header_html(self) -> str:
        return f'<div style="font-weight:600;padding-top:6px">{escape(self._summary())}</div>'

    def text(self) -> str:
        body = frame_text(self.frame.head(self.rows), columns=COLUMNS) if self.updated is not None else ""
        return f"ScannerPanel: {self._summary()}" + (f"\n{body}" if body else "")

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget, self.text(), include, exclude)

    def snapshot_html(self) -> str:
        """The scan as it is now, for a saved notebook."""
        return snapshot_block("Scanner panel", self.header.value + self.table.value)

    def _ipython_display_(self) -> None:
        show_panel(self, self.snapshot_html)
