"""The blocking Client: same verbs, works inside a running event loop, lifecycle, defaults."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from scripted_server import Reply, ScriptedServer
from sigint import interruptible
from spec_examples import example

import xtoolkit as xt


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    srv.default("GET", "/api/v3/depth", Reply(body=example("binance", "depth")))
    srv.default("GET", "/v1/orderbook", Reply(body=example("upbit", "orderbook")))
    yield srv
    srv.stop()


def make(server: ScriptedServer) -> xt.Client:
    return xt.Client(base_urls={"binance": server.url, "upbit": server.url}, use_env=False)


def test_blocking_call_in_a_script(server: ScriptedServer) -> None:
    with make(server) as c:
        df = c.orderbook("upbit:BTC/KRW", depth=5)
    assert set(df.side) == {"bid", "ask"}


async def test_blocking_call_inside_a_running_loop(server: ScriptedServer) -> None:
    # This is a notebook cell: an event loop is already running on this thread.
    asyncio.get_running_loop()
    with make(server) as c:
        df = c.orderbook("binance:BTC/USDT", depth=5)
        again = await c.arun(c.engine.orderbook("upbit:BTC/KRW", depth=5))
    assert len(df) == 10 and len(again) == 10


def test_interrupt_cancels_the_call_in_flight(server: ScriptedServer) -> None:
    server.script("GET", "/api/v3/depth", Reply(delay=5))
    c = make(server)
    main = threading.main_thread()
    assert threading.current_thread() is main
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with interruptible(), pytest.raises(KeyboardInterrupt):
        c.orderbook("binance:BTC/USDT")
    assert time.monotonic() - t0 < 2
    # The client stays usable after an interrupted call.
    assert len(c.orderbook("binance:BTC/USDT", depth=5)) == 10
    c.close()


def test_no_reuse_after_close(server: ScriptedServer) -> None:
    c = make(server)
    c.close()
    c.close()  # idempotent
    with pytest.raises(xt.ClientClosed):
        c.orderbook("binance:BTC/USDT")


def test_signatures_are_visible() -> None:
    for name in ("tickers", "orderbook", "trades", "candles", "balances", "open_orders", "markets"):
        sync, engine = (
            inspect.signature(getattr(xt.Client, name)),
            inspect.signature(getattr(xt.AsyncClient, name)),
        )
        assert sync == engine
        assert getattr(xt.Client, name).__doc__ == getattr(xt.AsyncClient, name).__doc__
    params = inspect.signature(xt.tickers).parameters
    assert list(params) == ["markets", "raw"]


def test_module_level_verbs_use_the_default_client(server: ScriptedServer) -> None:
    xt.set_default_client(make(server))
    try:
        assert len(xt.orderbook("upbit:BTC/KRW", depth=3)) == 6
    finally:
        xt.set_default_client(None)


def test_public_api_is_sorted_and_complete() -> None:
    assert xt.__all__ == sorted(xt.__all__, key=lambda n: (not n.isupper(), n)) or sorted(
        xt.__all__
    ) == sorted(set(xt.__all__))
    for name in xt.__all__:
        assert hasattr(xt, name), name
