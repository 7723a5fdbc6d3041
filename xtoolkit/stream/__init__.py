"""Live market streams: Binance and Upbit websockets as records, frames, books and a premium.

>>> import xtoolkit as xt
>>> from xtoolkit.stream import MarketStream, LivePremium, stream
>>> with xt.sandbox() as box:                                          # doctest: +SKIP
...     client = xt.Client(**box.connect_kwargs())
...     live = MarketStream(client, ["binance:BTC/USDT", "upbit:BTC/KRW"],
...                         channels=("book_ticker", "trades"), max_rows=5_000).start()
...     live.frame()                        # rolling DataFrame, fixed schema, bounded memory
...     live.stop()

* :func:`stream` — ``async for rec in stream(client, markets, channels=...)``;
* :class:`MarketStream` — start/stop (blocking ``Client``) or ``async with`` (``AsyncClient``),
  a rolling :class:`StreamBuffer`, callbacks, local order books (``channels=("depth",)``);
* :class:`LivePremium` — the kimchi premium recomputed on every book-top update;
* gaps are data: rows with ``gap=True`` and a ``reason`` wherever something may be missing.

Inside (venue-neutral; every venue's protocol lives in ``exchanges/<venue>/ws.py``)::

    session.py     MarketStream and stream(): one Connection per venue, records out
    connection.py  the only websocket client code (connect, keep alive, staleness, reconnect)
    normalize.py   connection events -> records, local-book updates, gap rows
    snapshots.py   REST book snapshots for diff-depth venues (StreamFacts.snapshot_call)
    urls.py        stream roots from the client's REST hosts (StreamFacts URL rules)
    channels.py    the normalized channels (book_ticker, trades, depth, ticker)
    book.py, buffer.py, taps.py, records.py, stats.py, errors.py, events.py
    premium.py     LivePremium

Streams depend on the engine protocol (:mod:`xtoolkit._engine`), never on the client module,
and reach a ``Client``'s loop only through its bridge (``run``/``arun``). Pure parts (no
I/O): :class:`LocalBook`, :class:`StreamBuffer`, the venue parsers.
"""

from xtoolkit.stream.book import BookTop, LocalBook
from xtoolkit.stream.buffer import StreamBuffer
from xtoolkit.stream.connection import ConnectionPolicy
from xtoolkit.stream.errors import BookNotSynced, StreamDisconnected, StreamMessageError, SubscriptionRejected
from xtoolkit.stream.premium import LivePremium
from xtoolkit.stream.channels import CHANNELS
from xtoolkit.stream.records import STREAM_SCHEMA, StreamRecord
from xtoolkit.stream.session import MarketStream, stream
from xtoolkit.stream.stats import StreamStats
from xtoolkit.stream.urls import STREAM_HOSTS, stream_url

__all__ = [
    "CHANNELS",
    "STREAM_HOSTS",
    "STREAM_SCHEMA",
    "BookNotSynced",
    "BookTop",
    "ConnectionPolicy",
    "LivePremium",
    "LocalBook",
    "MarketStream",
    "StreamBuffer",
    "StreamDisconnected",
    "StreamMessageError",
    "StreamRecord",
    "StreamStats",
    "SubscriptionRejected",
    "stream",
    "stream_url",
]
