"""Fidelity of the sandbox's websockets, proven by a client nobody here wrote: ccxt.pro.

ccxt's own ``binance`` / ``upbit`` websocket classes, pointed at the sandbox by configuration
only (``urls['api']['ws']`` and the REST roots their order books sync from). ccxt connects to
``<root>/ws/<n>`` and adds every stream by ``SUBSCRIBE`` (Binance spec §11.1-11.2); Upbit takes
one JSON array and answers in binary frames (Upbit spec §8). If ccxt rejects what the sandbox
sends, the sandbox is wrong.

The Binance side relies on the sandbox accepting a ``/ws/<n>`` handshake whose segment is no
stream name (ccxt's connection index, spec §11.1) and serving ``<symbol>@ticker``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from xtoolkit.sandbox import Sandbox

ccxt = pytest.importorskip("ccxt")
ccxtpro = pytest.importorskip("ccxt.pro")

TIMEOUT = 10.0


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=21, freeze=True) as sb:
        yield sb


@pytest.fixture
async def binance(box: Sandbox) -> AsyncIterator[Any]:
    key, secret = box.keys["binance"]
    ex = ccxtpro.binance(
        {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": False,
            "timeout": 10_000,
            "options": {
                "defaultType": "spot",
                "fetchCurrencies": False,
                "fetchMargins": False,
                "fetchMarkets": {"types": ["spot"]},
            },
        }
    )
    ex.urls["api"]["public"] = f"{box.url}/api/v3"
    ex.urls["api"]["private"] = f"{box.url}/api/v3"
    ex.urls["api"]["ws"]["spot"] = box.ws_urls["binance"] + "/ws"
    try:
        yield ex
    finally:
        await ex.close()


@pytest.fixture
async def upbit(box: Sandbox) -> AsyncIterator[Any]:
    key, secret = box.keys["upbit"]
    ex = ccxtpro.upbit({"apiKey": key, "secret": secret, "enableRateLimit": True, "timeout": 10_000})
    ex.urls["api"]["public"] = box.url
    ex.urls["api"]["private"] = box.url
    ex.urls["api"]["ws"] = box.ws_urls["upbit"] + "/websocket/v1"
    try:
        yield ex
    finally:
        await ex.close()


async def while_stepping(box: Sandbox, watch: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``watch()`` while the frozen market steps (bounded), so streams have news to send."""
    task = asyncio.ensure_future(watch())
    deadline = time.monotonic() + TIMEOUT
    try:
        while not task.done():
            if time.monotonic() > deadline:
                raise AssertionError(f"ccxt's watch did not return within {TIMEOUT} s")
            await asyncio.to_thread(box.market.step, 1)
            await asyncio.wait({task}, timeout=0.3)
        return task.result()
    finally:
        if not task.done():
            task.cancel()


async def test_binance_watch_order_book_syncs_and_matches_rest(binance: Any, box: Sandbox) -> None:
    book = await while_stepping(box, lambda: binance.watch_order_book("BTC/USDT"))
    assert book["symbol"] == "BTC/USDT" and book["nonce"]
    assert book["bids"][0][0] < book["asks"][0][0]
    # The market stands still now: once ccxt has applied the last diff, its book is the venue's.
    rest = await binance.fetch_order_book("BTC/USDT", limit=5)
    deadline = time.monotonic() + TIMEOUT
    while binance.orderbooks["BTC/USDT"]["nonce"] != rest["nonce"]:
        assert time.monotonic() < deadline, "ccxt's book never reached the REST book's update id"
        await asyncio.sleep(0.05)
    local = binance.orderbooks["BTC/USDT"].limit()
    assert local["bids"][:5] == rest["bids"] and local["asks"][:5] == rest["asks"]


async def test_binance_watch_trades(binance: Any, box: Sandbox) -> None:
    trades = await while_stepping(box, lambda: binance.watch_trades("BTC/USDT"))
    assert trades and all(t["symbol"] == "BTC/USDT" and t["price"] > 0 and t["amount"] > 0 for t in trades)
    assert all(t["side"] in ("buy", "sell") and t["timestamp"] for t in trades)
    recent = {t["id"]: t for t in await binance.fetch_trades("BTC/USDT", limit=1000)}
    for t in trades:  # every streamed trade is one the venue's REST knows, with the same numbers
        assert (recent[t["id"]]["price"], recent[t["id"]]["amount"]) == (t["price"], t["amount"])


async def test_binance_watch_ticker(binance: Any, box: Sandbox) -> None:
    ticker = await while_stepping(box, lambda: binance.watch_ticker("BTC/USDT"))
    assert ticker["symbol"] == "BTC/USDT" and ticker["last"] > 0 and ticker["timestamp"]
    assert ticker["low"] <= ticker["last"] <= ticker["high"] and ticker["baseVolume"] > 0


async def test_upbit_watch_ticker_matches_rest(upbit: Any, box: Sandbox) -> None:
    ticker = await while_stepping(box, lambda: upbit.watch_ticker("BTC/KRW"))
    assert ticker["symbol"] == "BTC/KRW" and ticker["last"] > 100_000_000
    assert ticker["baseVolume"] > 0 and ticker["timestamp"]


async def test_upbit_watch_order_book(upbit: Any, box: Sandbox) -> None:
    book = await while_stepping(box, lambda: upbit.watch_order_book("BTC/KRW"))
    assert book["symbol"] == "BTC/KRW" and len(book["bids"]) > 0
    assert book["bids"][0][0] < book["asks"][0][0]


async def test_upbit_watch_trades(upbit: Any, box: Sandbox) -> None:
    trades = await while_stepping(box, lambda: upbit.watch_trades("BTC/KRW"))
    assert trades and all(t["symbol"] == "BTC/KRW" and t["price"] > 0 for t in trades)
    assert all(t["side"] in ("buy", "sell") for t in trades)
