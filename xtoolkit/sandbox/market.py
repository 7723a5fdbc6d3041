"""The living market: generated history, then seeded random walks; books, trades and candles.

Latent *components* (one log-price walk per asset, KRW-USDT, and a mean-reverting Upbit
premium per asset) drive every *listing*: ``BTCUSDT = BTC``, ``KRW-BTC = BTC × USDT(KRW) ×
(1 + premium_BTC)``, ``ETHBTC = ETH / BTC``. The walk advances in ticks — on the sandbox clock
(``freeze=False``, one tick per ``tick_seconds``) and/or via :meth:`MarketSim.step`. Every tick
draws from two seeded streams in a fixed order, so the same seed and the same sequence of
ticks give the same market whatever is queried in between.

Before the start minute every candle and trade comes from the generated history
(:mod:`xtoolkit.sandbox.archive`), any window back to each listing; from it on, from the live
walk, which starts where the history stands at that minute.

Not thread-safe: the sandbox serialises access with its state lock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from xtoolkit.sandbox.archive import HistoryArchive, archive_for, on_grid
from xtoolkit.sandbox.book import Level, synth_side
from xtoolkit.sandbox.candles import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    Candles,
    Interval,
    aggregate,
    bucket_starts,
    next_bucket,
)
from xtoolkit.sandbox.catalog import Catalog
from xtoolkit.sandbox.history import EPOCH_MS, ComponentSpec, day_index, normal_from_uniform
from xtoolkit.sandbox.listings import Listing
from xtoolkit.sandbox.live import LiveCandles
from xtoolkit.sandbox.trades import Tape, TradeBatch, synth_minute_trades

__all__ = ["VENUES", "Listing", "MarketSim", "TickBatch", "TradeTicket", "day_start", "source_level"]

VENUES: tuple[str, ...] = ("binance", "upbit")

#: UTC day candles.
DAILY = Interval("1d", "fixed", DAY)
#: How many history days a trade search walks back (or forward) before giving up.
MAX_SCAN_DAYS = 400
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
    """Both venues' markets for one seed: generated history before the start minute, the
    live walk from it on."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        seed: int,
        start_ms: int,
        tick_seconds: float = 1.0,
        freeze: bool = False,
        clock: Callable[[], int] | None = None,
    ) -> None:
        if tick_seconds <= 0:
            raise ValueError("tick_seconds must be positive")
        self.catalog = catalog
        #: The sandbox's clock in epoch ms (the wall clock unless the sandbox is pinned).
        self.clock: Callable[[], int] = clock or (lambda: time.time_ns() // 1_000_000)
        self.seed = int(seed)
        self.start_ms = int(start_ms)
        self.tick_seconds = float(tick_seconds)
        self.freeze = freeze
        #: Open of the start minute: history before it, the live walk from it on.
        self.m0 = self.start_ms - self.start_ms % MINUTE
        self.archive: HistoryArchive = archive_for(catalog, self.seed)
        self.tick_index = 0
        self.last_tick_ms = self.start_ms
        self._clock_ticks = 0
        self.listeners: list[Callable[[TickBatch], None]] = []
        #: Called (no arguments, state lock held) after every change of a book or tape: a
        #: committed tick batch, a user fill, liquidity taken. Must be cheap and never raise.
        self.observers: list[Callable[[], None]] = []
        self._components: list[ComponentSpec] = self.archive.components
        self._listings: list[Listing] = self.archive.listings
        self._by_symbol = {(lst.venue, lst.symbol): lst for lst in self._listings}
        # The live walk continues the history from the value it has at the start minute.
        self._comp_log = np.array(
            [self.archive.component_value(i, self.m0) for i in range(len(self._components))]
        )
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
        self._pending: dict[int, list[TradeTicket]] | None = None
        self._live: dict[int, _Live] = {}
        start_mids = np.exp(self._exponents @ self._comp_log)
        for lst in self._listings:
            mid = start_mids[lst.index : lst.index + 1]
            bid, ask = self._quotes(lst, mid)
            close = float(lst.grid.nearest_array(mid)[0])
            first_live_id = self._first_live_id(lst)
            self._live[lst.index] = _Live(
                tape=Tape(first_live_id),
                candles=LiveCandles(self.m0, close, first_live_id),
                bid=float(bid[0]),
                ask=float(ask[0]),
            )

    def _first_live_id(self, lst: Listing) -> int:
        """Trade ids are a running count from the listing: the live tape continues it."""
        d0 = day_index(self.m0)
        before = self.archive.trades_before_day(lst, d0)
        today = self.archive.raw_day(lst, d0)
        return (
            before + int(today.n[: (self.m0 - day_start(self.m0)) // MINUTE].sum()) if len(today) else before
        )

    # -- lookup ---------------------------------------------------------------------------
    def listing(self, venue: str, symbol: str) -> Listing | None:
        """The listing ``symbol`` on ``venue`` (``None`` if not listed)."""
        return self._by_symbol.get((venue, symbol))

    def listings(self, venue: str) -> list[Listing]:
        """Every listing of ``venue``, in catalog order."""
        return [lst for lst in self._listings if lst.venue == venue]

    def year_closes(self, lst: Listing, now_ms: int) -> tuple[np.ndarray, np.ndarray]:
        """Open times and on-grid closes of the 364 days before today (since the listing).

        Upbit's ticker carries 52-week highs and lows. Exact trade extremes would need a
        year of minutes per market (~50 ms each, on every first ticker); the sandbox reports
        the extremes of the daily closes plus today's range instead — a documented
        simplification of two fields no client here reads. History days' closes come from
        the day boundaries (no minutes generated), days since the start from the live walk.
        """
        today = day_index(now_ms)
        d0 = max(today - 364, self.archive.first_day(lst))
        split = min(today, day_index(self.m0))
        t = EPOCH_MS + np.arange(d0, today, dtype=np.int64) * DAY
        hist = self.archive.day_closes(lst, d0, split - 1)
        live = self.candles(lst, DAILY, now_ms, day_ms(split), day_ms(today) - 1) if split < today else None
        closes = np.r_[hist, live.c if live is not None else np.zeros(0)]
        return t[: len(closes)], lst.grid.nearest_array(closes) if len(closes) else closes

    def listed_ms(self, lst: Listing) -> int:
        """Open time of the first minute ``lst`` traded (its listing)."""
        return self.archive.listed_ms(lst)

    def memory_bytes(self) -> int:
        """Bytes held by the simulation: the (shared) history caches, live candles, tapes."""
        total = self.archive.nbytes
        for live in self._live.values():
            total += live.candles.nbytes + live.tape.nbytes
        return total

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
        # The tape runs on the sandbox clock (a skewed venue clock must not reorder it).
        ticket.time = max(min(ticket.time, self.clock()), self.last_tick_ms)
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
    def raw_minutes(self, lst: Listing, now_ms: int, start: int, end: int | None = None) -> Candles:
        """Dense minute candles opening in ``[start, end]`` up to the minute containing
        ``now_ms``: generated history before the start minute, live rows from it on. History
        prices are not yet on the grid (see :func:`~xtoolkit.sandbox.archive.on_grid`)."""
        end = now_ms if end is None else min(end, now_ms)
        hist = self.archive.minutes(lst, start, min(end, self.m0 - 1))
        if end < self.m0:
            return hist
        live = self._live[lst.index].candles.table(now_ms).between(max(start, self.m0), end)
        return Candles.concat([hist, live])

    def minutes(self, lst: Listing, now_ms: int, start: int, end: int | None = None) -> Candles:
        """Dense minute candles opening in ``[start, end]`` (at most up to ``now_ms``), on the grid."""
        return on_grid(self.raw_minutes(lst, now_ms, start, end), lst)

    def _level_rows(self, lst: Listing, level: str, now_ms: int, start: int, end: int) -> Candles:
        """Source rows for aggregation: native ``level`` rows of the history (the start
        minute's day/hour partial), then the live minutes."""
        hist_end = min(end, self.m0 - 1)
        if level == "minute":
            return self.raw_minutes(lst, now_ms, start, end)
        cut_day, cut_hour = day_start(self.m0), self.m0 - self.m0 % HOUR
        if level == "day":
            full = self.archive.days(lst, day_index(start), day_index(min(hist_end, cut_day - 1)))
            split = cut_day
        else:
            full = self.archive.hours(lst, start, min(hist_end, cut_hour - 1))
            split = cut_hour
        full = full.between(None, hist_end)
        # The start minute's day (or hour) is partly history, partly live: minutes.
        tail = self.raw_minutes(lst, now_ms, max(start, split), end) if end >= split else Candles.empty()
        return Candles.concat([full, tail])

    def candles(
        self,
        lst: Listing,
        interval: Interval,
        now_ms: int,
        start: int,
        end: int,
        *,
        offset_ms: int = 0,
    ) -> Candles:
        """Candles of ``interval`` (buckets in local time ``UTC + offset_ms``) whose open is in
        ``[start, end]``, on the grid; dense (quiet periods flat with zero volume). Every
        interval is an exact aggregate of the minute candles."""
        level = source_level(interval, offset_ms)
        lo = int(bucket_starts(np.array([max(start, self.listed_ms(lst))]), interval, offset_ms)[0])
        hi = min(
            next_bucket(int(bucket_starts(np.array([end]), interval, offset_ms)[0]), interval, offset_ms) - 1,
            now_ms,
        )
        if hi < lo:
            return Candles.empty()
        rows = self._level_rows(lst, level, now_ms, lo, hi)
        table = aggregate(rows, bucket_starts(rows.t, interval, offset_ms))
        return on_grid(table, lst).between(start, end)

    def seconds(self, lst: Listing, t0: int, t1: int, now_ms: int, *, dense: bool) -> Candles:
        """One-second candles opening in ``[t0, t1]``, derived from the trades.

        ``dense`` adds flat zero-volume seconds (Binance) instead of omitting them (Upbit).
        Each traded minute is synthesised, so keep the range to hours, not days.
        """
        t0 = max(t0, self.listed_ms(lst))
        t1 = min(t1, now_ms)
        if t1 < t0:
            return Candles.empty()
        m_start = t0 - t0 % MINUTE
        full = self.minutes(lst, now_ms, m_start - MINUTE, t1)
        lo = int(np.searchsorted(full.t, m_start, side="left"))
        sec = Candles.concat(
            [
                _seconds_from_trades(self.minute_trades(lst, full, i))
                for i in range(lo, len(full))
                if full.n[i] > 0
            ]
        )
        if dense and lo < len(full):
            prev_close = float(full.c[lo - 1]) if lo > 0 else float(full.o[lo])
            sec = _densify_seconds(sec, m_start, t1 - t1 % SECOND, prev_close)
        return sec.between(t0, t1)

    # -- trades -----------------------------------------------------------------------------
    def minute_trades(self, lst: Listing, table: Candles, i: int) -> TradeBatch:
        """The trades of row ``i`` of an on-grid minute table (tape for live minutes kept)."""
        t = int(table.t[i])
        n = int(table.n[i])
        if n == 0:
            return TradeBatch.empty()
        first_id = int(table.first_id[i])
        tape = self._live[lst.index].tape
        if t >= self.m0 and len(tape):
            kept = tape.all()
            if int(kept.id[0]) <= first_id:
                lo = int(np.searchsorted(kept.id, first_id, side="left"))
                return kept.take(slice(lo, lo + n))
        rng = np.random.default_rng([self.seed, 3000 + lst.index, t // MINUTE])
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

    def _chunks_back(self, lst: Listing, now_ms: int, hi_t: int, lo_t: int) -> Iterator[Candles]:
        """On-grid minute tables covering ``[lo_t, hi_t]``, newest first (live part, then
        one history day at a time, at most :data:`MAX_SCAN_DAYS` days)."""
        lo_t = max(lo_t, self.listed_ms(lst))
        if hi_t >= self.m0:
            yield self.minutes(lst, now_ms, max(lo_t, self.m0), hi_t)
            hi_t = self.m0 - 1
        d_hi = day_index(hi_t)
        for d in range(d_hi, max(day_index(lo_t), d_hi - MAX_SCAN_DAYS) - 1, -1):
            a, b = max(lo_t, day_ms(d)), min(hi_t, day_ms(d + 1) - 1)
            if b >= a:
                yield on_grid(self.archive.minutes(lst, a, b), lst)

    def _chunks_forward(self, lst: Listing, now_ms: int, lo_t: int, hi_t: int) -> Iterator[Candles]:
        """On-grid minute tables covering ``[lo_t, hi_t]``, oldest first (a day at a time)."""
        lo_t = max(lo_t, self.listed_ms(lst))
        hi_t = min(hi_t, now_ms)
        d_lo = day_index(lo_t)
        for d in range(d_lo, min(day_index(min(hi_t, self.m0 - 1)), d_lo + MAX_SCAN_DAYS) + 1):
            a, b = max(lo_t, day_ms(d)), min(hi_t, day_ms(d + 1) - 1, self.m0 - 1)
            if b >= a:
                yield on_grid(self.archive.minutes(lst, a, b), lst)
        if hi_t >= self.m0:
            yield self.minutes(lst, now_ms, max(lo_t, self.m0), hi_t)

    def trade_minute(self, lst: Listing, trade_id: int) -> int:
        """Open time of the minute holding trade ``trade_id`` (clamped to listing … now)."""
        live = self._live[lst.index]
        if trade_id >= live.candles.first_live_id:
            return self.m0
        d = self.archive.day_of_trade(lst, trade_id, day_index(self.m0))
        day = self.archive.raw_day(lst, d)
        if not len(day):
            return self.listed_ms(lst)
        k = int(np.searchsorted(day.first_id, trade_id, side="right")) - 1
        return int(day.t[max(k, 0)])

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
        ``t >= after_t`` (ascending; scans back at most :data:`MAX_SCAN_DAYS` days)."""
        hi_t = now_ms if before_t is None else min(now_ms, before_t - 1)
        if before_id is not None:
            hi_t = min(hi_t, self.trade_minute(lst, before_id) + MINUTE - 1)
        lo_t = self.listed_ms(lst) if after_t is None else after_t - after_t % MINUTE
        got: list[TradeBatch] = []
        count = 0
        for table in self._chunks_back(lst, now_ms, hi_t, lo_t):
            traded = np.flatnonzero(table.n > 0)
            if before_id is not None:
                traded = traded[table.first_id[traded] < before_id]
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
        lo_t = self.listed_ms(lst) if start_t is None else start_t - start_t % MINUTE
        if from_id is not None:
            lo_t = max(lo_t, self.trade_minute(lst, from_id))
        hi_t = now_ms if end_t is None else end_t
        got: list[TradeBatch] = []
        count = 0
        for table in self._chunks_forward(lst, now_ms, lo_t, hi_t):
            mask = table.n > 0
            if from_id is not None:
                mask &= (table.first_id + table.n) > from_id
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
            if count >= limit:
                break
        return TradeBatch.concat(got).take(slice(0, limit))

    def last_trade(self, lst: Listing, now_ms: int) -> TradeBatch:
        """The most recent trade (empty batch if none in the last :data:`MAX_SCAN_DAYS` days)."""
        return self.trades_back(lst, now_ms, 1)


def day_start(ms: int) -> int:
    """Open of the UTC day containing ``ms``."""
    return ms - ms % DAY


def day_ms(d: int) -> int:
    """Open of day number ``d`` (counted from the history epoch)."""
    return EPOCH_MS + d * DAY


def source_level(interval: Interval, offset_ms: int) -> str:
    """The coarsest native level (``minute``/``hour``/``day``) whose rows tile ``interval``'s
    buckets when they fall on local (``UTC + offset_ms``) boundaries."""
    if interval.kind == "fixed":
        if interval.ms % DAY == 0 and offset_ms % DAY == 0:
            return "day"
        if interval.ms % HOUR == 0 and offset_ms % HOUR == 0:
            return "hour"
        return "minute"
    if offset_ms % DAY == 0:
        return "day"
    return "hour" if offset_ms % HOUR == 0 else "minute"


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
