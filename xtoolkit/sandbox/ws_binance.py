"""Binance market streams: ``/ws``, ``/ws/<stream>``, ``/ws/<anything>``, ``/stream?streams=a/b``.

Streams (spec §7, §11.3): ``<symbol>@trade``, ``@aggTrade``, ``@bookTicker``, ``@ticker``,
``@miniTicker``, ``!miniTicker@arr``, ``@kline_<interval>`` (optionally ``@+08:00``-style
time zone), ``@depth`` (diff depth, also ``@100ms`` / ``@1000ms``) and ``@depth5|10|20``
(partial book, also ``@100ms``). Other documented streams (``@avgPrice``,
``@referencePrice``, ``@blockTrade``, rolling-window tickers, the retired ``!ticker@arr``)
are refused as unknown.

Connections: a path segment after ``/ws/`` that is not a stream name (ccxt's connection index
``/ws/0``) opens a connection with no stream, to be filled with ``SUBSCRIBE`` — never HTTP 400
(spec §11.1). Live ``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` /
``SET_PROPERTY`` / ``GET_PROPERTY`` with the documented replies and errors (§11.2), the
combined ``{"stream", "data"}`` wrapper, ``?timeUnit=MICROSECOND`` on the URL, server pings,
the limits (5 incoming messages per second — the 6th closes with 1008 ``Too many requests`` —,
1024 streams per connection, 300 connection attempts per 5 minutes per IP) and
``serverShutdown`` (§11.4).

Events come from the simulated market, so they agree with REST at every state: bookTicker
``u`` and diff-depth ``u`` are the book's update id (``GET /api/v3/depth`` ``lastUpdateId``);
a diff event covers every change since the previous one (``U`` = previous ``u`` + 1). Diff and
partial books, trades and book tickers are pushed on change; tickers, mini tickers and klines
at their documented update speed (``StreamSettings.ticker_interval`` /
``kline_interval``), when something changed — the first one right after subscribing.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtoolkit.sandbox.binance_market import fmt_num, fmt_price, kline_table, parse_time_zone, window_stats
from xtoolkit.sandbox.candles import BINANCE_INTERVALS, DAY, next_bucket
from xtoolkit.sandbox.errors import BinanceError
from xtoolkit.sandbox.grids import fmt8
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.matching import q8
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.trades import TradeBatch
from xtoolkit.sandbox.wire import dumps
from xtoolkit.sandbox.ws_peer import Frame, Peer, StreamSettings

__all__ = ["ALL_MINI_TICKERS", "VENUE", "BinanceStreams", "StreamName", "parse_stream"]

VENUE = "binance"
#: Streams one connection may hold.
MAX_STREAMS = 1024
#: Connection attempts per IP per :data:`CONNECT_WINDOW_S` seconds (spec §11.4).
MAX_CONNECTS = 300
CONNECT_WINDOW_S = 300.0
#: The all-market mini ticker stream.
ALL_MINI_TICKERS = "!miniTicker@arr"
_INTERVALS = "|".join(re.escape(name) for name in BINANCE_INTERVALS)
# Lower-case ASCII symbols, or UTF-8 names (spec §13.4: lower-casing leaves CJK unchanged).
_STREAM_RE = re.compile(
    r"^(?P<sym>[a-z0-9\u0080-\U0010ffff]+)@(?:"
    r"(?P<simple>trade|aggTrade|bookTicker|ticker|miniTicker)"
    r"|depth(?P<levels>5|10|20)?(?:@(?:100ms|1000ms))?"
    rf"|kline_(?P<interval>{_INTERVALS})(?:@(?P<tz>[+-]\d{{1,2}}(?::\d{{2}})?))?"
    r")$"
)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9]{1,36}$")
_INT64 = 2**63
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
#: Streams published at an update speed rather than on every change.
_PACED = frozenset({"ticker", "miniTicker", "miniTickerArr", "kline"})
#: Close code for a client that broke the message-rate limit (policy violation).
POLICY_CLOSE = 1008

D = Decimal
Book = dict[Decimal, Decimal]
StreamKey = tuple[str, str, int, str, int]


@dataclass(frozen=True, slots=True)
class StreamName:
    """A parsed stream name: native ``symbol`` (upper case; ``""`` for all-market streams),
    ``kind`` (``trade``, ``aggTrade``, ``bookTicker``, ``ticker``, ``miniTicker``,
    ``miniTickerArr``, ``kline``, ``depth`` or ``partial``), ``levels`` (partial book),
    ``interval`` and ``offset_ms`` (kline time zone)."""

    name: str
    symbol: str
    kind: str
    levels: int = 0
    interval: str = ""
    offset_ms: int = 0

    @property
    def key(self) -> StreamKey:
        """What the events of this stream are keyed by (speeds share one key)."""
        return (self.symbol, self.kind, self.levels, self.interval, self.offset_ms)


def parse_stream(name: str) -> StreamName | None:
    """The :class:`StreamName` of ``name`` (``None`` if it is not a supported stream)."""
    if name == ALL_MINI_TICKERS:
        return StreamName(name, "", "miniTickerArr")
    m = _STREAM_RE.match(name)
    if m is None:
        return None
    symbol = m.group("sym").upper()
    if m.group("simple"):
        return StreamName(name, symbol, m.group("simple"))
    if m.group("interval"):
        tz = m.group("tz")
        try:
            offset = parse_time_zone(tz) if tz else 0
        except BinanceError:
            return None
        return StreamName(name, symbol, "kline", interval=m.group("interval"), offset_ms=offset)
    levels = m.group("levels")
    return StreamName(name, symbol, "partial", int(levels)) if levels else StreamName(name, symbol, "depth")


@dataclass(slots=True)
class BinanceSubs:
    """One connection's streams (in subscription order), its combined flag, its time unit
    and its recent incoming messages (rate limit)."""

    combined: bool
    micros: bool = False
    streams: dict[str, StreamName] = field(default_factory=dict)
    recent: deque[float] = field(default_factory=deque)


@dataclass(slots=True)
class _Paced:
    """A paced stream's schedule: whether something is waiting to go out, when it may."""

    pending: bool = True
    due: float = 0.0
    seen: tuple[int, int] | None = None
    open_t: int | None = None


