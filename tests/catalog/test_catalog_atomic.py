"""Atomic writes: a writer killed mid-write never leaves a half file visible to readers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq

_WRITER = textwrap.dedent(
    """
    import sys, numpy as np, pyarrow as pa
    from xtoolkit.catalog.layout import resolve_root
    from xtoolkit.catalog.writer import write_table
    root = resolve_root(sys.argv[1])
    n = 400_000
    t = pa.table({"open_time": pa.array(np.arange(n) * 60_000_000, pa.timestamp("us", tz="UTC")),
                  "close": pa.array(np.random.default_rng(0).random(n))})
    print("ready", flush=True)
    for i in range(10_000):  # bounded; the parent kills it long before
        where = "kind=candles/exchange=x/symbol=A-B/interval=1m/date=2026-01-01"
        write_table(root, f"{where}/part-{i}-{i+1}.parquet", t, kind="candles")
    """
)


def test_killed_writer_leaves_only_whole_files(tmp_path: Any) -> None:
    rng = random.Random(16)
    for _ in range(4):
        root = tmp_path / f"cat{rng.random()}"
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(root)], stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.8))  # kill at a random point, usually mid-write
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        names = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
        visible = [n for n in names if not os.path.basename(n).startswith(".")]
        assert all(n.endswith(".parquet") for n in visible)
        for name in visible:
            assert pq.read_table(name).num_rows == 400_000  # whole, never truncated
        if os.path.isdir(root):
            table = ds.dataset(str(root), format="parquet", partitioning="hive").to_table()
            assert table.num_rows == 400_000 * len(visible)
