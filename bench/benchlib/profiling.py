"""Where xtoolkit's per-call time goes: stage micro-timings and a cProfile of real calls.

:func:`stages` times each pure stage of xtoolkit's call path on a payload captured from the
sandbox (resolve the market, take the rate gate, build/sign the request, decode, parse, build
the frame) next to the bare baseline's decode + frame, in µs per call with no profiler
attached. :func:`hotspots` runs real, paced calls under ``cProfile`` and lists the xtoolkit
functions (``file:function``) with their own and cumulative µs per call (profiler overhead
inflates absolute numbers; the ranking is what matters).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xtoolkit as xt
from benchlib import frames
from benchlib.harness import Contender, Harness, Item
from benchlib.ours import MARKET
from xtoolkit._frames import frame
from xtoolkit._ratelimit import Gate
from xtoolkit.exchanges._spec import Call, RateLimit

__all__ = ["hotspots", "stages"]

_ROOT = str(Path(xt.__file__).resolve().parent)


def _per_call_us(fn: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


async def _async_per_call_us(fn: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        await fn()
    return (time.perf_counter() - t0) / n * 1e6


def _bare_frame(item: Item, payloads: list[Any]) -> Callable[[], Any]:
    """The bare baseline's frame-building step for ``item``'s payloads."""
    venue = item.args[0]
    p = payloads[0]
    if item.method == "orderbook":
        if venue == "binance":
            return lambda: frames.book_frame("binance", "BTC/USDT", p["bids"], p["asks"], 0)
        units = p[0]["orderbook_units"]
        bids = [(u["bid_price"], u["bid_size"]) for u in units]
        asks = [(u["ask_price"], u["ask_size"]) for u in units]
        return lambda: frames.book_frame("upbit", "BTC/KRW", bids, asks, 0)
    if item.method == "balances":
        if venue == "binance":
            bs = p["balances"]
            return lambda: frames.balances_frame(
                "binance", [b["asset"] for b in bs], [b["free"] for b in bs], [b["locked"] for b in bs]
            )
        return lambda: frames.balances_frame(
            "upbit", [b["currency"] for b in p], [b["balance"] for b in p], [b["locked"] for b in p]
        )
    if venue == "binance":
        t = p[0]
        cols = {
            "symbol": ["BTC/USDT"],
            "bid": [t["bidPrice"]],
            "bid_qty": [t["bidQty"]],
            "ask": [t["askPrice"]],
            "ask_qty": [t["askQty"]],
            "last": [t["lastPrice"]],
            "volume_24h": [t["volume"]],
            "quote_volume_24h": [t["quoteVolume"]],
            "change_24h_pct": [t["priceChangePercent"]],
            "ts": [t["closeTime"]],
        }
    else:
        t, top = p[0], payloads[1][0]["orderbook_units"][0]
        cols = {
            "symbol": ["BTC/KRW"],
            "bid": [top["bid_price"]],
            "bid_qty": [top["bid_size"]],
            "ask": [top["ask_price"]],
            "ask_qty": [top["ask_size"]],
            "last": [t["trade_price"]],
            "volume_24h": [t["acc_trade_volume_24h"]],
            "quote_volume_24h": [t["acc_trade_price_24h"]],
            "change_24h_pct": [t["signed_change_rate"] * 100.0],
            "ts": [t["timestamp"]],
        }
    return lambda: frames.tickers_frame(venue, cols)


async def _stages_of(engine: xt.AsyncClient, item: Item, n: int) -> dict[str, float]:
    venue_name = item.args[0]
    venue = engine.venue(venue_name)
    adapter = venue.adapter
    ref = await engine.resolve(MARKET[venue_name])
    calls: list[Call]
    if item.method == "orderbook":
        calls = [adapter.orderbook_call(ref.native, item.args[1])]
        kind = "orderbook"
    elif item.method == "balances":
        calls = [adapter.balances_call()]
        kind = "balances"
    else:
        calls = list(adapter.tickers_calls([ref.native]))
        kind = "tickers"
    bodies = [json.dumps((await engine.send(venue_name, c)).payload).encode() for c in calls]
    payloads = [json.loads(b) for b in bodies]

    def parse() -> Any:
        if kind == "orderbook":
            return adapter.parse_orderbook(payloads[0], ref, item.args[1], 0)
        if kind == "balances":
            return adapter.parse_balances(payloads[0])
        return adapter.parse_tickers(payloads, {ref.native: ref}, 0)

    def acquire_all() -> Any:
        async def run() -> None:
            for c in calls:
                ep = adapter.endpoints[c.endpoint]
                await gate.acquire(ep.group, ep.cost(c.params), max_wait=30.0)

        return run()

    def build_all() -> None:
        for c in calls:
            nonce = "6f5c3f0e-8a2b-4c1d-9e7f-0123456789ab" if adapter.endpoints[c.endpoint].signed else ""
            adapter.build(c, venue.credentials, now_ms=venue.clock.now_ms(), nonce=nonce)

    # A private gate with room for every event: the cost of the check, not of waiting.
    gate = Gate(venue_name, {g: RateLimit(g, 10**12, rl.window) for g, rl in adapter.rate_limits.items()})
    cols = parse()
    resolve = 0.0
    if item.method != "balances":
        resolve = await _async_per_call_us(lambda: engine.resolve(MARKET[venue_name]), n)
    return {
        "requests": len(calls),
        "resolve market": resolve,
        "rate gate acquire": await _async_per_call_us(acquire_all, n),
        # Only signed requests make one (the transport passes "" to public builds).
        "nonce (uuid4)": _per_call_us(lambda: str(uuid.uuid4()), n)
        * sum(1 for c in calls if adapter.endpoints[c.endpoint].signed),
        "build/sign request": _per_call_us(build_all, n),
        "decode JSON": _per_call_us(lambda: [json.loads(b) for b in bodies], n),
        "parse payload": _per_call_us(parse, n),
        "build frame": _per_call_us(lambda: frame(kind, cols), n),
        "bare: build frame": _per_call_us(_bare_frame(item, payloads), n),
    }


def stages(
    engine: xt.AsyncClient, items: list[Item], loop: asyncio.AbstractEventLoop, n: int = 300
) -> dict[str, dict[str, float]]:
    """µs per call of each pure stage of xtoolkit's path, per per-call item."""
    return {item.key: loop.run_until_complete(_stages_of(engine, item, n)) for item in items}


