"""The one sync <-> async bridge: a private event loop on a daemon thread.

``Client`` submits the engine's coroutines here with ``run_coroutine_threadsafe``, so blocking
calls behave the same in a script, inside Jupyter's running loop, in widget callbacks and in
Voila — with no patching of asyncio. An interrupt (Ctrl-C, "interrupt kernel") while waiting
cancels the call in flight on the loop thread and re-raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from xtoolkit._errors import ClientClosed

__all__ = ["LoopThread"]

T = TypeVar("T")

_SLICE = 0.05


class LoopThread:
    """An event loop running forever on its own daemon thread."""

    def __init__(self, name: str = "xtoolkit-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        if self._closed:
            coro.close()
            raise ClientClosed("this client is closed; create a new one")
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop thread and block for its result."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError(
                "blocking call made from the client's own loop thread; await instead"
            )
        future = self.submit(coro)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Wait in short slices: each slice returns to the interpreter, so an interrupt
            # (a real SIGINT or Jupyter's simulated one) is raised here promptly.
            while True:
                try:
                    return future.result(_SLICE)
                except concurrent.futures.TimeoutError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise
        except BaseException:
            future.cancel()
            raise

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` running on the loop thread from another event loop."""
        return await asyncio.wrap_future(self.submit(coro))

    def close(self, timeout: float = 5.0) -> None:
        """Stop the loop and join the thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if not self.loop.is_running():
            self.loop.close()

    @property
    def closed(self) -> bool:
        return self._closed
