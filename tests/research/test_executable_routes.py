"""Routes and fees: the venues' wallet and fee answers parsed, matched by chain, judged.

Payloads are trimmed copies of the spec's examples (capital_config_getall.json,
status_wallet.json, withdraws_chance.json, account_commission.json, orders_chance.json,
asset_trade_fee.json), values unchanged.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit._models import MarketRef, Symbol
from xtoolkit.exchanges._spec import Call
from xtoolkit.exchanges.binance import wallet as binance_wallet
from xtoolkit.exchanges.upbit import wallet as upbit_wallet
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.fees import (
    FeeBook,
    TakerFee,
    as_fee_book,
    default_fee,
    taker_fee,
)
from xtoolkit.research.routes import (
    NetworkStatus,
    cheapest_route,
    network_status,
    route_table,
    routes_frame,
)


def _net(
    network: str, fee: str, minimum: str, *, on: bool = True, busy: bool = False, **kw: Any
) -> dict[str, Any]:
    return {
        "network": network,
        "depositEnable": on,
        "withdrawEnable": on,
        "depositDesc": "" if on else "Wallet Maintenance, Deposit Suspended",
        "withdrawDesc": "" if on else "Wallet Maintenance, Withdrawal Suspended",
        "withdrawFee": fee,
        "withdrawMin": minimum,
        "withdrawMax": "9999999999",
        "busy": busy,
        **kw,
    }


GETALL = [
    {
        "coin": "BTC",
        "networkList": [
            _net("BTC", "0.000012", "0.000024", withdrawMax="9999999999.99999999"),
            _net("BSC", "0.0000024", "0.0000048", withdrawMax="9999999999.99999999"),
        ],
    },
    {
        "coin": "USDT",
        "networkList": [
            _net("ETH", "1", "2"),
            _net("TRX", "1", "10"),
            _net("SOL", "1", "2", on=False, busy=True),
        ],
    },
    {"coin": "XRP", "networkList": [_net("XRP", "0.2", "2")]},
]

STATUS_WALLET = [
    {
        "currency": "BTC",
        "wallet_state": "working",
        "block_state": "normal",
        "block_height": 925431,
        "block_updated_at": "2026-11-23T08:31:40.584+00:00",
        "block_elapsed_minutes": 13,
        "net_type": "BTC",
        "network_name": "Bitcoin",
    },
    {
        "currency": "USDT",
        "wallet_state": "working",
        "block_state": "normal",
        "block_height": 24102233,
        "block_updated_at": "2026-11-23T08:43:28.010+00:00",
        "block_elapsed_minutes": 1,
        "net_type": "ETH",
        "network_name": "Ethereum",
    },
    {
        "currency": "XRP",
        "wallet_state": "withdraw_only",
        "block_state": "delayed",
        "block_height": 100210458,
        "block_updated_at": "2026-11-23T08:02:11.307+00:00",
        "block_elapsed_minutes": 42,
        "net_type": "XRP",
        "network_name": "XRP Ledger",
    },
    {
        "currency": "SOL",
        "wallet_state": "paused",
        "block_state": "inactive",
        "block_height": None,
        "block_updated_at": None,
        "block_elapsed_minutes": None,
        "net_type": "SOL",
        "network_name": "Solana",
    },
]

WITHDRAWS_CHANCE_BTC = {
    "member_level": {"security_level": 4, "fee_level": 0, "locked": False, "wallet_locked": False},
    "currency": {
        "code": "BTC",
        "withdraw_fee": "0.0008",
        "is_coin": True,
        "wallet_state": "working",
        "wallet_support": ["deposit", "withdraw"],
    },
    "withdraw_limit": {"currency": "BTC", "minimum": "0.001", "fixed": 8, "can_withdraw": True},
}

ACCOUNT_COMMISSION = {
    "symbol": "BTCUSDT",
    "standardCommission": {
        "maker": "0.00100000",
        "taker": "0.00100000",
        "buyer": "0.00000000",
        "seller": "0.00000000",
    },
    "specialCommission": {
        "maker": "0.00000000",
        "taker": "0.00000000",
        "buyer": "0.00000000",
        "seller": "0.00000000",
    },
    "taxCommission": {
        "maker": "0.00000000",
        "taker": "0.00000000",
        "buyer": "0.00000000",
        "seller": "0.00000000",
    },
    "discount": {
        "enabledForAccount": True,
        "enabledForSymbol": True,
        "discountAsset": "BNB",
        "discount": "0.25000000",
    },
}

ORDERS_CHANCE = {
    "bid_fee": "0.0005",
    "ask_fee": "0.0005",
    "maker_bid_fee": "0.0005",
    "maker_ask_fee": "0.0005",
    "market": {
        "id": "KRW-BTC",
        "name": "BTC/KRW",
        "bid": {"currency": "KRW", "min_total": "5000"},
        "ask": {"currency": "BTC", "min_total": "5000"},
        "max_total": "1000000000",
        "state": "active",
    },
}

READ = pd.Timestamp("2026-11-23T08:45:00Z")
READ_MS = READ.value // 1_000_000


def binance_networks(payload: Any) -> list[NetworkStatus]:
    """The venue parser's records (what the client reads), as research's NetworkStatus."""
    return [network_status(w) for w in binance_wallet.parse_networks([payload], READ_MS)]


def upbit_networks(status: Any, chances: dict[tuple[str, str], Any] | None = None) -> list[NetworkStatus]:
    more = [
        (Call("withdraws_chance", {"currency": c, "net_type": n}), answer)
        for (c, n), answer in (chances or {}).items()
    ]
    return [network_status(w) for w in upbit_wallet.parse_networks([status], more, READ_MS)]


def ref(exchange: str, base: str, quote: str, native: str) -> MarketRef:
    return MarketRef(exchange, Symbol(base, quote), native)


def networks() -> tuple[list[NetworkStatus], list[NetworkStatus]]:
    bn = binance_networks(GETALL)
    up = upbit_networks(STATUS_WALLET, {("BTC", "BTC"): WITHDRAWS_CHANCE_BTC})
    return bn, up


def test_binance_getall_parsed_per_network() -> None:
    bn = {(n.asset, n.network): n for n in binance_networks(GETALL)}
    assert len(bn) == 6
    btc = bn[("BTC", "BTC")]
    assert btc.withdraw_fee == D("0.000012") and btc.withdraw_min == D("0.000024")
    assert btc.withdraw_max == D("9999999999.99999999") and btc.deposit_enabled and btc.withdraw_enabled
    sol = bn[("USDT", "SOL")]
    assert sol.withdraw_enabled is False and sol.deposit_enabled is False and sol.busy is True
    assert sol.note == "Wallet Maintenance, Withdrawal Suspended; Wallet Maintenance, Deposit Suspended"
    assert btc.read_at == READ and btc.wallet_state is None
    # Missing fields are unknown, never a default.
    (bare,) = binance_networks([{"coin": "ABC", "networkList": [{"network": "ETH"}]}])
    assert bare.withdraw_enabled is None and bare.withdraw_fee is None
    with pytest.raises(xt.MalformedResponse):
        binance_networks({"coin": "BTC"})
    with pytest.raises(xt.MalformedResponse):
        binance_networks([{"coin": "X", "networkList": [{"network": "N", "withdrawFee": "lots"}]}])


def test_upbit_status_and_withdraw_chance_merge() -> None:
    up = {
        (n.asset, n.network): n for n in upbit_networks(STATUS_WALLET, {("BTC", "BTC"): WITHDRAWS_CHANCE_BTC})
    }
    btc = up[("BTC", "BTC")]
    assert (btc.deposit_enabled, btc.withdraw_enabled) == (True, True)
    assert btc.withdraw_fee == D("0.0008") and btc.withdraw_min == D("0.001")
    assert btc.block_state == "normal" and btc.block_updated_at == pd.Timestamp("2026-11-23T08:31:40.584Z")
    xrp = up[("XRP", "XRP")]
    assert (xrp.deposit_enabled, xrp.withdraw_enabled, xrp.block_state) == (False, True, "delayed")
    assert xrp.withdraw_fee is None  # withdraws/chance not read for XRP
    sol = up[("SOL", "SOL")]
    assert (sol.deposit_enabled, sol.withdraw_enabled) == (False, False) and pd.isna(sol.block_updated_at)
    # withdraws/chance can only close what status/wallet opened, and a wallet lock closes withdrawals.
    locked = WITHDRAWS_CHANCE_BTC | {"member_level": {"wallet_locked": True}}
    (only,) = upbit_networks(STATUS_WALLET[:1], {("BTC", "BTC"): locked})
    assert only.withdraw_enabled is False and only.deposit_enabled is True
    (odd,) = upbit_networks([STATUS_WALLET[0] | {"wallet_state": "sleeping"}])
    assert (odd.deposit_enabled, odd.withdraw_enabled) == (False, False) and "sleeping" in odd.note


def test_route_table_verdicts_and_reasons() -> None:
    bn, up = networks()
    table = route_table(
        ["BTC", "USDT", "XRP", "SOL"], binance=bn, upbit=up, now=READ + pd.Timedelta(minutes=5)
    )
    by = {(r.asset, r.chain, r.direction): r for r in table}
    btc = by[("BTC", "bitcoin", "binance_to_upbit")]
    assert btc.is_open and btc.reason is None and btc.withdraw_fee == D("0.000012")
    assert by[("BTC", "bitcoin", "upbit_to_binance")].is_open
    assert by[("BTC", "bitcoin", "upbit_to_binance")].withdraw_fee == D("0.0008")
    # Binance BSC: Upbit (read, every BTC network mapped) has none on that chain: closed.
    bsc = by[("BTC", "bnb-smart-chain", "binance_to_upbit")]
    assert bsc.status == "closed" and "upbit has no BTC network on bnb-smart-chain" in bsc.reason
    # Upbit USDT over ETH: the withdraw fee was not read, so that way is unknown.
    usdt_eth = by[("USDT", "ethereum", "upbit_to_binance")]
    assert usdt_eth.status == "unknown" and "withdraw fee of USDT on ETH: not read" in usdt_eth.reason
    assert by[("USDT", "ethereum", "binance_to_upbit")].is_open
    assert by[("USDT", "tron", "binance_to_upbit")].status == "closed"  # Upbit lists no TRX wallet for USDT
    # XRP: withdraw_only + delayed on Upbit; SOL: suspended on Binance (not listed there) and paused on Upbit.
    xrp_in = by[("XRP", "xrp-ledger", "binance_to_upbit")]
    assert xrp_in.status == "closed"
    assert (
        "upbit deposits off on XRP" in xrp_in.reason and "upbit block_state delayed on XRP" in xrp_in.reason
    )
    assert by[("XRP", "xrp-ledger", "upbit_to_binance")].status == "closed"
    sol = by[("SOL", "solana", "upbit_to_binance")]
    assert sol.status == "closed" and "binance has no SOL network on solana" in sol.reason


def test_without_keys_every_route_is_unknown() -> None:
    bn, up = networks()
    for kw in (
        {"binance": None, "upbit": up},
        {"binance": bn, "upbit": None},
        {"binance": None, "upbit": None},
    ):
        table = route_table(["BTC"], now=READ, **kw)  # type: ignore[arg-type]
        assert table and all(r.status == "unknown" and not r.is_open for r in table)
        assert all("wallet status not read (needs API keys)" in (r.reason or "") for r in table)


def test_a_suspended_network_flips_route_open() -> None:
    bn, up = networks()
    before = route_table(["BTC"], binance=bn, upbit=up, now=READ)
    assert cheapest_route(before, "BTC", "binance_to_upbit", D("0.5")).is_open
    getall = [{"coin": "BTC", "networkList": [_net("BTC", "0.000012", "0.000024", on=False)]}]
    after = route_table(["BTC"], binance=binance_networks(getall), upbit=up, now=READ)
    choice = cheapest_route(after, "BTC", "binance_to_upbit", D("0.5"))
    assert not choice.is_open and choice.status == "closed"
    assert "binance withdrawals off on BTC (Wallet Maintenance, Withdrawal Suspended" in choice.reason
    frame = routes_frame(after, now=READ)
    assert not frame.route_open_binance_to_upbit.iloc[0]
    assert frame.route_status_binance_to_upbit.iloc[0] == "closed"


def test_stale_information_is_unknown() -> None:
    bn, up = networks()
    later = READ + pd.Timedelta(hours=1)
    table = route_table(["BTC"], binance=bn, upbit=up, now=later, max_info_age=900)
    btc = next(r for r in table if r.chain == "bitcoin" and r.direction == "binance_to_upbit")
    assert btc.status == "unknown" and "binance wallet status is 3600 s old (max 900 s)" in btc.reason
    assert route_table(["BTC"], binance=bn, upbit=up, now=later, max_info_age=None)[0].is_open


def test_cheapest_route_and_limits() -> None:
    bn, up = networks()
    chains = {"binance": {"BTC": "bitcoin", "BSC": "bsc"}, "upbit": {"BTC": "bitcoin", "BSC": "bsc"}}
    up_bsc = NetworkStatus(
        exchange="upbit",
        asset="BTC",
        network="BSC",
        deposit_enabled=True,
        withdraw_enabled=True,
        withdraw_fee=D("0.0001"),
        withdraw_min=D("0.001"),
        wallet_state="working",
        block_state="normal",
        read_at=READ,
    )
    table = route_table(["BTC"], binance=bn, upbit=[*up, up_bsc], now=READ, chains=chains)
    pick = cheapest_route(table, "BTC", "binance_to_upbit", D("0.5"))
    assert pick.is_open and pick.route.sender.network == "BSC" and pick.route.withdraw_fee == D("0.0000024")
    # 0.00003 - 0.000012 = 0.000018 arrives on BTC (< 0.000024); BSC carries it.
    small = cheapest_route(table, "BTC", "binance_to_upbit", D("0.00003"))
    assert small.route.sender.network == "BSC"
    tiny = cheapest_route(table, "BTC", "binance_to_upbit", D("0.000005"))
    assert tiny.status == "closed" and "outside limits" in tiny.reason
    assert cheapest_route(table, "ETH", "binance_to_upbit", D(1)).status == "unknown"
    with pytest.raises(xt.InvalidArgument):
        cheapest_route(table, "BTC", "sideways", D(1))


def test_routes_frame_columns_and_ages() -> None:
    bn, up = networks()
    df = routes_frame(
        route_table(["BTC", "XRP"], binance=bn, upbit=up, now=READ), now=READ + pd.Timedelta(seconds=30)
    )
    assert list(df.columns) == list(EXECUTION_SCHEMAS["routes"])
    btc = df[(df.asset == "BTC") & (df.chain == "bitcoin")].iloc[0]
    assert btc.binance_network == "BTC" and btc.upbit_network == "BTC"
    assert btc.binance_withdraw_fee == 0.000012 and btc.upbit_withdraw_fee == 0.0008
    assert btc.upbit_wallet_state == "working" and btc.upbit_block_state == "normal"
    assert btc.binance_info_age_s == 30.0 and btc.upbit_info_age_s == 30.0
    assert (
        btc.upbit_block_age_s
        == (READ + pd.Timedelta(seconds=30) - pd.Timestamp("2026-11-23T08:31:40.584Z")).total_seconds()
    )
    assert btc.route_open_binance_to_upbit and btc.route_open_upbit_to_binance
    xrp = df[df.asset == "XRP"].iloc[0]
    assert not xrp.route_open_binance_to_upbit and xrp.upbit_block_state == "delayed"
    empty = routes_frame([], now=READ)
    assert empty.empty and list(empty.columns) == list(EXECUTION_SCHEMAS["routes"])


def test_fee_records_become_taker_fees_and_defaults() -> None:
    btc_usdt = ref("binance", "BTC", "USDT", "BTCUSDT")
    fee = taker_fee(binance_wallet.parse_fee(ACCOUNT_COMMISSION, btc_usdt, READ_MS))
    assert (fee.symbol, fee.buy, fee.sell, fee.source) == ("BTC/USDT", D("0.001"), D("0.001"), "account")
    taxed = ACCOUNT_COMMISSION | {"taxCommission": {"taker": "0.0001", "buyer": "0.0002", "seller": "0"}}
    taxed.pop("specialCommission")  # older answers lack it: zeros
    fee = taker_fee(binance_wallet.parse_fee(taxed, btc_usdt, READ_MS))
    assert (fee.buy, fee.sell) == (D("0.0013"), D("0.0011"))
    chance = upbit_wallet.parse_fee(ORDERS_CHANCE, ref("upbit", "BTC", "KRW", "KRW-BTC"), READ_MS)
    up = taker_fee(chance)
    assert (up.symbol, up.buy, up.sell, up.source) == ("BTC/KRW", D("0.0005"), D("0.0005"), "account")
    # A fee book takes the client's records as they come.
    assert FeeBook([up]).rate("upbit", "BTC/KRW", "sell") == as_fee_book([chance]).rate(
        "upbit", "BTC/KRW", "sell"
    )
    # Defaults are the order desk's table: Binance 0.1 %, Upbit 0.05 % on KRW markets.
    assert default_fee("binance", "ETH/USDT").buy == D("0.001")
    assert default_fee("upbit", "USDT/KRW").sell == D("0.0005")
    assert default_fee("upbit", "ETH/BTC").buy == D("0.0025")
    book = FeeBook([TakerFee(exchange="upbit", symbol=None, buy=D("0.0004"), sell=D("0.0004"))])
    assert book.rate("upbit", "BTC/KRW", "buy") == (D("0.0004"), "account")
    assert book.rate("binance", "BTC/USDT", "sell") == (D("0.001"), "default")
    with pytest.raises(xt.InvalidArgument):
        taker_fee(up)  # type: ignore[arg-type]  (a TakerFee is not a client record)
    with pytest.raises(xt.InvalidArgument):
        FeeBook([TakerFee(exchange="upbit", symbol=None, buy=D("1.5"), sell=D(0))])


def test_route_table_checks_its_inputs() -> None:
    bn, up = networks()
    with pytest.raises(xt.InvalidArgument):
        route_table(["BTC"], binance=up, upbit=up, now=READ)
    with pytest.raises(xt.InvalidArgument):
        route_table(["BTC"], binance=bn, upbit=up, now=READ.tz_localize(None))
    with pytest.raises(xt.InvalidArgument):
        route_table(["BTC"], binance=bn, upbit=up, now=READ, max_info_age=0)


def test_unmapped_networks_make_routes_unknown_not_closed() -> None:
    bn, _ = networks()
    odd = NetworkStatus(
        exchange="upbit",
        asset="BTC",
        network="BEP20X",
        deposit_enabled=True,
        withdraw_enabled=True,
        withdraw_fee=D("0.0001"),
        withdraw_min=D("0.001"),
        wallet_state="working",
        block_state="normal",
        read_at=READ,
    )
    table = route_table(["BTC"], binance=bn, upbit=[odd], now=READ)
    by = {(r.chain, r.direction, r.sender.network if r.sender else None): r for r in table}
    bsc = by[("bnb-smart-chain", "binance_to_upbit", "BSC")]
    assert bsc.status == "unknown" and "unmapped: BEP20X" in bsc.reason
    alone = by[(None, "upbit_to_binance", "BEP20X")]
    assert alone.status == "unknown" and "network 'BEP20X' has no chain mapping to binance" in alone.reason
