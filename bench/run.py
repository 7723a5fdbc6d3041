"""Side-by-side benchmarks: xtoolkit vs bare aiohttp (the physical limit) vs ccxt (the peer).

    python bench/run.py            # 200 timed calls per item and contender (~10 minutes)
    python bench/run.py --quick    # 30 per item (~3 minutes)

One process run against the sandbox started in a separate process. A second, shorter pass puts
a caching replay proxy in front of the sandbox, so server time drops to ~0 and what is left is
each client's own overhead. Writes ``bench/RESULTS.md`` (medians, p10/p90, ratios, each goal met
or missed with the reason, where xtoolkit's time goes) and ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import goals as goals_mod
from benchlib import probes, profiling, report
from benchlib.bare import Bare
from benchlib.harness import BASES, ITEMS, REPLAY_ONLY, Contender, Harness, Item, Measurements
from benchlib.ours import OursAsync, OursSync
from benchlib.pacer import BUDGETS, Budget, Pacer
from benchlib.peer import Peer, PeerDicts, PeerPandas, ccxt_pandas_version, ccxt_version
from benchlib.sandbox_proc import ReplayProcess, SandboxProcess
from benchlib.stats import summarize

HERE = Path(__file__).resolve().parent
#: Items profiled with cProfile on the replay proxy (a 1-row frame, two GETs, a book, a JWT call).
PROFILED = ("ticker:binance", "ticker:upbit", "orderbook:binance", "balances:upbit")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _snapshot(c: Contender) -> Counter[str]:
    target = c.target
    if isinstance(target, OursAsync | OursSync):
        return Counter(target.requests())
    return Counter(target.requests)


def request_counts(harness: Harness, items: list[Item]) -> dict[str, dict[str, dict[str, int]]]:
    """Requests per venue each contender sends for one call of each batch item."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for item in (i for i in items if i.kind == "batch"):
        for who in item.contenders:
            c = harness.contenders[who]
            harness.pacer.wait(item.costs)
            before = _snapshot(c)
            harness.call(c, item)
            out.setdefault(item.key, {})[who] = dict(_snapshot(c) - before)
    return out


def build_contenders(
    url: str,
    keys: dict[str, tuple[str, str]],
    loop: asyncio.AbstractEventLoop,
    *,
    nolimit_url: str | None = None,
) -> tuple[list[Contender], list[Any]]:
    """The contenders, opened (ccxt has loaded its markets); plus what must be closed after.

    ``nolimit_url``: where the gate-off client talks (default ``url``). Gates are process-wide
    per route, and ``rate_limit=False`` still counts what it sends: on one route, its 20 (40 on
    Upbit) requests at once fill the gate the gated clients share, and they rightly wait — a
    real venue would refuse them too. Behind the replay proxy nothing reaches a venue, so that
    client gets a route of its own (the proxy's alias port)."""
    xa = OursAsync(url, keys)
    xn = OursAsync(nolimit_url or url, keys, rate_limit=False)
    xs = OursSync(url, keys)
    bare = Bare(url, keys)
    loop.run_until_complete(bare.open())
    contenders = [
        Contender("xt_async", "xtoolkit AsyncClient", xa, True),
        Contender("xt_async_nolimit", "xtoolkit AsyncClient(rate_limit=False)", xn, True),
        Contender("xt_sync", "xtoolkit Client", xs, False),
        Contender("bare", "bare aiohttp", bare, True),
    ]
    closers: list[Any] = [xa, xn, xs, bare]
    if ccxt_version() is not None:
        peer = Peer(url, keys)
        loop.run_until_complete(peer.open())
        contenders.append(Contender("ccxt", f"ccxt {ccxt_version()} + the same frame", peer, True))
        closers.append(peer)
        dicts = PeerDicts(url, keys)
        loop.run_until_complete(dicts.open())
        contenders.append(Contender("ccxt_dicts", f"ccxt {ccxt_version()} (plain dicts)", dicts, True))
        closers.append(dicts)
        if ccxt_pandas_version() is not None:
            cp = PeerPandas(url, keys)
            loop.run_until_complete(cp.open())
            contenders.append(Contender("ccxt_pandas", f"ccxt-pandas {ccxt_pandas_version()}", cp, True))
            closers.append(cp)
    return contenders, closers


