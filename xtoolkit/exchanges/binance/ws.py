"""Binance market streams, pure translation: stream names, control messages, frame parsing,
URL rules and the REST depth snapshot that synchronises a diff-depth book.

No I/O here: the connection (:mod:`xtoolkit.stream.connection`) feeds frames to :func:`parse`
and sends what :func:`subscribe_message` builds. Stream names use lower-case symbols; a
combined connection (``/stream``) wraps every payload as ``{"stream", "data"}``. Diff-depth
books follow the venue's documented procedure: subscribe, then load ``GET /api/v3/depth``
(:func:`snapshot_call`, :func:`parse_snapshot`) and apply the buffered diffs after it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges._spec import Call
from xtoolkit.exchanges._stream import Control, DepthDiff, Event, Level, StreamMessageError, Ticker, Top, Trade
from xtoolkit.exchanges._venue import BookState, StreamFacts

__all__ = [
    "CHANNEL_STREAMS",
    "DEFAULT_URL",
    "EXCHANGE",
    "STREAM",
    "TESTNET_URL",
    "BinanceProtocol",
    "combined_path",
    "list_message",
    "parse",
    "parse_snapshot",
    "snapshot_call",
    "stream_name",
    "subscribe_message",
    "unsubscribe_message",
]

EXCHANGE = "binance"
#: Real stream hosts (market data).
DEFAULT_URL = "wss://stream.binance.com:9443"
TESTNET_URL = "wss://stream.testnet.binance.vision"
#: Normalized channel -> stream suffix (diff depth at the fastest documented speed).
CHANNEL_STREAMS: dict[str, str] = {
    "book_ticker": "bookTicker",
    "trades": "trade",
    "depth": "depth@100ms",
    "ticker": "ticker",
}
#: Streams per SUBSCRIBE message (the venue caps a connection at 1024 streams).
MAX_PARAMS = 200
_SNIPPET = 200


def stream_name(native: str, channel: str) -> str:
    """``stream_name("BTCUSDT", "book_ticker")`` -> ``"btcusdt@bookTicker"``."""
    try:
        return f"{native.lower()}@{CHANNEL_STREAMS[channel]}"
    except KeyError:
        raise InvalidArgument(f"unknown channel {channel!r}; known: {', '.join(CHANNEL_STREAMS)}") from None


def combined_path(names: Sequence[str] = ()) -> str:
    """Path of a combined connection: ``/stream`` (subscribe later) or ``/stream?streams=a/b``."""
    return "/stream?streams=" + "/".join(names) if names else "/stream"


def _control(method: str, params: Sequence[str] | None, req_id: int) -> str:
    body: dict[str, Any] = {"method": method}
    if params is not None:
        body["params"] = list(params)
    body["id"] = req_id
    return json.dumps(body, separators=(",", ":"))


def subscribe_message(names: Sequence[str], req_id: int) -> str:
    """``{"method":"SUBSCRIBE","params":[...],"id":N}`` (answered ``{"result":null,"id":N}``)."""
    if not names or len(names) > MAX_PARAMS:
        raise InvalidArgument(f"subscribe 1..{MAX_PARAMS} streams per message, not {len(names)}")
    return _control("SUBSCRIBE", names, req_id)


def unsubscribe_message(names: Sequence[str], req_id: int) -> str:
    """``{"method":"UNSUBSCRIBE","params":[...],"id":N}``."""
    if not names:
        raise InvalidArgument("unsubscribe at least one stream")
    return _control("UNSUBSCRIBE", names, req_id)


def list_message(req_id: int) -> str:
    """``{"method":"LIST_SUBSCRIPTIONS","id":N}`` (answered with the stream names)."""
    return _control("LIST_SUBSCRIPTIONS", None, req_id)


def _bad(why: str, data: str | bytes) -> StreamMessageError:
    text = data if isinstance(data, str) else data[:_SNIPPET].decode("utf-8", errors="replace")
    return StreamMessageError(why, exchange=EXCHANGE, payload=text[:_SNIPPET])


def _levels(rows: Any) -> tuple[Level, ...]:
    return tuple((Decimal(p), Decimal(q)) for p, q in rows)


def _event(msg: dict[str, Any], received: float) -> Event:
    kind = msg.get("e")
    if kind == "trade":
        return Trade(
            native=msg["s"],
            price=float(msg["p"]),
            qty=float(msg["q"]),
            # m: the buyer was the maker, so the taker sold.
            side="sell" if msg["m"] else "buy",
            seq=int(msg["t"]),
            event_ts=msg["E"] / 1000,
            received=received,
        )
    if kind == "depthUpdate":
        return DepthDiff(
            native=msg["s"],
            first_id=int(msg["U"]),
            final_id=int(msg["u"]),
            bids=_levels(msg["b"]),
            asks=_levels(msg["a"]),
            event_ts=msg["E"] / 1000,
            received=received,
        )
    if kind == "24hrTicker":
        return Ticker(
            native=msg["s"],
            last=float(msg["c"]),
            last_qty=float(msg.get("Q", "nan")),
            open=float(msg.get("o", "nan")),
            high=float(msg.get("h", "nan")),
            low=float(msg.get("l", "nan")),
            prev_close=float(msg.get("x", "nan")),
            change_pct=float(msg.get("P", "nan")),
            volume_24h=float(msg.get("v", "nan")),
            quote_volume_24h=float(msg.get("q", "nan")),
            bid=float(msg.get("b", "nan")),
            bid_qty=float(msg.get("B", "nan")),
            ask=float(msg.get("a", "nan")),
            ask_qty=float(msg.get("A", "nan")),
            side=None,  # the 24 h ticker does not say who took the last trade
            trade_ts=None,
            market_state=None,
            event_ts=msg["E"] / 1000,
            received=received,
        )
    if kind == "serverShutdown":
        return Control("shutdown")
    if kind is None and "u" in msg and "B" in msg and "A" in msg:
        # bookTicker: no event type and no event time.
        return Top(
            native=msg["s"],
            bid=float(msg["b"]),
            bid_qty=float(msg["B"]),
            ask=float(msg["a"]),
            ask_qty=float(msg["A"]),
            seq=int(msg["u"]),
            event_ts=None,
            received=received,
        )
    if "result" in msg and "id" in msg:
        return Control("ack", id=msg["id"], result=msg["result"])
    err = msg.get("error")
    if isinstance(err, dict):
        return Control("error", id=msg.get("id"), code=err.get("code"), message=str(err.get("msg", "")))
    if "code" in msg and "msg" in msg:  # the documented bare error shape
        return Control("error", id=msg.get("id"), code=msg["code"], message=str(msg["msg"]))
    raise KeyError("unrecognised message")


def parse(data: str | bytes, received: float) -> list[Event]:
    """The events in one frame (a raw or combined-stream payload, or a control reply).

    Raises :class:`~xtoolkit.stream.errors.StreamMessageError` for anything that is not a
    documented message (invalid JSON, missing fields, unknown shape).
    """
    try:
        msg = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(f"binance sent a frame that is not JSON ({exc})", data) from None
    if isinstance(msg, dict) and "stream" in msg and isinstance(msg.get("data"), dict):
        msg = msg["data"]
    if not isinstance(msg, dict):
        raise _bad("binance sent a frame that is not a JSON object", data)
    try:
        return [_event(msg, received)]
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise _bad(f"binance sent an unexpected message ({type(exc).__name__}: {exc})", data) from None


class BinanceProtocol:
    """A combined Binance connection for some markets and channels (pure; see
    :class:`~xtoolkit.exchanges._stream.StreamProtocol`).

    Connects to ``/stream`` and subscribes with live ``SUBSCRIBE`` messages, so a reconnect
    re-subscribes the same way; :meth:`is_subscribed` tells when the venue confirmed them all.
    """

    exchange = EXCHANGE

    def __init__(self, root: str, natives: Sequence[str], channels: Sequence[str]) -> None:
        self.root = root.rstrip("/")
        self.names = [stream_name(n, ch) for n in natives for ch in channels]
        self._next_id = 0
        self._waiting: set[int] = set()

    def url(self) -> str:
        return self.root + combined_path()

    def subscribe_messages(self) -> list[str]:
        out = []
        self._waiting = set()
        for lo in range(0, len(self.names), MAX_PARAMS):
            self._next_id += 1
            self._waiting.add(self._next_id)
            out.append(subscribe_message(self.names[lo : lo + MAX_PARAMS], self._next_id))
        return out

    def keepalive(self) -> str | None:
        return None  # a ping frame

    def decode(self, data: str | bytes, received: float) -> list[Event]:
        return parse(data, received)

    def is_subscribed(self, ack: Control) -> bool:
        """Count an ``ack``; True when it confirms the last outstanding SUBSCRIBE."""
        if ack.kind != "ack" or ack.id not in self._waiting:
            return False
        self._waiting.discard(ack.id)
        return not self._waiting


def snapshot_call(native: str, limit: int) -> Call:
    """The REST depth call a diff-depth book (or a book top) is synchronised from."""
    return Call("depth", {"symbol": native, "limit": limit})


def parse_snapshot(payload: Any) -> BookState:
    """``GET /api/v3/depth`` -> its ``lastUpdateId`` and levels (raises on a wrong shape)."""
    return BookState(int(payload["lastUpdateId"]), payload["bids"], payload["asks"])


STREAM = StreamFacts(
    protocol=BinanceProtocol,
    default_url=DEFAULT_URL,
    testnet_url=TESTNET_URL,
    # A raw-stream (/ws) or combined (/stream) URL given by the user: the protocol adds /stream.
    override_suffixes=("/stream", "/ws"),
    snapshot_call=snapshot_call,
    parse_snapshot=parse_snapshot,
    consecutive_trade_ids=True,
)