@dataclass(slots=True)
class _Listing:
    """What was last published for one symbol (baselines for change detection)."""

    top_uid: int | None = None
    top: tuple[str, str, str, str] | None = None
    book_uid: int | None = None
    book: tuple[Book, Book] | None = None
    partial_uid: int | None = None
    trade_cursor: int | None = None
    paced: dict[tuple[str, str, int], _Paced] = field(default_factory=dict)


class _Payload:
    """One event: its body, encoded once per time unit however many peers receive it."""

    __slots__ = ("_text", "body")

    def __init__(self, body: Any) -> None:
        self.body = body
        self._text: dict[bool, str] = {}

    def text(self, micros: bool) -> str:
        out = self._text.get(micros)
        if out is None:
            out = self._text[micros] = dumps(_micros(self.body) if micros else self.body)
        return out


def _us(value: Any, *, last: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return value * 1000 + (999 if last else 0)


def _micros(body: Any) -> Any:
    """A stream payload with its times in µs (``E``, ``T``, ``O``, ``C``; kline ``t``/``T``;
    trade ids such as ``t`` of a trade stay as they are)."""
    if isinstance(body, list):
        return [_micros(b) for b in body]
    if not isinstance(body, dict):
        return body
    out = {k: (_us(v) if k in ("E", "T", "O", "C") else v) for k, v in body.items()}
    k = out.get("k")
    if isinstance(k, dict):
        out["k"] = {**k, "t": _us(k["t"]), "T": _us(k["T"], last=True)}
    return out


def _error(code: int, msg: str, req_id: object = None) -> str:
    # The wire shape seen on live servers (spec §11.2); the docs' table lists bare bodies.
    return dumps({"error": {"code": code, "msg": msg}, "id": req_id})


def _valid_id(req_id: object) -> bool:
    """A 64-bit signed integer, an alphanumeric string of at most 36 characters, or null."""
    if req_id is None:
        return True
    if isinstance(req_id, bool):
        return False
    if isinstance(req_id, int):
        return -_INT64 <= req_id < _INT64
    return isinstance(req_id, str) and bool(_REQUEST_ID_RE.match(req_id))


def _levels(levels: Iterable[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[fmt8(p), fmt8(q)] for p, q in levels]


def _changes(old: Book, new: Book) -> list[tuple[Decimal, Decimal]]:
    """Levels whose quantity changed (new or different), then removed levels with qty 0."""
    out = [(p, q) for p, q in new.items() if old.get(p) != q]
    out.extend((p, D(0)) for p in old if p not in new)
    return out


class BinanceStreams:
    """The Binance side of the stream hub (all methods run on the server loop)."""

    venue = VENUE

    def __init__(self, state: SandboxState, settings: StreamSettings) -> None:
        self.state = state
        self.settings = settings
        self.peers: set[Peer] = set()
        self._listings: dict[str, _Listing] = {}
        self._all_minis = _Paced()
        self._all_cursors: dict[str, int] = {}
        self._connects: dict[str, deque[float]] = {}

    # -- handshake ---------------------------------------------------------------------------
    def check(self, request: web.Request) -> tuple[list[StreamName], bool, bool] | web.Response:
        """The streams named by the URL, whether the connection is combined and whether it
        wants µs times — or the HTTP answer refusing the handshake."""
        if self._over_connect_limit(request.remote or "127.0.0.1"):
            return web.Response(status=429, text="429 Too Many Requests")
        path = request.path
        if path == "/stream":
            combined = True
            names = [n for n in request.query.get("streams", "").split("/") if n]
        else:
            combined = False
            names = [n for n in path[len("/ws") :].split("/") if n]
        if len(names) > MAX_STREAMS:
            return web.Response(
                status=400, text=dumps({"code": 2, "msg": "Invalid request: too many streams"})
            )
        # A segment that is no stream name (ccxt's /ws/<index>) means "no stream" (spec §11.1).
        parsed = [p for p in (parse_stream(n) for n in names) if p is not None]
        micros = request.query.get("timeUnit", "").upper() == "MICROSECOND"
        return parsed, combined, micros

    def _over_connect_limit(self, ip: str) -> bool:
        limit = self.settings.max_connects_per_5min
        if limit <= 0:
            return False
        now = time.monotonic()
        attempts = self._connects.setdefault(ip, deque())
        while attempts and attempts[0] <= now - CONNECT_WINDOW_S:
            attempts.popleft()
        attempts.append(now)
        return len(attempts) > limit

    def opened(self, peer: Peer, streams: list[StreamName], combined: bool, micros: bool = False) -> None:
        """Register a new connection with its URL streams (state lock held)."""
        peer.subs = BinanceSubs(combined, micros)
        self.peers.add(peer)
        self._subscribe(peer, streams)

    def closed(self, peer: Peer) -> None:
        """Forget a connection."""
        self.peers.discard(peer)

    def active(self) -> bool:
        """Whether any connection holds a stream."""
        return any(p.subs.streams for p in self.peers)

    # -- control messages ----------------------------------------------------------------------
    def over_rate(self, peer: Peer) -> bool:
        """Count one incoming message; True when the connection broke the per-second limit."""
        limit = self.settings.max_incoming_per_s
        if limit <= 0:
            return False
        now = time.monotonic()
        recent = peer.subs.recent
        recent.append(now)
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        return len(recent) > limit

    def control(self, peer: Peer, text: str) -> str:
        """The reply to one text message (state lock held)."""
        try:
            msg = json.loads(text)
        except ValueError as exc:
            return _error(3, f"Invalid JSON: {exc}")
        if not isinstance(msg, dict):
            return _error(2, "Invalid request: expected a JSON object")
        req_id = msg.get("id")
        if "id" not in msg or not _valid_id(req_id):
            return _error(2, "Invalid request: request ID must be an unsigned integer", None)
        method = msg.get("method")
        if method is None:
            return _error(2, "Invalid request: missing field `method`", req_id)
        if method not in _METHODS:
            return _error(
                2, f"Invalid request: unknown variant {method}, expected one of {', '.join(_METHODS)}", req_id
            )
        params = msg.get("params", [])
        if not isinstance(params, list):
            return _error(2, "Invalid request: params must be a list", req_id)
        subs: BinanceSubs = peer.subs
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            parsed = [parse_stream(p) if isinstance(p, str) else None for p in params]
            if any(p is None for p in parsed):
                return _error(2, "Invalid request: invalid stream", req_id)
            names = [p for p in parsed if p is not None]
            if method == "SUBSCRIBE":
                if len(set(subs.streams) | {n.name for n in names}) > MAX_STREAMS:
                    return _error(2, "Invalid request: too many streams", req_id)
                self._subscribe(peer, names)
            else:
                for n in names:
                    subs.streams.pop(n.name, None)
            return dumps({"result": None, "id": req_id})
        if method == "LIST_SUBSCRIPTIONS":
            if params:
                return _error(2, "Invalid request: too many parameters", req_id)
            return dumps({"result": list(subs.streams), "id": req_id})
        if not params or not isinstance(params[0], str):
            return _error(2, "Invalid request: property name must be a string", req_id)
        if len(params) > (1 if method == "GET_PROPERTY" else 2):
            return _error(2, "Invalid request: too many parameters", req_id)
        if params[0] != "combined":
            return _error(0, "Unknown property", req_id)
        if method == "GET_PROPERTY":
            return dumps({"result": subs.combined, "id": req_id})
        if len(params) != 2 or not isinstance(params[1], bool):
            return _error(1, "Invalid value type: expected Boolean", req_id)
        subs.combined = params[1]
        return dumps({"result": None, "id": req_id})

    def _subscribe(self, peer: Peer, names: list[StreamName]) -> None:
        # Baselines are taken now, under the lock, so the first event a new stream sees
        # continues exactly from the state the subscription started at.
        market = self.state.market
        for n in names:
            # A baseline is kept only while some stream already follows it: one left behind by
            # peers that unsubscribed or went away would make the next diff skip every level
            # that came and went meanwhile (a crossed book), or replay trades nobody asked for.
            fresh = not self._watched(n)
            peer.subs.streams[n.name] = n
            if n.kind == "miniTickerArr":
                self._all_minis.pending = True
                continue
            lst = market.listing(VENUE, n.symbol)
            if lst is None or not lst.trading:
                continue  # like the real venue: accepted, and silent
            st = self._listings.setdefault(n.symbol, _Listing())
            uid = market.update_id(lst)
            if n.kind == "bookTicker" and (st.top is None or fresh):
                st.top, st.top_uid = self._top(lst), uid
            elif n.kind == "depth" and (st.book is None or fresh):
                st.book, st.book_uid = self._book(lst), uid
            elif n.kind == "partial" and (st.partial_uid is None or fresh):
                st.partial_uid = uid
            elif n.kind in ("trade", "aggTrade") and (st.trade_cursor is None or fresh):
                st.trade_cursor = market.next_trade_id(lst)
            elif n.kind in _PACED:
                # A paced stream sends its current state at the next publication.
                st.paced.setdefault((n.kind, n.interval, n.offset_ms), _Paced()).pending = True

    def _watched(self, name: StreamName) -> bool:
        """Whether an open stream already follows ``name``'s symbol and kind (trade and
        aggTrade share their cursor)."""
        kinds = {"trade", "aggTrade"} if name.kind in ("trade", "aggTrade") else {name.kind}
        return any(
            other.symbol == name.symbol and other.kind in kinds
            for peer in self.peers
            for other in peer.subs.streams.values()
        )

    # -- event bodies ----------------------------------------------------------------------
    def _top(self, lst: Listing) -> tuple[str, str, str, str]:
        bids, asks = self.state.market.depth(lst, 1)
        bid = bids[0] if bids else (D(0), D(0))
        ask = asks[0] if asks else (D(0), D(0))
        return fmt8(bid[0]), fmt8(bid[1]), fmt8(ask[0]), fmt8(ask[1])

    def _book(self, lst: Listing) -> tuple[Book, Book]:
        bids, asks = self.state.market.depth(lst, self.settings.diff_levels)
        return dict(bids), dict(asks)

    def _mini(self, lst: Listing, now_ms: int) -> dict[str, Any]:
        s = window_stats(self.state, lst, now_ms, now_ms - DAY)
        return {
            "e": "24hrMiniTicker",
            "E": now_ms,
            "s": lst.symbol,
            "c": fmt_price(lst, s.last),
            "o": fmt_price(lst, s.open),
            "h": fmt_price(lst, s.high),
            "l": fmt_price(lst, s.low),
            "v": fmt_num(s.volume),
            "q": fmt_num(s.quote_volume),
        }

    def _ticker(self, lst: Listing, now_ms: int) -> dict[str, Any]:
        s = window_stats(self.state, lst, now_ms, now_ms - DAY)
        open_p, last_p = lst.grid.to_decimal(s.open), lst.grid.to_decimal(s.last)
        change = last_p - open_p
        pct = (change / open_p * 100).quantize(D("0.001")) if open_p else D(0)
        b, bq, a, aq = self._top(lst)
        return {
            "e": "24hrTicker",
            "E": now_ms,
            "s": lst.symbol,
            "p": fmt8(change),
            "P": format(pct, "f"),
            "w": fmt_num(s.quote_volume / s.volume if s.volume else 0.0),
            "x": fmt_price(lst, s.prev_close),
            "c": fmt8(last_p),
            "Q": fmt_num(s.last_qty),
            "b": b,
            "B": bq,
            "a": a,
            "A": aq,
            "o": fmt8(open_p),
            "h": fmt_price(lst, s.high),
            "l": fmt_price(lst, s.low),
            "v": fmt_num(s.volume),
            "q": fmt_num(s.quote_volume),
            "O": now_ms - DAY,
            "C": now_ms,
            "F": s.first_id,
            "L": s.last_id,
            "n": s.count,
        }

    def _klines(
        self, lst: Listing, interval: str, offset: int, now_ms: int, start: int | None = None
    ) -> list[dict[str, Any]]:
        """Kline bodies: the forming candle (last), or the one opening at ``start``."""
        iv = BINANCE_INTERVALS[interval]
        table = kline_table(self.state, lst, iv, offset, start, None, 1, now_ms)
        out = []
        for i in range(len(table)):
            t = int(table.t[i])
            close_t = (next_bucket(t, iv, offset) if iv.kind in ("month", "year") else t + iv.ms) - 1
            v, qv, tbv, n = float(table.v[i]), float(table.qv[i]), float(table.tbv[i]), int(table.n[i])
            first = int(table.first_id[i]) if n else -1
            out.append(
                {
                    "e": "kline",
                    "E": now_ms,
                    "s": lst.symbol,
                    "k": {
                        "t": t,
                        "T": close_t,
                        "s": lst.symbol,
                        "i": interval,
                        "f": first,
                        "L": first + n - 1 if n else -1,
                        "o": fmt_price(lst, float(table.o[i])),
                        "c": fmt_price(lst, float(table.c[i])),
                        "h": fmt_price(lst, float(table.h[i])),
                        "l": fmt_price(lst, float(table.l[i])),
                        "v": fmt_num(v),
                        "n": n,
                        "x": close_t < now_ms,
                        "q": fmt_num(qv),
                        "V": fmt_num(tbv),
                        "Q": fmt_num(qv * tbv / v if v else 0.0),
                        "B": "0",
                    },
                }
            )
        return out

    def _trades(self, lst: Listing, trades: TradeBatch, now_ms: int, agg: bool) -> list[dict[str, Any]]:
        rows = []
        for i in range(len(trades)):
            price = fmt_price(lst, lst.grid.to_decimal(float(trades.p[i])))
            qty = fmt8(q8(D(repr(float(trades.q[i])))))
            tid, t, maker = int(trades.id[i]), int(trades.t[i]), bool(trades.buyer_maker[i])
            if agg:
                # Every simulated trade is its own aggregate, as in REST aggTrades.
                body = {"e": "aggTrade", "E": now_ms, "s": lst.symbol, "a": tid, "p": price, "q": qty}
                body.update({"f": tid, "l": tid, "T": t, "m": maker, "M": True})
            else:
                body = {"e": "trade", "E": now_ms, "s": lst.symbol, "t": tid, "p": price, "q": qty}
                body.update({"T": t, "m": maker, "M": True})
            rows.append(body)
        return rows

    # -- publishing ------------------------------------------------------------------------------
    def _pace(self, kind: str, interval: str) -> float:
        if kind == "kline":
            return self.settings.kline_1s_interval if interval == "1s" else self.settings.kline_interval
        return self.settings.ticker_interval

    def wake_in(self) -> float | None:
        """Seconds until a paced stream with pending changes may publish (``None``: none)."""
        now = time.monotonic()
        dues = [p.due for st in self._listings.values() for p in st.paced.values() if p.pending]
        if self._all_minis.pending and any(
            n.kind == "miniTickerArr" for peer in self.peers for n in peer.subs.streams.values()
        ):
            dues.append(self._all_minis.due)
        return max(0.001, min(dues) - now) if dues else None

    def collect(self, now_ms: int) -> None:
        """Publish what changed since the last call to every subscriber (state lock held)."""
        wanted: dict[str, set[tuple[str, int, str, int]]] = {}
        all_minis = False
        for peer in self.peers:
            for n in peer.subs.streams.values():
                if n.kind == "miniTickerArr":
                    all_minis = True
                else:
                    wanted.setdefault(n.symbol, set()).add((n.kind, n.levels, n.interval, n.offset_ms))
        for symbol in [s for s in self._listings if s not in wanted]:
            del self._listings[symbol]
        events: dict[StreamKey, list[_Payload]] = {}
        mono = time.monotonic()
        for symbol, kinds in wanted.items():
            lst = self.state.market.listing(VENUE, symbol)
            st = self._listings.get(symbol)
            if lst is None or st is None or not lst.trading:
                continue
            self._collect_one(lst, st, kinds, now_ms, mono, events)
        if all_minis:
            self._collect_all_minis(now_ms, mono, events)
        else:
            self._all_cursors.clear()
        if not events:
            return
        for peer in list(self.peers):
            subs: BinanceSubs = peer.subs
            for n in subs.streams.values():
                for payload in events.get(n.key, ()):
                    data = payload.text(subs.micros)
                    if subs.combined:
                        data = f'{{"stream":{json.dumps(n.name, ensure_ascii=False)},"data":{data}}}'
                    peer.send(Frame(data))

    def _collect_one(
        self,
        lst: Listing,
        st: _Listing,
        kinds: set[tuple[str, int, str, int]],
        now_ms: int,
        mono: float,
        events: dict[StreamKey, list[_Payload]],
    ) -> None:
        market = self.state.market
        symbol = lst.symbol
        uid = market.update_id(lst)
        names = {k for k, _, _, _ in kinds}
        if "bookTicker" not in names:
            st.top = st.top_uid = None
        elif uid != st.top_uid:
            top = self._top(lst)
            if top != st.top:
                b, bq, a, aq = top
                body = {"u": uid, "s": symbol, "b": b, "B": bq, "a": a, "A": aq}
                events[(symbol, "bookTicker", 0, "", 0)] = [_Payload(body)]
            st.top, st.top_uid = top, uid
        if "depth" not in names:
            st.book = st.book_uid = None
        elif st.book is not None and st.book_uid is not None and uid != st.book_uid:
            bids, asks = self._book(lst)
            body = {
                "e": "depthUpdate",
                "E": now_ms,
                "s": symbol,
                "U": st.book_uid + 1,
                "u": uid,
                "b": _levels(_changes(st.book[0], bids)),
                "a": _levels(_changes(st.book[1], asks)),
            }
            st.book, st.book_uid = (bids, asks), uid
            if not self.state.faults.ws.take_skip(VENUE, symbol):
                events[(symbol, "depth", 0, "", 0)] = [_Payload(body)]
        partial = sorted({lv for k, lv, _, _ in kinds if k == "partial"})
        if not partial:
            st.partial_uid = None
        elif uid != st.partial_uid:
            top_bids, top_asks = market.depth(lst, max(partial))
            for lv in partial:
                body = {"lastUpdateId": uid, "bids": _levels(top_bids[:lv]), "asks": _levels(top_asks[:lv])}
                events[(symbol, "partial", lv, "", 0)] = [_Payload(body)]
            st.partial_uid = uid
        if not names & {"trade", "aggTrade"}:
            st.trade_cursor = None
        elif st.trade_cursor is not None:
            trades = market.live_trades(lst, st.trade_cursor)
            st.trade_cursor = market.next_trade_id(lst)
            if len(trades):
                for kind in names & {"trade", "aggTrade"}:
                    rows = self._trades(lst, trades, now_ms, agg=kind == "aggTrade")
                    events[(symbol, kind, 0, "", 0)] = [_Payload(r) for r in rows]
        self._collect_paced(lst, st, kinds, now_ms, mono, events)

    def _collect_paced(
        self,
        lst: Listing,
        st: _Listing,
        kinds: set[tuple[str, int, str, int]],
        now_ms: int,
        mono: float,
        events: dict[StreamKey, list[_Payload]],
    ) -> None:
        market = self.state.market
        wanted = {(k, iv, off) for k, _, iv, off in kinds if k in _PACED}
        for key in [k for k in st.paced if k not in wanted]:
            del st.paced[key]
        trade_id, uid = market.next_trade_id(lst), market.update_id(lst)
        for kind, interval, offset in wanted:
            pace = st.paced.setdefault((kind, interval, offset), _Paced())
            # Tickers change with trades and with the top of the book; the others with
            # trades — and a kline also when its period rolls over.
            seen = (trade_id, uid if kind == "ticker" else 0)
            if (pace.seen is not None and pace.seen != seen) or self._rolled(pace, interval, offset, now_ms):
                pace.pending = True
            pace.seen = seen
            if not pace.pending or mono < pace.due:
                continue
            pace.pending, pace.due = False, mono + self._pace(kind, interval)
            key = (lst.symbol, kind, 0, interval, offset)
            if kind == "ticker":
                events[key] = [_Payload(self._ticker(lst, now_ms))]
            elif kind == "miniTicker":
                events[key] = [_Payload(self._mini(lst, now_ms))]
            else:
                bodies = self._klines(lst, interval, offset, now_ms)
                current = bodies[-1] if bodies else None
                out = []
                if current is not None:
                    opened = current["k"]["t"]
                    if pace.open_t is not None and opened != pace.open_t:
                        # The final state of the candle the stream was on (x = true).
                        out.extend(
                            b
                            for b in self._klines(lst, interval, offset, now_ms, pace.open_t)
                            if b["k"]["t"] == pace.open_t
                        )
                    pace.open_t = opened
                    out.append(current)
                events[key] = [_Payload(b) for b in out]

    @staticmethod
    def _rolled(pace: _Paced, interval: str, offset: int, now_ms: int) -> bool:
        """Whether a fixed-length kline's period changed since the last event."""
        iv = BINANCE_INTERVALS.get(interval)
        if pace.open_t is None or iv is None or iv.kind != "fixed":
            return False
        local = now_ms + offset
        return local - local % iv.ms - offset != pace.open_t

    def _collect_all_minis(self, now_ms: int, mono: float, events: dict[StreamKey, list[_Payload]]) -> None:
        """``!miniTicker@arr``: one array of the symbols whose tape moved since the last one
        (every trading symbol for the first)."""
        market = self.state.market
        cursors = {lst.symbol: market.next_trade_id(lst) for lst in market.listings(VENUE) if lst.trading}
        changed = [s for s, c in cursors.items() if self._all_cursors.get(s) != c]
        pace = self._all_minis
        if changed:
            pace.pending = True
        if not pace.pending or mono < pace.due:
            return
        pace.pending = False
        if not changed:
            return
        pace.due = mono + self.settings.ticker_interval
        self._all_cursors.update({s: cursors[s] for s in changed})
        listings = [market.listing(VENUE, s) for s in changed]
        bodies = [self._mini(lst, now_ms) for lst in listings if lst is not None]
        events[("", "miniTickerArr", 0, "", 0)] = [_Payload(bodies)]

    # -- server events -------------------------------------------------------------------------
    def announce_shutdown(self, now_ms: int) -> None:
        """Send ``serverShutdown`` to every connection (combined ones get the
        ``!serverShutdown`` wrapper), without closing them (spec §11.4)."""
        payload = _Payload({"e": "serverShutdown", "E": now_ms})
        for peer in list(self.peers):
            subs: BinanceSubs = peer.subs
            data = payload.text(subs.micros)
            if subs.combined:
                data = f'{{"stream":"!serverShutdown","data":{data}}}'
            peer.send(Frame(data))
