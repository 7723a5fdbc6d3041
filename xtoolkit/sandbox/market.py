"""The living market: seeded random walks, both venues' listings, books, trades and candles.

Latent *components* (one log-price walk per asset, KRW-USDT, and a mean-reverting Upbit
premium per asset) drive every *listing*: ``BTCUSDT = BTC``, ``KRW-BTC = BTC × USDT(KRW) ×
(1 + premium_BTC)``, ``ETHBTC = ETH / BTC``. The walk advances in ticks — on the wall clock
(``freeze=False``, one tick per ``tick_seconds``) and/or via :meth:`MarketSim.step`. Every tick
draws from two seeded streams in a fixed order, so the same seed and the same sequence of
ticks give the same market whatever is queried in between.

Not thread-safe: the sandbox serialises access with its state lock.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from xtoolkit.sandbox.book import Level, synth_side
from xtoolkit.sandbox.candles import DAY, HOUR, MINUTE, SECOND, Candles, aggregate
from xtoolkit.sandbox.catalog import Catalog
from xtoolkit.sandbox.history import (
    ComponentHistory,
    ComponentSpec,
    Window,
    component_history,
    listing_history,
    make_window,
    normal_from_uniform,
)
from xtoolkit.sandbox.listings import Listing, build_components, build_listings
from xtoolkit.sandbox.live import LiveCandles
from xtoolkit.sandbox.trades import Tape, TradeBatch, synth_minute_trades

__all__ = ["VENUES", "Listing", "MarketSim", "TickBatch", "TradeTicket"]

VENUES: tuple[str, ...] = ("binance", "upbit")

#: Listings whose full history stays cached (each ~1.3 MB).
HISTORY_CACHE = 8
#: Ticks processed per vectorised batch (bounds memory during long catch-ups).
BATCH_TICKS = 2048


@dataclass(slots=True)
class TickBatch:
    """Ticks just simulated: their times, first tick index, and best bid/ask per listing."""

    times: np.ndarray
    first_tick: int
    bids: np.ndarray
    asks: np.ndarray


@dataclass(slots=True)
class TradeTicket:
    """A user fill printed on the tape; ``id`` is known once the trade is committed."""

    price: Decimal
    qty: Decimal
    buyer_maker: bool
    time: int
    tick: int = -1
    id: int | None = None


@dataclass(slots=True)
class _Live:
    tape: Tape
    candles: LiveCandles
    bid: float
    ask: float
    consumed: dict[Decimal, Decimal] = field(default_factory=dict)
    consumed_tick: int = -1
    updates: int = 0


class MarketSim:
    """Both venues' markets for one seed."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        seed: int,
        start_ms: int,
        tick_seconds: float = 1.0,
        freeze: bool = False,
    ) -> None:
        if tick_seconds <= 0:
            raise ValueError("tick_seconds must be positive")
        self.catalog = catalog
        self.seed = int(seed)
        self.start_ms = int(start_ms)
        self.tick_seconds = float(tick_seconds)
        self.freeze = freeze
        self.window: Window = make_window(self.start_ms)
        self.tick_index = 0
        self.last_tick_ms = self.start_ms
        self._clock_ticks = 0
        self.listeners: list[Callable[[TickBatch], None]] = []
        #: Called (no arguments, state lock held) after every change of a book or tape: a
        #: committed tick batch, a user fill, liquidity taken. Must be cheap and never raise.
        self.observers: list[Callable[[], None]] = []
        self._components: list[ComponentSpec] = build_components(catalog, self.seed)
        self._listings: list[Listing] = build_listings(catalog, self._components)
        self._by_symbol = {(lst.venue, lst.symbol): lst for lst in self._listings}
        self._comp_log = np.array([c.anchor for c in self._components])
        frac = self.tick_seconds / 86_400
        self._sigma_tick = np.array([c.sigma_day * math.sqrt(frac) for c in self._components])
        self._ou = np.array([c.kind == "ou" for c in self._components])
        self._ou_mean = np.array([c.mean for c in self._components])
        self._ou_keep = np.array([1.0 - min(c.theta_day * frac, 1.0) for c in self._components])
        self._exponents = np.zeros((len(self._listings), len(self._components)))
        for lst in self._listings:
            for comp, e in lst.formula:
                self._exponents[lst.index, comp] = e
        self._rates = np.array(
            [
                (lst.activity.trades_per_min * lst.activity.trade_prob * self.tick_seconds / 60)
                if lst.trading
                else 0.0
                for lst in self._listings
            ]
        )
        self._rng_walk = np.random.default_rng([self.seed, 11])
        self._rng_trades = np.random.default_rng([self.seed, 12])
        # Full histories are ~1.3 MB per listing, so only a few stay cached; the small recent
        # tails the tickers need stay for every listing (memory budget ~50 MB worst case).
        self._hist: OrderedDict[int, dict[str, Candles]] = OrderedDict()
        self._agg_cache: dict[tuple[int, str], Candles] = {}
        self._recent: dict[int, tuple[Candles, Candles]] = {}
        self._pending: dict[int, list[TradeTicket]] | None = None
        self._live: dict[int, _Live] = {}
        start_mids = np.exp(self._exponents @ self._comp_log)
        for lst in self._listings:
            mid = start_mids[lst.index : lst.index + 1]
            bid, ask = self._quotes(lst, mid)
            # History is generated lazily; its last close is this same rounded anchor, and
            # its trade ids count backwards from the first live id.
            close = float(lst.grid.nearest_array(mid)[0])
            self._live[lst.index] = _Live(
                tape=Tape(lst.live_first_id),
                candles=LiveCandles(self.window.m0, close, lst.live_first_id),
                bid=float(bid[0]),
                ask=float(ask[0]),
            )

    # -- lookup ---------------------------------------------------------------------------
    def listing(self, venue: str, symbol: str) -> Listing | None:
        """The listing ``symbol`` on ``venue`` (``None`` if not listed)."""
        return self._by_symbol.get((venue, symbol))

    def listings(self, venue: str) -> list[Listing]:
        """Every listing of ``venue``, in catalog order."""
        return [lst for lst in self._listings if lst.venue == venue]

    def memory_bytes(self) -> int:
        """Bytes held by the simulation's arrays (caches, live candles, trade tapes)."""
        tables = [
            *(t for h in self._hist.values() for t in h.values()),
            *self._agg_cache.values(),
            *(t for pair in self._recent.values() for t in pair),
        ]
        total = sum(getattr(t, f).nbytes for t in tables for f in Candles.__slots__)
        for live in self._live.values():
            total += live.candles.nbytes + live.tape.nbytes
        return total

    # -- history --------------------------------------------------------------------------
    def _component(self, i: int) -> ComponentHistory:
        # Not cached: regenerating is ~1 ms and components are shared by several listings.
        return component_history(self._components[i], self.window, self.seed, i)

    def _history(self, lst: Listing) -> dict[str, Candles]:
        hist = self._hist.get(lst.index)
        if hist is not None:
            self._hist.move_to_end(lst.index)
        else:
            parts = [(self._component(i), e) for i, e in lst.formula]
            hist = listing_history(
                parts, lst.grid, lst.activity, self.window, self.seed, lst.index, lst.listed_days
            )
            minute = hist["minute"]
            after = np.cumsum(minute.n[::-1])[::-1]  # trades from this minute to the start
            minute.first_id = (lst.live_first_id - after).astype(np.int64)
            self._hist[lst.index] = hist
            while len(self._hist) > HISTORY_CACHE:
                self._hist.popitem(last=False)
        return hist

    def _recent_history(self, lst: Listing) -> tuple[Candles, Candles]:
        """History minutes from :attr:`recent_from` on, and the day candles before the start
        day."""
        cached = self._recent.get(lst.index)
        if cached is None:
            hist = self._history(lst)
            tail = hist["minute"].between(self.recent_from, None)
            day0 = self.window.m0 - self.window.m0 % DAY
            days = self.days(lst, self.window.m0 - 1).between(None, day0 - 1)
            cached = (tail.copy(), days.take(slice(max(0, len(days) - 400), len(days))).copy())
            self._recent[lst.index] = cached
        return cached

    # -- the clock and the walk -------------------------------------------------------------
    def sync(self, now_ms: int) -> None:
        """Apply the clock ticks due by ``now_ms`` (no-op when frozen)."""
        if self.freeze:
            return
        tick_ms = self.tick_seconds * 1000
        due = int((now_ms - self.start_ms) // tick_ms)
        if due > self._clock_ticks:
            idx = np.arange(self._clock_ticks + 1, due + 1)
            self._clock_ticks = due
            self.advance((self.start_ms + idx * tick_ms).astype(np.int64))

    def step(self, n: int, now_ms: int) -> None:
        """Advance the walk ``n`` ticks stamped ``now_ms`` (after any due clock ticks)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        self.sync(now_ms)
        if n:
            self.advance(np.full(n, max(now_ms, self.last_tick_ms), dtype=np.int64))

    def advance(self, times: np.ndarray) -> None:
        """Simulate one tick per entry of ``times`` (ms, non-decreasing)."""
        for lo in range(0, len(times), BATCH_TICKS):
            self._advance_batch(times[lo : lo + BATCH_TICKS])

    def _quotes(self, lst: Listing, mids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bid = lst.grid.floor_array(mids)
        ask = bid.copy()
        for _ in range(lst.spread_ticks):
            ask = ask + lst.grid.tick_array(ask)
        return bid, ask

    def _advance_batch(self, times: np.ndarray) -> None:
        k_ticks, n_comp = len(times), len(self._components)
        z = self._rng_walk.standard_normal((k_ticks, n_comp))
        incr = z * self._sigma_tick
        logs = self._comp_log + np.cumsum(np.where(self._ou, 0.0, incr), axis=0)
        if self._ou.any():
            ou = self._ou
            x = self._comp_log[ou].copy()
            mean, keep = self._ou_mean[ou], self._ou_keep[ou]
            for k in range(k_ticks):
                x = mean + (x - mean) * keep + incr[k, ou]
                logs[k, ou] = x
        self._comp_log = logs[-1].copy()
        mids = np.exp(logs @ self._exponents.T)
        n_list = len(self._listings)
        bids = np.empty((k_ticks, n_list))
        asks = np.empty((k_ticks, n_list))
        for lst in self._listings:
            bids[:, lst.index], asks[:, lst.index] = self._quotes(lst, mids[:, lst.index])
        counts = self._rng_trades.poisson(self._rates, size=(k_ticks, n_list))
        u = self._rng_trades.random((int(counts.sum()), 2))
        first_tick = self.tick_index
        self.tick_index += k_ticks
        self.last_tick_ms = int(times[-1])
        batch = TickBatch(times=times, first_tick=first_tick, bids=bids, asks=asks)
        self._pending = {}
        try:
            for listener in self.listeners:
                listener(batch)
            pending = self._pending
        finally:
            self._pending = None
        offset = 0
        for lst in self._listings:
            live = self._live[lst.index]
            live.bid, live.ask = float(bids[-1, lst.index]), float(asks[-1, lst.index])
            col = counts[:, lst.index]
            total = int(col.sum())
            synth = self._synth_live(lst, batch, col, u[offset : offset + total])
            offset += total
            self._commit(lst, synth, pending.get(lst.index, []))
        self._notify()

    def _synth_live(
        self, lst: Listing, batch: TickBatch, counts: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, TradeBatch]:
        if not len(u):
            return np.zeros(0, dtype=np.int64), TradeBatch.empty()
        tick = np.repeat(np.arange(len(counts)), counts)
        taker_buys = u[:, 0] < 0.5
        prices = np.where(taker_buys, batch.asks[tick, lst.index], batch.bids[tick, lst.index])
        step = lst.activity.qty_step
        size = lst.mean_trade_qty * np.exp(normal_from_uniform(u[:, 1]) - 0.3)
        qty = np.maximum(np.rint(size / step), 1.0) * step
        trades = TradeBatch(
            id=np.zeros(len(u), dtype=np.int64),
            t=batch.times[tick],
            p=prices,
            q=qty,
            buyer_maker=~taker_buys,
        )
        return tick, trades

    def _commit(self, lst: Listing, synth: tuple[np.ndarray, TradeBatch], tickets: list[TradeTicket]) -> None:
        tick, trades = synth
        if tickets:
            # A resting order fills at the tick the walk crossed it, ahead of that tick's
            # anonymous trades.
            user = TradeBatch(
                id=np.zeros(len(tickets), dtype=np.int64),
                t=np.array([tk.time for tk in tickets], dtype=np.int64),
                p=np.array([float(tk.price) for tk in tickets]),
                q=np.array([float(tk.qty) for tk in tickets]),
                buyer_maker=np.array([tk.buyer_maker for tk in tickets], dtype=bool),
            )
            keys = np.concatenate([tick * 2 + 1, np.array([tk.tick * 2 for tk in tickets])])
            order = np.argsort(keys, kind="stable")
            merged = TradeBatch.concat([trades, user]).take(order)
            is_user = order >= len(trades)
        else:
            merged, is_user, order = trades, None, None
        if not len(merged):
            return
        live = self._live[lst.index]
        merged.id = live.tape.next_id + np.arange(len(merged), dtype=np.int64)
        if is_user is not None and order is not None:
            for pos in np.flatnonzero(is_user).tolist():
                tickets[int(order[pos]) - len(trades)].id = int(merged.id[pos])
        live.tape.append(merged)
        live.candles.add(merged)
        live.updates += len(merged)

    def record_trade(self, lst: Listing, ticket: TradeTicket) -> TradeTicket:
        """Print a user fill on the tape (deferred to the batch commit inside a tick batch)."""
        if self._pending is not None:
            self._pending.setdefault(lst.index, []).append(ticket)
            return ticket
        # The tape runs on the wall clock (a skewed venue clock must not reorder it).
        wall = time.time_ns() // 1_000_000
        ticket.time = max(min(ticket.time, wall), self.last_tick_ms)
        ticket.tick = 0
        self._commit(lst, (np.zeros(0, dtype=np.int64), TradeBatch.empty()), [ticket])
        self._notify()
        return ticket

    def _notify(self) -> None:
        for observer in self.observers:
            observer()

    def next_trade_id(self, lst: Listing) -> int:
        """The id the next live trade of ``lst`` will get."""
        return self._live[lst.index].tape.next_id

    def live_trades(self, lst: Listing, from_id: int) -> TradeBatch:
        """Live trades of ``lst`` with ``id >= from_id`` still on the tape (ascending)."""
        tape = self._live[lst.index].tape
        if tape.next_id <= from_id or not len(tape):
            return TradeBatch.empty()
        kept = tape.all()
        return kept.take(slice(int(np.searchsorted(kept.id, from_id, side="left")), len(kept)))

    # -- quotes and depth -------------------------------------------------------------------
    def best(self, lst: Listing) -> tuple[Decimal, Decimal]:
        """Current synthetic best bid and ask (zeros for a listing that is not trading)."""
        if not lst.trading:
            return Decimal(0), Decimal(0)
        bids, asks = self.depth(lst, 1)
        bid = bids[0][0] if bids else Decimal(0)
        ask = asks[0][0] if asks else Decimal(0)
        return bid, ask

    def mid(self, lst: Listing) -> Decimal:
        """Mid of the best bid and ask (the walk's quote for a halted listing)."""
        live = self._live[lst.index]
        bid, ask = lst.grid.to_decimal(live.bid), lst.grid.to_decimal(live.ask)
        return (bid + ask) / 2

    def update_id(self, lst: Listing) -> int:
        """A book version number that grows with every tick and every fill."""
        return 40_000_000_000 + self.tick_index * 64 + self._live[lst.index].updates

    def depth(self, lst: Listing, levels: int) -> tuple[list[Level], list[Level]]:
        """``levels`` bids (best first) and asks (best first), net of liquidity taken by users
        during the current tick."""
        if not lst.trading or levels <= 0:
            return [], []
        live = self._live[lst.index]
        if live.consumed_tick != self.tick_index:
            live.consumed.clear()
            live.consumed_tick = self.tick_index
        bid, ask = lst.grid.to_decimal(live.bid), lst.grid.to_decimal(live.ask)
        out: list[list[Level]] = []
        for side, best in (("bid", bid), ("ask", ask)):
            want = levels
            while True:
                raw = self.levels_at(lst, self.tick_index, best, side, want + len(live.consumed))
                net = [(p, q - live.consumed.get(p, Decimal(0))) for p, q in raw]
                net = [(p, q) for p, q in net if q > 0]
                if len(net) >= levels or len(raw) < want + len(live.consumed):
                    break
                want *= 2
            out.append(net[:levels])
        return out[0], out[1]

    def levels_at(self, lst: Listing, tick: int, best: Decimal, side: str, levels: int) -> list[Level]:
        """The synthetic ``side`` of the book at tick ``tick`` whose best price was ``best``."""
        key = (self.seed, 5000 + lst.index, tick, 0 if side == "bid" else 1)
        return synth_side(lst.book, best, side, levels, key)

    def consume(self, lst: Listing, price: Decimal, qty: Decimal) -> None:
        """Remove ``qty`` at ``price`` from the current tick's book (a user order took it)."""
        live = self._live[lst.index]
        if live.consumed_tick != self.tick_index:
            live.consumed.clear()
            live.consumed_tick = self.tick_index
        live.consumed[price] = live.consumed.get(price, Decimal(0)) + qty
        live.updates += 1
        self._notify()

    # -- candles ----------------------------------------------------------------------------
    @property
    def recent_from(self) -> int:
        """Start of the always-cached recent minutes: one day (and a minute) before the start."""
        return self.window.m0 - DAY - MINUTE

    def minutes(self, lst: Listing, now_ms: int, since: int | None = None) -> Candles:
        """Dense minute candles up to the minute containing ``now_ms``; from the history start,
        or (cheaper) from ``since`` when it is no earlier than :attr:`recent_from`."""
        live = self._live[lst.index].candles.table(now_ms)
        if since is not None and since >= self.recent_from:
            return Candles.concat([self._recent_history(lst)[0], live]).between(since, None)
        return Candles.concat([self._history(lst)["minute"], live])

    def recent_days(self, lst: Listing, now_ms: int) -> Candles:
        """Day candles of roughly the last 400 days (enough for 52-week statistics)."""
        tail, days = self._recent_history(lst)
        live = self._live[lst.index].candles.table(now_ms)
        day0 = self.window.m0 - self.window.m0 % DAY
        return Candles.concat([days, _agg_fixed(Candles.concat([tail, live]).between(day0, None), DAY)])

    def _cached_agg(self, lst: Listing, name: str, make: Callable[[], Candles]) -> Candles:
        key = (lst.index, name)
        if key not in self._agg_cache:
            self._agg_cache[key] = make()
        return self._agg_cache[key]

    def hours(self, lst: Listing, now_ms: int) -> Candles:
        """Hour candles: native history, then aggregates of the minute candles."""
        hist = self._history(lst)
        split = self.window.m0 - self.window.m0 % HOUR
        head = self._cached_agg(
            lst,
            "hours-head",
            lambda: _agg_fixed(hist["minute"].between(None, split - 1), HOUR),
        )
        tail = _agg_fixed(self.minutes(lst, now_ms).between(split, None), HOUR)
        return Candles.concat([hist["hour"], head, tail])

    def days(self, lst: Listing, now_ms: int) -> Candles:
        """Day candles: native history, then aggregates of the hour candles."""
        hist = self._history(lst)
        split = self.window.m0 - self.window.m0 % DAY
        hours = self.hours(lst, now_ms).between(self.window.hour_from, None)
        head = self._cached_agg(lst, "days-head", lambda: _agg_fixed(hours.between(None, split - 1), DAY))
        tail = _agg_fixed(hours.between(split, None), DAY)
        return Candles.concat([hist["day"], head, tail])

    def level(self, lst: Listing, name: str, now_ms: int) -> Candles:
        """Candles of native level ``name`` (``minute``, ``hour`` or ``day``)."""
        if name == "minute":
            return self.minutes(lst, now_ms)
        if name == "hour":
            return self.hours(lst, now_ms)
        return self.days(lst, now_ms)

    def seconds(self, lst: Listing, t0: int, t1: int, now_ms: int, *, dense: bool) -> Candles:
        """One-second candles opening in ``[t0, t1]``, derived from the trades.

        ``dense`` adds flat zero-volume seconds (Binance) instead of omitting them (Upbit).
        Only the minute-resolution part of the history has seconds; keep the range short.
        """
        t0 = max(t0, self.window.minute_from)
        t1 = min(t1, now_ms)
        if t1 < t0:
            return Candles.empty()
        full = self.minutes(lst, now_ms)
        m_start = t0 - t0 % MINUTE
        lo = int(np.searchsorted(full.t, m_start, side="left"))
        hi = int(np.searchsorted(full.t, t1, side="right"))
        sec = Candles.concat(
            [_seconds_from_trades(self.minute_trades(lst, full, i)) for i in range(lo, hi) if full.n[i] > 0]
        )
        if dense and lo < len(full):
            prev_close = float(full.c[lo - 1]) if lo > 0 else float(full.o[lo])
            sec = _densify_seconds(sec, m_start, t1 - t1 % SECOND, prev_close)
        return sec.between(t0, t1)

    # -- trades -----------------------------------------------------------------------------
    def minute_trades(self, lst: Listing, table: Candles, i: int) -> TradeBatch:
        """The trades of row ``i`` of a minute table (tape for live minutes still kept)."""
        t = int(table.t[i])
        n = int(table.n[i])
        if n == 0:
            return TradeBatch.empty()
        first_id = int(table.first_id[i])
        tape = self._live[lst.index].tape
        if t >= self.window.m0 and len(tape):
            kept = tape.all()
            if int(kept.id[0]) <= first_id:
                lo = int(np.searchsorted(kept.id, first_id, side="left"))
                return kept.take(slice(lo, lo + n))
        rng = np.random.default_rng([self.seed, 3000 + lst.index, (t - self.window.minute_from) // MINUTE])
        return synth_minute_trades(
            t=t,
            o=float(table.o[i]),
            h=float(table.h[i]),
            low=float(table.l[i]),
            c=float(table.c[i]),
            v=float(table.v[i]),
            n=n,
            tbv=float(table.tbv[i]),
            first_id=first_id,
            grid=lst.grid,
            qty_step=lst.activity.qty_step,
            rng=rng,
        )

    def trades_back(
        self,
        lst: Listing,
        now_ms: int,
        limit: int,
        *,
        before_id: int | None = None,
        before_t: int | None = None,
        after_t: int | None = None,
    ) -> TradeBatch:
        """The newest ``limit`` trades with ``id < before_id``, ``t < before_t`` and
        ``t >= after_t`` (ascending)."""
        table = self.minutes(lst, now_ms)
        hi_t = now_ms if before_t is None else before_t - 1
        traded = np.flatnonzero((table.n > 0) & (table.t <= hi_t))
        if after_t is not None:
            traded = traded[table.t[traded] > after_t - MINUTE]
        if before_id is not None:
            traded = traded[table.first_id[traded] < before_id]
        got: list[TradeBatch] = []
        count = 0
        for i in traded[::-1].tolist():
            batch = self.minute_trades(lst, table, i)
            mask = batch.t <= hi_t
            if before_id is not None:
                mask &= batch.id < before_id
            if after_t is not None:
                mask &= batch.t >= after_t
            batch = batch.take(mask)
            got.append(batch)
            count += len(batch)
            if count >= limit:
                break
        out = TradeBatch.concat(got[::-1])
        return out.take(slice(max(0, len(out) - limit), len(out)))

    def trades_forward(
        self,
        lst: Listing,
        now_ms: int,
        limit: int,
        *,
        from_id: int | None = None,
        start_t: int | None = None,
        end_t: int | None = None,
    ) -> TradeBatch:
        """The oldest ``limit`` trades with ``id >= from_id`` / time in ``[start_t, end_t]``."""
        table = self.minutes(lst, now_ms)
        mask = table.n > 0
        if from_id is not None:
            mask &= (table.first_id + table.n) > from_id
        if start_t is not None:
            mask &= table.t >= start_t - MINUTE + 1
        if end_t is not None:
            mask &= table.t <= end_t
        got: list[TradeBatch] = []
        count = 0
        for i in np.flatnonzero(mask).tolist():
            batch = self.minute_trades(lst, table, i)
            sel = np.ones(len(batch), dtype=bool)
            if from_id is not None:
                sel &= batch.id >= from_id
            if start_t is not None:
                sel &= batch.t >= start_t
            if end_t is not None:
                sel &= batch.t <= end_t
            batch = batch.take(sel)
            got.append(batch)
            count += len(batch)
            if count >= limit:
                break
        return TradeBatch.concat(got).take(slice(0, limit))

    def last_trade(self, lst: Listing, now_ms: int) -> TradeBatch:
        """The most recent trade (empty batch if the listing never traded)."""
        return self.trades_back(lst, now_ms, 1)


def _agg_fixed(table: Candles, step: int) -> Candles:
    if not len(table):
        return Candles.empty()
    return aggregate(table, table.t - table.t % step)


def _seconds_from_trades(trades: TradeBatch) -> Candles:
    if not len(trades):
        return Candles.empty()
    key = trades.t - trades.t % SECOND
    taker_buy = np.where(trades.buyer_maker, 0.0, trades.q)
    per_trade = Candles(
        t=trades.t,
        o=trades.p,
        h=trades.p,
        l=trades.p,
        c=trades.p,
        v=trades.q,
        qv=trades.p * trades.q,
        n=np.ones(len(trades), dtype=np.int64),
        tbv=taker_buy,
        last=trades.t,
        first_id=trades.id,
    )
    return aggregate(per_trade, key)


def _densify_seconds(sec: Candles, t0: int, t1: int, prev_close: float) -> Candles:
    """Every second in ``[t0, t1]``; gaps are flat at the previous close with zero volume."""
    t = np.arange(t0, t1 + 1, SECOND, dtype=np.int64)
    sec = sec.between(t0, t1)
    idx = ((sec.t - t0) // SECOND).astype(np.int64)
    src = np.full(len(t), -1, dtype=np.int64)
    src[idx] = np.arange(len(sec))
    carried = src.copy()
    np.maximum.accumulate(carried, out=carried)
    close_ff = np.where(carried >= 0, sec.c[np.maximum(carried, 0)] if len(sec) else 0.0, prev_close)
    flat = np.r_[prev_close, close_ff[:-1]]
    out = Candles(
        t=t,
        o=flat.copy(),
        h=flat.copy(),
        l=flat.copy(),
        c=flat.copy(),
        v=np.zeros(len(t)),
        qv=np.zeros(len(t)),
        n=np.zeros(len(t), dtype=np.int64),
        tbv=np.zeros(len(t)),
        last=t.copy(),
        first_id=np.zeros(len(t), dtype=np.int64),
    )
    for name in ("o", "h", "l", "c", "v", "qv", "n", "tbv", "last", "first_id"):
        getattr(out, name)[idx] = getattr(sec, name)
    return out
