"""The campaign's invariants, checked against the sandbox's own records after the run.

* bans: every 418 a client read opened a ban; no request left a client while its venue was
  banned (client-side send times); every request the sandbox logged inside a ban was sent
  before the ban was known;
* orders: no client order id twice on a venue, no venue order without a journal intent, every
  intent resolved after ``reconcile()``, every verdict agreeing with the venue;
* recorder: every poll left one row per base — a good row or a gap row with its error text.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd

from benchlib.campaign_trace import Answer, Send
from benchlib.campaign_work import Submission
from xtoolkit.orders.journal import IntentRecord, Journal
from xtoolkit.sandbox import RequestRecord

__all__ = ["BanCheck", "OrderCheck", "RecorderCheck", "check_bans", "check_orders", "check_recorder"]

#: Outcomes after which the order may be on the venue, so its intent must be journaled.
MAY_BE_PLACED = frozenset({"placed", "OrderStatusUnknown", "CancelledError"})


@dataclass
class BanCheck:
    """418 answers the venues sent and the clients read, bans opened, requests sent inside them."""

    responses_418: int = 0
    read_418: int = 0
    unread_418: int = 0
    client_bans: int = 0
    sent_during_bans: int = 0
    arrived_during_bans: int = 0
    arrived_in_flight: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def requests_during_bans(self) -> int:
        """Broken ban rules: requests sent during a known ban, 418s read but not honoured."""
        return len(self.violations)


Ban = tuple[str, float, float]  # (venue, when it took effect, until), epoch seconds


def _in_force(bans: Sequence[Ban], venue: str, start: float, end: float) -> Ban | None:
    """The client-side ban of ``venue`` that covers ``start``..``end``, if any."""
    return next((b for b in bans if b[0] == venue and b[1] <= start and b[2] >= end), None)


def check_bans(
    records: Iterable[RequestRecord],
    sends: Sequence[Send],
    answers: Sequence[Answer],
    client_bans: Sequence[Ban],
    *,
    ban_s: float,
    slack: float = 0.5,
) -> BanCheck:
    """The ban rules, checked from both ends.

    * Every 418 a client *read* opened a ban on its venue for about ``ban_s`` (``slack``
      seconds of timing tolerance either side).
    * No request *started* on a client while a ban it had opened was in force (client-side
      send times, exact).
    * Every request the sandbox logged within ``ban_s`` after a 418 that was read is one that
      started before that ban took effect: in flight, or queued in the busy server (its log
      stamps a request when the handler starts) — matched by venue, method, path and query.

    A 418 no client read (its request was cancelled first — a sibling in the same verb failed)
    is counted, not held against the ban rules: nobody knew of it.
    """
    out = BanCheck(client_bans=len(client_bans))
    problems: list[str] = []
    for venue, seen, until in client_bans:
        for x in sends:
            if x.venue == venue and seen < x.t < until:
                out.sent_during_bans += 1
                problems.append(f"{venue} {x.method} {x.path} sent {x.t - seen:.3f} s into a client-side ban")
    read: dict[tuple[str, str, str, str], list[float]] = {}
    for a in answers:
        if a.status == 418:
            read.setdefault((a.venue, a.method, a.path, a.query), []).append(a.t)
    ordered = sorted(records, key=lambda r: r.ts)
    times = [r.ts for r in ordered]
    starts: dict[tuple[str, str, str, str], list[float]] = {}
    for x in sends:
        starts.setdefault((x.venue, x.method, x.path, x.query), []).append(x.t)
    for r in ordered:
        if r.status != 418:
            continue
        out.responses_418 += 1
        got = [t for t in read.get((r.exchange, r.method, r.path, r.query), []) if t >= r.ts]
        if not got:
            out.unread_418 += 1
            continue
        out.read_418 += 1
        seen = min(got)
        # Read at ``seen``: banned from then (give or take ``slack``) until the venue's ban ends.
        ban = _in_force(client_bans, r.exchange, seen + slack, r.ts + ban_s - slack)
        if ban is None:
            problems.append(
                f"{r.exchange} {r.method} {r.path}: a 418 was read at {seen:.3f}, no ban followed"
            )
        began_ban = ban[1] if ban else seen
        lo, hi = bisect.bisect_right(times, r.ts), bisect.bisect_left(times, r.ts + ban_s)
        for x in ordered[lo:hi]:
            if x.exchange != r.exchange:
                continue
            out.arrived_during_bans += 1
            began = [t for t in starts.get((x.exchange, x.method, x.path, x.query), []) if t <= x.ts]
            if began and max(began) < began_ban:
                out.arrived_in_flight += 1
            else:
                problems.append(
                    f"{x.exchange} {x.method} {x.path} logged {x.ts - r.ts:.2f} s after a 418, "
                    "not sent before the ban was known"
                )
    out.violations = problems
    return out


@dataclass
class OrderCheck:
    """Orders on the venues against the clients' journals."""

    submitted: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    intents: int = 0
    venue_orders: int = 0
    duplicates: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)


