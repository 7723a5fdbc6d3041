"""Messages for the mistakes a newcomer makes first, each naming the fix in the user's words.

Kept apart from the client so the wording lives in one place and a test can list it
(``tests/notebook/test_newcomer_errors.py``). Each helper returns text only; the caller raises
its own typed error.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["candle_window", "exchange_as_market", "swapped_dash_matches"]

#: Quote currencies each venue's markets are written in, to read ``BTC-USDT`` both ways.
_VENUE_QUOTES = {"binance": ("USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB"), "upbit": ("KRW", "BTC", "USDT")}


def exchange_as_market(text: str, venues: Iterable[str], verb: str = "") -> str | None:
    """If ``text`` is an exchange name used where a market goes, say how to write either.

    ``open_orders("upbit")`` reads like ``balances("upbit")``; the message shows both forms.
    """
    name = text.strip().lower()
    venues = list(venues)
    if name not in venues:
        return None
    example = "BTC/KRW" if name == "upbit" else "BTC/USDT"
    call = f"{verb}(exchange={name!r})" if verb else f"exchange={name!r}"
    return (
        f"{text!r} is an exchange, not a market: for the whole exchange pass {call}; "
        f"for one market write it as '{name}:{example}'"
    )


def swapped_dash_matches(exchange: str, native: str, venues: Iterable[str]) -> list[str]:
    """Markets ``BASE-QUOTE`` text probably meant, when a venue read it as ``QUOTE-BASE``.

    Upbit writes ``KRW-BTC`` (quote first), so ``BTC-USDT`` is Upbit's USDT/BTC; someone
    typing ``BTC-USDT`` almost always means Binance's BTC/USDT.
    """
    del exchange  # every venue quoting in the second part is a candidate, the same one included
    first, dash, second = native.upper().partition("-")
    if not dash or not first or not second:
        return []
    out = []
    for venue in venues:
        if second in _VENUE_QUOTES.get(venue, ()):
            out.append(f"{venue}:{first}/{second}")
    return out


def candle_window(start_ms: int, end_ms: int | None, now_ms: int) -> str:
    """Why a candle window is empty, and what to pass instead."""

    def when(ms: int) -> str:
        return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%d %H:%M UTC")

    if end_ms is None:
        return (
            f"start {when(start_ms)} is in the future (now is {when(now_ms)}): there are no candles "
            "yet; pass a start in the past, or leave start out to get the latest `limit` candles"
        )
    return f"start {when(start_ms)} must be before end {when(end_ms)}: swap them, or move start earlier"
