"""Progress bars for long work: tqdm.auto when available and someone is watching."""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

__all__ = ["progress_bar"]


def _interactive() -> bool:
    if os.environ.get("TQDM_DISABLE") or os.environ.get("XTOOLKIT_NO_PROGRESS"):
        return False
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class _Bar:
    def __init__(self, total: int | None, desc: str, enabled: bool) -> None:
        self._bar: Any = None
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm is part of the notebook extra; without it, no bar
            return
        self._bar = tqdm(total=total, desc=desc, leave=False, unit="page")

    def update(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def set_total(self, total: int) -> None:
        if self._bar is not None and total != self._bar.total:
            self._bar.total = total
            self._bar.refresh()

    def __enter__(self) -> _Bar:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()


def progress_bar(total: int | None, desc: str, *, enabled: bool | None = None) -> _Bar:
    """A bar for ``total`` steps; ``enabled=None`` shows it only in interactive sessions."""
    return _Bar(total, desc, _interactive() if enabled is None else enabled)
