"""Every guard, pure: a passing case and a refusal naming the rule and the numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from orderkit import binance_info, intent, snapshot, upbit_info

from xtoolkit._errors import LimitExceeded
from xtoolkit.orders.guards import GUARDS, first_failure, refusal, run_guards
from xtoolkit.orders.intent import estimate
from xtoolkit.orders.limits import Limits

D = Decimal
UP = upbit_info()
BN = binance_info()


def verdict(rule: str, i, s, limits: Limits | None = None):  # type: ignore[no-untyped-def]
    checks = {c.rule: c for c in run_guards(i, s, limits or Limits())}
    return checks[rule]


def up_buy(**kw):  # type: ignore[no-untyped-def]
    base = dict(price=D("95000000"), qty=D("0.0005"))
    base.update(kw)
    return intent(UP, "buy", **base)


def test_a_small_order_passes_every_guard() -> None:
    checks = run_guards(up_buy(), snapshot(UP), Limits())
    assert first_failure(checks) is None, [c for c in checks if not c.ok]
    assert len(checks) == len(GUARDS)
    rules = {c.rule for c in checks}
    assert {"allowlist", "max_order_notional", "price_band", "balance", "max_daily_notional"} <= rules


def test_market_status() -> None:
    c = verdict("market_status", up_buy(), snapshot(upbit_info(trading=False, status="BREAK")))
    assert c.verdict == "fail" and c.value == "BREAK"


def test_market_warning_refused_unless_allowed() -> None:
    warned = snapshot(upbit_info(warning=True, status="WARNING"))
    assert verdict("market_warning", up_buy(), warned).verdict == "fail"
    assert verdict("market_warning", up_buy(allow_warning=True), warned).ok
    assert verdict("market_warning", up_buy(), warned, Limits(allow_warning=True)).ok


def test_allowlist_defaults_differ_for_real_and_sandbox_venues() -> None:
    xrp = upbit_info(symbol=UP.symbol.__class__("XRP", "KRW"), native="KRW-XRP")
    i = intent(xrp, "buy", price=D("3000"), qty=D("2"))
    assert verdict("allowlist", i, snapshot(xrp, sandbox=True)).ok
    c = verdict("allowlist", i, snapshot(xrp, sandbox=False))
    assert c.verdict == "fail" and c.value == "upbit:XRP/KRW" and "BTC/*" in c.limit
    assert verdict("allowlist", i, snapshot(xrp, sandbox=False), Limits(allowlist=("upbit:XRP/KRW",))).ok
    assert not verdict("allowlist", i, snapshot(xrp, sandbox=True), Limits(sandbox_allowlist=("BTC/*",))).ok


def test_limits_allowlist_patterns() -> None:
    lim = Limits(allowlist=("BTC/*", "binance:ETH/USDT"))
    assert lim.allows("upbit", "BTC/KRW", sandbox=False)
    assert lim.allows("binance", "eth/usdt", sandbox=False)
    assert not lim.allows("upbit", "ETH/KRW", sandbox=False)
    assert Limits(allowlist=("*",)).allows("upbit", "DOGE/KRW", sandbox=False)
    assert Limits(allowlist="upbit:*").allows("upbit", "DOGE/KRW", sandbox=False)


def test_quantity_bounds() -> None:
    c = verdict("quantity", intent(BN, "buy", price=D("65000"), qty=D("0")), snapshot(BN))
    assert c.verdict == "fail" and "rounds to zero" in c.message
    c = verdict("quantity", intent(BN, "buy", price=D("65000"), qty=D("9001")), snapshot(BN))
    assert c.verdict == "fail" and c.limit == D("9000")
    info = binance_info(min_qty=D("0.001"))
    c = verdict("quantity", intent(info, "buy", price=D("65000"), qty=D("0.0005")), snapshot(info))
    assert c.verdict == "fail" and (c.limit, c.value) == (D("0.001"), D("0.0005"))


def test_venue_minimum_total() -> None:
    c = verdict("venue_notional", up_buy(qty=D("0.00005")), snapshot(UP))  # 4,750 KRW < 5,000
    assert c.verdict == "fail" and (c.limit, c.value) == (D("5000"), D("4750.00000"))
    c = verdict("venue_notional", intent(BN, "buy", price=D("65000"), qty=D("0.00007")), snapshot(BN))
    assert c.verdict == "fail" and c.limit == D("5")


def test_per_order_cap_per_quote_currency() -> None:
    c = verdict("max_order_notional", up_buy(qty=D("0.001")), snapshot(UP))  # 95,000 KRW
    assert c.verdict == "fail" and (c.limit, c.value) == (D("50000"), D("95000.000"))
    assert verdict(
        "max_order_notional", up_buy(qty=D("0.001")), snapshot(UP), Limits(max_order_notional={"KRW": 100000})
    ).ok
    c = verdict("max_order_notional", intent(BN, "buy", price=D("65000"), qty=D("0.001")), snapshot(BN))
    assert c.verdict == "fail" and c.limit == D("50")


def test_unlisted_quote_is_valued_in_usdt_or_refused() -> None:
    eth_btc = binance_info(symbol=BN.symbol.__class__("ETH", "BTC"), native="ETHBTC", tick_size=D("0.00001"))
    i = intent(eth_btc, "buy", price=D("0.05"), qty=D("0.01"))  # 0.0005 BTC
    priced = snapshot(eth_btc, quote_usdt=D("65000"), bids=((D("0.05"), D(1)),), asks=((D("0.05001"), D(1)),))
    c = verdict("max_order_notional", i, priced)  # 32.5 USDT <= 50
    assert c.ok and c.limit == D("50")
    # No rate to either cap currency (a KRW rate alone would now value it against the KRW cap).
    unpriced = snapshot(
        eth_btc, quote_usdt=None, quote_krw=None, fx_note="no rate", bids=priced.bids, asks=priced.asks
    )
    c = verdict("max_order_notional", i, unpriced)
    assert c.verdict == "fail" and "cannot be valued" in c.message


def test_daily_cap_counts_what_was_sent_today() -> None:
    s = snapshot(UP, daily_used=D("480000"))
    c = verdict("max_daily_notional", up_buy(), s)  # 480,000 + 47,500
    assert c.verdict == "fail" and (c.limit, c.value) == (D("500000"), D("527500.0000"))
    assert verdict("max_daily_notional", up_buy(), snapshot(UP, daily_used=D("400000"))).ok


def test_price_band_through_the_touch() -> None:
    s = snapshot(UP)  # best ask 95,010,000; best bid 95,000,000
    assert verdict("price_band", up_buy(price=D("96900000")), s).ok  # 1.99 % through
    c = verdict("price_band", up_buy(price=D("97000000")), s)
    assert c.verdict == "fail" and c.limit == D("2") and c.value == D("2.09")
    assert verdict("price_band", up_buy(price=D("50000000")), s).ok  # passive: not capped
    c = verdict("price_band", intent(UP, "sell", price=D("93000000"), qty=D("0.0005")), s)
    assert c.verdict == "fail" and c.value == D("2.11")
    c = verdict("price_band", up_buy(), snapshot(UP, asks=()))
    assert c.verdict == "fail" and "no ask" in c.message
    assert verdict("price_band", up_buy(price=D("97000000")), s, Limits(price_band_pct=5)).ok


def test_market_order_slippage_and_thin_book() -> None:
    s = snapshot(UP)
    small = intent(UP, "buy", type="market", quote_qty=D("40000"))
    assert verdict("slippage", small, s).ok
    assert verdict("price_band", small, s).verdict == "skip"
    thin = intent(UP, "sell", type="market", qty=D("5"))
    c = verdict("slippage", thin, s)
    assert c.verdict == "fail" and "too thin" in c.message
    wide = snapshot(UP, asks=((D("95010000"), D("0.0001")), (D("96010000"), D("1"))))
    c = verdict("slippage", small, wide)
    assert c.verdict == "fail" and c.limit == D("50") and c.value > 50


def test_market_estimate_walks_the_book() -> None:
    e = estimate(intent(BN, "buy", type="market", qty=D("0.7")), snapshot(BN))
    assert e.notional == D("0.5") * D("65000.01") + D("0.2") * D("65010.00")
    assert e.worst == D("65010.00") and e.complete
    assert e.value_krw == e.notional * 1440 and e.fee == e.notional * D("0.001")


def test_open_orders() -> None:
    c = verdict("max_open_orders", up_buy(), snapshot(UP, open_orders=5))
    assert c.verdict == "fail" and (c.limit, c.value) == (5, 6)
    assert verdict("max_open_orders", up_buy(), snapshot(UP, open_orders=None)).verdict == "skip"


def test_balance_includes_a_reserved_fee() -> None:
    need = D("47500.0000") * D("1.0005")
    c = verdict("balance", up_buy(), snapshot(UP, free={"KRW": D("47500")}))
    assert c.verdict == "fail" and c.value == need and c.limit == D("47500")
    assert verdict("balance", up_buy(), snapshot(UP, free={"KRW": need})).ok
    c = verdict("balance", intent(UP, "sell", price=D("95000000"), qty=D("0.5")), snapshot(UP))
    assert c.verdict == "fail" and (c.limit, c.value) == (D("0.1"), D("0.5"))
    assert verdict("balance", up_buy(), snapshot(UP, free=None)).verdict == "skip"
    # Binance takes a buy's fee from the asset received: no reserve in the quote.
    bn = intent(BN, "buy", price=D("65000"), qty=D("0.0005"))
    assert verdict("balance", bn, snapshot(BN, free={"USDT": D("32.5")})).ok


def test_unresolved_orders_block_new_ones() -> None:
    c = verdict("unresolved_orders", up_buy(), snapshot(UP, unresolved=("xt-A", "xt-B")))
    assert c.verdict == "fail" and c.value == 2 and "xt-A" in c.message and "reconcile" in c.message


def test_repeat_guard() -> None:
    c = verdict("repeat", up_buy(), snapshot(UP, repeat_of=("xt-EARLIER", 12.3)))
    assert c.verdict == "fail" and c.value == 12.3 and "xt-EARLIER" in c.message


def test_refusal_is_a_typed_error_naming_rule_and_numbers() -> None:
    check = first_failure(run_guards(up_buy(qty=D("0.001")), snapshot(UP), Limits()))
    assert check is not None
    err = refusal(check, "upbit")
    assert isinstance(err, LimitExceeded)
    assert (err.rule, err.limit, err.value) == ("max_order_notional", D("50000"), D("95000.000"))
    assert "nothing was sent" in str(err) and "95,000" in str(err) and "50,000" in str(err)


def test_limits_validation() -> None:
    for bad in (
        {"max_open_orders": -1},
        {"price_band_pct": "-1"},
        {"max_order_notional": {"KRW": -5}},
        {"plan_ttl_s": -1},
    ):
        with pytest.raises(ValueError):
            Limits(**bad)
    assert Limits(max_order_notional={"krw": "1000"}).max_order_notional == {"KRW": D(1000)}
