"""Counters of one stream, so that nothing it skips or repairs goes unreported."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["StreamStats"]


@dataclass
class StreamStats:
    """What a :class:`~xtoolkit.stream.MarketStream` saw and did.

    ``records`` delivered (``gaps`` of them gap rows); ``malformed`` frames skipped;
    ``connects`` / ``reconnects`` / ``connect_failures`` (attempts that did not connect);
    ``snapshots`` REST book snapshots loaded; ``ignored``
    messages for markets not asked for; ``callback_errors`` raised by ``on_record`` callbacks;
    ``errors`` keeps the latest 100 exceptions (typed stream errors, REST failures, callbacks').
    """

    records: int = 0
    gaps: int = 0
    malformed: int = 0
    connects: int = 0
    reconnects: int = 0
    connect_failures: int = 0
    snapshots: int = 0
    ignored: int = 0
    callback_errors: int = 0
    errors: deque[BaseException] = field(default_factory=lambda: deque(maxlen=100))
