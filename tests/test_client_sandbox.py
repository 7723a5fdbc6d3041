"""The whole core surface through xt.Client / xt.AsyncClient against the sandbox, faults included."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pytest
from clockpins import PINNED

import xtoolkit as xt
from xtoolkit._models import round_to_step
from xtoolkit.exchanges._orders import OrderSpec
from xtoolkit.sandbox import Sandbox


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=7, freeze=True) as sb:
        yield sb


@pytest.fixture
def client(box: Sandbox) -> Iterator[xt.Client]:
    box.faults.clear()
    with xt.Client(**box.connect_kwargs(), timeout=xt.Timeout(connect=2, read=2), use_env=False) as c:
        yield c


def _count(box: Sandbox, path: str) -> int:
    return sum(1 for r in box.requests.snapshot() if r.path == path)


def test_tickers_match_the_venues_books(box: Sandbox, client: xt.Client) -> None:
    df = client.tickers(["binance:BTC/USDT", "binance:ETH/USDT", "upbit:BTC/KRW", "upbit:KRW-USDT"])
    assert df.symbol.tolist() == ["BTC/USDT", "ETH/USDT", "BTC/KRW", "USDT/KRW"]
    for _, row in df.iterrows():
        native = "BTCUSDT" if row.symbol == "BTC/USDT" else None
        if native:
            bid, ask = box.market.best("binance", native)
            assert (row.bid, row.ask) == (float(bid), float(ask))
    upbit = df[df.exchange == "upbit"].set_index("symbol")
    bid, ask = box.market.best("upbit", "KRW-BTC")
    assert (upbit.loc["BTC/KRW", "bid"], upbit.loc["BTC/KRW", "ask"]) == (float(bid), float(ask))
    assert (df.ask > df.bid).all() and df.ts.dt.tz is not None


def test_orderbook_both_venues(box: Sandbox, client: xt.Client) -> None:
    b = client.orderbook("binance:BTC/USDT", depth=500)
    u = client.orderbook("upbit:BTC/KRW", depth=15)
    assert b.groupby("side").size().to_dict() == {"ask": 500, "bid": 500}
    assert u.groupby("side").size().to_dict() == {"ask": 15, "bid": 15}
    for book in (b, u):
        bids, asks = book[book.side == "bid"], book[book.side == "ask"]
        assert bids.price.is_monotonic_decreasing and asks.price.is_monotonic_increasing
        assert bids.price.iloc[0] < asks.price.iloc[0]
    with pytest.raises(xt.InvalidArgument, match=r"1\.\.30"):
        client.orderbook("upbit:BTC/KRW", depth=31)


def test_trades_paginate_on_upbit(client: xt.Client) -> None:
    df = client.trades("upbit:BTC/KRW", limit=800)
    assert len(df) == 800 and df.trade_id.is_unique and df.ts.is_monotonic_increasing
    b = client.trades("binance:BTC/USDT", limit=50)
    assert len(b) == 50 and set(b.side) <= {"buy", "sell"}


def test_candles_paginate_dedupe_and_mark_forming(box: Sandbox, client: xt.Client) -> None:
    before = _count(box, "/api/v3/klines")
    df = client.candles("binance:BTC/USDT", interval="1m", limit=2300, progress=False)
    assert _count(box, "/api/v3/klines") - before == 3  # 1000 + 1000 + 300
    assert len(df) == 2300 and df.open_time.is_unique and df.open_time.is_monotonic_increasing
    assert (df.open_time.diff().dropna() == pd.Timedelta(minutes=1)).all()
    assert df.is_closed.iloc[:-1].all() and not df.is_closed.iloc[-1]
    up = client.candles("upbit:BTC/KRW", interval="1m", limit=450, progress=False)
    assert 440 <= len(up) <= 450 and up.open_time.is_unique and up.is_closed.all()
    # A window relative to the sandbox's own clock: yesterday 00:00-06:00 UTC.
    day = pd.Timestamp(box.now).floor("D") - pd.Timedelta(days=1)
    start, end = day, day + pd.Timedelta(hours=6)
    window = client.candles("binance:BTC/USDT", interval="5m", start=start, end=end, progress=False)
    assert len(window) == 72 and window.open_time.iloc[0] == start
    assert window.open_time.iloc[-1] < end


def test_candles_of_a_calendar_window_on_a_pinned_sandbox() -> None:
    # Calendar facts need a pinned clock: the same request answers the same on any date.
    with (
        Sandbox(seed=7, freeze=True, now=PINNED) as pinned,
        xt.Client(**pinned.connect_kwargs(), use_env=False) as c,
    ):
        start, end = "2026-11-20T00:00:00Z", "2026-11-20T06:00:00Z"
        window = c.candles("binance:BTC/USDT", interval="5m", start=start, end=end, progress=False)
        minutes = c.candles("binance:BTC/USDT", interval="1m", start=start, end=end, progress=False)
        old = c.candles("upbit:BTC/KRW", interval="1h", start="2024-02-29", end="2024-03-01", progress=False)
    assert len(window) == 72 and window.open_time.iloc[0] == pd.Timestamp(start)
    assert window.open_time.iloc[-1] == pd.Timestamp("2026-11-20T05:55:00Z")
    assert window.is_closed.all()
    # Every 5-minute candle is the aggregate of its five 1-minute candles.
    five = minutes.assign(bucket=minutes.open_time.dt.floor("5min")).groupby("bucket")
    assert window.open.tolist() == five.open.first().tolist()
    assert window.close.tolist() == five.close.last().tolist()
    assert window.high.tolist() == five.high.max().tolist()
    assert window.low.tolist() == five.low.min().tolist()
    assert window.trades.tolist() == five.trades.sum().tolist()
    assert window.volume.to_numpy() == pytest.approx(five.volume.sum().to_numpy(), rel=1e-12)
    # Years back, at hour resolution: a leap day of 2024, 24 Upbit hours.
    assert old.open_time.dt.date.astype(str).unique().tolist() == ["2024-02-29"]
    assert len(old) == 24 and (old.volume > 0).all()


def test_latest_candles_count_back_from_the_venue_clock_once_it_is_known() -> None:
    """Without ``start``/``end``, "the last N candles" and "still forming" are the venue's:
    once the client has measured Binance's clock (its signed calls do), a pinned sandbox's
    past is its now, not this machine's date."""
    with (
        Sandbox(seed=7, freeze=True, now=PINNED) as pinned,
        xt.Client(**pinned.connect_kwargs(), use_env=False) as c,
    ):
        c.balances("binance")  # signed: the client syncs with the venue's clock first
        latest = c.candles("binance:BTC/USDT", interval="1h", limit=3, progress=False)
        forming = pd.Timestamp(pinned.now).floor("1h")
    hour = pd.Timedelta(hours=1)
    assert latest.open_time.tolist() == [forming - 2 * hour, forming - hour, forming]
    assert latest.is_closed.tolist() == [True, True, False]


