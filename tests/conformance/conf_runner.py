"""Send one conformance row to the sandbox with a raw aiohttp request and report the answer."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import aiohttp
from conf_pacing import note, pace
from conf_rows import Context, Row
from conf_signing import binance_encode, binance_signature, upbit_hashed, upbit_token
from yarl import URL

from xtoolkit.sandbox import Sandbox

__all__ = ["Outcome", "error_of", "run"]

#: Every wait of the suite is bounded by this (seconds).
TIMEOUT = 10.0
KST = timezone(timedelta(hours=9))


@dataclass
class Outcome:
    """What came back: HTTP status (101 for an accepted websocket), headers, body."""

    status: int
    body: Any
    headers: dict[str, str]


def _fill(value: Any, ctx: Context) -> Any:
    return value.format_map(ctx) if isinstance(value, str) and "{" in value else value


def _pairs(pairs: tuple[tuple[str, Any], ...], ctx: Context) -> list[tuple[str, Any]]:
    return [(k, _fill(v, ctx)) for k, v in pairs]


def _clock(box: Sandbox, ctx: Context) -> Context:
    """Time placeholders from the sandbox clock: now, an hour and two hours ago (ms / µs), and
    timestamps outside the signature window (6 s old, 5 s ahead)."""
    now_ms = int(box.now.timestamp() * 1000)
    times = {
        "now_ms": now_ms,
        "now_us": now_ms * 1000 + 123,
        "hour_ago_ms": now_ms - 3_600_000,
        "hour_ago_us": (now_ms - 3_600_000) * 1000,
        "two_hours_ago_ms": now_ms - 7_200_000,
        "old_ms": now_ms - 6_000,
        "ahead_ms": now_ms + 5_000,
    }
    iso = {
        "now_iso": datetime.fromtimestamp(now_ms / 1000, tz=KST).isoformat(timespec="seconds"),
        "day_ago_iso": datetime.fromtimestamp(now_ms / 1000 - 86_400, tz=KST).isoformat(timespec="seconds"),
        "uid": f"conf-{uuid.uuid4().hex[:20]}",
    }
    return {**{k: str(v) for k, v in times.items()}, **iso, **ctx}


def error_of(venue: str, body: Any) -> int | str | None:
    """The venue error a body carries (Binance ``code``; Upbit ``error.name``), else ``None``."""
    if not isinstance(body, dict):
        return None
    if venue == "binance":
        if isinstance(body.get("error"), dict):  # websocket control replies
            return body["error"].get("code")
        return body.get("code")
    err = body.get("error")
    return err.get("name") if isinstance(err, dict) else None


async def _read(resp: aiohttp.ClientResponse) -> Any:
    text = await resp.text()
    try:
        return json.loads(text)
    except ValueError:
        return text


def _binance_request(box: Sandbox, row: Row, ctx: Context) -> tuple[str, dict[str, str], str | None]:
    query_pairs = [(k, str(v)) for k, v in _pairs(row.params, ctx)]
    form_pairs = [(k, str(v)) for k, v in _pairs(row.form, ctx)]
    headers = dict(row.headers)
    if row.signed:
        names = {k for k, _ in query_pairs + form_pairs}
        if "timestamp" not in names and "timestamp_absent" not in ctx:
            (form_pairs if form_pairs else query_pairs).append(("timestamp", ctx["now_ms"]))
        key = ctx.get("key", box.keys["binance"][0])
        if key:
            headers["X-MBX-APIKEY"] = key
    query = _fill(row.raw_query, ctx) if row.raw_query is not None else binance_encode(query_pairs)
    body = binance_encode(form_pairs) if form_pairs else None
    if row.signed and ctx.get("signature") != "":
        sig = ctx.get("signature") or _sign(box, ctx, query + (body or ""))
        if body is not None:
            body = f"{body}&signature={sig}"
        else:
            query = f"{query}&signature={sig}" if query else f"signature={sig}"
    if body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if row.raw_body is not None:
        body = _fill(row.raw_body, ctx)
        if row.content_type:
            headers["Content-Type"] = row.content_type
    return query, headers, body


def _sign(box: Sandbox, ctx: Context, payload: str) -> str:
    """HMAC hex (upper case on request), or an Ed25519/RSA signature, percent-encoded (spec §12)."""
    pem = ctx.get("private_pem")
    if pem is None:
        sig = binance_signature(ctx.get("secret", box.keys["binance"][1]), payload)
        return sig.upper() if ctx.get("signature_case") == "upper" else sig
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(payload.encode())
    else:
        raw = key.sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    return quote(base64.b64encode(raw).decode(), safe="")


def _upbit_request(box: Sandbox, row: Row, ctx: Context) -> tuple[str, dict[str, str], str | None]:
    query_pairs = [(k, str(v)) for k, v in _pairs(row.params, ctx)]
    json_pairs = _pairs(row.json, ctx)
    headers = dict(row.headers)
    query = _fill(row.raw_query, ctx) if row.raw_query is not None else binance_encode(query_pairs)
    body = json.dumps(dict(json_pairs)) if json_pairs else None
    if body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
    if row.signed:
        if "authorization" in ctx:
            headers["Authorization"] = ctx["authorization"]
        else:
            access = ctx.get("access", box.keys["upbit"][0])
            secret = ctx.get("secret", box.keys["upbit"][1])
            hashed = (
                upbit_hashed((k, str(v)) for k, v in json_pairs)
                if json_pairs
                else (upbit_hashed(query_pairs) if row.raw_query is None else _fill(row.raw_query, ctx))
            )
            token = upbit_token(
                access, secret, hashed or None, nonce=ctx.get("nonce"), query_hash=ctx.get("query_hash")
            )
            headers["Authorization"] = f"Bearer {token}"
    return query, headers, body


async def _ws(session: aiohttp.ClientSession, box: Sandbox, venue: str, row: Row) -> Outcome:
    url = URL(box.ws_urls[venue] + row.path, encoded=True)
    try:
        ws = await session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_receive=TIMEOUT))
    except aiohttp.WSServerHandshakeError as exc:
        return Outcome(exc.status, None, dict(exc.headers or {}))
    reply: Any = None
    try:
        for message in row.send:
            await ws.send_str(message if isinstance(message, str) else json.dumps(message))
            msg = await ws.receive(timeout=TIMEOUT)
            if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                raise AssertionError(f"{row.id}: expected a reply frame, got {msg.type!r}")
            reply = json.loads(msg.data)
    finally:
        await ws.close()
    return Outcome(101, reply, {})


async def run(session: aiohttp.ClientSession, box: Sandbox, venue: str, row: Row) -> Outcome:
    """Prepare (``row.setup``), send, tear down; the answer as an :class:`Outcome`."""
    ctx = await asyncio.to_thread(row.setup, box) if row.setup else {}
    try:
        if row.method == "WS":
            return await _ws(session, box, venue, row)
        ctx = _clock(box, ctx)
        build = _binance_request if venue == "binance" else _upbit_request
        query, headers, body = build(box, row, ctx)
        if venue == "upbit":
            pace(box.url)
        url = URL(box.url + row.path + (f"?{query}" if query else ""), encoded=True)
        async with session.request(row.method, url, headers=headers, data=body) as resp:
            outcome = Outcome(resp.status, await _read(resp), dict(resp.headers))
        if venue == "upbit":
            note(box.url, outcome.headers)
        return outcome
    finally:
        if row.teardown:
            await asyncio.to_thread(row.teardown, box)
