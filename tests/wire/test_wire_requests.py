"""Static request tables: every public verb's exact wire, for both venues, through the public API.

Each row of binance_requests.ROWS / upbit_requests.ROWS runs through a real ``xt.AsyncClient``
and a real ``xt.Client`` pointed (``base_urls``) at a capturing fake venue on 127.0.0.1. The
test then checks what the venue received:

* the row's ``sent`` requests exactly: method, path, query pairs in wire order, JSON body
  fields in body order (decimals as JSON strings), per route in send order;
* that the verbs touched no route besides ``sent``'s and the row's ``also``;
* for every request, the venue's authentication as the spec defines it — Binance: key header,
  ``signature`` last and equal to the HMAC of the exact bytes sent, ``timestamp`` accepted by the
  spec's timing rule against the *venue's* clock; Upbit: a bearer JWT that verifies with the
  secret, carries exactly ``access_key`` and a fresh uuid4 ``nonce`` (plus ``query_hash`` /
  ``query_hash_alg=SHA512`` when there are parameters), whose ``query_hash`` is the SHA-512 of
  the unescaped query (or of the JSON body's fields) that was actually sent; public requests
  carry no credentials at all; every reserved character in a query is percent-encoded.

The client takes its timestamps and nonces from the clock and ``uuid4`` with no public way to
pin them, so those are checked by rule rather than by value.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote

import binance_requests as binance
import jwt
import pytest
import upbit_requests as upbit
from wire_model import Req, Row, Step
from wire_server import CaptureServer, Seen

import xtoolkit as xt

VENUES = {"binance": binance, "upbit": upbit}

#: The public verbs that talk HTTP; each must have rows on both venues.
HTTP_VERBS = (
    "tickers",
    "orderbook",
    "trades",
    "candles",
    "markets",
    "market_info",
    "request",
    "balances",
    "open_orders",
    "order_status",
    "cancel_order",
    "order_history",
    "cancel_all",
    "order",
    "plan.validate",
    "plan.submit",
    "plan.reconcile",
    "reconcile",
    "networks",
    "network_records",
    "trading_fees",
    "fee_records",
)

#: Unreserved characters, percent escapes and the query's own separators (RFC 3986).
ENCODED_QUERY = re.compile(r"[A-Za-z0-9._~%=&+-]*")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _rows() -> Iterator[Any]:
    for venue, table in VENUES.items():
        for row in table.ROWS:
            marks = [pytest.mark.xfail(strict=True, reason=row.deviation)] if row.deviation else []
            yield pytest.param(venue, row, id=f"{venue}-{row.id}", marks=marks)


@pytest.fixture(scope="module")
def server() -> Iterator[CaptureServer]:
    srv = CaptureServer().start()
    yield srv
    srv.stop()


def _client_options(url: str, mode: str) -> dict[str, Any]:
    return {
        "base_urls": {"binance": url, "upbit": url},
        "credentials": {"binance": (binance.KEY, binance.SECRET), "upbit": (upbit.KEY, upbit.SECRET)},
        "use_env": False,
        "env_file": None,
        "mode": mode,
        "progress": False,
        "timeout": xt.Timeout(connect=2, read=5),
    }


def _error(name: str | None) -> type[BaseException] | None:
    return getattr(xt, name) if name else None


def _target(client: Any, last_plan: Any, step: Step, *, awaited: bool) -> Any:
    """The bound method a step calls: a client verb, or ``[a]<name>`` on the last plan."""
    if step.verb.startswith("plan."):
        return getattr(last_plan, ("a" if awaited else "") + step.verb.removeprefix("plan."))
    return getattr(client, step.verb)


def _run_blocking(row: Row, options: dict[str, Any]) -> None:
    with xt.Client(**options) as client:
        last_plan: Any = None
        for step in row.steps:
            target = _target(client, last_plan, step, awaited=False)
            error = _error(step.raises)
            if error is None:
                result = target(*step.args, **step.kwargs)
            else:
                with pytest.raises(error):
                    target(*step.args, **step.kwargs)
                result = None
            if step.verb == "order":
                last_plan = result


async def _run_async(row: Row, options: dict[str, Any]) -> None:
    async with xt.AsyncClient(**options) as client:
        last_plan: Any = None
        for step in row.steps:
            target = _target(client, last_plan, step, awaited=True)
            error = _error(step.raises)
            if error is None:
                result = await target(*step.args, **step.kwargs)
            else:
                with pytest.raises(error):
                    await target(*step.args, **step.kwargs)
                result = None
            if step.verb == "order":
                last_plan = result


# --- matching ---------------------------------------------------------------------------------


def _value_problem(name: str, want: Any, got: str) -> str | None:
    if isinstance(want, str):
        return None if got == want else f"{name}={got!r}, want {want!r}"
    problem = want.check(got)
    return f"{name}: {problem}" if problem else None


def _pairs_problems(what: str, want: Sequence[tuple[str, Any]], got: Sequence[tuple[str, Any]]) -> list[str]:
    if [k for k, _ in want] != [k for k, _ in got]:
        return [f"{what} names {[k for k, _ in got]}, want {[k for k, _ in want]}"]
    problems = []
    for (name, w), (_, g) in zip(want, got, strict=True):
        if not isinstance(g, str):
            problems.append(f"{what} {name} is JSON {type(g).__name__} {g!r}, want a string")
            continue
        problem = _value_problem(name, w, g)
        if problem:
            problems.append(f"{what} {problem}")
    return problems


def _request_problems(want: Req, got: Seen) -> list[str]:
    problems = _pairs_problems("query", want.query, got.params())
    if want.body is None:
        if got.body:
            problems.append(f"body {got.body!r}, want none")
    else:
        try:
            fields = json.loads(got.body, object_pairs_hook=list) if got.body else None
        except ValueError:
            fields = None
        if not isinstance(fields, list):
            problems.append(f"body {got.body!r} is not a JSON object")
        else:
            problems += _pairs_problems("body", want.body, fields)
    return problems


def _by_route(items: Sequence[Any]) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = {}
    for item in items:
        out.setdefault(item.route, []).append(item)
    return out


# --- authentication, as each venue checks it -------------------------------------------------


def _binance_auth_problems(seen: Seen) -> list[str]:
    params = dict(seen.params())
    if seen.path not in binance.SIGNED_PATHS:
        leaked = [h for h in ("X-MBX-APIKEY", "Authorization") if seen.header(h) is not None]
        leaked += [p for p in ("signature", "timestamp", "recvWindow") if p in params]
        return [f"public request carries {leaked}"] if leaked else []
    problems = []
    if seen.header("X-MBX-APIKEY") != binance.KEY:
        problems.append("X-MBX-APIKEY header missing or not the key")
    if seen.header("Authorization") is not None:
        problems.append("an Authorization header on a Binance request")
    signed_part, sep, signature = seen.query.rpartition("&signature=")
    if not sep or "&" in signature:
        return [*problems, "signature is not the last parameter"]
    expected = hmac.new(binance.SECRET.encode(), signed_part.encode() + seen.body, hashlib.sha256).hexdigest()
    if signature.lower() != expected:
        problems.append("signature is not the HMAC-SHA256 of the query and body sent")
    try:
        stamp, window = int(params["timestamp"]), int(params.get("recvWindow", "5000"))
    except (KeyError, ValueError):
        return [*problems, "timestamp missing or not an integer"]
    # Spec §4 timing check, against the venue's clock at arrival.
    if stamp >= seen.server_ms + 1000:
        problems.append(f"timestamp {stamp} is ahead of the venue clock {seen.server_ms} (-1021)")
    if seen.server_ms - stamp > window:
        problems.append(
            f"timestamp {stamp} is outside recvWindow of the venue clock {seen.server_ms} (-1021)"
        )
    return problems


def _upbit_hashed(seen: Seen) -> str:
    """The string Upbit hashes (spec §5): the unescaped query, or the JSON body's fields in order."""
    if seen.method == "POST":
        fields = json.loads(seen.body, object_pairs_hook=list) if seen.body else []
        return "&".join(f"{k}={v}" for k, v in fields)
    return unquote(seen.query)