def test_candles_gaps_are_absent_not_zero(client: xt.Client) -> None:
    sparse = client.candles("upbit:MED/KRW", interval="1m", limit=300, progress=False)
    assert 0 < len(sparse) < 300  # no trades, no candle — never a made-up zero row
    assert (sparse.volume > 0).all()
    with pytest.raises(xt.InvalidArgument, match="10m"):
        client.candles("binance:BTC/USDT", interval="10m")


def test_markets_and_unknown_market(client: xt.Client) -> None:
    m = client.markets()
    assert {"binance", "upbit"} == set(m.exchange)
    btc = m[(m.exchange == "binance") & (m.symbol == "BTC/USDT")].iloc[0]
    assert (btc.tick_size, btc.step_size, btc.min_notional) == (0.01, 0.00001, 5.0)
    info = client.market_info("upbit:BTC/KRW")
    assert info.tick_size == Decimal(1000) and info.min_notional == Decimal(5000)
    with pytest.raises(xt.UnknownMarket) as err:
        client.tickers(["upbit:BTC/KRW", "upbit:BTCC/KRW"])
    assert "upbit:BTC/KRW" in err.value.matches


def test_balances_both_venues(client: xt.Client) -> None:
    df = client.balances()
    usdt = df[(df.exchange == "binance") & (df.asset == "USDT")].iloc[0]
    krw = df[(df.exchange == "upbit") & (df.asset == "KRW")].iloc[0]
    assert usdt.total == usdt.free + usdt.locked and krw.total >= 1_000_000


