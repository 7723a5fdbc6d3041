"""Catalog benchmark: a months-deep 1m backfill from an in-process sandbox, then reads from it.

    .venv/bin/python bench/catalog_bench.py                       # 90 days, 5 bases (~10 min)
    .venv/bin/python bench/catalog_bench.py --days 2 --bases BTC  # a quick smoke run

Steps, all in one process against a frozen sandbox pinned to 2026-11-21T12:00Z (so every run
asks for the same minutes, whatever the calendar says):

1. backfill ``--days`` of 1m candles for each base on Binance (``BASE/USDT``) and Upbit
   (``BASE/KRW``) plus Upbit ``USDT/KRW``: requests per venue (the sandbox's log and the
   client's own counts), wall time, bytes on disk, peak RSS (of this process, which also hosts
   the sandbox, so it is an upper bound on the toolkit's share);
2. ``premium_history`` of the first base over the whole window read from the catalog, and the
   same window fetched from the venues, side by side (``--venue-days`` shortens the venue fetch;
   the report then says the figure is scaled);
3. one DuckDB query over the whole catalog (``cat.sql``);
4. the pinned clock moved one hour on, then ``cat.update()``: requests it sent.

Prints the report and writes it to ``bench/CATALOG_RESULTS.md``.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
import resource
import shlex
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

import xtoolkit as xt
from xtoolkit.sandbox import Sandbox

HERE = Path(__file__).resolve().parent
PINNED = "2026-11-21T12:00:00Z"
HOUR_MS = 3_600_000
#: What the figures mean (printed under every report).
NOTES = [
    "Notes:",
    "",
    "- Requests: the catalog fetches in pieces of at most one UTC day, so a crash or a ban loses one",
    "  piece. That costs Upbit 8 calls a day (1,440 minutes / 200 a call, rounded up), 720 per 90",
    "  days instead of 648, and Binance 2 klines calls a day plus one `/api/v3/time` per backfill",
    "  call (the catalog judges closed candles on the venue's clock).",
    "- The catalog read is timed 3 times in the same process; the first includes opening the files",
    "  cold in this process (the OS page cache is warm: they were just written).",
    "- The update moves a *frozen* sandbox's clock: the sandbox makes no trades in that hour, so",
    "  Binance serves 60 flat zero-volume candles per market and Upbit omits most of the minutes",
    "  (Upbit sends no candle for a minute without trades). The catalog records those minutes as",
    "  covered, so the figure to read is the requests: one candles call per market for the hour,",
    "  plus Binance `/api/v3/time` once per series.",
    "- Peak RSS is this process's, which also runs the sandbox (its generated history included).",
    "",
]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def venue_log_counts(box: Sandbox, since: int = 0) -> Counter[str]:
    """Requests per venue the sandbox handled, from its log entry ``since`` on."""
    return Counter(r.exchange for r in box.requests.snapshot()[since:])


def client_counts(client: xt.Client) -> dict[str, int]:
    """Requests per venue the client says it sent (its transport's counters)."""
    engine = client.engine
    return {name: engine.venue(name).requests_sent for name in engine.exchanges}


def diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in sorted(set(after) | set(before))}


def disk_bytes(path: str) -> tuple[int, int]:
    """Total bytes and number of Parquet files below ``path``."""
    total = files = 0
    for dirpath, _dirs, names in os.walk(path):
        for n in names:
            total += os.path.getsize(os.path.join(dirpath, n))
            files += n.endswith(".parquet")
    return total, files


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt_counts(c: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(c.items())) or "none"


