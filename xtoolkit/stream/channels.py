"""The normalized stream channels a :class:`~xtoolkit.stream.MarketStream` takes.

* ``book_ticker`` — best bid/ask (Binance ``bookTicker``; Upbit ``orderbook`` with one unit);
* ``trades`` — public trades (Binance ``trade``; Upbit ``trade``);
* ``depth`` — a local order book per market; its rows carry the book's best after every update
  (Binance diff depth synced from REST; Upbit full ``orderbook`` messages);
* ``ticker`` — rolling statistics and the last trade (Binance ``<symbol>@ticker``; Upbit
  ``ticker``): rows carry ``price`` (last), ``qty`` (last trade size), ``side`` (its taker side,
  Upbit only) and the book top where the venue sends it (Binance); the 24 h figures are in
  ``MarketStream.tickers()`` (the ``tickers`` frame of the REST verb).
"""

from __future__ import annotations

__all__ = ["CHANNELS"]

CHANNELS: tuple[str, ...] = ("book_ticker", "trades", "depth", "ticker")
