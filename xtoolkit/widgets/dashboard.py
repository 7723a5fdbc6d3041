"""The dashboard: pickers, refresh controls, live spread + depth charts, balances, order ticket,
and the premium scanner with its size control.

One object wiring the panels together. Picking an exchange makes it the active venue
(``ExchangeManager.use``) and points the order ticket at it; picking a market reloads the
charts for that base on both venues; Refresh (or auto-refresh) updates the live chart in
place. Below it, tabs hold the order ticket, the balances, the depth chart and the scanner
(every shared coin by gross premium, the top few priced net at the size set in the tab).

The "live net executable" toggle above the spread chart starts a
:class:`~xtoolkit.widgets.live_exec.LiveExecutable` for the picked base: the crossing at the
size of the dashboard's size control (the scanner's size and unit, shown next to the toggle
too), both directions, recomputed from the streams' depth-synced local books and drawn in
the spread panel as lines of their own. Changing the size re-prices at once; picking another
market restarts it for that base; switching the toggle off stops its streams.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xtoolkit.widgets._mode import mode_of
from xtoolkit.widgets._ui import ErrorBox, escape, guarded, ipw, show_panel, snapshot_block, widget_bundle
from xtoolkit.widgets.balances import BalancesPanel
from xtoolkit.widgets.book import BookPanel
from xtoolkit.widgets.pickers import ExchangePicker, MarketPicker, common_bases
from xtoolkit.widgets.refresh import RefreshControls
from xtoolkit.widgets.scanner import ScannerPanel
from xtoolkit.widgets.spread import SpreadPanel
from xtoolkit.widgets.ticket import OrderTicket

if TYPE_CHECKING:
    from xtoolkit.widgets.live_exec import LiveExecutable

__all__ = ["DEPTH_TAB", "SCANNER_TAB", "Dashboard"]

#: Title of the tab holding the depth chart. It is drawn only while shown: a plotly figure
#: rendered during page load competes with the live chart's widget bundle, and anywidget
#: drops a model that takes more than 2 s to start (see ``xtoolkit.widgets.book``).
DEPTH_TAB = "Depth"
#: Title of the scanner tab; like the depth chart it is fetched only while shown (a scan asks
#: for every shared coin's ticker, then for the top coins' books).
SCANNER_TAB = "Scanner"


class Dashboard:
    """Everything on one screen, for one client.

    Parameters
    ----------
    client
        A :class:`xtoolkit.Client` (sandbox or live); its ``mode`` governs the order ticket.
    base
        Initial market (a base listed on both venues).
    exchange
        Initial active exchange (default: the manager's).
    fx
        FX basis or bases of the premium chart (``["upbit", 1385.0]``: one line each).
    history
        1-minute candles backfilled in the spread chart.
    interval
        Initial auto-refresh interval in seconds.
    balances_quote
        Valuation currency of the balances panel.
    width
        Chart width in pixels (live charts do not follow their container's width).
    scan_size, scan_size_in, scan_top
        The dashboard's size control (default 1,000 USDT): the scanner prices its top
        ``scan_top`` coins at it, and the live net executable premium crosses that size.
    live_fx
        FX basis of the live executable premium (default ``"upbit"``: Upbit's ``USDT/KRW``
        book streamed and walked as the FX leg; a KRW-per-USDT number for a fixed rate).
    live_options
        Keyword arguments of :class:`~xtoolkit.widgets.live_exec.LiveExecutable` (``max_age``,
        ``min_interval``, ``depth``...) and ``stream_options`` for its ``start()``.
    load
        Fetch data right away (``False``: wait for the first Refresh).

    Attributes
    ----------
    manager, exchange, market, controls, spread, book, balances, ticket, scanner, tabs, errors
        The parts, usable programmatically (``dash.market.dropdown.value = "ETH"``,
        ``dash.controls.button.click()``, ``dash.spread.frame`` ...).
    live_toggle, live
        The "live net executable" toggle (``dash.live_toggle.value = True``) and the running
        :class:`~xtoolkit.widgets.live_exec.LiveExecutable` (None while off).
    """

    def __init__(
        self,
        client: Any,
        *,
        base: str = "BTC",
        exchange: str | None = None,
        fx: Any = "upbit",
        history: int = 120,
        interval: float = 5.0,
        balances_quote: str = "KRW",
        width: int = 1060,
        load: bool = True,
        scan_size: float = 1000.0,
        scan_size_in: str = "USDT",
        scan_top: int = 5,
        live_fx: Any = "upbit",
        live_options: dict[str, Any] | None = None,
    ) -> None:
        from xtoolkit.research import ExchangeManager

        self.client = client
        self.errors = ErrorBox()
        self.manager = ExchangeManager(client)
        info = self.manager.info()
        quotes = dict(zip(info["exchange"].astype(str), info["quote"].astype(str), strict=True))
        bases = common_bases(client.markets(), quotes)
        if exchange is not None:
            self.manager.use(exchange)
        self.exchange = ExchangePicker(
            self.manager, exchanges=list(quotes), on_change=self._exchange_changed, errors=self.errors
        )
        self.exchange.dropdown.add_class("xt-exchange-picker")
        self.market = MarketPicker(
            bases, value=base.upper(), on_change=self._market_changed, errors=self.errors
        )
        self.market.dropdown.add_class("xt-market-picker")
        self.controls = RefreshControls(self.refresh, interval=interval, errors=self.errors)
        self.controls.button.add_class("xt-refresh")
        self.spread = SpreadPanel(
            client, base=self.market.value, fx=fx, history=history, width=width, errors=self.errors
        )
        self.spread.chart.add_class("xt-spread-chart")
        self.book = BookPanel(client, base=self.market.value, quote="USDT", width=width, errors=self.errors)
        self.book.output.add_class("xt-depth-chart")
        keyed = [str(e) for e, k in zip(info["exchange"], info["keyed"], strict=True) if bool(k)]
        self.balances = BalancesPanel(client, quote=balances_quote, errors=self.errors) if keyed else None
        # The ticket keeps its own error box next to its form (see OrderTicket).
        self.ticket = OrderTicket(client, market=self._market_name())
        self.header = ipw.HTML()
        self._draw_header()
        pages = [("Order ticket", self.ticket.widget)]
        if self.balances is not None:
            pages.append(("Balances", self.balances.widget))
        pages.append((DEPTH_TAB, self.book.widget))
        self.scanner = ScannerPanel(
            client, size=scan_size, size_in=scan_size_in, top=scan_top, errors=self.errors
        )
        self.scanner.widget.add_class("xt-scanner")
        pages.append((SCANNER_TAB, self.scanner.widget))
        self.live: LiveExecutable | None = None
        self.live_fx = live_fx
        self.live_options = dict(live_options or {})
        self.live_toggle = ipw.ToggleButton(
            value=False,
            description="live net executable",
            tooltip="Cross the size below, both directions, from the streams' local books",
            icon="bolt",
            layout=ipw.Layout(width="190px"),
        )
        self.live_toggle.add_class("xt-live-exec")
        self.live_toggle.observe(self._live_toggled, names="value")
        # The one size control: the scanner's widgets, shown here too (two views, one model).
        self.scanner.size.observe(self._size_changed, names="value")
        self.scanner.size_in.observe(self._size_changed, names="value")
        live_row = ipw.HBox(
            [self.live_toggle, self.scanner.size, self.scanner.size_in],
            layout=ipw.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.tabs = ipw.Tab(children=[w for _, w in pages], titles=[t for t, _ in pages])
        self.tabs.add_class("xt-tabs")
        self.tabs.observe(self._tab_changed, names="selected_index")
        self.widget = ipw.VBox(
            [
                self.header,
                ipw.HBox(
                    [self.exchange.widget, self.market.widget, self.controls.widget],
                    layout=ipw.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.errors.widget,
                live_row,
                self.spread.widget,
                self.tabs,
            ],
            layout=ipw.Layout(width="100%", max_width=f"{width + 40}px", padding="8px 12px"),
        )
        self.widget.add_class("xt-dashboard")
        if load:
            self._load_all()

    # --- wiring -------------------------------------------------------------------------------

    def _market_name(self) -> str:
        return str(self.manager.market(self.market.value))

    def _draw_header(self) -> None:
        active = str(self.manager.active)
        mode = mode_of(self.client, active)
        self.header.value = (
            '<div class="xt-header" style="display:flex;align-items:center;gap:12px;'
            'padding:6px 0 10px 0;border-bottom:1px solid #e5e7eb;margin-bottom:8px">'
            '<span style="font-size:20px;font-weight:700;color:#111827">xtoolkit</span>'
            '<span style="font-size:14px;color:#4b5563">kimchi premium · Upbit vs Binance · '
            f"active: <b>{escape(active)}</b></span>{mode.html()}</div>"
        )

    def _exchange_changed(self, _exchange: str) -> None:
        self.ticket.set_market(self._market_name())
        self._draw_header()

    def _market_changed(self, base: str) -> None:
        self.ticket.set_market(self._market_name())
        running = self.live is not None
        if running:
            self.stop_live()
        self.spread.set_base(base)
        if running:
            self.start_live()
        self.book.base = base.upper()
        if self.depth_visible:
            self.book.refresh()

    # --- the live executable premium -------------------------------------------------------------

    def start_live(self) -> LiveExecutable:
        """Start the live net executable premium of the picked base at the size control's size
        (stopping one already running); the spread panel then draws it (``view="both"``)."""
        from xtoolkit.widgets.live_exec import LiveExecutable

        self.stop_live()
        options = dict(self.live_options)
        stream_options = options.pop("stream_options", {})
        live = LiveExecutable(
            self.market.value,
            float(self.scanner.size.value),
            size_in=self.scanner.size_in.value,
            fx=self.live_fx,
            **options,
        )
        live.on_update(self.spread.push_executable)
        live.start(self.client, **stream_options)
        self.live = live
        if self.spread.view.value == "mid":
            self.spread.view.value = "both"
        if not self.live_toggle.value:
            self.live_toggle.value = True
        return live

    def stop_live(self) -> None:
        """Stop the live executable premium (its streams close; the drawn points stay)."""
        live, self.live = self.live, None
        if live is not None:
            live.stop()
        if self.live_toggle.value:
            self.live_toggle.value = False

    @guarded("switching the live executable premium")
    def _live_toggled(self, change: dict[str, Any]) -> None:
        if change["new"] and self.live is None:
            try:
                self.start_live()
            except Exception:
                self.live_toggle.value = False
                raise
        elif not change["new"] and self.live is not None:
            self.stop_live()

    @guarded("changing the size")
    def _size_changed(self, _change: dict[str, Any]) -> None:
        if self.live is not None:
            self.live.set_size(float(self.scanner.size.value), self.scanner.size_in.value)

    @property
    def depth_visible(self) -> bool:
        """Whether the depth tab is the one shown (it is only fetched and drawn then)."""
        index = self.tabs.selected_index
        return index is not None and self.tabs.titles[index] == DEPTH_TAB

    @property
    def scanner_visible(self) -> bool:
        """Whether the scanner tab is the one shown (it is only fetched then)."""
        index = self.tabs.selected_index
        return index is not None and self.tabs.titles[index] == SCANNER_TAB

    @guarded("loading the tab")
    def _tab_changed(self, _change: dict[str, Any]) -> None:
        if self.depth_visible:
            self.book.refresh()
        if self.scanner_visible and self.scanner.updated is None:
            self.scanner.refresh()

    @guarded("loading the dashboard")
    def _load_all(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Refresh every visible panel (spread snapshot, balances, depth, scanner). Errors raise."""
        self.spread.refresh()
        if self.balances is not None:
            self.balances.refresh()
        if self.depth_visible:
            self.book.refresh()
        if self.scanner_visible:
            self.scanner.refresh()

    def close(self) -> None:
        """Stop auto-refresh and the live executable premium, and close every widget (the
        client stays open)."""
        self.controls.close()
        self.stop_live()
        self.spread.chart.close()
        _close_tree(self.widget)

    # --- text ---------------------------------------------------------------------------------

    def text(self) -> str:
        """The whole dashboard as plain text."""
        parts = [
            f"xtoolkit dashboard · {self.exchange.text()} · {self.market.text()}",
            self.spread.text(),
            self._live_text(),
            self.book.text(),
        ]
        if self.balances is not None:
            parts.append(self.balances.text())
        parts.append(self.scanner.text())
        parts.append(self.ticket.text())
        if self.errors.last_error is not None:
            parts.append(self.errors.text())
        return "\n\n".join(parts)

    def _live_text(self) -> str:
        live = self.live
        if live is None:
            return "live net executable: off"
        return (
            f"live net executable: {', '.join(live.bases)} at {live.size:,f} {live.size_in} "
            f"(fx {', '.join(b.label for b in live.fx)}), {live.updates} updates"
        )

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget, self.text(), include, exclude)

    def snapshot_html(self) -> str:
        """Header, errors and the live spread panel as they are now, for a saved notebook."""
        body = self.header.value + self.errors.widget.value + self.spread.snapshot_body()
        return snapshot_block("Dashboard", body)

    def _ipython_display_(self) -> None:
        # A static snapshot first (what an HTML export keeps), then the live widget.
        show_panel(self, self.snapshot_html)


def _close_tree(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
