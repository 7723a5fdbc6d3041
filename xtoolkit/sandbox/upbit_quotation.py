"""Upbit quotation endpoints (``/v1`` public data): markets, tickers, order books, trades,
candles. Handlers run with the state lock held and raise
:class:`~xtoolkit.sandbox.errors.UpbitError`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal

import numpy as np

from xtoolkit.sandbox.candles import (
    DAY,
    MINUTE,
    SECOND,
    UPBIT_MINUTE_UNITS,
    Candles,
    Interval,
    bucket_starts,
)
from xtoolkit.sandbox.errors import upbit_error
from xtoolkit.sandbox.grids import fmt_plain
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.trades import TradeBatch, sequential_id
from xtoolkit.sandbox.upbit_format import (
    KST,
    VENUE,
    VISIBLE_LEVELS,
    Query,
    as_number,
    listing_of,
    listings_of,
    naive_time,
    parse_time,
    price_number,
    volume_number,
)
from xtoolkit.sandbox.upbit_rules import (
    supported_levels,
)
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = [
    "candles_minutes",
    "candles_seconds",
    "instruments",
    "market_all",
    "orderbook",
    "period_candles",
    "ticker",
    "ticker_all",
    "trades_ticks",
]

D = Decimal


# -- quotation --------------------------------------------------------------------------------
def market_all(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/market/all`` (``is_details``)."""
    details = (q.get("is_details") or "false").lower() == "true"
    out = []
    for spec in state.catalog.upbit.values():
        asset = state.catalog.assets[spec.base]
        row: dict[str, object] = {
            "market": spec.market,
            "korean_name": asset.korean_name,
            "english_name": asset.english_name,
        }
        if details:
            row["market_warning"] = "CAUTION" if spec.warning else "NONE"
            row["market_event"] = {
                "warning": spec.warning,
                "caution": {
                    name: name in spec.caution
                    for name in (
                        "PRICE_FLUCTUATIONS",
                        "TRADING_VOLUME_SOARING",
                        "DEPOSIT_AMOUNT_SOARING",
                        "GLOBAL_PRICE_DIFFERENCES",
                        "CONCENTRATION_OF_SMALL_ACCOUNTS",
                    )
                },
            }
        out.append(row)
    return Reply(body=out)


def _last_trade(state: SandboxState, lst: Listing, now: int) -> TradeBatch:
    return state.market.last_trade(lst, now)


#: UTC day candles (Upbit's ``days`` candles open at 00:00 UTC, 09:00 KST).
_DAYS = Interval("days", "fixed", DAY)


def _ticker(state: SandboxState, lst: Listing, now: int) -> dict[str, object]:
    day_start = now - now % DAY
    mins = state.market.minutes(lst, now, min(day_start, now - DAY) - MINUTE)
    prev_days = state.market.candles(lst, _DAYS, now, day_start - DAY, day_start - 1)
    prev_close = float(prev_days.c[-1]) if len(prev_days) else float(state.market.mid(lst))
    today = mins.between(day_start, None)
    traded = today.v > 0
    last = _last_trade(state, lst, now)
    last_p = float(last.p[-1]) if len(last) else prev_close
    last_t = int(last.t[-1]) if len(last) else now
    if traded.any():
        idx = np.flatnonzero(traded)
        open_p, high, low = (float(today.o[idx[0]]), float(today.h[idx].max()), float(today.l[idx].min()))
    else:
        open_p = high = low = prev_close
    rolling = mins.between(now - DAY, None)
    # 52 weeks: the daily closes of the last 364 days and today's range (see year_closes).
    year_t, year_c = state.market.year_closes(lst, now)
    year_t = np.r_[year_t, day_start, day_start]
    year_hi, year_lo = np.r_[year_c, high], np.r_[year_c, low]
    hi_i, lo_i = int(np.argmax(year_hi)), int(np.argmin(year_lo))
    prev_dec = lst.grid.to_decimal(prev_close)
    last_dec = lst.grid.to_decimal(last_p)
    change = last_dec - prev_dec
    rate = (change / prev_dec) if prev_dec else D(0)
    return {
        "market": lst.symbol,
        "trade_date": datetime.fromtimestamp(last_t / 1000, tz=UTC).strftime("%Y%m%d"),
        "trade_time": datetime.fromtimestamp(last_t / 1000, tz=UTC).strftime("%H%M%S"),
        "trade_date_kst": datetime.fromtimestamp(last_t / 1000, tz=KST).strftime("%Y%m%d"),
        "trade_time_kst": datetime.fromtimestamp(last_t / 1000, tz=KST).strftime("%H%M%S"),
        "trade_timestamp": last_t,
        "opening_price": price_number(lst, open_p),
        "high_price": price_number(lst, high),
        "low_price": price_number(lst, low),
        "trade_price": as_number(last_dec),
        "prev_closing_price": as_number(prev_dec),
        "change": "RISE" if change > 0 else "FALL" if change < 0 else "EVEN",
        "change_price": as_number(abs(change)),
        "change_rate": round(abs(float(rate)), 10),
        "signed_change_price": as_number(change),
        "signed_change_rate": round(float(rate), 10),
        "trade_volume": volume_number(float(last.q[-1])) if len(last) else 0.0,
        "acc_trade_price": round(float(today.qv.sum()), 8),
        "acc_trade_price_24h": round(float(rolling.qv.sum()), 8),
        "acc_trade_volume": volume_number(float(today.v.sum())),
        "acc_trade_volume_24h": volume_number(float(rolling.v.sum())),
        "highest_52_week_price": price_number(lst, float(year_hi[hi_i])),
        "highest_52_week_date": datetime.fromtimestamp(int(year_t[hi_i]) / 1000, tz=UTC).strftime("%Y-%m-%d"),
        "lowest_52_week_price": price_number(lst, float(year_lo[lo_i])),
        "lowest_52_week_date": datetime.fromtimestamp(int(year_t[lo_i]) / 1000, tz=UTC).strftime("%Y-%m-%d"),
        "timestamp": now,
    }


