"""``RESULTS.md`` (tables for people) and ``results.json`` (the same figures for machines)."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from benchlib.goals import LABEL, MB, Goal
from benchlib.harness import Item, Measurements
from benchlib.stats import Summary, ratio

__all__ = ["Run", "environment", "write"]

CONTENDER_LABEL = {
    **{k: f"xtoolkit {v}" for k, v in LABEL.items()},
    "bare": "bare aiohttp",
    "ccxt": "ccxt + the same frame",
    "ccxt_dicts": "ccxt (plain dicts)",
    "ccxt_pandas": "ccxt-pandas (its own frames)",
}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The 1/5/15-minute load averages (other work on the machine skews timings)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "unknown"


def environment() -> dict[str, Any]:
    """Package versions and machine facts."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    mem_kb = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem_kb = next((int(ln.split()[1]) for ln in fh if ln.startswith("MemTotal:")), 0)
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "packages": {
            n: _version(n)
            for n in ("xtoolkit", "aiohttp", "pandas", "numpy", "ccxt", "ccxt-pandas", "pyarrow")
        },
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_gib": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "load_average_end": load_average(),
    }


@dataclass
class Run:
    """Everything one benchmark run produced."""

    command: str
    date: str
    runtime_s: float
    reps: int
    batch_reps: int
    warmup: int
    env: dict[str, Any]
    items: list[Item]
    measurements: Measurements
    summaries: dict[tuple[str, str], Summary]
    replay: Measurements
    replay_summaries: dict[tuple[str, str], Summary]
    goals: list[Goal]
    counts: dict[str, dict[str, dict[str, int]]]
    server_counts: dict[str, dict[str, int]]
    stages: dict[str, dict[str, float]]
    hotspots: list[dict[str, Any]]
    probes: dict[str, Any] = field(default_factory=dict)


def _f(x: float, digits: int = 2) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _results_table(
    items: list[Item],
    summaries: Mapping[tuple[str, str], Summary],
    failures: Mapping[tuple[str, str], list[str]],
    *,
    overhead: bool = False,
) -> list[str]:
    extra = " over bare µs |" if overhead else ""
    lines = [
        "| item | contender | median ms | p10 | p90 | IQR | vs bare | vs ccxt | n |" + extra,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if overhead else ""),
    ]
    for item in items:
        if not any((item.key, who) in summaries for who in item.contenders) and not any(
            (item.key, who) in failures for who in item.contenders
        ):
            continue  # not run in this pass (the gathered items run on the replay proxy only)
        bare = summaries.get((item.key, "bare"))
        peer = summaries.get((item.key, "ccxt"))
        for who in item.contenders:
            s = summaries.get((item.key, who))
            if s is None:
                fails = len(failures.get((item.key, who), []))
                lines.append(f"| {item.title} | {CONTENDER_LABEL[who]} | failed ({fails}) | | | | | | 0 |")
                continue
            vs_bare = ratio(s.median, bare.median) if bare else math.nan
            vs_peer = ratio(s.median, peer.median) if peer else math.nan
            over = f" {_f((s.median - bare.median) * 1000, 0)} |" if overhead and bare else ""
            lines.append(
                f"| {item.title} | {CONTENDER_LABEL[who]} | {_f(s.median, 3)} | {_f(s.p10, 3)} | "
                f"{_f(s.p90, 3)} | {_f(s.iqr, 3)} | {_f(vs_bare)}× | {_f(vs_peer)}× | {s.n} |" + over
            )
    return lines


def _goals_table(goals: list[Goal]) -> list[str]:
    lines = ["| goal | subject | target | measured | result | reason |", "|---|---|---|---|---|---|"]
    for g in goals:
        verdict = "—" if g.met is None else ("**met**" if g.met else "**missed**")
        lines.append(f"| {g.goal} | {g.subject} | {g.target} | {g.measured} | {verdict} | {g.reason} |")
    return lines


def _counts_section(run: Run) -> list[str]:
    lines = ["| work | contender | binance | upbit |", "|---|---|---:|---:|"]
    for key, per in run.counts.items():
        for who, c in per.items():
            lines.append(f"| {key} | {CONTENDER_LABEL[who]} | {c.get('binance', 0)} | {c.get('upbit', 0)} |")
    for verb, c in run.server_counts.items():
        lines.append(
            f"| {verb} 20 bases (sandbox request log) | xtoolkit | "
            f"{c.get('binance', 0)} | {c.get('upbit', 0)} |"
        )
    return lines


