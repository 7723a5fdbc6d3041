"""Guarded order helpers: preview -> validate -> submit once -> reconcile.

>>> plan = client.order("upbit:BTC/KRW", "buy", qty="0.0005", price="95000000")
>>> plan                          # what you typed, what will be sent, notional, fees, checks, mode
>>> plan.validate()               # the venue's test-order endpoint; nothing is placed
>>> plan.submit(confirm=True)     # at most once, ever, for this plan

Dry-run is the default; live trading needs ``mode="live"`` and ``XTOOLKIT_ALLOW_LIVE=1`` (a
sandbox venue needs only the first). Every intent is journaled and fsynced before it is sent;
an unknown outcome is resolved by client order id with ``client.reconcile()``.

Inside, one job per module; orders depend on the engine protocol (:mod:`xtoolkit._engine`),
never on the client module, and read each venue's ``OrderFacts`` (``exchanges/<venue>/facts.py``)
instead of its name::

    plan.py       OrderPlan (owns its state machine), Placement, Validation, Sent, OrderWork
    desk.py       OrderDesk: the OrderWork a plan is given (checks, the one send, lookups),
                  reconcile and cancel_all for one engine
    intent.py     the rounded order and its estimate      pricing.py  tick/step rounding, book walks
    guards.py     every check and its verdict               limits.py   Limits
    snapshot.py   the fresh facts the guards read           mode.py     dry-run / sandbox / live
    journal.py    the write-ahead intent journal            ids.py      client order ids
    reconcile.py  resolving an unknown outcome by client id display.py  text and HTML views
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from xtoolkit.orders.desk import OrderDesk
    from xtoolkit.orders.guards import Check
    from xtoolkit.orders.journal import Journal, default_path
    from xtoolkit.orders.limits import Limits
    from xtoolkit.orders.mode import ALLOW_LIVE_ENV, ModeDecision
    from xtoolkit.orders.plan import OrderPlan, Placement, Validation
    from xtoolkit.orders.pricing import FloatInputWarning

__all__ = [
    "ALLOW_LIVE_ENV",
    "Check",
    "FloatInputWarning",
    "Journal",
    "Limits",
    "ModeDecision",
    "OrderDesk",
    "OrderPlan",
    "Placement",
    "Validation",
    "default_path",
]

#: Where each public name lives. Loaded on first use: ``import xtoolkit`` needs only
#: ``limits`` and ``mode`` here, and the desk, plans and guards (~30 ms compiled from source)
#: wait for the first order verb.
_HOME: dict[str, str] = {
    "ALLOW_LIVE_ENV": "mode",
    "Check": "guards",
    "FloatInputWarning": "pricing",
    "Journal": "journal",
    "Limits": "limits",
    "ModeDecision": "mode",
    "OrderDesk": "desk",
    "OrderPlan": "plan",
    "Placement": "plan",
    "Validation": "plan",
    "default_path": "journal",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'xtoolkit.orders' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"xtoolkit.orders.{home}"), name)
    globals()[name] = value  # later lookups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
