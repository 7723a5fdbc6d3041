"""Everything the sandbox's two venues share, behind one lock."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime
from decimal import Decimal

from xtoolkit.sandbox.accounts import DEFAULT_BALANCES, DEFAULT_KEYS, Account, AccountBook
from xtoolkit.sandbox.auth import NonceRegistry
from xtoolkit.sandbox.catalog import Catalog, load_catalog
from xtoolkit.sandbox.faults import FaultPlan
from xtoolkit.sandbox.fees import FeeSchedule
from xtoolkit.sandbox.market import MarketSim
from xtoolkit.sandbox.matching import Engine
from xtoolkit.sandbox.ratelimit import BinanceLimiter, SapiLimiter, UpbitLimiter
from xtoolkit.sandbox.requestlog import RequestLog
from xtoolkit.sandbox.wallets import WalletBook

__all__ = ["BINANCE_STATUSES", "SandboxClock", "SandboxState", "parse_instant", "wall_ms"]

#: Binance symbol statuses (``enums.md``, spec §13.1). Only ``TRADING`` accepts new orders;
#: the others keep the book and accept cancels.
BINANCE_STATUSES = ("TRADING", "END_OF_DAY", "HALT", "BREAK", "CANCEL_ONLY")


def wall_ms() -> int:
    """The wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def parse_instant(value: object) -> int:
    """Epoch ms of ``value``: a tz-aware ``datetime``/``pandas.Timestamp``, an ISO 8601 text
    with a zone (``"2026-11-21T12:00:00Z"``) or epoch milliseconds (``int``)."""
    if isinstance(value, bool):
        raise TypeError("now= takes a datetime, an ISO 8601 text or epoch milliseconds, not a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                "now= needs a time zone (e.g. '2026-11-21T12:00:00Z'); naive times are ambiguous"
            )
        return int(value.timestamp() * 1000)
    raise TypeError(
        f"now= takes a datetime, an ISO 8601 text or epoch milliseconds, not {type(value).__name__}"
    )


class SandboxClock:
    """The sandbox's own "now" in epoch ms.

    Unpinned, it is the wall clock. Pinned (``Sandbox(now=...)``), it starts at that instant
    and runs at wall-clock speed from there, so a test can assert calendar facts (this date's
    candles) on any real date. Every venue answer — server time, candle and trade times,
    order times, signature windows — reads this clock (plus any injected skew).
    """

    def __init__(self, pinned_ms: int | None = None) -> None:
        self.pinned_ms = pinned_ms
        self._origin_ns = time.monotonic_ns()

    def now_ms(self) -> int:
        """Milliseconds since the epoch, on this sandbox's clock."""
        if self.pinned_ms is None:
            return wall_ms()
        return self.pinned_ms + (time.monotonic_ns() - self._origin_ns) // 1_000_000

    @property
    def pinned(self) -> bool:
        """Whether the clock was pinned to a chosen start."""
        return self.pinned_ms is not None


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
        clock: SandboxClock | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.clock = clock or SandboxClock()
        self.catalog = catalog or load_catalog()
        self.market = MarketSim(
            self.catalog,
            seed=seed,
            start_ms=self.clock.now_ms(),
            tick_seconds=tick_seconds,
            freeze=freeze,
            clock=self.clock.now_ms,
        )
        self.engine = Engine(self.market, seed)
        self.accounts = AccountBook(seed)
        for venue, (key, secret) in DEFAULT_KEYS.items():
            self.add_account(venue, dict(DEFAULT_BALANCES[venue]), key=key, secret=secret)
        self.faults = FaultPlan(latency)
        self.log = RequestLog()
        self.binance_limiter = BinanceLimiter(binance_weight_limit, ban_seconds)
        self.upbit_limiter = UpbitLimiter(ban_seconds)
        self.sapi_limiter = SapiLimiter()
        self.nonces = NonceRegistry()
        #: Upbit identifiers ever presented per access key (never reusable, even after errors).
        self.upbit_identifiers: dict[str, set[str]] = {}
        #: Binance order placements per account key (for ORDERS limits and count headers).
        self.order_times: dict[str, deque[float]] = {}
        #: Trading fees of both venues (``box.fees``).
        self.fees = FeeSchedule(self.lock)
        #: Deposit/withdrawal networks of both venues (``box.wallets``).
        self.wallets = WalletBook(self.lock)
        #: Binance symbol statuses set at run time (``box.market.set_status``), over the seed's.
        self.binance_status: dict[str, str] = {}
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

    def symbol_status(self, symbol: str) -> str:
        """A Binance symbol's current status (``TRADING``, ``BREAK``, ``CANCEL_ONLY`` ...)."""
        status = self.binance_status.get(symbol)
        if status is not None:
            return status
        return self.catalog.binance[symbol].status

    def set_symbol_status(self, symbol: str, status: str) -> None:
        """Change a Binance symbol's status (caller holds :attr:`lock`). A symbol that stops
        trading keeps its book and resting orders — they can be canceled but no longer fill;
        the seeded ``BREAK`` symbol has no market to come back to."""
        if status not in BINANCE_STATUSES:
            raise ValueError(f"status must be one of {BINANCE_STATUSES}")
        lst = self.market.listing("binance", symbol)
        if lst is None:
            raise KeyError(f"binance does not list {symbol!r}")
        seeded = self.catalog.binance[symbol].status
        if status == "TRADING" and seeded != "TRADING":
            raise ValueError(f"{symbol} is {seeded} in the seed data: it has no market to resume")
        if status == seeded:
            self.binance_status.pop(symbol, None)
        else:
            self.binance_status[symbol] = status
        if status == "TRADING":
            self.engine.paused.discard(lst.index)
        else:
            self.engine.paused.add(lst.index)

    def now_ms(self) -> int:
        """The sandbox clock (epoch ms), before any per-venue skew."""
        return self.clock.now_ms()

    def venue_ms(self, venue: str) -> int:
        """The venue's clock (the sandbox clock plus the injected skew)."""
        return self.clock.now_ms() + self.faults.skew(venue)

    def sync(self) -> None:
        """Bring the market up to the sandbox clock (caller holds :attr:`lock`)."""
        self.market.sync(self.clock.now_ms())
