"""Binance market streams: ``/ws/<stream>``, ``/ws`` and ``/stream?streams=a/b``.

Streams: ``<symbol>@trade``, ``<symbol>@bookTicker``, ``<symbol>@depth`` (diff depth, also
``@100ms`` / ``@1000ms``) and ``<symbol>@depth5|10|20`` (partial book). Live ``SUBSCRIBE`` /
``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` / ``SET_PROPERTY`` / ``GET_PROPERTY`` messages,
the combined-stream ``{"stream", "data"}`` wrapper, server pings, the 5-messages-per-second
limit and a ``serverShutdown`` event before the sandbox stops.

Events come from the simulated market, so they agree with REST at every state: bookTicker
``u`` and diff-depth ``u`` are the book's update id, which ``GET /api/v3/depth`` reports as
``lastUpdateId``; a diff event covers every change since the previous one (``U`` = previous
``u`` + 1), coalescing ticks that happened between two hub wake-ups. Partial-book streams are
pushed on change rather than on a 100/1000 ms timer.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from aiohttp import web

from xtoolkit.sandbox.binance_market import fmt_price
from xtoolkit.sandbox.grids import fmt8
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.matching import q8
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.wire import dumps
from xtoolkit.sandbox.ws_peer import Frame, Peer, StreamSettings

__all__ = ["VENUE", "BinanceStreams", "StreamName", "parse_stream"]

VENUE = "binance"
#: Streams one connection may hold.
MAX_STREAMS = 1024
_STREAM_RE = re.compile(r"^([a-z0-9]+)@(trade|bookTicker|depth(5|10|20)?(@100ms|@1000ms)?)$")
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
#: Close code for a client that broke the message-rate limit (policy violation).
POLICY_CLOSE = 1008

D = Decimal
Book = dict[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class StreamName:
    """A parsed stream name: native ``symbol`` (upper case), ``kind`` (``trade``,
    ``bookTicker``, ``depth`` or ``partial``) and ``levels`` (partial book only)."""

    name: str
    symbol: str
    kind: str
    levels: int = 0

    @property
    def key(self) -> tuple[str, str, int]:
        """What the events of this stream are keyed by (speeds share one key)."""
        return (self.symbol, self.kind, self.levels)


def parse_stream(name: str) -> StreamName | None:
    """The :class:`StreamName` of ``name`` (``None`` if it is not a supported stream)."""
    m = _STREAM_RE.match(name)
    if m is None:
        return None
    symbol, body, levels = m.group(1).upper(), m.group(2), m.group(3)
    if body.startswith("depth"):
        return (
            StreamName(name, symbol, "partial", int(levels)) if levels else StreamName(name, symbol, "depth")
        )
    return StreamName(name, symbol, body)


@dataclass(slots=True)
class BinanceSubs:
    """One connection's streams (in subscription order) and its combined flag."""

    combined: bool
    streams: dict[str, StreamName] = field(default_factory=dict)
    recent: deque[float] = field(default_factory=deque)


@dataclass(slots=True)
class _Listing:
    """What was last published for one symbol (baselines for change detection)."""

    top_uid: int | None = None
    top: tuple[str, str, str, str] | None = None
    book_uid: int | None = None
    book: tuple[Book, Book] | None = None
    partial_uid: int | None = None
    trade_cursor: int | None = None


