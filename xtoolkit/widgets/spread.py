"""The live spread panel: the kimchi premium of one base, as a table and a chart updated in place.

On load it backfills ``history`` candles with :func:`xtoolkit.research.premium_history`; every
refresh then appends one :func:`xtoolkit.research.premium` snapshot per FX basis, so the line
grows live. The chart is a ``go.FigureWidget`` updated with ``batch_update`` (one message per
refresh, same widget), never re-displayed.
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

__all__ = ["SpreadPanel", "snapshot_rows"]

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
        self.updated: pd.Timestamp | None = None
        self.refreshes = 0
        self._lock = threading.RLock()
        self._loaded_base: str | None = None
        empty = pd.DataFrame({"ts": pd.to_datetime([], utc=True), "premium_pct": [], "fx_source": []})
        self.chart = LiveFigure(charts.premium(empty, title=f"{self.base} kimchi premium", **self.size))
        self.status = ipw.HTML(value=self._status_html())
        self.table = ipw.HTML()
        self.widget = ipw.VBox(
            [self.status, self.table, self.chart.container],
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

    def _draw(self) -> None:
        fig = charts.premium(self.frame, title=f"{self.base} kimchi premium (Upbit vs Binance)", **self.size)
        self.chart.show(fig)
        self.table.value = frame_html(
            self.snapshot, columns=SNAPSHOT_COLUMNS, formats=SNAPSHOT_FORMATS, empty="no snapshot yet"
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
        if self.errors.last_error is not None:
            lines.append(self.errors.text())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget, self.text(), include, exclude)

    def snapshot_body(self) -> str:
        """Status, table and chart as they are now, as static HTML (see :meth:`snapshot_html`)."""
        return self._status_html() + self.table.value + charts.snapshot_html(self.chart.figure)

    def snapshot_html(self) -> str:
        """The panel as it is now, for a saved notebook (``nbconvert --to html`` keeps this)."""
        return snapshot_block("Kimchi premium panel", self.snapshot_body())

    def _ipython_display_(self) -> None:
        # A static snapshot first (what an HTML export keeps), then the live widget.
        show_panel(self, self.snapshot_html)
