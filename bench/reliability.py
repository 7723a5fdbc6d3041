"""Reliability campaign: many concurrent clients, mixed calls, random faults, strict invariants.

    python bench/reliability.py [--clients 20 --blocking 3 --minutes 3 --seed 7 --order-intents 100]

Against an in-process sandbox with short 418 bans: async clients on one event loop, blocking
clients on threads, a premium Recorder, and faults injected at random (429, 418, 5xx, timeouts,
dropped connections, malformed bodies, lost responses, slow answers, clock skew). Then it
checks: zero unhandled exceptions (every failure an ``xtoolkit.XtoolkitError``, counted by
type), zero hung calls, zero requests during a ban (the sandbox's request log), zero duplicate
or orphan orders, every journal intent resolved after ``reconcile()``, every recorder poll a
row or a gap row. Then the ban campaign (``benchlib/ban_campaign.py``: clients on ``127.0.0.1``
and ``localhost``, a venue clock 10 s behind stating ban ends in its own time) checks zero
requests during a ban. Then, with ``--order-intents N``, the sequential order-fault campaign of
``bench/order_campaign.py`` (interrupted submits, re-run cells, lost answers) checks the journal
against the venue once more. Exit status 0 only when all hold. The CI-sized run is
``tests/test_reliability.py``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib.ban_campaign import BanCampaignConfig, run_ban_campaign
from benchlib.campaign import CampaignConfig, run_campaign


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20, help="clients in all (default 20)")
    parser.add_argument(
        "--blocking", type=int, default=3, help="of which blocking Clients on threads (default 3)"
    )
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-every", type=float, default=0.25, help="mean seconds between faults")
    parser.add_argument(
        "--ban-seconds",
        type=float,
        default=30.0,
        help="then the ban campaign (host aliases, venue clock 10 s behind) for this long (0: skip)",
    )
    parser.add_argument(
        "--order-intents",
        type=int,
        default=100,
        help="then run bench/order_campaign.py with this many intents (0: skip)",
    )
    args = parser.parse_args(argv)
    # Clock-skew faults make the transport warn on every re-sync; the summary says enough.
    logging.getLogger("xtoolkit.http").setLevel(logging.ERROR)
    cfg = CampaignConfig(
        clients=args.clients,
        blocking=args.blocking,
        seconds=args.minutes * 60,
        seed=args.seed,
        fault_every=args.fault_every,
    )
    report = run_campaign(cfg)
    print("\n".join(report.lines()))
    clean = report.clean
    if args.ban_seconds > 0:
        for skew_ms, retry_after in ((-10_000, False), (0, True)):
            bans = run_ban_campaign(
                BanCampaignConfig(
                    clients=args.clients, seconds=args.ban_seconds, skew_ms=skew_ms, retry_after=retry_after
                )
            )
            print()
            print("\n".join(bans.lines()))
            clean = clean and bans.clean
    if args.order_intents > 0:
        import order_campaign  # bench/order_campaign.py, next to this file

        orders = order_campaign.run_campaign(args.order_intents, seed=args.seed)
        print(f"\norder-fault campaign (bench/order_campaign.py, {args.order_intents} intents):")
        print("\n".join(f"  {line}" for line in orders.lines()))
        print("  CLEAN" if orders.clean else "  PROBLEMS: " + "; ".join(orders.problems[:10]))
        clean = clean and orders.clean
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
