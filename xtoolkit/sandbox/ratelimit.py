"""Rate-limit accounting with each venue's real headers, budgets and escalation.

Binance: request *weight* per IP per clock minute (``X-MBX-USED-WEIGHT-1M`` on every
response). Over budget → 429 + ``Retry-After`` (seconds to the next minute) + ``-1003``; a
client that keeps sending while limited (more than :data:`BINANCE_STRIKES_BEFORE_BAN`
rejected requests in that minute) is banned: 418 + ``Retry-After`` + "IP banned until <ms>"
for ``ban_seconds``.

Upbit: request *counts* per group per second (quotation groups per IP, exchange groups per
access key), reported as ``Remaining-Req: group=<g>; min=<n>; sec=<n>``. Over budget → 429
(plain-text body); hammering on (more than :data:`UPBIT_STRIKES_BEFORE_BAN` 429s within
:data:`UPBIT_STRIKE_WINDOW_S` seconds) → 418 for ``ban_seconds``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

__all__ = [
    "BINANCE_STRIKES_BEFORE_BAN",
    "BINANCE_WEIGHTS",
    "SAPI_IP_LIMIT",
    "SAPI_WEIGHTS",
    "UPBIT_GROUPS",
    "UPBIT_ROUTE_GROUPS",
    "UPBIT_STRIKES_BEFORE_BAN",
    "BinanceLimiter",
    "Decision",
    "SapiLimiter",
    "UpbitGroup",
    "UpbitLimiter",
    "Weight",
    "binance_weight",
    "upbit_group",
]

#: Requests a Binance client may still send in a minute after its first 429 before the ban.
BINANCE_STRIKES_BEFORE_BAN = 3
#: 429s an Upbit client may collect within the strike window before the 418 block.
UPBIT_STRIKES_BEFORE_BAN = 10
UPBIT_STRIKE_WINDOW_S = 10.0


@dataclass(frozen=True, slots=True)
class Weight:
    """How a Binance endpoint is weighed (spec §3.1 / §5).

    ``base`` plain weight; ``one_symbol``/``other`` for endpoints priced by whether a single
    ``symbol`` was given; ``by_limit`` ``(max_limit, weight)`` bands on ``limit`` (depth);
    ``by_count`` bands on the number of symbols (ticker/24hr, 0 = no symbol); ``flag`` a
    parameter that, when ``"true"``, switches to another weight; ``param`` a parameter whose
    presence switches weight; ``success`` the weight of a successful call (orders).
    """

    base: int = 1
    one_symbol: int | None = None
    other: int | None = None
    by_limit: tuple[tuple[int, int], ...] = ()
    default_limit: int = 100
    by_count: tuple[tuple[int, int], ...] = ()
    flag: tuple[str, int] | None = None
    param: tuple[str, int] | None = None
    success: int | None = None

    def cost(self, params: dict[str, str]) -> int:
        """Weight of a request with ``params``."""
        if self.by_limit:
            try:
                limit = int(params.get("limit") or self.default_limit)
            except ValueError:
                limit = self.default_limit
            for top, w in self.by_limit:
                if limit <= top:
                    return w
            return self.by_limit[-1][1]
        if self.by_count:
            count = _symbol_count(params)
            for top, w in self.by_count:
                if count <= top:
                    return w
            return self.by_count[-1][1]
        if self.one_symbol is not None:
            return self.one_symbol if params.get("symbol") else int(self.other or self.base)
        if self.flag is not None and params.get(self.flag[0], "").lower() == "true":
            return self.flag[1]
        if self.param is not None and params.get(self.param[0]):
            return self.param[1]
        return self.base


def _symbol_count(params: dict[str, str]) -> int:
    if params.get("symbol"):
        return 1
    raw = params.get("symbols")
    if not raw:
        return 10**6  # "no symbol" = all symbols
    try:
        parsed = json.loads(raw)
    except ValueError:
        return 1
    return len(parsed) if isinstance(parsed, list) else 1


#: Request weight per (method, path) — spec binance-spot.md §3.1 and §5.
BINANCE_WEIGHTS: dict[tuple[str, str], Weight] = {
    ("GET", "/api/v3/ping"): Weight(1),
    ("GET", "/api/v3/time"): Weight(1),
    ("GET", "/api/v3/exchangeInfo"): Weight(20),
    ("GET", "/api/v3/depth"): Weight(by_limit=((100, 5), (500, 25), (1000, 50), (5000, 250))),
    ("GET", "/api/v3/trades"): Weight(25),
    ("GET", "/api/v3/historicalTrades"): Weight(25),
    ("GET", "/api/v3/aggTrades"): Weight(4),
    ("GET", "/api/v3/klines"): Weight(2),
    ("GET", "/api/v3/uiKlines"): Weight(2),
    ("GET", "/api/v3/avgPrice"): Weight(2),
    ("GET", "/api/v3/ticker/24hr"): Weight(by_count=((20, 2), (100, 40), (10**9, 80))),
    ("GET", "/api/v3/ticker/price"): Weight(one_symbol=2, other=4),
    ("GET", "/api/v3/ticker/bookTicker"): Weight(one_symbol=2, other=4),
    ("POST", "/api/v3/order"): Weight(1, success=0),
    ("POST", "/api/v3/order/test"): Weight(1, flag=("computeCommissionRates", 20)),
    ("DELETE", "/api/v3/order"): Weight(1, success=0),
    ("DELETE", "/api/v3/openOrders"): Weight(1, success=0),
    ("GET", "/api/v3/order"): Weight(4),
    ("GET", "/api/v3/openOrders"): Weight(one_symbol=6, other=80),
    ("GET", "/api/v3/allOrders"): Weight(20),
    ("GET", "/api/v3/account"): Weight(20),
    ("GET", "/api/v3/account/commission"): Weight(20),
    ("GET", "/api/v3/myTrades"): Weight(20, param=("orderId", 5)),
}


#: ``/sapi`` IP weights (spec §10.2 / §10.3); each endpoint has its own budget.
SAPI_WEIGHTS: dict[tuple[str, str], int] = {
    ("GET", "/sapi/v1/capital/config/getall"): 10,
    ("GET", "/sapi/v1/asset/tradeFee"): 1,
}
#: Per-endpoint IP weight budget of an IP-limited ``/sapi`` endpoint per minute (spec §10.1).
SAPI_IP_LIMIT = 12_000


def binance_weight(method: str, path: str, params: dict[str, str]) -> Weight:
    """The weight rule of an endpoint (unknown endpoints weigh 1)."""
    return BINANCE_WEIGHTS.get((method, path), Weight(1))


@dataclass(slots=True)
class Decision:
    """Outcome of admission: ``status`` 200 to proceed, else 429/418 with ``retry_after``."""

    status: int
    used: int = 0
    retry_after: int = 0
    banned_until_ms: int = 0
    group: str = ""
    remaining: int = 0


@dataclass(slots=True)
class _BinanceIp:
    minute: int = -1
    used: int = 0
    strikes: int = 0
    banned_until: float = 0.0


class BinanceLimiter:
    """Per-IP request-weight budget of one clock minute."""

    def __init__(self, limit: int, ban_seconds: float) -> None:
        self.limit = limit
        self.ban_seconds = ban_seconds
        self._ips: dict[str, _BinanceIp] = {}

    def _state(self, ip: str, now: float) -> _BinanceIp:
        st = self._ips.setdefault(ip, _BinanceIp())
        minute = int(now // 60)
        if st.minute != minute:
            st.minute, st.used, st.strikes = minute, 0, 0
        return st

    def admit(self, ip: str, weight: int, now: float) -> Decision:
        """Charge ``weight`` and decide whether the request may proceed."""
        st = self._state(ip, now)
        if now < st.banned_until:
            return Decision(418, st.used, math.ceil(st.banned_until - now), int(st.banned_until * 1000))
        st.used += weight
        if st.used <= self.limit:
            return Decision(200, st.used)
        st.strikes += 1
        if st.strikes > BINANCE_STRIKES_BEFORE_BAN + 1:
            st.banned_until = now + self.ban_seconds
            st.strikes = 0  # after the ban the client gets a fresh 429 warning first
            return Decision(418, st.used, math.ceil(self.ban_seconds), int(st.banned_until * 1000))
        return Decision(429, st.used, max(1, math.ceil((st.minute + 1) * 60 - now)))

    def refund(self, ip: str, weight: int, now: float) -> int:
        """Give back weight (successful order calls cost 0); returns the weight now used."""
        st = self._state(ip, now)
        st.used = max(0, st.used - weight)
        return st.used

    def used(self, ip: str, now: float) -> int:
        """Weight used by ``ip`` in the current minute."""
        return self._state(ip, now).used


class SapiLimiter:
    """``/sapi`` IP weight: one budget per (IP, endpoint) per clock minute, reported in
    ``X-SAPI-USED-IP-WEIGHT-1M``; over it → 429 (no 418 escalation, spec §10.1)."""

    def __init__(self, limit: int = SAPI_IP_LIMIT) -> None:
        self.limit = limit
        self._used: dict[tuple[str, str], tuple[int, int]] = {}

    def admit(self, ip: str, path: str, weight: int, now: float) -> Decision:
        """Charge ``weight`` to ``path``'s budget for ``ip``."""
        minute = int(now // 60)
        last, used = self._used.get((ip, path), (minute, 0))
        if last != minute:
            used = 0
        used += weight
        self._used[(ip, path)] = (minute, used)
        if used <= self.limit:
            return Decision(200, used)
        return Decision(429, used, max(1, math.ceil((minute + 1) * 60 - now)))


@dataclass(frozen=True, slots=True)
class UpbitGroup:
    """A rate-limit group: ``limit`` requests per ``window_s`` seconds; ``per_key`` groups are
    counted per access key ("pocket"), the others per IP."""

    name: str
    limit: int
    window_s: float = 1.0
    per_key: bool = False

    @property
    def per_minute(self) -> int:
        """The deprecated, constant ``min=`` value of the header."""
        return int(self.limit * 60 / self.window_s)


#: Upbit groups — spec upbit.md §6.
UPBIT_GROUPS: dict[str, UpbitGroup] = {
    g.name: g
    for g in (
        UpbitGroup("market", 10),
        UpbitGroup("candle", 10),
        UpbitGroup("trade", 10),
        UpbitGroup("ticker", 10),
        UpbitGroup("orderbook", 10),
        UpbitGroup("default", 30, per_key=True),
        UpbitGroup("order", 12, per_key=True),
        UpbitGroup("order-test", 8, per_key=True),
        UpbitGroup("order-cancel-all", 1, window_s=2.0, per_key=True),
    )
}

#: (method, path prefix) → group; the first matching prefix wins.
UPBIT_ROUTE_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/v1/market/", "market"),
    ("GET", "/v1/candles/", "candle"),
    ("GET", "/v1/trades/", "trade"),
    ("GET", "/v1/ticker", "ticker"),
    ("GET", "/v1/orderbook", "orderbook"),
    ("POST", "/v1/orders/test", "order-test"),
    ("POST", "/v1/orders", "order"),
    ("DELETE", "/v1/orders/open", "order-cancel-all"),
    ("*", "/v1/", "default"),
)


