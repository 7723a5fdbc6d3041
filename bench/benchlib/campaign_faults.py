"""The campaign's adversary: faults injected at random, and a watch on the client-side bans.

Faults come from the sandbox's own fault plan (``box.faults``): 429 with a short Retry-After,
418 bans (as long as the sandbox's ``ban_seconds``), 5xx, held requests that time out, dropped
connections, malformed bodies, responses lost after the venue acted, slow answers, and Binance
clock skew. Two 418s are scripted early (one per venue) so every run sees a ban on each.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from xtoolkit._ratelimit import Gate

__all__ = ["FAULTS", "BanWatch", "Injector", "inject_faults"]

#: Fault kind -> weight.
FAULTS: dict[str, int] = {
    "429": 10,
    "418": 3,
    "5xx": 14,
    "timeout": 8,
    "drop": 10,
    "malformed": 8,
    "lose_response": 12,
    "delay": 6,
    "clock_skew": 4,
}
ORDER_PATH = {"binance": "/api/v3/order", "upbit": "/v1/orders"}
VENUES = ("binance", "upbit")


@dataclass
class Injector:
    """State of one injection run: what was injected, and when each venue was last banned."""

    box: Any
    rng: random.Random
    ban_s: float
    read_timeout: float
    injected: Counter[str] = field(default_factory=Counter)
    last_ban: dict[str, float] = field(default_factory=lambda: dict.fromkeys(VENUES, -math.inf))
    skew_until: float = 0.0

    def ban(self, venue: str) -> None:
        self.box.faults.next(venue, status=418, retry_after=self.ban_s)
        self.last_ban[venue] = time.monotonic()
        self.injected["418"] += 1

    def one(self, loop: asyncio.AbstractEventLoop) -> None:
        rng, faults = self.rng, self.box.faults
        kind = rng.choices(list(FAULTS), list(FAULTS.values()))[0]
        venue = rng.choice(VENUES)
        # Lost responses mostly hit order placement (the case reconciliation exists for).
        to_orders = rng.random() < (0.7 if kind == "lose_response" else 0.15)
        endpoint = ORDER_PATH[venue] if to_orders else None
        if kind == "418":
            # One ban at a time per venue: a queued 418 fires on the first request after a ban.
            if time.monotonic() - self.last_ban[venue] < self.ban_s + 2:
                return
            self.ban(venue)
            return
        if kind == "clock_skew":
            if time.monotonic() < self.skew_until:
                return
            hold = rng.uniform(1.5, 3.0)
            faults.clock_skew("binance", ms=rng.choice((-1, 1)) * rng.randint(2000, 7000))
            self.skew_until = time.monotonic() + hold
            loop.call_later(hold, faults.clock_skew, "binance", 0)
        elif kind == "429":
            faults.next(venue, status=429, retry_after=0.2, endpoint=endpoint)
        elif kind == "5xx":
            faults.next(venue, status=rng.choice((500, 502, 503, 504)), endpoint=endpoint)
        elif kind == "timeout":
            # Held past the client's read timeout, then dropped.
            faults.next(venue, kind="timeout", delay=self.read_timeout + 0.5, endpoint=endpoint)
        elif kind == "delay":
            faults.next(
                venue, kind="delay", delay=rng.uniform(0.05, self.read_timeout * 0.5), endpoint=endpoint
            )
        else:  # drop, malformed, lose_response
            faults.next(venue, kind=kind, endpoint=endpoint)
        self.injected[kind] += 1


async def inject_faults(injector: Injector, *, deadline: float, every: float) -> None:
    """Inject a random fault every ``every`` seconds on average until ``deadline`` (monotonic)."""
    loop = asyncio.get_running_loop()
    start = time.monotonic()
    scripted = [(start + 1.0, "binance"), (start + 2.0 + injector.ban_s, "upbit")]
    while time.monotonic() < deadline:
        await asyncio.sleep(injector.rng.expovariate(1.0 / every))
        now = time.monotonic()
        while scripted and scripted[0][0] <= now:
            injector.ban(scripted.pop(0)[1])
        injector.one(loop)
    injector.box.faults.clock_skew("binance", 0)


class BanWatch:
    """Records every ban the clients open, at the moment they open it.

    Wraps ``ban`` on the process-wide rate gates (an instance attribute, so the transport's
    ``venue.gate.ban(...)`` call lands here first); :meth:`close` puts the originals back.
    ``bans`` holds (venue, when the ban took effect, until) in epoch seconds.
    """

    def __init__(self, gates: dict[str, Gate]) -> None:
        self.bans: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()
        self._gates = gates
        for venue, gate in gates.items():
            gate.ban = self._wrap(venue, gate)  # type: ignore[method-assign]

    def _wrap(self, venue: str, gate: Gate) -> Any:
        original = gate.ban

        def ban(until: float | None) -> None:
            before = gate.banned_until
            original(until)
            if gate.banned_until > before:
                with self._lock:
                    self.bans.append((venue, time.time(), gate.banned_until))

        return ban

    def close(self) -> None:
        for gate in self._gates.values():
            with contextlib.suppress(AttributeError):
                del gate.ban  # back to the class's method
