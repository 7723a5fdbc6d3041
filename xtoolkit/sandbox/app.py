"""The aiohttp application: routing, faults, latency, rate limits and the request log.

One catch-all route serves both venues (Binance under ``/api/``, Upbit under ``/v1/``) so every
request — including unknown paths and rejected ones — passes the same pipeline:

1. take a queued fault (synchronously, so faults are consumed in arrival order);
2. apply ``drop`` / ``timeout`` / ``status`` / ``malformed`` / ``delay`` faults;
3. wait the venue's latency;
4. under the state lock: advance the market clock, rate-limit, authenticate, handle;
5. add the venue's rate-limit headers; drop the response for ``lose_response``;
6. record the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import TypeVar

from aiohttp import web

from xtoolkit.sandbox import binance_api, identity, upbit_api
from xtoolkit.sandbox.auth import upbit_unverified_access_key
from xtoolkit.sandbox.binance_params import Params, readable_body
from xtoolkit.sandbox.errors import BINANCE_ERRORS, BinanceError, UpbitError, fault_error
from xtoolkit.sandbox.faults import Fault
from xtoolkit.sandbox.ratelimit import SAPI_IP_LIMIT, SAPI_WEIGHTS, UpbitLimiter, binance_weight, upbit_group
from xtoolkit.sandbox.requestlog import RequestRecord
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.wire import ApiRequest, Reply
from xtoolkit.sandbox.ws_hub import StreamHub

__all__ = ["build_app"]

log = logging.getLogger("xtoolkit.sandbox")

BINANCE_JSON = "application/json;charset=UTF-8"
UPBIT_JSON = "application/json; charset=utf-8"
#: Upbit's rate-limit body (plain text; the JSON shape, if any, is unconfirmed).
UPBIT_429_TEXT = "Too many API requests."
#: Invalid JSON sent by the ``malformed`` fault.
MALFORMED_BODY = '{"code": 0, "msg": "truncated'
_PATTERN_ROUTES = [
    (re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"), method, path)
    for method, path in upbit_api.ROUTES
    if "{" in path
]


def _venue(path: str) -> str | None:
    if path.startswith(("/api/", "/sapi/")):
        return "binance"
    if path.startswith("/v1/"):
        return "upbit"
    return None


def _generic(status: int) -> Reply:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return Reply(status=status, text=f"{status} {phrase}", content_type="text/plain")


def _binance_error(err: BinanceError) -> Reply:
    return Reply(status=err.status, body=err.body(), headers=dict(err.headers), content_type=BINANCE_JSON)


def _upbit_error(err: UpbitError) -> Reply:
    return Reply(status=err.status, body=err.body(), content_type=UPBIT_JSON)


def _fault_reply(state: SandboxState, venue: str, fault: Fault) -> Reply:
    """The response of a ``status`` fault: the venue's real body for 429/418."""
    status = int(fault.status or 500)
    retry = fault.retry_after
    if venue == "binance" and status == 429:
        reply = _binance_error(
            BinanceError(
                -1003,
                BINANCE_ERRORS["TOO_MANY_REQUESTS"].message.format(limit=state.binance_limiter.limit),
                429,
            )
        )
        retry = 60 if retry is None else retry
    elif venue == "binance" and status == 418:
        retry = 120 if retry is None else retry
        until = int(time.time() * 1000 + retry * 1000)
        reply = _binance_error(
            BinanceError(-1003, BINANCE_ERRORS["IP_BANNED"].message.format(until=until), 418)
        )
    elif venue == "upbit" and status in (418, 429):
        reply = Reply(status=status, text=UPBIT_429_TEXT, content_type="text/plain")
    else:
        reply = _generic(status)
    if retry is not None:
        reply.headers["Retry-After"] = str(int(retry) if float(retry).is_integer() else retry)
    return reply


R = TypeVar("R")


def _route(table: Mapping[tuple[str, str], R], method: str, path: str) -> tuple[R | None, dict[str, str]]:
    route = table.get((method, path))
    if route is not None:
        return route, {}
    for pattern, m, key in _PATTERN_ROUTES:
        if m == method:
            found = pattern.match(path)
            if found:
                return table[(m, key)], found.groupdict()
    return None, {}


