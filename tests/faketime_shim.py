"""Make ``time.sleep`` work under Debian's libfaketime with the monotonic clock left real.

``.ci/run`` runs the suite with the date moved (``faketime -f +400d``) and
``FAKETIME_DONT_FAKE_MONOTONIC=1`` so that timeouts, rate windows and thread waits keep their
length (faking the monotonic clock too makes libfaketime 0.9.10 hang ``threading`` waits).
In that mode libfaketime refuses the absolute monotonic ``clock_nanosleep`` that CPython's
``time.sleep`` uses (EINVAL), so here — and only under libfaketime — sleeps use ``select``'s
relative timeout instead. Nothing changes outside those runs.
"""

from __future__ import annotations

import os
import select
import time


def _relative_sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:  # select may return early on a signal
        select.select([], [], [], left)


def install() -> bool:
    """Swap ``time.sleep`` when running under libfaketime with a real monotonic clock."""
    under_faketime = "faketime" in os.environ.get("LD_PRELOAD", "") and bool(os.environ.get("FAKETIME"))
    if under_faketime and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
        time.sleep = _relative_sleep
        return True
    return False
