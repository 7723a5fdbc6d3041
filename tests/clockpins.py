"""The instants tests pin the sandbox's clock to, so calendar assertions hold on any date.

A test that asserts calendar facts (this day's candles, "three days ago") starts its sandbox
with ``now=PINNED`` and reads "now" from the sandbox (``box.now``), never from the machine.
Everything else is relative to whatever the sandbox's clock says.
"""

from __future__ import annotations

from datetime import UTC, datetime

#: Noon UTC: far from a day boundary, so "today" holds half a day of trades.
PINNED = "2026-11-21T12:00:00Z"
PINNED_AT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
#: A second start, months later, for "same window, any start" checks.
PINNED_LATER = "2027-03-02T08:30:00Z"
