"""A thread-safe log of the requests the sandbox handled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["RequestLog", "RequestRecord"]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One handled request.

    ``status`` is the HTTP status sent, or ``0`` when no response was sent (``drop``,
    ``timeout`` and ``lose_response`` faults); ``fault`` names the injected fault, if any;
    ``ts`` is the arrival time (epoch seconds); ``query`` the raw query string.
    """

    exchange: str
    method: str
    path: str
    status: int
    ts: float
    query: str = ""
    fault: str | None = None


class RequestLog:
    """Append-only, thread-safe sequence of :class:`RequestRecord` (oldest first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        """Add a record."""
        with self._lock:
            self._items.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """A copy of all records."""
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._items[index]

    def filter(
        self, exchange: str | None = None, *, method: str | None = None, path: str | None = None
    ) -> list[RequestRecord]:
        """Records matching every given field."""
        return [
            r
            for r in self.snapshot()
            if (exchange is None or r.exchange == exchange)
            and (method is None or r.method == method)
            and (path is None or r.path == path)
        ]

    def clear(self) -> None:
        """Forget all records."""
        with self._lock:
            self._items.clear()
