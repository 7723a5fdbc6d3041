"""What the venue parsers produce: one small record type per kind of stream message.

Parsers (:mod:`.binance`, :mod:`.upbit`) are pure: bytes in, these out. Times are epoch
seconds (float); ``received`` is when the frame arrived. Book levels are ``Decimal`` (they
key the local order book); top-of-book and trade numbers are floats (they go to frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["BookSnapshot", "Control", "DepthDiff", "Event", "Level", "Top", "Trade"]

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


Event = Top | Trade | DepthDiff | BookSnapshot | Control
