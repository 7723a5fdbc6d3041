"""xtoolkit: Binance and Upbit behind one interface that hands back pandas DataFrames.

>>> import xtoolkit as xt
>>> xt.tickers(["binance:BTC/USDT", "upbit:BTC/KRW"])          # public data, no keys
>>> with xt.sandbox(seed=7) as box:                              # a local Binance + Upbit
...     client = xt.Client(**box.connect_kwargs())
...     client.balances()

The module-level verbs (``tickers``, ``orderbook``, ``trades``, ``candles``, ``markets``) use
a lazily created public client; :func:`set_default_client` replaces it. Trading needs an
explicit client with keys.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from xtoolkit._client import AsyncClient, Client
from xtoolkit._credentials import Credentials
from xtoolkit._default import default_client, set_default_client
from xtoolkit._errors import (
    AuthError,
    BadRequest,
    BadSymbol,
    CancelRejected,
    ClientClosed,
    ConfirmationRequired,
    DryRunBlocked,
    DuplicateOrder,
    ExchangeError,
    ExchangeUnavailable,
    GuardError,
    InsufficientFunds,
    InvalidArgument,
    InvalidOrder,
    InvalidTimestamp,
    IpBanned,
    KillSwitchOn,
    LimitExceeded,
    MalformedResponse,
    MinNotional,
    MissingCredentials,
    NetworkError,
    OrderNotFound,
    OrderRejected,
    OrderStatusUnknown,
    RateLimited,
    RequestTimeout,
    TransportError,
    UnknownMarket,
    XtoolkitError,
)
from xtoolkit._frames import SCHEMAS
from xtoolkit._killswitch import engaged as killed
from xtoolkit._killswitch import kill, resume
from xtoolkit._models import MarketInfo, MarketRef, Symbol
from xtoolkit._transport import Timeout
from xtoolkit.exchanges import exchanges
from xtoolkit.orders import Limits, OrderPlan
from xtoolkit.research import (
    ExchangeManager,
    Recorder,
    aggregated_book,
    best_venue,
    compare,
    depth_within,
    premium,
    premium_history,
    premium_summary,
    read_csv,
    read_parquet,
    slippage,
    to_csv,
    to_parquet,
    valued_balances,
)
from xtoolkit.stream import LivePremium, MarketStream, StreamBuffer

__version__ = "0.1.0"

__all__ = [
    "SCHEMAS",
    "AsyncClient",
    "AuthError",
    "BadRequest",
    "BadSymbol",
    "CancelRejected",
    "Catalog",
    "Client",
    "ClientClosed",
    "ConfirmationRequired",
    "Credentials",
    "DryRunBlocked",
    "DuplicateOrder",
    "ExchangeError",
    "ExchangeManager",
    "ExchangeUnavailable",
    "GuardError",
    "InsufficientFunds",
    "InvalidArgument",
    "InvalidOrder",
    "InvalidTimestamp",
    "IpBanned",
    "KillSwitchOn",
    "LimitExceeded",
    "Limits",
    "LivePremium",
    "MalformedResponse",
    "MarketInfo",
    "MarketRef",
    "MarketStream",
    "MinNotional",
    "MissingCredentials",
    "NetworkError",
    "OrderNotFound",
    "OrderPlan",
    "OrderRejected",
    "OrderStatusUnknown",
    "RateLimited",
    "Recorder",
    "RequestTimeout",
    "StreamBuffer",
    "Symbol",
    "Timeout",
    "TransportError",
    "UnknownMarket",
    "XtoolkitError",
    "aggregated_book",
    "best_venue",
    "candles",
    "charts",
    "compare",
    "default_client",
    "depth_within",
    "exchanges",
    "kill",
    "killed",
    "markets",
    "orderbook",
    "premium",
    "premium_history",
    "premium_summary",
    "read_csv",
    "read_parquet",
    "resume",
    "sandbox",
    "set_default_client",
    "slippage",
    "tickers",
    "to_csv",
    "to_parquet",
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


def __getattr__(name: str) -> Any:
    # Charts and widgets import plotly / ipywidgets: load them on first use, not with the package.
    if name in ("charts", "widgets"):
        import importlib

        return importlib.import_module(f"xtoolkit.{name}")
    if name == "Catalog":  # pyarrow (and DuckDB when queried) load on first use
        from xtoolkit.catalog import Catalog

        return Catalog
    raise AttributeError(f"module 'xtoolkit' has no attribute {name!r}")


for _name in __all__:
    if _name in ("charts", "widgets", "Catalog"):
        continue
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("xtoolkit._"):
        with contextlib.suppress(AttributeError, TypeError):
            _obj.__module__ = "xtoolkit"
del _name, _obj
