"""The randomized fault campaign, CI-sized: zero duplicates, zero unresolved intents.

The full-size run (``python bench/order_campaign.py --intents 500``) reports the same figures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "order_campaign.py"


def _campaign() -> ModuleType:
    spec = importlib.util.spec_from_file_location("order_campaign", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [11])
def test_fault_campaign_places_no_duplicate_and_leaves_nothing_unresolved(seed: int, tmp_path: Path) -> None:
    report = _campaign().run_campaign(60, seed=seed, journal_dir=tmp_path)
    assert report.intents == 60
    faulted = sum(n for kind, n in report.faults.items() if kind != "clean")
    assert faulted >= 25, report.faults  # the campaign really injected faults
    assert report.outcomes["unknown"] >= 5 and report.journaled >= 50
    assert report.venue_orders > 0
    for kind in ("shape", "late", "kill_wait", "kill_other"):  # issue 12's hostile answers ran
        assert report.faults[kind] >= 1, report.faults
    assert report.outcomes["refused:kill_switch"] >= 2, report.outcomes
    assert (report.duplicates, report.orphans, report.unresolved, report.mismatches, report.resends) == (
        0,
        0,
        0,
        0,
        0,
    ), report.problems
