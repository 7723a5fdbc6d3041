"""The kill switch, checked by the transport immediately before every order placement leaves.

It lives below every order path (helpers, widgets, raw calls), so no code can bypass it.
Cancels stay allowed while it is on: stopping trading must never stop you from flattening.

The switch is shared by every process using the same ``XTOOLKIT_HOME`` (another notebook
kernel, a script): ``kill()`` writes the file ``$XTOOLKIT_HOME/KILLED`` (fsynced) and every
check looks at it, so a kill in one kernel stops placements in all of them until ``resume()``
removes it (in any of them). The in-process flag only stands in when the file cannot be
written: then this process at least stays killed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from xtoolkit._home import default_path

__all__ = ["engaged", "kill", "resume", "switch_path"]

_ON = threading.Event()
_FILE = "KILLED"


def switch_path() -> Path:
    """The shared switch file: ``$XTOOLKIT_HOME/KILLED`` (next to the default journal)."""
    return default_path().parent / _FILE


def kill() -> None:
    """Refuse every order placement, in every process sharing ``XTOOLKIT_HOME``, until :func:`resume`."""
    _ON.set()  # first, so this process is killed even if the file cannot be written
    path = switch_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"killed by pid {os.getpid()}\n")
        fh.flush()
        os.fsync(fh.fileno())
    _ON.clear()  # the file is now the one truth: a resume() in another process clears it


def resume() -> None:
    """Allow order placement again (an explicit act; nothing resumes by itself)."""
    with contextlib.suppress(FileNotFoundError):
        switch_path().unlink()
    _ON.clear()


def engaged() -> bool:
    """True while the kill switch is on (in this process, or set by another one)."""
    if _ON.is_set():  # a kill() whose file could not be written
        return True
    try:
        return switch_path().exists()
    except OSError:
        # An unreadable home cannot prove the switch is off: refuse rather than place.
        return True
