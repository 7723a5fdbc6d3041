"""The one sync <-> async bridge: a private event loop on a daemon thread.

``Client`` submits the engine's coroutines here with ``run_coroutine_threadsafe``, so blocking
calls behave the same in a script, inside Jupyter's running loop, in widget callbacks and in
Voila — with no patching of asyncio. Every wing uses it through the ``Client``'s
``run``/``arun``/``submit`` (the :class:`~xtoolkit._engine.Bridge` protocol): order plans,
streams and research hold no bridge of their own. An interrupt (Ctrl-C, "interrupt kernel") while waiting
cancels the call in flight on the loop thread and re-raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from xtoolkit._errors import ClientClosed, InvalidArgument

__all__ = ["LoopThread"]

T = TypeVar("T")

_SLICE = 0.05
#: On close, calls in flight get this long to unwind after being cancelled.
_CANCEL_GRACE = 2.0


class LoopThread:
    """An event loop running forever on its own daemon thread."""

    def __init__(self, name: str = "xtoolkit-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._closed = False
        # A forked child inherits this object but not the thread: its calls would wait forever.
        self._pid = os.getpid()
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        if os.getpid() != self._pid:
            coro.close()
            raise ClientClosed(
                "this client was created in another process (this one is a fork of it); "
                "create a new client in this process"
            )
        if self._closed:
            coro.close()
            raise ClientClosed("this client is closed; create a new one")
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop thread and block for its result."""
        if threading.current_thread() is self._thread:
            coro.close()
            # A stream callback or a coroutine on this loop blocking on it would deadlock.
            raise InvalidArgument(
                "blocking call made from the client's own loop thread (e.g. in a stream "
                "callback); await the AsyncClient method (client.engine) instead"
            )
        future = self.submit(coro)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Wait in short slices: each slice returns to the interpreter, so an interrupt
            # (a real SIGINT or Jupyter's simulated one) is raised here promptly, and a close()
            # from another thread is noticed even if the loop stopped before this call ended.
            while True:
                try:
                    return future.result(_SLICE)
                except concurrent.futures.TimeoutError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise
                    if self._closed and not self.loop.is_running() and not future.done():
                        raise ClientClosed("the client was closed while this call ran") from None
                except concurrent.futures.CancelledError:
                    if self._closed:
                        raise ClientClosed("the client was closed while this call ran") from None
                    raise
        except BaseException:
            future.cancel()
            raise

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` running on the loop thread from another event loop."""
        return await asyncio.wrap_future(self.submit(coro))

    def close(self, timeout: float = 5.0, final: Coroutine[Any, Any, Any] | None = None) -> None:
        """Cancel the calls in flight, run ``final`` (e.g. closing a session), stop the loop
        and join the thread (idempotent). Callers blocked in :meth:`run` get ``ClientClosed``."""
        if self._closed:
            if final is not None:
                final.close()
            return
        self._closed = True
        if threading.current_thread() is self._thread:
            # Closed from its own loop (a callback): it cannot wait for itself; just stop.
            if final is not None:
                self.loop.create_task(final)
            self.loop.call_soon(self.loop.stop)
            return
        if os.getpid() == self._pid and self.loop.is_running():
            shutdown = asyncio.run_coroutine_threadsafe(_shutdown(final), self.loop)
            with contextlib.suppress(Exception):
                shutdown.result(timeout)
            self.loop.call_soon_threadsafe(self.loop.stop)
        elif final is not None:
            final.close()
        self._thread.join(timeout)
        if not self.loop.is_running():
            self.loop.close()

    @property
    def closed(self) -> bool:
        return self._closed


async def _shutdown(final: Coroutine[Any, Any, Any] | None) -> None:
    """Cancel every other task on this loop, give them a bounded grace, then run ``final``."""
    me = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    for task in others:
        task.cancel()
    if others:
        await asyncio.wait(others, timeout=_CANCEL_GRACE)
    if final is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(final, _CANCEL_GRACE)
