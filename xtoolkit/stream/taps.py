"""One ``async for`` consumer of a stream: a bounded queue living on the consumer's own loop.

The stream pushes from its loop (the client's thread, or the same loop); a consumer that falls
``maxsize`` records behind loses the newest ones, and then receives a ``gap=True`` row saying
how many it lost — where the loss happened, even when nothing else arrives after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

from xtoolkit.stream.records import StreamRecord, gap_record

__all__ = ["RecordTap"]


class RecordTap:
    """A consumer queue; :meth:`push`/:meth:`finish` from the stream, :meth:`get` by the reader."""

    def __init__(self, loop: asyncio.AbstractEventLoop, maxsize: int, same_loop: bool) -> None:
        self.loop = loop
        self.maxsize = maxsize
        self.same_loop = same_loop
        self.items: deque[StreamRecord] = deque()
        self.lost: dict[str, int] = {}
        self.done = False
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    def push(self, rec: StreamRecord) -> None:
        """Queue ``rec`` (thread-safe when the consumer runs on another loop)."""
        if self.same_loop:
            self._put(rec)
        else:
            with contextlib.suppress(RuntimeError):  # the consumer's loop is gone
                self.loop.call_soon_threadsafe(self._put, rec)

    def finish(self, error: BaseException | None = None) -> None:
        """End the iteration once the queue is drained (raising ``error`` if given)."""

        def done() -> None:
            self.done = True
            self.error = error
            self._wake()

        if self.same_loop:
            done()
        else:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(done)

    async def get(self) -> StreamRecord | None:
        """The next record; None when the stream ended; raises the error that ended it."""
        if not self.items and self.lost:
            self._report_lost()  # drained: say what was lost even if nothing else comes
        while not self.items:
            if self.done:
                if self.error is not None:
                    raise self.error
                return None
            self._waiter = self.loop.create_future()
            await self._waiter
        return self.items.popleft()

    def _put(self, rec: StreamRecord) -> None:
        if len(self.items) >= self.maxsize:
            self.lost[rec.exchange] = self.lost.get(rec.exchange, 0) + 1
            return
        self._report_lost()  # the lost records came before this one
        self.items.append(rec)
        self._wake()

    def _report_lost(self) -> None:
        now = time.time()
        for exchange, n in self.lost.items():
            why = f"consumer too slow: {n} records dropped from its queue"
            self.items.append(gap_record(exchange, None, None, now, why))
        self.lost = {}

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
