"""Clients still open when the interpreter exits are closed then, quietly.

A script or notebook that never calls ``close()`` (the README's sandbox snippet, a
module-level ``client = xt.Client()``) used to end with aiohttp's "Unclosed client session"
warnings. Every client is tracked here (weakly: tracking never keeps one alive) and an
``atexit`` hook closes what is left, each step bounded in time.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import threading
import weakref
from typing import Any

__all__ = ["close_all", "track"]

log = logging.getLogger("xtoolkit")

#: Seconds one client may take to close its session at exit before it is abandoned.
CLOSE_TIMEOUT = 3.0

_clients: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()
_registered = False


def track(client: Any) -> None:
    """Remember ``client`` (a ``Client`` or an ``AsyncClient``) for closing at exit."""
    global _registered
    with _lock:
        _clients.add(client)
        if not _registered:
            atexit.register(close_all)
            _registered = True


def close_all() -> int:
    """Close every tracked client that is still open; returns how many were closed."""
    with _lock:
        clients = list(_clients)
    # Blocking clients first: closing one closes its engine on its own loop thread, the
    # clean way. What remains are AsyncClients whose loop may be gone (asyncio.run ended).
    blocking = [c for c in clients if hasattr(c, "_thread")]
    engines = [c for c in clients if not hasattr(c, "_thread")]
    closed = 0
    for client in blocking:
        closed += _close_blocking(client)
    for engine in engines:
        closed += _close_engine(engine)
    return closed


def _close_blocking(client: Any) -> int:
    thread = getattr(client, "_thread", None)
    if thread is None or thread.closed:
        return 0
    try:
        if not client.engine.closed:
            thread.run(client.engine.aclose(), timeout=CLOSE_TIMEOUT)
    except Exception as exc:  # at exit nothing is left to report to: log and go on
        log.debug("closing a client at exit: %s: %s", type(exc).__name__, exc)
    finally:
        thread.close(timeout=CLOSE_TIMEOUT)
    return 1


def _close_engine(engine: Any) -> int:
    transport = getattr(engine, "_transport", None)
    session = getattr(transport, "_session", None)
    if session is None or session.closed:
        return 0
    loop = getattr(session, "_loop", None)
    if loop is not None and not loop.is_closed() and not loop.is_running():
        # A notebook kernel's loop, stopped but intact: close the session the proper way.
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.wait_for(session.close(), CLOSE_TIMEOUT))
            return 1
    # The loop is gone (``asyncio.run`` ended): nothing can be awaited on it any more. Drop
    # the pooled sockets directly and mark the connector closed, which is what aiohttp's
    # finalizers check before warning "Unclosed client session" / "Unclosed connector".
    connector = session.connector
    if connector is None:
        return 0
    for protocols in list(getattr(connector, "_conns", {}).values()):
        for item in list(protocols):
            proto = item[0] if isinstance(item, tuple) else item
            sock = getattr(getattr(proto, "transport", None), "get_extra_info", lambda _n: None)("socket")
            with contextlib.suppress(Exception):
                if sock is not None:
                    sock.close()
    with contextlib.suppress(Exception):
        connector._closed = True
    # The client's own close now has nothing left to await (the session reads closed), so
    # it runs to completion on a throwaway loop and marks the client closed for later calls.
    with contextlib.suppress(Exception):
        asyncio.run(asyncio.wait_for(engine.aclose(), CLOSE_TIMEOUT))
    return 1
