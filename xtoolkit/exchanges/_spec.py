"""The adapter contract: endpoint rows, calls, built requests, rate-limit facts.

Adapters are pure translators. They turn a :class:`Call` into a signed :class:`Request`, a
decoded payload into columns, and an error body into a typed exception. They never await.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from xtoolkit._credentials import Credentials
from xtoolkit._errors import XtoolkitError
from xtoolkit._models import MarketInfo, Symbol

__all__ = [
    "Adapter",
    "Call",
    "Columns",
    "Endpoint",
    "RateLimit",
    "Request",
    "Usage",
]

#: A frame under construction: column name -> values, all of equal length.
Columns = dict[str, list[Any]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One row of an adapter's endpoint table.

    ``write`` endpoints change account state and are never retried automatically;
    ``places`` endpoints create orders and are refused while the kill switch is on.
    ``weight`` is the static cost; ``weigh`` computes it from the params where the venue does.
    """

    name: str
    method: str
    path: str
    group: str
    weight: int = 1
    signed: bool = False
    write: bool = False
    places: bool = False
    weigh: Callable[[Mapping[str, Any]], int] | None = None

    def cost(self, params: Mapping[str, Any]) -> int:
        return self.weigh(params) if self.weigh else self.weight


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A budget: ``limit`` units per rolling ``window`` seconds for one limit group.

    ``isolated``: the venue keeps this group's budget apart from every other (Binance's
    ``/sapi`` endpoints, spec §10.1), so its 429 holds only this group, not the venue.
    """

    group: str
    limit: int
    window: float
    isolated: bool = False


@dataclass(frozen=True, slots=True)
class Usage:
    """What a response header said about a group: units used, or units remaining."""

    group: str
    used: int | None = None
    remaining: int | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """An operation to perform: which endpoint, with which parameters, in send order."""

    endpoint: str
    params: Mapping[str, Any] = field(default_factory=dict)
    path_args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Request:
    """A fully built request. ``query`` is the exact encoded string that goes on the wire."""

    exchange: str
    endpoint: Endpoint
    method: str
    path: str
    query: str
    body: bytes | None
    headers: Mapping[str, str]
    cost: int

    def __repr__(self) -> str:
        # Never show the query (signature) or headers (API key, bearer token).
        return f"Request({self.exchange} {self.method} {self.path})"


class Adapter(Protocol):
    """What the client needs from an exchange module."""

    name: str
    endpoints: Mapping[str, Endpoint]
    rate_limits: Mapping[str, RateLimit]
    default_base_url: str
    testnet_base_url: str | None
    needs_server_time: bool

    def build(self, call: Call, credentials: Credentials | None, *, now_ms: int, nonce: str) -> Request:
        """The wire request. ``nonce`` is fresh and unique for a signed endpoint, ``""`` for a
        public one (nothing public needs one)."""
        ...

    def usage(self, headers: Mapping[str, str], endpoint: Endpoint) -> list[Usage]:
        """The venue's usage report for an answer from ``endpoint``; ``headers`` is
        case-insensitive (aiohttp's ``CIMultiDictProxy``), so the few names needed are read
        directly, never scanned."""
        ...

    def error(
        self, status: int, payload: Any, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> XtoolkitError: ...

    def parse_native(self, native: str) -> Symbol | None: ...

    def native(self, symbol: Symbol) -> str: ...

    def parse_markets(self, payloads: list[Any]) -> list[MarketInfo]: ...