def _binance_route(state: SandboxState, req: ApiRequest) -> Reply:
    route, _ = _route(binance_api.ROUTES, req.method, req.path)
    if route is None:
        return _generic(404)
    try:
        reply = binance_api.dispatch(state, req, route)
        if reply.text is None:
            reply.content_type = BINANCE_JSON
        return reply
    except BinanceError as err:
        return _binance_error(err)
    except Exception:
        log.exception("sandbox binance handler failed for %s %s", req.method, req.path)
        return _binance_error(BinanceError(-1000, BINANCE_ERRORS["UNKNOWN"].message, 500))


def _process_sapi(state: SandboxState, req: ApiRequest) -> Reply:
    """``/sapi``: its own per-endpoint IP weight and header, 429 without bans (spec §10.1)."""
    weight = SAPI_WEIGHTS.get((req.method, req.path), 1)
    decision = state.sapi_limiter.admit(req.remote, req.path, weight, time.time())
    if decision.status == 429:
        reply = _binance_error(
            BinanceError(-1003, BINANCE_ERRORS["TOO_MANY_REQUESTS"].message.format(limit=SAPI_IP_LIMIT), 429)
        )
        reply.headers["Retry-After"] = str(decision.retry_after)
    else:
        reply = _binance_route(state, req)
    reply.headers["X-SAPI-USED-IP-WEIGHT-1M"] = str(decision.used)
    return reply


def _process_binance(state: SandboxState, req: ApiRequest) -> Reply:
    if req.path.startswith("/sapi/"):
        return _process_sapi(state, req)
    now_s = time.time()
    try:
        params = Params(req.raw_query, readable_body(req.method, req.headers, req.body_text)).values
    except BinanceError:
        params = {}
    rule = binance_weight(req.method, req.path, params)
    weight = rule.cost(params)
    decision = state.binance_limiter.admit(req.remote, weight, now_s)
    if decision.status == 429:
        reply = _binance_error(
            BinanceError(
                -1003,
                BINANCE_ERRORS["TOO_MANY_REQUESTS"].message.format(limit=state.binance_limiter.limit),
                429,
            )
        )
        reply.headers["Retry-After"] = str(decision.retry_after)
    elif decision.status == 418:
        reply = _binance_error(
            BinanceError(
                -1003, BINANCE_ERRORS["IP_BANNED"].message.format(until=decision.banned_until_ms), 418
            )
        )
        reply.headers["Retry-After"] = str(decision.retry_after)
    else:
        reply = _binance_route(state, req)
    used = decision.used
    if reply.succeeded and rule.success is not None:
        used = state.binance_limiter.refund(req.remote, weight - rule.success, now_s)
    reply.headers["X-MBX-USED-WEIGHT-1M"] = str(used)
    return reply


def _process_upbit(state: SandboxState, req: ApiRequest) -> Reply:
    now_s = time.time()
    group = upbit_group(req.method, req.path)
    scope = req.remote
    if group.per_key:
        scope = upbit_unverified_access_key(req.headers.get("Authorization")) or req.remote
    decision = state.upbit_limiter.admit(group, scope, req.remote, now_s)
    if decision.status in (418, 429):
        reply = Reply(status=decision.status, text=UPBIT_429_TEXT, content_type="text/plain")
        if decision.status == 418:
            # Upbit's 418 carries its block period (spec §6; the carrier is unconfirmed, so it
            # goes where clients look first). Without it a client must guess the block's end;
            # xtoolkit assumes 60 s, which outlasts a short sandbox ban many times over.
            reply.headers["Retry-After"] = str(max(1, decision.retry_after))
    else:
        route, match = _route(upbit_api.ROUTES, req.method, req.path)
        req.match = match
        if route is None:
            reply = _generic(404)
        else:
            try:
                reply = upbit_api.dispatch(state, req, route)
                reply.content_type = UPBIT_JSON
            except UpbitError as err:
                reply = _upbit_error(err)
            except Exception:
                log.exception("sandbox upbit handler failed for %s %s", req.method, req.path)
                reply = _upbit_error(UpbitError("server_error", "Internal Server Error", 500))
    reply.headers["Remaining-Req"] = UpbitLimiter.header(group, decision.remaining)
    return reply


