"""Wallet and fee endpoints with realistic data tests can change (issue 14, item 8).

Binance ``/sapi/v1/capital/config/getall``, ``/sapi/v1/asset/tradeFee``,
``/api/v3/account/commission``; Upbit ``/v1/status/wallet``, ``/v1/withdraws/chance`` and the
fee fields of ``/v1/orders/chance`` — all reading ``box.wallets`` / ``box.fees``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sbhelpers import BinanceClient, UpbitClient, assert_shape, example, new_binance, new_upbit

from xtoolkit.sandbox import Sandbox

D = Decimal
OPTIONAL_NETWORK_FIELDS = frozenset({"denomination"})


def _networks(client: BinanceClient) -> dict[tuple[str, str], dict[str, object]]:
    coins = client.signed("GET", "/sapi/v1/capital/config/getall").json()
    return {(c["coin"], n["network"]): n for c in coins for n in c["networkList"]}


def test_capital_config_shape_networks_and_balances(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    r = client.signed("GET", "/sapi/v1/capital/config/getall")
    assert r.status == 200, r.text
    coins = r.json()
    assert_shape(coins, example("binance", "capital_config_getall"), optional=OPTIONAL_NETWORK_FIELDS)
    by_coin = {c["coin"]: c for c in coins}
    assert by_coin["BTC"]["free"] == "0.50000000" and by_coin["USDT"]["free"] == "10000.00000000"
    nets = {(coin, n["network"]) for coin, c in by_coin.items() for n in c["networkList"]}
    for expected in [
        ("BTC", "BTC"),
        ("ETH", "ETH"),
        ("XRP", "XRP"),
        ("USDT", "ETH"),
        ("USDT", "TRX"),
        ("SOL", "SOL"),
    ]:
        assert expected in nets
    assert [n["network"] for n in by_coin["USDT"]["networkList"] if n["isDefault"]] == ["TRX"]
    xrp = _networks(client)[("XRP", "XRP")]
    assert xrp["withdrawTag"] is True and xrp["memoRegex"]  # memo network
    # Plausible sizes: fees far below minimums, minimums far below one coin for BTC.
    btc = _networks(client)[("BTC", "BTC")]
    assert D("0") < D(str(btc["withdrawFee"])) < D(str(btc["withdrawMin"])) < D("0.001")
    assert r.header("x-sapi-used-ip-weight-1m") == "10"
    assert r.header("x-mbx-used-weight-1m") is None  # /sapi has its own accounting


def test_suspend_resume_and_fee_changes_show_on_binance(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    fresh.wallets.suspend("binance", "USDT", "SOL")
    fresh.wallets.suspend("binance", "ETH", "ETH", deposit=False, reason="Network Upgrade")
    fresh.wallets.set_withdraw_fee("binance", "BTC", "BTC", "0.0005")
    fresh.wallets.set_withdraw_limits("binance", "BTC", "BTC", minimum="0.001")
    nets = _networks(client)
    sol = nets[("USDT", "SOL")]
    assert sol["depositEnable"] is False and sol["withdrawEnable"] is False and sol["busy"] is True
    assert sol["withdrawDesc"] == "Wallet Maintenance, Withdrawal Suspended"
    eth = nets[("ETH", "ETH")]
    assert eth["depositEnable"] is True and eth["withdrawEnable"] is False
    assert eth["withdrawDesc"] == "Network Upgrade, Withdrawal Suspended"
    assert nets[("BTC", "BTC")]["withdrawFee"] == "0.0005" and nets[("BTC", "BTC")]["withdrawMin"] == "0.001"
    fresh.wallets.resume("binance", "USDT", "SOL")
    assert _networks(client)[("USDT", "SOL")]["withdrawEnable"] is True
    fresh.wallets.suspend("binance", "USDT")  # every network of the coin
    coin = next(
        c for c in client.signed("GET", "/sapi/v1/capital/config/getall").json() if c["coin"] == "USDT"
    )
    assert coin["depositAllEnable"] is False and coin["withdrawAllEnable"] is False
    fresh.wallets.reset()
    assert _networks(client)[("USDT", "SOL")]["depositEnable"] is True
    with pytest.raises(KeyError):
        fresh.wallets.suspend("binance", "BTC", "TRX")


def test_commission_fee_changes_reach_every_binance_surface(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    commission = client.signed("GET", "/api/v3/account/commission", {"symbol": "BTCUSDT"})
    assert commission.status == 200
    assert_shape(commission.json(), example("binance", "account_commission"))
    fees = client.signed("GET", "/sapi/v1/asset/tradeFee", {"symbol": "BTCUSDT"}).json()
    assert_shape(fees, example("binance", "asset_trade_fee"))
    assert fees == [{"symbol": "BTCUSDT", "makerCommission": "0.001", "takerCommission": "0.001"}]
    fresh.fees.set_commission("binance", maker="0.0008", taker="0.0012")
    fresh.fees.set_commission("binance", taker="0.002", symbol="ETHUSDT")
    account = client.signed("GET", "/api/v3/account").json()
    assert (account["makerCommission"], account["takerCommission"]) == (8, 12)
    assert account["commissionRates"]["taker"] == "0.00120000"
    eth = client.signed("GET", "/api/v3/account/commission", {"symbol": "ETHUSDT"}).json()
    assert (
        eth["standardCommission"]["maker"] == "0.00080000"
        and eth["standardCommission"]["taker"] == "0.00200000"
    )
    all_fees = {row["symbol"]: row for row in client.signed("GET", "/sapi/v1/asset/tradeFee").json()}
    assert (
        all_fees["ETHUSDT"]["takerCommission"] == "0.002"
        and all_fees["BTCUSDT"]["takerCommission"] == "0.0012"
    )
    test = client.signed(
        "POST",
        "/api/v3/order/test",
        {
            "symbol": "ETHUSDT",
            "side": "BUY",
            "type": "MARKET",
            "quantity": "0.01",
            "computeCommissionRates": "true",
        },
    ).json()
    assert test["standardCommissionForOrder"] == {"maker": "0.00080000", "taker": "0.00200000"}
    # A fill is charged the new taker rate, in the asset received (base for a buy).
    buyer = new_binance(fresh, {"USDT": "1000"})
    fill = buyer.signed(
        "POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"}
    ).json()
    qty = sum(D(f["qty"]) for f in fill["fills"])
    fee = sum(D(f["commission"]) for f in fill["fills"])
    assert fill["fills"][0]["commissionAsset"] == "ETH" and fee == (qty * D("0.002")).quantize(
        D("0.00000001")
    )
    fresh.fees.reset("binance")
    assert client.signed("GET", "/api/v3/account").json()["takerCommission"] == 10


def test_upbit_wallet_status_follows_the_switches(fresh: Sandbox) -> None:
    client = UpbitClient(fresh.url, *fresh.keys["upbit"])
    r = client.private("GET", "/v1/status/wallet")
    assert r.status == 200, r.text
    assert_shape(r.json(), example("upbit", "status_wallet"))
    rows = {(row["currency"], row["net_type"]): row for row in r.json()}
    assert ("USDT", "ETH") in rows and ("USDT", "TRX") in rows and ("XRP", "XRP") in rows
    assert (
        rows[("BTC", "BTC")]["wallet_state"] == "working" and rows[("BTC", "BTC")]["block_state"] == "normal"
    )
    fresh.wallets.suspend("upbit", "XRP", "XRP", withdraw=False)  # deposits stop
    fresh.wallets.set_block_state("XRP", "XRP", "delayed", elapsed_minutes=42)
    fresh.wallets.suspend("upbit", "SOL", "SOL")
    fresh.wallets.suspend("upbit", "ETH", "ETH", deposit=False)
    rows = {
        (row["currency"], row["net_type"]): row for row in client.private("GET", "/v1/status/wallet").json()
    }
    assert rows[("XRP", "XRP")]["wallet_state"] == "withdraw_only"
    assert (
        rows[("XRP", "XRP")]["block_state"] == "delayed"
        and rows[("XRP", "XRP")]["block_elapsed_minutes"] == 42
    )
    assert rows[("ETH", "ETH")]["wallet_state"] == "deposit_only"
    sol = rows[("SOL", "SOL")]
    assert (sol["wallet_state"], sol["block_state"], sol["block_height"], sol["block_updated_at"]) == (
        "paused",
        "inactive",
        None,
        None,
    )


def test_upbit_withdraw_chance_fee_limits_and_support(fresh: Sandbox) -> None:
    client = UpbitClient(fresh.url, *fresh.keys["upbit"])
    r = client.private("GET", "/v1/withdraws/chance", {"currency": "BTC", "net_type": "BTC"})
    assert r.status == 200, r.text
    assert_shape(r.json(), example("upbit", "withdraws_chance"))
    body = r.json()
    assert body["currency"]["withdraw_fee"] == "0.0008" and body["withdraw_limit"]["fixed"] == 8
    assert body["account"]["balance"] == "0.05"
    fresh.wallets.set_withdraw_fee("upbit", "BTC", "BTC", "0.001")
    fresh.wallets.suspend("upbit", "BTC", "BTC", deposit=False)
    body = client.private("GET", "/v1/withdraws/chance", {"currency": "BTC", "net_type": "BTC"}).json()
    assert body["currency"]["withdraw_fee"] == "0.001" and body["currency"]["wallet_support"] == ["deposit"]
    usdt = client.private("GET", "/v1/withdraws/chance", {"currency": "USDT", "net_type": "TRX"}).json()
    assert usdt["withdraw_limit"]["fixed"] == 6
    krw = client.private("GET", "/v1/withdraws/chance", {"currency": "KRW"}).json()
    assert krw["currency"]["is_coin"] is False and krw["withdraw_limit"]["fixed"] == 0
    missing = client.private("GET", "/v1/withdraws/chance", {"currency": "BTC"})
    assert missing.status == 400 and missing.json()["error"]["name"] == "validation_error"
    wrong = client.private("GET", "/v1/withdraws/chance", {"currency": "BTC", "net_type": "ETH"})
    assert wrong.status == 400 and wrong.json()["error"]["name"] == "validation_error"


def test_upbit_order_chance_and_fills_read_the_fee_schedule(fresh: Sandbox) -> None:
    client = UpbitClient(fresh.url, *fresh.keys["upbit"])
    chance = client.private("GET", "/v1/orders/chance", {"market": "KRW-BTC"}).json()
    assert_shape(chance, example("upbit", "orders_chance"))
    assert (chance["bid_fee"], chance["maker_bid_fee"]) == ("0.0005", "0.0005")
    assert client.private("GET", "/v1/orders/chance", {"market": "BTC-ETH"}).json()["ask_fee"] == "0.0025"
    fresh.fees.set_commission("upbit", maker="0.0002", taker="0.0007", symbol="KRW-BTC")
    chance = client.private("GET", "/v1/orders/chance", {"market": "KRW-BTC"}).json()
    assert (chance["bid_fee"], chance["ask_fee"], chance["maker_bid_fee"], chance["maker_ask_fee"]) == (
        "0.0007",
        "0.0007",
        "0.0002",
        "0.0002",
    )
    assert client.private("GET", "/v1/orders/chance", {"market": "KRW-ETH"}).json()["bid_fee"] == "0.0005"
    buyer = new_upbit(fresh, {"KRW": "1000000"})
    order = buyer.post(
        "/v1/orders", {"market": "KRW-BTC", "side": "bid", "ord_type": "price", "price": "100000"}
    )
    assert order.status == 201, order.text
    # The bid reserves its fee at the taker rate it was placed with.
    assert D(order.json()["reserved_fee"]) == D("100000") * D("0.0007")


def test_sapi_has_its_own_per_endpoint_weight_and_no_ban(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    fresh.state.sapi_limiter.limit = 25  # (real: 12,000 per endpoint per minute)
    used = [client.signed("GET", "/sapi/v1/capital/config/getall") for _ in range(3)]
    assert [r.header("x-sapi-used-ip-weight-1m") for r in used] == ["10", "20", "30"]
    assert used[2].status == 429 and used[2].json()["code"] == -1003 and used[2].header("retry-after")
    # Another /sapi endpoint keeps its own budget; /api's weight was never charged.
    fee = client.signed("GET", "/sapi/v1/asset/tradeFee", {"symbol": "BTCUSDT"})
    assert fee.status == 200 and fee.header("x-sapi-used-ip-weight-1m") == "1"
    assert client.public("/api/v3/ping").header("x-mbx-used-weight-1m") == "1"
    # Hammering on gets 429s, never the 418 ban of /api.
    assert {client.signed("GET", "/sapi/v1/capital/config/getall").status for _ in range(6)} == {429}
