"""The matching engine: user orders against the synthetic book, balances, fees.

Taker orders walk the current book level by level (partial fills across levels; the liquidity
they take is gone until the next tick). A limit order that does not cross rests; on every tick
whose best opposite price reaches it, it fills (as maker, at its own price) up to the
liquidity the synthetic book shows within its limit — so it can fill partially over several
ticks. Stop / take-profit orders wait (locked, not working) until a tick's mid reaches their
trigger, then execute as taker against that tick's book and rest like any limit order. Users do
not trade with each other. Venue rules (filters, error names) live in the
venue modules; this module only raises :class:`~xtoolkit.sandbox.accounts.InsufficientFunds`.
"""

from __future__ import annotations

import random
import string
import uuid
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import numpy as np

from xtoolkit.sandbox.accounts import Account
from xtoolkit.sandbox.market import VENUES, Listing, MarketSim, TickBatch, TradeTicket
from xtoolkit.sandbox.orders import FEE_IN_QUOTE, FEE_IN_RECEIVED, Fill, Order

__all__ = ["Engine", "q8"]

D = Decimal
_Q8 = D("0.00000001")
#: Book depth scanned first for a taker order; widened ×5 up to MAX_SCAN if not enough.
FIRST_SCAN = 200
MAX_SCAN = 5000
#: Levels looked at when a resting order is crossed by the walk.
CROSS_SCAN = 100
#: A stop-market buy locks its stop value plus this slippage allowance; the fill is capped by
#: the lock (the rest expires).
STOP_BUY_BUFFER = D("1.1")

Plan = list[tuple[Decimal, Decimal]]


def q8(value: Decimal) -> Decimal:
    """Round to 8 decimals (half up), the precision both venues book balances in."""
    return value.quantize(_Q8, rounding=ROUND_HALF_UP)


