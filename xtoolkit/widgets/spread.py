"""The live spread panel: the kimchi premium of one base, as a table and a chart updated in place.

On load it backfills ``history`` candles with :func:`xtoolkit.research.premium_history`; every
refresh then appends one :func:`xtoolkit.research.premium` snapshot per FX basis, so the line
grows live. The chart is a ``go.FigureWidget`` updated with ``batch_update`` (one message per
refresh, same widget), never re-displayed.

The panel can also show the **net executable premium** at a size, both directions, as lines of
their own (:meth:`SpreadPanel.push_executable`, fed by
:class:`~xtoolkit.widgets.live_exec.LiveExecutable` from the streams' local books). The
``view`` toggle picks what is drawn: the mid (kimchi) premium, both, or the executable lines
only. Each executable line says what it is: the direction, ``net exec`` (after taker fees
and the transfer, when the route is known) or ``exec after fees`` (route unknown or closed:
the transfer is not priced), the size and the FX basis. A point whose books were not synced
or not deep enough for the size is a gap in its line, never a number; a stale one is marked.
"""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd

from xtoolkit import charts
from xtoolkit.widgets._live import LiveFigure
from xtoolkit.widgets._ui import (
    ErrorBox,
    escape,
    frame_html,
    frame_text,
    ipw,
    now_utc,
    show_panel,
    snapshot_block,
    widget_bundle,
)

__all__ = ["SpreadPanel", "executable_label", "executable_rows", "snapshot_rows"]

SNAPSHOT_COLUMNS = [
    "fx_source",
    "fx_rate",
    "upbit_mid",
    "binance_mid",
    "binance_mid_krw",
    "premium_pct",
    "skew_s",
    "stale",
    "error",
]
SNAPSHOT_FORMATS = {"fx_rate": ",.2f", "premium_pct": "+.3f", "skew_s": ".3f"}
#: The live executable rows shown under the chart while executable lines are drawn.
EXECUTABLE_COLUMNS = [
    "direction",
    "size",
    "size_in",
    "fx_basis",
    "filled",
    "premium_gross_exec_bps",
    "fees_exec_bps",
    "premium_after_fees_exec_bps",
    "transfer_bps",
    "premium_net_exec_bps",
    "route_status",
    "fee_source_binance",
    "fee_source_upbit",
    "binance_book_age_s",
    "upbit_book_age_s",
    "fx_book_age_s",
    "books_synced",
    "stale",
    "error",
]
EXECUTABLE_FORMATS = {
    "size": ",g",
    "premium_gross_exec_bps": "+.1f",
    "fees_exec_bps": ".1f",
    "premium_after_fees_exec_bps": "+.1f",
    "transfer_bps": ".1f",
    "premium_net_exec_bps": "+.1f",
    "binance_book_age_s": ".1f",
    "upbit_book_age_s": ".1f",
    "fx_book_age_s": ".1f",
}
#: The ``view`` toggle: (label, value).
VIEWS = (("mid premium", "mid"), ("mid + net executable", "both"), ("net executable", "executable"))
_DIRECTION_NAMES = {"binance_to_upbit": "Binance→Upbit", "upbit_to_binance": "Upbit→Binance"}


def executable_label(
    direction: str, route_status: str, size: float, size_in: str, base: str, fx_basis: str
) -> str:
    """The legend name of one live executable line, saying what its numbers are.

    ``"Binance→Upbit net exec · 0.5 BTC · fx upbit book"`` when the route is open (net of taker
    fees and the transfer); ``"... exec after fees (route unknown) ..."`` otherwise (the
    transfer is not priced, so the figure is net of trading fees only).
    """
    name = _DIRECTION_NAMES.get(direction, direction)
    measure = "net exec" if route_status == "open" else f"exec after fees (route {route_status})"
    unit = base if size_in == "base" else size_in
    fx = "fx upbit book" if str(fx_basis).startswith("upbit") else f"fx {fx_basis}"
    return f"{name} {measure} · {size:,g} {unit} · {fx}"


