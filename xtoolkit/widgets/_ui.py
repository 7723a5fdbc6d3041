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
import os
import re
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
    "show_panel",
    "user_terms",
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

    def __init__(self, *, translate: Callable[[str], str] | None = None) -> None:
        self.widget = ipw.HTML(value="", layout=ipw.Layout(width="100%"))
        self.translate = translate
        self.last_error: BaseException | None = None
        self.last_action = ""
        self._lock = threading.Lock()

    def show(self, action: str, exc: BaseException) -> None:
        with self._lock:
            self.last_error = exc
            self.last_action = action
            message = str(exc)
            if self.translate is not None:
                message = self.translate(message)
            detail = escape(message) or "(no message)"
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


#: Keyword names of the order API as the ticket's fields are labelled on screen.
_FIELD_NAMES = {"quote_qty": "Spend", "qty": "Quantity", "price": "Price"}
_FIELD_RE = re.compile(r"\b(quote_qty|qty|price)=(?=[\s,.;:)'\"]|$)")


def user_terms(message: str) -> str:
    """An order-layer message in the ticket's words: ``qty=`` -> "Quantity", ``quote_qty=`` -> "Spend".

    Only the bare keyword form (``qty=`` followed by a separator) is rewritten: a value such
    as ``qty=0.5`` is left as it is, so no number in a message changes.
    """
    return _FIELD_RE.sub(lambda m: f'"{_FIELD_NAMES[m.group(1)]}"', message)


# --- static snapshots for saved notebooks ---------------------------------------------------

#: Hides every snapshot once a live panel has rendered on the page (JupyterLab, Voila, a
#: notebook exported with its widget state and online): a snapshot is only for pages where
#: the widgets cannot run, such as ``jupyter nbconvert --to html``.
_SNAPSHOT_STYLE = (
    "<style>body:has(.xt-live) .jp-OutputArea-child:has(.xt-snapshot),"
    "body:has(.xt-live) .xt-snapshot{display:none !important}</style>"
)


def in_voila() -> bool:
    """True in a kernel Voila started (it sets ``SERVER_SOFTWARE=voila/<version>``)."""
    return os.environ.get("SERVER_SOFTWARE", "").lower().startswith("voila")


def snapshot_block(title: str, body: str) -> str:
    """A panel's static snapshot as saved HTML: a framed box saying what it is."""
    return (
        f'{_SNAPSHOT_STYLE}<div class="xt-snapshot" style="border:1px dashed #cbd5e1;'
        'border-radius:6px;padding:8px 12px;margin:4px 0">'
        f'<div style="color:#6b7280;font-size:12px;margin-bottom:4px">{escape(title)} · static snapshot '
        "(the live panel needs a running kernel)</div>"
        f"{body}</div>"
    )


def show_panel(panel: Any, snapshot: Callable[[], str] | None) -> None:
    """Display ``panel`` in a notebook: a static snapshot output, then its live widget.

    The snapshot is what ``nbconvert --to html`` keeps (widget views are blank without a
    running kernel); live frontends hide it as soon as the widget renders (:data:`_SNAPSHOT_STYLE`).
    Under Voila, an app that is never exported, only the widget is sent.
    """
    from IPython.display import HTML, display

    panel.widget.add_class("xt-live")
    if snapshot is not None and not in_voila():
        try:
            body = snapshot()
        except Exception as exc:  # a snapshot is a courtesy: never let it hide the live panel
            log.warning("static snapshot of %s failed: %s: %s", type(panel).__name__, type(exc).__name__, exc)
        else:
            display(HTML(body), metadata={"xtoolkit": "snapshot"})
    display(panel._repr_mimebundle_(), raw=True)
