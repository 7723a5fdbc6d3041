"""The stablecoin premium and the split of the kimchi premium into its USDT part and coin part.

Upbit prices USDT in KRW (``USDT/KRW``); against a USD/KRW rate the user supplies (a bank or
central-bank fixing: USD, not USDT) that price has a premium of its own:

    usdt part   u = usdt_krw / usd_krw − 1

The kimchi premium over USD/KRW then splits exactly into the USDT part and the coin part (the
premium over Upbit's own USDT/KRW):

    total       t = upbit_krw / (binance_usdt × usd_krw) − 1
    coin part   c = upbit_krw / (binance_usdt × usdt_krw) − 1
    1 + t = (1 + c)(1 + u),  so  t = c + u + c·u   (c·u: the cross term)

:func:`decompose` computes ``c``, ``u`` and the cross term and *defines* the total as their sum
(exact in ``Decimal``); it equals the direct ratio to the 50th digit (tested). All figures here
are at mids unless a column says ``exec``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import frame
from xtoolkit.research._common import join_errors, validate_bases
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.executable import as_books
from xtoolkit.research.fees import FeeBook, TakerFee, as_fee_book
from xtoolkit.research.walk import (
    FEE_STYLE,
    FX_KEY,
    MONEY,
    WIDE,
    Book,
    age_s,
    buy_base,
    dec,
    dtext,
    fnum,
    sell_base,
    utc_now_arg,
)

__all__ = ["Decomposition", "decompose", "premium_decomposition", "stablecoin_premium"]

_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class Decomposition:
    """The kimchi premium over USD/KRW and its parts, as fractions (``total = coin + usdt + cross``)."""

    total: Decimal
    coin: Decimal
    usdt: Decimal
    cross: Decimal


def decompose(
    upbit_krw: Decimal, binance_usdt: Decimal, usdt_krw: Decimal, usd_krw: Decimal
) -> Decomposition:
    """Split ``upbit_krw / (binance_usdt × usd_krw) − 1`` into coin, USDT and cross parts (exact sum)."""
    for name, value in (
        ("upbit_krw", upbit_krw),
        ("binance_usdt", binance_usdt),
        ("usdt_krw", usdt_krw),
        ("usd_krw", usd_krw),
    ):
        if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
            raise InvalidArgument(f"{name} must be a positive Decimal, not {value!r}")
    with localcontext(MONEY):
        coin = upbit_krw / (binance_usdt * usdt_krw) - 1
        usdt = usdt_krw / usd_krw - 1
        cross = coin * usdt
    with localcontext(WIDE):
        total = coin + usdt + cross
    return Decomposition(total=total, coin=coin, usdt=usdt, cross=cross)


def _usd_krw(value: Any, source: str | None) -> tuple[Decimal, str]:
    rate = dec(value, what="usd_krw")
    if rate <= 0:
        raise InvalidArgument(f"usd_krw must be a positive number of KRW per USD, not {value!r}")
    return rate, source or f"user:{rate}"


def _fx_book(book: Book | Mapping[str, Book] | pd.DataFrame) -> Book | None:
    if isinstance(book, Book):
        return book
    return as_books(book).get(FX_KEY)


def stablecoin_premium(
    fx_book: Book | Mapping[str, Book] | pd.DataFrame,
    usd_krw: Any,
    *,
    now: Any,
    size_usdt: Any | None = None,
    fees: FeeBook | Iterable[TakerFee] | None = None,
    usd_krw_source: str | None = None,
) -> pd.DataFrame:
    """Upbit's USDT/KRW against a USD/KRW rate: at the mid and, with ``size_usdt``, executable.

    Parameters
    ----------
    fx_book
        Upbit's ``USDT/KRW`` book (a ``Book``, or an ``orderbook`` frame / mapping holding it).
    usd_krw
        KRW per USD (the caller's rate; USD is not USDT).
    size_usdt
        USDT to buy (walking the asks) and to sell (walking the bids) for the exec columns.
    fees
        Account rates for ``upbit:USDT/KRW``; otherwise Upbit's documented default.
    usd_krw_source
        A label for the rate (default ``"user:<rate>"``).

    Returns
    -------
    DataFrame
        One row: symbol, usd_krw, usd_krw_source, usdt_krw_bid, usdt_krw_ask, usdt_krw_mid,
        usdt_premium_mid_bps; size_usdt, buy_vwap, buy_qty, filled_buy, sell_vwap, sell_qty,
        filled_sell, fee_rate_buy, fee_rate_sell, fee_source; usdt_premium_exec_buy_gross_bps
        (buy VWAP / usd_krw − 1), usdt_premium_exec_buy_net_bps (KRW paid with fee per USDT),
        usdt_premium_exec_sell_gross_bps, usdt_premium_exec_sell_net_bps (KRW received after
        fee per USDT); book_ts, book_age_s, error.
    """
    at = utc_now_arg(now)
    rate, label = _usd_krw(usd_krw, usd_krw_source)
    book = _fx_book(fx_book)
    fee_book = as_fee_book(fees)
    row: dict[str, Any] = {"symbol": "USDT/KRW", "usd_krw": fnum(rate), "usd_krw_source": label}
    errors: list[str | None] = []
    buy_rate, source = fee_book.rate("upbit", "USDT/KRW", "buy")
    sell_rate, _ = fee_book.rate("upbit", "USDT/KRW", "sell")
    row.update(fee_rate_buy=fnum(buy_rate), fee_rate_sell=fnum(sell_rate), fee_source=source)
    if book is None:
        errors.append(f"no book for {FX_KEY}")
    else:
        row.update(
            usdt_krw_bid=fnum(book.bids[0][0] if book.bids else None),
            usdt_krw_ask=fnum(book.asks[0][0] if book.asks else None),
            book_ts=book.ts,
            book_age_s=age_s(at, book.ts),
        )
        mid = book.mid
        if mid is None:
            errors.append(f"{FX_KEY}: no mid (a side is empty)")
        else:
            with localcontext(MONEY):
                row["usdt_krw_mid"] = fnum(mid)
                row["usdt_premium_mid_bps"] = fnum((mid / rate - 1) * _BPS)
        if size_usdt is not None:
            size = dec(size_usdt, what="size_usdt")
            if size <= 0:
                raise InvalidArgument(f"size_usdt must be positive, not {size_usdt!r}")
            row["size_usdt"] = fnum(size)
            buy = buy_base(book.asks, size, buy_rate, FEE_STYLE["upbit"])
            sell = sell_base(book.bids, size, sell_rate)
            row.update(
                buy_qty=fnum(buy.fill.qty),
                buy_vwap=fnum(buy.fill.vwap),
                filled_buy=buy.fill.filled,
                sell_qty=fnum(sell.fill.qty),
                sell_vwap=fnum(sell.fill.vwap),
                filled_sell=sell.fill.filled,
            )
            with localcontext(MONEY):
                if buy.fill.filled and buy.fill.vwap is not None:
                    row["usdt_premium_exec_buy_gross_bps"] = fnum((buy.fill.vwap / rate - 1) * _BPS)
                    row["usdt_premium_exec_buy_net_bps"] = fnum((buy.paid / buy.got / rate - 1) * _BPS)
                else:
                    errors.append(f"{FX_KEY} asks: the fetched book does not fill {dtext(size)} USDT")
                if sell.fill.filled and sell.fill.vwap is not None:
                    row["usdt_premium_exec_sell_gross_bps"] = fnum((sell.fill.vwap / rate - 1) * _BPS)
                    row["usdt_premium_exec_sell_net_bps"] = fnum((sell.got / sell.paid / rate - 1) * _BPS)
                else:
                    errors.append(f"{FX_KEY} bids: the fetched book does not fill {dtext(size)} USDT")
    row["error"] = join_errors(errors)
    spec = EXECUTION_SCHEMAS["stablecoin_premium"]
    return frame(spec, {k: [row.get(k)] for k in spec})


def _mids(tickers: pd.DataFrame) -> dict[tuple[str, str], tuple[Decimal | None, Any]]:
    need = ("exchange", "symbol", "bid", "ask", "ts")
    missing = [c for c in need if c not in tickers.columns]
    if missing:
        raise InvalidArgument(f"a tickers frame needs the columns {missing}")
    out: dict[tuple[str, str], tuple[Decimal | None, Any]] = {}
    for ex, sym, bid, ask, ts in zip(*(tickers[c].tolist() for c in need), strict=True):
        if pd.isna(bid) or pd.isna(ask) or not bid > 0 or not ask > 0:
            out[(ex, sym)] = (None, ts)
            continue
        with localcontext(MONEY):
            out[(ex, sym)] = ((dec(bid) + dec(ask)) / 2, ts)
    return out


def premium_decomposition(
    tickers: pd.DataFrame,
    usd_krw: Any,
    *,
    now: Any,
    bases: str | Iterable[str] | None = None,
    usd_krw_source: str | None = None,
) -> pd.DataFrame:
    """The kimchi premium over USD/KRW split into its USDT part and coin part, at mids (pure).

    Parameters
    ----------
    tickers
        ``tickers`` rows of Binance ``BASE/USDT``, Upbit ``BASE/KRW`` and Upbit ``USDT/KRW``.
    usd_krw
        KRW per USD.
    bases
        Bases to decompose (default: every base with both tickers).

    Returns
    -------
    DataFrame
        One row per base: base, upbit_mid (KRW), binance_mid (USDT), usdt_krw_mid, usd_krw,
        usd_krw_source, premium_total_mid_usd_bps (over USD/KRW), premium_coin_mid_usdt_bps
        (over Upbit USDT/KRW), premium_usdt_mid_usd_bps (USDT/KRW over USD/KRW),
        premium_cross_mid_bps (coin × usdt); total = coin + usdt + cross exactly; upbit, binance
        and fx ts and age_s; error.
    """
    at = utc_now_arg(now)
    rate, label = _usd_krw(usd_krw, usd_krw_source)
    mids = _mids(tickers)
    if bases is None:
        on_binance = {s.split("/")[0] for (e, s) in mids if e == "binance" and s.endswith("/USDT")}
        names = list(
            dict.fromkeys(
                s.split("/")[0]
                for (e, s) in mids
                if e == "upbit" and s.endswith("/KRW") and s != "USDT/KRW" and s.split("/")[0] in on_binance
            )
        )
    else:
        names = validate_bases(bases)
    fx_mid, fx_ts = mids.get(("upbit", "USDT/KRW"), (None, pd.NaT))
    spec = EXECUTION_SCHEMAS["premium_decomposition"]
    cols: dict[str, list[Any]] = {k: [] for k in spec}
    for base in names:
        up_mid, up_ts = mids.get(("upbit", f"{base}/KRW"), (None, pd.NaT))
        bn_mid, bn_ts = mids.get(("binance", f"{base}/USDT"), (None, pd.NaT))
        errors = [
            None if up_mid is not None else f"upbit {base}/KRW: no mid",
            None if bn_mid is not None else f"binance {base}/USDT: no mid",
            None if fx_mid is not None else "upbit USDT/KRW: no mid",
        ]
        row: dict[str, Any] = {
            "base": base,
            "upbit_mid": fnum(up_mid),
            "binance_mid": fnum(bn_mid),
            "usdt_krw_mid": fnum(fx_mid),
            "usd_krw": fnum(rate),
            "usd_krw_source": label,
            "upbit_ts": up_ts,
            "binance_ts": bn_ts,
            "fx_ts": fx_ts,
            "upbit_age_s": age_s(at, up_ts),
            "binance_age_s": age_s(at, bn_ts),
            "fx_age_s": age_s(at, fx_ts),
            "error": join_errors(errors),
        }
        if up_mid is not None and bn_mid is not None and fx_mid is not None:
            parts = decompose(up_mid, bn_mid, fx_mid, rate)
            with localcontext(WIDE):
                row.update(
                    premium_total_mid_usd_bps=fnum(parts.total * _BPS),
                    premium_coin_mid_usdt_bps=fnum(parts.coin * _BPS),
                    premium_usdt_mid_usd_bps=fnum(parts.usdt * _BPS),
                    premium_cross_mid_bps=fnum(parts.cross * _BPS),
                )
        for k in cols:
            cols[k].append(row.get(k))
    return frame(spec, cols)
