"""Binance spot market data (``/api/v3`` public endpoints) and the shared lookups.

Handlers take the shared state, the request and its merged parameters and return a
:class:`~xtoolkit.sandbox.wire.Reply`; errors are raised as
:class:`~xtoolkit.sandbox.errors.BinanceError`. They run with the state lock held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xtoolkit.sandbox.binance_params import Params
from xtoolkit.sandbox.binance_rules import (
    AVG_PRICE_MINS,
    rate_limits,
    symbol_info,
)
from xtoolkit.sandbox.candles import (
    BINANCE_INTERVALS,
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    Candles,
    Interval,
    next_bucket,
)
from xtoolkit.sandbox.catalog import BinanceSymbolSpec
from xtoolkit.sandbox.errors import BinanceError, binance_error
from xtoolkit.sandbox.grids import fmt8
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.matching import q8
from xtoolkit.sandbox.state import BINANCE_STATUSES, SandboxState
from xtoolkit.sandbox.trades import TradeBatch
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = [
    "VENUE",
    "WindowStats",
    "agg_trades",
    "avg_price",
    "avg_price_of",
    "book_ticker",
    "depth",
    "exchange_info",
    "fmt_num",
    "fmt_price",
    "historical_trades",
    "kline_table",
    "klines",
    "listing_of",
    "parse_time_zone",
    "ping",
    "recent_trades",
    "select_many",
    "server_time",
    "spec_of",
    "ticker_24hr",
    "ticker_price",
    "window_stats",
]

D = Decimal
VENUE = "binance"


# -- shared lookups and formats ------------------------------------------------------------------------------
def listing_of(state: SandboxState, symbol: str) -> Listing:
    """The Binance listing ``symbol`` (-1121 if unknown)."""
    lst = state.market.listing(VENUE, symbol)
    if lst is None:
        raise binance_error("BAD_SYMBOL")
    return lst


def spec_of(state: SandboxState, lst: Listing) -> BinanceSymbolSpec:
    """The catalog rules of a Binance listing."""
    return state.catalog.binance[lst.symbol]


def fmt_price(lst: Listing, value: float | Decimal) -> str:
    """A price as Binance DEC text, snapped to the listing's tick."""
    if isinstance(value, Decimal):
        return fmt8(value)
    return fmt8(lst.grid.to_decimal(value))


def fmt_num(value: float) -> str:
    """A quantity / volume as Binance DEC text."""
    return fmt8(D(repr(float(value))))


def select_many(state: SandboxState, params: Params) -> tuple[list[Listing], bool]:
    """Listings selected by ``symbol`` / ``symbols`` / neither, and whether one was named."""
    symbol = params.optional_symbol()
    symbols = params.symbols()
    if symbol is not None and symbols is not None:
        raise BinanceError(-1101, "Parameter 'symbol' and 'symbols' cannot be sent together.")
    if symbol is not None:
        return [listing_of(state, symbol)], True
    if symbols is not None:
        return [listing_of(state, s) for s in symbols], False
    return state.market.listings(VENUE), False


def status_filter(params: Params) -> str | None:
    """The ``symbolStatus`` filter, if sent. Documented values are TRADING, HALT and BREAK;
    whether END_OF_DAY / CANCEL_ONLY are accepted is unconfirmed (spec §9), so they are."""
    return params.enum("symbolStatus", BINANCE_STATUSES, "ILLEGAL_PARAM", required=False)


def select_by_status(
    state: SandboxState, params: Params, listings: list[Listing], single: bool
) -> list[Listing]:
    """Apply ``symbolStatus`` (spec §13.2): one named symbol whose status differs is
    ``-1220``; several or all are filtered (possibly to ``[]``)."""
    wanted = status_filter(params)
    if wanted is None:
        return listings
    kept = [lst for lst in listings if state.symbol_status(lst.symbol) == wanted]
    if single and not kept:
        raise binance_error("SYMBOL_STATUS_MISMATCH")
    return kept


