"""Upbit pacing shared by the suite's requests and its setups: a polite client reads
``Remaining-Req`` and waits for the next window of a group whose budget is spent (spec
upbit.md §6). The suite is not about rate limits here, so it never runs into them."""

from __future__ import annotations

import time
from collections.abc import Mapping

__all__ = ["note", "pace"]

#: Per sandbox URL and group: (window index, requests left) from the last ``Remaining-Req``.
_BUDGET: dict[tuple[str, str], tuple[int, int]] = {}
#: Upbit's one group not counted per second (1 per 2 s).
_WINDOWS = {"order-cancel-all": 2.0}


def pace(url: str) -> None:
    """Sleep until no group of ``url`` is known to be out of budget."""
    for (where, group), (window, left) in list(_BUDGET.items()):
        size = _WINDOWS.get(group, 1.0)
        if where == url and left <= 0 and int(time.time() // size) == window:
            time.sleep(max(0.0, (window + 1) * size + 0.02 - time.time()))


def note(url: str, headers: Mapping[str, str]) -> None:
    """Remember what an answer's ``Remaining-Req`` says."""
    header = headers.get("Remaining-Req") or headers.get("remaining-req")
    if header:
        fields = dict(part.strip().split("=", 1) for part in header.split(";"))
        group = fields.get("group", "")
        size = _WINDOWS.get(group, 1.0)
        _BUDGET[(url, group)] = (int(time.time() // size), int(fields.get("sec", "1")))
