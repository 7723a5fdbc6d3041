"""The shape of a wire-table row: which public verbs to call, and the exact requests they must send.

A row says nothing about how the client is built inside. It names public verbs
(``AsyncClient``/``Client`` methods, and ``plan.<name>`` for the :class:`~xtoolkit.OrderPlan`
the last ``order`` step returned), the canned answers the fake venue gives, and the requests
the venue must receive:

* ``sent``: every request to these ``(method, path)`` routes, in the order sent per route, with
  the exact query pairs (decoded, in wire order) and JSON body fields (in body order);
* ``also``: the other routes the verbs may touch to do their job (market rules, the book and
  balances an order's guards read, Binance's server time). The routes touched besides
  ``sent``'s must be exactly these, so a new or missing call cannot slip through. Their
  requests still pass the venue's authentication checks; their parameters are pinned by the
  rows of their own verbs.

Values that cannot be fixed from outside (Binance ``timestamp`` and ``signature``, ids the
client generates, times counted from now) are :class:`Like` patterns; the test verifies them
in full (HMAC over the exact bytes sent, the spec's timing rule, the JWT's claims).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wire_server import Reply, Responder

__all__ = ["Like", "Multiple", "Req", "Row", "Step", "Value", "answer", "call", "plan"]


@dataclass(frozen=True, slots=True)
class Like:
    """A value that must match ``pattern`` in full (for values the client draws itself)."""

    pattern: str
    what: str

    def check(self, value: str) -> str | None:
        return None if re.fullmatch(self.pattern, value) else f"{value!r} is not {self.what}"

    def __repr__(self) -> str:
        return f"<{self.what}>"


@dataclass(frozen=True, slots=True)
class Multiple:
    """Epoch milliseconds on a grid (a candle window counted back from now)."""

    step_ms: int
    what: str

    def check(self, value: str) -> str | None:
        if not value.isdigit() or int(value) % self.step_ms:
            return f"{value!r} is not {self.what}"
        return None

    def __repr__(self) -> str:
        return f"<{self.what}>"


Value = str | Like | Multiple
Pairs = tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class Req:
    """One request as the venue must receive it. ``body=None``: no body at all."""

    method: str
    path: str
    query: Pairs = ()
    body: Pairs | None = None

    @property
    def route(self) -> tuple[str, str]:
        return (self.method, self.path)


@dataclass(frozen=True, slots=True)
class Step:
    """One public call. ``verb`` is a client method, or ``plan.<name>`` on the last plan.

    ``plan.<name>`` uses the blocking name (``submit``); async clients await ``a<name>``.
    ``raises`` names the ``xtoolkit`` error the call must raise.
    """

    verb: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    raises: str | None = None


def call(verb: str, *args: Any, raises: str | None = None, **kwargs: Any) -> Step:
    """A client verb call: ``call("orderbook", "binance:BTC/USDT", depth=500)``."""
    return Step(verb, args, kwargs, raises)


def plan(name: str, *, raises: str | None = None, **kwargs: Any) -> Step:
    """A call on the plan the last ``order`` step returned: ``plan("submit", confirm=True)``."""
    return Step(f"plan.{name}", (), kwargs, raises)


@dataclass(frozen=True, slots=True)
class Row:
    """One verb call (or a short scenario) and the exact wire it produces."""

    id: str
    steps: tuple[Step, ...]
    sent: tuple[Req, ...]
    #: Where the spec defines what ``sent`` must look like.
    spec: str
    also: frozenset[tuple[str, str]] = frozenset()
    #: Answers queued per route for this row (then the venue's defaults answer).
    replies: Mapping[tuple[str, str], tuple[Responder, ...]] = field(default_factory=dict)
    #: Client order mode; ``live`` rows run with ``XTOOLKIT_ALLOW_LIVE=1`` against the fake venue.
    mode: str = "dry_run"
    #: Set only when the client is known to differ from the spec: the row asserts the spec's
    #: form and is an ``xfail(strict=True)`` with this reason.
    deviation: str | None = None


def answer(body: Any, status: int = 200) -> Responder:
    """A responder that always gives ``body``."""
    return lambda _seen: Reply(status, body)
