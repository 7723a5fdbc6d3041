"""Wallet networks and trading fees: typed records and fixed-schema frames from the spec's
example answers, the calls each verb makes (and which need keys), and the no-key defaults."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import parse_qsl

import pandas as pd
import pytest
from scripted_server import Reply, ScriptedServer
from spec_examples import example

import xtoolkit as xt
from xtoolkit._frames import SCHEMAS
from xtoolkit.exchanges import venue_spec
from xtoolkit.exchanges._wallet import TradingFee, WalletNetwork

B_KEY, B_SECRET = "B" * 64, "b" * 64
U_KEY, U_SECRET = "U" * 40, "u" * 40


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    srv.default("GET", "/api/v3/time", Reply(body={"serverTime": int(time.time() * 1000)}))
    srv.default("GET", "/sapi/v1/capital/config/getall", Reply(body=example("binance", "capital_config_getall")))
    srv.default("GET", "/api/v3/account/commission", Reply(body=example("binance", "account_commission")))
    srv.default("GET", "/v1/status/wallet", Reply(body=example("upbit", "status_wallet")))
    srv.default("GET", "/v1/withdraws/chance", Reply(body=example("upbit", "withdraws_chance")))
    srv.default("GET", "/v1/orders/chance", Reply(body=example("upbit", "orders_chance")))
    yield srv
    srv.stop()


def _client(server: ScriptedServer, *, keys: bool = True) -> xt.Client:
    creds = {"binance": (B_KEY, B_SECRET), "upbit": (U_KEY, U_SECRET)} if keys else None
    return xt.Client(
        base_urls={"binance": server.url, "upbit": server.url},
        credentials=creds,
        use_env=False,
        env_file=None,
        retries=0,
    )


def _seen(server: ScriptedServer, path: str) -> list[dict[str, str]]:
    return [dict(parse_qsl(s.query)) for s in server.seen if s.path == path]


def test_binance_networks_exact_fees_and_flags(server: ScriptedServer) -> None:
    with _client(server) as c:
        df = c.networks("BTC", exchange="binance")
        records = c.network_records(exchange="binance")
    assert list(df.columns) == list(SCHEMAS["networks"])
    assert df.dtypes.astype(str).to_dict() == {**SCHEMAS["networks"], "ts": "datetime64[ns, UTC]",
                                               "block_updated_at": "datetime64[ns, UTC]"}
    assert df.network.tolist() == ["BTC", "BSC"] and set(df.asset) == {"BTC"}
    btc = df.set_index("network").loc["BTC"]
    assert btc.withdraw_fee_text == "0.000012" and btc.withdraw_fee == 0.000012
    assert btc.withdraw_min_text == "0.000024" and bool(btc.deposit_enabled) and bool(btc.withdraw_enabled)
    assert btc.source == "/sapi/v1/capital/config/getall" and btc.network_name == "Bitcoin"
    assert pd.isna(btc.block_updated_at) and pd.isna(btc.info_age_s)
    # One signed call for every coin, none per asset; the /sapi weight lands in its own budget.
    assert len(_seen(server, "/sapi/v1/capital/config/getall")) == 2
    sent = _seen(server, "/sapi/v1/capital/config/getall")[0]
    assert set(sent) == {"recvWindow", "timestamp", "signature"}
    by_key = {(w.asset, w.network): w for w in records}
    assert by_key[("BTC", "BSC")].withdraw_fee == Decimal("0.0000024")
    suspended = [w for w in records if w.busy]
    assert suspended and all(w.withdraw_enabled is False for w in suspended)
    assert all(isinstance(w, WalletNetwork) for w in records)


def test_upbit_networks_status_then_chance_for_named_assets_only(server: ScriptedServer) -> None:
    with _client(server) as c:
        every = c.networks(exchange="upbit")
        assert _seen(server, "/v1/withdraws/chance") == []  # all assets: status only
        btc = c.networks(["BTC", "XRP", "SOL"], exchange="upbit")
    assert len(every) == 5 and every.withdraw_fee.isna().all()
    chances = _seen(server, "/v1/withdraws/chance")
    assert chances == [
        {"currency": "BTC", "net_type": "BTC"},
        {"currency": "XRP", "net_type": "XRP"},
        {"currency": "SOL", "net_type": "SOL"},
    ]
    rows = btc.set_index("asset")
    assert rows.loc["BTC", "withdraw_fee_text"] == "0.0008" and rows.loc["BTC", "withdraw_min_text"] == "0.001"
    assert rows.loc["BTC", "source"] == "/v1/status/wallet+/v1/withdraws/chance"
    # withdraw_only: deposits closed even though withdraws/chance (the same example) says both.
    assert not rows.loc["XRP", "deposit_enabled"] and rows.loc["XRP", "withdraw_enabled"]
    assert rows.loc["XRP", "block_state"] == "delayed"
    assert not rows.loc["SOL", "deposit_enabled"] and not rows.loc["SOL", "withdraw_enabled"]
    assert pd.isna(rows.loc["SOL", "block_updated_at"]) and pd.isna(rows.loc["SOL", "info_age_s"])
    assert rows.loc["BTC", "block_updated_at"] == pd.Timestamp("2026-11-23T08:31:40.584Z")
    assert rows.loc["BTC", "info_age_s"] > 0


def test_networks_without_keys_raise_missing_credentials_and_send_nothing(server: ScriptedServer) -> None:
    with _client(server, keys=False) as c:
        for call in (lambda: c.networks(), lambda: c.networks("BTC", exchange="upbit")):
            with pytest.raises(xt.MissingCredentials):
                call()
    assert server.count("/sapi") == 0 and server.count("/v1/status") == 0


def test_wallet_answers_of_the_wrong_shape_are_typed(server: ScriptedServer) -> None:
    server.script("GET", "/sapi/v1/capital/config/getall", Reply(body={"not": "a list"}))
    server.script("GET", "/v1/status/wallet", Reply(body=[{"currency": "BTC", "net_type": "BTC"}]))
    server.script("GET", "/v1/withdraws/chance", Reply(body={"currency": {"withdraw_fee": "abc"}}))
    with _client(server) as c:
        with pytest.raises(xt.MalformedResponse):
            c.networks(exchange="binance")
        with pytest.raises(xt.MalformedResponse, match="withdraw_fee"):
            c.networks("BTC", exchange="upbit")


def test_trading_fees_from_the_account(server: ScriptedServer) -> None:
    with _client(server) as c:
        df = c.trading_fees(["binance:BTC/USDT", "upbit:BTC/KRW"])
        records = c.fee_records(["binance:BTC/USDT"])
    assert list(df.columns) == list(SCHEMAS["trading_fees"])
    assert df.source.tolist() == ["account", "account"]
    b, u = df.iloc[0], df.iloc[1]
    assert (b.exchange, b.symbol, b.maker, b.taker) == ("binance", "BTC/USDT", 0.001, 0.001)
    assert (u.exchange, u.symbol, u.taker_buy, u.taker_sell, u.maker_buy) == ("upbit", "BTC/KRW", 0.0005, 0.0005, 0.0005)
    assert _seen(server, "/api/v3/account/commission")[0]["symbol"] == "BTCUSDT"
    assert _seen(server, "/v1/orders/chance")[0] == {"market": "KRW-BTC"}
    (rec,) = records
    assert isinstance(rec, TradingFee) and rec.taker_buy == Decimal("0.001") and rec.source == "account"


def test_binance_commission_sums_standard_tax_and_special_parts(server: ScriptedServer) -> None:
    answer = example("binance", "account_commission")
    answer["standardCommission"] = {"maker": "0.0008", "taker": "0.001", "buyer": "0.0001", "seller": "0"}
    answer["taxCommission"] = {"maker": "0.0001", "taker": "0.0002", "buyer": "0", "seller": "0.00005"}
    del answer["specialCommission"]  # older servers: treated as zeros
    server.script("GET", "/api/v3/account/commission", Reply(body=answer))
    with _client(server) as c:
        (rec,) = c.fee_records("binance:BTC/USDT")
    assert rec.taker_buy == Decimal("0.0013") and rec.taker_sell == Decimal("0.00125")
    assert rec.maker_buy == Decimal("0.001") and rec.maker_sell == Decimal("0.00095")
    assert rec.taker == Decimal("0.0013") and rec.maker == Decimal("0.001")


def test_trading_fees_without_keys_are_the_order_desks_defaults(server: ScriptedServer) -> None:
    with _client(server, keys=False) as c:
        df = c.trading_fees(["binance:BTC/USDT", "upbit:BTC/KRW", "upbit:BTC/USDT"])
    assert server.count("/api/v3/account") == 0 and server.count("/v1/orders") == 0
    assert df.source.tolist() == ["default"] * 3
    got = {(e, s): (m, t) for e, s, m, t in zip(df.exchange, df.symbol, df.maker, df.taker, strict=True)}
    desk = {ex: venue_spec(ex).orders for ex in ("binance", "upbit")}
    assert got == {
        ("binance", "BTC/USDT"): (float(desk["binance"].default_fee("USDT")),) * 2,  # type: ignore[union-attr]
        ("upbit", "BTC/KRW"): (float(desk["upbit"].default_fee("KRW")),) * 2,  # type: ignore[union-attr]
        ("upbit", "BTC/USDT"): (float(desk["upbit"].default_fee("USDT")),) * 2,  # type: ignore[union-attr]
    }
    assert got[("binance", "BTC/USDT")] == (0.001, 0.001) and got[("upbit", "BTC/KRW")] == (0.0005, 0.0005)
    assert got[("upbit", "BTC/USDT")] == (0.0025, 0.0025)


def test_records_convert_to_the_research_layer_records() -> None:
    routes = pytest.importorskip("xtoolkit.research.routes")
    fees = pytest.importorskip("xtoolkit.research.fees")
    w = WalletNetwork(
        exchange="binance", asset="BTC", network="BTC", deposit_enabled=True, withdraw_enabled=True,
        withdraw_fee=Decimal("0.000012"), withdraw_min=Decimal("0.000024"), read_at=pd.Timestamp.now(tz="UTC"),
    )
    status = routes.NetworkStatus(**{f.name: getattr(w, f.name) for f in dataclasses.fields(routes.NetworkStatus)})
    assert status.withdraw_fee == Decimal("0.000012") and status.read_at == w.read_at
    r = TradingFee(exchange="upbit", symbol="BTC/KRW", maker_buy=Decimal("0.0005"), maker_sell=Decimal("0.0005"),
                   taker_buy=Decimal("0.0005"), taker_sell=Decimal("0.0005"), source="account")
    taker = fees.TakerFee(exchange=r.exchange, symbol=r.symbol, buy=r.taker_buy, sell=r.taker_sell, source=r.source)
    assert taker.rate("sell") == Decimal("0.0005")
