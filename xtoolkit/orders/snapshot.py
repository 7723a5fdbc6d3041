"""A snapshot of everything the guards look at, read fresh from the venues.

One snapshot = the market's rules, the visible book, free balances, open orders, fees, the
venue's minimum totals and the FX rates that value the order in USDT and KRW. Reads run
concurrently; nothing here writes. Journal facts (today's sent notional, unresolved intents,
a recent identical order) are added by the desk, which owns the journal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from xtoolkit._engine import Engine
from xtoolkit._errors import InvalidArgument, XtoolkitError
from xtoolkit._models import MarketInfo, MarketRef
from xtoolkit.exchanges import REGISTRY, venue_spec
from xtoolkit.exchanges._venue import OrderFacts

__all__ = ["FxCache", "Snapshot", "take_snapshot"]

log = logging.getLogger("xtoolkit.orders")

Level = tuple[Decimal, Decimal]


def order_facts(exchange: str) -> OrderFacts:
    """The order facts of ``exchange`` from the registry (``InvalidArgument`` if it takes none)."""
    facts = venue_spec(exchange).orders
    if facts is None:
        raise InvalidArgument(f"{exchange} takes no orders through xtoolkit", exchange=exchange)
    return facts


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Market and account facts at ``taken_at`` (epoch seconds). ``None`` = not read."""

    info: MarketInfo
    sandbox: bool
    taken_at: float
    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()
    free: Mapping[str, Decimal] | None = None
    open_orders: int | None = None
    fee_rate: Decimal = Decimal("0.001")
    fee_source: str = "default"
    fee_reserved: bool = False
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    quote_usdt: Decimal | None = None
    quote_krw: Decimal | None = None
    fx_note: str = ""
    daily_used: Decimal = Decimal(0)
    unresolved: tuple[str, ...] = ()
    repeat_of: tuple[str, float] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def bid(self) -> Decimal | None:
        return self.bids[0][0] if self.bids else None

    @property
    def ask(self) -> Decimal | None:
        return self.asks[0][0] if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2

    def with_journal(
        self, *, daily_used: Decimal, unresolved: tuple[str, ...], repeat_of: tuple[str, float] | None
    ) -> Snapshot:
        return replace(self, daily_used=daily_used, unresolved=unresolved, repeat_of=repeat_of)


class FxCache:
    """Mid prices used for valuation (USDT/KRW on Upbit, QUOTE/USDT on Binance), kept ``ttl`` s."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._mids: dict[str, tuple[float, Decimal | None, str]] = {}

    @staticmethod
    def _home(quote: str) -> str:
        """The venue whose markets are quoted in ``quote`` (where that currency is priced)."""
        return next((name for name, spec in REGISTRY.items() if spec.home_quote == quote), quote.lower())

    async def _mid(self, engine: Engine, market: str) -> tuple[Decimal | None, str]:
        hit = self._mids.get(market)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1], hit[2]
        exchange = market.partition(":")[0]
        if exchange not in engine.exchanges:
            return None, f"{exchange} not configured"
        try:
            df = await engine.tickers(market)
            bid, ask = df["bid"].iloc[0], df["ask"].iloc[0]
            mid = (Decimal(repr(float(bid))) + Decimal(repr(float(ask)))) / 2 if bid > 0 and ask > 0 else None
            note = "" if mid else f"{market} has no two-sided quote"
        except XtoolkitError as exc:
            mid, note = None, f"{market}: {type(exc).__name__}"
            log.debug("valuation rate %s unavailable: %s", market, exc)
        self._mids[market] = (time.monotonic(), mid, note)
        return mid, note

    async def rates(self, engine: Engine, quote: str) -> tuple[Decimal | None, Decimal | None, str]:
        """Value of one ``quote`` unit in (USDT, KRW), and a note when a rate is missing.

        USDT/KRW is read where KRW is the home quote (Upbit), ``QUOTE/USDT`` where USDT is
        (Binance), and ``QUOTE/KRW`` as the fallback.
        """
        krw_home, usdt_home = self._home("KRW"), self._home("USDT")
        usdt_krw, note = await self._mid(engine, f"{krw_home}:USDT/KRW")
        if quote == "USDT":
            return Decimal(1), usdt_krw, note
        if quote == "KRW":
            return (Decimal(1) / usdt_krw if usdt_krw else None), Decimal(1), note
        in_usdt, note2 = await self._mid(engine, f"{usdt_home}:{quote}/USDT")
        if in_usdt is None:
            in_krw, note3 = await self._mid(engine, f"{krw_home}:{quote}/KRW")
            in_usdt = in_krw / usdt_krw if in_krw and usdt_krw else None
            return in_usdt, in_krw, "; ".join(n for n in (note, note2, note3) if n)
        return in_usdt, (in_usdt * usdt_krw if usdt_krw else None), "; ".join(n for n in (note, note2) if n)


def _levels(df: Any, side: str) -> tuple[Level, ...]:
    rows = df[df["side"] == side].sort_values("level")
    return tuple(
        (Decimal(repr(float(p))), Decimal(repr(float(q))))
        for p, q in zip(rows["price"], rows["qty"], strict=True)
    )


async def _private(engine: Engine, ref: MarketRef, side: str) -> dict[str, Any]:
    """Fresh balances, fee rate and venue minimums for ``ref`` (needs keys): the venue's
    account read (``OrderFacts.account_call``, e.g. Binance ``account``, Upbit ``orders/chance``)."""
    facts = order_facts(ref.exchange)
    call = facts.account_call(engine.venue(ref.exchange).adapter, ref.native)
    view = facts.parse_account((await engine.send(ref.exchange, call)).payload, side)
    out: dict[str, Any] = {"free": dict(view.free), "fee_rate": view.fee_rate, "fee_source": view.fee_source}
    if view.min_total is not None:
        out["min_total"] = view.min_total
    if view.max_total is not None:
        out["max_total"] = view.max_total
    return out


async def take_snapshot(
    engine: Engine, ref: MarketRef, info: MarketInfo, side: str, *, fx: FxCache
) -> Snapshot:
    """Read the book, balances, open orders, fees and FX for one order preview."""
    venue = engine.venue(ref.exchange)
    facts = order_facts(ref.exchange)
    keyed = venue.credentials is not None
    depth = facts.book_depth

    async def private() -> dict[str, Any]:
        return await _private(engine, ref, side) if keyed else {}

    async def open_count() -> int | None:
        return len(await engine.open_orders(ref)) if keyed else None

    results = await asyncio.gather(
        engine.orderbook(ref, depth=depth),
        private(),
        open_count(),
        fx.rates(engine, info.symbol.quote),
        return_exceptions=True,
    )
    # Wait for every read, then raise the first failure: no read is left running unobserved.
    for result in results:
        if isinstance(result, BaseException):
            raise result
    book, priv, n_open, (q_usdt, q_krw, fx_note) = results
    fee = priv.get("fee_rate") or facts.default_fee(info.symbol.quote)
    return Snapshot(
        info=info,
        sandbox=venue.sandbox,
        taken_at=time.time(),
        bids=_levels(book, "bid"),
        asks=_levels(book, "ask"),
        free=priv.get("free"),
        open_orders=n_open,
        fee_rate=fee,
        fee_source=priv.get("fee_source", "default"),
        fee_reserved=facts.fee_reserved,
        min_total=priv.get("min_total") or info.min_notional,
        max_total=priv.get("max_total") or info.max_notional,
        quote_usdt=q_usdt,
        quote_krw=q_krw,
        fx_note=fx_note,
        notes=() if keyed else ("no keys: balances, open orders and account fees not read",),
    )
