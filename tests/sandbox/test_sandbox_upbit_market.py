"""Upbit quotation endpoints: shapes against the spec examples, parameters, tick rules."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from sbhelpers import UpbitClient, assert_shape, example

from xtoolkit.sandbox import Sandbox
from xtoolkit.sandbox.grids import UPBIT_KRW_BANDS, BandedGrid

D = Decimal
KRW = BandedGrid(UPBIT_KRW_BANDS)
MISSING = {
    "error": {"name": 400, "message": "Missing request parameter error. Check the required parameters!"}
}
NOT_FOUND = {"error": {"name": 404, "message": "Code not found"}}


def test_market_all(upbit: UpbitClient) -> None:
    plain = upbit.public("/v1/market/all").json()
    assert_shape(plain, example("upbit", "market_all"))
    markets = {m["market"] for m in plain}
    krw = {m.split("-")[1] for m in markets if m.startswith("KRW-")}
    assert len(krw) >= 21 and "KRW-USDT" in markets and "BTC-ETH" in markets
    details = upbit.public("/v1/market/all", {"is_details": "true"}).json()
    assert_shape(details, example("upbit", "market_all_details"))
    warned = [m for m in details if m["market_event"]["warning"]]
    assert [m["market"] for m in warned] == ["KRW-MLK"]
    assert warned[0]["market_warning"] == "CAUTION"
    by = {m["market"]: m for m in details}
    assert by["KRW-BTC"]["korean_name"] == "비트코인"


def test_ticker(upbit: UpbitClient, box: Sandbox) -> None:
    body = upbit.public("/v1/ticker", {"markets": "KRW-BTC,BTC-ETH"}).json()
    assert_shape(body, example("upbit", "ticker"))
    assert [t["market"] for t in body] == ["KRW-BTC", "BTC-ETH"]
    btc = body[0]
    assert 110e6 < btc["trade_price"] < 160e6
    assert btc["low_price"] <= btc["trade_price"] <= btc["high_price"]
    assert btc["change"] in ("RISE", "FALL", "EVEN")
    assert btc["signed_change_price"] == pytest.approx(btc["trade_price"] - btc["prev_closing_price"])
    assert btc["lowest_52_week_price"] <= btc["trade_price"] <= btc["highest_52_week_price"]
    assert upbit.public("/v1/ticker", {"markets": "KRW-NOPE"}).json() == NOT_FOUND
    r = upbit.public("/v1/ticker")
    assert r.status == 400 and r.json() == MISSING


def test_ticker_all(upbit: UpbitClient) -> None:
    body = upbit.public("/v1/ticker/all", {"quote_currencies": "KRW"}).json()
    assert body and all(t["market"].startswith("KRW-") for t in body)
    both = upbit.public("/v1/ticker/all", {"quote_currencies": "KRW,BTC"}).json()
    assert len(both) > len(body)


def test_prices_track_binance_with_premium(box: Sandbox) -> None:
    usdt = box.market.mid("upbit", "KRW-USDT")
    assert D(1380) < usdt < D(1500)
    for base in ("BTC", "ETH", "XRP", "SOL", "DOGE"):
        krw = box.market.mid("upbit", f"KRW-{base}")
        usd = box.market.mid("binance", f"{base}USDT")
        premium = krw / (usd * usdt) - 1
        assert D("-0.02") < premium < D("0.05"), (base, premium)


def test_orderbook_shape_count_and_grid(upbit: UpbitClient) -> None:
    body = upbit.public("/v1/orderbook", {"markets": "KRW-BTC", "count": 5}).json()
    assert_shape(body, example("upbit", "orderbook"))
    units = body[0]["orderbook_units"]
    assert len(units) == 5
    full = upbit.public("/v1/orderbook", {"markets": "KRW-BTC,KRW-XRP,KRW-SHIB"}).json()
    assert [o["market"] for o in full] == ["KRW-BTC", "KRW-XRP", "KRW-SHIB"]
    for ob in full:
        units = ob["orderbook_units"]
        assert len(units) == 30
        asks = [D(str(u["ask_price"])) for u in units]
        bids = [D(str(u["bid_price"])) for u in units]
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True) and bids[0] < asks[0]
        for p in asks + bids:
            assert KRW.on_grid(p), (ob["market"], p)
        assert ob["total_ask_size"] == pytest.approx(sum(u["ask_size"] for u in units))
    assert full[0]["orderbook_units"][:5] == body[0]["orderbook_units"]


def test_orderbook_levels(upbit: UpbitClient) -> None:
    body = upbit.public("/v1/orderbook", {"markets": "KRW-BTC", "level": 100000, "count": 5}).json()
    assert body[0]["level"] == 100000
    for u in body[0]["orderbook_units"]:
        assert u["ask_price"] % 100000 == 0 and u["bid_price"] % 100000 == 0
    assert upbit.public("/v1/orderbook", {"markets": "KRW-BTC", "level": 12345}).json() == []


def test_instruments(upbit: UpbitClient, box: Sandbox) -> None:
    body = upbit.public("/v1/orderbook/instruments", {"markets": "KRW-BTC,BTC-ETH"}).json()
    assert_shape(body, example("upbit", "orderbook_instruments"))
    assert body[0]["tick_size"] == "1000" and body[0]["supported_levels"][0] == "0"
    assert body[1] == {
        "market": "BTC-ETH",
        "quote_currency": "BTC",
        "tick_size": "0.00000001",
        "supported_levels": ["0"],
    }
    for market in ("KRW-XRP", "KRW-DOGE", "KRW-SHIB", "KRW-USDT", "KRW-ETH"):
        row = upbit.public("/v1/orderbook/instruments", {"markets": market}).json()[0]
        assert D(row["tick_size"]) == KRW.tick_at(box.market.mid("upbit", market))


@pytest.mark.parametrize(
    "price,tick",
    [
        ("2500000", "1000"),
        ("1500000", "1000"),
        ("700000", "500"),
        ("150000", "100"),
        ("60000", "50"),
        ("20000", "10"),
        ("7000", "5"),
        ("3000", "1"),
        ("500", "1"),
        ("50", "0.1"),
        ("5", "0.01"),
        ("0.5", "0.001"),
        ("0.05", "0.0001"),
        ("0.005", "0.00001"),
        ("0.0005", "0.000001"),
    ],
)
def test_krw_tick_table(price: str, tick: str) -> None:
    assert KRW.tick_at(D(price)) == D(tick)


def test_trades_ticks(pinned: Sandbox) -> None:
    # Upbit serves one UTC day per request: pinned at noon, "today" holds half a day.
    upbit = UpbitClient(pinned.url, *pinned.keys["upbit"])
    day: dict[str, int] = {}
    body = upbit.public("/v1/trades/ticks", {"market": "KRW-BTC", "count": 2, **day}).json()
    assert_shape(body, example("upbit", "trades_ticks"))
    one = upbit.public("/v1/trades/ticks", {"market": "KRW-BTC", **day}).json()
    assert len(one) == 1 and one[0] == body[0]
    many = upbit.public("/v1/trades/ticks", {"market": "KRW-BTC", "count": 500, **day}).json()
    assert len(many) == 500
    times = [t["timestamp"] for t in many]
    assert times == sorted(times, reverse=True)
    assert len({t["sequential_id"] for t in many}) == 500
    cursor = many[99]["sequential_id"]
    older = upbit.public(
        "/v1/trades/ticks", {"market": "KRW-BTC", "count": 10, "cursor": cursor, **day}
    ).json()
    assert [t["sequential_id"] for t in older] == [t["sequential_id"] for t in many[100:110]]
    assert {t["ask_bid"] for t in many} == {"ASK", "BID"}


def test_trades_ticks_days_ago_and_to(pinned: Sandbox) -> None:
    upbit = UpbitClient(pinned.url, *pinned.keys["upbit"])
    body = upbit.public(
        "/v1/trades/ticks", {"market": "KRW-ETH", "count": 5, "days_ago": 3, "to": "120000"}
    ).json()
    assert len(body) == 5
    now = pinned.now
    for t in body:
        day = datetime.fromtimestamp(t["timestamp"] / 1000, tz=UTC)
        assert (now.date() - day.date()).days == 3
        assert t["trade_time_utc"] < "12:00:00"
    alt = upbit.public(
        "/v1/trades/ticks", {"market": "KRW-ETH", "count": 5, "days_ago": 3, "to": "12:00:00"}
    ).json()
    assert alt == body
    assert upbit.public("/v1/trades/ticks", {"market": "KRW-ETH", "days_ago": 9}).status == 400
    assert upbit.public("/v1/trades/ticks").json() == MISSING


def test_minute_candles(upbit: UpbitClient) -> None:
    body = upbit.public("/v1/candles/minutes/1", {"market": "KRW-BTC", "count": 2}).json()
    assert_shape(body, example("upbit", "candles_minutes"))
    assert body[0]["candle_date_time_utc"] > body[1]["candle_date_time_utc"], "newest first"
    for unit in (3, 5, 10, 15, 30, 60, 240):
        rows = upbit.public(f"/v1/candles/minutes/{unit}", {"market": "KRW-ETH", "count": 3}).json()
        assert len(rows) == 3 and all(r["unit"] == unit for r in rows)
        starts = [datetime.fromisoformat(r["candle_date_time_utc"]) for r in rows]
        assert all(s.minute % unit == 0 if unit < 60 else s.minute == 0 for s in starts)
    assert upbit.public("/v1/candles/minutes/2", {"market": "KRW-ETH"}).status == 400
    assert upbit.public("/v1/candles/minutes/1", {"market": "KRW-NOPE"}).json() == NOT_FOUND
    capped = upbit.public("/v1/candles/minutes/1", {"market": "KRW-BTC", "count": 500}).json()
    assert len(capped) == 200


def test_candle_to_is_exclusive(upbit: UpbitClient) -> None:
    rows = upbit.public("/v1/candles/minutes/1", {"market": "KRW-BTC", "count": 5}).json()
    to = rows[2]["candle_date_time_utc"]
    older = upbit.public("/v1/candles/minutes/1", {"market": "KRW-BTC", "count": 2, "to": to + "Z"}).json()
    assert [r["candle_date_time_utc"] for r in older] == [r["candle_date_time_utc"] for r in rows[3:5]]
    spaced = upbit.public(
        "/v1/candles/minutes/1", {"market": "KRW-BTC", "count": 2, "to": to.replace("T", " ")}
    ).json()
    assert spaced == older
    kst = upbit.public(
        "/v1/candles/minutes/1",
        {"market": "KRW-BTC", "count": 2, "to": rows[2]["candle_date_time_kst"] + "+09:00"},
    ).json()
    assert kst == older


def test_day_week_month_year_and_second_candles(upbit: UpbitClient) -> None:
    days = upbit.public("/v1/candles/days", {"market": "KRW-BTC", "count": 3}).json()
    assert_shape(days, example("upbit", "candles_days"))
    assert days[0]["prev_closing_price"] == days[1]["trade_price"]
    assert days[0]["candle_date_time_utc"].endswith("T00:00:00")
    assert days[0]["candle_date_time_kst"].endswith("T09:00:00")
    weeks = upbit.public("/v1/candles/weeks", {"market": "KRW-BTC", "count": 3}).json()
    for w in weeks:
        assert datetime.fromisoformat(w["first_day_of_period"]).weekday() == 0
    months = upbit.public("/v1/candles/months", {"market": "KRW-BTC", "count": 3}).json()
    assert all(m["first_day_of_period"].endswith("-01") for m in months)
    years = upbit.public("/v1/candles/years", {"market": "KRW-BTC", "count": 2}).json()
    assert years[0]["first_day_of_period"].endswith("-01-01")
    secs = upbit.public("/v1/candles/seconds", {"market": "KRW-BTC", "count": 5}).json()
    assert len(secs) == 5 and "unit" not in secs[0]
    assert secs[0]["candle_date_time_utc"] > secs[1]["candle_date_time_utc"]


def test_sparse_market_has_gaps(upbit: UpbitClient) -> None:
    rows = upbit.public("/v1/candles/minutes/1", {"market": "KRW-BORA", "count": 200}).json()
    starts = [datetime.fromisoformat(r["candle_date_time_utc"]) for r in rows]
    gaps = [(a - b).total_seconds() for a, b in pairwise(starts)]
    assert len(rows) == 200 and max(gaps) > 60, "quiet minutes are omitted"
    assert all(r["candle_acc_trade_volume"] > 0 for r in rows)
