"""Helpers for pure research tests: fetched-quote fixtures built by hand."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from xtoolkit._frames import frame
from xtoolkit.research._fetch import Quotes

AS_OF = pd.Timestamp("2025-01-02 03:04:05", tz="UTC")


def quotes(
    exchange: str,
    rows: Mapping[str, tuple[float, float, float]],
    *,
    age: float | Mapping[str, float] = 1.0,
    unlisted: frozenset[str] = frozenset(),
) -> Quotes:
    """A venue's answer: ``{symbol: (bid, ask, last)}``, each quoted ``age`` seconds before AS_OF."""
    ages = age if isinstance(age, Mapping) else {s: age for s in rows}
    df = frame(
        "tickers",
        {
            "exchange": [exchange] * len(rows),
            "symbol": list(rows),
            "bid": [r[0] for r in rows.values()],
            "ask": [r[1] for r in rows.values()],
            "last": [r[2] for r in rows.values()],
            "ts": [AS_OF - pd.Timedelta(seconds=ages[s]) for s in rows],
        },
    )
    return Quotes(exchange, df, AS_OF, unlisted=unlisted)
