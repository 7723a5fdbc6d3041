"""Unified and native symbols round-trip; unknown markets are clear errors."""

from __future__ import annotations

import pytest
from spec_examples import example

import xtoolkit as xt
from xtoolkit._models import MarketRef, Symbol
from xtoolkit.exchanges.binance import BinanceAdapter
from xtoolkit.exchanges.upbit import UpbitAdapter

B, U = BinanceAdapter(), UpbitAdapter()


@pytest.mark.parametrize("native", [m["market"] for m in example("upbit", "market_all")])
def test_upbit_native_round_trip(native: str) -> None:
    symbol = U.parse_native(native)
    assert symbol is not None and U.native(symbol) == native
    assert native.startswith(symbol.quote + "-")  # quote first on Upbit


@pytest.mark.parametrize(
    "info", example("binance", "exchange_info_multi")["symbols"], ids=lambda s: s["symbol"]
)
def test_binance_native_round_trip(info: dict) -> None:
    symbol = B.parse_native(info["symbol"])
    assert symbol == Symbol(info["baseAsset"], info["quoteAsset"])
    assert B.native(symbol) == info["symbol"]


def test_symbol_text() -> None:
    s = Symbol.parse(" btc / krw ")
    assert str(s) == "BTC/KRW" and s == Symbol("BTC", "KRW")
    assert str(MarketRef("upbit", s, "KRW-BTC")) == "upbit:BTC/KRW"
    with pytest.raises(xt.InvalidArgument):
        Symbol.parse("BTC-KRW")


async def test_client_resolves_every_spelling() -> None:
    async with xt.AsyncClient(use_env=False) as ac:
        want = MarketRef("upbit", Symbol("BTC", "KRW"), "KRW-BTC")
        for text in ("upbit:BTC/KRW", "upbit:btc/krw", "upbit:KRW-BTC", "KRW-BTC", want):
            assert await ac.resolve(text) == want
        assert (await ac.resolve("BTCUSDT")) == MarketRef("binance", Symbol("BTC", "USDT"), "BTCUSDT")
        assert str(await ac.resolve("binance:ETH/BTC")) == "binance:ETH/BTC"
        with pytest.raises(xt.InvalidArgument, match="which exchange"):
            await ac.resolve("BTC/USDT")
        with pytest.raises(xt.InvalidArgument, match="not configured"):
            await ac.resolve("kraken:BTC/USD")
    async with xt.AsyncClient(use_env=False, default_exchange="upbit") as ac:
        assert (await ac.resolve("BTC/KRW")).native == "KRW-BTC"
