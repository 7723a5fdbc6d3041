"""Exchange and market pickers.

The exchange picker is the manual venue selection of :class:`xtoolkit.research.ExchangeManager`
(``manager.use(name)``); the market picker offers only the bases both venues list, so every
choice has a premium, a comparison and a book on each side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from xtoolkit.widgets._ui import ErrorBox, guarded, ipw

__all__ = ["ExchangePicker", "MarketPicker", "common_bases"]

#: Bases put first in the market list (the rest follow alphabetically).
POPULAR: tuple[str, ...] = ("BTC", "ETH", "XRP", "SOL", "DOGE", "ADA")


def common_bases(
    markets: pd.DataFrame, quotes: dict[str, str], *, popular: Sequence[str] = POPULAR
) -> list[str]:
    """Bases listed (and not halted) on every venue of ``quotes`` against that venue's quote.

    Parameters
    ----------
    markets
        A ``client.markets()`` frame (exchange, base, quote, status, ...).
    quotes
        Venue -> quote currency, e.g. ``{"binance": "USDT", "upbit": "KRW"}``.
    popular
        Bases listed first when present; the rest follow alphabetically.
    """
    sets: list[set[str]] = []
    for exchange, quote in quotes.items():
        rows = markets[(markets["exchange"] == exchange) & (markets["quote"] == quote)]
        if "status" in rows.columns:
            # Binance says TRADING / BREAK / HALT; Upbit TRADING / CAUTION / WARNING.
            rows = rows[~rows["status"].astype(str).str.upper().isin(["BREAK", "HALT", "END_OF_DAY"])]
        sets.append(set(rows["base"].astype(str)))
    both = set.intersection(*sets) if sets else set()
    first = [b for b in popular if b in both]
    return first + sorted(both - set(first))


class ExchangePicker:
    """A dropdown selecting the active exchange through ``manager.use(name)``.

    Parameters
    ----------
    manager
        An :class:`xtoolkit.research.ExchangeManager` (or anything with ``use`` and
        ``active``).
    exchanges
        Choices (default: the client's configured exchanges).
    on_change
        Called with the new exchange name after ``manager.use`` succeeded.
    errors
        Where failures are shown.
    """

    def __init__(
        self,
        manager: Any,
        *,
        exchanges: Sequence[str],
        on_change: Callable[[str], Any] | None = None,
        errors: ErrorBox | None = None,
    ) -> None:
        self.manager = manager
        self.errors = errors or ErrorBox()
        self._on_change = on_change
        self._syncing = False
        self.dropdown = ipw.Dropdown(
            options=list(exchanges),
            value=str(manager.active) if str(manager.active) in exchanges else exchanges[0],
            description="Exchange",
            layout=ipw.Layout(width="210px"),
            style={"description_width": "initial"},
        )
        self.dropdown.observe(self._changed, names="value")
        self.widget = self.dropdown

    @property
    def value(self) -> str:
        return str(self.dropdown.value)

    @guarded("switching exchange")
    def _changed(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        try:
            self._apply(change["new"])
        except Exception:
            # Show the venue that is really active, not the one that failed to activate.
            self._set_dropdown(str(self.manager.active))
            raise

    def select(self, exchange: str) -> None:
        """Make ``exchange`` the active venue and move the dropdown to it (errors raise)."""
        self._apply(exchange)
        self._set_dropdown(exchange)

    def _apply(self, exchange: str) -> None:
        self.manager.use(exchange)
        self.errors.clear()
        if self._on_change is not None:
            self._on_change(exchange)

    def _set_dropdown(self, exchange: str) -> None:
        self._syncing = True
        try:
            self.dropdown.value = exchange
        finally:
            self._syncing = False

    def text(self) -> str:
        return f"exchange: {self.value} (active: {self.manager.active})"


class MarketPicker:
    """A dropdown of the bases every venue lists (BTC, ETH, ... first).

    Parameters
    ----------
    bases
        The choices, e.g. from :func:`common_bases`.
    value
        Initial base (default: the first).
    on_change
        Called with the new base.
    errors
        Where failures in ``on_change`` are shown.
    """

    def __init__(
        self,
        bases: Sequence[str],
        *,
        value: str | None = None,
        on_change: Callable[[str], Any] | None = None,
        errors: ErrorBox | None = None,
    ) -> None:
        if not bases:
            raise ValueError("no market is listed on both venues")
        self.errors = errors or ErrorBox()
        self._on_change = on_change
        self.dropdown = ipw.Dropdown(
            options=list(bases),
            value=value if value in bases else bases[0],
            description="Market",
            layout=ipw.Layout(width="180px"),
            style={"description_width": "initial"},
        )
        self.dropdown.observe(self._changed, names="value")
        self.widget = self.dropdown

    @property
    def value(self) -> str:
        return str(self.dropdown.value)

    @property
    def bases(self) -> list[str]:
        return [str(b) for b in self.dropdown.options]

    @guarded("switching market")
    def _changed(self, change: dict[str, Any]) -> None:
        if self._on_change is not None:
            self._on_change(change["new"])

    def text(self) -> str:
        return f"market: {self.value} ({len(self.bases)} bases listed on both venues)"
