"""The depth panel: both venues' order books of one base, normalized to one quote.

The chart is a plain ``go.Figure`` shown in an ``ipywidgets.Output`` whose content is
replaced on each refresh. Only the spread panel uses a ``FigureWidget``: anywidget 0.11
gives each model 2 s to load its ESM and then drops every later update to that model, and
plotly's widget bundle (~4.5 MB, loaded once per FigureWidget) can miss that on a slow
machine when two of them load together.
"""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd

from xtoolkit import charts
from xtoolkit.widgets._ui import ErrorBox, frame_text, ipw, now_utc, show_panel, snapshot_block, widget_bundle

__all__ = ["BookPanel"]


class BookPanel:
    """Cumulative depth of Binance and Upbit for one base (``research.aggregated_book``).

    Parameters
    ----------
    client
        A :class:`xtoolkit.Client`.
    base
        The coin, e.g. ``"BTC"``.
    quote
        The currency both books are normalized to (``"USDT"`` or ``"KRW"``).
    depth
        Levels per side per venue (capped by each venue: Upbit sends at most 30).
    x
        ``"distance_pct"`` (default: both books around their own mid, directly comparable) or
        ``"price_n"`` (absolute prices in ``quote``: the books sit apart by the premium).
    log_y
        Logarithmic size axis (default): a deep and a thin book stay readable side by side.
    width, height
        Chart size in pixels (default: :data:`xtoolkit.charts.defaults`).
    errors
        Where failures are shown.

    Attributes
    ----------
    book
        The latest ``aggregated_book`` frame.
    figure
        The latest ``go.Figure`` drawn by :func:`xtoolkit.charts.depth`.
    """

    def __init__(
        self,
        client: Any,
        *,
        base: str = "BTC",
        quote: str = "USDT",
        depth: int = 100,
        x: str = "distance_pct",
        log_y: bool = True,
        width: int | None = None,
        height: int | None = None,
        errors: ErrorBox | None = None,
    ) -> None:
        self.client = client
        self.base = base.upper()
        self.quote = quote
        self.depth = depth
        self.x = x
        self.log_y = log_y
        self.size = {"width": width, "height": height}
        self.errors = errors or ErrorBox()
        self.book = pd.DataFrame()
        self.updated: pd.Timestamp | None = None
        self._lock = threading.RLock()
        self.output = ipw.Output(layout=ipw.Layout(width="100%"))
        self.widget = ipw.VBox([self.output], layout=ipw.Layout(width="100%"))
        empty = pd.DataFrame({x: [], "cum_notional_n": [], "exchange": [], "side": []})
        self.figure = charts.depth(empty, x=x, quote=quote, title=f"{self.base} depth", **self.size)
        # A text placeholder until the first refresh: no plotly rendering at page load.
        self.output.outputs = (
            {
                "output_type": "display_data",
                "data": {
                    "text/plain": "order books not loaded yet",
                    "text/html": '<div style="color:#6b7280;font-style:italic;padding:8px 0">'
                    "order books not loaded yet</div>",
                },
                "metadata": {},
            },
        )

    def set_base(self, base: str) -> None:
        """Show ``base`` instead (fetches its books)."""
        with self._lock:
            self.base = base.upper()
            self.refresh()

    def refresh(self) -> None:
        """Fetch both books again and redraw."""
        from xtoolkit.research import aggregated_book

        with self._lock:
            book = aggregated_book(self.base, quote=self.quote, depth=self.depth, client=self.client)
            self.book = book
            self.updated = pd.Timestamp(now_utc())
            title = f"{self.base} order-book depth, both venues in {self.quote}"
            self._show(
                charts.depth(book, x=self.x, quote=self.quote, log_y=self.log_y, title=title, **self.size)
            )

    def _show(self, fig: Any) -> None:
        self.figure = fig
        # One assignment replaces the output: atomic for the frontend and safe from the
        # auto-refresh thread (``with output:`` capture is not).
        self.output.outputs = (
            {"output_type": "display_data", "data": charts.mime_bundle(fig), "metadata": {}},
        )

    def text(self) -> str:
        """Best bid/ask per venue as plain text."""
        if self.book.empty:
            return f"BookPanel {self.base}/{self.quote}: (not loaded)"
        top = self.book[self.book["level"] == 0] if "level" in self.book.columns else self.book
        cols = ["exchange", "side", "price_n", "qty", "cum_notional_n"]
        return f"BookPanel {self.base} in {self.quote}\n" + frame_text(top, columns=cols)

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget, self.text(), include, exclude)

    def snapshot_html(self) -> str:
        """The depth chart as it is now, for a saved notebook."""
        body = (
            charts.snapshot_html(self.figure)
            if not self.book.empty
            else '<div style="color:#6b7280">order books not loaded yet</div>'
        )
        return snapshot_block("Depth panel", body)

    def _ipython_display_(self) -> None:
        # A static snapshot first (what an HTML export keeps), then the live widget.
        show_panel(self, self.snapshot_html)
