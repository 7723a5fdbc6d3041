"""The stream vocabulary every venue's ``ws`` module speaks (venue-neutral, no I/O).

* the events a venue parser produces — one small record type per kind of stream message;
* :class:`StreamProtocol`, what a venue's ``ws`` module gives the one websocket connection
  (:mod:`xtoolkit.stream.connection`);
* :class:`StreamMessageError`, raised by a parser for a frame that is not a documented message.

Parsers (``exchanges/<venue>/ws.py``) are pure: bytes in, these out. Times are epoch
seconds (float); ``received`` is when the frame arrived. Book levels are ``Decimal`` (they
key the local order book); top-of-book and trade numbers are floats (they go to frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from xtoolkit._errors import MalformedResponse

__all__ = [
    "BookSnapshot",
    "Control",
    "DepthDiff",
    "Event",
    "Level",
    "StreamMessageError",
    "StreamProtocol",
    "Ticker",
    "Top",
    "Trade",
]


class StreamMessageError(MalformedResponse):
    """A frame that is not the JSON the venue documents (the frame is skipped)."""


Level = tuple[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class Top:
    """Best bid/ask (Binance ``bookTicker``); ``seq`` is the book update id."""

    native: str
    bid: float
    bid_qty: float
    ask: float
    ask_qty: float
    seq: int | None
    event_ts: float | None
    received: float


@dataclass(frozen=True, slots=True)
class Trade:
    """One public trade; ``side`` is the taker's (``"buy"``/``"sell"``), ``seq`` the trade id
    (Binance ``t``, Upbit ``sequential_id``)."""

    native: str
    price: float
    qty: float
    side: str
    seq: int
    event_ts: float | None
    received: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticker:
    """Rolling statistics and the last trade of one market (Upbit ``ticker``, Binance
    ``24hrTicker``). NaN / None where the venue sends no such field.

    ``last`` is the last trade's price and ``last_qty`` its size; ``side`` the taker side of
    that trade (Upbit ``ask_bid``; Binance sends none). ``volume_24h`` / ``quote_volume_24h``
    cover the rolling 24 h (base / quote units); ``open``/``high``/``low`` the venue's window
    (Upbit: the UTC day; Binance: 24 h). ``change_pct`` is signed, in percent (Upbit: against
    the previous UTC-day close). ``bid``/``ask`` are the book top where the venue includes it.
    """

    native: str
    last: float
    last_qty: float
    open: float
    high: float
    low: float
    prev_close: float
    change_pct: float
    volume_24h: float
    quote_volume_24h: float
    bid: float
    bid_qty: float
    ask: float
    ask_qty: float
    side: str | None
    trade_ts: float | None
    market_state: str | None
    event_ts: float | None
    received: float


@dataclass(frozen=True, slots=True)
class DepthDiff:
    """A Binance diff-depth event covering update ids ``first_id`` (``U``) .. ``final_id``
    (``u``); a quantity of 0 removes the level."""

    native: str
    first_id: int
    final_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    event_ts: float | None
    received: float


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """A full book (Upbit ``orderbook``: every message replaces the book), best first."""

    native: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    event_ts: float | None
    received: float
    snapshot: bool = False


@dataclass(frozen=True, slots=True)
class Control:
    """A non-data message: ``kind`` is ``ack`` (``id``, ``result``), ``error`` (``code``,
    ``message``), ``status`` (Upbit ``{"status":"UP"}``) or ``shutdown`` (Binance
    ``serverShutdown``)."""

    kind: str
    id: int | str | None = None
    result: object = None
    code: int | str | None = None
    message: str = ""


Event = Top | Trade | Ticker | DepthDiff | BookSnapshot | Control


class StreamProtocol(Protocol):
    """What a venue's ``ws`` module gives a connection (all pure)."""

    exchange: str

    def url(self) -> str:
        """Where to connect."""
        ...

    def subscribe_messages(self) -> list[str]:
        """Text messages to send after every (re)connect."""
        ...

    def keepalive(self) -> str | None:
        """A text keep-alive, or None to send a ping frame."""
        ...

    def decode(self, data: str | bytes, received: float) -> list[Event]:
        """The events in one frame (raises ``StreamMessageError``)."""
        ...

    def is_subscribed(self, ack: Control) -> bool:
        """Count an ``ack``; True when it confirms the last outstanding subscription (venues
        that never acknowledge answer False)."""
        ...
