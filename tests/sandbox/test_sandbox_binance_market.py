"""Binance public endpoints: shapes against the spec examples, parameters, rules."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from sbhelpers import BinanceClient, assert_shape, example, symbols_param

from xtoolkit.sandbox import Sandbox

D = Decimal


def test_ping_and_time(binance: BinanceClient) -> None:
    r = binance.public("/api/v3/ping")
    assert r.status == 200 and r.json() == example("binance", "ping")
    r = binance.public("/api/v3/time")
    assert_shape(r.json(), example("binance", "time"))
    assert (r.header("content-type") or "").startswith("application/json")


def test_exchange_info_single_multi_all(binance: BinanceClient, box: Sandbox) -> None:
    one = binance.public("/api/v3/exchangeInfo", {"symbol": "BTCUSDT"}).json()
    assert_shape(one, example("binance", "exchange_info_BTCUSDT"))
    assert [s["symbol"] for s in one["symbols"]] == ["BTCUSDT"]
    filters = {f["filterType"]: f for f in one["symbols"][0]["filters"]}
    assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert filters["LOT_SIZE"]["stepSize"] == "0.00001000"
    assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
    multi = binance.public(
        "/api/v3/exchangeInfo", {"symbols": symbols_param(["BTCUSDT", "ETHUSDT", "ETHBTC"])}
    ).json()
    assert_shape(multi, example("binance", "exchange_info_multi"), optional=frozenset({"applyToMarket"}))
    assert [s["symbol"] for s in multi["symbols"]] == ["BTCUSDT", "ETHUSDT", "ETHBTC"]
    everything = binance.public("/api/v3/exchangeInfo").json()
    symbols = {s["symbol"]: s for s in everything["symbols"]}
    assert len(symbols) >= 23
    usdt_bases = {s["baseAsset"] for s in symbols.values() if s["quoteAsset"] == "USDT"}
    assert len(usdt_bases) >= 20
    assert symbols["WAVESUSDT"]["status"] == "BREAK"
    legacy = [s for s in symbols.values() if any(f["filterType"] == "MIN_NOTIONAL" for f in s["filters"])]
    assert legacy, "some symbols carry the legacy MIN_NOTIONAL filter"
    for f in legacy[0]["filters"]:
        if f["filterType"] == "MIN_NOTIONAL":
            assert set(f) == {"filterType", "minNotional", "applyToMarket", "avgPriceMins"}
    assert everything["rateLimits"][0] == {
        "rateLimitType": "REQUEST_WEIGHT",
        "interval": "MINUTE",
        "intervalNum": 1,
        "limit": 6000,
    }
    breaks = binance.public("/api/v3/exchangeInfo", {"symbolStatus": "BREAK"}).json()
    assert [s["symbol"] for s in breaks["symbols"]] == ["WAVESUSDT"]


@pytest.mark.parametrize(
    "params", [{"symbol": "NOPEUSDT"}, {"symbols": symbols_param(["BTCUSDT", "NOPEUSDT"])}]
)
def test_unknown_symbol_is_1121(binance: BinanceClient, params: dict[str, str]) -> None:
    r = binance.public("/api/v3/exchangeInfo", params)
    assert r.status == 400 and r.json() == example("binance", "error_-1121")


def test_depth_limits_weights_and_grid(binance: BinanceClient) -> None:
    r = binance.public("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 5})
    body = r.json()
    assert_shape(body, example("binance", "depth"))
    assert len(body["bids"]) == 5 and len(body["asks"]) == 5
    bids = [D(p) for p, _ in body["bids"]]
    asks = [D(p) for p, _ in body["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    default = binance.public("/api/v3/depth", {"symbol": "BTCUSDT"}).json()
    assert len(default["bids"]) == 100
    assert default["bids"][:5] == body["bids"], "asking for more levels keeps the first ones"
    big = binance.public("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 5000}).json()
    assert len(big["bids"]) == 5000 and len(big["asks"]) == 5000
    assert all(D(p) % D("0.01") == 0 and D(q) % D("0.00001") == 0 for p, q in big["asks"])
    truncated = binance.public("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 7000}).json()
    assert len(truncated["asks"]) == 5000
    odd = binance.public("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 37}).json()
    assert len(odd["bids"]) == 37


def test_trades_oldest_first(binance: BinanceClient) -> None:
    rows = binance.public("/api/v3/trades", {"symbol": "BTCUSDT", "limit": 50}).json()
    assert_shape(rows, example("binance", "trades"))
    assert len(rows) == 50
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids) and ids == list(range(ids[0], ids[0] + 50))
    times = [r["time"] for r in rows]
    assert times == sorted(times)
    for r in rows:
        assert D(r["quoteQty"]) == (D(r["price"]) * D(r["qty"])).quantize(D("1e-8"))
    assert len(binance.public("/api/v3/trades", {"symbol": "BTCUSDT"}).json()) == 500


def test_historical_and_agg_trades(binance: BinanceClient) -> None:
    recent = binance.public("/api/v3/trades", {"symbol": "ETHUSDT", "limit": 20}).json()
    first = recent[0]["id"]
    hist = binance.public(
        "/api/v3/historicalTrades", {"symbol": "ETHUSDT", "fromId": first, "limit": 10}
    ).json()
    assert [h["id"] for h in hist] == [r["id"] for r in recent[:10]]
    agg = binance.public("/api/v3/aggTrades", {"symbol": "ETHUSDT", "limit": 5}).json()
    assert_shape(agg, example("binance", "agg_trades"))
    assert [a["a"] for a in agg] == [r["id"] for r in recent[-5:]]


def test_klines_shape_and_pagination_rules(binance: BinanceClient) -> None:
    rows = binance.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": 3}).json()
    assert_shape(rows, example("binance", "klines"))
    assert len(rows) == 3
    for r in rows:
        assert r[6] == r[0] + 60_000 - 1
        o, h, lo, c = (D(x) for x in r[1:5])
        assert lo <= min(o, c) <= max(o, c) <= h
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    default = binance.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"}).json()
    assert len(default) == 500
    start = default[10][0]
    fwd = binance.public(
        "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "startTime": start, "limit": 5}
    ).json()
    assert [r[0] for r in fwd] == [r[0] for r in default[10:15]]
    back = binance.public(
        "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "endTime": start, "limit": 5}
    ).json()
    assert [r[0] for r in back] == [r[0] for r in default[6:11]]
    both = binance.public(
        "/api/v3/klines",
        {"symbol": "BTCUSDT", "interval": "1m", "startTime": start, "endTime": start + 120_000, "limit": 100},
    ).json()
    assert [r[0] for r in both] == [r[0] for r in default[10:13]]
    capped = binance.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": 5000}).json()
    assert len(capped) == 1000


@pytest.mark.parametrize(
    "interval,ms",
    [
        ("1s", 1000),
        ("3m", 180_000),
        ("5m", 300_000),
        ("15m", 900_000),
        ("30m", 1_800_000),
        ("1h", 3_600_000),
        ("2h", 7_200_000),
        ("4h", 14_400_000),
        ("6h", 21_600_000),
        ("8h", 28_800_000),
        ("12h", 43_200_000),
        ("1d", 86_400_000),
        ("3d", 259_200_000),
        ("1w", 604_800_000),
    ],
)
def test_every_interval(binance: BinanceClient, interval: str, ms: int) -> None:
    rows = binance.public("/api/v3/klines", {"symbol": "ETHUSDT", "interval": interval, "limit": 4}).json()
    assert len(rows) == 4
    for r in rows:
        assert r[0] % (ms if interval != "1w" else 86_400_000) == 0
        assert r[6] == r[0] + ms - 1
    assert all(b[0] - a[0] == ms for a, b in pairwise(rows))


def test_monthly_klines_and_bad_interval(binance: BinanceClient) -> None:
    rows = binance.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1M", "limit": 3}).json()
    assert len(rows) == 3
    assert rows[1][0] == rows[0][6] + 1
    r = binance.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1H"})
    assert r.status == 400 and r.json() == {"code": -1120, "msg": "Invalid interval."}


def test_hour_kline_aggregates_minutes(binance: BinanceClient) -> None:
    hours = binance.public("/api/v3/klines", {"symbol": "SOLUSDT", "interval": "1h", "limit": 3}).json()
    h = hours[0]
    mins = binance.public(
        "/api/v3/klines",
        {"symbol": "SOLUSDT", "interval": "1m", "startTime": h[0], "endTime": h[6], "limit": 60},
    ).json()
    assert len(mins) == 60
    assert h[1] == mins[0][1] and h[4] == mins[-1][4]
    assert D(h[2]) == max(D(m[2]) for m in mins)
    assert D(h[3]) == min(D(m[3]) for m in mins)
    assert D(h[5]) == sum(D(m[5]) for m in mins)
    assert h[8] == sum(m[8] for m in mins)


def test_trades_reproduce_their_minute(binance: BinanceClient) -> None:
    kl = binance.public("/api/v3/klines", {"symbol": "XRPUSDT", "interval": "1m", "limit": 60}).json()
    # The newest closed minute that had trades: which minutes are quiet depends on the date the
    # sandbox's clock shows, and a quiet one has no first or last trade to compare.
    k = next(k for k in reversed(kl[:-1]) if k[8] > 0)
    trades = binance.public(
        "/api/v3/aggTrades", {"symbol": "XRPUSDT", "startTime": k[0], "endTime": k[6], "limit": 1000}
    ).json()
    assert len(trades) == k[8]
    assert trades[0]["p"] == k[1] and trades[-1]["p"] == k[4]
    assert max(D(t["p"]) for t in trades) == D(k[2])
    assert min(D(t["p"]) for t in trades) == D(k[3])
    assert sum(D(t["q"]) for t in trades) == D(k[5])


def test_avg_price(binance: BinanceClient) -> None:
    body = binance.public("/api/v3/avgPrice", {"symbol": "BTCUSDT"}).json()
    assert_shape(body, example("binance", "avg_price"))
    assert body["mins"] == 5


def test_ticker_24hr_variants(binance: BinanceClient) -> None:
    one = binance.public("/api/v3/ticker/24hr", {"symbol": "BTCUSDT"}).json()
    assert_shape(one, example("binance", "ticker_24hr"))
    assert one["closeTime"] - one["openTime"] == 86_400_000 - 1
    assert one["count"] == one["lastId"] - one["firstId"] + 1
    assert D(one["lowPrice"]) <= D(one["lastPrice"]) <= D(one["highPrice"])
    assert D(one["bidPrice"]) < D(one["askPrice"])
    change = D(one["lastPrice"]) - D(one["openPrice"])
    assert D(one["priceChange"]) == change
    several = binance.public("/api/v3/ticker/24hr", {"symbols": symbols_param(["BTCUSDT", "ETHUSDT"])}).json()
    assert isinstance(several, list) and [t["symbol"] for t in several] == ["BTCUSDT", "ETHUSDT"]
    assert_shape(several, [example("binance", "ticker_24hr")])
    mini = binance.public("/api/v3/ticker/24hr", {"symbol": "ETHUSDT", "type": "MINI"}).json()
    assert list(mini) == [
        "symbol",
        "openPrice",
        "highPrice",
        "lowPrice",
        "lastPrice",
        "volume",
        "quoteVolume",
        "openTime",
        "closeTime",
        "firstId",
        "lastId",
        "count",
    ]
    everything = binance.public("/api/v3/ticker/24hr").json()
    assert isinstance(everything, list) and len(everything) >= 23


def test_book_ticker_and_price(binance: BinanceClient) -> None:
    one = binance.public("/api/v3/ticker/bookTicker", {"symbol": "BTCUSDT"}).json()
    assert_shape(one, example("binance", "book_ticker"))
    depth = binance.public("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 1}).json()
    assert [one["bidPrice"], one["bidQty"]] == depth["bids"][0]
    multi = binance.public(
        "/api/v3/ticker/bookTicker", {"symbols": symbols_param(["BTCUSDT", "ETHUSDT"])}
    ).json()
    assert_shape(multi, example("binance", "book_ticker_multi"))
    price = binance.public("/api/v3/ticker/price", {"symbol": "BTCUSDT"}).json()
    assert_shape(price, example("binance", "ticker_price"))
    last = binance.public("/api/v3/trades", {"symbol": "BTCUSDT", "limit": 1}).json()[0]
    assert price["price"] == last["price"]
    prices = binance.public("/api/v3/ticker/price").json()
    assert isinstance(prices, list) and len(prices) >= 23
    halted = binance.public("/api/v3/ticker/bookTicker", {"symbol": "WAVESUSDT"}).json()
    assert halted["bidPrice"] == "0.00000000"
