"""Measurements that need a fresh process or no contest: import time, memory, switching.

* :func:`import_time` — ``import xtoolkit`` vs ``import pandas, aiohttp`` in fresh
  interpreters, alternated, medians; plus the heaviest imports ``-X importtime`` names.
* :func:`markets_memory` — VmRSS added by ``client.markets()`` for both venues (child process).
* :func:`premium_memory` — 24 h of 1 s premium rows in one frame.
* :func:`exchange_switch` — ``ExchangeManager.use`` alone, and switch + first call.
* :func:`facade_hop` — the blocking ``Client``'s own cost: a round trip to its loop thread.
* :func:`server_request_counts` — requests per venue of ``compare``/``premium`` for 20 bases,
  counted by an in-process sandbox's own request log.
* :func:`stream_latency` — event-to-frame latency of ``xtoolkit.stream`` when it exists.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xtoolkit as xt
from benchlib.pacer import Pacer
from benchlib.stats import summarize

__all__ = [
    "exchange_switch",
    "import_time",
    "markets_memory",
    "premium_memory",
    "recorder_run",
    "server_request_counts",
    "stream_latency",
]

HERE = Path(__file__).resolve().parent
_IMPORT = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def _fresh(stmt: str, *, bytecode: bool = True, cache: str | None = None) -> float:
    """Seconds ``stmt`` takes in a fresh interpreter.

    ``bytecode=True`` reads compiled modules from ``cache`` (a ``-X pycache_prefix`` warmed by
    :func:`_warm_cache`): this environment sets ``PYTHONDONTWRITEBYTECODE``, so the tree's own
    ``__pycache__`` is stale for every module edited since it was last written, and those would
    silently be compiled from source on each "with bytecode" run. ``bytecode=False`` compiles
    every module from source (an empty prefix per run, nothing written), as on a first run."""
    with tempfile.TemporaryDirectory(prefix="xt-pycache-") as empty:
        if not bytecode:
            return _run_fresh(["-B", "-X", f"pycache_prefix={empty}"], stmt)
        if cache is None:
            raise ValueError("a bytecode run needs a warmed cache directory")
        return _run_fresh(["-X", f"pycache_prefix={cache}"], stmt)


def _warm_cache(cache: str, stmt: str) -> None:
    """Compile and write every module ``stmt`` imports into ``cache`` (one untimed run)."""
    _run_fresh(["-X", f"pycache_prefix={cache}"], stmt, write_bytecode=True)


def _run_fresh(flags: list[str], stmt: str, *, write_bytecode: bool = False) -> float:
    env = dict(os.environ)
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # timed runs only read the cache
    out = subprocess.run(
        [sys.executable, *flags, "-c", _IMPORT.format(stmt=stmt)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _importtime(stmt: str, cache: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-X", f"pycache_prefix={cache}", "-c", stmt],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:") :].split("|")
        rows.append(
            {"module": name.strip(), "self_ms": int(self_us) / 1000, "cumulative_ms": int(cum_us) / 1000}
        )
    return rows


def _added_imports(cache: str, n: int = 15) -> dict[str, Any]:
    """Modules ``import xtoolkit`` loads beyond ``import pandas, aiohttp``, by own (self) time
    (bytecode from the warmed ``cache``)."""
    base = {r["module"] for r in _importtime("import pandas, aiohttp", cache)}
    added = [r for r in _importtime("import xtoolkit", cache) if r["module"] not in base]
    ours = [r for r in added if r["module"].startswith("xtoolkit")]
    return {
        "count": len(added),
        "self_ms_total": sum(r["self_ms"] for r in added),
        "xtoolkit_self_ms_total": sum(r["self_ms"] for r in ours),
        "top": sorted(added, key=lambda r: -r["self_ms"])[:n],
    }


def import_time(runs: int = 7) -> dict[str, Any]:
    """Medians over ``runs`` fresh interpreters, the two statements alternated."""
    xt_s: list[float] = []
    base_s: list[float] = []
    both_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="xt-pycache-warm-") as cache:
        _warm_cache(cache, "import pandas, aiohttp, xtoolkit")
        for _ in range(runs):
            base_s.append(_fresh("import pandas, aiohttp", cache=cache))
            xt_s.append(_fresh("import xtoolkit", cache=cache))
            both_s.append(
                _fresh(
                    "import pandas, aiohttp; t2 = time.perf_counter(); import xtoolkit; t = t2", cache=cache
                )
            )
        added_modules = _added_imports(cache)
    # Without bytecode: pandas and aiohttp are imported first (compiled from source too, untimed),
    # then only ``import xtoolkit`` is timed — xtoolkit's own compile and execute cost.
    after = "import pandas, aiohttp; t2 = time.perf_counter(); import xtoolkit; t = t2"
    cold_s = [_fresh(after, bytecode=False) for _ in range(max(3, runs // 2))]
    med_xt, med_base = statistics.median(xt_s), statistics.median(base_s)
    return {
        "xtoolkit_after_pandas_aiohttp_no_bytecode_ms": summarize([s * 1000 for s in cold_s]).as_dict(),
        "runs": runs,
        "xtoolkit_ms": summarize([s * 1000 for s in xt_s]).as_dict(),
        "pandas_aiohttp_ms": summarize([s * 1000 for s in base_s]).as_dict(),
        "added_ms": (med_xt - med_base) * 1000,
        "xtoolkit_after_pandas_aiohttp_ms": summarize([s * 1000 for s in both_s]).as_dict(),
        "added_modules": added_modules,
    }


def _child(script: str, *args: str, timeout: float = 900) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(HERE / script), *args], capture_output=True, text=True, timeout=timeout
    )
    if out.returncode != 0:
        raise RuntimeError(f"{script} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def markets_memory(url: str, keys: dict[str, tuple[str, str]], runs: int = 3) -> dict[str, Any]:
    """VmRSS added by loading both venues' markets, median of ``runs`` fresh processes."""
    results = [_child("child_markets_rss.py", url, json.dumps(keys)) for _ in range(runs)]
    return {
        "runs": runs,
        "rss_added_bytes": statistics.median(r["rss_added"] for r in results),
        "markets": results[0]["markets"],
        "frame_bytes": results[0]["frame_bytes"],
        "real_scale_rss_added_bytes": statistics.median(r["real_scale"]["rss_added"] for r in results),
        "real_scale_markets": results[0]["real_scale"]["markets"],
        "real_scale_wire_bytes": results[0]["real_scale"]["wire_bytes"],
    }