def _upbit_auth_problems(seen: Seen, nonces: set[str]) -> list[str]:
    if seen.header("X-MBX-APIKEY") is not None:
        return ["an X-MBX-APIKEY header on an Upbit request"]
    auth = seen.header("Authorization")
    if seen.path not in upbit.SIGNED_PATHS:
        return ["public request carries an Authorization header"] if auth is not None else []
    if not auth or not auth.startswith("Bearer "):
        return ["no Authorization: Bearer header"]
    token = auth.removeprefix("Bearer ")
    alg = jwt.get_unverified_header(token).get("alg")
    if alg not in ("HS256", "HS512"):
        return [f"JWT alg {alg!r}, want HS256 or HS512"]
    try:
        claims = jwt.decode(token, upbit.SECRET, algorithms=[alg])
    except jwt.InvalidTokenError as exc:
        return [f"JWT does not verify with the secret: {exc}"]
    problems = []
    hashed = _upbit_hashed(seen)
    want_claims = {"access_key", "nonce"} | ({"query_hash", "query_hash_alg"} if hashed else set())
    if set(claims) != want_claims:
        problems.append(f"JWT claims {sorted(claims)}, want {sorted(want_claims)}")
    if claims.get("access_key") != upbit.KEY:
        problems.append("JWT access_key is not the key")
    nonce = str(claims.get("nonce"))
    if not UUID4.fullmatch(nonce):
        problems.append(f"JWT nonce {nonce!r} is not a uuid4")
    if nonce in nonces:
        problems.append(f"JWT nonce {nonce} reused (nonce_used)")
    nonces.add(nonce)
    if hashed:
        if claims.get("query_hash") != hashlib.sha512(hashed.encode()).hexdigest():
            problems.append(f"query_hash is not the SHA-512 of {hashed!r} (invalid_query_payload)")
        if claims.get("query_hash_alg") != "SHA512":
            problems.append(f"query_hash_alg {claims.get('query_hash_alg')!r}, want 'SHA512'")
    if seen.method == "POST" and not (seen.header("Content-Type") or "").startswith("application/json"):
        problems.append(f"POST Content-Type {seen.header('Content-Type')!r}, want application/json")
    return problems