def close_all(closers: list[Any], loop: asyncio.AbstractEventLoop) -> None:
    for c in closers:
        if hasattr(c, "aclose"):
            loop.run_until_complete(c.aclose())
        else:
            c.close()


def replay_pass(
    sb: SandboxProcess,
    items: list[Item],
    reps: int,
    batch_reps: int,
    warmup: int,
    loop: asyncio.AbstractEventLoop,
    *,
    rounds: int = 3,
    recorder_polls: int = 3600,
) -> tuple[Measurements, list[Measurements], list[dict[str, Any]], dict[str, Any]]:
    """The items again, through the caching replay proxy (client overhead only), in ``rounds``
    separate interleaved runs (the verdicts' median and spread are over rounds); then cProfile of
    xtoolkit's heaviest paths there, and a real Recorder run against the same proxy."""
    # Only xtoolkit's share counts against its own gate on this host (the proxy replays fixed
    # usage headers), and the two xtoolkit contenders make half the traffic: twice the rates
    # keeps xtoolkit inside the same budgets as in the main pass.
    budgets = {k: Budget(b.rate * 2, b.burst * 2) for k, b in BUDGETS.items()}
    with ReplayProcess(upstream=sb.url) as rp:
        contenders, closers = build_contenders(rp.url, sb.keys, loop, nolimit_url=rp.alias_url)
        harness = Harness(contenders, Pacer(budgets), loop)
        try:
            _prime(harness, [i for i in items if i.kind in REPLAY_ONLY])
            per_round: list[Measurements] = []
            for r in range(rounds):
                log(f"replay round {r + 1}/{rounds}")
                per_round.append(
                    harness.run(items, reps=reps, warmup=warmup, batch_reps=batch_reps, progress=log)
                )
            measured = _merge(per_round)
            log("profiling xtoolkit's call path on the replay proxy")
            # Only xtoolkit calls from here on: back to the venues' own budgets, so its gate never
            # waits inside a profiled call.
            harness.pacer = Pacer()
            xa = harness.contenders["xt_async"]
            hot = [
                profiling.hotspots(harness, xa, next(i for i in items if i.key == key), reps)
                for key in PROFILED
                if any(i.key == key for i in items)
            ]
        finally:
            close_all(closers, loop)
        log(f"a real Recorder run: {recorder_polls} polls (fresh process, replay proxy)")
        recorder = probes.recorder_run(rp.url, polls=recorder_polls)
    return measured, per_round, hot, recorder


def _prime(harness: Harness, items: list[Item]) -> None:
    """Fill the proxy's cache for the gathered items one request at a time, inside the venues'
    budgets: their first requests reach the sandbox, which would refuse 20 at once (and ban)."""
    pacer = Pacer()
    for item in items:
        venue = item.args[0]
        single: tuple[tuple[str, str, int], ...] = (
            (("binance", "weight", 2),)
            if venue == "binance"
            else (("upbit", "ticker", 1), ("upbit", "orderbook", 1))
        )
        for who in item.contenders:
            target = harness.contenders[who].target
            for base in BASES:
                pacer.wait(single)
                if who.startswith("xt_"):
                    quote = "USDT" if venue == "binance" else "KRW"
                    harness.loop.run_until_complete(target.client.tickers(f"{venue}:{base}/{quote}"))
                else:
                    harness.loop.run_until_complete(target.ticker(venue, base))


