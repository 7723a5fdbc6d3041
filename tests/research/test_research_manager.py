"""The exchange manager: instant switching, short names, info, proxied verbs."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from research_fixtures import box_fixture, client_fixture  # noqa: F401  (fixtures)

import xtoolkit as xt
from xtoolkit import research as xr


@pytest.fixture
def offline() -> Iterator[xt.Client]:
    # Nothing listens on port 9: these tests must not touch the network at all.
    c = xt.Client(base_urls={"binance": "http://127.0.0.1:9", "upbit": "http://127.0.0.1:9"}, use_env=False)
    yield c
    c.close()


def test_short_names_follow_the_active_exchange(offline: xt.Client) -> None:
    m = xr.ExchangeManager(offline)
    assert m.active == "binance" and m.exchanges == ["binance", "upbit"]
    assert m.market("BTC") == "binance:BTC/USDT"
    assert m.market("eth/btc") == "binance:ETH/BTC"
    assert m.market("upbit:KRW-BTC") == "upbit:KRW-BTC"
    assert m.use("upbit") is m and m.active == "upbit"
    assert m.market("btc") == "upbit:BTC/KRW" and m.market("KRW-ETH") == "upbit:KRW-ETH"
    assert m.markets_of(["BTC", "ETH"]) == ["upbit:BTC/KRW", "upbit:ETH/KRW"]
    assert m.market("BTC", exchange="binance") == "binance:BTC/USDT"
    assert xr.ExchangeManager(offline, active="upbit", quotes={"binance": "fdusd"}).market(
        "BTC", "binance"
    ) == ("binance:BTC/FDUSD")
    with pytest.raises(xt.InvalidArgument):
        m.use("kraken")
    with pytest.raises(xt.InvalidArgument):
        m.market("BTC USDT")
    assert m.active == "upbit"  # a failed switch changes nothing


def test_info(offline: xt.Client) -> None:
    info = xr.ExchangeManager(offline).use("upbit").info()
    assert list(info.columns) == list(xt.SCHEMAS["exchanges"])
    assert info.exchange.tolist() == ["binance", "upbit"] and info.active.tolist() == [False, True]
    assert info.quote.tolist() == ["USDT", "KRW"] and not info.keyed.any()
    assert (info.base_url == "http://127.0.0.1:9").all()
    assert "*upbit(public)" in repr(xr.ExchangeManager(offline, active="upbit"))


def test_switching_keeps_the_warm_session(client: xt.Client, box: object) -> None:
    m = xr.ExchangeManager(client)
    a = m.tickers(["BTC", "ETH"])
    session = client.engine._transport._session
    assert session is not None
    m.use("upbit")
    b = m.tickers(["BTC", "ETH"])
    assert a.exchange.tolist() == ["binance"] * 2 and b.symbol.tolist() == ["BTC/KRW", "ETH/KRW"]
    pd.testing.assert_frame_equal(
        m.orderbook("BTC", depth=5).drop(columns="ts"),
        client.orderbook("upbit:BTC/KRW", depth=5).drop(columns="ts"),
    )
    assert client.engine._transport._session is session  # no reconnect on switching
    assert set(m.balances().exchange) == {"upbit"}
    candles = m.candles("BTC", interval="1m", limit=5)  # Upbit skips minutes without trades
    assert 0 < len(candles) <= 5 and set(candles.symbol) == {"BTC/KRW"}
    assert m.market_info("BTC").native == "KRW-BTC"
