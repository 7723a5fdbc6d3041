"""The dashboard: pickers, refresh controls, live spread + depth charts, balances, order ticket,
and the premium scanner with its size control.

One object wiring the panels together. Picking an exchange makes it the active venue
(``ExchangeManager.use``) and points the order ticket at it; picking a market reloads the
charts for that base on both venues; Refresh (or auto-refresh) updates the live chart in
place. Below it, tabs hold the order ticket, the balances, the depth chart and the scanner
(every shared coin by gross premium, the top few priced net at the size set in the tab).
"""

from __future__ import annotations

from typing import Any

from xtoolkit.widgets._mode import mode_of
from xtoolkit.widgets._ui import ErrorBox, escape, guarded, ipw, show_panel, snapshot_block, widget_bundle
from xtoolkit.widgets.balances import BalancesPanel
from xtoolkit.widgets.book import BookPanel
from xtoolkit.widgets.pickers import ExchangePicker, MarketPicker, common_bases
from xtoolkit.widgets.refresh import RefreshControls
from xtoolkit.widgets.scanner import ScannerPanel
from xtoolkit.widgets.spread import SpreadPanel
from xtoolkit.widgets.ticket import OrderTicket

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
        The scanner tab's initial size (default 1,000 USDT) and how many coins it prices net.
    load
        Fetch data right away (``False``: wait for the first Refresh).

    Attributes
    ----------
    manager, exchange, market, controls, spread, book, balances, ticket, scanner, tabs, errors
        The parts, usable programmatically (``dash.market.dropdown.value = "ETH"``,
        ``dash.controls.button.click()``, ``dash.spread.frame`` ...).
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
        self.spread.set_base(base)
        self.book.base = base.upper()
        if self.depth_visible:
            self.book.refresh()

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
        """Stop auto-refresh and close every widget (the client stays open)."""
        self.controls.close()
        self.spread.chart.close()
        _close_tree(self.widget)

    # --- text ---------------------------------------------------------------------------------

    def text(self) -> str:
        """The whole dashboard as plain text."""
        parts = [
            f"xtoolkit dashboard · {self.exchange.text()} · {self.market.text()}",
            self.spread.text(),
            self.book.text(),
        ]
        if self.balances is not None:
            parts.append(self.balances.text())
        parts.append(self.scanner.text())
        parts.append(self.ticket.text())
        if self.errors.last_error is not None:
            parts.append(self.errors.text())
        return "\n\n".join(parts)

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