def executable_rows(snapshot: pd.DataFrame) -> pd.DataFrame:
    """Live executable rows (:class:`~xtoolkit.widgets.live_exec.LiveExecutable` snapshots) as
    chart points, one per row.

    Returns
    -------
    DataFrame
        ts (when computed), base, fx_source (the line's label, see :func:`executable_label`),
        direction, premium_pct (``premium_net_exec_pct`` with an open route, else
        ``premium_after_fees_exec_bps / 100``; NaN when a book was not synced or not deep
        enough), stale (drawn as a marked point).
    """
    labels: list[str] = []
    values: list[float] = []
    for row in snapshot.itertuples(index=False):
        status = str(row.route_status) if isinstance(row.route_status, str) else "unknown"
        labels.append(
            executable_label(row.direction, status, float(row.size), row.size_in, row.base, row.fx_basis)
        )
        value = row.premium_net_exec_pct if status == "open" else row.premium_after_fees_exec_bps / 100
        usable = bool(row.books_synced) and bool(row.filled)
        values.append(float(value) if usable else float("nan"))
    return pd.DataFrame(
        {
            "ts": pd.to_datetime(snapshot["computed_ts"], utc=True),
            "base": snapshot["base"].astype(object),
            "fx_source": pd.Series(labels, dtype=object, index=snapshot.index),
            "direction": snapshot["direction"].astype(object),
            "premium_pct": pd.Series(values, dtype="float64", index=snapshot.index),
            "stale": snapshot["stale"].astype(bool),
        }
    )


