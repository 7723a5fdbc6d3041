"""The exchange registry: every supported venue, by name.

Adding an exchange is one module beside these plus one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges.binance import BinanceAdapter
from xtoolkit.exchanges.upbit import UpbitAdapter

__all__ = ["REGISTRY", "create_adapter", "exchanges"]

#: name -> adapter factory (keyword options, e.g. ``recv_window_ms`` for Binance).
REGISTRY: dict[str, Callable[..., Any]] = {
    "binance": BinanceAdapter,
    "upbit": UpbitAdapter,
}


def exchanges() -> list[str]:
    """Names of the supported exchanges."""
    return sorted(REGISTRY)


def create_adapter(name: str, **options: Any) -> Any:
    """Build the adapter for ``name``; unknown names are an :class:`InvalidArgument`."""
    try:
        factory = REGISTRY[name.lower()]
    except KeyError:
        raise InvalidArgument(f"unknown exchange {name!r}; supported: {', '.join(exchanges())}") from None
    return factory(**options)