def upbit_group(method: str, path: str) -> UpbitGroup:
    """The rate-limit group of an Upbit request."""
    for m, prefix, name in UPBIT_ROUTE_GROUPS:
        if (m == "*" or m == method) and path.startswith(prefix):
            return UPBIT_GROUPS[name]
    return UPBIT_GROUPS["default"]


@dataclass(slots=True)
class _UpbitBucket:
    window: int = -1
    count: int = 0


@dataclass(slots=True)
class _UpbitClient:
    strikes: list[float] = field(default_factory=list)
    banned_until: float = 0.0


class UpbitLimiter:
    """Per-group, per-second request budgets."""

    def __init__(self, ban_seconds: float) -> None:
        self.ban_seconds = ban_seconds
        self._buckets: dict[tuple[str, str], _UpbitBucket] = {}
        self._clients: dict[str, _UpbitClient] = {}

    def admit(self, group: UpbitGroup, scope: str, client: str, now: float) -> Decision:
        """Count one request of ``client`` (an IP) in ``group`` for ``scope`` (IP or key)."""
        cl = self._clients.setdefault(client, _UpbitClient())
        if now < cl.banned_until:
            return Decision(
                418,
                retry_after=math.ceil(cl.banned_until - now),
                banned_until_ms=int(cl.banned_until * 1000),
                group=group.name,
            )
        bucket = self._buckets.setdefault((group.name, scope), _UpbitBucket())
        window = int(now // group.window_s)
        if bucket.window != window:
            bucket.window, bucket.count = window, 0
        if bucket.count < group.limit:
            bucket.count += 1
            return Decision(200, group=group.name, remaining=group.limit - bucket.count)
        cl.strikes = [t for t in cl.strikes if now - t < UPBIT_STRIKE_WINDOW_S] + [now]
        if len(cl.strikes) > UPBIT_STRIKES_BEFORE_BAN:
            cl.banned_until = now + self.ban_seconds
            cl.strikes.clear()
            return Decision(
                418,
                retry_after=math.ceil(self.ban_seconds),
                banned_until_ms=int(cl.banned_until * 1000),
                group=group.name,
            )
        return Decision(429, group=group.name, remaining=0)

    def peek(self, group: UpbitGroup, scope: str, now: float) -> int:
        """Requests left for ``scope`` in ``group``'s current window, without counting one."""
        bucket = self._buckets.get((group.name, scope))
        if bucket is None or bucket.window != int(now // group.window_s):
            return group.limit
        return max(0, group.limit - bucket.count)

    @staticmethod
    def header(group: UpbitGroup, remaining: int) -> str:
        """The ``Remaining-Req`` header value."""
        return f"group={group.name}; min={group.per_minute}; sec={max(remaining, 0)}"
