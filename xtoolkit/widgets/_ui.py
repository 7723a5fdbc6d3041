"""Shared widget plumbing: the ipywidgets import, the error box, guarded callbacks, HTML bits.

Every callback a user can trigger (a click, a dropdown change, an auto-refresh tick) runs
through :func:`guarded`: an exception is logged, shown in the panel's :class:`ErrorBox` and
kept as ``last_error`` — never swallowed, never raised into the frontend where it would
vanish into the browser console.
"""

from __future__ import annotations

import functools
import html
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import pandas as pd

try:
    import ipywidgets as ipw
except ImportError as exc:  # ipywidgets is an optional extra
    raise ImportError("xtoolkit.widgets needs ipywidgets: pip install 'xtoolkit[notebook]'") from exc

__all__ = [
    "ErrorBox",
    "escape",
    "frame_html",
    "frame_text",
    "guarded",
    "ipw",
    "log",
    "now_utc",
    "widget_bundle",
]

log = logging.getLogger("xtoolkit.widgets")

F = TypeVar("F", bound=Callable[..., Any])

_BOX_STYLE = (
    "border:1px solid #fca5a5;background:#fef2f2;color:#991b1b;border-radius:6px;"
    "padding:6px 10px;margin:4px 0;font-size:13px;line-height:1.4"
)


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def now_utc() -> datetime:
    return datetime.now(UTC)


class ErrorBox:
    """A red box under a panel showing the last error, with its type and what was being done.

    ``last_error`` keeps the exception for programmatic use (tests, headless sessions).
    """

    def __init__(self) -> None:
        self.widget = ipw.HTML(value="", layout=ipw.Layout(width="100%"))
        self.last_error: BaseException | None = None
        self.last_action = ""
        self._lock = threading.Lock()

    def show(self, action: str, exc: BaseException) -> None:
        with self._lock:
            self.last_error = exc
            self.last_action = action
            detail = escape(exc) or "(no message)"
            self.widget.value = (
                f'<div class="xt-error" style="{_BOX_STYLE}"><b>{escape(type(exc).__name__)}</b> '
                f"while {escape(action)}: {detail}</div>"
            )

    def clear(self) -> None:
        with self._lock:
            self.last_error = None
            self.last_action = ""
            self.widget.value = ""

    def text(self) -> str:
        if self.last_error is None:
            return ""
        return f"error while {self.last_action}: {type(self.last_error).__name__}: {self.last_error}"


def guarded(action: str) -> Callable[[F], F]:
    """Decorate a panel method so any exception is logged and shown in ``self.errors``.

    The method's own return value passes through; on error it returns ``None`` — which only
    ever reaches ipywidgets' callback machinery, never user code (user-facing methods such as
    ``refresh()`` raise instead).
    """

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                result = fn(self, *args, **kwargs)
            except Exception as exc:
                # Logged with the traceback for whoever configured logging; shown in the box
                # for whoever is looking at the panel.
                log.error("%s failed: %s: %s", action, type(exc).__name__, exc, exc_info=exc)
                self.errors.show(action, exc)
                return None
            return result

        return run  # type: ignore[return-value]

    return wrap


def frame_html(
    df: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    formats: Mapping[str, str] | None = None,
    empty: str = "no rows",
) -> str:
    """A compact HTML table of ``df`` (selected ``columns``, per-column format strings)."""
    view = df if columns is None else df[[c for c in columns if c in df.columns]]
    if view.empty:
        return f'<div style="color:#6b7280;font-style:italic">{escape(empty)}</div>'
    formats = formats or {}
    head = "".join(
        f'<th style="text-align:right;padding:2px 10px;border-bottom:1px solid #e5e7eb">{escape(c)}</th>'
        for c in view.columns
    )
    rows = []
    for record in view.itertuples(index=False):
        cells = []
        for name, value in zip(view.columns, record, strict=True):
            cells.append(
                f'<td style="text-align:right;padding:2px 10px">{escape(_fmt(value, formats.get(name)))}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table class="xt-table" style="border-collapse:collapse;font-size:13px;'
        'font-variant-numeric:tabular-nums">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _fmt(value: Any, spec: str | None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%H:%M:%S")
    if spec and isinstance(value, int | float):
        return format(value, spec)
    if isinstance(value, float):
        return auto_number(value)
    return str(value)


def auto_number(value: float) -> str:
    """Readable at a glance: ``133,602,000`` / ``3,285.93`` / ``0.0012345`` — never ``1e+08``."""
    size = abs(value)
    if size >= 100_000:
        return f"{value:,.0f}"
    if size >= 1000:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.6g}"


def frame_text(df: pd.DataFrame, *, columns: list[str] | None = None, empty: str = "(no rows)") -> str:
    view = df if columns is None else df[[c for c in columns if c in df.columns]]
    if view.empty:
        return empty
    return view.to_string(index=False, float_format=auto_number)


def widget_bundle(widget: Any, text: str, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """A panel's mime bundle: the widget view for frontends, ``text`` for everything else."""
    bundle = widget._repr_mimebundle_(include=include, exclude=exclude)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data = dict(data or {})
    data["text/plain"] = text
    return data
