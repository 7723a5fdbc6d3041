"""Executable premium: every figure against a hand computation from the raw books and fee tables.

Books (executable_helpers): Binance BTC/USDT bids 99×1, 98×2 / asks 100×1, 101×2; Upbit
BTC/KRW bids 150 000×0.5, 149 000×2 / asks 151 000×1, 152 000×2; Upbit USDT/KRW bids
1450×1000 / asks 1460×500, 1470×1000. Default fees: Binance 0.1 %, Upbit 0.05 %.
Routes: BTC network BTC both ways; Binance withdraw fee 0.0005, Upbit 0.0008.
"""

from __future__ import annotations

from decimal import Decimal as D
from decimal import localcontext

import pandas as pd
import pytest
from executable_helpers import DEPTH, NOW, TS, UPBIT_FX, all_books, levels
from hypothesis import given, settings
from hypothesis import strategies as st

import xtoolkit as xt
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.executable import as_books, cross, executable_premium
from xtoolkit.research.fees import FeeBook, TakerFee
from xtoolkit.research.routes import NetworkStatus, route_table
from xtoolkit.research.walk import MONEY, WIDE, Book, FxRate

TINY = D("1e-40")


def net(exchange: str, network: str = "BTC", **kw: object) -> NetworkStatus:
    facts: dict[str, object] = {
        "exchange": exchange,
        "asset": "BTC",
        "network": network,
        "deposit_enabled": True,
        "withdraw_enabled": True,
        "withdraw_fee": D("0.0005") if exchange == "binance" else D("0.0008"),
        "withdraw_min": D("0.001"),
        "read_at": TS,
    }
    if exchange == "upbit":
        facts |= {"wallet_state": "working", "block_state": "normal", "block_updated_at": TS}
    facts |= kw
    return NetworkStatus(**facts)  # type: ignore[arg-type]


def routes(binance: list[NetworkStatus] | None = None, upbit: list[NetworkStatus] | None = None):  # type: ignore[no-untyped-def]
    return route_table(
        ["BTC"],
        binance=[net("binance")] if binance is None else binance,
        upbit=[net("upbit")] if upbit is None else upbit,
        now=NOW,
    )


def run(
    size: object, size_in: str = "base", *, books: pd.DataFrame | None = None, **kw: object
) -> pd.DataFrame:
    return executable_premium(
        kw.pop("bases", "BTC"),  # type: ignore[arg-type]
        size,
        size_in=size_in,
        books=all_books() if books is None else books,
        now=NOW,
        depth=DEPTH,
        routes=kw.pop("routes", routes()),
        **kw,  # type: ignore[arg-type]
    )


def row(df: pd.DataFrame, direction: str, fx_basis: str = "upbit:USDT/KRW executable") -> pd.Series:
    hit = df[(df.direction == direction) & (df.fx_basis == fx_basis)]
    assert len(hit) == 1
    return hit.iloc[0]


def close(got: D | None, want: D) -> None:
    """``got`` equals the hand value ``want`` up to the last of MONEY's 60 digits (quotients round)."""
    assert got is not None
    assert abs(got - want) <= TINY * max(abs(want), D(1)), (got, want)


