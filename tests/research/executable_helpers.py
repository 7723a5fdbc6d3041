"""Shared inputs of the executable-premium tests: small books whose figures are easy by hand.

Not a ``conftest``: test modules import what they use (see ``research_fixtures``).
"""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd

from xtoolkit._frames import frame

#: The books' time; ``NOW`` is 2.5 s later (nothing here reads the calendar).
TS = pd.Timestamp("2026-03-02T01:00:00Z")
NOW = TS + pd.Timedelta(seconds=2.5)

Levels = list[tuple[float, float]]


def levels(exchange: str, symbol: str, bids: Levels, asks: Levels, ts: pd.Timestamp = TS) -> pd.DataFrame:
    """An ``orderbook`` frame of one market (levels best first)."""
    n_b, n_a = len(bids), len(asks)
    return frame(
        "orderbook",
        {
            "exchange": [exchange] * (n_b + n_a),
            "symbol": [symbol] * (n_b + n_a),
            "side": ["bid"] * n_b + ["ask"] * n_a,
            "level": list(range(n_b)) + list(range(n_a)),
            "price": [p for p, _ in bids + asks],
            "qty": [q for _, q in bids + asks],
            "ts": [ts] * (n_b + n_a),
        },
    )


BINANCE_BTC = levels("binance", "BTC/USDT", [(99.0, 1.0), (98.0, 2.0)], [(100.0, 1.0), (101.0, 2.0)])
UPBIT_BTC = levels(
    "upbit", "BTC/KRW", [(150_000.0, 0.5), (149_000.0, 2.0)], [(151_000.0, 1.0), (152_000.0, 2.0)]
)
UPBIT_FX = levels("upbit", "USDT/KRW", [(1450.0, 1000.0)], [(1460.0, 500.0), (1470.0, 1000.0)])

#: Levels per side that were "fetched": 2, so the BTC books may go deeper; the FX bids (one
#: level) are Upbit's whole side.
DEPTH = 2


def all_books(*extra: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([BINANCE_BTC, UPBIT_BTC, UPBIT_FX, *extra], ignore_index=True)


def d(x: float | int | str) -> D:
    return D(str(x))
