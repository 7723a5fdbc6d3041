"""Upbit public websocket: ``/websocket/v1`` on the REST port.

A client sends one JSON array ``[{"ticket": ...}, {"type": "ticker", "codes": [...]}, ...,
{"format": "DEFAULT"}]``; a new request replaces the connection's subscriptions. Types
``ticker``, ``trade``, ``orderbook`` (codes may carry ``.1|.5|.15|.30`` units; default 30,
as REST) and ``candle.1s`` / ``candle.1m`` … ``candle.240m`` (REST candle fields; pushed at
most once per ``candle_interval`` and only after a trade changed the candle), options
``is_only_snapshot`` / ``is_only_realtime``, formats ``DEFAULT``, ``SIMPLE`` (abbreviated
field names), ``JSON_LIST`` and ``SIMPLE_LIST`` (array-wrapped).
Every message is a **binary** frame of UTF-8 JSON with ``stream_type`` ``SNAPSHOT`` (sent
right after subscribing) or ``REALTIME``. Text ``PING`` is answered with
``{"status":"UP"}``, repeated every ``status_interval``; a connection silent for
``idle_timeout`` is closed. Bad requests get ``{"error": {"name", "message"}}``.

Orderbook snapshots are the same levels ``GET /v1/orderbook`` returns at that moment; tickers
reuse the REST ticker fields; trades carry the REST ``sequential_id``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xtoolkit.sandbox.candles import DAY, MINUTE, SECOND, UPBIT_MINUTE_UNITS, Interval
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.trades import TradeBatch, sequential_id
from xtoolkit.sandbox.upbit_format import VISIBLE_LEVELS, as_number, price_number, volume_number
from xtoolkit.sandbox.upbit_quotation import _candle_rows, _prev_close_before, _ticker, _traded_candles
from xtoolkit.sandbox.wire import dumps
from xtoolkit.sandbox.ws_peer import Frame, Peer, StreamSettings

__all__ = ["VENUE", "UpbitStreams", "UpbitSubs", "parse_request"]

VENUE = "upbit"
#: ``candle.*`` types and their period (spec upbit.md §8: 1 s and the REST minute units).
CANDLE_TYPES: dict[str, int] = {
    "candle.1s": SECOND,
    **{f"candle.{unit}m": unit * MINUTE for unit in sorted(UPBIT_MINUTE_UNITS)},
}
TYPES = ("ticker", "trade", "orderbook", *CANDLE_TYPES)
UNIT_COUNTS = (1, 5, 15, 30)
FORMATS = ("DEFAULT", "JSON_LIST", "SIMPLE", "SIMPLE_LIST")
STATUS_UP = dumps({"status": "UP"})
_COMMON = {"type": "ty", "code": "cd", "timestamp": "tms", "stream_type": "st"}
_QUOTE = {
    "opening_price": "op",
    "high_price": "hp",
    "low_price": "lp",
    "trade_price": "tp",
    "prev_closing_price": "pcp",
    "change": "c",
    "change_price": "cp",
    "signed_change_price": "scp",
    "change_rate": "cr",
    "signed_change_rate": "scr",
    "trade_volume": "tv",
}
#: ``SIMPLE`` field names per message type (Upbit's websocket reference, "SIMPLE" column;
#: spec upbit.md §8 quotes ``ty``, ``cd``, ``tp``, ``tv``, ``ab``, ``tms``). A field missing here
#: keeps its DEFAULT name.
SIMPLE_KEYS: dict[str, dict[str, str]] = {
    "ticker": {
        **_COMMON,
        **_QUOTE,
        "acc_trade_volume": "atv",
        "acc_trade_volume_24h": "atv24h",
        "acc_trade_price": "atp",
        "acc_trade_price_24h": "atp24h",
        "trade_date": "tdt",
        "trade_time": "ttm",
        "trade_timestamp": "ttms",
        "ask_bid": "ab",
        "acc_ask_volume": "aav",
        "acc_bid_volume": "abv",
        "highest_52_week_price": "h52wp",
        "highest_52_week_date": "h52wdt",
        "lowest_52_week_price": "l52wp",
        "lowest_52_week_date": "l52wdt",
        "market_state": "ms",
        "is_trading_suspended": "its",
        "delisting_date": "dd",
        "market_warning": "mw",
    },
    "trade": {
        **_COMMON,
        "trade_price": "tp",
        "trade_volume": "tv",
        "ask_bid": "ab",
        "prev_closing_price": "pcp",
        "change": "c",
        "change_price": "cp",
        "trade_date": "td",
        "trade_time": "ttm",
        "trade_timestamp": "ttms",
        "sequential_id": "sid",
        "best_ask_price": "bap",
        "best_ask_size": "bas",
        "best_bid_price": "bbp",
        "best_bid_size": "bbs",
    },
    "candle": {
        **_COMMON,
        "candle_date_time_utc": "cdttmu",
        "candle_date_time_kst": "cdttmk",
        "opening_price": "op",
        "high_price": "hp",
        "low_price": "lp",
        "trade_price": "tp",
        "candle_acc_trade_volume": "catv",
        "candle_acc_trade_price": "catp",
    },
    "orderbook": {
        **_COMMON,
        "total_ask_size": "tas",
        "total_bid_size": "tbs",
        "orderbook_units": "obu",
        "level": "lv",
    },
}
#: Orderbook unit fields in ``SIMPLE`` format.
SIMPLE_UNIT_KEYS = {"ask_price": "ap", "bid_price": "bp", "ask_size": "as", "bid_size": "bs"}


def simple(body: dict[str, Any]) -> dict[str, Any]:
    """A DEFAULT-format message in ``SIMPLE`` field names."""
    kind = str(body.get("type"))
    keys = SIMPLE_KEYS.get("candle" if kind.startswith("candle.") else kind, _COMMON)
    out = {keys.get(k, k): v for k, v in body.items()}
    units = out.get("obu")
    if isinstance(units, list):
        out["obu"] = [{SIMPLE_UNIT_KEYS.get(k, k): v for k, v in u.items()} for u in units]
    return out


D = Decimal


class UpbitRequestError(ValueError):
    """A subscription request the venue refuses: ``name`` is Upbit's error name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message

    def frame(self) -> Frame:
        return Frame(dumps({"error": {"name": self.name, "message": self.message}}), binary=True)