@pytest.mark.parametrize("exchange,market", [("binance", "binance:BTC/USDT"), ("upbit", "upbit:BTC/KRW")])
def test_order_lifecycle_through_the_low_level_endpoints(box: Sandbox, exchange: str, market: str) -> None:
    # Raw order endpoints place orders only from a live-mode client (the transport's send gate).
    with xt.Client(
        **box.connect_kwargs(), timeout=xt.Timeout(connect=2, read=2), use_env=False, mode="live"
    ) as c:
        _order_lifecycle(box, c, exchange, market)


def _order_lifecycle(box: Sandbox, client: xt.Client, exchange: str, market: str) -> None:
    ref = client.resolve(market)
    bid, _ = box.market.best(exchange, ref.native)
    tick = client.market_info(market).tick_size
    price = round_to_step(bid * Decimal("0.9"), tick, up=False)
    qty = Decimal("0.001")
    cid = f"it-{exchange}-{int(time.time() * 1000)}"
    venue = client.venue(exchange)
    spec = OrderSpec(native=ref.native, side="buy", type="limit", client_order_id=cid, qty=qty, price=price)
    client.send(exchange, venue.adapter.place_call(spec))
    by_cid = client.order_status(market, client_order_id=cid)
    assert by_cid.client_order_id.iloc[0] == cid and by_cid.status.iloc[0] == "open"
    order_id = by_cid.order_id.iloc[0]
    assert client.order_status(market, order_id=order_id).order_id.iloc[0] == order_id
    opened = client.open_orders(market)
    assert cid in set(opened.client_order_id)
    locked = client.balances(exchange)
    quote = "USDT" if exchange == "binance" else "KRW"
    assert locked[locked.asset == quote].locked.iloc[0] >= float(price * qty)
    client.cancel_order(market, client_order_id=cid)
    assert client.order_status(market, order_id=order_id).status.iloc[0] == "canceled"
    assert cid not in set(client.open_orders(market).client_order_id)
    history = client.order_history(market)
    assert cid in set(history.client_order_id)


def test_429_then_retry(box: Sandbox, client: xt.Client) -> None:
    box.faults.next("binance", status=429, retry_after=1, endpoint="/api/v3/depth")
    before = _count(box, "/api/v3/depth")
    assert len(client.orderbook("binance:BTC/USDT", depth=5)) == 10
    assert _count(box, "/api/v3/depth") - before == 2


def test_5xx_timeout_drop_malformed_are_retried_for_reads(box: Sandbox, client: xt.Client) -> None:
    for kind in ({"status": 503}, {"kind": "drop"}, {"kind": "malformed"}, {"kind": "timeout", "delay": 5}):
        box.faults.next("upbit", endpoint="/v1/orderbook", **kind)
        assert len(client.orderbook("upbit:BTC/KRW", depth=5)) == 10
    box.faults.next("upbit", endpoint="/v1/orderbook", status=500, count=3)
    with pytest.raises(xt.ExchangeUnavailable):
        client.orderbook("upbit:BTC/KRW", depth=5)