def _package(path: str, fn: str) -> str:
    if "epoll" in fn or "select" in fn:
        return "waiting on sockets (epoll)"
    for name in ("xtoolkit", "pandas", "numpy", "aiohttp", "yarl", "multidict", "asyncio", "json", "jwt"):
        if f"/{name}/" in path or path.endswith(f"/{name}.py"):
            return name
    return "other" if path.startswith("/") else "builtins"


def hotspots(harness: Harness, contender: Contender, item: Item, calls: int, top: int = 12) -> dict[str, Any]:
    """``calls`` paced calls of ``item`` under cProfile; xtoolkit's heaviest functions."""
    prof = cProfile.Profile()
    for _ in range(calls):
        harness.pacer.wait(item.costs)
        prof.enable()
        harness.call(contender, item)
        prof.disable()
    st = pstats.Stats(prof)
    rows = []
    by_package: dict[str, float] = {}
    for (path, line, fn), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        pkg = _package(path, fn)
        by_package[pkg] = by_package.get(pkg, 0.0) + tt
        if path.startswith(_ROOT):
            rel = Path(path).relative_to(Path(_ROOT).parent)
            rows.append(
                {
                    "where": f"{rel}:{fn}",
                    "line": line,
                    "calls_per_call": nc / calls,
                    "self_us": tt / calls * 1e6,
                    "cumulative_us": ct / calls * 1e6,
                }
            )
    return {
        "item": item.key,
        "contender": contender.key,
        "calls": calls,
        "self_us_by_package": {
            k: v / calls * 1e6 for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])
        },
        "by_self": sorted(rows, key=lambda r: -r["self_us"])[:top],
        "by_cumulative": sorted(rows, key=lambda r: -r["cumulative_us"])[:top],
    }
