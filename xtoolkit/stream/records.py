"""The normalized stream record; stream frames use the registry's ``stream`` schema.

Every message of every venue becomes one :class:`StreamRecord` row of the same shape, and
anything that may have lost data (a disconnect, a sequence gap, a malformed frame, a consumer
too slow) becomes a row with ``gap=True`` and a ``reason`` — never silently skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xtoolkit._frames import SCHEMAS
from xtoolkit.stream.channels import CHANNELS

__all__ = ["CHANNELS", "STREAM_SCHEMA", "StreamRecord", "gap_record"]

#: Normalized channels: best bid/ask, public trades, local order book (its best after each update).

NaN = math.nan

#: Column -> dtype of every stream frame: the registry's ``stream`` kind (``seq`` is nullable:
#: Upbit sequential ids exceed float64's exact integer range, and book snapshots have none).
STREAM_SCHEMA: dict[str, str] = SCHEMAS["stream"]


@dataclass(slots=True)
class StreamRecord:
    """One normalized stream row.

    ``channel`` is one of :data:`CHANNELS`; ``bid``/``ask``/``*_qty`` are set for
    ``book_ticker`` and ``depth`` rows, ``price``/``qty``/``side`` (taker side) for ``trades``.
    ``event_ts`` is the venue's event time and ``received_ts`` the arrival time, both epoch
    seconds (``event_ts`` is None when the venue sends none, e.g. Binance ``bookTicker``).
    ``seq`` is the venue's sequence (book update id, trade id or Upbit ``sequential_id``).
    ``gap=True`` marks possibly missing data, ``reason`` says why (or notes a row rebuilt from
    REST); on a gap row that concerns a whole connection, ``symbol``/``channel`` may be None.
    """

    exchange: str
    symbol: str | None
    channel: str | None
    received_ts: float
    bid: float = NaN
    ask: float = NaN
    bid_qty: float = NaN
    ask_qty: float = NaN
    price: float = NaN
    qty: float = NaN
    side: str | None = None
    event_ts: float | None = None
    seq: int | None = None
    gap: bool = False
    reason: str | None = None

    @property
    def market(self) -> str:
        """``"exchange:BASE/QUOTE"`` (``"exchange:*"`` for a connection-wide gap)."""
        return f"{self.exchange}:{self.symbol or '*'}"

    @property
    def mid(self) -> float:
        """(bid + ask) / 2 — NaN unless both sides are known."""
        return (self.bid + self.ask) / 2


def gap_record(
    exchange: str, symbol: str | None, channel: str | None, received_ts: float, reason: str
) -> StreamRecord:
    """A ``gap=True`` row saying data of ``symbol``/``channel`` may be missing, and why."""
    return StreamRecord(exchange, symbol, channel, received_ts, gap=True, reason=reason)
