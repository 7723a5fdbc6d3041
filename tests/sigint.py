"""Ctrl-C in tests, whatever the shell that started pytest did with it.

A shell without job control starts background jobs (``cmd &``, a CI runner's step) with
SIGINT ignored, and children inherit that: Python then installs no KeyboardInterrupt handler
and a "Ctrl-C" sent by a test does nothing. Tests that send SIGINT restore the default first.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in this process while the block runs."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def default_sigint_in_child() -> None:
    """``preexec_fn`` for a child that must stop on SIGINT as a terminal's Ctrl-C would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