def ticker(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/ticker?markets=...`` (always an array)."""
    return Reply(body=[_ticker(state, lst, req.now_ms) for lst in listings_of(state, q.get("markets"))])


def ticker_all(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/ticker/all?quote_currencies=KRW,BTC`` (``quote_currencies`` is required,
    spec upbit.md §12.2)."""
    raw = q.get("quote_currencies")
    if not raw:
        raise upbit_error("missing_param")
    quotes = {c.strip() for c in raw.split(",")}
    listings = [lst for lst in state.market.listings(VENUE) if lst.quote in quotes]
    return Reply(body=[_ticker(state, lst, req.now_ms) for lst in listings])


def _aggregate_levels(
    levels: list[tuple[Decimal, Decimal]], unit: Decimal, side: str
) -> list[tuple[Decimal, Decimal]]:
    out: dict[Decimal, Decimal] = {}
    for price, qty in levels:
        rounding = ROUND_DOWN if side == "bid" else "ROUND_CEILING"
        bucket = (price / unit).to_integral_value(rounding=rounding) * unit
        out[bucket] = out.get(bucket, D(0)) + qty
    return list(out.items())


def orderbook(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/orderbook?markets=...&count=&level=``."""
    listings = listings_of(state, q.get("markets"))
    count = q.integer("count", VISIBLE_LEVELS, 1, VISIBLE_LEVELS)
    level_raw = q.get("level") or "0"
    try:
        level = D(level_raw)
    except ArithmeticError:
        raise upbit_error("invalid_param", detail="level does not have a valid value") from None
    out = []
    for lst in listings:
        if level != 0:
            mid = state.market.mid(lst)
            if format(level.normalize(), "f") not in supported_levels(lst, mid):
                continue
            raw_depth = min(3000, int(count * (level / lst.grid.tick_at(mid))) + count)
            bids, asks = state.market.depth(lst, raw_depth)
            bids = _aggregate_levels(bids, level, "bid")[:count]
            asks = _aggregate_levels(asks, level, "ask")[:count]
        else:
            bids, asks = state.market.depth(lst, count)
        units = [
            {
                "ask_price": as_number(a[0]),
                "bid_price": as_number(b[0]),
                "ask_size": as_number(a[1]),
                "bid_size": as_number(b[1]),
            }
            for a, b in zip(asks, bids, strict=False)
        ]
        out.append(
            {
                "market": lst.symbol,
                "timestamp": req.now_ms,
                "total_ask_size": as_number(sum((a[1] for a in asks[: len(units)]), D(0))),
                "total_bid_size": as_number(sum((b[1] for b in bids[: len(units)]), D(0))),
                "orderbook_units": units,
                "level": as_number(level) if level != level.to_integral_value() else int(level),
            }
        )
    return Reply(body=out)


def instruments(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/orderbook/instruments?markets=...``."""
    out = []
    for lst in listings_of(state, q.get("markets")):
        mid = state.market.mid(lst)
        out.append(
            {
                "market": lst.symbol,
                "quote_currency": lst.quote,
                "tick_size": fmt_plain(lst.grid.tick_at(mid)),
                "supported_levels": supported_levels(lst, mid),
            }
        )
    return Reply(body=out)


def _prev_close_before(state: SandboxState, lst: Listing, day_start: int, now: int) -> float:
    days = state.market.candles(lst, _DAYS, now, day_start - 31 * DAY, day_start - 1)
    return float(days.c[-1]) if len(days) else float(state.market.mid(lst))


def _parse_hms(text: str) -> int:
    digits = text.replace(":", "")
    if len(digits) != 6 or not digits.isdigit():
        raise upbit_error("invalid_param", detail="to does not have a valid value")
    h, m, s = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if h > 23 or m > 59 or s > 59:
        raise upbit_error("invalid_param", detail="to does not have a valid value")
    return (h * 3600 + m * 60 + s) * 1000


def trades_ticks(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/trades/ticks`` (newest first; ``to``/``cursor``/``days_ago`` within a UTC
    day)."""
    lst = listing_of(state, q.get("market"))
    count = q.integer("count", 1, 1, 500)
    now = req.now_ms
    days_ago = q.integer("days_ago", 0, 1, 7, clamp=False) if q.get("days_ago") else 0
    day_start = now - now % DAY - days_ago * DAY
    before_t = min(day_start + DAY, now + 1)
    to = q.get("to")
    if to is not None:
        before_t = min(before_t, day_start + _parse_hms(to))
    cursor_raw = q.get("cursor")
    cursor = None
    if cursor_raw is not None:
        try:
            cursor = int(cursor_raw)
        except ValueError:
            raise upbit_error("invalid_param", detail="cursor does not have a valid value") from None
        before_t = min(before_t, cursor // 10_000 + 1)
    trades = state.market.trades_back(
        lst, now, count + (50 if cursor else 0), before_t=before_t, after_t=day_start
    )
    if cursor is not None:
        trades = trades.take(sequential_id(trades.t, trades.id) < cursor)
    trades = trades.take(slice(max(0, len(trades) - count), len(trades)))
    seq = sequential_id(trades.t, trades.id)
    prev_close = _prev_close_before(state, lst, day_start, now)
    rows = []
    for i in reversed(range(len(trades))):
        t = int(trades.t[i])
        price = lst.grid.to_decimal(float(trades.p[i]))
        utc = datetime.fromtimestamp(t / 1000, tz=UTC)
        rows.append(
            {
                "market": lst.symbol,
                "trade_date_utc": utc.strftime("%Y-%m-%d"),
                "trade_time_utc": utc.strftime("%H:%M:%S"),
                "timestamp": t,
                "trade_price": as_number(price),
                "trade_volume": volume_number(float(trades.q[i])),
                "prev_closing_price": price_number(lst, prev_close),
                "change_price": as_number(price - lst.grid.to_decimal(prev_close)),
                "ask_bid": "ASK" if trades.buyer_maker[i] else "BID",
                "sequential_id": int(seq[i]),
            }
        )
    return Reply(body=rows)


_CANDLE_INTERVALS: dict[str, Interval] = {
    "days": Interval("days", "fixed", DAY),
    "weeks": Interval("weeks", "week", 7 * DAY),
    "months": Interval("months", "month", 31 * DAY),
    "years": Interval("years", "year", 366 * DAY),
}


def _candle_rows(
    lst: Listing, table: Candles, kind: str, unit: int | None, prev_closes: np.ndarray | None
) -> list[dict[str, object]]:
    rows = []
    for i in reversed(range(len(table))):
        t = int(table.t[i])
        row: dict[str, object] = {
            "market": lst.symbol,
            "candle_date_time_utc": naive_time(t, UTC),
            "candle_date_time_kst": naive_time(t, KST),
            "opening_price": price_number(lst, float(table.o[i])),
            "high_price": price_number(lst, float(table.h[i])),
            "low_price": price_number(lst, float(table.l[i])),
            "trade_price": price_number(lst, float(table.c[i])),
            "timestamp": int(table.last[i]),
            "candle_acc_trade_price": round(float(table.qv[i]), 8),
            "candle_acc_trade_volume": volume_number(float(table.v[i])),
        }
        if kind == "minutes":
            row["unit"] = unit
        elif kind == "days" and prev_closes is not None:
            prev = lst.grid.to_decimal(float(prev_closes[i]))
            close = lst.grid.to_decimal(float(table.c[i]))
            row["prev_closing_price"] = as_number(prev)
            row["change_price"] = as_number(close - prev)
            row["change_rate"] = round(float((close - prev) / prev), 10) if prev else 0.0
        elif kind in ("weeks", "months", "years"):
            row["first_day_of_period"] = datetime.fromtimestamp(t / 1000, tz=UTC).strftime("%Y-%m-%d")
        rows.append(row)
    return rows


def _traded_candles(
    state: SandboxState, lst: Listing, interval: Interval, now: int, to: int, want: int
) -> Candles:
    """At least ``want`` traded candles of ``interval`` opening before ``to`` (fewer only when
    the listing began): Upbit omits periods without trades, so the window widens until
    enough are found."""
    listed = state.market.listed_ms(lst)
    # First try exactly the ``want`` buckets up to ``to`` (calendar buckets stepped back one by
    # one): a nominal ``want × interval × 2`` made a cold ``years?count=3`` generate eight years
    # of minutes (~2 s) where four suffice.
    oldest = to - 1
    for _ in range(max(want, 1)):
        oldest = int(bucket_starts(np.array([oldest]), interval)[0]) - 1
    span = to - (oldest + 1)
    while True:
        table = state.market.candles(lst, interval, now, to - span, to - 1)
        table = table.take(table.v > 0)
        if len(table) >= want or to - span <= listed:
            return table
        span *= 4


def _candles(state: SandboxState, req: ApiRequest, q: Query, kind: str, unit: int | None) -> Reply:
    lst = listing_of(state, q.get("market"))
    count = q.integer("count", 1, 1, 200)
    now = req.now_ms
    to_raw = q.get("to")
    to = min(parse_time(to_raw), now + 1) if to_raw else now + 1
    if kind == "seconds":
        span = max(count, 60) * SECOND
        listed = state.market.listed_ms(lst)
        while True:
            table = state.market.seconds(lst, to - span, to - 1, now, dense=False)
            # Seconds are synthesised from trades minute by minute: widen up to a day.
            if len(table) >= count or to - span <= listed or span >= DAY:
                break
            span *= 4
        table = table.take(slice(max(0, len(table) - count), len(table)))
        return Reply(body=_candle_rows(lst, table, kind, None, None))
    if kind == "minutes":
        assert unit is not None
        interval = Interval(f"{unit}m", "fixed", unit * MINUTE)
    else:
        interval = _CANDLE_INTERVALS[kind]
    # One candle more than asked: the oldest row's previous close is the one before it.
    table = _traded_candles(state, lst, interval, now, to, count + 1)
    prev_closes = np.r_[table.o[0] if len(table) else 0.0, table.c[:-1]]
    lo = max(0, len(table) - count)
    return Reply(body=_candle_rows(lst, table.take(slice(lo, len(table))), kind, unit, prev_closes[lo:]))


def candles_seconds(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/candles/seconds``."""
    return _candles(state, req, q, "seconds", None)


def candles_minutes(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
    """``GET /v1/candles/minutes/{unit}`` (unit ∈ 1, 3, 5, 10, 15, 30, 60, 240)."""
    try:
        unit = int(req.match.get("unit", ""))
    except ValueError:
        unit = -1
    if unit not in UPBIT_MINUTE_UNITS:
        raise upbit_error("invalid_param", detail="unit does not have a valid value")
    return _candles(state, req, q, "minutes", unit)


def period_candles(kind: str) -> Callable[[SandboxState, ApiRequest, Query], Reply]:
    """The handler of ``GET /v1/candles/{kind}`` (days, weeks, months, years)."""

    def handler(state: SandboxState, req: ApiRequest, q: Query) -> Reply:
        return _candles(state, req, q, kind, None)

    handler.__doc__ = f"``GET /v1/candles/{kind}``."
    return handler
