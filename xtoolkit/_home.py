"""Where xtoolkit keeps its files on this machine (the journal, the kill switch, sandbox tokens).

Bottom layer: imports nothing of the package, so the sandbox, the kill switch and the order
journal can all agree on the folder without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_path"]


def default_path() -> Path:
    """``$XTOOLKIT_HOME/journal.jsonl``, else ``$XDG_DATA_HOME/xtoolkit`` or ``~/.local/share/xtoolkit``.

    The journal's default path; its folder holds the other shared files too.
    """
    home = os.environ.get("XTOOLKIT_HOME")
    if home:
        return Path(home).expanduser() / "journal.jsonl"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "xtoolkit" / "journal.jsonl"
