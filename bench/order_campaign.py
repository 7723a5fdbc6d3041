"""Randomized fault campaign for the guarded order helpers, against the sandbox.

Places N order intents on both venues while injecting faults at random points — lost
responses, 5xx, timeouts, dropped connections, malformed bodies, 429s, Binance clock skew,
interrupted submits, failing reads, 2xx bodies of the wrong shape, late processing (the
venue applies an order after the client timed out), a kill while an order waits out a rate
pause, a kill from another process sharing ``XTOOLKIT_HOME`` — re-runs submits like a
notebook cell run twice, and reconciles. It then checks the venue against the journal:

* duplicates: client order ids the venue holds more than once (must be 0);
* orphans: venue orders no journal intent accounts for (must be 0);
* unresolved: journal intents still of unknown outcome after the final sweep (must be 0);
* mismatches: journal verdicts that disagree with the venue (must be 0);
* resends: extra order POSTs for one Binance client id other than the transport's single
  re-signed retry after -1021 (must be 0).

    python bench/order_campaign.py --intents 500 [--seed 7]

The CI-sized version runs in ``tests/orders/test_order_campaign.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import xtoolkit as xt
from xtoolkit import _killswitch
from xtoolkit._ratelimit import reset_gates
from xtoolkit.orders import Limits, OrderPlan
from xtoolkit.orders.journal import Journal
from xtoolkit.sandbox import Sandbox

D = Decimal

MARKETS = {
    "binance": [("binance:BTC/USDT", "BTCUSDT", "0.0002"), ("binance:ETH/USDT", "ETHUSDT", "0.004")],
    "upbit": [("upbit:BTC/KRW", "KRW-BTC", "0.0002"), ("upbit:ETH/KRW", "KRW-ETH", "0.004")],
}
ORDER_PATH = {"binance": "/api/v3/order", "upbit": "/v1/orders"}
READ_PATHS = {
    "binance": ["/api/v3/depth", "/api/v3/account", "/api/v3/openOrders", "/api/v3/order"],
    "upbit": ["/v1/orderbook", "/v1/orders/chance", "/v1/orders/open", "/v1/order"],
}
#: Fault kind -> weight. "clean" sends no fault.
FAULTS: dict[str, int] = {
    "clean": 34,
    "lose_response": 12,
    "5xx": 10,
    "timeout": 7,
    "drop": 8,
    "malformed": 4,
    "429": 8,
    "clock_skew": 7,
    "interrupt": 5,
    "read_fault": 5,
    "shape": 6,  # processed, then a 2xx body of the wrong shape (null, [], {}, wrong types, deep)
    "late": 6,  # held past the read timeout, then applied: the venue acts after the client gave up
    "kill_wait": 3,  # xt.kill() while the order waits out a rate-limit pause
    "kill_other": 1,  # another process sharing XTOOLKIT_HOME kills, then resumes
}
#: The 2xx bodies of the "shape" fault.
SHAPES = ("null", "[]", "{}", '{"orderId": [1], "status": {}}', '{"uuid": 5}', "[" * 40 + "]" * 40)


@dataclass
class Report:
    """What a campaign did and what it found."""

    intents: int = 0
    journaled: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    reruns: int = 0
    venue_orders: int = 0
    duplicates: int = 0
    orphans: int = 0
    unresolved: int = 0
    provisional: int = 0  # NOT_FOUND before the venue's horizon (re-checked; not unresolved)
    mismatches: int = 0
    resends: int = 0
    wall_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not (self.duplicates or self.orphans or self.unresolved or self.mismatches or self.resends)

    def lines(self) -> list[str]:
        return [
            f"intents              {self.intents}",
            f"journaled intents    {self.journaled}",
            f"orders on the venues {self.venue_orders}",
            f"re-run submits       {self.reruns}",
            "faults by kind       " + ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())),
            "outcomes             " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
            f"duplicates           {self.duplicates}",
            f"orphans              {self.orphans}",
            f"unresolved           {self.unresolved}",
            f"provisional NOT_FOUND {self.provisional}",
            f"mismatches           {self.mismatches}",
            f"resends              {self.resends}",
            f"wall time            {self.wall_s:.1f} s "
            f"({self.intents / max(self.wall_s, 1e-9):.1f} intents/s)",
        ]


def _plan(client: xt.Client, box: Sandbox, rng: random.Random, venue: str, *, passive: bool) -> OrderPlan:
    market, native, qty = rng.choice(MARKETS[venue])
    side = rng.choice(("buy", "sell"))
    mid = D(box.market.mid(venue, native))
    if passive:
        # Resting, never trading: the sandbox's tape cannot take a trade stamped by a skewed clock.
        price = mid * (D("0.99") if side == "buy" else D("1.01"))
        return client.order(market, side, qty=qty, price=str(price))
    if rng.random() < 0.25:  # market order: Upbit buys by total, everything else by quantity
        if venue == "upbit" and side == "buy":
            return client.order(market, side, quote_qty=str((mid * D(qty)).quantize(D(1))))
        return client.order(market, side, qty=qty)
    offset = D(str(round(rng.uniform(-0.004, 0.004), 5)))  # some cross the spread, some rest
    size = D(qty) * D(str(round(rng.uniform(0.5, 2.0), 2)))
    return client.order(market, side, qty=str(size), price=str(mid * (1 + offset)))


def _inject(box: Sandbox, rng: random.Random, venue: str, kind: str) -> None:
    path = ORDER_PATH[venue]
    if kind == "lose_response":
        box.faults.next(venue, kind="lose_response", endpoint=path)
    elif kind == "5xx":
        box.faults.next(venue, status=rng.choice((500, 502, 503, 504)), endpoint=path)
    elif kind == "timeout":
        box.faults.next(venue, kind="timeout", delay=1.0, endpoint=path)
    elif kind in ("drop", "malformed"):
        box.faults.next(venue, kind=kind, endpoint=path)
    elif kind == "429":
        box.faults.next(venue, status=429, retry_after=0.1, endpoint=path)
    elif kind == "clock_skew":
        box.faults.clock_skew("binance", ms=7000)
    elif kind == "interrupt":
        box.faults.next(venue, kind="delay", delay=0.25, endpoint=path)
    elif kind == "read_fault":
        box.faults.next(venue, status=503, endpoint=rng.choice(READ_PATHS[venue]))
    elif kind == "shape":
        box.faults.next(venue, kind="shape", body=rng.choice(SHAPES), endpoint=path)
    elif kind == "late":
        # 1 s > the 0.5 s read timeout: Upbit places it late; Binance refuses it (recvWindow).
        box.faults.next(venue, kind="late", delay=1.0, endpoint=path)


def _other_process(action: str) -> None:
    """``xt.kill()`` or ``xt.resume()`` from another process sharing this XTOOLKIT_HOME."""
    subprocess.run([sys.executable, "-c", f"import xtoolkit; xtoolkit.{action}()"], check=True, timeout=120)


def _interrupted_submit(client: xt.Client, plan: OrderPlan) -> None:
    """What "interrupt kernel" does to a blocking submit: cancel it on the loop thread mid-request."""
    future = client.submit(plan.asubmit(confirm=True))  # the bridge, as a cell interrupt sees it
    time.sleep(0.12)
    future.cancel()
    deadline = time.monotonic() + 5
    while not future.done() and time.monotonic() < deadline:
        time.sleep(0.01)


def _submit(
    client: xt.Client, box: Sandbox, plan: OrderPlan, rng: random.Random, kind: str, rep: Report
) -> None:
    try:
        if kind == "interrupt":
            _interrupted_submit(client, plan)
            rep.outcomes["interrupted"] += 1
            return
        if kind == "kill_wait":
            client.venue(plan.intent.ref.exchange).gate.pause(0.4)  # as after a 429
            threading.Timer(0.1, xt.kill).start()
        elif kind == "kill_other":
            _other_process("kill")
        plan.submit(confirm=True)
        rep.outcomes["placed"] += 1
    except xt.KillSwitchOn:
        rep.outcomes["refused:kill_switch"] += 1
    except xt.OrderStatusUnknown:
        rep.outcomes["unknown"] += 1
        if rng.random() < 0.5:
            with contextlib.suppress(xt.OrderNotFound, xt.OrderStatusUnknown):
                plan.reconcile()
    except xt.LimitExceeded as exc:
        rep.outcomes[f"refused:{exc.rule}"] += 1
    except (xt.ExchangeError, xt.RateLimited) as exc:
        rep.outcomes[f"rejected:{type(exc).__name__}"] += 1
    finally:
        if kind == "clock_skew":
            box.faults.clock_skew("binance", ms=0)
        if kind == "kill_wait":
            time.sleep(0.15)  # the timer has fired
            xt.resume()
        elif kind == "kill_other":
            _other_process("resume")
    if rng.random() < 0.3:  # the cell ran again
        rep.reruns += 1
        with contextlib.suppress(xt.XtoolkitError):
            plan.submit(confirm=True)


def _verify(box: Sandbox, journal: Journal, rep: Report) -> None:
    records = {r.cid: r for r in journal.intents()}
    rep.journaled = len(records)
    rep.unresolved = sum(1 for r in records.values() if r.unresolved)
    rep.provisional = sum(1 for r in records.values() if r.provisional)
    for venue, key in (("binance", "clientOrderId"), ("upbit", "identifier")):
        held = Counter(str(o.get(key)) for o in box.orders(venue))
        rep.venue_orders += sum(held.values())
        for cid, n in held.items():
            if n > 1:
                rep.duplicates += n - 1
                rep.problems.append(f"duplicate {venue} {cid} ({rep.kinds.get(cid)}) x{n}")
            if cid not in records:
                rep.orphans += 1
                rep.problems.append(f"orphan {venue} {cid}")
        for rec in records.values():
            if rec.venue.get("exchange") != venue or rec.unresolved:
                continue
            on_venue = rec.cid in held
            says_placed = rec.verdict not in ("NOT_FOUND", "REJECTED")
            if on_venue != says_placed:
                rep.mismatches += 1
                rep.problems.append(
                    f"mismatch {venue} {rec.cid} ({rep.kinds.get(rec.cid)}): journal {rec.verdict}, "
                    f"venue {on_venue}"
                )
    posts: dict[str, list[int]] = {}
    for r in box.requests.snapshot():
        if r.exchange == "binance" and r.method == "POST" and r.path == "/api/v3/order":
            cid = (parse_qs(r.query).get("newClientOrderId") or ["?"])[0]
            posts.setdefault(cid, []).append(r.status)
    for cid, statuses in posts.items():
        # Allowed: one send, or one -1021 rejection (HTTP 400) then the transport's re-signed send.
        if len(statuses) > 2 or (len(statuses) == 2 and statuses[0] != 400):
            rep.resends += len(statuses) - 1
            rep.problems.append(f"resent {cid}: {statuses}")


def run_campaign(intents: int = 500, *, seed: int = 7, journal_dir: str | Path | None = None) -> Report:
    """Run ``intents`` order intents with random faults; return the figures."""
    rng = random.Random(seed)
    rep = Report()
    reset_gates()
    started = time.perf_counter()
    home = os.environ.get("XTOOLKIT_HOME")
    with tempfile.TemporaryDirectory() as tmp, Sandbox(seed=seed, freeze=True) as box:
        # The kill switch is shared through XTOOLKIT_HOME: the campaign's kills stay in its own.
        os.environ["XTOOLKIT_HOME"] = tmp
        _killswitch.resume()
        path = Path(journal_dir or tmp) / "campaign-journal.jsonl"
        creds = {
            "binance": box.add_account("binance", {"USDT": "1000000", "BTC": "100", "ETH": "1000"}),
            "upbit": box.add_account("upbit", {"KRW": "10000000000", "BTC": "100", "ETH": "1000"}),
        }
        limits = Limits(
            max_order_notional={"KRW": 10**9, "USDT": 10**6},
            max_daily_notional={},
            max_open_orders=10**6,
            repeat_window_s=0,
            visibility_s=0.5,  # longer than any delay injected below (0.25 s)
            recheck_after_s=60,
        )
        kinds, weights = zip(*FAULTS.items(), strict=True)
        with xt.Client(
            base_urls=box.urls,
            credentials=creds,
            sandbox=True,
            use_env=False,
            mode="live",
            limits=limits,
            journal=path,
            timeout=xt.Timeout(connect=2, read=0.5),
            recv_window_ms=500,  # Binance: "never placed" is proven 1 s after sending
        ) as client:
            for _ in range(intents):
                venue = rng.choice(("binance", "upbit"))
                kind = rng.choices(kinds, weights)[0]
                if kind == "clock_skew" and venue != "binance":
                    kind = "clean"
                rep.intents += 1
                try:
                    plan = _plan(client, box, rng, venue, passive=kind == "clock_skew")
                except (xt.TransportError, xt.ExchangeError) as exc:
                    rep.outcomes[f"preview_failed:{type(exc).__name__}"] += 1
                    continue
                rep.faults[kind] += 1
                rep.kinds[plan.client_order_id] = kind
                _inject(box, rng, venue, kind)
                _submit(client, box, plan, rng, kind, rep)
                if kind == "read_fault":
                    box.faults.clear()  # a read fault the submit did not consume must not linger
            box.faults.clear()
            time.sleep(1.5)  # interrupted and late requests held by the venue land
            for _ in range(5):  # the final sweep, faults off
                if not client.reconcile()["verdict"].eq("UNKNOWN").any():
                    break
            _verify(box, Journal(path), rep)
        _killswitch.resume()
    if home is None:
        os.environ.pop("XTOOLKIT_HOME", None)
    else:
        os.environ["XTOOLKIT_HOME"] = home
    rep.wall_s = time.perf_counter() - started
    return rep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--intents", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    # The injected clock skew makes the transport warn on every re-sync; the figures say enough.
    logging.getLogger("xtoolkit.http").setLevel(logging.ERROR)
    rep = run_campaign(args.intents, seed=args.seed)
    if args.json:
        print(
            json.dumps(
                {
                    **{k: v for k, v in vars(rep).items() if k not in ("faults", "outcomes")},
                    "faults": dict(rep.faults),
                    "outcomes": dict(rep.outcomes),
                },
                indent=2,
            )
        )
    else:
        print("\n".join(rep.lines()))
        for p in rep.problems[:20]:
            print("PROBLEM", p)
    return 0 if rep.clean else 1


if __name__ == "__main__":
    sys.exit(main())
