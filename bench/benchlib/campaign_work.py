"""The campaign's workload: mixed calls from many clients, tallied by kind and outcome.

Each worker picks a call kind at random (seeded per worker): tickers, an order book, candles,
trades, balances, open orders, or a small live order on the sandbox (``client.order(...)`` then
``submit(confirm=True)``). Async workers share one event loop and bound every call with
``asyncio.wait_for``; blocking workers run a ``Client`` on their own thread and are watched for
calls that outlive the same bound. Every outcome lands in a :class:`Tally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xtoolkit as xt

__all__ = [
    "KINDS",
    "InFlight",
    "Op",
    "Submission",
    "Tally",
    "async_worker",
    "blocking_worker",
    "choose",
    "watch_blocking",
]

D = Decimal

#: Call kind -> weight.
KINDS: dict[str, int] = {
    "tickers": 18,
    "orderbook": 16,
    "candles": 10,
    "trades": 6,
    "balances": 12,
    "open_orders": 10,
    "order": 14,
}
MARKETS: dict[str, tuple[str, ...]] = {
    "binance": ("binance:BTC/USDT", "binance:ETH/USDT", "binance:XRP/USDT", "binance:SOL/USDT"),
    "upbit": ("upbit:BTC/KRW", "upbit:ETH/KRW", "upbit:XRP/KRW", "upbit:SOL/KRW"),
}
#: (market, native code for the sandbox's mid price, base quantity) of the orders placed.
ORDER_MARKETS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "binance": (("binance:BTC/USDT", "BTCUSDT", "0.0002"), ("binance:ETH/USDT", "ETHUSDT", "0.004")),
    "upbit": (("upbit:BTC/KRW", "KRW-BTC", "0.0002"), ("upbit:ETH/KRW", "KRW-ETH", "0.004")),
}


@dataclass(frozen=True, slots=True)
class Op:
    """One call to make: a client method with its arguments, or an order (``order`` kwargs)."""

    kind: str
    venue: str
    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Submission:
    """An order plan a worker submitted: which client, its client order id, what happened."""

    client: int
    cid: str
    venue: str
    outcome: str = "pending"


def _order(rng: random.Random, venue: str, mid: Callable[[str, str], Decimal]) -> Op:
    market, native, qty = rng.choice(ORDER_MARKETS[venue])
    side = rng.choice(("buy", "sell"))
    m = mid(venue, native)
    roll = rng.random()
    if roll < 0.15:  # market order: Upbit buys by total, everything else by quantity
        if venue == "upbit" and side == "buy":
            return Op(
                "order", venue, "order", (market, side), {"quote_qty": str((m * D(qty)).quantize(D(1)))}
            )
        return Op("order", venue, "order", (market, side), {"qty": qty})
    # Resting orders 2 % away, or crossing orders 0.2 % through the mid (well inside the band).
    factor = (
        (D("0.98") if side == "buy" else D("1.02"))
        if roll < 0.7
        else (D("1.002") if side == "buy" else D("0.998"))
    )
    return Op("order", venue, "order", (market, side), {"qty": qty, "price": str(m * factor)})


def choose(rng: random.Random, mid: Callable[[str, str], Decimal]) -> Op:
    """A random call (``mid(venue, native)`` prices the orders)."""
    kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
    venue = rng.choice(("binance", "upbit"))
    market = rng.choice(MARKETS[venue])
    if kind == "tickers":
        other = "upbit" if venue == "binance" else "binance"
        return Op(kind, venue, "tickers", ([market, rng.choice(MARKETS[other])],))
    if kind == "orderbook":
        return Op(kind, venue, "orderbook", (market,), {"depth": rng.choice((5, 20, 30))})
    if kind == "candles":
        return Op(kind, venue, "candles", (market,), {"interval": rng.choice(("1m", "1h")), "limit": 50})
    if kind == "trades":
        return Op(kind, venue, "trades", (market,), {"limit": 50})
    if kind == "balances":
        return Op(kind, venue, "balances", (venue,))
    if kind == "open_orders":
        return Op(kind, venue, "open_orders", (market,))
    return _order(rng, venue, mid)


@dataclass
class Tally:
    """Thread-safe counts of calls, outcomes, failures by type, latencies and hung calls."""

    calls: Counter[str] = field(default_factory=Counter)
    ok: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    failures_by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    failure_texts: Counter[str] = field(default_factory=Counter)
    #: AuthError subclasses seen although every key is valid: a replayed signed request.
    auth_errors: int = 0
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    unhandled: list[str] = field(default_factory=list)
    hung: list[str] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, kind: str, ms: float, exc: BaseException | None, *, hung: bool = False) -> None:
        """One finished call (``hung``: cut off by the campaign's bound, listed in :attr:`hung`)."""
        with self._lock:
            self.calls[kind] += 1
            self.latency_ms.setdefault(kind, []).append(ms)
            if hung:
                return
            if exc is None:
                self.ok[kind] += 1
            elif isinstance(exc, xt.XtoolkitError):
                self.failures[type(exc).__name__] += 1
                self.auth_errors += isinstance(exc, xt.AuthError)
                self.failures_by_kind[(kind, type(exc).__name__)] += 1
                # Group by message shape (digits dropped) to show what the failures were.
                shape = re.sub(r"[0-9.]+", "#", str(exc))[:110]
                self.failure_texts[f"{type(exc).__name__}: {shape}"] += 1
            else:
                tb = "".join(traceback.format_exception(exc, limit=-3)).strip().splitlines()[-4:]
                self.unhandled.append(f"{kind}: {type(exc).__name__}: {exc} | {' / '.join(tb)}")

    def hang(self, what: str) -> None:
        with self._lock:
            self.hung.append(what)

    def submitted(self, sub: Submission) -> None:
        with self._lock:
            self.submissions.append(sub)


def _outcome(exc: BaseException | None) -> str:
    return "placed" if exc is None else type(exc).__name__


async def _run_async(idx: int, ac: xt.AsyncClient, op: Op, tally: Tally) -> None:
    if op.kind != "order":
        await getattr(ac, op.method)(*op.args, **op.kwargs)
        return
    plan = await ac.order(*op.args, **op.kwargs)
    sub = Submission(idx, plan.client_order_id, op.venue)
    tally.submitted(sub)  # before sending: a hang or crash mid-submit still leaves a record
    try:
        await plan.asubmit(confirm=True)
    except BaseException as exc:
        sub.outcome = _outcome(exc)
        raise
    sub.outcome = "placed"


async def async_worker(
    idx: int,
    ac: xt.AsyncClient,
    rng: random.Random,
    mid: Callable[[str, str], Decimal],
    tally: Tally,
    *,
    deadline: float,
    hang_s: float,
    think: tuple[float, float],
) -> None:
    """Random calls on ``ac`` until ``deadline`` (monotonic), each bounded by ``hang_s``."""
    while time.monotonic() < deadline:
        op = choose(rng, mid)
        t0 = time.perf_counter()
        exc: BaseException | None = None
        hung = False
        try:
            await asyncio.wait_for(_run_async(idx, ac, op, tally), hang_s)
        except TimeoutError as e:
            # Our bound cut it off (a hang), or a bare TimeoutError escaped the client (a bug).
            hung = time.perf_counter() - t0 >= hang_s * 0.99
            if hung:
                tally.hang(f"async client {idx}: {op.kind} {op.args} did not finish in {hang_s:g} s")
            exc = e
        except Exception as e:
            exc = e
        tally.record(op.kind, (time.perf_counter() - t0) * 1000, exc, hung=hung)
        await asyncio.sleep(rng.uniform(*think))


@dataclass
class InFlight:
    """What a blocking worker is doing right now (the hang monitor reads it)."""

    kind: str = ""
    since: float | None = None
    flagged: bool = False


def blocking_worker(
    idx: int,
    client: xt.Client,
    rng: random.Random,
    mid: Callable[[str, str], Decimal],
    tally: Tally,
    state: InFlight,
    *,
    deadline: float,
    think: tuple[float, float],
) -> None:
    """Random calls on a blocking ``client`` until ``deadline``, from this thread."""
    while time.monotonic() < deadline:
        op = choose(rng, mid)
        state.kind, state.since, state.flagged = op.kind, time.monotonic(), False
        t0 = time.perf_counter()
        exc: BaseException | None = None
        try:
            if op.kind == "order":
                plan = client.order(*op.args, **op.kwargs)
                sub = Submission(idx, plan.client_order_id, op.venue)
                tally.submitted(sub)
                try:
                    plan.submit(confirm=True)
                    sub.outcome = "placed"
                except BaseException as e:
                    sub.outcome = _outcome(e)
                    raise
            else:
                getattr(client, op.method)(*op.args, **op.kwargs)
        except Exception as e:
            exc = e
        state.since = None
        tally.record(op.kind, (time.perf_counter() - t0) * 1000, exc)
        time.sleep(rng.uniform(*think))


async def watch_blocking(
    states: dict[int, InFlight], tally: Tally, hang_s: float, stop: asyncio.Event
) -> None:
    """Flag any blocking call in flight for longer than ``hang_s``."""
    while not stop.is_set():
        now = time.monotonic()
        for idx, st in states.items():
            since = st.since
            if since is not None and not st.flagged and now - since > hang_s:
                st.flagged = True
                tally.hang(f"blocking client {idx}: {st.kind} still running after {hang_s:g} s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
