"""Everything the sandbox's two venues share, behind one lock."""

from __future__ import annotations

import threading
import time
from collections import deque
from decimal import Decimal

from xtoolkit.sandbox.accounts import DEFAULT_BALANCES, DEFAULT_KEYS, Account, AccountBook
from xtoolkit.sandbox.auth import NonceRegistry
from xtoolkit.sandbox.catalog import Catalog, load_catalog
from xtoolkit.sandbox.faults import FaultPlan
from xtoolkit.sandbox.market import MarketSim
from xtoolkit.sandbox.matching import Engine
from xtoolkit.sandbox.ratelimit import BinanceLimiter, UpbitLimiter
from xtoolkit.sandbox.requestlog import RequestLog

__all__ = ["SandboxState", "wall_ms"]


def wall_ms() -> int:
    """The wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000


class SandboxState:
    """Market, matching engine, accounts, limiters, faults and the request log.

    ``lock`` serialises every access to the market/engine/accounts (request handlers run on
    the server thread, ``box.market.step()`` on the caller's).
    """

    def __init__(
        self,
        *,
        seed: int,
        freeze: bool,
        tick_seconds: float,
        latency: float,
        binance_weight_limit: int,
        ban_seconds: float,
        catalog: Catalog | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.catalog = catalog or load_catalog()
        self.market = MarketSim(
            self.catalog, seed=seed, start_ms=wall_ms(), tick_seconds=tick_seconds, freeze=freeze
        )
        self.engine = Engine(self.market, seed)
        self.accounts = AccountBook(seed)
        for venue, (key, secret) in DEFAULT_KEYS.items():
            self.add_account(venue, dict(DEFAULT_BALANCES[venue]), key=key, secret=secret)
        self.faults = FaultPlan(latency)
        self.log = RequestLog()
        self.binance_limiter = BinanceLimiter(binance_weight_limit, ban_seconds)
        self.upbit_limiter = UpbitLimiter(ban_seconds)
        self.nonces = NonceRegistry()
        #: Upbit identifiers ever presented per access key (never reusable, even after errors).
        self.upbit_identifiers: dict[str, set[str]] = {}
        #: Binance order placements per account key (for ORDERS limits and count headers).
        self.order_times: dict[str, deque[float]] = {}
        self.stopping = threading.Event()

    def add_account(
        self,
        venue: str,
        balances: dict[str, str | Decimal | int],
        *,
        key: str | None = None,
        secret: str | None = None,
    ) -> Account:
        """A new account; Upbit coins start with the current KRW price as average buy price
        (so profit/loss figures are meaningful from the first trade)."""
        acct = self.accounts.add(venue, balances, key=key, secret=secret)
        if venue == "upbit":
            for asset, bal in acct.balances.items():
                lst = self.market.listing("upbit", f"KRW-{asset}")
                if lst is not None and bal.total > 0:
                    bal.avg_buy_price = lst.grid.nearest(self.market.mid(lst))
        return acct

    def venue_ms(self, venue: str) -> int:
        """The venue's clock (wall clock plus the injected skew)."""
        return wall_ms() + self.faults.skew(venue)

    def sync(self) -> None:
        """Bring the market up to the wall clock (caller holds :attr:`lock`)."""
        self.market.sync(wall_ms())