def _floor_step(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


class Engine:
    """All orders of both venues and their execution."""

    def __init__(self, market: MarketSim, seed: int) -> None:
        self.market = market
        self._rng = random.Random(f"xtoolkit-sandbox-orders-{seed}")
        self._orders: dict[str, list[Order]] = {v: [] for v in VENUES}
        self._open: dict[int, list[Order]] = {}
        self._stops: dict[int, list[Order]] = {}
        #: Listing indices whose matching is suspended (a symbol set to a non-trading status):
        #: resting orders neither fill nor trigger until it trades again.
        self.paused: set[int] = set()
        self._next_id = 48_291_746_013
        market.listeners.append(self._on_ticks)

    # -- ids ------------------------------------------------------------------------------
    def new_order_id(self) -> int:
        """The next Binance-style numeric order id."""
        self._next_id += 1
        return self._next_id

    def new_uuid(self) -> str:
        """A fresh (seeded) UUID4 string."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_client_id(self) -> str:
        """A random 22-character client order id, like Binance generates."""
        alphabet = string.ascii_letters + string.digits
        return "".join(self._rng.choice(alphabet) for _ in range(22))

    # -- queries --------------------------------------------------------------------------
    def orders(self, venue: str) -> list[Order]:
        """Every order ``venue`` accepted, oldest first."""
        return list(self._orders[venue])

    def open_orders(
        self, venue: str, account: Account | None = None, listing: Listing | None = None
    ) -> list[Order]:
        """Working orders, oldest first, optionally for one account / listing."""
        out = [o for o in self._orders[venue] if o.is_open]
        if account is not None:
            out = [o for o in out if o.account is account]
        if listing is not None:
            out = [o for o in out if o.listing is listing]
        return out

    # -- planning -------------------------------------------------------------------------
    def plan(self, order: Order, *, max_levels: int = MAX_SCAN) -> tuple[Plan, bool]:
        """Fills a taker order would get now, without side effects, and whether the visible
        book (up to ``max_levels``) ran out before the order was satisfied."""
        want = min(FIRST_SCAN, max_levels)
        while True:
            bids, asks = self.market.depth(order.listing, want)
            book = asks if order.is_buy else bids
            plan, satisfied, limit_hit = self._walk(order, book)
            exhausted = len(book) < want
            if satisfied or limit_hit or exhausted or want >= max_levels:
                return plan, not satisfied and not limit_hit
            want = min(want * 5, max_levels)

    def _walk(self, order: Order, book: list[tuple[Decimal, Decimal]]) -> tuple[Plan, bool, bool]:
        step = order.listing.book.qty_step
        qty_left = order.remaining if order.qty is not None else None
        quote_left = (order.quote_qty - order.cum_quote) if order.quote_qty is not None else None
        plan: Plan = []
        for price, avail in book:
            if order.price is not None and (
                (order.is_buy and price > order.price) or (not order.is_buy and price < order.price)
            ):
                return plan, False, True
            if qty_left is not None:
                q = min(avail, qty_left)
            else:
                assert quote_left is not None
                q = min(avail, _floor_step(quote_left / price, step))
            if q <= 0:
                return plan, True, False
            plan.append((price, q))
            if qty_left is not None:
                qty_left -= q
                if qty_left <= 0:
                    return plan, True, False
            else:
                assert quote_left is not None
                quote_left -= price * q
                if _floor_step(quote_left / price, step) <= 0:
                    return plan, True, False
        return plan, False, False

    # -- submission -----------------------------------------------------------------------
    def lock_amount(self, order: Order, plan: Plan | None = None) -> tuple[str, Decimal, Decimal]:
        """Asset and amount an order locks on acceptance, and the fee reserve inside it
        (Upbit bids reserve the fee on top of the price)."""
        lst = order.listing
        if order.is_buy:
            if order.kind != "MARKET":
                assert order.price is not None and order.qty is not None
                amount = order.price * order.qty
            elif order.quote_qty is not None:
                amount = order.quote_qty
            elif order.stop_price is not None and order.qty is not None:
                amount = q8(order.stop_price * order.qty * STOP_BUY_BUFFER)
            else:
                plan = plan if plan is not None else self.plan(order)[0]
                amount = sum((p * q for p, q in plan), D(0))
            reserve = q8(amount * order.taker_fee) if order.fee_style == FEE_IN_QUOTE else D(0)
            return lst.quote, amount + reserve, reserve
        if order.qty is not None:
            return lst.base, order.qty, D(0)
        plan = plan if plan is not None else self.plan(order)[0]
        return lst.base, sum((q for _, q in plan), D(0)), D(0)

    def submit(self, order: Order, now: int) -> Order:
        """Accept ``order``: lock funds (may raise InsufficientFunds), take what crosses,
        rest or expire the remainder. A stop order only locks and waits for its trigger."""
        lst = order.listing
        order.rest_from = self.market.tick_index
        if order.stop_price is not None:
            order.working = False
            asset, amount, reserve = self.lock_amount(order, [])
            order.account.lock(asset, amount)
            order.locked_asset, order.locked, order.initial_locked = asset, amount, amount
            order.reserved_fee = order.remaining_fee = reserve
            self._orders[order.venue].append(order)
            self._stops.setdefault(lst.index, []).append(order)
            return order
        order.working_time = now
        plan, short = self.plan(order) if self._marketable(order) else ([], False)
        asset, amount, reserve = self.lock_amount(order, plan)
        order.account.lock(asset, amount)
        order.locked_asset, order.locked = asset, amount
        order.initial_locked = amount
        order.reserved_fee = order.remaining_fee = reserve
        self._orders[order.venue].append(order)
        if order.tif == "FOK" and (short or self._plan_short(order, plan)):
            return self._close(order, "EXPIRED", now)
        for price, q in plan:
            self._fill(order, price, q, maker=False, time=now, tick=-1)
            self.market.consume(lst, price, q)
        return self._after_taking(order, now)

    def accept_canceled(self, order: Order, now: int) -> Order:
        """Record an accepted order that is canceled before reaching the book (Upbit's
        post-only order that would take): nothing is locked or filled."""
        _, amount, reserve = self.lock_amount(order)
        order.initial_locked, order.reserved_fee = amount, reserve
        self._orders[order.venue].append(order)
        return self._close(order, "CANCELED", now)

    def _marketable(self, order: Order) -> bool:
        if order.kind == "MARKET" or order.price is None:
            return True
        bid, ask = self.market.best(order.listing)
        return (ask > 0 and order.price >= ask) if order.is_buy else (bid > 0 and order.price <= bid)

    def would_take(self, order: Order) -> bool:
        """Whether a limit order would immediately match (LIMIT_MAKER / post_only check)."""
        return order.price is not None and self._marketable(order)

    @staticmethod
    def _plan_short(order: Order, plan: Plan) -> bool:
        if order.qty is not None:
            return sum((q for _, q in plan), D(0)) < order.qty
        return not plan

    def _after_taking(self, order: Order, now: int) -> Order:
        if order.qty is not None and order.remaining <= 0:
            return self._close(order, "FILLED", now)
        if order.kind == "MARKET" or order.price is None:
            if order.qty is None:
                left = (order.quote_qty or D(0)) - order.cum_quote
                if order.venue == "binance":
                    return self._close(order, "FILLED" if order.executed > 0 else "EXPIRED", now)
                return self._close(order, "FILLED" if left <= 0 else "CANCELED", now)
            return self._close(order, "EXPIRED" if order.venue == "binance" else "CANCELED", now)
        if order.tif in ("IOC", "FOK"):
            return self._close(order, "EXPIRED" if order.venue == "binance" else "CANCELED", now)
        order.status = "PARTIALLY_FILLED" if order.executed > 0 else "NEW"
        self._open.setdefault(order.listing.index, []).append(order)
        return order

    def _close(self, order: Order, status: str, now: int) -> Order:
        order.status = status
        order.updated = now
        if order.locked > 0:
            order.account.unlock(order.locked_asset, order.locked)
            order.locked = D(0)
        order.remaining_fee = D(0)
        for book in (self._open, self._stops):
            waiting = book.get(order.listing.index)
            if waiting and order in waiting:
                waiting.remove(order)
        return order

    def cancel(self, order: Order, now: int) -> Order:
        """Cancel a working order and release what it still locks."""
        return self._close(order, "CANCELED", now)

    # -- execution ------------------------------------------------------------------------
    def _fill(self, order: Order, price: Decimal, qty: Decimal, *, maker: bool, time: int, tick: int) -> None:
        acct, lst = order.account, order.listing
        quote = price * qty
        rate = order.maker_fee if maker else order.taker_fee
        if order.is_buy:
            if order.fee_style == FEE_IN_RECEIVED:
                fee, fee_asset, pay = q8(qty * rate), lst.base, quote
            else:
                fee, fee_asset = q8(quote * rate), lst.quote
                pay = quote + fee
            if order.kind != "MARKET" and order.price is not None:
                share = order.price * qty
                if order.fee_style == FEE_IN_QUOTE:
                    reserve = q8(share * order.taker_fee)
                    share += reserve
                    order.remaining_fee = max(order.remaining_fee - reserve, D(0))
            else:
                share = pay
                if order.fee_style == FEE_IN_QUOTE:
                    order.remaining_fee = max(order.remaining_fee - fee, D(0))
            share = min(share, order.locked)
            acct.spend_locked(lst.quote, min(pay, share))
            if pay > share:
                acct.debit(lst.quote, pay - share)
            acct.unlock(lst.quote, share - min(pay, share))
            order.locked -= share
            if order.fee_style == FEE_IN_QUOTE:
                bal = acct.balance(lst.base)
                before = bal.total
                bal.avg_buy_price = q8((bal.avg_buy_price * before + quote) / (before + qty))
            acct.credit(lst.base, qty - fee if order.fee_style == FEE_IN_RECEIVED else qty)
        else:
            fee, fee_asset = q8(quote * rate), lst.quote
            share = min(qty, order.locked)
            acct.spend_locked(lst.base, share)
            order.locked -= share
            acct.credit(lst.quote, quote - fee)
        order.executed += qty
        order.cum_quote += quote
        order.fee_paid += fee
        order.updated = time
        acct.update_time = time
        ticket = TradeTicket(price=price, qty=qty, buyer_maker=(order.is_buy == maker), time=time, tick=tick)
        self.market.record_trade(lst, ticket)
        order.fills.append(Fill(price, qty, fee, fee_asset, maker, ticket))
        if order.qty is not None and order.remaining > 0:
            order.status = "PARTIALLY_FILLED"

    def would_trigger(self, order: Order) -> bool:
        """Whether a stop order's trigger is already reached at the current mid."""
        assert order.stop_price is not None
        mid = self.market.mid(order.listing)
        return mid <= order.stop_price if order.trigger == "down" else mid >= order.stop_price

    def _trigger_stops(self, batch: TickBatch) -> None:
        """Start stop orders whose trigger a tick's mid reached, as takers at that tick."""
        for idx, waiting in list(self._stops.items()):
            if idx in self.paused:
                continue
            for order in list(waiting):
                assert order.stop_price is not None
                mids = (batch.bids[:, idx] + batch.asks[:, idx]) / 2
                stop = float(order.stop_price)
                hit = np.flatnonzero(mids <= stop if order.trigger == "down" else mids >= stop)
                if len(hit):
                    waiting.remove(order)
                    self._start_stop(order, batch, int(hit[0]))

    def _start_stop(self, order: Order, batch: TickBatch, k: int) -> None:
        lst, when = order.listing, int(batch.times[k])
        order.working, order.working_time, order.updated = True, when, when
        order.rest_from = batch.first_tick + k + 1
        side = "ask" if order.is_buy else "bid"
        best_f = batch.asks[k, lst.index] if order.is_buy else batch.bids[k, lst.index]
        book = self.market.levels_at(
            lst,
            batch.first_tick + k,
            lst.grid.to_decimal(float(best_f)),
            side,
            MAX_SCAN if order.kind == "MARKET" else FIRST_SCAN,
        )
        plan, satisfied, _ = self._walk(order, book)
        if order.is_buy and order.kind == "MARKET":
            plan = self._cap_to_lock(order, plan)
        if order.tif == "FOK" and (not satisfied or self._plan_short(order, plan)):
            self._close(order, "EXPIRED", when)
            return
        for price, q in plan:
            self._fill(order, price, q, maker=False, time=when, tick=k)
        self._after_taking(order, when)

    def _cap_to_lock(self, order: Order, plan: Plan) -> Plan:
        budget, capped = order.locked, []
        for price, q in plan:
            q = min(q, _floor_step(budget / price, order.listing.book.qty_step))
            if q <= 0:
                break
            capped.append((price, q))
            budget -= price * q
        return capped

    def _on_ticks(self, batch: TickBatch) -> None:
        """Trigger stops, then fill resting orders the walk crossed during ``batch``."""
        self._trigger_stops(batch)
        for idx, resting in list(self._open.items()):
            if not resting or idx in self.paused:
                continue
            lst = resting[0].listing
            bids, asks = batch.bids[:, idx], batch.asks[:, idx]
            for order in list(resting):
                assert order.price is not None
                half_tick = float(lst.grid.tick_at(order.price)) / 2
                limit = float(order.price)
                crossed = (
                    np.flatnonzero(asks <= limit + half_tick)
                    if order.is_buy
                    else np.flatnonzero(bids >= limit - half_tick)
                )
                # only ticks after the order reached the book
                crossed = crossed[crossed >= order.rest_from - batch.first_tick]
                for k in crossed.tolist():
                    best_f = asks[k] if order.is_buy else bids[k]
                    best = lst.grid.to_decimal(float(best_f))
                    side = "ask" if order.is_buy else "bid"
                    levels = self.market.levels_at(lst, batch.first_tick + k, best, side, CROSS_SCAN)
                    avail = sum(
                        (q for p, q in levels if (p <= order.price if order.is_buy else p >= order.price)),
                        D(0),
                    )
                    qty = min(order.remaining, avail)
                    if qty <= 0:
                        continue
                    self._fill(order, order.price, qty, maker=True, time=int(batch.times[k]), tick=k)
                    if order.remaining <= 0:
                        self._close(order, "FILLED", int(batch.times[k]))
                        break
