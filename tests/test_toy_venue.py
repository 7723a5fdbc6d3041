"""A third venue by one package and one registry line: tickers, orderbook and a stream.

``tests/toyvenue/`` is everything ToyEx is (REST adapter, websocket protocol, its VenueSpec);
the one registry line is ``register_venue(toyvenue.VENUE)``. Nothing in ``xtoolkit/`` names
it: the ordinary client verbs and ``MarketStream`` run through it unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import toyvenue
from toyvenue.server import TRADES, ToyServer

import xtoolkit as xt
from xtoolkit.exchanges import exchanges, register_venue, unregister_venue
from xtoolkit.stream import STREAM_HOSTS, ConnectionPolicy, MarketStream


@pytest.fixture
def toy() -> Iterator[ToyServer]:
    register_venue(toyvenue.VENUE)  # the one registry line
    try:
        with ToyServer() as server:
            yield server
    finally:
        unregister_venue("toyex")


def _client(server: ToyServer) -> xt.Client:
    return xt.Client(exchanges=["toyex"], base_urls={"toyex": server.url}, use_env=False)


def test_the_registry_knows_the_new_venue(toy: ToyServer) -> None:
    assert "toyex" in exchanges()
    assert STREAM_HOSTS["toyex"] == "wss://stream.toyex.invalid"
    with pytest.raises(xt.InvalidArgument, match="already registered"):
        register_venue(toyvenue.VENUE)


def test_tickers_and_orderbook_through_the_toy_venue(toy: ToyServer) -> None:
    with _client(toy) as client:
        tickers = client.tickers(["toyex:BTC/USD", "BTC_USD"])  # unified and native, one row
        book = client.orderbook("toyex:BTC/USD", depth=2)
        with pytest.raises(xt.UnknownMarket):
            client.tickers("toyex:ETH/USD")
    assert tickers[["exchange", "symbol", "bid", "ask", "last"]].values.tolist() == [
        ["toyex", "BTC/USD", 100.0, 100.5, 100.25]
    ]
    assert tickers["ts"].iloc[0] == pd.Timestamp(1_700_000_000_000, unit="ms", tz="UTC")
    assert book[["side", "level", "price", "qty"]].values.tolist() == [
        ["bid", 0, 100.0, 1.5],
        ["bid", 1, 99.5, 2.0],
        ["ask", 0, 100.5, 0.7],
        ["ask", 1, 101.0, 3.0],
    ]
    assert ("GET", "/api/book", {"code": "BTC_USD", "depth": "2"}) in toy.requests


def test_a_trades_stream_through_the_toy_venue(toy: ToyServer) -> None:
    policy = ConnectionPolicy(heartbeat=1.0, stale_after=5.0, max_attempts=2)
    with _client(toy) as client:
        live = MarketStream(client, ["toyex:BTC/USD"], channels=("trades",), policy=policy).start()
        deadline = time.monotonic() + 10
        while len(live.frame()) < TRADES and time.monotonic() < deadline:
            time.sleep(0.02)
        df = live.stop()
    assert toy.subscriptions == [{"op": "sub", "channel": "trades", "codes": ["BTC_USD"]}]
    trades = df[~df["gap"]]
    assert trades["exchange"].tolist() == ["toyex"] * TRADES
    assert trades["symbol"].tolist() == ["BTC/USD"] * TRADES
    assert trades["channel"].tolist() == ["trades"] * TRADES
    assert trades["price"].tolist() == [100.5, 101.0, 101.5, 102.0, 102.5]
    assert trades["side"].tolist() == ["buy", "sell", "buy", "sell", "buy"]


def test_a_new_venue_is_one_package() -> None:
    """What the new venue took: the files of its package, and no file of xtoolkit/ names it."""
    package = Path(toyvenue.__file__).parent
    files = sorted(p.name for p in package.glob("*.py"))
    assert files == ["__init__.py", "rest.py", "server.py", "ws.py"]  # server.py: the fake venue
    root = Path(xt.__file__).parent
    assert not [p for p in root.rglob("*.py") if "toyex" in p.read_text(encoding="utf-8")]
