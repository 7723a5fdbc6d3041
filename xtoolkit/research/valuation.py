"""Balances of every keyed exchange, valued in one currency at mid prices."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from xtoolkit._client import AsyncClient
from xtoolkit._errors import MissingCredentials
from xtoolkit._frames import frame
from xtoolkit._fx import FxBasis, FxLike, check_quote, convert, needs_fx, one_fx
from xtoolkit.research._common import OUTAGE, error_text, now_utc, quote_of, typed
from xtoolkit.research._fetch import Quotes, fetch_quotes
from xtoolkit.research._verb import async_verb, blocking_verb
from xtoolkit.research.compare import fx_at, leg_of

__all__ = ["avalued_balances", "value_balances", "valued_balances"]

_FX_SYMBOL = "USDT/KRW"


def value_balances(
    balances: pd.DataFrame,
    quotes: Mapping[str, Quotes],
    listed: Mapping[str, set[str] | None],
    *,
    quote: str,
    fx: FxBasis,
    errors: Mapping[str, BaseException] | None = None,
) -> pd.DataFrame:
    """The :func:`valued_balances` frame from fetched balances and quotes (pure).

    ``listed`` maps an exchange to the unified symbols it lists (``None`` when the list could not
    be fetched). An asset is priced on its own venue at the mid of ``ASSET/<venue quote>``;
    the venue's quote currency is 1 in itself, converted by the FX basis when needed.
    """
    target = check_quote(quote)
    errors = errors or {}
    cols: dict[str, list[Any]] = {k: [] for k in frame("valued_balances").columns}

    def add(**values: Any) -> None:
        for k in cols:
            cols[k].append(values.get(k))

    for ex, exc in errors.items():
        add(
            exchange=ex,
            priced=False,
            fx_source=fx.source,
            note="balances unavailable",
            error=error_text(exc),
        )
    for row in balances.itertuples(index=False):
        ex, asset = str(row.exchange), str(row.asset)
        native = quote_of(ex)
        base = {
            "exchange": ex,
            "asset": asset,
            "free": row.free,
            "locked": row.locked,
            "total": row.total,
            "fx_source": fx.source,
        }
        if asset == target:
            add(**base, price=1.0, price_n=1.0, value_n=row.total, priced=True, note="quote currency")
            continue
        if asset == native:
            leg_time = quotes[ex].received if ex in quotes else pd.NaT
            rate, fx_ts, fx_err = fx_at(fx, quotes, leg_time)
            price_n = convert(1.0, native, target, rate)
            ok = not math.isnan(price_n)
            add(
                **base,
                price=1.0,
                price_n=price_n,
                value_n=row.total * price_n,
                priced=ok,
                fx_rate=rate,
                ts=fx_ts,
                note="quote currency via fx" if ok else "no fx rate",
                error=fx_err,
            )
            continue
        symbol = f"{asset}/{native}"
        markets = listed.get(ex)
        if markets is not None and symbol not in markets:
            add(**base, priced=False, note="no market")
            continue
        leg = leg_of(quotes, ex, symbol)
        rate, fx_ts, fx_err = fx_at(fx, quotes, leg.ts)
        used = needs_fx(native, target)
        price_n = convert(leg.mid, native, target, rate)
        ok = not math.isnan(price_n)
        add(
            **base,
            symbol=symbol,
            price=leg.mid,
            price_n=price_n,
            value_n=row.total * price_n,
            priced=ok,
            fx_rate=rate,
            ts=leg.ts,
            note="mid" if ok else "no price",
            error=leg.error or (fx_err if used else None),
        )
    return frame("valued_balances", cols)


async def _listed(engine: AsyncClient, exchange: str) -> set[str] | None:
    try:
        return set((await typed(engine.markets(exchange)))["symbol"])
    except OUTAGE:
        return None


async def _balances(engine: AsyncClient, exchange: str) -> pd.DataFrame | BaseException:
    try:
        return await typed(engine.balances(exchange))
    except OUTAGE as exc:
        return exc


async def _valued_balances(
    engine: AsyncClient,
    *,
    quote: str = "USDT",
    fx: FxLike = "upbit",
    exchanges: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every keyed exchange's balances with a price and a value in one currency.

    Each asset is priced on its own venue at the mid of ``ASSET/USDT`` (Binance) or
    ``ASSET/KRW`` (Upbit), one batched tickers request per exchange; the venues' quote
    currencies count 1 (converted with the FX basis when the target differs). Assets without
    a market there are kept with ``priced=False`` and note ``"no market"``. A venue whose
    balances cannot be fetched appears as one row with its error.

    Parameters
    ----------
    quote
        ``"USDT"`` or ``"KRW"``.
    fx
        One basis: ``"upbit"`` (default), a KRW-per-USDT number, or a Series.
    exchanges
        Limit to these venues (default: every keyed one).
    client
        The :class:`~xtoolkit.Client` with keys to use (default: the shared client, which
        has keys only if set with :func:`~xtoolkit.set_default_client`; an ``AsyncClient``
        needs ``await avalued_balances(...)``).

    Returns
    -------
    DataFrame
        exchange, asset, symbol (market used for the price), free, locked, total, price (native
        mid), price_n, value_n (total × price_n), priced, fx_source, fx_rate, ts (price time),
        note ("mid", "quote currency", "quote currency via fx", "no market", "no price",
        "no fx rate", "balances unavailable"), error. ``attrs``: errors, as_of, quote, fx_source.
    """
    target = check_quote(quote)
    basis = one_fx(fx)
    names = [e.lower() for e in exchanges] if exchanges else list(engine.exchanges)
    keyed = [ex for ex in names if engine.has_credentials(ex)]
    if not keyed:
        raise MissingCredentials(f"no keys configured for {', '.join(names)}: no balances to value")
    for ex in keyed:
        quote_of(ex)
    fetched = await asyncio.gather(*(_balances(engine, ex) for ex in keyed))
    errors = {ex: r for ex, r in zip(keyed, fetched, strict=True) if isinstance(r, BaseException)}
    ok = [r for r in fetched if isinstance(r, pd.DataFrame)]
    balances = pd.concat(ok, ignore_index=True) if ok else frame("balances")
    alive = [ex for ex in keyed if ex not in errors]
    listed = dict(zip(alive, await asyncio.gather(*(_listed(engine, ex) for ex in alive)), strict=True))
    wanted: dict[str, list[str]] = {}
    for row in balances.itertuples(index=False):
        native = quote_of(str(row.exchange))
        symbol = f"{row.asset}/{native}"
        markets = listed.get(str(row.exchange))
        if row.asset not in (native, target) and (markets is None or symbol in markets):
            wanted.setdefault(str(row.exchange), []).append(symbol)
    if basis.is_upbit and any(needs_fx(quote_of(ex), target) for ex in alive):
        wanted.setdefault("upbit", []).append(_FX_SYMBOL)
    quotes = await fetch_quotes(engine, wanted)
    df = value_balances(balances, quotes, listed, quote=target, fx=basis, errors=errors)
    df.attrs["errors"] = {**errors, **{ex: q.error for ex, q in quotes.items() if q.error is not None}}
    df.attrs["as_of"] = now_utc()
    df.attrs["quote"] = target
    df.attrs["fx_source"] = basis.source
    return df


valued_balances = blocking_verb(_valued_balances)
avalued_balances = async_verb(_valued_balances)