@dataclass(slots=True)
class UpbitSubs:
    """One connection's request: codes per type (orderbook: unit count per code), which
    types stream realtime, the format, and whether ``{"status":"UP"}`` repeats."""

    ticket: str | None = None
    codes: dict[str, dict[str, int]] = field(default_factory=dict)
    realtime: dict[str, bool] = field(default_factory=dict)
    snapshot: dict[str, bool] = field(default_factory=dict)
    format: str = "DEFAULT"
    status_every: bool = False


def parse_request(raw: str) -> UpbitSubs:
    """A subscription request as :class:`UpbitSubs` (raises :class:`UpbitRequestError`)."""
    try:
        body = json.loads(raw)
    except ValueError:
        raise UpbitRequestError("WRONG_FORMAT", "요청 형식이 올바르지 않습니다") from None
    if not isinstance(body, list) or not body or not all(isinstance(x, dict) for x in body):
        raise UpbitRequestError("WRONG_FORMAT", "요청 형식이 올바르지 않습니다")
    subs = UpbitSubs()
    tickets = [x["ticket"] for x in body if "ticket" in x]
    if not tickets or not isinstance(tickets[0], str) or not tickets[0]:
        raise UpbitRequestError("NO_TICKET", "ticket 필드가 없습니다")
    subs.ticket = tickets[0]
    for item in body:
        if "format" in item:
            fmt = item["format"]
            if fmt not in FORMATS:
                raise UpbitRequestError("WRONG_FORMAT", f"지원하지 않는 format: {fmt}")
            subs.format = fmt
        if "type" not in item:
            continue
        kind = item["type"]
        if kind not in TYPES:
            raise UpbitRequestError("INVALID_PARAM", f"지원하지 않는 type: {kind}")
        codes = item.get("codes")
        if not isinstance(codes, list) or not codes:
            raise UpbitRequestError("NO_CODES", "codes 필드가 없습니다")
        table = subs.codes.setdefault(kind, {})
        for code in codes:
            if not isinstance(code, str) or code != code.upper():
                raise UpbitRequestError("INVALID_PARAM", f"codes must be upper case: {code!r}")
            market, _, units = code.partition(".")
            count = VISIBLE_LEVELS
            if units:
                if kind != "orderbook" or not units.isdigit() or int(units) not in UNIT_COUNTS:
                    raise UpbitRequestError("INVALID_PARAM", f"invalid code: {code}")
                count = int(units)
            table[market] = count
        only_snapshot = bool(item.get("is_only_snapshot", False))
        only_realtime = bool(item.get("is_only_realtime", False))
        subs.realtime[kind] = not only_snapshot
        subs.snapshot[kind] = not only_realtime
    if not subs.codes:
        raise UpbitRequestError("NO_TYPE", "type 필드가 없습니다")
    return subs


