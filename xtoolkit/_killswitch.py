"""The process-wide kill switch, checked by the transport before every order placement.

It lives below every order path (helpers, widgets, raw calls), so no code can bypass it.
Cancels stay allowed while it is on: stopping trading must never stop you from flattening.
"""

from __future__ import annotations

import threading

__all__ = ["engaged", "kill", "resume"]

_ON = threading.Event()


def kill() -> None:
    """Refuse every order placement in this process until :func:`resume`."""
    _ON.set()


def resume() -> None:
    """Allow order placement again (an explicit act; nothing resumes by itself)."""
    _ON.clear()


def engaged() -> bool:
    """True while the kill switch is on."""
    return _ON.is_set()
