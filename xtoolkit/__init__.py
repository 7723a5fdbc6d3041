"""xtoolkit: Binance and Upbit behind one interface that hands back pandas DataFrames.

>>> import xtoolkit as xt
>>> xt.tickers(["binance:BTC/USDT", "upbit:BTC/KRW"])          # public data, no keys
>>> xt.premium("BTC")                                            # Upbit KRW vs Binance USDT
>>> with xt.sandbox(seed=7) as box:                              # a local Binance + Upbit
...     client = xt.Client(**box.connect_kwargs())
...     client.balances()
...     xt.premium(["BTC", "ETH"], client=client)

Every module-level verb — data (``tickers``, ``orderbook``, ``trades``, ``candles``,
``markets``) and research (``premium``, ``compare``, ``premium_history``, ``aggregated_book``,
``valued_balances``) — runs on a lazily created public client unless given ``client=``;
:func:`set_default_client` replaces it. Trading needs an explicit client with keys.

What is where: ``xt.research`` (awaitable twins ``apremium``..., pure frame maths, FX bases,
CSV/Parquet round trips), ``xt.errors`` (the whole exception tree), ``xt.charts`` (plotly)
and ``xt.widgets`` (ipywidgets) — the last two, the catalog and the research and stream
layers load on first use, not with the package.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from xtoolkit import errors
from xtoolkit._client import AsyncClient, Client
from xtoolkit._credentials import Credentials
from xtoolkit._default import default_client, set_default_client
from xtoolkit._errors import ExchangeError, GuardError, InvalidArgument, TransportError, XtoolkitError
from xtoolkit._frames import SCHEMAS
from xtoolkit._killswitch import engaged as killed
from xtoolkit._killswitch import kill, resume
from xtoolkit._models import Symbol
from xtoolkit._transport import Timeout
from xtoolkit._version import __version__ as __version__
from xtoolkit.exchanges import exchanges
from xtoolkit.orders.limits import Limits

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time these load on first use
    from xtoolkit import charts, research, widgets
    from xtoolkit.catalog import Catalog
    from xtoolkit.orders import OrderPlan
    from xtoolkit.research import (
        ExchangeManager,
        Recorder,
        aggregated_book,
        compare,
        executable_premium,
        premium,
        premium_curve,
        premium_decomposition,
        premium_history,
        premium_scan,
        premium_summary,
        routes,
        slippage,
        stablecoin_premium,
        valued_balances,
    )
    from xtoolkit.stream import LivePremium, MarketStream

__all__ = [
    "SCHEMAS",
    "AsyncClient",
    "Catalog",
    "Client",
    "Credentials",
    "ExchangeError",
    "ExchangeManager",
    "GuardError",
    "InvalidArgument",
    "Limits",
    "LivePremium",
    "MarketStream",
    "OrderPlan",
    "Recorder",
    "Symbol",
    "Timeout",
    "TransportError",
    "XtoolkitError",
    "aggregated_book",
    "candles",
    "charts",
    "compare",
    "default_client",
    "errors",
    "exchanges",
    "executable_premium",
    "kill",
    "killed",
    "markets",
    "orderbook",
    "premium",
    "premium_curve",
    "premium_decomposition",
    "premium_history",
    "premium_scan",
    "premium_summary",
    "research",
    "resume",
    "routes",
    "sandbox",
    "set_default_client",
    "slippage",
    "stablecoin_premium",
    "tickers",
    "trades",
    "valued_balances",
    "widgets",
]

R = TypeVar("R")


def _module_verb(method: Callable[..., R]) -> Callable[..., R]:
    @functools.wraps(method)
    def verb(*args: Any, **kwargs: Any) -> R:
        return getattr(default_client(), method.__name__)(*args, **kwargs)

    sig = inspect.signature(method)
    verb.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])  # type: ignore[attr-defined]
    return verb


tickers = _module_verb(Client.tickers)
orderbook = _module_verb(Client.orderbook)
trades = _module_verb(Client.trades)
candles = _module_verb(Client.candles)
markets = _module_verb(Client.markets)


def sandbox(*args: Any, **kwargs: Any) -> Any:
    """A local Binance + Upbit on 127.0.0.1 (see :class:`xtoolkit.sandbox.Sandbox`)."""
    from xtoolkit.sandbox import Sandbox

    return Sandbox(*args, **kwargs)


#: Names loaded on first use, and the module each comes from: the research and stream layers,
#: the order plans (desk, guards, journal), the catalog (pyarrow, DuckDB), charts (plotly) and
#: widgets (ipywidgets).
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "ExchangeManager",
            "Recorder",
            "aggregated_book",
            "compare",
            "executable_premium",
            "premium",
            "premium_curve",
            "premium_decomposition",
            "premium_history",
            "premium_scan",
            "premium_summary",
            "routes",
            "slippage",
            "stablecoin_premium",
            "valued_balances",
        ),
        "xtoolkit.research",
    ),
    "LivePremium": "xtoolkit.stream",
    "MarketStream": "xtoolkit.stream",
    "Catalog": "xtoolkit.catalog",
    "OrderPlan": "xtoolkit.orders.plan",
}
_SUBMODULES = ("charts", "research", "widgets")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"xtoolkit.{name}")
    where = _LAZY.get(name)
    if where is not None:
        value = getattr(importlib.import_module(where), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    if name in errors.__all__:
        # Every exception class, also as xt.<Name> (the families are in __all__; see xt.errors).
        return getattr(errors, name)
    raise AttributeError(f"module 'xtoolkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, "__version__"})


# Tracebacks and reprs name the public home (xtoolkit.RateLimited), not the private module.
for _name in (*__all__, *errors.__all__):
    if _name in _LAZY or _name in _SUBMODULES:
        continue
    _obj = globals().get(_name) or getattr(errors, _name)
    if getattr(_obj, "__module__", "").startswith("xtoolkit._"):
        with contextlib.suppress(AttributeError, TypeError):
            _obj.__module__ = "xtoolkit"
del _name, _obj
