"""Dry-run or live: the one place that decides whether an order may leave the process.

Live trading takes two deliberate acts: ``mode="live"`` on the client **and** the environment
variable ``XTOOLKIT_ALLOW_LIVE=1``. A sandbox venue (a local exchange with fake money) needs only
the first. Anything else is a dry run: plans preview and validate, nothing is placed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from xtoolkit._errors import InvalidArgument

__all__ = ["ALLOW_LIVE_ENV", "MODES", "ModeDecision", "check_mode", "decide"]

ALLOW_LIVE_ENV = "XTOOLKIT_ALLOW_LIVE"
MODES = ("dry_run", "live")

Label = Literal["DRY-RUN", "LIVE", "SANDBOX"]


@dataclass(frozen=True, slots=True)
class ModeDecision:
    """What happens on ``submit``: ``label`` shown loudly, ``sends`` whether orders go out."""

    requested: str
    label: Label
    sends: bool
    reason: str


def check_mode(mode: str) -> str:
    """Validate a client's ``mode`` argument."""
    if mode not in MODES:
        raise InvalidArgument(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def decide(mode: str, *, sandbox: bool, environ: Mapping[str, str] | None = None) -> ModeDecision:
    """Decide for one venue. ``environ`` defaults to ``os.environ`` (read at call time)."""
    env = os.environ if environ is None else environ
    check_mode(mode)
    if mode == "dry_run":
        return ModeDecision(
            mode,
            "DRY-RUN",
            False,
            "dry-run (the default): nothing is placed; create the client with mode='live' to trade"
            + ("" if sandbox else f" and set {ALLOW_LIVE_ENV}=1"),
        )
    if sandbox:
        return ModeDecision(mode, "SANDBOX", True, "live on a sandbox venue: fake money, real protocol")
    if env.get(ALLOW_LIVE_ENV, "").strip() == "1":
        return ModeDecision(mode, "LIVE", True, f"live: mode='live' and {ALLOW_LIVE_ENV}=1")
    return ModeDecision(
        mode,
        "DRY-RUN",
        False,
        f"mode='live' was asked for but {ALLOW_LIVE_ENV} is not 1 in the environment: dry-run",
    )
