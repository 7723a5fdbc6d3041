"""DataFrame builders shared by the bare baseline and the peer: the cheapest honest way to
produce xtoolkit's output columns (same names, float64 numbers, UTC timestamps, ``str`` text).

Both non-xtoolkit contenders call these, so their frame-building cost is identical and the
difference between them is fetching and parsing alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Quote", "balances_frame", "book_frame", "compare_frame", "premium_frame", "tickers_frame"]

#: (bid, ask, last, ts_ms) of one market; NaN where the venue sent nothing.
Quote = tuple[float, float, float, int]

FX_SOURCE = "upbit:USDT/KRW"


def _text(values: Sequence[Any]) -> Any:
    return pd.array(values, dtype="str")


def _utc(ms: Sequence[int] | np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(ms, dtype=np.int64), unit="ms", utc=True).as_unit("ns")


def tickers_frame(exchange: str, cols: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """The tickers frame from column lists: symbol, bid, bid_qty, ask, ask_qty, last,
    volume_24h, quote_volume_24h, change_24h_pct, ts (epoch ms)."""
    n = len(cols["symbol"])
    out: dict[str, Any] = {"exchange": _text([exchange] * n), "symbol": _text(cols["symbol"])}
    for name in (
        "bid",
        "bid_qty",
        "ask",
        "ask_qty",
        "last",
        "volume_24h",
        "quote_volume_24h",
        "change_24h_pct",
    ):
        out[name] = np.array(cols[name], dtype=np.float64)
    out["ts"] = _utc(cols["ts"])
    return pd.DataFrame(out)


def book_frame(
    exchange: str, symbol: str, bids: Sequence[Sequence[Any]], asks: Sequence[Sequence[Any]], ts_ms: int
) -> pd.DataFrame:
    """The orderbook frame: exchange, symbol, side, level, price, qty, ts."""
    nb, na = len(bids), len(asks)
    n = nb + na
    levels = np.array([*bids, *asks], dtype=np.float64).reshape(n, 2) if n else np.empty((0, 2))
    return pd.DataFrame(
        {
            "exchange": _text([exchange] * n),
            "symbol": _text([symbol] * n),
            "side": _text(["bid"] * nb + ["ask"] * na),
            "level": np.concatenate([np.arange(nb), np.arange(na)]).astype(np.int64),
            "price": levels[:, 0],
            "qty": levels[:, 1],
            "ts": _utc(np.full(n, ts_ms, dtype=np.int64)),
        }
    )


def balances_frame(
    exchange: str, assets: Sequence[str], free: Sequence[Any], locked: Sequence[Any]
) -> pd.DataFrame:
    """The balances frame: exchange, asset, free, locked, total (zero balances dropped)."""
    f = np.array(free, dtype=np.float64)
    lk = np.array(locked, dtype=np.float64)
    keep = (f != 0) | (lk != 0)
    return pd.DataFrame(
        {
            "exchange": _text([exchange] * int(keep.sum())),
            "asset": _text([a for a, k in zip(assets, keep, strict=True) if k]),
            "free": f[keep],
            "locked": lk[keep],
            "total": (f + lk)[keep],
        }
    )


def _mid(q: Quote) -> float:
    return (q[0] + q[1]) / 2


def compare_frame(
    bases: Sequence[str],
    binance: Mapping[str, Quote],
    upbit: Mapping[str, Quote],
    fx: Quote,
    *,
    max_age: float = 5.0,
) -> pd.DataFrame:
    """xtoolkit's ``compare`` frame (quote USDT, Upbit FX basis) from fetched quotes.

    ``binance`` is keyed ``"BTC/USDT"``, ``upbit`` ``"BTC/KRW"``; ``fx`` is the KRW-USDT quote.
    """
    now_ms = pd.Timestamp.now(tz="UTC").value // 1_000_000
    rate = _mid(fx)
    rows: list[tuple[str, str, str, str, Quote, float]] = []
    for b in bases:
        rows.append((b, "binance", f"{b}/USDT", "USDT", binance.get(f"{b}/USDT", _MISSING), 1.0))
        rows.append((b, "upbit", f"{b}/KRW", "KRW", upbit.get(f"{b}/KRW", _MISSING), rate))
    n = len(rows)
    q = np.array([r[4][:3] for r in rows], dtype=np.float64).reshape(n, 3)
    div = np.array([r[5] for r in rows], dtype=np.float64)
    ts = np.array([r[4][3] for r in rows], dtype=np.int64)
    mid = (q[:, 0] + q[:, 1]) / 2
    age = (now_ms - ts) / 1000.0
    fx_age = (now_ms - fx[3]) / 1000.0
    uses_fx = div != 1.0
    stale = (np.abs(age) > max_age) | (uses_fx & (abs(fx_age) > max_age))
    return pd.DataFrame(
        {
            "base": _text([r[0] for r in rows]),
            "exchange": _text([r[1] for r in rows]),
            "symbol": _text([r[2] for r in rows]),
            "quote": _text([r[3] for r in rows]),
            "bid": q[:, 0],
            "ask": q[:, 1],
            "mid": mid,
            "last": q[:, 2],
            "fx_source": _text([FX_SOURCE] * n),
            "fx_rate": np.full(n, rate),
            "fx_ts": _utc(np.full(n, fx[3], dtype=np.int64)),
            "quote_n": _text(["USDT"] * n),
            "bid_n": q[:, 0] / div,
            "ask_n": q[:, 1] / div,
            "mid_n": mid / div,
            "last_n": q[:, 2] / div,
            "ts": _utc(ts),
            "age_s": age,
            "stale": stale,
            "error": _text([None] * n),
        }
    )


def premium_frame(
    bases: Sequence[str],
    binance: Mapping[str, Quote],
    upbit: Mapping[str, Quote],
    fx: Quote,
    *,
    max_age: float = 5.0,
) -> pd.DataFrame:
    """xtoolkit's ``premium`` frame (Upbit FX basis) from fetched quotes."""
    now_ms = pd.Timestamp.now(tz="UTC").value // 1_000_000
    n = len(bases)
    rate = _mid(fx)
    up = np.array([upbit.get(f"{b}/KRW", _MISSING) for b in bases], dtype=np.float64).reshape(n, 4)
    bn = np.array([binance.get(f"{b}/USDT", _MISSING) for b in bases], dtype=np.float64).reshape(n, 4)
    up_mid = (up[:, 0] + up[:, 1]) / 2
    bn_mid = (bn[:, 0] + bn[:, 1]) / 2
    ratio = up_mid / (bn_mid * rate) - 1
    up_ts, bn_ts = up[:, 3].astype(np.int64), bn[:, 3].astype(np.int64)
    fx_ts = np.full(n, fx[3], dtype=np.int64)
    ages = [(now_ms - t) / 1000.0 for t in (up_ts, bn_ts, fx_ts)]
    stamps = np.stack([up_ts, bn_ts, fx_ts])
    return pd.DataFrame(
        {
            "base": _text(list(bases)),
            "fx_source": _text([FX_SOURCE] * n),
            "fx_rate": np.full(n, rate),
            "upbit_mid": up_mid,
            "binance_mid": bn_mid,
            "binance_mid_krw": bn_mid * rate,
            "upbit_mid_usdt": up_mid / rate,
            "premium_pct": ratio * 100,
            "premium_bps": ratio * 10_000,
            "upbit_ts": _utc(up_ts),
            "binance_ts": _utc(bn_ts),
            "fx_ts": _utc(fx_ts),
            "upbit_age_s": ages[0],
            "binance_age_s": ages[1],
            "fx_age_s": ages[2],
            "skew_s": (stamps.max(axis=0) - stamps.min(axis=0)) / 1000.0,
            "max_age_s": np.full(n, max_age),
            "stale": (np.abs(np.stack(ages)) > max_age).any(axis=0),
            "error": _text([None] * n),
        }
    )


_MISSING: Quote = (math.nan, math.nan, math.nan, 0)
