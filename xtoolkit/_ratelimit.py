"""Process-wide rate limiting per venue host and limit group, corrected by response headers.

A :class:`Gate` exists once per (exchange, host) in the whole process, so re-running the
notebook cell that builds a client cannot reset the budget. Each limit group is a rolling
window of costs: a burst that fits the venue's budget passes with no delay at all; only a
request that would exceed it waits — exactly until enough of the window has rolled off.
A 429 pauses the venue until its ``Retry-After`` (only its own group where the venue keeps that
budget apart: ``RateLimit.isolated``); a 418 opens a breaker: until the ban ends
no request for that venue leaves the process.

State is guarded by a ``threading.Lock`` (clients on different event loops share a gate) and
waiting happens with ``asyncio.sleep`` on the caller's loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from yarl import URL

from xtoolkit._errors import IpBanned, RateLimited
from xtoolkit.exchanges._spec import RateLimit, Usage

__all__ = ["MAX_BAN", "MAX_PAUSE", "Gate", "gate_for", "reset_gates", "route_key"]

#: Longest 429 pause honoured (seconds).
MAX_PAUSE = 3600.0
#: Longest 418 ban honoured (seconds): Binance documents bans "from 2 minutes to 3 days".
MAX_BAN = 3 * 86400.0


@dataclass(slots=True)
class _Window:
    limit: int
    window: float
    events: deque[tuple[float, int]] = field(default_factory=deque)
    total: int = 0

    def _roll(self, now: float) -> None:
        edge = now - self.window
        while self.events and self.events[0][0] <= edge:
            self.total -= self.events.popleft()[1]

    def wait_for(self, cost: int, now: float) -> float:
        """Seconds until ``cost`` fits; 0.0 means it fits now."""
        self._roll(now)
        if self.total + cost <= self.limit or not self.events:
            return 0.0
        # Walk the oldest entries until enough would have rolled off.
        freed, need = 0, self.total + cost - self.limit
        for t, c in self.events:
            freed += c
            if freed >= need:
                return max(0.0, t + self.window - now)
        return self.window

    def take(self, cost: int, now: float) -> None:
        self.events.append((now, cost))
        self.total += cost

    def correct(self, used: int, now: float) -> None:
        """The venue says ``used`` units are spent in its window: never believe less than that."""
        self._roll(now)
        if used > self.total:
            self.take(used - self.total, now)


class Gate:
    """Rate state for one venue host: windows per group, a 429 pause, a 418 ban."""

    def __init__(self, exchange: str, limits: Mapping[str, RateLimit]) -> None:
        self.exchange = exchange
        self._lock = threading.Lock()
        self._windows = {g: _Window(rl.limit, rl.window) for g, rl in limits.items()}
        self._isolated = frozenset(g for g, rl in limits.items() if rl.isolated)
        self.paused_until = 0.0
        #: 429 pauses of isolated groups (epoch seconds), which hold nothing else.
        self.group_paused_until: dict[str, float] = {}
        self.banned_until = 0.0
        self.waited = 0.0  # total seconds spent waiting for budget (observability)

    def check_ban(self) -> None:
        """Raise :class:`IpBanned` while a ban is in force — nothing may be sent."""
        now = time.time()
        if self.banned_until > now:
            raise IpBanned(
                f"{self.exchange} banned this IP until "
                f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(self.banned_until))}; "
                "no request is sent before then",
                exchange=self.exchange,
                until=self.banned_until,
            )

    def _delay(self, group: str, cost: int, now: float, enforce: bool) -> float:
        pause = max(0.0, self.paused_until - now)
        if self.group_paused_until:
            pause = max(pause, self.group_paused_until.get(group, 0.0) - now)
        w = self._windows.get(group)
        if w is None or not enforce:
            return pause
        return max(pause, w.wait_for(cost, now))

    async def acquire(self, group: str, cost: int, *, max_wait: float, enforce: bool = True) -> None:
        """Wait until ``cost`` units of ``group`` fit, then spend them.

        With ``enforce=False`` the budget is only counted, never waited for; a 429 pause and
        a 418 ban hold regardless. Raises :class:`RateLimited` instead of waiting longer than
        ``max_wait`` seconds, and :class:`IpBanned` during a ban.
        """
        while True:
            self.check_ban()
            with self._lock:
                now = time.time()
                delay = self._delay(group, cost, now, enforce)
                if delay <= 0:
                    w = self._windows.get(group)
                    if w is not None:
                        w.take(cost, now)
                    return
            if delay > max_wait:
                raise RateLimited(
                    f"{self.exchange} {group} budget needs {delay:.1f} s more (max_wait={max_wait:g} s)",
                    exchange=self.exchange,
                    retry_after=delay,
                )
            self.waited += delay
            await asyncio.sleep(delay)

    def observe(self, usage: Iterable[Usage]) -> None:
        """Correct the windows from what the venue reported in its headers."""
        with self._lock:
            now = time.time()
            for u in usage:
                w = self._windows.get(u.group)
                if w is None:
                    continue
                if u.used is not None:
                    w.correct(u.used, now)
                elif u.remaining is not None:
                    w.correct(max(0, w.limit - u.remaining), now)

    def pause(self, seconds: float | None, group: str | None = None) -> None:
        """A 429 answered to a request of ``group``: hold every request to this venue for
        ``seconds`` (1 s when not told) — or only that group's, when its budget is isolated.

        Non-finite or non-positive values count as "not told"; at most :data:`MAX_PAUSE`.
        """
        if seconds is None or not math.isfinite(seconds) or seconds <= 0:
            seconds = 1.0
        seconds = min(seconds, MAX_PAUSE)
        with self._lock:
            until = time.time() + seconds
            if group in self._isolated:
                self.group_paused_until[group] = max(self.group_paused_until.get(group, 0.0), until)
            else:
                self.paused_until = max(self.paused_until, until)

    def ban(self, until: float | None) -> None:
        """A 418: open the breaker until ``until`` (epoch seconds; 2 minutes when not told).

        A non-finite end counts as "not told"; a ban ends at most :data:`MAX_BAN` from now
        (Binance's longest documented ban is 3 days), so a hostile answer cannot close a venue
        for good.
        """
        now = time.time()
        if until is None or not math.isfinite(until) or until <= now:
            until = now + 120.0
        until = min(until, now + MAX_BAN)
        with self._lock:
            self.banned_until = max(self.banned_until, until)

    def used(self, group: str) -> int:
        with self._lock:
            w = self._windows.get(group)
            if w is None:
                return 0
            w._roll(time.time())
            return w.total


_GATES: dict[tuple[str, str], Gate] = {}
_GATES_LOCK = threading.Lock()


def route_key(origin: str) -> str:
    """Which budget and ban a host root shares: the venue bans an IP, not a host name.

    * A real venue's alias hosts (``api.binance.com``, ``api1.binance.com`` …) reach the same
      venue from the same IP: they share one key, their registrable domain.
    * Loopback in any spelling (``localhost``, ``127.0.0.1``, ``[::1]``, ``127.0.0.2``) is one
      address; the port still tells two local servers (two sandboxes) apart.
    * An IP literal is keyed by its normalised address and port.
    * Any other name keys by itself: resolving it here would block a constructor on DNS.
    """
    url = URL(origin)
    host = (url.host or "").lower().rstrip(".").strip("[]")
    port = url.port
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return f"loopback:{port}" if ip.is_loopback else f"{ip}:{port}"
    if host == "localhost" or host.endswith(".localhost"):
        return f"loopback:{port}"
    labels = host.split(".")
    if len(labels) >= 2 and labels[-2] in _VENUE_DOMAINS:
        return ".".join(labels[-2:])
    return f"{host}:{port}"


#: Second-level names of the venues' own domains (binance.com, binance.vision, upbit.com).
_VENUE_DOMAINS = frozenset({"binance", "upbit"})


def gate_for(exchange: str, host: str, limits: Mapping[str, RateLimit]) -> Gate:
    """The one gate for this venue and route (see :func:`route_key`) in this process.

    ``host`` is the base URL's origin (``scheme://host:port``).
    """
    key = (exchange, route_key(host))
    with _GATES_LOCK:
        gate = _GATES.get(key)
        if gate is None:
            gate = _GATES[key] = Gate(exchange, limits)
        return gate


def reset_gates() -> None:
    """Forget all rate state (tests and benchmarks only)."""
    with _GATES_LOCK:
        _GATES.clear()