@dataclass(slots=True)
class _Listing:
    book_uid: int | None = None
    trade_cursor: int | None = None
    #: Candle types with a trade not yet published, and when each may publish next.
    candle_pending: set[str] = field(default_factory=set)
    candle_due: dict[str, float] = field(default_factory=dict)


def _utc(ms: int, fmt: str) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime(fmt)


class UpbitStreams:
    """The Upbit side of the stream hub (all methods run on the server loop)."""

    venue = VENUE

    def __init__(self, state: SandboxState, settings: StreamSettings) -> None:
        self.state = state
        self.settings = settings
        self.peers: set[Peer] = set()
        self._listings: dict[str, _Listing] = {}

    def opened(self, peer: Peer) -> None:
        """Register a new connection (no subscriptions yet)."""
        peer.subs = UpbitSubs()
        self.peers.add(peer)

    def closed(self, peer: Peer) -> None:
        """Forget a connection."""
        self.peers.discard(peer)

    def active(self) -> bool:
        """Whether any connection streams realtime data."""
        return any(any(p.subs.realtime.values()) for p in self.peers)

    # -- requests ------------------------------------------------------------------------------
    def request(self, peer: Peer, raw: str, now_ms: int) -> None:
        """Handle a subscription request: replace the subscriptions, send snapshots (state
        lock held)."""
        try:
            subs = parse_request(raw)
        except UpbitRequestError as err:
            peer.send(err.frame())
            return
        subs.status_every = peer.subs.status_every
        peer.subs = subs
        market = self.state.market
        for kind, codes in subs.codes.items():
            for code, count in codes.items():
                lst = market.listing(VENUE, code)
                if lst is None or not lst.trading:
                    continue  # unknown markets are silent
                st = self._listings.setdefault(code, _Listing())
                if subs.realtime[kind]:
                    if kind == "orderbook" and st.book_uid is None:
                        st.book_uid = market.update_id(lst)
                    if (kind in ("trade", "ticker") or kind in CANDLE_TYPES) and st.trade_cursor is None:
                        st.trade_cursor = market.next_trade_id(lst)
                if subs.snapshot[kind]:
                    for body in self._snapshot(lst, kind, count, now_ms):
                        peer.send(self._frame(subs, body))

    def _snapshot(self, lst: Listing, kind: str, count: int, now_ms: int) -> list[dict[str, Any]]:
        market = self.state.market
        if kind == "orderbook":
            bids, asks = market.depth(lst, VISIBLE_LEVELS)
            return [self._orderbook(lst, bids, asks, count, now_ms, "SNAPSHOT")]
        if kind == "ticker":
            return [self._ticker(lst, now_ms, "SNAPSHOT")]
        if kind in CANDLE_TYPES:
            candle = self._candle(lst, kind, now_ms, "SNAPSHOT")
            return [candle] if candle is not None else []
        last = market.trades_back(lst, now_ms, 1)
        return self._trades(lst, last, now_ms, "SNAPSHOT")

    def _frame(self, subs: UpbitSubs, body: dict[str, Any]) -> Frame:
        """One message in the connection's format: ``SIMPLE*`` abbreviates the field names,
        ``*_LIST`` wraps the message in an array."""
        out = simple(body) if subs.format.startswith("SIMPLE") else body
        return Frame(dumps([out]) if subs.format.endswith("_LIST") else dumps(out), binary=True)

    # -- message bodies -------------------------------------------------------------------------
    def _orderbook(
        self,
        lst: Listing,
        bids: list[tuple[Decimal, Decimal]],
        asks: list[tuple[Decimal, Decimal]],
        count: int,
        now_ms: int,
        stream_type: str,
    ) -> dict[str, Any]:
        b, a = bids[:count], asks[:count]
        units = [
            {
                "ask_price": as_number(ask[0]),
                "bid_price": as_number(bid[0]),
                "ask_size": as_number(ask[1]),
                "bid_size": as_number(bid[1]),
            }
            for ask, bid in zip(a, b, strict=False)
        ]
        n = len(units)
        return {
            "type": "orderbook",
            "code": lst.symbol,
            "timestamp": now_ms,
            "total_ask_size": as_number(sum((x[1] for x in a[:n]), D(0))),
            "total_bid_size": as_number(sum((x[1] for x in b[:n]), D(0))),
            "orderbook_units": units,
            "stream_type": stream_type,
            "level": 0,
        }

    def _ticker(self, lst: Listing, now_ms: int, stream_type: str) -> dict[str, Any]:
        rest = _ticker(self.state, lst, now_ms)
        market = self.state.market
        day_start = now_ms - now_ms % DAY
        today = market.minutes(lst, now_ms, day_start - MINUTE).between(day_start, None)
        taker_buys = float(today.tbv.sum())
        last = market.trades_back(lst, now_ms, 1)
        spec = self.state.catalog.upbit.get(lst.symbol)
        body: dict[str, Any] = {"type": "ticker", "code": lst.symbol}
        for key, value in rest.items():
            if key == "market" or key.endswith("_kst"):
                continue
            body[key] = value
        body.update(
            {
                "ask_bid": ("ASK" if bool(last.buyer_maker[-1]) else "BID") if len(last) else "BID",
                "acc_ask_volume": volume_number(float(today.v.sum()) - taker_buys),
                "acc_bid_volume": volume_number(taker_buys),
                "market_state": "ACTIVE",
                "delisting_date": None,
                "market_warning": "CAUTION" if spec is not None and spec.warning else "NONE",
                "timestamp": now_ms,
                "stream_type": stream_type,
            }
        )
        return body

    def _candle(self, lst: Listing, kind: str, now_ms: int, stream_type: str) -> dict[str, Any] | None:
        """The newest candle of ``kind`` (REST candle fields, ``code`` for ``market``); Upbit
        has no candle for a period without trades."""
        period = CANDLE_TYPES[kind]
        if period == SECOND:
            table = self.state.market.seconds(lst, now_ms - MINUTE, now_ms, now_ms, dense=False)
            rest_kind, unit = "seconds", None
        else:
            unit = period // MINUTE
            interval = Interval(f"{unit}m", "fixed", period)
            table = _traded_candles(self.state, lst, interval, now_ms, now_ms + 1, 1)
            rest_kind = "minutes"
        if not len(table):
            return None
        row = _candle_rows(lst, table.take(slice(len(table) - 1, len(table))), rest_kind, unit, None)[0]
        body: dict[str, Any] = {"type": kind, "code": lst.symbol}
        body.update({k: v for k, v in row.items() if k != "market"})
        body["stream_type"] = stream_type
        return body

    def wake_in(self) -> float | None:
        """Seconds until a candle with unpublished trades may go out (``None``: none)."""
        dues = [st.candle_due.get(k, 0.0) for st in self._listings.values() for k in st.candle_pending]
        return max(0.001, min(dues) - time.monotonic()) if dues else None

    def _trades(
        self, lst: Listing, trades: TradeBatch, now_ms: int, stream_type: str
    ) -> list[dict[str, Any]]:
        if not len(trades):
            return []
        market = self.state.market
        prev_close = _prev_close_before(self.state, lst, now_ms - now_ms % DAY, now_ms)
        prev = lst.grid.to_decimal(prev_close)
        bids, asks = market.depth(lst, 1)
        best_bid = bids[0] if bids else (D(0), D(0))
        best_ask = asks[0] if asks else (D(0), D(0))
        seq = sequential_id(trades.t, trades.id)
        out = []
        for i in range(len(trades)):
            t = int(trades.t[i])
            price = lst.grid.to_decimal(float(trades.p[i]))
            change = price - prev
            out.append(
                {
                    "type": "trade",
                    "code": lst.symbol,
                    "timestamp": now_ms,
                    "trade_date": _utc(t, "%Y-%m-%d"),
                    "trade_time": _utc(t, "%H:%M:%S"),
                    "trade_timestamp": t,
                    "trade_price": as_number(price),
                    "trade_volume": volume_number(float(trades.q[i])),
                    "ask_bid": "ASK" if bool(trades.buyer_maker[i]) else "BID",
                    "prev_closing_price": price_number(lst, prev_close),
                    "change": "RISE" if change > 0 else "FALL" if change < 0 else "EVEN",
                    "change_price": as_number(abs(change)),
                    "sequential_id": int(seq[i]),
                    "best_ask_price": as_number(best_ask[0]),
                    "best_ask_size": as_number(best_ask[1]),
                    "best_bid_price": as_number(best_bid[0]),
                    "best_bid_size": as_number(best_bid[1]),
                    "stream_type": stream_type,
                }
            )
        return out

    # -- realtime ----------------------------------------------------------------------------------
    def collect(self, now_ms: int) -> None:
        """Publish what changed since the last call to every realtime subscriber (state lock
        held)."""
        wanted: dict[str, set[str]] = {}
        for peer in self.peers:
            subs: UpbitSubs = peer.subs
            for kind, codes in subs.codes.items():
                if subs.realtime.get(kind):
                    for code in codes:
                        wanted.setdefault(code, set()).add(kind)
        for code in [c for c in self._listings if c not in wanted]:
            del self._listings[code]
        books: dict[str, tuple[Listing, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]] = {}
        events: dict[tuple[str, str], list[dict[str, Any]]] = {}
        market = self.state.market
        for code, kinds in wanted.items():
            lst = market.listing(VENUE, code)
            st = self._listings.get(code)
            if lst is None or st is None or not lst.trading:
                continue
            uid = market.update_id(lst)
            if "orderbook" not in kinds:
                st.book_uid = None
            elif uid != st.book_uid:
                st.book_uid = uid
                if not self.state.faults.ws.take_skip(VENUE, code):
                    bids, asks = market.depth(lst, VISIBLE_LEVELS)
                    books[code] = (lst, bids, asks)
            candles = {k for k in kinds if k in CANDLE_TYPES}
            st.candle_pending &= candles
            if "trade" not in kinds and "ticker" not in kinds and not candles:
                st.trade_cursor = None
            elif st.trade_cursor is not None:
                trades = market.live_trades(lst, st.trade_cursor)
                st.trade_cursor = market.next_trade_id(lst)
                if len(trades):
                    if "trade" in kinds:
                        events[(code, "trade")] = self._trades(lst, trades, now_ms, "REALTIME")
                    if "ticker" in kinds:
                        events[(code, "ticker")] = [self._ticker(lst, now_ms, "REALTIME")]
                    st.candle_pending |= candles
            # Candles go out at most once per candle_interval, only after a trade changed them.
            mono = time.monotonic()
            for kind in sorted(st.candle_pending):
                if mono < st.candle_due.get(kind, 0.0):
                    continue
                st.candle_pending.discard(kind)
                st.candle_due[kind] = mono + self.settings.candle_interval
                candle = self._candle(lst, kind, now_ms, "REALTIME")
                if candle is not None:
                    events[(code, kind)] = [candle]
        if not books and not events:
            return
        # Each distinct message is encoded once, whoever receives it.
        frames: dict[tuple[str, str, int, str], list[Frame]] = {}
        for peer in list(self.peers):
            subs = peer.subs
            for kind, codes in subs.codes.items():
                if not subs.realtime.get(kind):
                    continue
                for code, count in codes.items():
                    key = (code, kind, count if kind == "orderbook" else 0, subs.format)
                    if key not in frames:
                        if kind == "orderbook":
                            bodies = []
                            if code in books:
                                lst, bids, asks = books[code]
                                bodies = [self._orderbook(lst, bids, asks, count, now_ms, "REALTIME")]
                        else:
                            bodies = events.get((code, kind), [])
                        frames[key] = [self._frame(subs, body) for body in bodies]
                    for frame in frames[key]:
                        peer.send(frame)
