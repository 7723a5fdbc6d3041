"""The executable-premium verbs against the sandbox (seed 7, frozen prices), checked by hand.

Every figure is recomputed here from the raw books the sandbox serves and from its own fee and
wallet tables (``box.fees``, ``box.wallets``), in ``Decimal``, with a walk written for this test
(not the library's): sizes that fill, partly fill and do not fill, both directions, both FX
bases; a suspended network flips ``route_open`` and a raised fee lowers the net.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal as D
from decimal import localcontext

import pandas as pd
import pytest
from research_fixtures import box_fixture  # noqa: F401  (fixture)

import xtoolkit as xt
from xtoolkit import research as xr

TWENTY = [
    "BTC", "ETH", "XRP", "SOL", "DOGE", "ADA", "TRX", "AVAX", "LINK", "DOT",
    "BCH", "LTC", "XLM", "ETC", "SUI", "HBAR", "SHIB", "AAVE", "UNI", "NEAR",
]  # fmt: skip

Levels = list[tuple[D, D]]


@pytest.fixture
def public(box: object) -> Iterator[xt.Client]:
    """No keys: default fees, unknown routes."""
    kw = dict(box.connect_kwargs())  # type: ignore[attr-defined]
    kw.pop("credentials")
    with xt.Client(**kw, use_env=False) as c:
        yield c


@pytest.fixture
def keyed(box: object) -> Iterator[xt.Client]:
    """The sandbox's seeded accounts: account fees, wallets read."""
    with xt.Client(**box.connect_kwargs(), use_env=False) as c:  # type: ignore[attr-defined]
        yield c


# --- an independent walk ---------------------------------------------------------------------


def side(book: pd.DataFrame, which: str) -> Levels:
    rows = book[book.side == which]
    levels = [(D(repr(float(p))), D(repr(float(q)))) for p, q in zip(rows.price, rows.qty, strict=True)]
    return sorted(levels, key=lambda lv: lv[0], reverse=which == "bid")


def take_base(levels: Levels, qty: D) -> tuple[D, D, bool]:
    """(base taken, quote paid or received, filled)."""
    got = paid = D(0)
    for price, avail in levels:
        step = min(avail, qty - got)
        if step <= 0:
            break
        got += step
        paid += step * price
    return got, paid, got == qty


def take_quote(levels: Levels, amount: D) -> tuple[D, D, bool]:
    """(base got, quote spent, filled) for spending ``amount`` of quote."""
    got = spent = D(0)
    for price, avail in levels:
        room = amount - spent
        if room <= 0:
            break
        if price * avail <= room:
            got, spent = got + avail, spent + price * avail
        else:
            got, spent = got + room / price, amount
    return got, spent, spent == amount


def bps(final: D, capital: D) -> float:
    return float((final / capital - 1) * 10_000)


class Books:
    """The raw books the sandbox serves for one base (fetched apart from the verb)."""

    def __init__(self, client: xt.Client, base: str) -> None:
        self.bn = client.orderbook(f"binance:{base}/USDT", depth=100)
        self.up = client.orderbook(f"upbit:{base}/KRW", depth=30)
        self.fx = client.orderbook("upbit:USDT/KRW", depth=30)


def b2u(books: Books, qty: D, *, f_bn: D, f_up: D, f_fx: D, fx: D | None, wfee: D = D(0)) -> dict[str, D]:
    """Buy on Binance, move, sell on Upbit, buy USDT back: the figures of binance_to_upbit."""
    with localcontext() as ctx:
        ctx.prec = 60
        _, capital, ok1 = take_base(side(books.bn, "ask"), qty)
        arriving = qty - qty * f_bn - wfee
        sold, krw, ok3 = take_base(side(books.up, "bid"), arriving)
        krw_net = krw - krw * f_up
        if fx is None:
            usdt, spent, ok4 = take_quote(side(books.fx, "ask"), krw_net / (1 + f_fx))
            rate = usdt / spent
        else:
            usdt, ok4, rate = krw_net / fx, True, 1 / fx
        gross = qty * (krw / sold) * rate
        return {"capital": capital, "final": usdt, "gross": gross, "filled": D(ok1 and ok3 and ok4)}


def u2b(books: Books, qty: D, *, f_bn: D, f_up: D, f_fx: D, fx: D | None, wfee: D = D(0)) -> dict[str, D]:
    """Buy on Upbit, move, sell on Binance, sell the USDT on Upbit: upbit_to_binance."""
    with localcontext() as ctx:
        ctx.prec = 60
        _, krw, ok1 = take_base(side(books.up, "ask"), qty)
        capital = krw + krw * f_up
        arriving = qty - wfee
        sold, usdt, ok3 = take_base(side(books.bn, "bid"), arriving)
        usdt_net = usdt - usdt * f_bn
        if fx is None:
            _, krw_back, ok4 = take_base(side(books.fx, "bid"), usdt_net)
            rate = krw_back / usdt_net
            final = krw_back - krw_back * f_fx
        else:
            final, ok4, rate = usdt_net * fx, True, fx
        # Gross is the legs' VWAP ratio: the buy fee on top of the capital is a fee, not gross.
        gross = capital * qty * (usdt / sold) * rate / krw
        return {"capital": capital, "final": final, "gross": gross, "filled": D(ok1 and ok3 and ok4)}