def _stages_section(run: Run) -> list[str]:
    if not run.stages:
        return []
    names = [k for k in next(iter(run.stages.values())) if k != "requests"]
    lines = ["| item | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, st in run.stages.items():
        lines.append(f"| {key} | " + " | ".join(_f(st[n], 1) for n in names) + " |")
    return lines


def _hotspot_section(h: Mapping[str, Any]) -> list[str]:
    lines = [
        f"**{h['item']}** ({CONTENDER_LABEL[h['contender']]}, {h['calls']} calls under cProfile). "
        "Own time per call by package: "
        + ", ".join(f"{k} {v:.0f} µs" for k, v in list(h["self_us_by_package"].items())[:7]),
        "",
        "| xtoolkit function (by own time) | calls/call (a coroutine counts once per resume) "
        "| own µs/call | cumulative µs/call |",
        "|---|---:|---:|---:|",
    ]
    for r in h["by_self"]:
        lines.append(
            f"| `{r['where']}` (line {r['line']}) | {r['calls_per_call']:.1f} | {r['self_us']:.1f} | "
            f"{r['cumulative_us']:.1f} |"
        )
    lines += ["", "| xtoolkit function (by cumulative time) | cumulative µs/call |", "|---|---:|"]
    for r in h["by_cumulative"][:8]:
        lines.append(f"| `{r['where']}` | {r['cumulative_us']:.1f} |")
    return lines


def _probe_sections(p: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    imp = p.get("import_time")
    if imp:
        out += [
            "### Import time",
            "",
            f"Fresh interpreters, {imp['runs']} runs each, alternated. `import xtoolkit` median "
            f"{imp['xtoolkit_ms']['median_ms']:.0f} ms (p10 {imp['xtoolkit_ms']['p10_ms']:.0f}, "
            f"p90 {imp['xtoolkit_ms']['p90_ms']:.0f}); `import pandas, aiohttp` median "
            f"{imp['pandas_aiohttp_ms']['median_ms']:.0f} ms (p10 {imp['pandas_aiohttp_ms']['p10_ms']:.0f}, "
            f"p90 {imp['pandas_aiohttp_ms']['p90_ms']:.0f}); difference {imp['added_ms']:.0f} ms. "
            f"Importing xtoolkit *after* pandas + aiohttp in the same fresh process: median "
            f"{imp['xtoolkit_after_pandas_aiohttp_ms']['median_ms']:.0f} ms "
            f"(p10 {imp['xtoolkit_after_pandas_aiohttp_ms']['p10_ms']:.0f}, "
            f"p90 {imp['xtoolkit_after_pandas_aiohttp_ms']['p90_ms']:.0f}). Without bytecode (every "
            "module compiled from source: `-B -X pycache_prefix=<empty dir>`, pandas and aiohttp "
            "imported first, untimed): median "
            f"{imp['xtoolkit_after_pandas_aiohttp_no_bytecode_ms']['median_ms']:.0f} ms "
            f"(p10 {imp['xtoolkit_after_pandas_aiohttp_no_bytecode_ms']['p10_ms']:.0f}, "
            f"p90 {imp['xtoolkit_after_pandas_aiohttp_no_bytecode_ms']['p90_ms']:.0f}, "
            f"n {imp['xtoolkit_after_pandas_aiohttp_no_bytecode_ms']['n']}).",
            "",
            f"`-X importtime`: xtoolkit loads {imp['added_modules']['count']} modules beyond "
            "pandas + aiohttp, "
            f"{imp['added_modules']['self_ms_total']:.0f} ms own time in total "
            f"({imp['added_modules']['xtoolkit_self_ms_total']:.0f} ms in xtoolkit's own modules). Heaviest:",
            "",
            "| module | own ms | cumulative ms |",
            "|---|---:|---:|",
            *(
                f"| `{m['module']}` | {m['self_ms']:.1f} | {m['cumulative_ms']:.1f} |"
                for m in imp["added_modules"]["top"]
            ),
            "",
        ]
    rr = p.get("recorder_run")
    if rr:
        out += [
            "### A real Recorder run",
            "",
            f"`bench/benchlib/child_recorder.py`: `xt.Recorder(client, 'premium', bases=['BTC'], "
            f"every={rr['every_s']}, max_rows={rr['max_rows']})` on an `AsyncClient` (gate off) against the "
            f"replay proxy, {rr['polls']:,} polls (an hour of 1 s polls, played fast) in "
            f"{rr['wall_s']:.1f} s; "
            f"{rr['rows_held']} rows held at the end, {rr['error_rows']} error rows. CPU: "
            f"**{rr['cpu_ms_per_poll']:.2f} ms per poll** (process CPU over the run ÷ polls, with the event "
            f"loop, less the RSS sampler's own {rr['sampler_cpu_s']:.2f} s of gc passes and reads; "
            f"{rr['process_cpu_ms_per_poll']:.2f} ms with them). The floor: a plain aiohttp loop sending "
            f"the poll's three requests at the same pace and decoding them, in the same process, "
            f"{rr['bare_requests_cpu_ms_per_poll']:.2f} ms per poll. VmRSS sampled while it ran:",
            "",
            "| polls | VmRSS MB |",
            "|---:|---:|",
            *(f"| {pn:,} | {b / MB:.1f} |" for pn, b in rr["rss"]),
            "",
        ]
    mem = p.get("markets_memory")
    if mem:
        out += [
            "### Resident memory of both venues' markets",
            "",
            f"Fresh process, warm session (one ticker per venue first), VmRSS around `client.markets()`, "
            f"median of {mem['runs']}: **{mem['rss_added_bytes'] / MB:.1f} MB** for {mem['markets']} markets "
            f"(the frame itself {mem['frame_bytes'] / 1024:.0f} KiB). The sandbox lists far fewer "
            "markets than "
            f"the real venues, so the same adapters also parsed a synthetic listing at real scale "
            f"({mem['real_scale_markets']}, wire size "
            f"{ {k: f'{v / MB:.1f} MB' for k, v in mem['real_scale_wire_bytes'].items()} }): "
            f"**{mem['real_scale_rss_added_bytes'] / MB:.1f} MB**.",
            "",
        ]
    sw = p.get("exchange_switch")
    if sw:
        s = sw["switch_and_first_call_ms"]
        out += [
            "### Exchange switch",
            "",
            f"`ExchangeManager.use()`: {sw['use_us']:.2f} µs per switch (20,000 alternations). "
            "`use()` + the first order book (depth 30) on the venue switched to: "
            f"median {s['median_ms']:.2f} ms "
            f"(p10 {s['p10_ms']:.2f}, p90 {s['p90_ms']:.2f}, n {s['n']}) — no reconnect, no reload.",
            "",
        ]
    hop = p.get("facade_hop")
    if hop:
        out += [
            "### The blocking Client's own cost",
            "",
            f"`client.run(coroutine that does nothing)` — submit to the private loop thread, wake it, wait: "
            f"median {hop['median_us']:.0f} µs (p10 {hop['p10_us']:.0f}, p90 {hop['p90_us']:.0f}; "
            f"n {hop['n']}). "
            "A real call pays two such wake-ups (request out, answer back) plus the scheduler's delay in "
            "handing the CPU between threads, which grows with the machine's load.",
            "",
        ]
    prem = p.get("premium_memory")
    if prem:
        out += [
            "### 24 hours of 1-second premium rows",
            "",
            f"{prem['rows']:,} rows × {prem['columns']} columns of the Recorder's premium frame "
            f"(`record_premium` schema, one base) built in one piece: "
            f"`memory_usage(deep=True)` = **{prem['frame_bytes'] / MB:.1f} MB** "
            f"({prem['frame_bytes'] / prem['rows']:.0f} bytes/row). What a running `Recorder` holds "
            "is measured on the real run above.",
            "",
        ]
    st = p.get("stream")
    if st is not None and not st.get("measured"):
        out += ["### Stream event-to-frame latency", "", f"Not measured: {st['reason']}.", ""]
    elif st is not None:
        out += [
            "### Stream event-to-frame latency",
            "",
            f"From the stream benchmark (`{st['command']}`, its own methodology): a market move in the "
            "sandbox -> websocket message -> parsed record -> updated `LivePremium` row, matched exactly by "
            "book update id.",
            "",
            "| setting | measure | n | p50 ms | p90 ms | p99 ms | max ms |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for key in ("latency_child", "latency_inprocess"):
            lat = st[key]
            for name in ("step_to_premium", "send_stamp_to_premium"):
                s = lat[name]
                out.append(
                    f"| {lat['sandbox']} | {name.replace('_', ' ')} | {s['n']} | {s['p50_ms']:.2f} | "
                    f"{s['p90_ms']:.2f} | {s['p99_ms']:.2f} | {s['max_ms']:.2f} |"
                )
        out.append("")
        for key in ("throughput", "throughput_premium"):
            t = st.get(key)
            if t:
                what = "records + live premium" if t["with_premium"] else "records + rolling buffer"
                out.append(
                    f"- sustained {what}: {t['records_per_s']:,.0f} messages/s "
                    f"(client CPU {t['client_cpu_share'] * 100:.0f}% of one core)"
                )
        out.append("")
    return out


def write(run: Run, out_dir: Path) -> tuple[Path, Path]:
    """Write ``RESULTS.md`` and ``results.json`` into ``out_dir``."""
    env = run.env
    m = run.measurements
    md = [
        "# xtoolkit benchmarks — side by side",
        "",
        f"Generated by `{run.command}` on {run.date} in {run.runtime_s:.0f} s.",
        "",
        f"Machine: {env['nproc']} CPUs ({env['cpu_model']}), {env['mem_total_gib']} GiB, {env['platform']}. "
        f"Python {env['python']}; " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()) + ". "
        f"Load average (1/5/15 min) at the start {env.get('load_average_start', '?')}, at the end "
        f"{env['load_average_end']} — other sessions shared this machine; interleaving spreads their "
        "effect over all contenders alike, but it widens every spread.",
        "",
        "## Method",
        "",
        "The sandbox (`python -m xtoolkit.sandbox --port P --seed 7`) runs in a **separate process** on "
        "127.0.0.1, so it does not share the benchmark's GIL. Three contenders do the same work against it "
        "in one process run: **xtoolkit** (`AsyncClient`, and the blocking `Client` timed around the call "
        "from the main thread, thread hop included), **bare aiohttp** (one pooled session, same URLs and "
        "parameters, `json.loads`, a DataFrame with the same columns and dtypes built directly; hand-rolled "
        "HMAC / JWT for signed calls — the physical limit) and **ccxt** (`ccxt.async_support`, pointed at "
        "the "
        "sandbox only through `urls['api']` and `options`, its throttle off, its result turned into the same "
        "frame with the same builder as the bare baseline). Two more peers: **ccxt returning its plain "
        "dicts** (the same requests, no frame — the price of a dict) and **ccxt-pandas** (its own "
        "DataFrames around the same ccxt objects; timed, not shape-checked). The 20-tickers-gathered "
        "items (20 one-market calls at once) run on the replay proxy only: 20 requests at once (40 on "
        "Upbit) exceed the venues' budgets, which the sandbox enforces; xtoolkit runs them with its gate "
        "off, as a gated client would wait there on a real venue.",
        "",
        "**Verdicts** for per-call and batch goals come from the replay pass (server time ~0.1 ms), run "
        "as three separate interleaved rounds: each ratio is of medians within a round; the verdict is "
        "the median over rounds, with the min–max over rounds as its spread. The main-pass tables below "
        "include the sandbox's own server time, the same for every contender.",
        "",
        f"Each (work item, contender) pair ran {run.warmup} untimed warm-up calls, then **{run.reps} "
        f"timed calls** ({run.batch_reps} for the 20-base items, whose sandbox answers take 0.1–0.3 s). "
        "Contenders take turns round-robin within an item, their order rotated every repetition, so drift "
        "hits all equally. All contenders share one IP, so a pacer keeps their *combined* traffic inside "
        "the venues' budgets (75 % of Binance's 6,000 weight/min; 8 of Upbit's 10 requests/s per group, "
        "20 of 30/s for account calls) and sleeps *between* calls, never inside a timed region. Ratios "
        "compare medians; p10/p90 and IQR show the spread. "
        f"Timed loop: {m.wall_s:.0f} s, of which {m.paced_s:.0f} s pacing sleeps.",
        "",
        "## Results",
        "",
        *_results_table(run.items, run.summaries, m.failures),
        "",
        "`vs bare` = contender median ÷ bare-aiohttp median; `vs ccxt` = contender median ÷ ccxt median "
        "(below 1 is faster than ccxt).",
        "",
        "## Goals",
        "",
        *_goals_table(run.goals),
        "",
        "## Requests per exchange, 20-base comparison",
        "",
        "Counted per contender for one call (xtoolkit: the venue's request counter; bare: its own count; "
        "ccxt: a counting wrapper around its `fetch`), and independently by an in-process sandbox's "
        "request log.",
        "",
        *_counts_section(run),
        "",
        "## Details",
        "",
        *_probe_sections(run.probes),
        "## Where xtoolkit's time goes",
        "",
        "Stage micro-timings (µs per call, no profiler attached) on payloads captured from the sandbox. "
        "Everything not listed — the HTTP round trip and the server's own work — is the same request for "
        "every contender. `build frame` vs `bare: build frame` compares xtoolkit's `_frames.frame` with the "
        "bare baseline's direct `pd.DataFrame(...)` on the same data.",
        "",
        *_stages_section(run),
        "",
    ]
    for h in run.hotspots:
        md += [*_hotspot_section(h), ""]
    md += [
        "## Client overhead alone: the replay proxy",
        "",
        "Every item again, through a caching proxy in front of the sandbox (a separate process): the "
        "first request for each URL goes to the sandbox, every later one is answered from memory with the "
        "same bytes (usage headers: the calmest each budget showed, as a quiet venue answers one client — "
        "a busy moment's snapshot replayed forever made the gated clients wait every call). The "
        "gate-off `AsyncClient(rate_limit=False)` talks to the proxy on a second port: xtoolkit's rate "
        "gates are process-wide per route and still count what a gate-off client sends, so on one "
        "route its 20 (Upbit 40) gathered requests filled the window the gated clients share and they "
        "waited ~1 s on the next Upbit book or compare call — right on a real venue, which would "
        "refuse them too, but nothing here reaches a venue. Server "
        "time drops to ~0.1 ms, so what remains is each client's own work "
        f"plus loopback HTTP. Same interleaving and pacing; {run.replay.wall_s:.0f} s.",
        "",
        *_results_table(run.items, run.replay_summaries, run.replay.failures, overhead=True),
        "",
    ]
    md += ["## Checks", ""]
    problems = [*m.shape_problems, *(f"{p} (replay)" for p in run.replay.shape_problems)]
    if problems:
        md += ["Output shape differences between contenders (first call of each):", ""]
        md += [f"- {p}" for p in problems]
    else:
        md.append(
            "Every contender's frame had xtoolkit's columns, dtypes and row count (first call of each item)."
        )
    md.append("")
    failures = {**m.failures, **{(f"{k} (replay)", w): v for (k, w), v in run.replay.failures.items()}}
    if failures:
        md += ["Failed calls:", ""]
        for (key, who), errs in failures.items():
            md.append(f"- {key} / {CONTENDER_LABEL[who]}: {len(errs)} failures, first: {errs[0]}")
    else:
        md.append("No call failed (main pass and replay pass).")
    md.append("")
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = out_dir / "RESULTS.md"
    md_path.write_text("\n".join(md), encoding="utf-8")
    data = {
        "command": run.command,
        "date": run.date,
        "runtime_s": run.runtime_s,
        "reps": run.reps,
        "batch_reps": run.batch_reps,
        "warmup": run.warmup,
        "environment": env,
        "results": [
            {
                "item": item.key,
                "title": item.title,
                "contender": who,
                **s.as_dict(),
                "ratio_vs_bare": ratio(s.median, run.summaries[(item.key, "bare")].median)
                if (item.key, "bare") in run.summaries
                else None,
                "ratio_vs_ccxt": ratio(s.median, run.summaries[(item.key, "ccxt")].median)
                if (item.key, "ccxt") in run.summaries
                else None,
            }
            for item in run.items
            for who in item.contenders
            if (s := run.summaries.get((item.key, who))) is not None
        ],
        "replay_results": [
            {"item": k, "contender": w, **s.as_dict()} for (k, w), s in run.replay_summaries.items()
        ],
        "goals": [g.as_dict() for g in run.goals],
        "request_counts": run.counts,
        "server_request_counts": run.server_counts,
        "stages_us": run.stages,
        "hotspots": run.hotspots,
        "probes": run.probes,
        "timed_loop_s": m.wall_s,
        "pacing_s": m.paced_s,
        "shape_problems": m.shape_problems,
        "failures": {f"{k}/{w}": v for (k, w), v in m.failures.items()},
    }
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(data, indent=2, default=str, allow_nan=True), encoding="utf-8")
    return md_path, json_path
