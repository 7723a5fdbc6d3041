"""The row model of the conformance tables: one request and what the venue answers to it.

A row is data: method, path, parameters (query string, form body, JSON body), whether it is
signed, optional raw query text (when the exact encoding is the point), extra headers, an optional
``setup`` that prepares the sandbox (a restricted key, a fault, an order to cancel) and
returns placeholders for the parameters, and the expected HTTP status and venue error (a
Binance code, an Upbit error name; ``None`` for a success). Websocket rows (``method="WS"``)
open a connection and may send control messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xtoolkit.sandbox import Sandbox

__all__ = ["Context", "Row", "Setup", "Teardown"]

#: Placeholders and credential overrides a setup hands to its row: ``key``/``secret`` (Binance)
#: or ``access``/``secret`` (Upbit) replace the seeded account's (an empty ``key`` sends no
#: API-key header); Upbit ``nonce``, ``query_hash`` and ``authorization`` override the token;
#: anything else fills ``{name}`` in parameter values. ``{now_ms}`` / ``{now_us}`` are always
#: available (the sandbox clock at send time).
Context = dict[str, str]
Setup = Callable[[Sandbox], Context]
Teardown = Callable[[Sandbox], None]


@dataclass(frozen=True)
class Row:
    """One request and the venue's answer to it."""

    id: str
    method: str
    path: str
    #: Query-string parameters, in send order.
    params: tuple[tuple[str, str], ...] = ()
    #: Form-body parameters (Binance POST/DELETE), in send order.
    form: tuple[tuple[str, str], ...] = ()
    #: JSON-body fields (Upbit POST), in send order.
    json: tuple[tuple[str, Any], ...] = ()
    signed: bool = False
    #: The exact query text to send (then ``params`` are ignored for the query).
    raw_query: str | None = None
    #: A body sent as is, with ``content_type`` (bodies that must *not* be read).
    raw_body: str | None = None
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    setup: Setup | None = None
    teardown: Teardown | None = None
    status: int = 200
    error: int | str | None = None
    #: Websocket rows: control messages to send, each answered by one frame.
    send: tuple[Any, ...] = ()

    def __str__(self) -> str:
        return self.id
