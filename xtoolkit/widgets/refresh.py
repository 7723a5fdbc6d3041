"""Refresh controls: a Refresh button and an auto-refresh toggle backed by one bounded thread.

The auto-refresh thread waits on an ``Event`` between ticks, so ``stop()`` ends it at once
(no sleeping through a long interval); it is a daemon thread, joined with a timeout, and at
most one runs per control. The interval is clamped to ``[min_interval, max_interval]`` and
the thread stops itself after ``max_failures`` failed ticks in a row, so a venue that is
down is not hammered from a forgotten notebook tab.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from xtoolkit.widgets._ui import ErrorBox, guarded, ipw, log

__all__ = ["RefreshControls"]


class RefreshControls:
    """A Refresh button, an Auto toggle and an interval box driving one callback.

    Parameters
    ----------
    callback
        Called (with no arguments) on a click and on every auto-refresh tick. Exceptions are
        shown in ``errors`` and logged; they never escape into the frontend.
    interval
        Seconds between auto-refresh ticks.
    min_interval, max_interval
        Bounds of the interval box.
    max_failures
        Consecutive failed ticks after which auto-refresh switches itself off.
    errors
        Where failures are shown (a shared :class:`ErrorBox`; default: a new one).
    """

    def __init__(
        self,
        callback: Callable[[], Any],
        *,
        interval: float = 5.0,
        min_interval: float = 1.0,
        max_interval: float = 3600.0,
        max_failures: int = 3,
        errors: ErrorBox | None = None,
    ) -> None:
        if min_interval <= 0 or max_interval < min_interval:
            raise ValueError("need 0 < min_interval <= max_interval")
        self._callback = callback
        self.errors = errors or ErrorBox()
        self.max_failures = max_failures
        self.ticks = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.button = ipw.Button(
            description="Refresh",
            tooltip="Refresh",
            icon="refresh",
            button_style="primary",
            layout=ipw.Layout(width="110px"),
        )
        self.auto = ipw.ToggleButton(
            value=False,
            description="Auto",
            tooltip="Auto-refresh",
            icon="clock-o",
            layout=ipw.Layout(width="90px"),
        )
        self.interval = ipw.BoundedFloatText(
            value=min(max(interval, min_interval), max_interval),
            min=min_interval,
            max=max_interval,
            step=1.0,
            description="every (s)",
            style={"description_width": "initial"},
            layout=ipw.Layout(width="140px"),
        )
        self.button.on_click(self._on_click)
        self.auto.observe(self._on_auto, names="value")
        self.widget = ipw.HBox([self.button, self.auto, self.interval])

    # --- the callback, from a click or a tick -------------------------------------------------

    @guarded("refreshing")
    def _on_click(self, _button: Any = None) -> None:
        self._run_once()

    def _run_once(self) -> None:
        # One refresh at a time: a click during a slow auto tick waits for it, never overlaps.
        with self._lock:
            self._callback()

    # --- auto-refresh -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the auto-refresh thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _on_auto(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        """Start auto-refresh (idempotent); the first tick comes after one interval."""
        if self.running:
            return
        self._stop.clear()
        self.failures = 0
        self._thread = threading.Thread(target=self._loop, name="xtoolkit-autorefresh", daemon=True)
        self._thread.start()
        if not self.auto.value:
            self.auto.value = True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop auto-refresh and wait (bounded by ``timeout``) for a tick in flight to end."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
        if self.auto.value:
            self.auto.value = False

    def _loop(self) -> None:
        while not self._stop.wait(float(self.interval.value)):
            try:
                self._run_once()
            except Exception as exc:
                self.failures += 1
                log.error("auto-refresh tick failed: %s: %s", type(exc).__name__, exc, exc_info=exc)
                self.errors.show(f"auto-refreshing (failure {self.failures} of {self.max_failures})", exc)
                if self.failures >= self.max_failures:
                    self._stop.set()
                    self._thread = None
                    # Flip the toggle back so the panel shows that auto-refresh is off.
                    self.auto.value = False
                    return
            else:
                self.ticks += 1
                self.failures = 0

    def close(self) -> None:
        """Stop auto-refresh and close the widgets."""
        self.stop()
        self.widget.close()
