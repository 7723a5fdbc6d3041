"""Child process: memory of 24 hours of 1-second premium rows.

Run by :func:`benchlib.probes.premium_memory` as ``python child_premium_rss.py ROWS``;
prints one JSON object with ``frame_bytes`` — ``df.memory_usage(deep=True)`` of ``ROWS`` rows
in the Recorder's premium frame schema (``record_premium``), built in one piece — and the RSS
that building it added. What a running Recorder holds is measured on a real run
(``child_recorder.py``), not extrapolated from here.
"""

from __future__ import annotations

import gc
import json
import sys

import numpy as np
import pandas as pd

from xtoolkit.research.schemas import build

T0 = pd.Timestamp("2026-01-01", tz="UTC")


def rss() -> int:
    """Resident set size of this process in bytes (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def day_frame(rows: int) -> pd.DataFrame:
    """``rows`` one-second premium rows of one base, in the ``record_premium`` schema."""
    ts = pd.date_range(T0, periods=rows, freq="1s").as_unit("ns")
    rng = np.random.default_rng(7)
    f = rng.normal(1.0, 0.001, rows)
    return build(
        "record_premium",
        {
            "exchange": ["upbit-binance"] * rows,
            "symbol": ["BTC"] * rows,
            "base": ["BTC"] * rows,
            "fx_source": ["upbit:USDT/KRW"] * rows,
            "fx_rate": 1440.0 * f,
            "upbit_mid": 1.40e8 * f,
            "binance_mid": 95_000.0 * f,
            "binance_mid_krw": 1.368e8 * f,
            "upbit_mid_usdt": 97_200.0 * f,
            "premium_pct": 2.3 * f,
            "premium_bps": 230.0 * f,
            "upbit_ts": ts,
            "binance_ts": ts,
            "fx_ts": ts,
            "upbit_age_s": 0.1 * f,
            "binance_age_s": 0.1 * f,
            "fx_age_s": 0.1 * f,
            "skew_s": 0.01 * f,
            "max_age_s": [5.0] * rows,
            "stale": [False] * rows,
            "error": [None] * rows,
            "poll_ts": ts,
            "lag_s": 0.01 * f,
            "error_type": [None] * rows,
        },
    )


def main() -> None:
    rows = int(sys.argv[1])
    gc.collect()
    before = rss()
    df = day_frame(rows)
    gc.collect()
    frame_rss = rss() - before
    result = {
        "rows": rows,
        "frame_bytes": int(df.memory_usage(deep=True).sum()),
        "frame_rss_added": frame_rss,
        "columns": len(df.columns),
    }
    del df
    print(json.dumps(result))


if __name__ == "__main__":
    main()