HAND = {"binance_to_upbit": b2u, "upbit_to_binance": u2b}
DEFAULTS = {"f_bn": D("0.001"), "f_up": D("0.0005"), "f_fx": D("0.0005")}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


# --- sizes that fill: both directions, both FX bases -------------------------------------------


def test_filled_crossings_match_the_hand_walk_without_keys(public: xt.Client) -> None:
    books = Books(public, "BTC")
    df = xr.executable_premium("BTC", 0.5, fx=["upbit", 1400.0], client=public)
    assert list(df.columns) == list(xt.SCHEMAS["executable_premium"])
    assert len(df) == 4 and df.filled.all() and df.error.isna().all()
    for row in df.itertuples():
        fx = None if row.fx_basis == "upbit:USDT/KRW executable" else D(1400)
        want = HAND[row.direction](books, D("0.5"), fx=fx, **DEFAULTS)
        assert close(row.capital, float(want["capital"]))
        # No keys: the route is unknown, so the transfer is not priced and the
        # after-fees premium is the whole round trip without it.
        assert row.route_status == "unknown" and not row.route_open
        assert "needs API keys" in row.route_reason
        assert math.isnan(row.premium_net_exec_bps) and math.isnan(row.final)
        assert close(row.premium_after_fees_exec_bps, bps(want["final"], want["capital"]))
        assert close(row.premium_gross_exec_bps, bps(want["gross"], want["capital"]))
        assert (row.fee_source_binance, row.fee_source_upbit) == ("default", "default")
        assert row.fee_source_fx == ("default" if fx is None else "none")


def test_a_size_in_usdt_is_the_capital_of_binance_to_upbit(public: xt.Client) -> None:
    books = Books(public, "ETH")
    df = xr.executable_premium("ETH", 5000, size_in="USDT", directions=["binance_to_upbit"], client=public)
    (row,) = df.itertuples()
    qty, _, ok = take_quote(side(books.bn, "ask"), D(5000))
    assert ok and row.capital == 5000.0 and close(row.binance_qty, float(qty))
    want = b2u(books, qty, fx=None, **DEFAULTS)
    assert close(row.premium_after_fees_exec_bps, bps(want["final"], D(5000)))


# --- sizes that partly fill and do not fill ----------------------------------------------------


def test_partly_filled_and_unfilled_sizes_say_which_book_ran_out(public: xt.Client) -> None:
    books = Books(public, "BTC")
    up_bids = sum(q for _, q in side(books.up, "bid"))
    bn_asks = sum(q for _, q in side(books.bn, "ask"))
    assert bn_asks > up_bids * 2, "the sandbox's Binance book should be deeper than Upbit's 30 levels"
    part = float(up_bids * D("1.5"))
    df = xr.executable_premium("BTC", part, directions=["binance_to_upbit"], client=public)
    (row,) = df.itertuples()
    assert row.filled_binance and not row.filled_upbit and not row.filled
    assert math.isnan(row.premium_gross_exec_bps) and math.isnan(row.premium_after_fees_exec_bps)
    assert "upbit:BTC/KRW bids: the fetched 30 levels (depth=30; the book may go deeper)" in row.error
    sold, _, _ = take_base(side(books.up, "bid"), D(repr(part)))
    assert close(row.upbit_qty, float(sold))

    huge = float(bn_asks * 10)
    (row,) = xr.executable_premium("BTC", huge, directions=["binance_to_upbit"], client=public).itertuples()
    assert not row.filled_binance and not row.filled_upbit and not row.filled
    assert "binance:BTC/USDT asks" in row.error and close(row.binance_qty, float(bn_asks))


def test_a_shallow_fetch_is_named_as_the_fetch(public: xt.Client) -> None:
    df = xr.executable_premium("BTC", 50, depth=5, directions=["upbit_to_binance"], client=public)
    (row,) = df.itertuples()
    assert not row.filled and "(depth=5; the book may go deeper)" in row.error
    assert df.attrs["depth"] == {"binance:BTC/USDT": 5, "upbit:BTC/KRW": 5, "upbit:USDT/KRW": 5}


# --- request counts ----------------------------------------------------------------------------


def paths(box: object) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in box.requests:  # type: ignore[attr-defined]
        out[(r.exchange, r.path)] = out.get((r.exchange, r.path), 0) + 1
    return out