def crossing(direction: str, size: str, size_in: str = "base", fx: FxRate | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return cross(
        direction,
        "BTC",
        D(size),
        size_in,
        books=as_books(all_books(), DEPTH),
        fees=kw.pop("fees", FeeBook()),
        routes=kw.pop("routes", routes()),
        fx=fx or FxRate(),
    )


def test_binance_to_upbit_at_size_by_hand() -> None:
    c = crossing("binance_to_upbit", "1.5")
    with localcontext(MONEY):  # the hand figures, in the arithmetic the code uses
        capital = D(100) * 1 + D(101) * D("0.5")  # asks 100×1 + 101×0.5
        bought = D("1.5")
        after_fee = bought - bought * D("0.001")  # Binance fee in base
        arriving = after_fee - D("0.0005")  # Binance withdrawFee
        krw = D(150_000) * D("0.5") + D(149_000) * (arriving - D("0.5"))  # Upbit bids
        krw_net = krw - krw * D("0.0005")
        on_fx_book = krw_net / D("1.0005")  # Upbit fee on top of the USDT buy
        usdt = on_fx_book / D(1460)  # within the first ask level
        e = krw / arriving / D(1460)  # USDT per base at exit (FX book rate)
        gross = e / (capital / bought) - 1  # vwap_u / (fx × vwap_b) − 1
        fee_bn = (bought - after_fee) * e
        transfer = D("0.0005") * e
        fee_up = krw * D("0.0005") / D(1460)
        fee_fx = (krw_net - on_fx_book) / D(1460)
        assert c.filled and c.capital == capital and c.capital_currency == "USDT"
        assert c.legs["buy"].fill.qty == bought and c.legs["buy"].got == after_fee
        assert c.transfer_fee == D("0.0005") and c.transfer_qty == arriving
        assert c.legs["sell"].fill.qty == arriving and c.legs["sell"].fill.notional == krw
        assert c.legs["sell"].got == krw_net
        close(c.legs["fx"].fill.qty, usdt)
        close(c.final, usdt)
        close(c.net_profit, usdt - capital)
        close(c.premium_gross_bps, gross * 10_000)
        close(c.fee_bps["buy"], fee_bn / capital * 10_000)
        close(c.fee_bps["sell"], fee_up / capital * 10_000)
        close(c.fee_bps["fx"], fee_fx / capital * 10_000)
        close(c.transfer_bps, transfer / capital * 10_000)
        close(c.premium_net_bps, (usdt / capital - 1) * 10_000)

    r = row(run(1.5), "binance_to_upbit")
    assert r.capital == 150.5 and r.binance_qty == 1.5 and r.binance_notional == 150.5
    assert r.binance_vwap == float(capital / bought) and r.binance_side == "buy"
    assert r.upbit_side == "sell" and r.upbit_qty == float(arriving) and r.upbit_notional == float(krw)
    assert r.fx_side == "buy" and r.fx_vwap == 1460.0 and r.fx_levels == 1
    assert r.filled and r.filled_binance and r.filled_upbit and r.filled_fx
    assert r.transfer_network == "BTC" and r.transfer_chain == "bitcoin" and r.transfer_fee == 0.0005
    assert r.route_open and r.route_status == "open" and pd.isna(r.route_reason)
    assert r.premium_net_exec_bps == pytest.approx(float((usdt / capital - 1) * 10_000), rel=1e-12)
    assert r.premium_net_exec_pct == pytest.approx(float((usdt / capital - 1) * 100), rel=1e-12)
    assert (r.fee_source_binance, r.fee_source_upbit, r.fee_source_fx) == ("default",) * 3
    assert (r.fee_rate_binance, r.fee_rate_upbit, r.fee_rate_fx) == (0.001, 0.0005, 0.0005)
    assert r.binance_book_age_s == r.upbit_book_age_s == r.fx_book_age_s == 2.5
    assert r.binance_book_ts == TS and pd.isna(r.error)


def test_upbit_to_binance_at_size_by_hand() -> None:
    c = crossing("upbit_to_binance", "1.5")
    with localcontext(MONEY):
        on_book = D(151_000) * 1 + D(152_000) * D("0.5")  # Upbit asks
        capital = on_book + on_book * D("0.0005")  # Upbit fee on top, KRW
        arriving = D("1.5") - D("0.0008")  # Upbit withdraw_fee
        usdt = D(99) * 1 + D(98) * (arriving - 1)  # Binance bids
        usdt_net = usdt - usdt * D("0.001")  # Binance fee in quote on a sell
        krw = usdt_net * D(1450)  # FX bids, first level
        final = krw - krw * D("0.0005")
        e = usdt / arriving * D(1450)  # KRW per base at exit
        fee_up = (capital * D("1.5") * e / on_book) - D("1.5") * e
        assert c.filled and c.capital == capital and c.capital_currency == "KRW"
        assert c.legs["sell"].fill.notional == usdt and c.legs["sell"].got == usdt_net
        close(c.final, final)
        close(c.net_profit, final - capital)
        close(c.premium_gross_bps, (usdt / arriving * D(1450) / (on_book / D("1.5")) - 1) * 10_000)
        close(c.fee_costs["buy"], fee_up)
        close(c.transfer_cost, D("0.0008") * e)
        close(c.fee_costs["sell"], usdt * D("0.001") * D(1450))
        close(c.fee_costs["fx"], krw * D("0.0005"))
        close(c.premium_net_bps, (final / capital - 1) * 10_000)
    r = row(run(1.5), "upbit_to_binance")
    assert r.upbit_side == "buy" and r.binance_side == "sell" and r.fx_side == "sell"
    assert r.upbit_notional == float(on_book) and r.binance_qty == float(arriving)
    assert r.fx_usdt == float(usdt_net) and r.fx_vwap == 1450.0
    assert r.transfer_fee == 0.0008 and r.premium_net_exec_bps < 0  # Upbit is dearer: this way loses


@pytest.mark.parametrize("direction", ["binance_to_upbit", "upbit_to_binance"])
@pytest.mark.parametrize("size", ["0.01", "1.5", "2.4"])
@pytest.mark.parametrize("fx", [FxRate(), FxRate(D(1455))])
def test_identity_is_exact(direction: str, size: str, fx: FxRate) -> None:
    c = crossing(direction, size, fx=fx)
    assert c.filled
    with localcontext(WIDE):
        assert c.gross_profit - c.fees_cost - c.transfer_cost == c.net_profit
        assert c.premium_gross_bps - c.fees_bps - c.transfer_bps == c.premium_net_bps
        assert c.premium_after_fees_bps - c.transfer_bps == c.premium_net_bps
        assert c.fees_bps == c.fee_bps["buy"] + c.fee_bps["sell"] + c.fee_bps["fx"]
    with localcontext(MONEY):
        direct = (c.final / c.capital - 1) * 10_000
    assert abs(c.premium_net_bps - direct) < D("1e-45")


def test_user_fx_rate_converts_without_fee_or_depth() -> None:
    df = run(1.5, fx=["upbit", 1455])
    assert len(df) == 4 and set(df.fx_basis) == {"upbit:USDT/KRW executable", "user:1455"}
    b2u = row(df, "binance_to_upbit", "user:1455")
    u2b = row(df, "upbit_to_binance", "user:1455")
    with localcontext(MONEY):
        arriving = D("1.4985") - D("0.0005")
        krw = D(75_000) + D(149_000) * (arriving - D("0.5"))
        usdt = (krw - krw * D("0.0005")) / D(1455)
        s = D(99) + D(98) * (D("1.4992") - 1)
        krw_back = (s - s * D("0.001")) * D(1455)
        capital_krw = D(227_000) * D("1.0005")
    assert b2u.final == pytest.approx(float(usdt), rel=1e-15)
    assert b2u.premium_net_exec_bps == pytest.approx(float((usdt / D("150.5") - 1) * 10_000), rel=1e-12)
    assert b2u.fee_fx_bps == 0.0 and b2u.fee_rate_fx == 0.0 and b2u.fee_source_fx == "none"
    assert b2u.fx_vwap == 1455.0 and b2u.fx_levels == 0 and b2u.filled_fx
    assert pd.isna(b2u.fx_book_ts) and pd.isna(b2u.fx_book_age_s)
    assert u2b.final == pytest.approx(float(krw_back), rel=1e-15)
    assert u2b.premium_net_exec_bps == pytest.approx(float((krw_back / capital_krw - 1) * 10_000), rel=1e-12)
    # The mid premium on each basis: Upbit mid over Binance mid × FX mid, the same both ways.
    mid = (D(150_500) / (D("99.5") * D(1455)) - 1) * 10_000
    assert b2u.kimchi_premium_mid_bps == u2b.kimchi_premium_mid_bps == pytest.approx(float(mid), rel=1e-12)
    on_book = row(df, "binance_to_upbit")
    assert on_book.kimchi_premium_mid_bps == pytest.approx(float(mid), rel=1e-12)  # FX mid is 1455 too


def test_size_in_quote_currencies() -> None:
    # binance_to_upbit, 120 USDT: the capital, spent on the asks (fee taken in base).
    r = row(run(120, "USDT"), "binance_to_upbit")
    assert r.capital == 120.0 and r.binance_notional == 120.0
    assert r.binance_qty == float(1 + D(20) / D(101))
    # binance_to_upbit, 146 000 KRW: turned into USDT on the FX asks (146 000 / 1460 = 100).
    r = row(run(146_000, "KRW"), "binance_to_upbit")
    assert r.capital == 100.0 and r.binance_qty == 1.0
    # upbit_to_binance, 151 000 KRW: the capital, fee included (151 000 / 1.0005 reaches the book).
    r = row(run(151_000, "KRW"), "upbit_to_binance")
    assert r.capital == pytest.approx(151_000.0, rel=1e-15)
    assert r.upbit_qty == float(D(151_000) / D("1.0005") / D(151_000))
    # upbit_to_binance, 100 USDT: sold on the FX bids for 145 000 KRW of capital.
    r = row(run(100, "USDT"), "upbit_to_binance")
    assert r.capital == pytest.approx(145_000.0, rel=1e-15)
    # With a user rate the other currency converts at the rate.
    r = row(run(145_500, "KRW", fx=1455), "binance_to_upbit", "user:1455")
    assert r.capital == 100.0


def test_partly_filled_books_report_what_filled_and_no_premium() -> None:
    df = run(4)  # Binance asks hold 3 BTC in the 2 fetched levels
    r = row(df, "binance_to_upbit")
    assert not r.filled and not r.filled_binance and r.binance_qty == 3.0
    assert r.binance_notional == 302.0 and r.binance_vwap == float(D(302) / 3)
    assert "depth=2; the book may go deeper" in r.error and "fill 3 of 4 base" in r.error
    for col in ("premium_gross_exec_bps", "premium_net_exec_bps", "fees_exec_bps", "final", "net_profit"):
        assert pd.isna(r[col])
    # The next legs walk what the first delivered: Upbit bids hold 2.5 of the 2.9965 arriving.
    assert not r.filled_upbit and r.upbit_qty == 2.5
    # Only the Upbit leg short: 3 BTC bought in full, the sale runs out.
    r = row(run(3), "binance_to_upbit")
    assert r.filled_binance and not r.filled_upbit and not r.filled
    assert r.upbit_qty == 2.5 and r.upbit_notional == float(D(75_000) + D(298_000))


def test_fx_leg_short_of_the_whole_venue_book() -> None:
    thin_fx = levels("upbit", "USDT/KRW", [(1450.0, 100.0)], [(1460.0, 500.0)])
    books = pd.concat([all_books().query("symbol != 'USDT/KRW'"), thin_fx], ignore_index=True)
    r = row(run(1.5, books=books), "upbit_to_binance")
    assert r.filled_binance and r.filled_upbit and not r.filled_fx and not r.filled
    assert r.fx_usdt == 100.0 and r.fx_krw == 145_000.0
    assert "the venue's whole book (1 levels)" in r.error
    assert pd.isna(r.premium_net_exec_bps)


def test_books_that_do_not_fill_at_all() -> None:
    no_asks = levels("binance", "BTC/USDT", [(99.0, 1.0)], [])
    books = pd.concat([no_asks, all_books().query("exchange == 'upbit'")], ignore_index=True)
    r = row(run(1, books=books), "binance_to_upbit")
    assert not r.filled and not r.filled_binance and r.binance_qty == 0.0 and pd.isna(r.binance_vwap)
    assert pd.isna(r.premium_gross_exec_bps) and pd.isna(r.kimchi_premium_mid_bps)
    missing = row(run(1, books=all_books().query("exchange == 'upbit'")), "upbit_to_binance")
    assert not missing.filled and "no book for binance:BTC/USDT" in missing.error
    assert pd.isna(missing.binance_book_ts) and missing.upbit_qty == 1.0
    no_fx = row(run(1, books=all_books().query("symbol != 'USDT/KRW'")), "binance_to_upbit")
    assert not no_fx.filled_fx and "no book for upbit:USDT/KRW" in no_fx.error


def test_account_fees_are_used_and_labelled() -> None:
    fees = [
        TakerFee(exchange="binance", symbol="BTC/USDT", buy=D("0.00075"), sell=D("0.0009")),
        TakerFee(exchange="upbit", symbol=None, buy=D("0.0004"), sell=D("0.0003")),
    ]
    df = run(1, fees=fees)
    b2u, u2b = row(df, "binance_to_upbit"), row(df, "upbit_to_binance")
    assert (b2u.fee_source_binance, b2u.fee_source_upbit, b2u.fee_source_fx) == ("account",) * 3
    assert (b2u.fee_rate_binance, b2u.fee_rate_upbit, b2u.fee_rate_fx) == (0.00075, 0.0003, 0.0004)
    assert (u2b.fee_rate_binance, u2b.fee_rate_upbit, u2b.fee_rate_fx) == (0.0009, 0.0004, 0.0003)
    with localcontext(MONEY):
        got = 1 - D("0.00075")
        krw = D(75_000) + D(149_000) * (got - D("0.0005") - D("0.5"))
        usdt = (krw - krw * D("0.0003")) / D("1.0004") / D(1460)
    assert b2u.final == pytest.approx(float(usdt), rel=1e-15)


def test_routes_gate_the_transfer_and_the_net() -> None:
    suspended = run(
        1.5, routes=routes(binance=[net("binance", withdraw_enabled=False, note="Wallet Maintenance")])
    )
    b2u, u2b = row(suspended, "binance_to_upbit"), row(suspended, "upbit_to_binance")
    assert not b2u.route_open and b2u.route_status == "closed"
    assert "binance withdrawals off on BTC (Wallet Maintenance)" in b2u.route_reason
    assert pd.isna(b2u.premium_net_exec_bps) and pd.isna(b2u.transfer_bps) and pd.isna(b2u.transfer_fee)
    assert not pd.isna(b2u.premium_after_fees_exec_bps) and b2u.filled
    assert u2b.route_open and not pd.isna(u2b.premium_net_exec_bps)  # deposits to Binance still open
    # Without keys nothing is guessed: unknown, not open.
    blind = row(run(1.5, routes=None), "binance_to_upbit")
    assert blind.route_status == "unknown" and not blind.route_open and "needs API keys" in blind.route_reason
    delayed = run(1.5, routes=routes(upbit=[net("upbit", block_state="delayed")]))
    assert not row(delayed, "binance_to_upbit").route_open
    assert "upbit block_state delayed on BTC" in row(delayed, "upbit_to_binance").route_reason


def test_a_missing_buy_book_is_the_route_reason_when_routes_were_read() -> None:
    books = all_books()
    no_binance = books[books.exchange != "binance"].reset_index(drop=True)
    r = row(run(1.5, books=no_binance), "binance_to_upbit")
    assert r.route_status == "unknown" and not r.route_open
    assert "buy leg" in r.route_reason and "needs API keys" not in r.route_reason


def test_cheapest_open_network_is_used() -> None:
    two = routes(
        binance=[net("binance"), net("binance", "BSC", withdraw_fee=D("0.00001"))],
        upbit=[net("upbit"), net("upbit", "BSC")],
    )
    # BSC is not a chain Upbit's table names: that route is unknown, so BTC is the one open.
    r = row(run(1.5, routes=two), "binance_to_upbit")
    assert r.transfer_network == "BTC" and r.transfer_fee == 0.0005
    chains = {"binance": {"BTC": "bitcoin", "BSC": "bsc"}, "upbit": {"BTC": "bitcoin", "BSC": "bsc"}}
    mapped = route_table(
        ["BTC"],
        binance=[net("binance"), net("binance", "BSC", withdraw_fee=D("0.00001"))],
        upbit=[net("upbit"), net("upbit", "BSC")],
        now=NOW,
        chains=chains,
    )
    r = row(run(1.5, routes=mapped), "binance_to_upbit")
    assert r.transfer_network == "BSC" and r.transfer_fee == 0.00001
    small = row(run(0.001, routes=mapped), "binance_to_upbit")  # 0.000999 - fee < 0.001 minimum
    assert small.route_status == "closed" and "minimum" in small.route_reason


def test_frame_schema_and_validation() -> None:
    df = run(1)
    assert list(df.columns) == list(EXECUTION_SCHEMAS["executable_premium"])
    assert [str(t) for t in df.dtypes] == [
        {"str": "str", "float64": "float64", "int64": "int64", "bool": "bool"}.get(v, v)
        for v in EXECUTION_SCHEMAS["executable_premium"].values()
    ]
    empty = run(1, directions=())
    assert empty.empty and list(empty.columns) == list(EXECUTION_SCHEMAS["executable_premium"])
    for bad in ({"size": 0}, {"size": -1}, {"size": True}, {"size_in": "EUR"}, {"fx": "bank"}):
        kw = {"size": 1, "size_in": "base"} | bad
        with pytest.raises(xt.InvalidArgument):
            run(kw.pop("size"), kw.pop("size_in"), **kw)
    with pytest.raises(xt.InvalidArgument):
        executable_premium("BTC", 1, books=all_books(), now=TS.tz_localize(None))
    with pytest.raises(xt.InvalidArgument):
        run(1, directions=("sideways",))


def test_several_bases_one_frame() -> None:
    eth = [
        levels("binance", "ETH/USDT", [(9.0, 10.0)], [(10.0, 10.0)]),
        levels("upbit", "ETH/KRW", [(15_000.0, 10.0)], [(15_100.0, 10.0)]),
    ]
    df = run(2, books=all_books(*eth), routes=None, bases=["BTC", "ETH"])
    assert df.base.tolist() == ["BTC", "BTC", "ETH", "ETH"]
    eth_b2u = row(df[df.base == "ETH"], "binance_to_upbit")
    assert eth_b2u.binance_notional == 20.0 and eth_b2u.upbit_notional == float(D(15_000) * D("1.998"))


@settings(max_examples=60, deadline=None)
@given(
    bn=st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 10**4)), min_size=1, max_size=5),
    up=st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 10**4)), min_size=1, max_size=5),
    fx=st.integers(1_300_000, 1_600_000),
    size=st.integers(1, 10**5),
    direction=st.sampled_from(["binance_to_upbit", "upbit_to_binance"]),
)
def test_identity_holds_for_any_books(
    bn: list[tuple[int, int]], up: list[tuple[int, int]], fx: int, size: int, direction: str
) -> None:
    def side(raw: list[tuple[int, int]], scale: D, ask: bool) -> tuple[tuple[D, D], ...]:
        lv = sorted({D(p) * scale: D(q) / 1000 for p, q in raw}.items(), reverse=not ask)
        return tuple(lv)

    books = {
        "binance:BTC/USDT": Book(
            "binance", "BTC/USDT", side(bn, D("0.01"), False), side(bn, D("0.0101"), True)
        ),
        "upbit:BTC/KRW": Book("upbit", "BTC/KRW", side(up, D(14), False), side(up, D("14.1"), True)),
        "upbit:USDT/KRW": Book(
            "upbit", "USDT/KRW", ((D(fx) / 1000, D(10**9)),), ((D(fx + 5000) / 1000, D(10**9)),)
        ),
    }
    always_open = routes()
    c = cross(
        direction,
        "BTC",
        D(size) / 10_000,
        "base",
        books=books,
        fees=FeeBook(),
        routes=always_open,
        fx=FxRate(),
    )
    if not c.filled or c.premium_net_bps is None:
        return
    with localcontext(WIDE):
        assert c.gross_profit - c.fees_cost - c.transfer_cost == c.net_profit
        assert c.premium_gross_bps - c.fees_bps - c.transfer_bps == c.premium_net_bps
    with localcontext(MONEY):
        assert abs(c.premium_net_bps - (c.final / c.capital - 1) * 10_000) < D("1e-40")


def test_fx_book_fixture_is_what_the_docstring_says() -> None:
    fx_book = as_books(UPBIT_FX, DEPTH)["upbit:USDT/KRW"]
    assert fx_book.truncated("bid") is False and fx_book.truncated("ask") is True


def test_book_from_levels_takes_venue_text_as_written_and_one_time() -> None:
    from xtoolkit.research.walk import book_from_levels

    book = book_from_levels(
        "binance", "BTC/USDT", ["bid", "ask", "bid"], ["99.10", "100.00", "99.20"], ["1.5", "2", 0.1],
        [1_772_413_200_000] * 3, depth=3,
    )  # fmt: skip
    assert book.bids == ((D("99.20"), D("0.1")), (D("99.10"), D("1.5")))
    assert book.asks == ((D("100.00"), D("2")),) and book.depth == 3
    assert book.ts == pd.Timestamp("2026-03-02T01:00:00Z")
    with pytest.raises(xt.InvalidArgument):
        book_from_levels("upbit", "BTC/KRW", ["bid"], ["-1"], ["1"])
    with pytest.raises(xt.InvalidArgument):
        book_from_levels("upbit", "BTC/KRW", ["mid"], ["1"], ["1"])
