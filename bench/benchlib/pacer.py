"""Keep every contender's requests, together, inside the venues' budgets.

All contenders talk to one sandbox from one IP, so they share each venue's budget: Binance
6,000 weight per clock minute, Upbit 10 requests per second per quotation group (30 per second
per key for account calls). The pacer spends a fixed fraction of each budget as a steady rate
(a token bucket per venue group) and sleeps *outside* the timed region when a call would
exceed it — so no contender ever meets a 429, and xtoolkit's own limiter (which also counts
what the others spend, through the venues' usage headers) never has to wait.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["BUDGETS", "Cost", "Pacer"]

Cost = tuple[str, str, int]
"""(venue, group, units) of one request."""


@dataclass(frozen=True, slots=True)
class Budget:
    """``rate`` units per second sustained, up to ``burst`` units at once."""

    rate: float
    burst: float


#: 75 % of Binance's 6,000/min; 8 of Upbit's 10/s (a 1 s fixed window then holds at most 9,
#: so the Remaining-Req header never reads 0 and xtoolkit's gate never waits); 20 of 30/s.
BUDGETS: dict[tuple[str, str], Budget] = {
    ("binance", "weight"): Budget(rate=75.0, burst=40.0),
    ("binance", "orders"): Budget(rate=5.0, burst=5.0),
    ("upbit", "ticker"): Budget(rate=8.0, burst=1.0),
    ("upbit", "orderbook"): Budget(rate=8.0, burst=1.0),
    ("upbit", "market"): Budget(rate=8.0, burst=1.0),
    ("upbit", "candle"): Budget(rate=8.0, burst=1.0),
    ("upbit", "trade"): Budget(rate=8.0, burst=1.0),
    ("upbit", "default"): Budget(rate=20.0, burst=2.0),
}


class Pacer:
    """Token buckets per (venue, group); :meth:`delay` says how long a call must wait."""

    def __init__(self, budgets: dict[tuple[str, str], Budget] | None = None) -> None:
        self.budgets = dict(budgets or BUDGETS)
        now = time.monotonic()
        self._level = {k: b.burst for k, b in self.budgets.items()}
        self._at = dict.fromkeys(self.budgets, now)
        self.slept = 0.0

    def _refill(self, key: tuple[str, str], now: float) -> float:
        b = self.budgets[key]
        level = min(b.burst, self._level[key] + (now - self._at[key]) * b.rate)
        self._level[key], self._at[key] = level, now
        return level

    def delay(self, costs: Iterable[Cost]) -> float:
        """Seconds until every request in ``costs`` fits its bucket (0.0: now)."""
        now = time.monotonic()
        wait = 0.0
        for venue, group, units in costs:
            key = (venue, group)
            level = self._refill(key, now)
            if level < units:
                wait = max(wait, (units - level) / self.budgets[key].rate)
        return wait

    def spend(self, costs: Iterable[Cost]) -> None:
        """Take ``costs`` from the buckets (call right before sending)."""
        now = time.monotonic()
        for venue, group, units in costs:
            key = (venue, group)
            self._refill(key, now)
            self._level[key] -= units

    def wait(self, costs: Iterable[Cost]) -> None:
        """Block until ``costs`` fit, then spend them."""
        items = list(costs)
        while (d := self.delay(items)) > 0:
            self.slept += d
            time.sleep(d)
        self.spend(items)
