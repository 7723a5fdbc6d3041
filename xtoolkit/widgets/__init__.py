"""ipywidgets panels for notebooks and Voila: live charts, pickers, balances, an order ticket.

>>> from xtoolkit.widgets import Dashboard
>>> dash = Dashboard(client)          # pickers, refresh, live spread + depth, balances, ticket
>>> dash                              # a widget in Jupyter/Voila, readable text elsewhere

Panels consume frames and call the verbs (``xt.premium``, ``xt.aggregated_book``,
``xt.valued_balances``...) with their ``client=``; they never decide the trading mode.
Modules: ``dashboard`` (everything on one screen), ``spread`` (live premium chart), ``book``
(depth), ``balances``, ``ticket`` (orders, guarded), ``pickers`` and ``refresh`` (controls),
``scanner`` (the premium scan at a size), ``live_exec`` (the net executable premium priced
live from the streams' local books; needs no ipywidgets itself), ``_live`` (in-place figure updates), ``_ui`` and
``_mode`` (shared pieces). Only this package imports ipywidgets; figures come from
:mod:`xtoolkit.charts`.

Every panel is also usable without a frontend: set ``.value`` on its controls, call
``.click()`` on its buttons or its ``refresh()``/``preview()``/``confirm()`` methods, and read
``.frame``/``.figure``/``.text()``. Callback errors land in a red box (and the
``xtoolkit.widgets`` logger), never in the void. Needs the notebook extra:
``pip install 'xtoolkit[notebook]'``.
"""

from __future__ import annotations

from xtoolkit.widgets._mode import Mode, mode_of
from xtoolkit.widgets._ui import ErrorBox
from xtoolkit.widgets.balances import BalancesPanel
from xtoolkit.widgets.book import BookPanel
from xtoolkit.widgets.dashboard import Dashboard
from xtoolkit.widgets.live_exec import LiveExecutable
from xtoolkit.widgets.pickers import ExchangePicker, MarketPicker, common_bases
from xtoolkit.widgets.refresh import RefreshControls
from xtoolkit.widgets.scanner import ScannerPanel
from xtoolkit.widgets.spread import SpreadPanel
from xtoolkit.widgets.ticket import OrderTicket

__all__ = [
    "BalancesPanel",
    "BookPanel",
    "Dashboard",
    "ErrorBox",
    "ExchangePicker",
    "LiveExecutable",
    "MarketPicker",
    "Mode",
    "OrderTicket",
    "RefreshControls",
    "ScannerPanel",
    "SpreadPanel",
    "common_bases",
    "mode_of",
]