def _venue_cids(orders: Iterable[Mapping[str, object]], key: str) -> Counter[str]:
    return Counter(str(o.get(key)) for o in orders)


def check_orders(
    venue_orders: Mapping[str, Sequence[Mapping[str, object]]],
    records: Iterable[RequestRecord],
    submissions: Sequence[Submission],
    journals: Mapping[int, Path],
) -> OrderCheck:
    """``venue_orders``: ``box.orders(venue)`` per venue; ``journals``: client index -> journal path."""
    out = OrderCheck(submitted=len(submissions))
    out.outcomes.update(s.outcome for s in submissions)
    intents: dict[str, tuple[int, IntentRecord]] = {}
    for idx, path in journals.items():
        for rec in Journal(path).intents():
            intents[rec.cid] = (idx, rec)
    out.intents = len(intents)
    held: dict[str, Counter[str]] = {}
    for venue, key in (("binance", "clientOrderId"), ("upbit", "identifier")):
        held[venue] = _venue_cids(venue_orders.get(venue, ()), key)
        out.venue_orders += sum(held[venue].values())
        for cid, n in held[venue].items():
            if n > 1:
                out.duplicates.append(f"{venue} {cid} x{n}")
            if cid not in intents:
                out.orphans.append(f"{venue} {cid}")
    # Every Binance order POST names its client id in the query: each must have an intent.
    for r in records:
        if r.exchange == "binance" and r.method == "POST" and r.path == "/api/v3/order":
            cid = (parse_qs(r.query).get("newClientOrderId") or ["?"])[0]
            if cid not in intents:
                out.missing.append(f"binance POST for {cid} (HTTP {r.status}) has no journal intent")
    for sub in submissions:
        if sub.outcome in MAY_BE_PLACED and sub.cid not in intents:
            out.missing.append(f"{sub.venue} {sub.cid} ({sub.outcome}) has no journal intent")
    for cid, (_, rec) in intents.items():
        venue = str(rec.venue.get("exchange"))
        if rec.unresolved:
            out.unresolved.append(f"{venue} {cid} state {rec.state}")
            continue
        out.verdicts[str(rec.verdict)] += 1
        on_venue = cid in held.get(venue, Counter())
        says_placed = rec.verdict not in ("NOT_FOUND", "REJECTED")
        if on_venue != says_placed:
            out.mismatches.append(f"{venue} {cid}: journal {rec.verdict}, on the venue: {on_venue}")
    return out


@dataclass
class RecorderCheck:
    """What a Recorder kept: one row per base per poll, each good or a gap with its reason."""

    polls: int = 0
    rows: int = 0
    good_rows: int = 0
    gap_rows: int = 0
    lost_rows: int = 0
    silent_rows: int = 0
    bad_polls: list[str] = field(default_factory=list)


def check_recorder(frame: pd.DataFrame, polls: int, bases: Sequence[str]) -> RecorderCheck:
    """Rows of ``polls`` polls of ``bases`` (one FX basis) in a Recorder's ``frame``."""
    out = RecorderCheck(polls=polls, rows=len(frame))
    out.lost_rows = polls * len(bases) - len(frame)
    has_error = frame["error"].notna() & (frame["error"].astype("str").str.len() > 0)
    good = ~has_error & frame["premium_pct"].map(lambda v: isinstance(v, float) and math.isfinite(v))
    out.good_rows = int(good.sum())
    out.gap_rows = int(has_error.sum())
    out.silent_rows = int((~has_error & ~good).sum())  # NaN numbers with no reason: never allowed
    for ts, group in frame.groupby("poll_ts", sort=True):
        if sorted(group["base"]) != sorted(bases):
            out.bad_polls.append(f"poll at {ts}: bases {sorted(group['base'])}")
    if frame["poll_ts"].nunique() != polls:
        out.bad_polls.append(f"{frame['poll_ts'].nunique()} distinct poll times for {polls} polls")
    return out