def recorder_run(url: str, polls: int = 3600, every: float = 0.002, max_rows: int = 600) -> dict[str, Any]:
    """A real Recorder run (child process) of ``polls`` one-base premium polls: CPU per poll and
    VmRSS sampled as it runs (see ``child_recorder.py``)."""
    r = _child("child_recorder.py", url, str(polls), str(every), str(max_rows))
    bound_at = next((p for p, _ in r["rss"] if p >= max_rows), None)
    after = [b for p, b in r["rss"] if bound_at is not None and p >= bound_at]
    r["rss_growth_after_bound_bytes"] = (max(after) - after[0]) if after else None
    r["rss_first_to_last_bytes"] = r["rss"][-1][1] - r["rss"][0][1]
    return r


def premium_memory(rows: int = 86_400) -> dict[str, Any]:
    """24 h of 1 s premium rows in one frame (what a running Recorder holds: :func:`recorder_run`)."""
    return _child("child_premium_rss.py", str(rows))


def exchange_switch(client: xt.Client, pacer: Pacer, reps: int) -> dict[str, Any]:
    """``use()`` alone (µs), and ``use()`` + the first order book on the new venue (ms)."""
    manager = xt.ExchangeManager(client)
    n = 20_000
    t0 = time.perf_counter()
    for i in range(n):
        manager.use("upbit" if i % 2 else "binance")
    use_us = (time.perf_counter() - t0) / n * 1e6
    costs = {"binance": [("binance", "weight", 5)], "upbit": [("upbit", "orderbook", 1)]}
    switch_ms: list[float] = []
    for i in range(reps):
        venue = "upbit" if i % 2 else "binance"
        pacer.wait(costs[venue])
        t = time.perf_counter()
        manager.use(venue)
        manager.orderbook("BTC", depth=30)
        switch_ms.append((time.perf_counter() - t) * 1000)
    return {"use_us": use_us, "switch_and_first_call_ms": summarize(switch_ms).as_dict()}


def facade_hop(client: xt.Client, n: int = 3000) -> dict[str, float]:
    """What the blocking ``Client`` adds by itself: ``client.run`` of a coroutine that does nothing
    (submit to the loop thread, wake it, wait for the result), µs."""

    async def nothing() -> None:
        return None

    for _ in range(200):
        client.run(nothing())
    times = []
    for _ in range(n):
        t = time.perf_counter()
        client.run(nothing())
        times.append((time.perf_counter() - t) * 1e6)
    s = summarize(times)
    return {"n": n, "median_us": s.median, "p10_us": s.p10, "p90_us": s.p90}


def server_request_counts(bases: Sequence[str]) -> dict[str, dict[str, int]]:
    """Requests per venue of one ``compare`` and one ``premium``, from the sandbox's own log."""
    from xtoolkit import research
    from xtoolkit.sandbox import Sandbox

    async def count(box: Any, verb: Any) -> dict[str, int]:
        async with xt.AsyncClient(**box.connect_kwargs(), use_env=False, env_file=None) as ac:
            before = len(box.requests)
            await verb(ac, list(bases))
            new = box.requests.snapshot()[before:]
        return {ex: sum(1 for r in new if r.exchange == ex) for ex in ("binance", "upbit")}

    with Sandbox(seed=7, freeze=True) as box:
        return {
            "compare": asyncio.run(count(box, research.acompare)),
            "premium": asyncio.run(count(box, research.apremium)),
        }


def stream_latency(*, quick: bool = False) -> dict[str, Any]:
    """Event-to-frame latency of ``xtoolkit.stream``, from ``bench/stream_latency.py`` (the stream
    benchmark, run as a child process) — or why it was not measured."""
    if importlib.util.find_spec("xtoolkit.stream") is None:
        return {"measured": False, "reason": "xtoolkit.stream does not exist yet"}
    script = HERE.parent / "stream_latency.py"
    if not script.exists():
        return {"measured": False, "reason": f"{script.name} (the stream benchmark) is missing"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stream.json"
        args = ["--steps", "100", "--flood", "50000"] if quick else ["--steps", "300", "--flood", "200000"]
        done = subprocess.run(
            [sys.executable, str(script), *args, "--json", str(out)],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0 or not out.exists():
            return {"measured": False, "reason": f"{script.name} failed: {done.stderr[-500:]}"}
        return {
            "measured": True,
            "command": f"python bench/{script.name} {' '.join(args)}",
            **json.loads(out.read_text()),
        }
