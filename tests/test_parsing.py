"""Every example payload from the protocol spec, parsed into frames with exact values."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from spec_examples import example

from xtoolkit._frames import SCHEMAS, frame, merge_columns
from xtoolkit._models import MarketRef, Symbol
from xtoolkit.exchanges.binance import BinanceAdapter
from xtoolkit.exchanges.upbit import UpbitAdapter

B, U = BinanceAdapter(), UpbitAdapter()
BTCUSDT = MarketRef("binance", Symbol("BTC", "USDT"), "BTCUSDT")
KRWBTC = MarketRef("upbit", Symbol("BTC", "KRW"), "KRW-BTC")


def _check_schema(df: pd.DataFrame, kind: str) -> None:
    expected = list(SCHEMAS[kind])
    assert list(df.columns)[: len(expected)] == expected
    for name, dtype in SCHEMAS[kind].items():
        assert str(df[name].dtype) == dtype, (name, df[name].dtype)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --- Binance -------------------------------------------------------------------------------


def test_binance_ticker_24hr_single_object() -> None:
    cols = B.parse_tickers([example("binance", "ticker_24hr")], {"BTCUSDT": BTCUSDT}, 0)
    df = frame("tickers", cols)
    _check_schema(df, "tickers")
    row = df.iloc[0]
    assert (row.exchange, row.symbol) == ("binance", "BTC/USDT")
    assert (row.bid, row.bid_qty, row.ask, row.ask_qty) == (91234.56, 1.20831, 91234.57, 3.4162)
    assert (row["last"], row.volume_24h, row.quote_volume_24h) == (
        91234.57,
        14021.5322,
        1270503311.1947214,
    )
    assert row.change_24h_pct == 1.147
    assert row.ts == pd.Timestamp(1795430400122, unit="ms", tz="UTC")


def test_binance_depth_sides_levels_and_order() -> None:
    payload = example("binance", "depth")
    df = frame("orderbook", B.parse_orderbook(payload, BTCUSDT, 100, 1795430400000))
    _check_schema(df, "orderbook")
    bids, asks = df[df.side == "bid"], df[df.side == "ask"]
    assert len(bids) == len(payload["bids"]) and len(asks) == len(payload["asks"])
    assert bids.price.tolist() == [float(p) for p, _ in payload["bids"]]
    assert asks.qty.tolist() == [float(q) for _, q in payload["asks"]]
    assert bids.level.tolist() == list(range(len(bids)))
    assert bids.price.is_monotonic_decreasing and asks.price.is_monotonic_increasing
    assert (df.ts == pd.Timestamp(1795430400000, unit="ms", tz="UTC")).all()


def test_binance_depth_truncates_to_requested_depth() -> None:
    df = frame("orderbook", B.parse_orderbook(example("binance", "depth"), BTCUSDT, 2, 0))
    assert df.groupby("side").size().to_dict() == {"ask": 2, "bid": 2}


def test_binance_trades_taker_side() -> None:
    cols, cursor = B.parse_trades(example("binance", "trades"), BTCUSDT)
    df = frame("trades", cols)
    _check_schema(df, "trades")
    assert df.trade_id.tolist() == ["5412345678", "5412345679"]
    assert df.side.tolist() == ["buy", "sell"]  # isBuyerMaker=true means the seller was the taker
    assert df.quote_qty.tolist() == [109.481484, 3649.3824]
    assert df.ts.iloc[0] == pd.Timestamp(1795430399871, unit="ms", tz="UTC")
    assert cursor is None


def test_binance_klines() -> None:
    payload = example("binance", "klines")
    df = frame("candles", B.parse_candles(payload, BTCUSDT, "1m"))
    _check_schema(df, "candles")
    first = df.iloc[0]
    assert first.open_time == pd.Timestamp(1795430220000, unit="ms", tz="UTC")
    assert first.close_time == pd.Timestamp(1795430279999, unit="ms", tz="UTC")
    assert (first.open, first.high, first.low, first.close) == (
        91180.01,
        91250.0,
        91172.4,
        91231.99,
    )
    assert (first.volume, first.quote_volume, first.trades) == (14.80312, 1350204.6645283, 3121.0)
    assert len(df) == len(payload)


def test_binance_account_balances() -> None:
    payload = example("binance", "account")
    df = frame("balances", B.parse_balances(payload))
    _check_schema(df, "balances")
    btc = df[df.asset == "BTC"].iloc[0]
    assert (btc.free, btc.locked, btc.total) == (0.512, 0.01, 0.522)
    nonzero = [b for b in payload["balances"] if float(b["free"]) or float(b["locked"])]
    assert len(df) == len(nonzero)


@pytest.mark.parametrize(
    "name",
    [
        "order_new",
        "order_new_result",
        "order_new_market_full",
        "order_query",
        "order_cancel",
        "open_orders",
    ],
)
def test_binance_order_objects(name: str) -> None:
    payload = example("binance", name)
    df = frame("orders", B.parse_orders(payload, {"BTCUSDT": "BTC/USDT"}))
    _check_schema(df, "orders")
    items = payload if isinstance(payload, list) else [payload]
    assert len(df) == len(items)
    for (_, row), o in zip(df.iterrows(), items, strict=True):
        assert row.symbol == "BTC/USDT"
        assert row.order_id == str(o["orderId"])
        assert row.venue_status == o["status"]
        assert row.filled_qty == float(o["executedQty"])
        assert row.side == o["side"].lower()
    if name == "order_cancel":
        assert df.client_order_id.iloc[0] == payload["origClientOrderId"]
        assert df.status.iloc[0] == "canceled"
    if name == "order_new_market_full":
        o = payload
        assert df.avg_price.iloc[0] == pytest.approx(
            float(o["cummulativeQuoteQty"]) / float(o["executedQty"])
        )
        assert df.status.iloc[0] == "filled"


def test_binance_order_ack_has_ids_only() -> None:
    df = frame("orders", B.parse_orders(example("binance", "order_new_ack"), {}))
    assert df.client_order_id.iloc[0] == example("binance", "order_new_ack")["clientOrderId"]
    assert df.created.iloc[0] == pd.Timestamp(
        example("binance", "order_new_ack")["transactTime"], unit="ms", tz="UTC"
    )


def test_binance_exchange_info_filters() -> None:
    infos = {m.native: m for m in B.parse_markets([example("binance", "exchange_info_multi")])}
    btc = infos["BTCUSDT"]
    assert str(btc.symbol) == "BTC/USDT"
    assert (btc.tick_size, btc.step_size, btc.min_notional) == (
        Decimal("0.01"),
        Decimal("0.00001"),
        Decimal(5),
    )
    assert btc.trading
    one = B.parse_markets([example("binance", "exchange_info_BTCUSDT")])
    assert [m.native for m in one] == ["BTCUSDT"]


def test_binance_legacy_min_notional_fallback() -> None:
    info = example("binance", "exchange_info_BTCUSDT")
    sym = info["symbols"][0]
    sym["filters"] = [
        f
        if f["filterType"] != "NOTIONAL"
        else {
            "filterType": "MIN_NOTIONAL",
            "minNotional": "10.00000000",
            "applyToMarket": True,
            "avgPriceMins": 5,
        }
        for f in sym["filters"]
    ]
    assert B.parse_markets([info])[0].min_notional == Decimal(10)


# --- Upbit ---------------------------------------------------------------------------------


def test_upbit_tickers_with_book_top() -> None:
    tickers, book = example("upbit", "ticker"), example("upbit", "orderbook")
    refs = {"KRW-BTC": KRWBTC, "BTC-ETH": MarketRef("upbit", Symbol("ETH", "BTC"), "BTC-ETH")}
    df = frame("tickers", U.parse_tickers([tickers, book], refs, 0))
    _check_schema(df, "tickers")
    row = df[df.symbol == "BTC/KRW"].iloc[0]
    t = next(x for x in tickers if x["market"] == "KRW-BTC")
    top = book[0]["orderbook_units"][0]
    assert (row.bid, row.ask, row.bid_qty, row.ask_qty) == (
        top["bid_price"],
        top["ask_price"],
        top["bid_size"],
        top["ask_size"],
    )
    assert row["last"] == t["trade_price"]
    assert row.volume_24h == t["acc_trade_volume_24h"] and row.quote_volume_24h == t["acc_trade_price_24h"]
    assert row.change_24h_pct == pytest.approx(t["signed_change_rate"] * 100)
    assert row.ts == pd.Timestamp(t["timestamp"], unit="ms", tz="UTC")
    eth = df[df.symbol == "ETH/BTC"].iloc[0]
    assert pd.isna(eth.bid)  # no book top fetched for it in this fixture: NaN, never 0


def test_upbit_orderbook_units_split_into_sides() -> None:
    book = example("upbit", "orderbook")
    units = book[0]["orderbook_units"]
    df = frame("orderbook", U.parse_orderbook(book, KRWBTC, 30, 0))
    _check_schema(df, "orderbook")
    bids, asks = df[df.side == "bid"], df[df.side == "ask"]
    assert bids.price.tolist() == [u["bid_price"] for u in units]
    assert asks.price.tolist() == [u["ask_price"] for u in units]
    assert asks.qty.tolist() == [u["ask_size"] for u in units]
    assert bids.price.is_monotonic_decreasing and asks.price.is_monotonic_increasing
    assert (df.ts == pd.Timestamp(book[0]["timestamp"], unit="ms", tz="UTC")).all()


def test_upbit_orderbook_of_another_market_is_never_relabelled() -> None:
    book = example("upbit", "orderbook")
    other = [{**book[0], "market": "KRW-ETH"}]
    with pytest.raises(ValueError, match="no order book for KRW-BTC"):
        U.parse_orderbook(other, KRWBTC, 30, 0)
    with pytest.raises(ValueError):
        U.parse_orderbook([], KRWBTC, 30, 0)
    # A lone book that names no market is taken as the one asked for.
    terse = [{k: v for k, v in book[0].items() if k != "market"}]
    assert len(frame("orderbook", U.parse_orderbook(terse, KRWBTC, 30, 0))) == 2 * len(
        book[0]["orderbook_units"]
    )


def test_upbit_trades_newest_first_and_cursor() -> None:
    payload = example("upbit", "trades_ticks")
    cols, cursor = U.parse_trades(payload, KRWBTC, None, len(payload))
    df = frame("trades", cols)
    assert df.trade_id.tolist() == [str(t["sequential_id"]) for t in payload]
    assert df.side.tolist() == ["buy" if t["ask_bid"] == "BID" else "sell" for t in payload]
    assert cursor == (0, payload[-1]["sequential_id"])  # a full page: older trades, same day
    assert U.trades_call("KRW-BTC", 500, cursor).params["cursor"] == payload[-1]["sequential_id"]
    # A short page means the day ran out: the next call asks for the previous UTC day.
    _, day_before = U.parse_trades(payload, KRWBTC, cursor, len(payload) + 1)
    assert day_before == (1, None)
    assert U.trades_call("KRW-BTC", 500, day_before).params == {
        "market": "KRW-BTC",
        "count": 500,
        "days_ago": 1,
    }
    assert U.parse_trades([], KRWBTC, (7, None), 10)[1] is None  # a week back is the limit


@pytest.mark.parametrize("name,interval", [("candles_minutes", "1m"), ("candles_days", "1d")])
def test_upbit_candles(name: str, interval: str) -> None:
    payload = example("upbit", name)
    df = frame("candles", U.parse_candles(payload, KRWBTC, interval))
    _check_schema(df, "candles")
    assert df.open_time.iloc[0] == ts(payload[0]["candle_date_time_utc"])
    assert df.close.tolist() == [c["trade_price"] for c in payload]
    assert df.quote_volume.iloc[0] == payload[0]["candle_acc_trade_price"]
    assert df.trades.isna().all()


def test_upbit_accounts() -> None:
    payload = example("upbit", "accounts")
    df = frame("balances", U.parse_balances(payload))
    krw = df[df.asset == "KRW"].iloc[0]
    src = next(a for a in payload if a["currency"] == "KRW")
    assert krw.free == float(src["balance"]) and krw.locked == float(src["locked"])
    assert krw.total == float(src["balance"]) + float(src["locked"])


@pytest.mark.parametrize(
    "name", ["order_new", "order_new_market_buy", "order_get", "order_cancel", "orders_open"]
)
def test_upbit_order_objects(name: str) -> None:
    payload = example("upbit", name)
    df = frame("orders", U.parse_orders(payload, {}))
    _check_schema(df, "orders")
    items = payload if isinstance(payload, list) else [payload]
    for (_, row), o in zip(df.iterrows(), items, strict=True):
        assert row.order_id == o["uuid"]
        assert row.side == ("buy" if o["side"] == "bid" else "sell")
        assert row.venue_status == o["state"]
        assert row.filled_qty == float(o.get("executed_volume") or 0)
        assert row.created == pd.Timestamp(o["created_at"]).tz_convert("UTC")
    if name == "order_new_market_buy":
        assert df.type.iloc[0] == "market" and pd.isna(df.price.iloc[0])
    if name == "order_get":
        funds = sum(float(t["funds"]) for t in payload["trades"])
        assert df.filled_quote.iloc[0] == pytest.approx(funds)


def test_upbit_markets_with_ticks_and_warnings() -> None:
    infos = {
        m.native: m
        for m in U.parse_markets(
            [example("upbit", "market_all_details")], [example("upbit", "orderbook_instruments")]
        )
    }
    btc = infos["KRW-BTC"]
    tick = next(i for i in example("upbit", "orderbook_instruments") if i["market"] == "KRW-BTC")["tick_size"]
    assert str(btc.symbol) == "BTC/KRW" and str(btc.tick_size) == tick
    assert str(btc.min_notional) == "5000"
    warned = [m for m in example("upbit", "market_all_details") if m.get("market_event", {}).get("warning")]
    for m in warned:
        assert infos[m["market"]].warning


# --- frames --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_empty_frames_keep_schema(kind: str) -> None:
    df = frame(kind)
    assert df.empty
    _check_schema(df, kind)


def test_merge_columns_keeps_order_and_fills_missing() -> None:
    a = {"exchange": ["binance"], "asset": ["BTC"], "free": [1.0], "locked": [0.0], "total": [1.0]}
    b = {"exchange": ["upbit"], "asset": ["KRW"], "free": [5.0], "locked": [1.0], "total": [6.0]}
    df = frame("balances", merge_columns([a, b], "balances"))
    assert df.exchange.tolist() == ["binance", "upbit"] and df.total.tolist() == [1.0, 6.0]
