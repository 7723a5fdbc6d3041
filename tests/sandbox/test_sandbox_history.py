"""History without a horizon: any window back to a market's listing, the same bytes whenever it
is asked, every interval an exact aggregate of the minutes, a clock that can be pinned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from clockpins import PINNED, PINNED_AT, PINNED_LATER
from sbhelpers import BinanceClient, UpbitClient

import xtoolkit as xt
from xtoolkit.sandbox import Sandbox
from xtoolkit.sandbox.history import EPOCH_MS

D = Decimal
MIN = 60_000
DAY = 86_400_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.fixture(scope="module")
def later() -> Iterator[Sandbox]:
    """The same seed, started months after :func:`pinned` (and unfrozen: it moves)."""
    with Sandbox(seed=7, now=PINNED_LATER) as sb:
        yield sb


def _bn(box: Sandbox) -> BinanceClient:
    return BinanceClient(box.url, *box.keys["binance"])


def _up(box: Sandbox) -> UpbitClient:
    return UpbitClient(box.url, *box.keys["upbit"])


def _listing_ms(box: Sandbox, exchange: str, native: str) -> int:
    lst = box.state.market.listing(exchange, native)
    assert lst is not None
    return box.state.market.listed_ms(lst)


def test_the_pinned_clock_is_the_venues_clock(pinned: Sandbox) -> None:
    server = _bn(pinned).public("/api/v3/time").json()["serverTime"]
    assert abs(server - ms(PINNED)) < 60_000
    assert abs((pinned.now - PINNED_AT).total_seconds()) < 60
    last = _bn(pinned).public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": 1}).json()
    assert last[0][0] == ms(PINNED) - ms(PINNED) % MIN  # the forming minute is the pinned one
    tick = _up(pinned).public("/v1/ticker", {"markets": "KRW-BTC"}).json()[0]
    assert tick["trade_date"] == "20261121"
    # Signed requests use the venue's clock too: one signed with the machine's clock is refused.
    assert _bn(pinned).signed("GET", "/api/v3/account").json()["code"] == -1021
    assert _bn(pinned).signed("GET", "/api/v3/account", timestamp=server).status == 200


def test_minute_candles_years_back(pinned: Sandbox) -> None:
    start = ms("2019-03-01T00:00:00Z")
    rows = (
        _bn(pinned)
        .public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "startTime": start, "limit": 1000})
        .json()
    )
    assert len(rows) == 1000 and rows[0][0] == start
    assert all(b[0] - a[0] == MIN for a, b in pairwise(rows))
    assert all(float(r[5]) > 0 and r[8] > 0 for r in rows)  # BTC trades every minute
    up = (
        _up(pinned)
        .public("/v1/candles/minutes/1", {"market": "KRW-ETH", "to": "2020-05-05T12:00:00Z", "count": 200})
        .json()
    )
    assert len(up) == 200 and up[0]["candle_date_time_utc"] == "2020-05-05T11:59:00"
    secs = (
        _bn(pinned)
        .public("/api/v3/klines", {"symbol": "ETHUSDT", "interval": "1s", "startTime": start, "limit": 120})
        .json()
    )
    assert len(secs) == 120 and secs[0][0] == start


def test_every_interval_the_venues_serve(pinned: Sandbox) -> None:
    bn, up = _bn(pinned), _up(pinned)
    start = ms("2025-06-01T00:00:00Z")
    for interval in ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d"):
        rows = bn.public(
            "/api/v3/klines", {"symbol": "BTCUSDT", "interval": interval, "startTime": start, "limit": 5}
        ).json()
        # 3-day buckets are counted from the Unix epoch: the first one opening after start.
        first = start if interval != "3d" else start + (-start) % (3 * DAY)
        assert len(rows) == 5 and rows[0][0] == first, interval
    weeks = bn.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1w", "limit": 3}).json()
    assert [datetime.fromtimestamp(r[0] / 1000, UTC).weekday() for r in weeks] == [0, 0, 0]
    months = bn.public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1M", "limit": 3}).json()
    assert [datetime.fromtimestamp(r[0] / 1000, UTC).day for r in months] == [1, 1, 1]
    for path in ("seconds", "minutes/1", "minutes/240", "days", "weeks", "months", "years"):
        body = up.public(f"/v1/candles/{path}", {"market": "KRW-BTC", "count": 3}).json()
        assert len(body) == 3, path
    years = up.public("/v1/candles/years", {"market": "KRW-BTC", "count": 20}).json()
    assert years[-1]["first_day_of_period"].startswith(
        str(datetime.fromtimestamp(_listing_ms(pinned, "upbit", "KRW-BTC") / 1000, UTC).year)
    )


def test_coarse_candles_aggregate_the_minutes(pinned: Sandbox) -> None:
    bn = _bn(pinned)
    start = ms("2025-09-14T00:00:00Z")
    minutes = []
    for k in range(2):  # one day = 1,440 minutes, two pages
        minutes += bn.public(
            "/api/v3/klines",
            {"symbol": "SOLUSDT", "interval": "1m", "startTime": start + k * 720 * MIN, "limit": 720},
        ).json()
    day = bn.public(
        "/api/v3/klines", {"symbol": "SOLUSDT", "interval": "1d", "startTime": start, "limit": 1}
    ).json()[0]
    hours = bn.public(
        "/api/v3/klines", {"symbol": "SOLUSDT", "interval": "1h", "startTime": start, "limit": 24}
    ).json()
    assert len(minutes) == 1440 and len(hours) == 24

    def check(candle: list, parts: list[list]) -> None:
        assert candle[1] == parts[0][1] and candle[4] == parts[-1][4]
        assert D(candle[2]) == max(D(p[2]) for p in parts)
        assert D(candle[3]) == min(D(p[3]) for p in parts)
        assert candle[8] == sum(p[8] for p in parts)
        assert abs(D(candle[5]) - sum(D(p[5]) for p in parts)) <= D("0.00000002") * len(parts)

    check(day, minutes)
    for h, candle in enumerate(hours):
        check(candle, minutes[h * 60 : (h + 1) * 60])
    # Trade ids run on across the minutes: a minute's first id is the previous one's + count.
    agg = bn.public(
        "/api/v3/aggTrades",
        {"symbol": "SOLUSDT", "startTime": start, "endTime": start + MIN - 1, "limit": 1000},
    ).json()
    assert len(agg) == minutes[0][8]
    assert [a["p"] for a in (agg[0], agg[-1])] == [minutes[0][1], minutes[0][4]]


def test_upbit_minutes_without_trades_stay_absent(pinned: Sandbox) -> None:
    up = _up(pinned)
    to = "2025-04-10T00:00:00Z"
    ones = up.public("/v1/candles/minutes/1", {"market": "KRW-MED", "to": to, "count": 200}).json()
    stamps = [datetime.fromisoformat(r["candle_date_time_utc"]) for r in ones]
    gaps = [(a - b).total_seconds() for a, b in pairwise(stamps)]
    assert max(gaps) > 60, "a sparse market has minutes without a candle"
    assert all(r["candle_acc_trade_volume"] > 0 for r in ones)
    fives = up.public("/v1/candles/minutes/5", {"market": "KRW-MED", "to": to, "count": 5}).json()
    for five in fives:
        start = datetime.fromisoformat(five["candle_date_time_utc"])
        parts = [r for r, t in zip(ones, stamps, strict=True) if 0 <= (t - start).total_seconds() < 300]
        assert parts, "a 5-minute candle exists only where a minute traded"
        parts = parts[::-1]  # oldest first
        assert five["opening_price"] == parts[0]["opening_price"]
        assert five["trade_price"] == parts[-1]["trade_price"]
        assert five["high_price"] == max(p["high_price"] for p in parts)
        assert five["low_price"] == min(p["low_price"] for p in parts)


def test_before_the_listing_the_venues_have_nothing(pinned: Sandbox) -> None:
    bn, up = _bn(pinned), _up(pinned)
    listed = _listing_ms(pinned, "binance", "SOLUSDT")
    assert listed == EPOCH_MS - 2200 * DAY  # data/assets.csv: listed 2,200 days before 2026-01-01
    early = bn.public(
        "/api/v3/klines", {"symbol": "SOLUSDT", "interval": "1d", "startTime": listed - 30 * DAY, "limit": 3}
    ).json()
    assert [r[0] for r in early] == [listed, listed + DAY, listed + 2 * DAY]
    none = bn.public(
        "/api/v3/klines", {"symbol": "SOLUSDT", "interval": "1m", "endTime": listed - 1, "limit": 10}
    ).json()
    assert none == []
    assert (
        bn.public(
            "/api/v3/aggTrades", {"symbol": "SOLUSDT", "startTime": listed - 3_600_000, "endTime": listed - 1}
        ).json()
        == []
    )
    first = bn.public("/api/v3/historicalTrades", {"symbol": "SOLUSDT", "fromId": 0, "limit": 3}).json()
    assert [t["id"] for t in first] == [0, 1, 2] and first[0]["time"] >= listed
    up_listed = _listing_ms(pinned, "upbit", "KRW-SOL")
    before = datetime.fromtimestamp((up_listed - DAY) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert up.public("/v1/candles/days", {"market": "KRW-SOL", "to": before, "count": 5}).json() == []


def test_the_same_window_gives_the_same_bytes_whenever_asked(pinned: Sandbox, later: Sandbox) -> None:
    # Two sandboxes of one seed started months apart, one frozen, one moving: history before
    # either start is identical to the byte.
    start = ms("2026-10-01T10:00:00Z")
    requests = [
        (
            "binance",
            "/api/v3/klines",
            {"symbol": "ETHUSDT", "interval": "1m", "startTime": start, "limit": 500},
        ),
        (
            "binance",
            "/api/v3/klines",
            {"symbol": "BTCUSDT", "interval": "1d", "endTime": start, "limit": 400},
        ),
        (
            "binance",
            "/api/v3/aggTrades",
            {"symbol": "XRPUSDT", "startTime": start, "endTime": start + 600_000},
        ),
        (
            "binance",
            "/api/v3/klines",
            {"symbol": "BTCUSDT", "interval": "1s", "startTime": start, "limit": 300},
        ),
        ("upbit", "/v1/candles/minutes/5", {"market": "KRW-BTC", "to": "2026-10-01T10:00:00Z", "count": 200}),
        ("upbit", "/v1/candles/days", {"market": "KRW-USDT", "to": "2026-10-01T00:00:00Z", "count": 200}),
        ("upbit", "/v1/candles/weeks", {"market": "KRW-ETH", "to": "2026-09-28T00:00:00Z", "count": 50}),
    ]
    for venue, path, params in requests:
        bodies = [
            (_bn(b) if venue == "binance" else _up(b)).public(path, params).text for b in (pinned, later)
        ]
        assert bodies[0] == bodies[1], path
        assert len(bodies[0]) > 100


def test_prices_stay_near_the_reference_on_any_date() -> None:
    # Asset paths revert slowly to their reference price, so examples read sensible numbers
    # decades from now; the live walk starts where the history stands.
    for now in ("2031-07-04T03:00:00Z", "2019-01-01T00:00:00Z"):
        with Sandbox(seed=7, freeze=True, now=now) as box:
            assert D(60_000) < box.market.mid("binance", "BTCUSDT") < D(125_000)
            last = (
                _bn(box).public("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": 2}).json()
            )
            assert abs(D(last[0][4]) / box.market.mid("binance", "BTCUSDT") - 1) < D("0.01")


def test_sandbox_can_be_made_any_number_of_times() -> None:
    import xtoolkit.sandbox  # the subpackage: importing it must not hide xt.sandbox()

    for _ in range(3):
        with xt.sandbox(seed=7, freeze=True) as box:
            assert isinstance(box, Sandbox)
    assert xtoolkit.sandbox.sandbox(seed=3).state.seed == 3
    with pytest.raises(ValueError, match="time zone"):
        Sandbox(now="2026-11-21T12:00:00")