def _rate_headers(state: SandboxState, venue: str, request: web.Request, reply: Reply) -> None:
    """Rate-limit headers for a faulted response (reported, not charged)."""
    remote = request.remote or "127.0.0.1"
    now_s = time.time()
    if venue == "binance":
        if not request.path.startswith("/sapi/"):
            reply.headers.setdefault("X-MBX-USED-WEIGHT-1M", str(state.binance_limiter.used(remote, now_s)))
        return
    group = upbit_group(request.method, request.path)
    scope = remote
    if group.per_key:
        scope = upbit_unverified_access_key(request.headers.get("Authorization")) or remote
    reply.headers.setdefault(
        "Remaining-Req", UpbitLimiter.header(group, state.upbit_limiter.peek(group, scope, now_s))
    )


def _drop(request: web.Request) -> web.Response:
    """Close the connection without a response."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=204)


def build_app(
    state: SandboxState, released: asyncio.Event, streams: StreamHub | None = None
) -> web.Application:
    """The aiohttp application serving both venues from ``state``; ``released`` is set on
    shutdown and frees requests held by ``timeout`` faults; ``streams`` adds the websocket
    market streams."""

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        venue = _venue(path)
        arrival = time.time()
        raw_query = request.rel_url.raw_query_string
        fault = state.faults.take(venue, path) if venue else None

        def record(status: int) -> None:
            state.log.append(
                RequestRecord(
                    venue or "",
                    request.method,
                    path,
                    status,
                    arrival,
                    raw_query,
                    fault.kind if fault else None,
                )
            )

        if venue is None:
            record(404)
            return web.Response(status=404, text="404 Not Found")
        if fault is not None and fault.kind == "drop":
            record(0)
            return _drop(request)
        if fault is not None and fault.kind == "timeout":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), fault.hold_seconds)
            record(0)
            return _drop(request)
        body = await request.read()
        if fault is not None and fault.kind == "late":
            # Held past the client's read timeout, then applied below: an order the venue
            # places after the client gave up on it.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), fault.hold_seconds)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(float(fault.delay or 0))
        latency = state.faults.latency_of(venue)
        if latency > 0:
            await asyncio.sleep(latency)
        if fault is not None and fault.kind in ("status", "malformed", "error"):
            if fault.kind == "status":
                reply = _fault_reply(state, venue, fault)
            elif fault.kind == "error":
                err = fault_error(venue, fault.error, fault.status)
                reply = _binance_error(err) if isinstance(err, BinanceError) else _upbit_error(err)
            else:
                reply = Reply(
                    status=200,
                    text=MALFORMED_BODY,
                    content_type=BINANCE_JSON if venue == "binance" else UPBIT_JSON,
                )
            with state.lock:
                _rate_headers(state, venue, request, reply)
        else:
            req = ApiRequest(
                venue=venue,
                method=request.method,
                path=path,
                raw_query=raw_query,
                body=body,
                headers=request.headers,
                remote=request.remote or "127.0.0.1",
                match={},
                now_ms=state.venue_ms(venue),
            )
            with state.lock:
                state.sync()
                req.now_ms = state.venue_ms(venue)
                process = _process_binance if venue == "binance" else _process_upbit
                reply = process(state, req)
        if fault is not None and fault.kind in ("lose_response", "late"):
            record(0)
            return _drop(request)
        if fault is not None and fault.kind == "shape":
            # Processed for real, but the 2xx body has an unexpected shape (null, [], {} ...).
            reply = Reply(
                status=200,
                text=fault.body or "null",
                content_type=BINANCE_JSON if venue == "binance" else UPBIT_JSON,
                headers=reply.headers,
            )
        record(reply.status)
        content_type, _, charset = reply.content_type.partition(";")
        response = web.Response(
            status=reply.status,
            body=reply.payload().encode("utf-8"),
            headers=reply.headers,
        )
        response.content_type = content_type.strip()
        response.charset = "utf-8" if charset or content_type.startswith("text/") else None
        return response

    app = web.Application(client_max_size=1024**2)
    if streams is not None:
        streams.install(app)  # before the catch-all, which would answer 404
    identity.install(app)  # the token proving this is a sandbox (before the catch-all)
    # Every venue endpoint is a route of its own (so the router lists what is served); they
    # all run the same pipeline as the catch-all, which answers everything else.
    for method, path in (*binance_api.ROUTES, *upbit_api.ROUTES):
        app.router.add_route(method, path, handle)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app