def test_twenty_bases_cost_twenty_binance_books_and_one_upbit_request(public: xt.Client, box: object) -> None:
    box.requests.clear()  # type: ignore[attr-defined]
    df = xr.executable_premium(TWENTY, 1000, size_in="USDT", client=public)
    assert paths(box) == {("binance", "/api/v3/depth"): 20, ("upbit", "/v1/orderbook"): 1}
    assert len(df) == 40 and set(df.base) == set(TWENTY)


def test_the_scanner_asks_for_tickers_once_per_venue_then_books_for_the_top(
    public: xt.Client, box: object
) -> None:
    public.markets()  # the market lists are the client's cache, not the scan's cost
    box.requests.clear()  # type: ignore[attr-defined]
    scan = xr.premium_scan(top=3, size=1000, client=public)
    assert paths(box) == {
        ("binance", "/api/v3/ticker/24hr"): 1,
        ("upbit", "/v1/ticker"): 1,
        ("upbit", "/v1/orderbook"): 2,  # the book tops of the scan, then the top three's books
        ("binance", "/api/v3/depth"): 3,
    }
    assert list(scan.columns) == list(xt.SCHEMAS["premium_scan"])
    assert list(scan["rank"]) == list(range(1, len(scan) + 1))
    gross = scan.premium_gross_mid_bps.dropna()
    assert list(gross) == sorted(gross, reverse=True)
    top3 = set(scan.loc[scan.premium_gross_mid_bps.abs().nlargest(3).index, "base"])
    assert set(scan[scan.books_fetched].base) == top3
    assert set(scan.attrs["executable_bases"]) == top3
    ex = xr.executable_premium(scan.attrs["executable_bases"], 1000, size_in="USDT", client=public)
    for base in top3:
        mine = scan[scan.base == base].iloc[0]
        theirs = ex[(ex.base == base) & (ex.direction == "binance_to_upbit")].iloc[0]
        assert mine.premium_gross_exec_binance_to_upbit_bps == theirs.premium_gross_exec_bps
        assert mine.filled_binance_to_upbit == theirs.filled and mine.exec_size_in == "USDT"
    assert scan.upbit_events_known.all()


def test_scanner_premium_is_the_tickers_mid_ratio(public: xt.Client) -> None:
    scan = xr.premium_scan(top=0, bases=["BTC", "ETH"], client=public)
    t = public.tickers(["binance:BTC/USDT", "upbit:BTC/KRW", "upbit:USDT/KRW"])
    mid = {s: (D(repr(b)) + D(repr(a))) / 2 for s, b, a in zip(t.symbol, t.bid, t.ask, strict=True)}
    row = scan[scan.base == "BTC"].iloc[0]
    want = (mid["BTC/KRW"] / (mid["BTC/USDT"] * mid["USDT/KRW"]) - 1) * 10_000
    assert close(row.premium_gross_mid_bps, float(want)) and not row.books_fetched


# --- stablecoin premium and decomposition ------------------------------------------------------


def test_stablecoin_premium_and_decomposition_by_hand(public: xt.Client) -> None:
    fx = (
        side(public.orderbook("upbit:USDT/KRW", depth=30), "bid"),
        side(public.orderbook("upbit:USDT/KRW", depth=30), "ask"),
    )
    mid = (fx[0][0][0] + fx[1][0][0]) / 2
    st = xr.stablecoin_premium(1380, size_usdt=1000, client=public)
    (row,) = st.itertuples()
    assert close(row.usdt_premium_mid_bps, float((mid / 1380 - 1) * 10_000))
    _, krw, ok = take_base(fx[1], D(1000))
    paid_per_usdt = krw * D("1.0005") / 1000  # Upbit adds its 0.05 % on top of a buy
    assert ok and close(row.usdt_premium_exec_buy_net_bps, float((paid_per_usdt / 1380 - 1) * 10_000))
    dec = xr.premium_decomposition(["BTC", "ETH"], usd_krw=1380, client=public)
    for r in dec.itertuples():
        parts = r.premium_coin_mid_usdt_bps + r.premium_usdt_mid_usd_bps + r.premium_cross_mid_bps
        assert close(r.premium_total_mid_usd_bps, parts)
        assert close(r.premium_usdt_mid_usd_bps, row.usdt_premium_mid_bps)


# --- with keys: account fees, wallets, routes --------------------------------------------------


def keyed_rates(box: object, base: str) -> dict[str, D]:
    fees = box.fees  # type: ignore[attr-defined]
    return {
        "f_bn": fees.commission("binance", f"{base}USDT").taker,
        "f_up": fees.commission("upbit", f"KRW-{base}").taker,
        "f_fx": fees.commission("upbit", "KRW-USDT").taker,
    }


