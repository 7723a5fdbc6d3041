"""Scanner (gross premium of every common base, then books for the top N) and the stablecoin split."""

from __future__ import annotations

from decimal import Decimal as D
from decimal import localcontext

import pandas as pd
import pytest
from executable_helpers import DEPTH, NOW, TS, UPBIT_FX, all_books

import xtoolkit as xt
from xtoolkit._frames import frame
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.executable import executable_premium
from xtoolkit.research.scanner import (
    attach_executable,
    listed_bases,
    scan_premium,
    top_bases,
    upbit_market_events,
)
from xtoolkit.research.stablecoin import decompose, premium_decomposition, stablecoin_premium
from xtoolkit.research.walk import MONEY, WIDE

#: exchange, symbol, bid, ask, last, quote_volume_24h
ROWS = [
    ("binance", "BTC/USDT", 99.0, 100.0, 99.8, 1.0e9),
    ("binance", "ETH/USDT", 9.0, 10.0, 9.5, 2.0e8),
    ("binance", "XRP/USDT", 1.0, 1.01, 1.0, 5.0e7),  # not on Upbit
    ("binance", "ZZX/USDT", float("nan"), float("nan"), 2.0, 1.0e3),  # no book top
    ("upbit", "BTC/KRW", 150_000.0, 151_000.0, 150_200.0, 2.0e11),
    ("upbit", "ETH/KRW", 12_000.0, 12_100.0, 12_050.0, 1.0e10),
    ("upbit", "ZZX/KRW", 2_900.0, 2_910.0, 2_905.0, 1.0e8),
    ("upbit", "DOGE/KRW", 300.0, 301.0, 300.5, 1.0e9),  # not on Binance
    ("upbit", "USDT/KRW", 1450.0, 1460.0, 1455.0, 5.0e11),
]

MARKET_ALL = [
    {"market": "KRW-BTC", "market_event": {"warning": False, "caution": {"PRICE_FLUCTUATIONS": False}}},
    {
        "market": "KRW-ZZX",
        "market_event": {
            "warning": False,
            "caution": {
                "PRICE_FLUCTUATIONS": True,
                "TRADING_VOLUME_SOARING": True,
                "DEPOSIT_AMOUNT_SOARING": False,
                "GLOBAL_PRICE_DIFFERENCES": True,
                "CONCENTRATION_OF_SMALL_ACCOUNTS": False,
            },
        },
    },
    {"market": "KRW-ETH", "market_warning": "CAUTION"},  # the removed field, still tolerated
    {"market": "BTC-ETH", "market_event": {"warning": True, "caution": {}}},  # not a KRW market
]


def tickers(rows: list[tuple[str, str, float, float, float, float]] = ROWS) -> pd.DataFrame:
    return frame(
        "tickers",
        {
            "exchange": [r[0] for r in rows],
            "symbol": [r[1] for r in rows],
            "bid": [r[2] for r in rows],
            "ask": [r[3] for r in rows],
            "last": [r[4] for r in rows],
            "quote_volume_24h": [r[5] for r in rows],
            "ts": [TS] * len(rows),
        },
    )


def bps(x: D) -> float:
    return float(x * 10_000)