def _error(code: int, msg: str, req_id: object = None) -> str:
    # Unconfirmed wire shape: live servers answer {"error": {...}, "id": ...}; the docs' table
    # lists the bare {"code", "msg"}. Clients should accept both (ours does).
    return dumps({"error": {"code": code, "msg": msg}, "id": req_id})


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

    # -- handshake ---------------------------------------------------------------------------
    def check(self, request: web.Request) -> tuple[list[StreamName], bool] | web.Response:
        """The streams named by the URL and whether the connection is combined, or an error."""
        path = request.path
        if path == "/stream":
            combined = True
            raw = request.query.get("streams", "")
            names = [n for n in raw.split("/") if n]
        else:
            combined = False
            names = [n for n in path[len("/ws") :].split("/") if n]
        parsed = [parse_stream(n) for n in names]
        bad = [n for n, p in zip(names, parsed, strict=True) if p is None]
        if bad or len(names) > MAX_STREAMS:
            why = f"invalid stream name {bad[0]}" if bad else "too many streams"
            return web.Response(status=400, text=dumps({"code": 2, "msg": f"Invalid request: {why}"}))
        return [p for p in parsed if p is not None], combined

    def opened(self, peer: Peer, streams: list[StreamName], combined: bool) -> None:
        """Register a new connection with its URL streams (state lock held)."""
        peer.subs = BinanceSubs(combined)
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
        if not (
            (isinstance(req_id, int) and not isinstance(req_id, bool) and req_id >= 0)
            or (isinstance(req_id, str) and 0 < len(req_id) <= 36)
        ):
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
            bad = [p for p, q in zip(params, parsed, strict=True) if q is None]
            if bad:
                return _error(2, f"Invalid request: invalid stream name {bad[0]}", req_id)
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
            return dumps({"result": list(subs.streams), "id": req_id})
        if not params or not isinstance(params[0], str):
            return _error(2, "Invalid request: property name must be a string", req_id)
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
            peer.subs.streams[n.name] = n
            lst = market.listing(VENUE, n.symbol)
            if lst is None or not lst.trading:
                continue  # like the real venue: accepted, and silent
            st = self._listings.setdefault(n.symbol, _Listing())
            uid = market.update_id(lst)
            if n.kind == "bookTicker" and st.top is None:
                st.top, st.top_uid = self._top(lst), uid
            elif n.kind == "depth" and st.book is None:
                st.book, st.book_uid = self._book(lst), uid
            elif n.kind == "partial" and st.partial_uid is None:
                st.partial_uid = uid
            elif n.kind == "trade" and st.trade_cursor is None:
                st.trade_cursor = market.next_trade_id(lst)

    # -- events ----------------------------------------------------------------------------
    def _top(self, lst: Listing) -> tuple[str, str, str, str]:
        bids, asks = self.state.market.depth(lst, 1)
        bid = bids[0] if bids else (D(0), D(0))
        ask = asks[0] if asks else (D(0), D(0))
        return fmt8(bid[0]), fmt8(bid[1]), fmt8(ask[0]), fmt8(ask[1])

    def _book(self, lst: Listing) -> tuple[Book, Book]:
        bids, asks = self.state.market.depth(lst, self.settings.diff_levels)
        return dict(bids), dict(asks)

    def collect(self, now_ms: int) -> None:
        """Publish what changed since the last call to every subscriber (state lock held)."""
        wanted: dict[str, set[tuple[str, int]]] = {}
        for peer in self.peers:
            for n in peer.subs.streams.values():
                wanted.setdefault(n.symbol, set()).add((n.kind, n.levels))
        for symbol in [s for s in self._listings if s not in wanted]:
            del self._listings[symbol]
        events: dict[tuple[str, str, int], list[str]] = {}
        for symbol, kinds in wanted.items():
            lst = self.state.market.listing(VENUE, symbol)
            st = self._listings.get(symbol)
            if lst is None or st is None or not lst.trading:
                continue
            self._collect_one(lst, st, kinds, now_ms, events)
        if not events:
            return
        for peer in list(self.peers):
            subs: BinanceSubs = peer.subs
            for n in subs.streams.values():
                for payload in events.get(n.key, ()):
                    data = f'{{"stream":{json.dumps(n.name)},"data":{payload}}}' if subs.combined else payload
                    peer.send(Frame(data))

    def _collect_one(
        self,
        lst: Listing,
        st: _Listing,
        kinds: set[tuple[str, int]],
        now_ms: int,
        events: dict[tuple[str, str, int], list[str]],
    ) -> None:
        market = self.state.market
        symbol = lst.symbol
        uid = market.update_id(lst)
        names = {k for k, _ in kinds}
        if "bookTicker" not in names:
            st.top = st.top_uid = None
        elif uid != st.top_uid:
            top = self._top(lst)
            if top != st.top:
                b, bq, a, aq = top
                events[(symbol, "bookTicker", 0)] = [
                    dumps({"u": uid, "s": symbol, "b": b, "B": bq, "a": a, "A": aq})
                ]
            st.top, st.top_uid = top, uid
        if "depth" not in names:
            st.book = st.book_uid = None
        elif st.book is not None and st.book_uid is not None and uid != st.book_uid:
            bids, asks = self._book(lst)
            event = {
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
                events[(symbol, "depth", 0)] = [dumps(event)]
        partial = sorted({lv for k, lv in kinds if k == "partial"})
        if not partial:
            st.partial_uid = None
        elif uid != st.partial_uid:
            top_bids, top_asks = market.depth(lst, max(partial))
            for lv in partial:
                body = {"lastUpdateId": uid, "bids": _levels(top_bids[:lv]), "asks": _levels(top_asks[:lv])}
                events[(symbol, "partial", lv)] = [dumps(body)]
            st.partial_uid = uid
        if "trade" not in names:
            st.trade_cursor = None
        elif st.trade_cursor is not None:
            trades = market.live_trades(lst, st.trade_cursor)
            st.trade_cursor = market.next_trade_id(lst)
            if len(trades):
                rows = []
                for i in range(len(trades)):
                    price = lst.grid.to_decimal(float(trades.p[i]))
                    rows.append(
                        dumps(
                            {
                                "e": "trade",
                                "E": now_ms,
                                "s": symbol,
                                "t": int(trades.id[i]),
                                "p": fmt_price(lst, price),
                                "q": fmt8(q8(D(repr(float(trades.q[i]))))),
                                "T": int(trades.t[i]),
                                "m": bool(trades.buyer_maker[i]),
                                "M": True,
                            }
                        )
                    )
                events[(symbol, "trade", 0)] = rows

    def shutdown_frame(self, now_ms: int) -> Frame:
        """The ``serverShutdown`` event sent before a planned disconnect."""
        return Frame(dumps({"e": "serverShutdown", "E": now_ms}))
