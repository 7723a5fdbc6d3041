"""A live plotly chart: a ``FigureWidget`` updated in place, rebuilt if its view stops answering.

plotly's browser view acknowledges every trace edit (``_js2py_traceDeltas``), which clears
``_trace_edit_in_process`` in the kernel. Under Voila we measured that roughly one page load
in eight leaves the view deaf: it renders, reports itself (``_view_count``), then ignores
every later edit without an error (anywidget 0.11 + plotly 7.1, 2-core machine). So after an
edit that a displayed view does not acknowledge within ``ack_timeout`` seconds, the chart is
rebuilt as a fresh widget from the current figure and swapped into the same container; a new
model created after page load starts reliably. Without a frontend (tests, scripts, nbclient)
there is no view and nothing is checked.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from xtoolkit import charts
from xtoolkit.widgets._ui import ipw, log

__all__ = ["LiveFigure"]


class LiveFigure:
    """One chart that panels update with :meth:`show`; display ``container``.

    Parameters
    ----------
    figure
        The first figure to show.
    classes
        CSS classes put on the chart widget (kept across rebuilds).
    ack_timeout
        Seconds a displayed view has to acknowledge an edit before the chart is rebuilt.
    max_rebuilds
        Rebuilds allowed over the chart's life (bounded: a frontend that never answers is
        not rebuilt forever).

    Attributes
    ----------
    widget
        The current ``go.FigureWidget`` (replaced by a rebuild).
    figure
        The last figure shown (a ``go.Figure``).
    rebuilds
        How many times the chart was rebuilt.
    """

    def __init__(
        self,
        figure: Any,
        *,
        classes: Sequence[str] = (),
        ack_timeout: float = 3.0,
        max_rebuilds: int = 3,
    ) -> None:
        self.figure = figure
        self.classes = tuple(classes)
        self.ack_timeout = ack_timeout
        self.max_rebuilds = max_rebuilds
        self.rebuilds = 0
        self._closed = False
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None
        self.widget = self._new_widget(figure)
        self.container = ipw.Box([self.widget], layout=ipw.Layout(width="100%"))

    def _new_widget(self, figure: Any) -> Any:
        widget = charts.figure_widget(figure)
        for name in self.classes:
            widget.add_class(name)
        return widget

    def add_class(self, name: str) -> None:
        """Put a CSS class on the chart (and on every rebuilt one)."""
        self.classes = (*self.classes, name)
        self.widget.add_class(name)

    def show(self, figure: Any) -> None:
        """Make the chart show ``figure``, in place (one batched message to the frontend)."""
        with self._lock:
            self.figure = figure
            charts.update_figure(self.widget, figure)
            if _displayed(self.widget) and getattr(self.widget, "_trace_edit_in_process", False):
                self._watch(self.widget, int(getattr(self.widget, "_last_trace_edit_id", 0)))

    def _watch(self, widget: Any, edit_id: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.ack_timeout, self._check, args=(widget, edit_id))
        self._timer.daemon = True
        self._timer.start()

    def _check(self, widget: Any, edit_id: int) -> None:
        with self._lock:
            stale = (
                not self._closed
                and widget is self.widget
                and getattr(widget, "_trace_edit_in_process", False)
                and getattr(widget, "_last_trace_edit_id", None) == edit_id
            )
            if stale and self.rebuilds < self.max_rebuilds:
                log.warning(
                    "chart view did not acknowledge edit %d in %.1f s: rebuilding it",
                    edit_id,
                    self.ack_timeout,
                )
                self.rebuild()

    def rebuild(self) -> None:
        """Replace the chart by a fresh widget showing the current figure."""
        with self._lock:
            old, self.widget = self.widget, self._new_widget(self.figure)
            self.rebuilds += 1
            self.container.children = (self.widget,)
            old.close()

    def close(self) -> None:
        """Stop watching and close the chart."""
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            self.widget.close()
            self.container.close()


def _displayed(widget: Any) -> bool:
    # plotly turns on ipywidgets' view counting (``_view_count = 0``); frontends update it.
    return bool(getattr(widget, "_view_count", 0))