def snapshot_rows(snapshot: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """``premium()`` snapshot rows as ``premium_history``-shaped rows (one point per FX basis).

    Returns
    -------
    DataFrame
        ts (the later of the two venues' quote times, else ``when``), base, fx_source,
        upbit_close, binance_close, fx_rate, binance_close_krw, premium_pct, premium_bps,
        stale (the snapshot's staleness flag, drawn as a marked point).
    """
    quote_ts = snapshot[["upbit_ts", "binance_ts"]].max(axis=1)
    ts = quote_ts.fillna(when) if len(snapshot) else quote_ts
    return pd.DataFrame(
        {
            "ts": pd.to_datetime(ts, utc=True),
            "base": snapshot["base"],
            "fx_source": snapshot["fx_source"],
            "upbit_close": snapshot["upbit_mid"],
            "binance_close": snapshot["binance_mid"],
            "fx_rate": snapshot["fx_rate"],
            "binance_close_krw": snapshot["binance_mid_krw"],
            "premium_pct": snapshot["premium_pct"],
            "premium_bps": snapshot["premium_bps"],
            "stale": snapshot["stale"].astype(bool),
        }
    )


class SpreadPanel:
    """Kimchi premium of one base: latest snapshot table + a live chart.

    Parameters
    ----------
    client
        A :class:`xtoolkit.Client`.
    base
        The coin, e.g. ``"BTC"``.
    fx
        FX basis or bases, as the research verbs take them: ``"upbit"`` (Upbit's KRW-USDT
        market), a KRW-per-USDT number, or a list such as ``["upbit", 1385.0]`` for one line
        per basis.
    interval, history
        Candle interval and number of candles backfilled on load (``history=0``: no
        backfill, the chart starts with the first snapshot).
    max_rows
        Rows kept per FX basis (oldest dropped), so a long auto-refresh stays bounded.
    max_age
        Seconds after which a snapshot quote counts as stale (passed to ``premium``).
    width, height
        Chart size in pixels (default: :data:`xtoolkit.charts.defaults`).
    errors
        Where failures are shown (shared with a dashboard; default: a new box).

    Attributes
    ----------
    frame
        The plotted rows (``premium_history`` columns plus ``stale``).
    snapshot
        The latest ``premium()`` rows.
    chart
        The :class:`~xtoolkit.widgets._live.LiveFigure` holding the chart drawn by
        :func:`xtoolkit.charts.premium`; ``figure`` is its ``go.FigureWidget``.
    executable, exec_frame
        The latest live executable rows of :attr:`base` (:meth:`push_executable`) and the
        plotted executable points (:func:`executable_rows`).
    view
        What the chart draws: ``"mid"`` (the kimchi premium), ``"both"``, or
        ``"executable"`` (``panel.view.value = "both"``).
    """

    def __init__(
        self,
        client: Any,
        *,
        base: str = "BTC",
        fx: Any = "upbit",
        interval: str = "1m",
        history: int = 120,
        max_rows: int = 2000,
        max_age: float = 5.0,
        width: int | None = None,
        height: int | None = None,
        errors: ErrorBox | None = None,
    ) -> None:
        self.client = client
        self.base = base.upper()
        self.fx = fx
        self.interval = interval
        self.history = history
        self.max_rows = max_rows
        self.max_age = max_age
        self.size = {"width": width, "height": height}
        self.errors = errors or ErrorBox()
        self.frame = pd.DataFrame()
        self.snapshot = pd.DataFrame()
        self.executable = pd.DataFrame()
        self.exec_frame = pd.DataFrame()
        self.updated: pd.Timestamp | None = None
        self.refreshes = 0
        self._lock = threading.RLock()
        self._loaded_base: str | None = None
        empty = pd.DataFrame({"ts": pd.to_datetime([], utc=True), "premium_pct": [], "fx_source": []})
        self.chart = LiveFigure(charts.premium(empty, title=f"{self.base} kimchi premium", **self.size))
        self.status = ipw.HTML(value=self._status_html())
        self.table = ipw.HTML()
        self.exec_table = ipw.HTML()
        self.view = ipw.ToggleButtons(options=list(VIEWS), value="mid", layout=ipw.Layout(width="auto"))
        self.view.add_class("xt-spread-view")
        self.view.observe(self._view_changed, names="value")
        self.widget = ipw.VBox(
            [self.status, self.view, self.table, self.chart.container, self.exec_table],
            layout=ipw.Layout(width="100%"),
        )

    @property
    def figure(self) -> Any:
        """The live ``go.FigureWidget`` (updated in place; replaced only if its view died)."""
        return self.chart.widget

    # --- data ---------------------------------------------------------------------------------

    def set_base(self, base: str) -> None:
        """Show ``base`` instead (reloads its history and snapshot)."""
        with self._lock:
            self.base = base.upper()
            # Executable points of the old base are no longer this chart's.
            self.executable = pd.DataFrame()
            self.exec_frame = pd.DataFrame()
            self.load()

    def load(self) -> None:
        """Backfill the history of ``base`` and take a first snapshot."""
        from xtoolkit.research import premium_history

        with self._lock:
            if self.history > 0:
                hist = premium_history(
                    self.base, interval=self.interval, limit=self.history, fx=self.fx, client=self.client
                )
                hist = hist.assign(stale=False)
            else:
                hist = pd.DataFrame()
            self.frame = hist
            self._loaded_base = self.base
            self._snap()

    def refresh(self) -> None:
        """Append a snapshot (loading first if the base changed); redraws in place."""
        with self._lock:
            if self._loaded_base != self.base:
                self.load()
            else:
                self._snap()

    def _snap(self) -> None:
        from xtoolkit.research import premium

        self.push(premium([self.base], fx=self.fx, max_age=self.max_age, client=self.client))

    def push(self, snapshot: pd.DataFrame) -> None:
        """Append ``premium()``-shaped rows of :attr:`base` and redraw in place — the live hook:
        ``LivePremium(...).on_update(panel.push, min_interval=0.5)`` (rows of other bases are
        ignored)."""
        with self._lock:
            self._apply(snapshot[snapshot["base"] == self.base].reset_index(drop=True))

    def push_executable(self, snapshot: pd.DataFrame) -> None:
        """Append live executable rows of :attr:`base` and redraw — the hook of
        :class:`~xtoolkit.widgets.live_exec.LiveExecutable`:
        ``live.on_update(panel.push_executable)`` (rows of other bases are ignored). Drawn
        while ``view`` is ``"both"`` or ``"executable"``."""
        with self._lock:
            mine = snapshot[snapshot["base"] == self.base].reset_index(drop=True)
            if mine.empty:
                return
            rows = executable_rows(mine)
            frame = pd.concat([self.exec_frame, rows], ignore_index=True) if len(self.exec_frame) else rows
            frame = frame.groupby("fx_source", sort=False, group_keys=False).tail(self.max_rows)
            self.exec_frame = frame.reset_index(drop=True)
            self.executable = mine
            self.updated = pd.Timestamp(now_utc())
            self.refreshes += 1
            self._draw()
            self.errors.clear()

    def _view_changed(self, _change: dict[str, Any]) -> None:
        with self._lock:
            self._draw()

    def _apply(self, snap: pd.DataFrame) -> None:
        now = now_utc()
        rows = snapshot_rows(snap, pd.Timestamp(now))
        frame = pd.concat([self.frame, rows], ignore_index=True) if len(self.frame) else rows
        frame = frame.sort_values("ts", kind="stable")
        frame = frame.groupby("fx_source", sort=False, group_keys=False).tail(self.max_rows)
        self.frame = frame.reset_index(drop=True)
        self.snapshot = snap
        self.updated = pd.Timestamp(now)
        self.refreshes += 1
        self._draw()
        self.errors.clear()

    # --- view ---------------------------------------------------------------------------------

    def plotted(self) -> pd.DataFrame:
        """The rows the chart draws for the current ``view`` (mid rows, executable rows, or both)."""
        parts = []
        if self.view.value in ("mid", "both") and len(self.frame):
            parts.append(self.frame)
        if self.view.value in ("both", "executable") and len(self.exec_frame):
            parts.append(self.exec_frame)
        if not parts:
            empty = self.frame if self.view.value == "mid" else self.exec_frame
            return (
                empty
                if len(empty.columns)
                else pd.DataFrame({"ts": pd.to_datetime([], utc=True), "premium_pct": [], "fx_source": []})
            )
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def _title(self) -> str:
        if self.view.value == "mid":
            return f"{self.base} kimchi premium (Upbit vs Binance)"
        if self.view.value == "executable":
            return f"{self.base} executable premium (walked books, live)"
        return f"{self.base} kimchi premium (mid) and executable premium (walked books, live)"

    def _draw(self) -> None:
        fig = charts.premium(self.plotted(), title=self._title(), **self.size)
        self.chart.show(fig)
        self.table.value = frame_html(
            self.snapshot, columns=SNAPSHOT_COLUMNS, formats=SNAPSHOT_FORMATS, empty="no snapshot yet"
        )
        if self.view.value == "mid":
            self.exec_table.value = ""
        else:
            self.exec_table.value = frame_html(
                self.executable,
                columns=EXECUTABLE_COLUMNS,
                formats=EXECUTABLE_FORMATS,
                empty="no live executable premium yet (start a LiveExecutable and push_executable)",
            )
        self.status.value = self._status_html()

    def _status_text(self) -> str:
        when = self.updated.strftime("%H:%M:%S UTC") if self.updated is not None else "never"
        return f"{self.base} · updated {when} · {len(self.frame)} points · refresh #{self.refreshes}"

    def _status_html(self) -> str:
        return (
            f'<div class="xt-status" style="color:#374151;font-size:13px">{escape(self._status_text())}</div>'
        )

    def text(self) -> str:
        """The panel as plain text (for consoles and static renderers)."""
        lines = [
            f"SpreadPanel {self._status_text()}",
            frame_text(self.snapshot, columns=SNAPSHOT_COLUMNS, empty="(no snapshot yet)"),
        ]
        if len(self.executable):
            lines.append("live executable premium (walked books):")
            lines.append(frame_text(self.executable, columns=EXECUTABLE_COLUMNS))
        if self.errors.last_error is not None:
            lines.append(self.errors.text())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget, self.text(), include, exclude)

    def snapshot_body(self) -> str:
        """Status, table and chart as they are now, as static HTML (see :meth:`snapshot_html`)."""
        return (
            self._status_html()
            + self.table.value
            + charts.snapshot_html(self.chart.figure)
            + self.exec_table.value
        )

    def snapshot_html(self) -> str:
        """The panel as it is now, for a saved notebook (``nbconvert --to html`` keeps this)."""
        return snapshot_block("Kimchi premium panel", self.snapshot_body())

    def _ipython_display_(self) -> None:
        # A static snapshot first (what an HTML export keeps), then the live widget.
        show_panel(self, self.snapshot_html)