def test_with_keys_net_includes_the_cheapest_open_route_by_hand(keyed: xt.Client, box: object) -> None:
    books = Books(keyed, "BTC")
    df = xr.executable_premium("BTC", 0.5, fx=["upbit", 1400.0], client=keyed)
    assert df.error.isna().all(), df.error.tolist()
    wallets = box.wallets  # type: ignore[attr-defined]
    fee = {"binance_to_upbit": wallets.network("binance", "BTC", "BTC").fee,
           "upbit_to_binance": wallets.network("upbit", "BTC", "BTC").fee}  # fmt: skip
    for row in df.itertuples():
        assert row.route_open and row.route_status == "open" and row.transfer_network == "BTC"
        assert row.transfer_fee == float(fee[row.direction])
        assert (row.fee_source_binance, row.fee_source_upbit) == ("account", "account")
        fx = None if row.fx_basis.startswith("upbit") else D(1400)
        want = HAND[row.direction](books, D("0.5"), fx=fx, wfee=fee[row.direction], **keyed_rates(box, "BTC"))
        assert close(row.final, float(want["final"]))
        assert close(row.premium_net_exec_bps, bps(want["final"], want["capital"]))
        assert close(row.premium_gross_exec_bps, bps(want["gross"], want["capital"]))
        total = row.premium_gross_exec_bps - row.fees_exec_bps - row.transfer_bps
        assert close(row.premium_net_exec_bps, total)


def test_a_suspended_network_flips_route_open(keyed: xt.Client, box: object) -> None:
    before = xr.routes("BTC", client=keyed)
    btc = before[(before.binance_network == "BTC") & (before.upbit_network == "BTC")].iloc[0]
    assert btc.route_open_binance_to_upbit and btc.route_open_upbit_to_binance
    box.wallets.suspend("binance", "BTC", "BTC")  # type: ignore[attr-defined]
    after = xr.routes("BTC", client=keyed)
    btc = after[(after.binance_network == "BTC") & (after.upbit_network == "BTC")].iloc[0]
    assert not btc.route_open_binance_to_upbit and btc.route_status_binance_to_upbit == "closed"
    assert "binance withdrawals off on BTC" in btc.route_reason_binance_to_upbit
    assert not btc.route_open_upbit_to_binance and "binance deposits off" in btc.route_reason_upbit_to_binance
    (row,) = xr.executable_premium("BTC", 0.5, directions=["binance_to_upbit"], client=keyed).itertuples()
    assert not row.route_open and row.route_status == "closed" and math.isnan(row.premium_net_exec_bps)
    assert not math.isnan(row.premium_after_fees_exec_bps)


def test_without_keys_routes_are_unknown_and_cost_nothing(public: xt.Client, box: object) -> None:
    box.requests.clear()  # type: ignore[attr-defined]
    df = xr.routes(["BTC", "XRP"], client=public)
    assert len(box.requests) == 0  # type: ignore[attr-defined]
    assert (df.route_status_binance_to_upbit == "unknown").all() and not df.route_open_binance_to_upbit.any()


def test_a_raised_fee_lowers_the_net_by_hand(keyed: xt.Client, box: object) -> None:
    args = {"directions": ["binance_to_upbit"], "client": keyed}
    (before,) = xr.executable_premium("BTC", 0.5, **args).itertuples()
    box.fees.set_commission("upbit", taker="0.0025")  # type: ignore[attr-defined]
    (after,) = xr.executable_premium("BTC", 0.5, **args).itertuples()
    assert after.fee_rate_upbit == 0.0025 and after.fee_source_upbit == "account"
    assert after.premium_net_exec_bps < before.premium_net_exec_bps - 20  # two legs pay 20 bps more
    books = Books(keyed, "BTC")
    wfee = box.wallets.network("binance", "BTC", "BTC").fee  # type: ignore[attr-defined]
    want = b2u(books, D("0.5"), fx=None, wfee=wfee, **keyed_rates(box, "BTC"))
    assert close(after.premium_net_exec_bps, bps(want["final"], want["capital"]))


def test_with_keys_the_request_count_adds_fees_and_wallets(keyed: xt.Client, box: object) -> None:
    xr.executable_premium(["BTC", "ETH"], 0.1, client=keyed)  # warm: the signing clock offset
    box.requests.clear()  # type: ignore[attr-defined]
    xr.executable_premium(["BTC", "ETH"], 0.1, client=keyed)
    seen = paths(box)
    seen.pop(("binance", "/api/v3/time"), None)
    assert seen == {
        ("binance", "/api/v3/depth"): 2,
        ("binance", "/api/v3/account/commission"): 2,
        ("binance", "/sapi/v1/capital/config/getall"): 1,
        ("upbit", "/v1/orderbook"): 1,
        ("upbit", "/v1/orders/chance"): 3,
        ("upbit", "/v1/status/wallet"): 1,
        ("upbit", "/v1/withdraws/chance"): 2,  # BTC on BTC, ETH on ETH
    }