def test_scan_gross_premiums_of_common_bases() -> None:
    scan = scan_premium(tickers(), now=NOW, events=upbit_market_events(MARKET_ALL))
    assert list(scan.columns) == list(EXECUTION_SCHEMAS["premium_scan"])
    assert scan.base.tolist() == ["BTC", "ETH", "ZZX"] and scan["rank"].tolist() == [1, 2, 3]
    btc = scan.iloc[0]
    with localcontext(MONEY):
        assert btc.premium_gross_mid_bps == bps(D(150_500) / (D("99.5") * D(1455)) - 1)
        assert btc.premium_gross_last_bps == bps(D(150_200) / (D("99.8") * D(1455)) - 1)
        assert btc.premium_gross_top_binance_to_upbit_bps == bps(D(150_000) / (D(100) * D(1460)) - 1)
        assert btc.premium_gross_top_upbit_to_binance_bps == bps(D(99) * D(1450) / D(151_000) - 1)
        eth = scan.iloc[1]
        assert eth.premium_gross_mid_bps == bps(D(12_050) / (D("9.5") * D(1455)) - 1)
    assert (
        btc.fx_basis == "upbit:USDT/KRW mid"
        and btc.fx_rate == 1455.0
        and (btc.fx_bid, btc.fx_ask) == (1450, 1460)
    )
    assert btc.binance_quote_volume_24h == 1.0e9 and btc.upbit_quote_volume_24h == 2.0e11
    assert btc.binance_age_s == btc.upbit_age_s == btc.fx_age_s == 2.5
    assert btc.upbit_events_known and not btc.upbit_warning and not btc.upbit_caution_any
    zzx = scan.iloc[2]
    assert pd.isna(zzx.premium_gross_mid_bps) and "binance ZZX/USDT: no bid/ask" in zzx.error
    assert zzx.upbit_caution_any and zzx.upbit_caution_price_fluctuations
    assert zzx.upbit_caution_global_price_differences and not zzx.upbit_caution_deposit_amount_soaring
    assert scan.iloc[1].upbit_warning  # market_warning CAUTION -> warning
    assert not scan.books_fetched.any() and scan.premium_net_exec_binance_to_upbit_bps.isna().all()


def test_scan_sorting_fx_rate_and_filters() -> None:
    asc = scan_premium(tickers(), now=NOW, descending=False)
    assert asc.base.tolist() == ["ETH", "BTC", "ZZX"]  # NaN last either way
    user = scan_premium(tickers(), now=NOW, fx=1400, bases=["BTC"])
    assert user.base.tolist() == ["BTC"] and user.fx_basis.iloc[0] == "user:1400"
    assert user.premium_gross_mid_bps.iloc[0] == bps(D(150_500) / (D("99.5") * D(1400)) - 1)
    assert not user.upbit_events_known.iloc[0] and pd.isna(user.fx_ts.iloc[0])
    no_fx = scan_premium(tickers(ROWS[:-1]), now=NOW)
    assert no_fx.premium_gross_mid_bps.isna().all() and "no bid/ask in the tickers" in no_fx.error.iloc[0]
    empty = scan_premium(tickers([]), now=NOW)
    assert empty.empty and list(empty.columns) == list(EXECUTION_SCHEMAS["premium_scan"])
    for kw in ({"sort_by": "nope"}, {"fx": ["upbit", 1400]}):
        with pytest.raises(xt.InvalidArgument):
            scan_premium(tickers(), now=NOW, **kw)  # type: ignore[arg-type]


def test_top_bases_then_books_for_them() -> None:
    scan = scan_premium(tickers(), now=NOW)
    assert top_bases(scan, 1) == ["ETH"]  # |-1282 bps| beats |+396 bps|; ZZX (NaN) never counts
    assert top_bases(scan, 2, absolute=False) == ["BTC", "ETH"]
    assert top_bases(scan, 0) == [] and top_bases(scan, 9) == ["ETH", "BTC"]
    exec_df = executable_premium(["BTC"], 1, books=all_books(), now=NOW, depth=DEPTH)
    both = attach_executable(scan, exec_df)
    assert list(both.columns) == list(EXECUTION_SCHEMAS["premium_scan"])
    btc = both.iloc[0]
    b2u = exec_df[exec_df.direction == "binance_to_upbit"].iloc[0]
    assert btc.books_fetched and btc.exec_size == 1.0 and btc.exec_size_in == "base"
    assert btc.exec_fx_basis == "upbit:USDT/KRW executable"
    assert btc.premium_gross_exec_binance_to_upbit_bps == b2u.premium_gross_exec_bps
    assert btc.filled_binance_to_upbit and not btc.route_open_binance_to_upbit  # routes not given
    assert not both.iloc[1].books_fetched and pd.isna(both.iloc[1].premium_gross_exec_upbit_to_binance_bps)
    with pytest.raises(xt.InvalidArgument):
        attach_executable(
            scan, executable_premium(["BTC"], 1, books=all_books(), now=NOW, fx=["upbit", 1455])
        )