def _merge(parts: list[Measurements]) -> Measurements:
    out = Measurements()
    for m in parts:
        for k, v in m.times.items():
            out.times.setdefault(k, []).extend(v)
        for k, v in m.failures.items():
            out.failures.setdefault(k, []).extend(v)
        out.shape_problems.extend(m.shape_problems)
        out.wall_s += m.wall_s
        out.paced_s += m.paced_s
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="30 timed calls per item instead of 200")
    parser.add_argument("--reps", type=int, help="timed calls per item and contender (default 200, quick 30)")
    parser.add_argument(
        "--batch-reps", type=int, help="timed calls of the 20-base items (default 60, quick 15)"
    )
    parser.add_argument("--warmup", type=int, help="untimed calls first (default 10, quick 5)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md and results.json go")
    args = parser.parse_args(argv)
    reps = args.reps or (30 if args.quick else 200)
    batch_reps = args.batch_reps or (15 if args.quick else 60)
    warmup = args.warmup if args.warmup is not None else (5 if args.quick else 10)
    replay_reps = min(reps, 100)
    # Order journals and other user data of the clients go to a throwaway folder.
    os.environ["XTOOLKIT_HOME"] = tempfile.mkdtemp(prefix="xtoolkit-bench-")
    given = sys.argv[1:] if argv is None else argv
    command = "python bench/run.py" + (" " + shlex.join(given) if given else "")
    started = time.perf_counter()
    load_at_start = report.load_average()
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    items = list(ITEMS)
    probe_results: dict[str, Any] = {}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    log(
        f"sandbox process up; {reps} timed calls per item ({batch_reps} for 20-base items) "
        f"after {warmup} warm-up"
    )
    with SandboxProcess(seed=args.seed) as sb:
        contenders, closers = build_contenders(sb.url, sb.keys, loop)
        if not any(c.key == "ccxt" for c in contenders):
            log("ccxt is not installed: the peer column stays empty (pip install 'xtoolkit[bench]')")
            items = [
                replace(i, contenders=tuple(c for c in i.contenders if not c.startswith("ccxt")))
                for i in items
            ]
        present = {c.key for c in contenders}
        items = [replace(i, contenders=tuple(c for c in i.contenders if c in present)) for i in items]
        call_items = [i for i in items if i.kind == "call"]
        main_items = [i for i in items if i.kind not in REPLAY_ONLY]
        harness = Harness(contenders, Pacer(), loop)
        try:
            measurements = harness.run(
                main_items, reps=reps, warmup=warmup, batch_reps=batch_reps, progress=log
            )
            log("counting requests of the 20-base comparison")
            counts = request_counts(harness, main_items)
            log("exchange switch")
            xs = harness.contenders["xt_sync"].target
            probe_results["exchange_switch"] = probes.exchange_switch(xs.client, harness.pacer, min(reps, 60))
            probe_results["facade_hop"] = probes.facade_hop(xs.client)
            log("stage micro-timings of xtoolkit's call path")
            stages = profiling.stages(harness.contenders["xt_async"].target.client, call_items, loop)
        finally:
            close_all(closers, loop)
        log(f"replay pass: {replay_reps} calls per item through the caching proxy")
        replay, replay_rounds, hot, probe_results["recorder_run"] = replay_pass(
            sb, items, replay_reps, batch_reps, warmup, loop, recorder_polls=600 if args.quick else 3600
        )
        log("markets memory (fresh processes)")
        probe_results["markets_memory"] = probes.markets_memory(sb.url, sb.keys, runs=3)
    loop.close()
    log("request counts from an in-process sandbox's log")
    server_counts = probes.server_request_counts(BASES)
    log("import time (fresh processes)")
    probe_results["import_time"] = probes.import_time(runs=5 if args.quick else 9)
    log("24 h of premium rows (fresh process)")
    probe_results["premium_memory"] = probes.premium_memory(86_400)
    log("stream latency (bench/stream_latency.py, when xtoolkit.stream exists)")
    probe_results["stream"] = probes.stream_latency(quick=args.quick)
    summaries = {k: summarize(v) for k, v in measurements.times.items()}
    replay_summaries = {k: summarize(v) for k, v in replay.times.items()}
    round_medians = [{k: summarize(v).median for k, v in m.times.items()} for m in replay_rounds]
    goals = goals_mod.evaluate(
        items,
        summaries,
        stages=stages,
        counts=counts,
        server_counts=server_counts,
        probes=probe_results,
        replay=replay_summaries,
        rounds=round_medians,
    )
    run = report.Run(
        command=command,
        date=date,
        runtime_s=time.perf_counter() - started,
        reps=reps,
        batch_reps=batch_reps,
        warmup=warmup,
        env={**report.environment(), "load_average_start": load_at_start},
        items=items,
        measurements=measurements,
        summaries=summaries,
        replay=replay,
        replay_summaries=replay_summaries,
        goals=goals,
        counts=counts,
        server_counts=server_counts,
        stages=stages,
        hotspots=hot,
        probes=probe_results,
    )
    md, js = report.write(run, args.out)
    missed = [g for g in goals if g.met is False]
    met = len(goals) - len(missed) - sum(g.met is None for g in goals)
    log(f"wrote {md} and {js} in {run.runtime_s:.0f} s; {met} goals met, {len(missed)} missed")
    for g in missed:
        log(f"missed: {g.goal} — {g.subject}: {g.measured}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