# -- general --------------------------------------------------------------------------------
def ping(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/ping``."""
    return Reply(body={})


def server_time(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/time``."""
    return Reply(body={"serverTime": req.now_ms})


#: Permissions a symbol's ``permissionSets`` may name (exchangeInfo ``permissions`` filter).
PERMISSIONS = ("SPOT", "MARGIN", "LEVERAGED", "TRD_GRP_004", "TRD_GRP_005")


def _permissions(raw: str) -> set[str]:
    """``permissions`` as a single value (``SPOT``) or a JSON array (``["MARGIN","SPOT"]``)."""
    if raw.startswith("["):
        try:
            values = json.loads(raw)
        except ValueError:
            values = None
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise binance_error("ILLEGAL_PARAM")
    else:
        values = [raw]
    if any(v not in PERMISSIONS for v in values):
        raise binance_error("ILLEGAL_PARAM")
    return set(values)


def _permission_names(info: dict[str, object]) -> set[str]:
    sets = info["permissionSets"]
    assert isinstance(sets, list)
    return {p for group in sets for p in group}


def exchange_info(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/exchangeInfo`` (``symbol`` / ``symbols`` / ``permissions`` /
    ``showPermissionSets`` / ``symbolStatus``; the last two groups exclude the first)."""
    listings, _ = select_many(state, params)
    named = params.has("symbol") or params.has("symbols")
    status = status_filter(params)
    raw_permissions = params.get("permissions")
    if named and (status is not None or raw_permissions is not None):
        raise binance_error("ILLEGAL_PARAM")
    show_sets = params.boolean("showPermissionSets", default=True)
    infos = [symbol_info(spec_of(state, lst), state.symbol_status(lst.symbol)) for lst in listings]
    if status is not None:
        infos = [i for i in infos if i["status"] == status]
    if raw_permissions is not None:
        wanted = _permissions(raw_permissions)
        infos = [i for i in infos if wanted & _permission_names(i)]
    if not show_sets:
        for info in infos:
            info["permissionSets"] = []
    return Reply(
        body={
            "timezone": "UTC",
            "serverTime": req.now_ms,
            "rateLimits": rate_limits(state.binance_limiter.limit),
            "exchangeFilters": [],
            "symbols": infos,
        }
    )


# -- market data ----------------------------------------------------------------------------
def depth(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/depth`` (limit 1..5000, default 100; larger values truncated;
    ``symbolStatus`` mismatch → -1220)."""
    lst = listing_of(state, params.symbol())
    select_by_status(state, params, [lst], True)
    limit = params.limit(100, 5000)
    bids, asks = state.market.depth(lst, limit)
    return Reply(
        body={
            "lastUpdateId": state.market.update_id(lst),
            "bids": [[fmt8(p), fmt8(q)] for p, q in bids],
            "asks": [[fmt8(p), fmt8(q)] for p, q in asks],
        }
    )


def _trade_rows(lst: Listing, trades: TradeBatch) -> list[dict[str, object]]:
    out = []
    for i in range(len(trades)):
        price = lst.grid.to_decimal(float(trades.p[i]))
        qty = q8(D(repr(float(trades.q[i]))))
        out.append(
            {
                "id": int(trades.id[i]),
                "price": fmt8(price),
                "qty": fmt8(qty),
                "quoteQty": fmt8(q8(price * qty)),
                "time": int(trades.t[i]),
                "isBuyerMaker": bool(trades.buyer_maker[i]),
                "isBestMatch": True,
            }
        )
    return out


def recent_trades(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/trades`` (newest ``limit`` trades, oldest first)."""
    lst = listing_of(state, params.symbol())
    limit = params.limit(500, 1000)
    trades = state.market.trades_back(lst, req.now_ms, limit)
    return Reply(body=_trade_rows(lst, trades))


def historical_trades(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/historicalTrades`` (``fromId`` walks forward)."""
    lst = listing_of(state, params.symbol())
    limit = params.limit(500, 1000)
    from_id = params.long("fromId")
    if from_id is None:
        trades = state.market.trades_back(lst, req.now_ms, limit)
    else:
        trades = state.market.trades_forward(lst, req.now_ms, limit, from_id=from_id)
    return Reply(body=_trade_rows(lst, trades))


def agg_trades(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/aggTrades`` (each synthetic trade is its own aggregate)."""
    lst = listing_of(state, params.symbol())
    limit = params.limit(500, 1000)
    from_id = params.long("fromId")
    start, end = params.time_ms("startTime"), params.time_ms("endTime", end=True)
    if start is not None and end is not None and end - start > HOUR:
        raise binance_error("MORE_THAN_XX_HOURS", hours=1)
    if from_id is None and start is None and end is None:
        trades = state.market.trades_back(lst, req.now_ms, limit)
    elif from_id is None and start is None:
        trades = state.market.trades_back(lst, req.now_ms, limit, before_t=(end or 0) + 1)
    else:
        trades = state.market.trades_forward(
            lst, req.now_ms, limit, from_id=from_id, start_t=start, end_t=end
        )
    rows = [
        {
            "a": int(trades.id[i]),
            "p": fmt_price(lst, float(trades.p[i])),
            "q": fmt_num(float(trades.q[i])),
            "f": int(trades.id[i]),
            "l": int(trades.id[i]),
            "T": int(trades.t[i]),
            "m": bool(trades.buyer_maker[i]),
            "M": True,
        }
        for i in range(len(trades))
    ]
    return Reply(body=rows)


def parse_time_zone(raw: str | None) -> int:
    """Offset in ms for Binance's ``timeZone`` (``8``, ``-5``, ``05:45``, ``+14:00``)."""
    if raw is None:
        return 0
    text = raw.strip()
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    try:
        if ":" in body:
            hours_s, minutes_s = body.split(":", 1)
            hours, minutes = int(hours_s), int(minutes_s)
        else:
            hours, minutes = int(body), 0
    except ValueError:
        raise binance_error("ILLEGAL_PARAM") from None
    offset = sign * (hours * HOUR + minutes * MINUTE)
    if not -12 * HOUR <= offset <= 14 * HOUR or not 0 <= minutes < 60:
        raise binance_error("ILLEGAL_PARAM")
    return offset


def _select(table: Candles, start: int | None, end: int | None, limit: int) -> Candles:
    if start is None and end is None:
        return table.take(slice(max(0, len(table) - limit), len(table)))
    if start is None:
        sel = table.between(None, end)
        return sel.take(slice(max(0, len(sel) - limit), len(sel)))
    sel = table.between(start, end)
    return sel.take(slice(0, limit))


def kline_table(
    state: SandboxState,
    lst: Listing,
    interval: Interval,
    offset: int,
    start: int | None,
    end: int | None,
    limit: int,
    now: int,
) -> Candles:
    """The klines Binance would return (dense: quiet periods are flat, zero volume).

    Only the window the answer can reach is built: ``limit`` buckets from ``startTime``, or
    back from ``endTime`` (else now). Before the listing there is nothing; a window that
    starts earlier begins at the listing's first candle, as on the venue.
    """
    if interval.name == "1s":
        span = (limit - 1) * SECOND
        now_s = now - now % SECOND
        if start is None and end is None:
            t1, t0 = now, now_s - span
        elif start is None:
            t1 = min(int(end or now), now)
            t0 = t1 - t1 % SECOND - span
        else:
            t0 = max(start, state.market.listed_ms(lst))
            t1 = min(t0 + span, now, end if end is not None else now)
        table = state.market.seconds(lst, t0, t1, now, dense=True)
        return _select(table, start, end, limit)
    reach = interval.ms * (limit + 1)
    if start is not None:
        lo = max(start, state.market.listed_ms(lst))
        hi = min(end if end is not None else now, lo + reach, now)
    else:
        hi = min(end if end is not None else now, now)
        lo = hi - reach
    table = state.market.candles(lst, interval, now, lo, hi, offset_ms=offset)
    return _select(table, start, end, limit)


def klines(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/klines`` / ``uiKlines`` (oldest first; the last row may be forming)."""
    lst = listing_of(state, params.symbol())
    interval = BINANCE_INTERVALS.get(params.require("interval"))
    if interval is None:
        raise binance_error("BAD_INTERVAL")
    limit = params.limit(500, 1000)
    start, end = params.time_ms("startTime"), params.time_ms("endTime", end=True)
    if start is not None and end is not None and start > end:
        raise BinanceError(-1023, "Start time is greater than end time.")
    offset = parse_time_zone(params.get("timeZone"))
    table = kline_table(state, lst, interval, offset, start, end, limit, req.now_ms)
    rows = []
    for i in range(len(table)):
        t = int(table.t[i])
        close_t = (
            next_bucket(t, interval, offset) if interval.kind in ("month", "year") else t + interval.ms
        ) - 1
        v, qv = float(table.v[i]), float(table.qv[i])
        tbv = float(table.tbv[i])
        rows.append(
            [
                t,
                fmt_price(lst, float(table.o[i])),
                fmt_price(lst, float(table.h[i])),
                fmt_price(lst, float(table.l[i])),
                fmt_price(lst, float(table.c[i])),
                fmt_num(v),
                close_t,
                fmt_num(qv),
                int(table.n[i]),
                fmt_num(tbv),
                fmt_num(qv * tbv / v if v else 0.0),
                "0",
            ]
        )
    return Reply(body=rows)


@dataclass(frozen=True, slots=True)
class WindowStats:
    """Rolling statistics of a listing's trades (minute resolution)."""

    open: float
    high: float
    low: float
    last: float
    last_qty: float
    prev_close: float
    volume: float
    quote_volume: float
    first_id: int
    last_id: int

    @property
    def count(self) -> int:
        """Trades in the window."""
        return self.last_id - self.first_id + 1 if self.first_id >= 0 else 0


def window_stats(state: SandboxState, lst: Listing, now: int, since: int) -> WindowStats:
    """Statistics of the trades in ``[since, now]``."""
    start = since - since % MINUTE
    table = state.market.minutes(lst, now, start - MINUTE)
    prev = table.between(None, start - 1)
    win = table.between(start, None)
    traded = win.v > 0
    last = state.market.last_trade(lst, now)
    if not traded.any() or not len(last):
        close = float(prev.c[-1]) if len(prev) else float(state.market.mid(lst))
        return WindowStats(close, close, close, close, 0.0, close, 0.0, 0.0, -1, -1)
    idx = np.flatnonzero(traded)
    return WindowStats(
        open=float(win.o[idx[0]]),
        high=float(win.h[idx].max()),
        low=float(win.l[idx].min()),
        last=float(last.p[-1]),
        last_qty=float(last.q[-1]),
        prev_close=float(prev.c[-1]) if len(prev) else float(win.o[idx[0]]),
        volume=float(win.v.sum()),
        quote_volume=float(win.qv.sum()),
        first_id=int(win.first_id[idx[0]]),
        last_id=int(last.id[-1]),
    )


def _ticker_24h(state: SandboxState, lst: Listing, now: int, full: bool) -> dict[str, object]:
    s = window_stats(state, lst, now, now - DAY)
    open_p, last_p = lst.grid.to_decimal(s.open), lst.grid.to_decimal(s.last)
    row: dict[str, object] = {"symbol": lst.symbol}
    if full:
        change = last_p - open_p
        pct = (change / open_p * 100).quantize(D("0.001")) if open_p else D(0)
        bids, asks = state.market.depth(lst, 1)
        row.update(
            {
                "priceChange": fmt8(change),
                "priceChangePercent": format(pct, "f"),
                "weightedAvgPrice": fmt_num(s.quote_volume / s.volume if s.volume else 0.0),
                "prevClosePrice": fmt_price(lst, s.prev_close),
                "lastPrice": fmt8(last_p),
                "lastQty": fmt_num(s.last_qty),
                "bidPrice": fmt8(bids[0][0] if bids else D(0)),
                "bidQty": fmt8(bids[0][1] if bids else D(0)),
                "askPrice": fmt8(asks[0][0] if asks else D(0)),
                "askQty": fmt8(asks[0][1] if asks else D(0)),
            }
        )
    row.update(
        {
            "openPrice": fmt8(open_p),
            "highPrice": fmt_price(lst, s.high),
            "lowPrice": fmt_price(lst, s.low),
        }
    )
    if not full:
        row["lastPrice"] = fmt8(last_p)
    row.update(
        {
            "volume": fmt_num(s.volume),
            "quoteVolume": fmt_num(s.quote_volume),
            "openTime": now - DAY + 1,
            "closeTime": now,
            "firstId": s.first_id,
            "lastId": s.last_id,
            "count": s.count,
        }
    )
    return row


def ticker_24hr(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/ticker/24hr`` (one symbol → object; ``symbols``/none → array)."""
    kind = params.enum("type", ("FULL", "MINI"), "ILLEGAL_PARAM", required=False, default="FULL")
    listings, single = select_many(state, params)
    listings = select_by_status(state, params, listings, single)
    rows = [_ticker_24h(state, lst, req.now_ms, kind == "FULL") for lst in listings]
    return Reply(body=rows[0] if single else rows)


def _last_price(state: SandboxState, lst: Listing, now: int) -> str:
    last = state.market.last_trade(lst, now)
    if len(last):
        return fmt_price(lst, float(last.p[-1]))
    return fmt8(state.market.mid(lst))


def ticker_price(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/ticker/price``."""
    listings, single = select_many(state, params)
    listings = select_by_status(state, params, listings, single)
    rows = [{"symbol": lst.symbol, "price": _last_price(state, lst, req.now_ms)} for lst in listings]
    return Reply(body=rows[0] if single else rows)


def book_ticker(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/ticker/bookTicker``."""
    listings, single = select_many(state, params)
    listings = select_by_status(state, params, listings, single)
    rows = []
    for lst in listings:
        bids, asks = state.market.depth(lst, 1)
        rows.append(
            {
                "symbol": lst.symbol,
                "bidPrice": fmt8(bids[0][0] if bids else D(0)),
                "bidQty": fmt8(bids[0][1] if bids else D(0)),
                "askPrice": fmt8(asks[0][0] if asks else D(0)),
                "askQty": fmt8(asks[0][1] if asks else D(0)),
            }
        )
    return Reply(body=rows[0] if single else rows)


def avg_price_of(state: SandboxState, lst: Listing, now: int) -> tuple[Decimal, int]:
    """The ``avgPriceMins``-minute VWAP (last price if nothing traded) and its close time."""
    table = state.market.minutes(lst, now, now - now % MINUTE - AVG_PRICE_MINS * MINUTE)
    table = table.take(slice(max(0, len(table) - AVG_PRICE_MINS), len(table)))
    v = float(table.v.sum())
    last = state.market.last_trade(lst, now)
    close_time = int(last.t[-1]) if len(last) else now
    if v > 0:
        return q8(D(repr(float(table.qv.sum()) / v))), close_time
    if len(last):
        return lst.grid.to_decimal(float(last.p[-1])), close_time
    return state.market.mid(lst), close_time


def avg_price(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/avgPrice``."""
    lst = listing_of(state, params.symbol())
    price, close_time = avg_price_of(state, lst, req.now_ms)
    return Reply(body={"mins": AVG_PRICE_MINS, "price": fmt8(price), "closeTime": close_time})