def test_clock_skew_is_resynced(box: Sandbox, client: xt.Client) -> None:
    client.balances("binance")  # first sync at zero skew
    box.faults.clock_skew("binance", ms=-4000)  # the venue's clock now runs 4 s behind us
    try:
        assert not client.balances("binance").empty  # -1021 once, re-sync, re-signed retry
    finally:
        box.faults.clock_skew("binance", ms=0)


def test_ban_means_zero_requests(box: Sandbox) -> None:
    with (
        Sandbox(seed=7, freeze=True, ban_seconds=3.0) as sb,
        xt.Client(**sb.connect_kwargs(), use_env=False) as c,
    ):
        sb.faults.next("binance", status=418, retry_after=3)
        with pytest.raises(xt.IpBanned):
            c.orderbook("binance:BTC/USDT")
        n = len(sb.requests.snapshot())
        with pytest.raises(xt.IpBanned):
            c.tickers("binance:BTC/USDT")
        assert len(sb.requests.snapshot()) == n
        assert not c.tickers("upbit:BTC/KRW").empty  # the other venue is unaffected


async def test_async_client_same_surface(box: Sandbox) -> None:
    async with xt.AsyncClient(**box.connect_kwargs(), use_env=False) as ac:
        t = await ac.tickers(["binance:BTC/USDT", "upbit:BTC/KRW"])
        bal = await ac.balances()
    assert len(t) == 2 and set(bal.exchange) == {"binance", "upbit"}


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_key_pair_accounts_sign_every_private_call(box: Sandbox, kind: str) -> None:
    from spec_examples import example

    keys = example("binance", "auth_key_pair_vectors")["key_pair_keys"][kind]
    api_key = box.add_key_pair_account({"USDT": "1000", "BTC": "0.5"}, keys["public_key_pem_spki"])
    creds = {"binance": {"key": api_key, "private_key": keys["private_key_pem_pkcs8"]}}
    with xt.Client(
        base_urls={"binance": box.url}, sandbox=True, credentials=creds, exchanges=["binance"], use_env=False
    ) as c:
        bal = c.balances("binance").set_index("asset")
        assert bal.loc["USDT", "free"] == 1000.0 and bal.loc["BTC", "free"] == 0.5
        assert c.open_orders("binance:BTC/USDT").empty


def test_networks_and_fees_follow_the_sandbox_wallets(box: Sandbox, client: xt.Client) -> None:
    box.wallets.suspend("binance", "XRP", "XRP", deposit=False, withdraw=True, reason="Upgrade")
    box.wallets.set_withdraw_fee("upbit", "BTC", "BTC", "0.0009")
    box.fees.set_commission("binance", maker="0.0008", taker="0.0011", symbol="BTCUSDT")
    try:
        nets = client.networks(["BTC", "XRP"])
        both = nets.set_index(["exchange", "asset", "network"])
        xrp = both.loc[("binance", "XRP", "XRP")]
        assert not xrp.withdraw_enabled and xrp.deposit_enabled and "Upgrade" in xrp.note
        ubtc = both.loc[("upbit", "BTC", "BTC")]
        assert ubtc.withdraw_fee_text == "0.0009" and ubtc.withdraw_enabled
        assert ubtc.source == "/v1/status/wallet+/v1/withdraws/chance"
        assert {"binance", "upbit"} == set(nets.exchange) and nets.ts.notna().all()
        fees = client.trading_fees(["binance:BTC/USDT", "binance:ETH/USDT", "upbit:BTC/KRW"]).set_index("symbol")
        assert (fees.loc["BTC/USDT", "maker"], fees.loc["BTC/USDT", "taker"]) == (0.0008, 0.0011)
        assert fees.source.tolist() == ["account"] * 3
        with xt.Client(base_urls=box.urls, sandbox=True, use_env=False) as public:
            with pytest.raises(xt.MissingCredentials):
                public.networks("BTC")
            assert public.trading_fees("binance:BTC/USDT").source.tolist() == ["default"]
    finally:
        box.wallets.reset()
        box.fees.reset()