def versions() -> str:
    parts = [f"Python {platform.python_version()}"]
    for pkg in ("xtoolkit", "pandas", "pyarrow", "duckdb"):
        try:
            parts.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            parts.append(f"{pkg} ?")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=90, help="backfill depth in days (default 90)")
    ap.add_argument(
        "--bases", default="BTC,ETH,XRP,SOL,DOGE", help="comma-separated bases (default 5 majors)"
    )
    ap.add_argument(
        "--venue-days",
        type=float,
        default=None,
        help="window of the side-by-side venue fetch (default: --days, i.e. the same window)",
    )
    ap.add_argument("--dir", default=None, help="catalog directory (default: a fresh temp dir)")
    ap.add_argument("--out", default=str(HERE / "CATALOG_RESULTS.md"), help="report file")
    args = ap.parse_args(argv)
    bases = [b.strip().upper() for b in args.bases.split(",") if b.strip()]
    venue_days = float(args.venue_days) if args.venue_days is not None else float(args.days)
    markets = [f"binance:{b}/USDT" for b in bases] + [f"upbit:{b}/KRW" for b in bases]
    markets.append("upbit:USDT/KRW")
    command = "python bench/catalog_bench.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    started = datetime.now(UTC)
    where = args.dir or tempfile.mkdtemp(prefix="xt-catalog-bench-")
    res: dict[str, Any] = {}

    with (
        Sandbox(seed=7, freeze=True, now=PINNED) as box,
        xt.Client(**box.connect_kwargs()) as client,
    ):
        cat = xt.Catalog(where, client=client)
        # The sandbox's clock, not the calendar: the window ends at the pinned now.
        end = pd.Timestamp(box.now).floor("min")
        start = end - pd.Timedelta(days=args.days)
        log(f"catalog {cat.url}; window {start} .. {end}; {len(markets)} markets")

        # 1. backfill, one market at a time so the log shows progress per market.
        seen, c0 = len(box.requests), client_counts(client)
        t0 = time.perf_counter()
        per_market: list[tuple[str, int, float, dict[str, int]]] = []
        for m in markets:
            s0, tm = len(box.requests), time.perf_counter()
            summary = cat.backfill(m, "1m", start=start, end=end, progress=False)
            dt = time.perf_counter() - tm
            reqs = dict(venue_log_counts(box, s0))
            rows = int(summary["rows"].sum())
            per_market.append((m, rows, dt, reqs))
            log(f"  {m}: {rows:,} rows, {fmt_counts(reqs)} requests, {dt:.1f} s")
        res["backfill_s"] = time.perf_counter() - t0
        res["backfill_log"] = dict(venue_log_counts(box, seen))
        res["backfill_client"] = diff(client_counts(client), c0)
        res["backfill_rows"] = sum(r for _, r, _, _ in per_market)
        res["bytes"], res["files"] = disk_bytes(cat.path)
        res["rss_backfill"] = peak_rss_mib()
        log(f"backfill {res['backfill_s']:.1f} s, {res['bytes'] / 2**20:.1f} MiB")

        # 2. premium history from the catalog (3 runs, best and first reported) ...
        base = bases[0]
        cat_times: list[float] = []
        seen = len(box.requests)
        for _ in range(3):
            tc = time.perf_counter()
            stored = xt.premium_history(client, base, interval="1m", start=start, end=end, catalog=cat)
            cat_times.append(time.perf_counter() - tc)
        res["cat_requests"] = len(box.requests) - seen
        res["cat_times"] = cat_times
        res["cat_rows"] = len(stored)
        log(f"premium_history from catalog: {min(cat_times):.3f} s, {len(stored):,} rows")

        # 3. DuckDB over the whole catalog.
        q = (
            "SELECT exchange, symbol, count(*) AS n, min(open_time) AS first, "
            "max(open_time) AS last, avg(close) AS mean_close, sum(quote_volume) AS quote_volume "
            "FROM candles GROUP BY ALL ORDER BY exchange, symbol"
        )
        sql_times: list[float] = []
        for _ in range(3):
            tq = time.perf_counter()
            agg = cat.sql(q)
            sql_times.append(time.perf_counter() - tq)
        res["sql"], res["sql_times"], res["sql_rows"] = q, sql_times, int(agg["n"].sum())
        log(f"DuckDB over the catalog: {min(sql_times):.3f} s, {res['sql_rows']:,} candles")

        # 4. one more simulated hour, then update().
        box.state.clock.pinned_ms += HOUR_MS
        seen, c0 = len(box.requests), client_counts(client)
        tu = time.perf_counter()
        upd = cat.update(progress=False)
        res["update_s"] = time.perf_counter() - tu
        res["update_log"] = dict(venue_log_counts(box, seen))
        res["update_client"] = diff(client_counts(client), c0)
        res["update_rows"] = int(upd["rows"].sum())
        res["update_paths"] = Counter(r.path for r in box.requests.snapshot()[seen:])
        log(f"update: {res['update_rows']} rows, {fmt_counts(res['update_log'])} requests")

        # 2b. the venue fetch of the same window (last: it is the slow part); the clock moved an
        # hour, but start/end are explicit, so it is the same window as the catalog read.
        v_end = end
        v_start = end - pd.Timedelta(days=venue_days)
        seen = len(box.requests)
        tv = time.perf_counter()
        fetched = xt.premium_history(client, base, interval="1m", start=v_start, end=v_end)
        res["venue_s"] = time.perf_counter() - tv
        res["venue_requests"] = dict(venue_log_counts(box, seen))
        res["venue_rows"] = len(fetched)
        res["venue_days"] = venue_days
        if venue_days == args.days:
            pd.testing.assert_frame_equal(stored, fetched)
            res["same_numbers"] = True
        res["rss_end"] = peak_rss_mib()
        log(f"premium_history from venues ({venue_days:g} d): {res['venue_s']:.1f} s")

    venue_full = res["venue_s"] * args.days / venue_days
    best_cat = min(res["cat_times"])
    speedup = venue_full / best_cat
    scaled = venue_days != args.days
    same = "yes (assert_frame_equal)" if res.get("same_numbers") else "not compared (scaled window)"
    lines = [
        "# Catalog benchmark",
        "",
        f"Command: `{command.strip()}`  ",
        f"Date: {started:%Y-%m-%d %H:%M} UTC; {versions()}; {os.cpu_count()} cores.  ",
        f"In-process sandbox (seed 7, frozen, pinned {PINNED}); window {start} .. {end} "
        f"({args.days} days of 1m), bases {', '.join(bases)} + Upbit USDT/KRW.",
        "",
        "| step | figure |",
        "| --- | --- |",
        f"| backfill {len(markets)} markets | {res['backfill_s']:.1f} s, {res['backfill_rows']:,} candles |",
        f"| requests (sandbox log) | {fmt_counts(res['backfill_log'])} |",
        f"| requests (client counts) | {fmt_counts(res['backfill_client'])} |",
        f"| bytes on disk | {res['bytes'] / 2**20:.1f} MiB in {res['files']:,} Parquet files |",
        f"| peak RSS (process incl. sandbox) | {res['rss_backfill']:.0f} MiB after backfill, "
        f"{res['rss_end']:.0f} MiB at the end |",
        f"| premium_history {base} from catalog | best {best_cat:.3f} s, first {res['cat_times'][0]:.3f} s "
        f"({res['cat_rows']:,} rows, {res['cat_requests']} requests) |",
        f"| premium_history {base} from venues | {res['venue_s']:.1f} s for {venue_days:g} days "
        f"({fmt_counts(res['venue_requests'])} requests)"
        + (f"; scaled to {args.days} days: {venue_full:.1f} s" if scaled else "")
        + " |",
        f"| speed-up (catalog vs venues{', scaled' if scaled else ''}) | {speedup:,.0f}x "
        f"(goal < 2 s: {'met' if best_cat < 2 else 'missed'}; >= 50x: "
        f"{'met' if speedup >= 50 else 'missed'}) |",
        f"| same numbers as the venues | {same} |",
        f"| DuckDB over the whole catalog | best {min(res['sql_times']):.3f} s, "
        f"first {res['sql_times'][0]:.3f} s ({res['sql_rows']:,} candles aggregated) |",
        f"| update after +1 simulated hour | {res['update_s']:.2f} s, {res['update_rows']} new candles; "
        f"requests {fmt_counts(res['update_log'])} (client: {fmt_counts(res['update_client'])}) |",
        f"| update request paths | {fmt_counts(dict(res['update_paths']))} |",
        "",
        "Per market (backfill):",
        "",
        "| market | candles | requests | seconds |",
        "| --- | --- | --- | --- |",
        *(f"| {m} | {rows:,} | {fmt_counts(r)} | {dt:.1f} |" for m, rows, dt, r in per_market),
        "",
        f"DuckDB query: `{res['sql']}`",
        "",
        *NOTES,
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
