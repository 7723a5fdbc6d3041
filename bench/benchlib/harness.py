"""The interleaved, paced measurement loop.

Every (item, contender) pair is measured ``reps`` times after ``warmup`` untimed runs. Within an
item the contenders take turns round-robin, their order rotated every repetition, so drift
(CPU frequency, the server's caches, the random-walk market) hits all of them equally. The
pacer sleeps *between* calls, never inside a timed region. Async contenders are timed inside
the event loop (``perf_counter`` around the ``await``); the blocking ``Client`` is timed around
the blocking call from the main thread, thread hop included — what a script or notebook pays.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from benchlib.pacer import Cost, Pacer

__all__ = ["BASES", "ITEMS", "Contender", "Harness", "Item", "Measurements"]

#: The 20 bases listed on both venues (the sandbox's first 20 common bases).
BASES: tuple[str, ...] = (
    "BTC", "ETH", "XRP", "SOL", "DOGE", "ADA", "TRX", "AVAX", "LINK", "DOT",
    "BCH", "LTC", "XLM", "ETC", "SUI", "HBAR", "SHIB", "AAVE", "UNI", "NEAR",
)  # fmt: skip

CALL = ("xt_async", "xt_sync", "bare", "ccxt", "ccxt_dicts", "ccxt_pandas")
#: 20 single-market calls at once: the gate-off client (a real venue's budget would make any
#: gated client wait here; the replay proxy behind it enforces none), bare, ccxt both ways.
GATHER = ("xt_async_nolimit", "bare", "ccxt", "ccxt_dicts")
BATCH = ("xt_async", "xt_async_nolimit", "xt_sync", "bare", "ccxt")
#: Items of kind "gather" run in the replay pass only: 20 requests at once (40 on Upbit) are
#: beyond the venues' budgets, and the sandbox of the main pass enforces them.
REPLAY_ONLY = ("gather",)
PREMIUM = ("xt_async", "bare", "ccxt")


@dataclass(frozen=True, slots=True)
class Item:
    """One unit of work every contender does identically."""

    key: str
    title: str
    method: str
    args: tuple[Any, ...]
    costs: tuple[Cost, ...]
    kind: str  # "call"/"gather": the per-call goals apply; "batch": the 20-base goals apply
    contenders: tuple[str, ...]


ITEMS: tuple[Item, ...] = (
    Item("ticker:binance", "ticker, 1 market (Binance)", "ticker", ("binance",),
         (("binance", "weight", 2),), "call", CALL),
    Item("ticker:upbit", "ticker, 1 market (Upbit: ticker + book top)", "ticker", ("upbit",),
         (("upbit", "ticker", 1), ("upbit", "orderbook", 1)), "call", CALL),
    Item("orderbook:binance", "order book -> DataFrame, Binance depth 100", "orderbook", ("binance", 100),
         (("binance", "weight", 5),), "call", CALL),
    Item("orderbook:upbit", "order book -> DataFrame, Upbit depth 30", "orderbook", ("upbit", 30),
         (("upbit", "orderbook", 1),), "call", CALL),
    Item("balances:binance", "signed balance call (Binance HMAC)", "balances", ("binance",),
         (("binance", "weight", 20),), "call", CALL),
    Item("balances:upbit", "signed balance call (Upbit JWT)", "balances", ("upbit",),
         (("upbit", "default", 1),), "call", CALL),
    Item("tickers20:binance", "20 tickers gathered (Binance, 20 calls at once)", "tickers20", ("binance",),
         (("binance", "weight", 40),), "gather", GATHER),
    Item("tickers20:upbit", "20 tickers gathered (Upbit, 20 calls at once)", "tickers20", ("upbit",),
         (("upbit", "ticker", 1), ("upbit", "orderbook", 1)), "gather", GATHER),
    Item("compare20", "compare 20 bases, both venues", "compare", (BASES,),
         (("binance", "weight", 2), ("upbit", "ticker", 1), ("upbit", "orderbook", 1)), "batch", BATCH),
    Item("premium20", "premium 20 bases, both venues", "premium", (BASES,),
         (("binance", "weight", 2), ("upbit", "ticker", 1), ("upbit", "orderbook", 1)), "batch", PREMIUM),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Contender:
    """A named implementation; ``target`` has one method per item ``method``."""

    key: str
    label: str
    target: Any
    is_async: bool


@dataclass
class Measurements:
    """Durations (ms) per (item key, contender key), failures, and output-shape checks."""

    times: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    failures: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    shape_problems: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    paced_s: float = 0.0


async def _timed(fn: Callable[..., Awaitable[pd.DataFrame]], args: tuple[Any, ...]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = await fn(*args)
    return time.perf_counter() - t0, out


class Harness:
    """Runs items across contenders on one event loop (async) and the main thread (blocking)."""

    def __init__(
        self, contenders: Sequence[Contender], pacer: Pacer, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.contenders = {c.key: c for c in contenders}
        self.pacer = pacer
        self.loop = loop

    def call(self, contender: Contender, item: Item) -> tuple[float, pd.DataFrame]:
        """One timed call: (seconds, the frame it returned)."""
        fn = getattr(contender.target, item.method)
        if contender.is_async:
            return self.loop.run_until_complete(_timed(fn, item.args))
        t0 = time.perf_counter()
        out = fn(*item.args)
        return time.perf_counter() - t0, out

    def _check_shape(self, item: Item, frames: dict[str, pd.DataFrame], out: Measurements) -> None:
        ref = frames.get("xt_async", frames.get("xt_async_nolimit"))
        if ref is None:
            return
        if isinstance(ref, list):
            ref = ref[0]  # gathered calls: one frame per call, each of the same shape
        for key, df in frames.items():
            if isinstance(df, list):
                df = df[0]
            if key == "ccxt_pandas" or not isinstance(df, pd.DataFrame):
                continue  # ccxt's plain dicts, ccxt-pandas' own columns: timed, not compared
            if list(df.columns) != list(ref.columns):
                out.shape_problems.append(
                    f"{item.key} {key}: columns {list(df.columns)} != {list(ref.columns)}"
                )
            elif [str(t) for t in df.dtypes] != [str(t) for t in ref.dtypes]:
                diff = [
                    f"{c}:{a}!={b}"
                    for c, a, b in zip(df.columns, df.dtypes, ref.dtypes, strict=True)
                    if a != b
                ]
                out.shape_problems.append(f"{item.key} {key}: dtypes differ {diff}")
            elif len(df) != len(ref):
                out.shape_problems.append(f"{item.key} {key}: {len(df)} rows != {len(ref)}")

    def run(
        self,
        items: Sequence[Item],
        *,
        reps: int,
        warmup: int,
        batch_reps: int | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> Measurements:
        """Measure every item ``reps`` times per contender (``batch_reps`` for the 20-base items),
        interleaved and paced."""
        out = Measurements()
        queues: dict[str, deque[tuple[int, str]]] = {}
        for item in items:
            q: deque[tuple[int, str]] = deque()
            names = list(item.contenders)
            n = batch_reps if item.kind == "batch" and batch_reps is not None else reps
            for rep in range(warmup + n):
                shift = rep % len(names)
                for name in names[shift:] + names[:shift]:
                    q.append((rep, name))
            queues[item.key] = q
        by_key = {item.key: item for item in items}
        first: dict[str, dict[str, pd.DataFrame]] = {k: {} for k in by_key}
        todo = sum(len(q) for q in queues.values())
        done, next_note = 0, 0.0
        started = time.perf_counter()
        slept0 = self.pacer.slept
        while any(queues.values()):
            # Of the items whose budget allows a call now, serve the one furthest behind.
            ready: list[tuple[int, str]] = []
            soonest = float("inf")
            for key, q in queues.items():
                if not q:
                    continue
                d = self.pacer.delay(by_key[key].costs)
                if d <= 0:
                    ready.append((q[0][0], key))
                else:
                    soonest = min(soonest, d)
            if not ready:
                self.pacer.slept += soonest
                time.sleep(soonest)
                continue
            _, key = min(ready)
            item = by_key[key]
            rep, name = queues[key].popleft()
            self.pacer.spend(item.costs)
            try:
                seconds, frame = self.call(self.contenders[name], item)
            except Exception as exc:  # a contender failing is a finding, not a crash of the run
                out.failures.setdefault((key, name), []).append(f"{type(exc).__name__}: {exc}")
            else:
                if rep == 0:
                    first[key][name] = frame
                    if len(first[key]) == len(item.contenders):
                        self._check_shape(item, first[key], out)
                if rep >= warmup:
                    out.times.setdefault((key, name), []).append(seconds * 1000.0)
            done += 1
            if progress is not None and done / todo >= next_note:
                progress(f"{done}/{todo} calls, {time.perf_counter() - started:.0f} s")
                next_note += 0.1
        out.wall_s = time.perf_counter() - started
        out.paced_s = self.pacer.slept - slept0
        return out
