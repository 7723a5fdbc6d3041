"""Fidelity of the sandbox, proven by a client nobody here wrote: ccxt.

ccxt's own ``binance`` and ``upbit`` classes are pointed at the sandbox purely by
configuration (``urls['api']`` overrides, ``options``, keys) — no patched logic. If ccxt rejects
a response, the sandbox is wrong. Covered: load markets, tickers, order books, balances, and
creating / fetching / cancelling a limit order on each exchange (plus OHLCV and trades), market
orders, and the wallet and fee reads (Binance /sapi currencies and trade fees; Upbit
orders/chance fees, status/wallet, withdraws/chance). The websocket side: test_fidelity_ccxt_ws.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from xtoolkit.sandbox import Sandbox

ccxt = pytest.importorskip("ccxt")


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=21, freeze=True) as sb:
        yield sb


@pytest.fixture(scope="module")
def binance(box: Sandbox) -> Any:
    key, secret = box.keys["binance"]
    ex = ccxt.binance(
        {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": False,
            "timeout": 10_000,
            "options": {
                "defaultType": "spot",
                "fetchCurrencies": False,  # would call /sapi (not a spot REST endpoint)
                "fetchMargins": False,  # ditto: margin pair lists
                "fetchMarkets": {"types": ["spot"]},
            },
        }
    )
    ex.urls["api"]["public"] = f"{box.url}/api/v3"
    ex.urls["api"]["private"] = f"{box.url}/api/v3"
    return ex


@pytest.fixture(scope="module")
def upbit(box: Sandbox) -> Any:
    key, secret = box.keys["upbit"]
    ex = ccxt.upbit({"apiKey": key, "secret": secret, "enableRateLimit": True, "timeout": 10_000})
    ex.urls["api"] = {"public": box.url, "private": box.url}
    return ex


def test_binance_markets(binance: Any) -> None:
    markets = binance.load_markets()
    btc = markets["BTC/USDT"]
    assert btc["id"] == "BTCUSDT" and btc["spot"] and btc["active"]
    assert btc["precision"]["price"] == 0.01 and btc["precision"]["amount"] == 0.00001
    assert btc["limits"]["cost"]["min"] == 5.0
    assert markets["ETH/BTC"]["quote"] == "BTC"
    assert not markets["WAVES/USDT"]["active"], "BREAK status is inactive for ccxt"


def test_binance_tickers_book_balance(binance: Any, box: Sandbox) -> None:
    tickers = binance.fetch_tickers(["BTC/USDT", "ETH/USDT"])
    btc = tickers["BTC/USDT"]
    assert btc["bid"] < btc["ask"] and btc["low"] <= btc["last"] <= btc["high"]
    assert btc["baseVolume"] > 0 and btc["timestamp"]
    everything = binance.fetch_tickers()
    assert len(everything) >= 23
    one = binance.fetch_ticker("SOL/USDT")
    assert one["symbol"] == "SOL/USDT"
    book = binance.fetch_order_book("BTC/USDT", limit=20)
    assert len(book["bids"]) == 20 and book["bids"][0][0] < book["asks"][0][0]
    assert book["nonce"]
    balance = binance.fetch_balance()
    assert balance["USDT"]["free"] == 10_000.0 and balance["BTC"]["total"] > 0


def test_binance_limit_order_lifecycle(binance: Any, box: Sandbox) -> None:
    bid, _ = box.market.best("binance", "BTCUSDT")
    price = float(bid * Decimal("0.98"))
    order = binance.create_order("BTC/USDT", "limit", "buy", 0.001, price)
    assert order["status"] == "open" and order["id"] and order["clientOrderId"]
    assert order["price"] == pytest.approx(round(price, 2))
    fetched = binance.fetch_order(order["id"], "BTC/USDT")
    assert fetched["status"] == "open" and fetched["remaining"] == 0.001
    assert [o["id"] for o in binance.fetch_open_orders("BTC/USDT")] == [order["id"]]
    balance = binance.fetch_balance()
    assert balance["USDT"]["used"] == pytest.approx(0.001 * round(price, 2))
    canceled = binance.cancel_order(order["id"], "BTC/USDT")
    assert canceled["status"] == "canceled"
    assert binance.fetch_order(order["id"], "BTC/USDT")["status"] == "canceled"
    with pytest.raises(ccxt.OrderNotFound):
        binance.cancel_order(order["id"], "BTC/USDT")


def test_binance_market_order_and_errors(binance: Any) -> None:
    order = binance.create_order("ETH/USDT", "market", "buy", 0.01)
    assert order["status"] == "closed" and order["filled"] == 0.01
    assert order["fee"]["currency"] == "ETH" and order["trades"]
    with pytest.raises(ccxt.InsufficientFunds):
        binance.create_order("BTC/USDT", "market", "buy", 50)
    with pytest.raises(ccxt.InvalidOrder):
        binance.create_order("BTC/USDT", "limit", "buy", 0.00001, 1000)  # notional / percent


def test_binance_ohlcv_and_trades(binance: Any) -> None:
    candles = binance.fetch_ohlcv("BTC/USDT", "1h", limit=5)
    assert len(candles) == 5 and all(c[2] >= max(c[1], c[4]) for c in candles)
    trades = binance.fetch_trades("BTC/USDT", limit=10)
    assert len(trades) == 10 and trades[0]["price"] > 0


def test_upbit_markets_tickers_book_balance(upbit: Any) -> None:
    markets = upbit.load_markets()
    assert "BTC/KRW" in markets and "USDT/KRW" in markets and "ETH/BTC" in markets
    tickers = upbit.fetch_tickers(["BTC/KRW", "ETH/KRW"])
    assert tickers["BTC/KRW"]["last"] > 100_000_000
    everything = upbit.fetch_tickers()
    assert len(everything) == len(markets)
    book = upbit.fetch_order_book("BTC/KRW")
    assert len(book["bids"]) == 30 and book["bids"][0][0] < book["asks"][0][0]
    balance = upbit.fetch_balance()
    assert balance["KRW"]["free"] == 10_000_000.0 and balance["BTC"]["total"] > 0


def test_upbit_limit_order_lifecycle(upbit: Any, box: Sandbox) -> None:
    bid, _ = box.market.best("upbit", "KRW-BTC")
    price = float((bid * Decimal("0.98")) // 1000 * 1000)
    order = upbit.create_order("BTC/KRW", "limit", "buy", 0.001, price)
    assert order["status"] == "open" and order["id"]
    fetched = upbit.fetch_order(order["id"])
    assert fetched["status"] == "open" and fetched["price"] == price
    assert [o["id"] for o in upbit.fetch_open_orders("BTC/KRW")] == [order["id"]]
    canceled = upbit.cancel_order(order["id"])
    assert canceled["id"] == order["id"]
    assert upbit.fetch_order(order["id"])["status"] == "canceled"
    with pytest.raises(ccxt.OrderNotFound):
        upbit.fetch_order("00000000-0000-4000-8000-000000000000")


def test_upbit_market_buy_and_history(upbit: Any) -> None:
    order = upbit.create_order("XRP/KRW", "market", "buy", None, None, {"cost": 10_000})
    done = upbit.fetch_order(order["id"])
    assert done["filled"] > 0 and done["status"] in ("closed", "canceled")
    candles = upbit.fetch_ohlcv("BTC/KRW", "1m", limit=5)
    assert len(candles) == 5 and candles[0][0] < candles[-1][0]
    trades = upbit.fetch_trades("BTC/KRW", limit=5)
    assert len(trades) == 5
    with pytest.raises(ccxt.InsufficientFunds):
        upbit.create_order("BTC/KRW", "limit", "buy", 1, 100_000_000)


def test_binance_currencies_and_fees_from_sapi(box: Sandbox) -> None:
    # ccxt reads the wallet from /sapi/v1/capital/config/getall and fees from /sapi/v1/asset/tradeFee.
    key, secret = box.keys["binance"]
    ex = ccxt.binance({"apiKey": key, "secret": secret, "enableRateLimit": False, "timeout": 10_000,
                       "options": {"defaultType": "spot", "fetchMargins": False, "fetchMarkets": {"types": ["spot"]}}})
    for name in ("public", "private"):
        ex.urls["api"][name] = f"{box.url}/api/v3"
    ex.urls["api"]["sapi"] = f"{box.url}/sapi/v1"
    currencies = ex.fetch_currencies()
    btc = currencies["BTC"]
    assert btc["networks"] and all(n["fee"] is not None for n in btc["networks"].values())
    fee = ex.fetch_trading_fee("BTC/USDT")
    assert fee["symbol"] == "BTC/USDT" and fee["maker"] == 0.001 and fee["taker"] == 0.001


def test_upbit_fees_and_wallet_reads(upbit: Any) -> None:
    fee = upbit.fetch_trading_fee("BTC/KRW")  # GET /v1/orders/chance
    assert fee["symbol"] == "BTC/KRW" and fee["maker"] == 0.0005 and fee["taker"] == 0.0005
    # ccxt's implicit API signs these like any private call (JWT; query_hash for the chance).
    status = upbit.private_get_status_wallet()
    assert any(row["currency"] == "BTC" and row["net_type"] == "BTC" for row in status)
    chance = upbit.private_get_withdraws_chance({"currency": "BTC", "net_type": "BTC"})
    assert chance["currency"]["code"] == "BTC" and float(chance["currency"]["withdraw_fee"]) > 0
