"""The simulated market: seed determinism, freezing and stepping, the clock, data files."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from sbhelpers import BinanceClient, UpbitClient

from xtoolkit.sandbox import Sandbox
from xtoolkit.sandbox.catalog import DATA_ENV, data_dir, load_catalog
from xtoolkit.sandbox.market import MarketSim

D = Decimal


def _snapshot(box: Sandbox) -> dict[str, object]:
    b = BinanceClient(box.url, *box.keys["binance"])
    u = UpbitClient(box.url, *box.keys["upbit"])
    return {
        "depth": b.public("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 50}).json()["bids"],
        "klines": [
            r[1:6]
            for r in b.public("/api/v3/klines", {"symbol": "ETHUSDT", "interval": "1m", "limit": 100}).json()
        ],
        "days": [
            r[1:6]
            for r in b.public("/api/v3/klines", {"symbol": "SOLUSDT", "interval": "1d", "limit": 30}).json()
        ][:-2],
        "trades": [
            (t["price"], t["qty"])
            for t in b.public("/api/v3/trades", {"symbol": "ETHUSDT", "limit": 200}).json()
        ],
        "upbit_book": u.public("/v1/orderbook", {"markets": "KRW-XRP"}).json()[0]["orderbook_units"],
        "upbit_ticks": [
            (t["trade_price"], t["trade_volume"])
            for t in u.public("/v1/trades/ticks", {"market": "KRW-XRP", "count": 100}).json()
        ],
        "mids": [box.market.mid("binance", "BTCUSDT"), box.market.mid("upbit", "KRW-BTC")],
    }


def test_same_seed_same_market() -> None:
    runs = []
    for _ in range(2):
        with Sandbox(seed=11, freeze=True) as box:
            box.market.step(25)
            runs.append(_snapshot(box))
    assert runs[0] == runs[1]


def test_other_seed_other_market() -> None:
    with Sandbox(seed=11, freeze=True) as a, Sandbox(seed=12, freeze=True) as b:
        assert a.market.mid("binance", "BTCUSDT") != b.market.mid("binance", "BTCUSDT")


def test_frozen_market_moves_only_on_step(fresh: Sandbox) -> None:
    before = fresh.market.mid("binance", "BTCUSDT")
    ticks = fresh.market.ticks
    time.sleep(1.2)
    assert fresh.market.mid("binance", "BTCUSDT") == before and fresh.market.ticks == ticks
    fresh.market.step(3)
    assert fresh.market.ticks == ticks + 3
    assert fresh.market.mid("binance", "BTCUSDT") != before


def test_live_market_follows_the_clock() -> None:
    with Sandbox(seed=5, tick_seconds=0.05) as box:
        client = BinanceClient(box.url, *box.keys["binance"])
        first = client.public("/api/v3/trades", {"symbol": "BTCUSDT", "limit": 1}).json()[0]
        time.sleep(0.6)
        assert box.market.ticks >= 8
        last = client.public("/api/v3/trades", {"symbol": "BTCUSDT", "limit": 1}).json()[0]
        assert last["id"] > first["id"] and last["time"] > first["time"]
        assert last["time"] <= time.time() * 1000 + 5
        secs = client.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1s", "limit": 3}).json()
        assert secs[-1][0] <= time.time() * 1000 < secs[-1][6] + 1000


def test_reference_prices_and_breadth(box: Sandbox) -> None:
    # Reference 91,000 USDT; paths revert to it with a long-run s.d. of about 5 % (any date).
    assert D(70_000) < box.market.mid("binance", "BTCUSDT") < D(118_000)
    assert D(95_000_000) < box.market.mid("upbit", "KRW-BTC") < D(170_000_000)
    binance_bases = {s[:-4] for s in box.market.symbols("binance") if s.endswith("USDT")}
    upbit_bases = {s[4:] for s in box.market.symbols("upbit") if s.startswith("KRW-")}
    assert len(binance_bases & upbit_bases) >= 20
    assert "ETHBTC" in box.market.symbols("binance") and "KRW-USDT" in box.market.symbols("upbit")
    assert upbit_bases - binance_bases - {"USDT"}, "Korea-only coins"
    assert binance_bases - upbit_bases, "Binance-only coins"
    with pytest.raises(KeyError):
        box.market.mid("binance", "KRW-BTC")


def test_books_stay_on_venue_grids_as_the_walk_moves(fresh: Sandbox) -> None:
    from xtoolkit.sandbox.grids import UPBIT_KRW_BANDS, BandedGrid

    grid = BandedGrid(UPBIT_KRW_BANDS)
    u = UpbitClient(fresh.url, *fresh.keys["upbit"])
    for _ in range(5):
        fresh.market.step(20)
        for ob in u.public("/v1/orderbook", {"markets": "KRW-BTC,KRW-DOGE,KRW-USDT"}).json():
            for unit in ob["orderbook_units"]:
                assert grid.on_grid(D(str(unit["ask_price"])))
                assert grid.on_grid(D(str(unit["bid_price"])))


def test_data_dir_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    default = data_dir()
    assert (default / "assets.csv").is_file() and (default / "README.md").is_file()
    catalog = load_catalog()
    assert catalog.binance["BTCUSDT"].tick_size == D("0.01")
    assert catalog.upbit["KRW-MLK"].warning
    for name in ("assets.csv", "binance_symbols.csv", "upbit_markets.csv"):
        (tmp_path / name).write_text((default / name).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert data_dir() == tmp_path
    assert load_catalog().binance.keys() == catalog.binance.keys()
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError):
        load_catalog()


def test_memory_stays_small_with_every_listing_touched() -> None:
    from xtoolkit.sandbox.candles import BINANCE_INTERVALS, DAY, HOUR

    now = int(time.time() * 1000)
    sim = MarketSim(load_catalog(), seed=3, start_ms=now, freeze=True)
    for venue in ("binance", "upbit"):
        for lst in sim.listings(venue):
            sim.candles(lst, BINANCE_INTERVALS["1d"], now, now - 400 * DAY, now)
            sim.trades_back(lst, now, 500)
            sim.depth(lst, 1000)
    sim.step(3000, now)
    for venue in ("binance", "upbit"):
        for lst in sim.listings(venue):
            sim.minutes(lst, now + 60_000, now - HOUR)
    # Day candles of every listing for 400 days are kept; minute blocks stay bounded.
    assert 1_000_000 < sim.memory_bytes() < 40 * 1024 * 1024


def test_skewed_venue_clock_keeps_the_tape_ordered(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    upbit = UpbitClient(fresh.url, *fresh.keys["upbit"])
    fresh.faults.clock_skew("binance", 30_000)
    fresh.faults.clock_skew("upbit", -30_000)
    server = client.public("/api/v3/time").json()["serverTime"]
    r = client.signed(
        "POST",
        "/api/v3/order",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
        timestamp=server,
    )
    assert r.status == 200, r.text
    fresh.market.step(20)
    trades = client.public("/api/v3/trades", {"symbol": "BTCUSDT", "limit": 200}).json()
    times = [t["time"] for t in trades]
    assert times == sorted(times) and times[-1] <= time.time() * 1000 + 5
    book = upbit.public("/v1/orderbook", {"markets": "KRW-BTC", "count": 1}).json()[0]
    assert abs(book["timestamp"] - (time.time() * 1000 - 30_000)) < 3000