def _generic_problems(seen: Seen, nonces: set[str]) -> list[str]:
    problems = []
    if not ENCODED_QUERY.fullmatch(seen.query):
        problems.append(f"query {seen.query!r} has a reserved character that is not percent-encoded")
    if seen.method in ("GET", "DELETE") and seen.body:
        problems.append(f"{seen.method} with a body")
    if seen.path.startswith(("/api/v3/", "/sapi/v1/")):
        problems += _binance_auth_problems(seen)
    elif seen.path.startswith("/v1/"):
        problems += _upbit_auth_problems(seen, nonces)
    else:
        problems.append("a path on neither venue")
    return [f"{seen.method} {seen.path}?{seen.query[:120]}: {p}" for p in problems]


# --- the table rows ---------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["async", "blocking"])
@pytest.mark.parametrize(("venue", "row"), list(_rows()))
def test_row_sends_exactly_the_tabled_requests(
    server: CaptureServer, venue: str, row: Row, flavor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if row.mode == "live":
        # The fake venue is not a proven sandbox: it takes live orders the way a real venue would.
        monkeypatch.setenv("XTOOLKIT_ALLOW_LIVE", "1")
    defaults = {**binance.DEFAULTS, **upbit.DEFAULTS}
    server.load(defaults, row.replies)
    options = _client_options(server.url, row.mode)
    if flavor == "async":
        asyncio.run(_run_async(row, options))
    else:
        _run_blocking(row, options)

    seen = server.seen
    assert not server.unanswered, server.unanswered
    problems: list[str] = []
    nonces: set[str] = set()
    for request in seen:
        problems += _generic_problems(request, nonces)

    sent, got = _by_route(row.sent), _by_route(seen)
    for route, wanted in sent.items():
        received = got.get(route, [])
        if len(received) != len(wanted):
            problems.append(f"{route}: {len(received)} request(s), want {len(wanted)}")
            continue
        for i, (want, have) in enumerate(zip(wanted, received, strict=True)):
            problems += [
                f"{route} #{i + 1}: {p}  [sent ?{have.query}]" for p in _request_problems(want, have)
            ]
    others = set(got) - set(sent)
    if others != set(row.also):
        problems.append(
            f"other routes touched {sorted(others)}; the row allows {sorted(row.also)}"
            f" (unexpected {sorted(others - row.also)}, missing {sorted(row.also - others)})"
        )
    assert not problems, "\n".join(problems)


# --- the tables cannot rot silently -----------------------------------------------------------


def _verbs(table: Any) -> set[str]:
    return {step.verb for row in table.ROWS for step in row.steps}


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_every_row_calls_public_verbs_only(venue: str) -> None:
    table = VENUES[venue]
    ids = [row.id for row in table.ROWS]
    assert len(ids) == len(set(ids)), "row ids repeat"
    for row in table.ROWS:
        assert row.spec, f"{row.id} names no spec section"
        for step in row.steps:
            if step.verb.startswith("plan."):
                name = step.verb[5:]
                assert callable(getattr(xt.OrderPlan, name, None)), f"{row.id}: OrderPlan.{name}"
                assert callable(getattr(xt.OrderPlan, "a" + name, None)), f"{row.id}: OrderPlan.a{name}"
            else:
                assert not step.verb.startswith("_"), f"{row.id}: {step.verb} is private"
                assert callable(getattr(xt.AsyncClient, step.verb, None)), (
                    f"{row.id}: AsyncClient.{step.verb}"
                )
                assert callable(getattr(xt.Client, step.verb, None)), f"{row.id}: Client.{step.verb}"
            if step.raises:
                error = getattr(xt, step.raises, None)
                assert isinstance(error, type) and issubclass(error, xt.XtoolkitError), step.raises


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_every_http_verb_has_rows(venue: str) -> None:
    missing = sorted(set(HTTP_VERBS) - _verbs(VENUES[venue]))
    assert not missing, f"{venue} has no rows for {missing}"


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_every_endpoint_the_client_knows_has_a_row(venue: str) -> None:
    """The venue's endpoint table, as ``client.venue(name).adapter`` exposes it, is covered."""
    client = xt.AsyncClient(exchanges=[venue], use_env=False, env_file=None)
    endpoints = list(client.venue(venue).adapter.endpoints.values())
    asyncio.run(client.aclose())
    routes = {req.route for row in VENUES[venue].ROWS for req in row.sent}
    uncovered = []
    for endpoint in endpoints:
        template = re.sub(r"\\{\w+\\}", "[^/]+", re.escape(endpoint.path))
        if not any(m == endpoint.method and re.fullmatch(template, p) for m, p in routes):
            uncovered.append(f"{endpoint.method} {endpoint.path}")
    assert not uncovered, f"{venue} endpoints without a row: {uncovered}"