def test_listed_bases_from_markets_frames() -> None:
    markets = frame(
        "markets",
        {
            "exchange": ["binance", "binance", "binance", "upbit", "upbit", "upbit", "upbit"],
            "symbol": ["BTC/USDT", "ETH/USDT", "LUNA/USDT", "BTC/KRW", "ETH/KRW", "LUNA/KRW", "USDT/KRW"],
            "base": ["BTC", "ETH", "LUNA", "BTC", "ETH", "LUNA", "USDT"],
            "quote": ["USDT", "USDT", "USDT", "KRW", "KRW", "KRW", "KRW"],
            "status": ["TRADING", "TRADING", "BREAK", "WARNING", "TRADING", "TRADING", "TRADING"],
        },
    )
    assert listed_bases(markets) == ["BTC", "ETH"]


def test_stablecoin_premium_mid_and_executable() -> None:
    s = stablecoin_premium(UPBIT_FX, 1440, now=NOW, size_usdt=600)
    assert list(s.columns) == list(EXECUTION_SCHEMAS["stablecoin_premium"])
    r = s.iloc[0]
    with localcontext(MONEY):
        buy_vwap = (D(1460) * 500 + D(1470) * 100) / 600
        assert r.usdt_premium_mid_bps == bps(D(1455) / D(1440) - 1)
        assert r.buy_vwap == float(buy_vwap) and r.filled_buy and r.sell_vwap == 1450.0
        assert r.usdt_premium_exec_buy_gross_bps == bps(buy_vwap / D(1440) - 1)
        assert r.usdt_premium_exec_buy_net_bps == bps(buy_vwap * D("1.0005") / D(1440) - 1)
        assert r.usdt_premium_exec_sell_gross_bps == bps(D(1450) / D(1440) - 1)
        assert r.usdt_premium_exec_sell_net_bps == bps(D(1450) * D("0.9995") / D(1440) - 1)
    assert r.usd_krw_source == "user:1440" and r.fee_source == "default" and r.book_age_s == 2.5
    thin = stablecoin_premium(all_books(), 1440, now=NOW, size_usdt=2000, usd_krw_source="BOK fixing").iloc[0]
    assert not thin.filled_sell and thin.sell_qty == 1000.0 and pd.isna(thin.usdt_premium_exec_sell_net_bps)
    assert (
        "bids: the fetched book does not fill 2000 USDT" in thin.error and thin.usd_krw_source == "BOK fixing"
    )
    missing = stablecoin_premium(all_books().query("symbol != 'USDT/KRW'"), 1440, now=NOW).iloc[0]
    assert missing.error == "no book for upbit:USDT/KRW" and pd.isna(missing.usdt_premium_mid_bps)
    with pytest.raises(xt.InvalidArgument):
        stablecoin_premium(UPBIT_FX, 0, now=NOW)


def test_decomposition_identity() -> None:
    parts = decompose(D(150_500), D("99.5"), D(1455), D(1440))
    with localcontext(WIDE):
        assert parts.total == parts.coin + parts.usdt + parts.cross
    with localcontext(MONEY):
        assert abs((1 + parts.coin) * (1 + parts.usdt) - 1 - parts.total) < D("1e-55")
        direct = D(150_500) / (D("99.5") * D(1440)) - 1
        assert abs(parts.total - direct) < D("1e-55")
        assert parts.coin == D(150_500) / (D("99.5") * D(1455)) - 1 and parts.usdt == D(1455) / D(1440) - 1
    df = premium_decomposition(tickers(), 1440, now=NOW)
    assert list(df.columns) == list(EXECUTION_SCHEMAS["premium_decomposition"])
    assert df.base.tolist() == ["BTC", "ETH", "ZZX"]
    btc = df.iloc[0]
    assert btc.premium_total_mid_usd_bps == float(parts.total * 10_000)
    assert btc.premium_coin_mid_usdt_bps == float(parts.coin * 10_000)
    assert btc.premium_usdt_mid_usd_bps == float(parts.usdt * 10_000)
    assert btc.premium_cross_mid_bps == float(parts.cross * 10_000)
    assert btc.usdt_krw_mid == 1455.0 and btc.usd_krw == 1440.0 and btc.fx_age_s == 2.5
    assert pd.isna(df.iloc[2].premium_total_mid_usd_bps) and "no mid" in df.iloc[2].error
    with pytest.raises(xt.InvalidArgument):
        decompose(D(1), D(0), D(1), D(1))
