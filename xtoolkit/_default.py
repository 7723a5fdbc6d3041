"""The shared public client behind the module-level verbs, created on first use.

``xt.tickers(...)``, ``xt.premium("BTC")`` and every other module-level verb (data and
research) run on this one :class:`~xtoolkit.Client` unless given ``client=``;
:func:`set_default_client` points them all at another (e.g. a sandbox's client).
"""

from __future__ import annotations

import atexit
import threading

from xtoolkit._client import Client

__all__ = ["default_client", "set_default_client"]

_default: Client | None = None
_lock = threading.Lock()


def default_client() -> Client:
    """The shared public client behind the module-level verbs (created on first use)."""
    global _default
    with _lock:
        if _default is None or _default.closed:
            _default = Client(use_env=False)
        return _default


def set_default_client(client: Client | None) -> None:
    """Use ``client`` for the module-level verbs; ``None`` goes back to a fresh public client."""
    global _default
    with _lock:
        old, _default = _default, client
    if old is not None and old is not client:
        old.close()


@atexit.register
def _close_default() -> None:
    if _default is not None:
        _default.close()
