"""Child process: memory of 24 hours of 1-second premium rows.

Run by :func:`benchlib.probes.premium_memory` as ``python child_premium_rss.py ROWS POLLS``;
prints one JSON object with

* ``frame_bytes`` — ``df.memory_usage(deep=True)`` of ``ROWS`` rows in the Recorder's premium
  frame schema (``record_premium``), built in one piece;
* ``recorder_*`` — what a :class:`~xtoolkit.Recorder` actually holds: ``POLLS`` one-base polls
  pushed through its own per-poll path (``_finish`` then ``_append``, exactly what each tick
  does after the network answer), measured as VmRSS growth and extrapolated per poll.
"""

from __future__ import annotations

import gc
import json
import sys
import time

import numpy as np
import pandas as pd

import xtoolkit as xt
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


def recorder_polls(polls: int) -> dict[str, float]:
    """Push ``polls`` one-base polls through a Recorder's own per-poll path; VmRSS growth.

    Each poll's row is built the way ``Recorder._poll`` builds it (the ``premium`` frame of one
    base, then ``exchange``/``symbol``), then ``_finish`` and ``_append`` run as on every tick.
    """
    client = xt.Client(use_env=False, env_file=None)  # never sends: only the Recorder's memory is used
    rec = xt.Recorder(client, "premium", bases=["BTC"], every=1.0, max_rows=100_000)
    source = day_frame(polls)
    names = [c for c in build("premium").columns]
    values = {c: source[c].tolist() for c in names}
    del source
    gc.collect()
    before = rss()
    t0 = time.perf_counter()
    for i in range(polls):
        row = build("premium", {c: [values[c][i]] for c in names})
        row = row.assign(exchange="upbit-binance", symbol=row["base"])
        rec._append(rec._finish(row, T0 + pd.Timedelta(seconds=i), 0.01), {})
    elapsed = time.perf_counter() - t0
    gc.collect()
    after = rss()
    held = len(rec.frame)
    client.close()
    return {
        "polls": polls,
        "rows_held": held,
        "rss_added": after - before,
        "bytes_per_poll": (after - before) / polls,
        "us_per_poll": elapsed / polls * 1e6,
    }


def main() -> None:
    rows, polls = int(sys.argv[1]), int(sys.argv[2])
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
    result["recorder"] = recorder_polls(polls)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
