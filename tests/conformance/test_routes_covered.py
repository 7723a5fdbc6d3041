"""Every route the sandbox app registers has at least one conformance row, so an endpoint
added without rows fails here (the aiohttp router is introspected, not a hand-kept list)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable

from conf_binance import BINANCE_ROWS
from conf_rows import Row
from conf_upbit import UPBIT_ROWS

from xtoolkit.sandbox import identity
from xtoolkit.sandbox.app import build_app
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.ws_hub import StreamHub

#: Routes that are not a venue endpoint: the catch-all answering everything not served (its
#: answers have rows: unknown paths, retired paths, the absent withdrawal endpoints) and the
#: sandbox's own identity token.
NOT_VENUE_ROUTES = frozenset({"/{tail}", identity.PATH})
_VAR = re.compile(r"\{(\w+)(?::([^}]+))?\}")


def registered_routes() -> set[tuple[str, str]]:
    """(method, path pattern) of every route of a freshly built sandbox app (HEAD folded into
    GET)."""
    state = SandboxState(
        seed=7, freeze=True, tick_seconds=1.0, latency=0.0, binance_weight_limit=6000, ban_seconds=120.0
    )
    app = build_app(state, asyncio.Event(), StreamHub(state))
    out = set()
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource is not None else ""
        if canonical in NOT_VENUE_ROUTES or route.method == "HEAD":
            continue
        out.add((route.method, canonical))
    return out


def _pattern(canonical: str) -> re.Pattern[str]:
    parts, last = [], 0
    for m in _VAR.finditer(canonical):
        parts.append(re.escape(canonical[last : m.start()]))
        parts.append(f"(?:{m.group(2)})" if m.group(2) else "[^/]+")
        last = m.end()
    parts.append(re.escape(canonical[last:]))
    return re.compile("^" + "".join(parts) + "$")


def uncovered(routes: Iterable[tuple[str, str]], rows: Iterable[Row]) -> list[tuple[str, str]]:
    """The routes no row exercises (a websocket row counts for the GET route it upgrades)."""
    sent = {("GET" if r.method == "WS" else r.method, r.path.split("?", 1)[0]) for r in rows}
    missing = []
    for method, canonical in sorted(routes):
        pattern = _pattern(canonical)
        if not any(m in (method, "*") and pattern.match(path) for m, path in sent):
            missing.append((method, canonical))
    return missing


def test_every_registered_route_has_a_conformance_row() -> None:
    routes = registered_routes()
    assert ("GET", "/api/v3/depth") in routes and ("GET", "/v1/candles/minutes/{unit}") in routes
    assert ("GET", "/ws/{streams}") in routes and ("GET", "/websocket/v1") in routes
    assert uncovered(routes, (*BINANCE_ROWS, *UPBIT_ROWS)) == []


def test_a_route_without_rows_is_reported() -> None:
    routes = registered_routes() | {
        ("GET", "/api/v3/ticker/tradingDay"),
        ("POST", "/v1/orders/cancel_and_new"),
    }
    assert uncovered(routes, (*BINANCE_ROWS, *UPBIT_ROWS)) == [
        ("GET", "/api/v3/ticker/tradingDay"),
        ("POST", "/v1/orders/cancel_and_new"),
    ]


def test_each_table_stays_within_its_venue() -> None:
    assert all(r.path.startswith(("/api/", "/sapi/", "/ws", "/stream")) for r in BINANCE_ROWS)
    assert all(r.path.startswith(("/v1/", "/websocket/")) for r in UPBIT_ROWS)
    assert len({r.id for r in BINANCE_ROWS}) == len(BINANCE_ROWS)
    assert len({r.id for r in UPBIT_ROWS}) == len(UPBIT_ROWS)
