"""Fault injection: scripted failures for the next requests, clock skew and latency.

Faults are queued per exchange and consumed strictly in request-arrival order (the server
takes one synchronously as a request arrives, before any await). All methods are thread-safe:
tests call them from their own thread while the server runs on its loop thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from xtoolkit.sandbox.ws_faults import StreamFaults

__all__ = ["FAULT_KINDS", "MAX_HOLD_SECONDS", "Fault", "FaultPlan"]

#: What a fault can do to a request.
FAULT_KINDS: frozenset[str] = frozenset(
    {"status", "delay", "timeout", "drop", "malformed", "lose_response", "shape", "late", "error"}
)
#: A "timeout" fault holds a request at most this long (and is released on stop()).
MAX_HOLD_SECONDS = 60.0
_EXCHANGES = ("binance", "upbit")


@dataclass(slots=True)
class Fault:
    """One queued fault; ``remaining`` counts the requests it still applies to."""

    exchange: str
    kind: str
    remaining: int
    endpoint: str | None = None
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None
    #: ``shape`` faults: the 2xx body sent instead of the real answer (valid JSON, wrong shape).
    body: str | None = None
    #: ``error`` faults: the venue error to answer (Binance code or table key, Upbit name).
    error: int | str | None = None

    def matches(self, exchange: str, path: str) -> bool:
        """Whether this fault applies to a request of ``exchange`` for ``path``."""
        return self.exchange == exchange and (self.endpoint is None or self.endpoint == path)

    @property
    def hold_seconds(self) -> float:
        """How long a ``timeout`` fault holds its request."""
        return min(self.delay if self.delay is not None else MAX_HOLD_SECONDS, MAX_HOLD_SECONDS)


def _check_exchange(exchange: str) -> str:
    name = exchange.lower()
    if name not in _EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; expected one of {_EXCHANGES}")
    return name


class FaultPlan:
    """Queued faults, clock skews and added latencies, per exchange."""

    def __init__(self, latency: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._skew: dict[str, int] = {}
        self._latency: dict[str, float] = {}
        self._base_latency = float(latency)
        #: Websocket faults (also reachable through the ``ws_*`` methods below).
        self.ws = StreamFaults()

    def next(
        self,
        exchange: str,
        *,
        endpoint: str | None = None,
        count: int = 1,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
        kind: str | None = None,
        body: str | None = None,
        error: int | str | None = None,
    ) -> Fault:
        """Fault the next ``count`` requests to ``exchange`` (only ``endpoint`` if given).

        ``kind`` defaults to ``"status"`` when ``status`` is given. ``status``: answer with that
        HTTP status (the venue's real body for 429/418, a generic one otherwise; ``retry_after``
        sets ``Retry-After``); ``delay``: wait ``delay`` s then answer normally; ``timeout``:
        never answer (held up to ``delay`` or 60 s, released on stop); ``drop``: close the
        connection without a response; ``malformed``: 200 with an invalid JSON body;
        ``lose_response``: process the request fully, then drop the connection; ``shape``:
        process the request fully, then answer 200 with ``body`` (default ``null``) instead;
        ``late``: hold the request ``delay`` s (the client times out), *then* process it and
        drop the connection — the venue applying an order after the client gave up;
        ``error``: answer the venue's own error body for ``error`` — a Binance code (``-1007``)
        or table key (``"TIMEOUT"``), an Upbit name (``"expired_access_key"``) — with its HTTP
        status (``status`` overrides), for errors a request cannot provoke on its own.
        """
        name = _check_exchange(exchange)
        if kind is None:
            if status is None:
                raise ValueError("give kind=..., or status=... for a status fault")
            kind = "status"
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if kind in ("status", "error") and status is not None and not 100 <= status <= 599:
            raise ValueError("HTTP status must be between 100 and 599")
        if kind == "status" and (status is None or not 100 <= status <= 599):
            raise ValueError("a status fault needs an HTTP status between 100 and 599")
        if kind in ("delay", "late") and (delay is None or delay < 0):
            raise ValueError(f"a {kind} fault needs delay >= 0 seconds")
        if kind == "shape" and body is None:
            body = "null"
        if kind == "error":
            from xtoolkit.sandbox.errors import fault_error

            fault_error(name, error, status)  # unknown errors fail here, not on the request
        if count < 1:
            raise ValueError("count must be >= 1")
        if endpoint is not None and not endpoint.startswith("/"):
            raise ValueError("endpoint is a path such as '/api/v3/order'")
        fault = Fault(name, kind, count, endpoint, status, retry_after, delay, body, error)
        with self._lock:
            self._queue.append(fault)
        return fault

    def take(self, exchange: str, path: str) -> Fault | None:
        """Consume one application of the oldest fault matching this request, if any."""
        with self._lock:
            for fault in self._queue:
                if fault.matches(exchange, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._queue.remove(fault)
                    return fault
        return None

    def pending(self, exchange: str | None = None) -> int:
        """Fault applications still queued (for one exchange or all)."""
        with self._lock:
            return sum(f.remaining for f in self._queue if exchange in (None, f.exchange))

    def clock_skew(self, exchange: str, ms: int) -> None:
        """Offset the venue's clock by ``ms`` (Binance serverTime and recvWindow checks)."""
        name = _check_exchange(exchange)
        with self._lock:
            self._skew[name] = int(ms)

    def skew(self, exchange: str) -> int:
        """The venue's clock offset in ms."""
        with self._lock:
            return self._skew.get(exchange, 0)

    def latency(self, exchange: str, seconds: float) -> None:
        """Add ``seconds`` to every response of the venue."""
        name = _check_exchange(exchange)
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            self._latency[name] = float(seconds)

    def latency_of(self, exchange: str) -> float:
        """Added latency of the venue (the sandbox-wide ``latency`` if not set per venue)."""
        with self._lock:
            return self._latency.get(exchange, self._base_latency)

    def clear(self) -> None:
        """Drop queued faults, skews, per-venue latencies and websocket faults."""
        with self._lock:
            self._queue.clear()
            self._skew.clear()
            self._latency.clear()
        self.ws.clear()

    # -- websocket streams (see xtoolkit.sandbox.ws_faults) -----------------------------------
    def ws_drop(self, exchange: str, *, refuse: int = 0) -> None:
        """Cut ``exchange``'s stream connections (no close frame); refuse the next ``refuse``
        handshakes with HTTP 503."""
        self.ws.drop(exchange, refuse=refuse)

    def ws_stall(self, exchange: str, seconds: float) -> None:
        """Silence ``exchange``'s stream connections (data, pings, pongs) for ``seconds``."""
        self.ws.stall(exchange, seconds)

    def ws_malformed(self, exchange: str, count: int = 1) -> None:
        """Send the next ``count`` stream data frames of ``exchange`` as invalid JSON."""
        self.ws.malformed(exchange, count)

    def ws_skip_depth(self, exchange: str = "binance", count: int = 1, *, symbol: str | None = None) -> None:
        """Withhold the next ``count`` book events (Binance diff depth: clients must resync)."""
        self.ws.skip_depth(exchange, count, symbol=symbol)
