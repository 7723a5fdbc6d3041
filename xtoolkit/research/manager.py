"""Pick one exchange and talk to it in short names: ``manager.use("upbit"); manager.orderbook("BTC")``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import frame
from xtoolkit.research._common import DEFAULT_QUOTES
from xtoolkit.research._verb import AnyClient, engine_of

__all__ = ["ExchangeManager"]

_BASE = re.compile(r"^[A-Za-z0-9.]+$")


class ExchangeManager:
    """The configured exchanges of one client, with one of them active.

    Switching (:meth:`use`) only changes which venue short names resolve to: no reconnect, the
    client's warm HTTP session, market caches and rate-limit budgets are shared by all venues.
    Data verbs return what the client returns — frames from a :class:`~xtoolkit.Client`,
    awaitables from an :class:`~xtoolkit.AsyncClient`.

    Short names, resolved on the active exchange:

    * ``"BTC"`` — a base asset: the venue's default quote (Binance ``BTC/USDT``, Upbit ``BTC/KRW``);
    * ``"BTC/KRW"`` — a unified symbol;
    * ``"KRW-BTC"`` — a native code with a dash (Upbit style).

    Qualified markets (``"binance:BTCUSDT"``, ``"upbit:BTC/KRW"``) pass through unchanged, so
    undashed native codes such as ``BTCUSDT`` need their exchange prefix.

    Parameters
    ----------
    client
        A :class:`~xtoolkit.Client` or :class:`~xtoolkit.AsyncClient`.
    active
        The venue to start with (default: the client's ``default_exchange``, else the first).
    quotes
        Override default quotes per venue, e.g. ``{"binance": "FDUSD"}``.
    """

    def __init__(
        self,
        client: AnyClient,
        *,
        active: str | None = None,
        quotes: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self._engine = engine_of(client)
        self._quotes = {**DEFAULT_QUOTES, **{k.lower(): v.upper() for k, v in (quotes or {}).items()}}
        first = active or self._engine.default_exchange or self._engine.exchanges[0]
        self._active = self._engine.venue(first).name

    # --- selection ------------------------------------------------------------------------

    @property
    def exchanges(self) -> list[str]:
        """The configured exchanges."""
        return self._engine.exchanges

    @property
    def active(self) -> str:
        """The exchange short names resolve to."""
        return self._active

    def use(self, exchange: str) -> ExchangeManager:
        """Make ``exchange`` active (instant; raises ``InvalidArgument`` if not configured)."""
        self._active = self._engine.venue(exchange).name
        return self

    def quote(self, exchange: str | None = None) -> str:
        """Default quote currency of ``exchange`` (default: the active one)."""
        name = self._engine.venue(exchange or self._active).name
        try:
            return self._quotes[name]
        except KeyError:
            raise InvalidArgument(f"no default quote for {name}; pass quotes={{{name!r}: 'USDT'}}") from None

    def market(self, name: str, exchange: str | None = None) -> str:
        """A short name as a qualified market on ``exchange`` (default: the active one).

        >>> manager.use("upbit").market("BTC")
        'upbit:BTC/KRW'
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgument(f"a market is text like 'BTC' or 'BTC/USDT', not {name!r}")
        text = name.strip()
        if ":" in text:
            return text
        venue = self._engine.venue(exchange or self._active).name
        if "/" in text or "-" in text:
            return f"{venue}:{text.upper()}"
        if not _BASE.match(text):
            raise InvalidArgument(f"cannot read {name!r} as a base asset, symbol or market")
        return f"{venue}:{text.upper()}/{self.quote(venue)}"

    def markets_of(self, names: str | Sequence[str], exchange: str | None = None) -> list[str]:
        """:meth:`market` for each name."""
        items = [names] if isinstance(names, str) else list(names)
        return [self.market(n, exchange) for n in items]

    def info(self) -> pd.DataFrame:
        """The configured exchanges: which is active, keyed or public, quote, host.

        Returns
        -------
        DataFrame
            One row per exchange: exchange, active, keyed (credentials configured), quote
            (default quote), base_url, sandbox. Its length is the count of exchanges.
        """
        venues = [self._engine.venue(n) for n in self.exchanges]
        return frame(
            "exchanges",
            {
                "exchange": [v.name for v in venues],
                "active": [v.name == self._active for v in venues],
                "keyed": [v.credentials is not None for v in venues],
                "quote": [self._quotes.get(v.name) for v in venues],
                "base_url": [str(v.base_url) for v in venues],
                "sandbox": [bool(v.sandbox) for v in venues],
            },
        )

    def __repr__(self) -> str:
        rows = ", ".join(
            f"{'*' if n == self._active else ''}{n}"
            f"({'keys' if self._engine.has_credentials(n) else 'public'})"
            for n in self.exchanges
        )
        return f"<ExchangeManager active={self._active} [{rows}]>"

    def _repr_html_(self) -> str:
        return self.info()._repr_html_()  # type: ignore[operator]

    # --- data verbs on the active exchange ------------------------------------------------

    def tickers(self, names: str | Sequence[str], *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.tickers`` for short names on the active exchange (one batched request)."""
        return self.client.tickers(self.markets_of(names, exchange), **kw)

    def orderbook(self, name: str, *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.orderbook`` of a short name on the active exchange."""
        return self.client.orderbook(self.market(name, exchange), **kw)

    def trades(self, name: str, *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.trades`` of a short name on the active exchange."""
        return self.client.trades(self.market(name, exchange), **kw)

    def candles(self, name: str, *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.candles`` of a short name on the active exchange."""
        return self.client.candles(self.market(name, exchange), **kw)

    def market_info(self, name: str, *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.market_info`` of a short name on the active exchange."""
        return self.client.market_info(self.market(name, exchange), **kw)

    def markets(self, *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.markets`` of the active exchange."""
        return self.client.markets(exchange or self._active, **kw)

    def balances(self, *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.balances`` of the active exchange (needs its keys)."""
        return self.client.balances(exchange or self._active, **kw)

    def open_orders(self, name: str | None = None, *, exchange: str | None = None, **kw: Any) -> Any:
        """``client.open_orders`` of a short name, or of the whole active exchange."""
        if name is None:
            return self.client.open_orders(exchange=exchange or self._active, **kw)
        return self.client.open_orders(self.market(name, exchange), **kw)
