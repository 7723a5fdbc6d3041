"""Upbit public websocket, pure translation: the subscription request, frame parsing, URL rules.

One JSON array subscribes: ``[{"ticket": ...}, {"type": "orderbook", "codes": ["KRW-BTC.1"]},
..., {"format": "DEFAULT"}]``. Messages arrive as binary frames of UTF-8 JSON (text frames
are accepted too); numbers are JSON numbers. Every ``orderbook`` message is a full book, so
books need no REST snapshot; the venue acknowledges nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges._stream import BookSnapshot, Control, Event, Level, StreamMessageError, Ticker, Trade
from xtoolkit.exchanges._venue import StreamFacts

__all__ = [
    "DEFAULT_URL",
    "EXCHANGE",
    "ORDERBOOK_UNITS",
    "PATH",
    "PING",
    "STREAM",
    "UpbitProtocol",
    "orderbook_code",
    "parse",
    "subscribe_message",
]

EXCHANGE = "upbit"
#: Real host; the public websocket lives at :data:`PATH`.
DEFAULT_URL = "wss://api.upbit.com"
PATH = "/websocket/v1"
#: The text keep-alive; the venue answers ``{"status":"UP"}``.
PING = "PING"
#: Orderbook unit counts a code may ask for (``KRW-BTC.5``).
ORDERBOOK_UNITS = (1, 5, 15, 30)
TYPES = ("ticker", "trade", "orderbook")
FORMATS = ("DEFAULT", "JSON_LIST")
_SNIPPET = 200


def orderbook_code(native: str, units: int | None = None) -> str:
    """``"KRW-BTC"`` or ``"KRW-BTC.5"`` (``units`` in :data:`ORDERBOOK_UNITS`)."""
    if units is None:
        return native.upper()
    if units not in ORDERBOOK_UNITS:
        raise InvalidArgument(f"orderbook units must be one of {ORDERBOOK_UNITS}, not {units!r}")
    return f"{native.upper()}.{units}"


def subscribe_message(
    ticket: str, types: Mapping[str, Sequence[str]], *, fmt: str = "DEFAULT", only_realtime: bool = False
) -> str:
    """The subscription array; ``types`` maps ``ticker``/``trade``/``orderbook`` to codes."""
    if not ticket:
        raise InvalidArgument("an Upbit subscription needs a ticket")
    if fmt not in FORMATS:
        raise InvalidArgument(f"format must be one of {FORMATS}, not {fmt!r}")
    body: list[dict[str, Any]] = [{"ticket": ticket}]
    for kind, codes in types.items():
        if kind not in TYPES:
            raise InvalidArgument(f"type must be one of {TYPES}, not {kind!r}")
        if not codes:
            raise InvalidArgument(f"give at least one code for {kind}")
        item: dict[str, Any] = {"type": kind, "codes": [c.upper() for c in codes]}
        if only_realtime:
            item["is_only_realtime"] = True
        body.append(item)
    if len(body) == 1:
        raise InvalidArgument("subscribe to at least one type")
    body.append({"format": fmt})
    return json.dumps(body, separators=(",", ":"))


def _bad(why: str, data: str | bytes) -> StreamMessageError:
    text = data if isinstance(data, str) else data[:_SNIPPET].decode("utf-8", errors="replace")
    return StreamMessageError(why, exchange=EXCHANGE, payload=text[:_SNIPPET])


def _dec(value: Any) -> Decimal:
    # JSON numbers arrive as floats; repr is the shortest text that round-trips, i.e. the
    # digits the venue wrote.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _side(units: Any, price: str, size: str) -> tuple[Level, ...]:
    levels = ((_dec(u[price]), _dec(u[size])) for u in units)
    return tuple((p, q) for p, q in levels if q > 0)


NaN = float("nan")


def _num(msg: dict[str, Any], key: str, *, required: bool = False) -> float:
    """A JSON number field as float (NaN when absent or null, unless ``required``)."""
    value = msg[key] if required else msg.get(key)
    if value is None:
        return NaN
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{key} is not a number")
    return float(value)


def _ticker(msg: dict[str, Any], received: float) -> Ticker:
    """A ``ticker`` message (spec §8: JSON numbers; ``signed_change_rate`` is a fraction)."""
    rate = _num(msg, "signed_change_rate")
    trade_ts = msg.get("trade_timestamp")
    ask_bid = msg.get("ask_bid")
    return Ticker(
        native=msg["code"],
        last=_num(msg, "trade_price", required=True),
        last_qty=_num(msg, "trade_volume"),
        open=_num(msg, "opening_price"),
        high=_num(msg, "high_price"),
        low=_num(msg, "low_price"),
        prev_close=_num(msg, "prev_closing_price"),
        change_pct=rate * 100,
        volume_24h=_num(msg, "acc_trade_volume_24h"),
        quote_volume_24h=_num(msg, "acc_trade_price_24h"),
        bid=NaN,
        bid_qty=NaN,
        ask=NaN,
        ask_qty=NaN,
        # ask_bid is the taker's side of the last trade: BID means a buyer lifted the ask.
        side=None if ask_bid is None else ("buy" if ask_bid == "BID" else "sell"),
        trade_ts=trade_ts / 1000 if isinstance(trade_ts, int | float) and not isinstance(trade_ts, bool) else None,
        market_state=str(msg["market_state"]) if msg.get("market_state") is not None else None,
        event_ts=msg["timestamp"] / 1000,
        received=received,
    )


def _event(msg: dict[str, Any], received: float) -> Event | None:
    kind = msg.get("type")
    if kind == "orderbook":
        units = msg["orderbook_units"]
        return BookSnapshot(
            native=msg["code"],
            bids=_side(units, "bid_price", "bid_size"),
            asks=_side(units, "ask_price", "ask_size"),
            event_ts=msg["timestamp"] / 1000,
            received=received,
            snapshot=msg.get("stream_type") == "SNAPSHOT",
        )
    if kind == "trade":
        return Trade(
            native=msg["code"],
            price=float(msg["trade_price"]),
            qty=float(msg["trade_volume"]),
            # ask_bid is the taker's side: BID means a buyer lifted the ask.
            side="buy" if msg["ask_bid"] == "BID" else "sell",
            seq=int(msg["sequential_id"]),
            event_ts=msg["timestamp"] / 1000,
            received=received,
        )
    if kind == "ticker":
        return _ticker(msg, received)
    if msg.get("status") == "UP":
        return Control("status")
    err = msg.get("error")
    if isinstance(err, dict):
        return Control("error", code=err.get("name"), message=str(err.get("message", "")))
    raise KeyError("unrecognised message")


def parse(data: str | bytes, received: float) -> list[Event]:
    """The events in one frame (``DEFAULT`` or ``JSON_LIST`` format).

    Raises :class:`~xtoolkit.stream.errors.StreamMessageError` for anything that is not a
    documented message.
    """
    try:
        msg = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(f"upbit sent a frame that is not JSON ({exc})", data) from None
    items = msg if isinstance(msg, list) else [msg]
    out: list[Event] = []
    try:
        for item in items:
            if not isinstance(item, dict):
                raise TypeError("not a JSON object")
            event = _event(item, received)
            if event is not None:
                out.append(event)
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise _bad(f"upbit sent an unexpected message ({type(exc).__name__}: {exc})", data) from None
    return out


class UpbitProtocol:
    """An Upbit public connection for some markets and channels (pure; see
    :class:`~xtoolkit.exchanges._stream.StreamProtocol`).

    ``book_ticker`` uses ``orderbook`` codes with one unit (``KRW-BTC.1``); ``depth`` the
    full book (and then also serves ``book_ticker``); ``trades`` the ``trade`` type;
    ``ticker`` the ``ticker`` type. Keep-alive is the text ``PING``.
    """

    exchange = EXCHANGE

    def __init__(self, root: str, natives: Sequence[str], channels: Sequence[str]) -> None:
        self.root = root.rstrip("/")
        types: dict[str, list[str]] = {}
        if "depth" in channels:
            types["orderbook"] = [orderbook_code(n) for n in natives]
        elif "book_ticker" in channels:
            types["orderbook"] = [orderbook_code(n, 1) for n in natives]
        if "trades" in channels:
            types["trade"] = [orderbook_code(n) for n in natives]
        if "ticker" in channels:
            types["ticker"] = [orderbook_code(n) for n in natives]
        self.types = types
        self.ticket = f"xtoolkit-{uuid.uuid4()}"

    def url(self) -> str:
        return self.root if self.root.endswith(PATH) else self.root + PATH

    def subscribe_messages(self) -> list[str]:
        return [subscribe_message(self.ticket, self.types)]

    def keepalive(self) -> str | None:
        return PING

    def decode(self, data: str | bytes, received: float) -> list[Event]:
        return parse(data, received)

    def is_subscribed(self, ack: Control) -> bool:
        return False  # Upbit acknowledges no subscription: data simply starts


STREAM = StreamFacts(
    protocol=UpbitProtocol,
    default_url=DEFAULT_URL,
    # A user's URL may already end in /websocket/v1 (kept); the protocol adds it when absent.
    keep_override_path=True,
)
