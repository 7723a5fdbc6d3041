"""The reliability campaign: many clients, mixed calls, random faults, then the invariants.

:func:`run_campaign` starts an in-process sandbox (short 418 bans), gives every client its own
funded accounts and intent journal, and runs for ``seconds``: ``clients - blocking`` async
clients on one event loop, ``blocking`` blocking ``Client``\\ s on their own threads, a premium
``Recorder`` polling all along, and the fault injector. Then faults are cleared, every client
reconciles, and :mod:`.campaign_checks` compares the venues' records with the clients'.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import xtoolkit as xt
from benchlib.campaign_checks import (
    BanCheck,
    OrderCheck,
    RecorderCheck,
    check_bans,
    check_orders,
    check_recorder,
)
from benchlib.campaign_faults import BanWatch, Injector, inject_faults
from benchlib.campaign_trace import SendLog, trace_sends
from benchlib.campaign_work import InFlight, Tally, async_worker, blocking_worker, watch_blocking
from benchlib.stats import percentile
from xtoolkit import _killswitch
from xtoolkit._ratelimit import reset_gates
from xtoolkit.sandbox import Sandbox

__all__ = ["CampaignConfig", "CampaignReport", "run_campaign"]

D = Decimal
RECORDED_BASES = ("BTC", "ETH", "XRP")
FUNDS = {
    "binance": {"USDT": "1000000", "BTC": "100", "ETH": "1000"},
    "upbit": {"KRW": "10000000000", "BTC": "100", "ETH": "1000"},
}
LIMITS = xt.Limits(
    max_order_notional={"KRW": 10**9, "USDT": 10**6},
    max_daily_notional={},
    max_open_orders=10**6,
    repeat_window_s=0,
    visibility_s=0.5,  # "not found" after this long means never placed (faults are cleared by then)
)


@dataclass(frozen=True)
class CampaignConfig:
    """How big, how long and how hostile a campaign is.

    Attributes
    ----------
    clients, blocking
        Clients in all, and how many of them are blocking ``Client``\\ s on their own threads
        (the rest are ``AsyncClient``\\ s sharing one event loop).
    seconds, seed
        Length of the run; the seed of every random choice (calls, faults, think times).
    ban_s
        The sandbox's 418 ban length (and the ``Retry-After`` of injected 418s).
    fault_every
        Mean seconds between injected faults.
    read_timeout
        The clients' read timeout; held ("timeout") faults last half a second longer.
    hang_s
        Bound on any one call; a call still running after it is a hang.
    think
        Seconds a worker pauses between calls (uniform range).
    recorder_every
        The premium Recorder's poll interval.
    """

    clients: int = 20
    blocking: int = 3
    seconds: float = 180.0
    seed: int = 7
    ban_s: float = 2.0
    fault_every: float = 0.25
    read_timeout: float = 1.0
    hang_s: float = 30.0
    think: tuple[float, float] = (0.2, 1.0)
    recorder_every: float = 0.5


@dataclass
class CampaignReport:
    """Figures of one campaign and the invariants' verdicts."""

    config: CampaignConfig
    tally: Tally = field(default_factory=Tally)
    faults: Counter[str] = field(default_factory=Counter)
    bans: BanCheck = field(default_factory=BanCheck)
    orders: OrderCheck = field(default_factory=OrderCheck)
    recorder: RecorderCheck = field(default_factory=RecorderCheck)
    recorder_failure: str | None = None
    reconcile_failures: list[str] = field(default_factory=list)
    requests: int = 0
    wall_s: float = 0.0

    @property
    def problems(self) -> list[str]:
        """Every invariant broken, one line each (empty: the campaign is clean)."""
        p: list[str] = []
        p += [f"unhandled: {u}" for u in self.tally.unhandled]
        p += [f"hung: {h}" for h in self.tally.hung]
        p += [f"request during a ban: {v}" for v in self.bans.violations]
        p += [f"duplicate order: {d}" for d in self.orders.duplicates]
        p += [f"orphan venue order: {o}" for o in self.orders.orphans]
        p += [f"lost from the journal: {m}" for m in self.orders.missing]
        p += [f"unresolved intent: {u}" for u in self.orders.unresolved]
        p += [f"journal disagrees with venue: {m}" for m in self.orders.mismatches]
        p += [f"reconcile failed: {r}" for r in self.reconcile_failures]
        if self.recorder_failure:
            p.append(f"recorder stopped: {self.recorder_failure}")
        r = self.recorder
        if r.lost_rows or r.silent_rows or r.bad_polls:
            p.append(f"recorder: {r.lost_rows} rows lost, {r.silent_rows} silent NaN rows, {r.bad_polls[:3]}")
        return p

    @property
    def clean(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The summary table."""
        t, c = self.tally, self.config
        out = [
            f"reliability campaign: {c.clients} clients ({c.clients - c.blocking} AsyncClient on one loop, "
            f"{c.blocking} blocking Client on threads) + a Recorder, {self.wall_s:.0f} s, seed {c.seed}",
            "",
            f"{'calls by kind':<16}{'calls':>8}{'ok':>8}{'failed':>8}{'p50 ms':>10}{'p99 ms':>10}",
        ]
        for kind in sorted(t.calls):
            lat = t.latency_ms.get(kind, [])
            failed = t.calls[kind] - t.ok[kind]
            out.append(
                f"{kind:<16}{t.calls[kind]:>8}{t.ok[kind]:>8}{failed:>8}"
                f"{percentile(lat, 50):>10.1f}{percentile(lat, 99):>10.1f}"
            )
        every = [x for v in t.latency_ms.values() for x in v]
        out.append(
            f"{'all':<16}{sum(t.calls.values()):>8}{sum(t.ok.values()):>8}"
            f"{sum(t.calls.values()) - sum(t.ok.values()):>8}"
            f"{percentile(every, 50):>10.1f}{percentile(every, 99):>10.1f}"
        )
        out += ["", "failures by type (every one an xtoolkit.XtoolkitError subclass):"]
        out += [f"  {name:<22}{n:>6}" for name, n in t.failures.most_common()] or ["  none"]
        out += ["", "most frequent failure messages:"]
        out += [f"  {n:>5}  {text}" for text, n in t.failure_texts.most_common(12)]
        o, b, r = self.orders, self.bans, self.recorder
        out += [
            "",
            "faults injected      " + ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())),
            f"requests served      {self.requests}",
            f"418 answers          {b.responses_418} ({b.read_418} read by a client, {b.unread_418} to "
            f"requests already cancelled; client-side bans opened: {b.client_bans})",
            f"requests during bans {b.requests_during_bans} (client side: {b.sent_during_bans} sent inside a "
            f"ban; sandbox log: {b.arrived_during_bans} logged inside, {b.arrived_in_flight} of them sent "
            "before the ban was known)",
            f"unhandled exceptions {len(t.unhandled)}",
            f"auth errors          {t.auth_errors} with valid keys (suspect: aiohttp re-sends a signed "
            "GET/DELETE once on a dropped keep-alive connection; a replayed Upbit nonce gets 401)",
            f"hung calls           {len(t.hung)}",
            f"orders submitted     {o.submitted} ("
            + ", ".join(f"{k} {v}" for k, v in o.outcomes.most_common())
            + ")",
            f"journal intents      {o.intents}; verdicts "
            + ", ".join(f"{k} {v}" for k, v in o.verdicts.most_common()),
            f"venue orders         {o.venue_orders}",
            f"duplicate orders     {len(o.duplicates)}",
            f"orphan venue orders  {len(o.orphans)}",
            f"lost from journal    {len(o.missing)}",
            f"unresolved intents   {len(o.unresolved)}",
            f"verdict mismatches   {len(o.mismatches)}",
            f"recorder             {r.polls} polls, {r.rows} rows "
            f"({r.good_rows} good, {r.gap_rows} gap rows), {r.lost_rows} lost, {r.silent_rows} silent",
            "",
            "CLEAN" if self.clean else f"{len(self.problems)} PROBLEMS",
        ]
        out += [f"  {p}" for p in self.problems[:30]]
        return out


def _client_kwargs(
    box: Sandbox, creds: dict[str, xt.Credentials], journal: Path, cfg: CampaignConfig
) -> dict[str, Any]:
    return {
        "base_urls": box.urls,
        "credentials": creds,
        "sandbox": True,
        "use_env": False,
        "env_file": None,
        "mode": "live",
        "limits": LIMITS,
        "journal": journal,
        "timeout": xt.Timeout(connect=2.0, read=cfg.read_timeout),
        "max_wait": 5.0,
    }


def _mid(box: Sandbox) -> Any:
    def mid(venue: str, native: str) -> Decimal:
        return D(box.market.mid(venue, native))

    return mid


async def _reconcile(client: xt.AsyncClient | xt.Client, rounds: int = 5) -> str | None:
    """Reconcile until nothing is UNKNOWN; the last failure text if it never got there."""
    last: str | None = None
    for _ in range(rounds):
        try:
            if isinstance(client, xt.AsyncClient):
                df = await client.reconcile()
            else:
                df = await asyncio.to_thread(client.reconcile)
        except xt.XtoolkitError as exc:
            last = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.5)
            continue
        if not df["verdict"].eq("UNKNOWN").any():
            return None
        unknown = df[df["verdict"].eq("UNKNOWN")]
        details = "; ".join(f"{c}: {d}" for c, d in zip(unknown["client_order_id"], unknown["detail"]))
        last = f"{len(unknown)} intents still UNKNOWN ({details})"
        await asyncio.sleep(0.5)
    return last


async def _campaign(
    box: Sandbox, cfg: CampaignConfig, home: Path, rep: CampaignReport, sends: SendLog
) -> dict[int, Path]:
    n_async = cfg.clients - cfg.blocking
    journals: dict[int, Path] = {}
    kwargs: dict[int, dict[str, Any]] = {}
    for idx in range(cfg.clients):
        creds = {v: box.add_account(v, dict(FUNDS[v])) for v in ("binance", "upbit")}
        journals[idx] = home / f"journal-{idx}.jsonl"
        kwargs[idx] = _client_kwargs(box, creds, journals[idx], cfg)
    aclients = {i: xt.AsyncClient(**kwargs[i]) for i in range(n_async)}
    bclients = {i: xt.Client(**kwargs[i]) for i in range(n_async, cfg.clients)}
    rec_client = xt.AsyncClient(base_urls=box.urls, use_env=False, env_file=None, sandbox=True)
    mid = _mid(box)
    tally = rep.tally
    deadline = time.monotonic() + cfg.seconds
    stop = asyncio.Event()
    watch = BanWatch({v: rec_client.venue(v).gate for v in ("binance", "upbit")})
    injector = Injector(box, random.Random(cfg.seed * 7919), cfg.ban_s, cfg.read_timeout)
    recorder = xt.Recorder(
        rec_client, "premium", bases=list(RECORDED_BASES), every=cfg.recorder_every, max_rows=10**7
    )
    states = {i: InFlight() for i in bclients}
    threads = [
        threading.Thread(
            target=blocking_worker,
            args=(i, c, random.Random(cfg.seed * 1000 + i), mid, tally, states[i]),
            kwargs={"deadline": deadline, "think": cfg.think},
            name=f"campaign-blocking-{i}",
            daemon=True,
        )
        for i, c in bclients.items()
    ]
    await recorder.astart()
    watchers = [
        asyncio.create_task(watch_blocking(states, tally, cfg.hang_s, stop)),
    ]
    for t in threads:
        t.start()
    try:
        await asyncio.gather(
            inject_faults(injector, deadline=deadline, every=cfg.fault_every),
            *(
                async_worker(
                    i,
                    ac,
                    random.Random(cfg.seed * 1000 + i),
                    mid,
                    tally,
                    deadline=deadline,
                    hang_s=cfg.hang_s,
                    think=cfg.think,
                )
                for i, ac in aclients.items()
            ),
        )
        for t in threads:
            await asyncio.to_thread(t.join, cfg.hang_s + 5)
            if t.is_alive():
                tally.hang(f"{t.name} did not finish its last call")
        try:
            frame = await recorder.astop(timeout=cfg.hang_s)
        except Exception as exc:  # the recording must survive every fault: anything here is a finding
            rep.recorder_failure = f"{type(exc).__name__}: {exc}"
            frame = recorder.frame
        stop.set()
        await asyncio.gather(*watchers)
        rep.faults = injector.injected
        # Faults off; held requests land; then every client reconciles what it does not know.
        box.faults.clear()
        await asyncio.sleep(cfg.read_timeout + 1.0)
        for idx, client in [*aclients.items(), *bclients.items()]:
            why = await _reconcile(client)
            if why:
                rep.reconcile_failures.append(f"client {idx}: {why}")
        rep.recorder = check_recorder(frame, recorder.polls, RECORDED_BASES)
        rep.bans = check_bans(
            box.requests.snapshot(), sends.snapshot(), sends.answered(), watch.bans, ban_s=cfg.ban_s
        )
    finally:
        stop.set()
        watch.close()
        for ac in [*aclients.values(), rec_client]:
            await ac.aclose()
        for c in bclients.values():
            c.close()
    return journals


def run_campaign(cfg: CampaignConfig, *, journal_dir: str | Path | None = None) -> CampaignReport:
    """Run one campaign (blocking) and return its report."""
    if cfg.blocking < 0 or cfg.clients <= cfg.blocking:
        raise ValueError("need at least one async client: clients > blocking >= 0")
    reset_gates()
    _killswitch.resume()
    rep = CampaignReport(config=cfg)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        home = Path(journal_dir) if journal_dir else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        box = stack.enter_context(Sandbox(seed=cfg.seed, ban_seconds=cfg.ban_s))
        sends = stack.enter_context(trace_sends())
        journals = asyncio.run(_campaign(box, cfg, home, rep, sends))
        records = box.requests.snapshot()
        rep.requests = len(records)
        rep.orders = check_orders(
            {v: box.orders(v) for v in ("binance", "upbit")}, records, rep.tally.submissions, journals
        )
    rep.wall_s = time.perf_counter() - started
    reset_gates()
    return rep
