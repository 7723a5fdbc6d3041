"""The error-object secret scan (issue 12, defect 14).

After each failure path of signed calls on both venues, walk everything an error reporter
could reach from the typed error: its ``repr``/``str``, ``args``, every attribute, the
``__cause__``/``__context__`` chain, and the ``repr`` of every local of every xtoolkit frame in
each traceback. Planted keys and secrets, plus every signature, query hash and bearer token
the server actually received, must appear nowhere.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from scripted_server import Reply, ScriptedServer, Seen
from spec_examples import example

import xtoolkit as xt

B_KEY = "BKEYplanted" + "q" * 45 + "TAIL"
B_SECRET = "BSECRETplanted" + "w" * 50
U_KEY = "UKEYplanted" + "e" * 29 + "TAIL"
U_SECRET = "USECRETplanted" + "r" * 38
ECHO = "__echo_the_request__"
PKG = str(Path(xt.__file__).resolve().parent)


class EchoServer(ScriptedServer):
    """A scripted server whose ``ECHO`` replies quote the whole request back, as some proxies
    and venue error pages do (query with signature, key header, bearer token, body)."""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        key = (request.method, request.path)
        queue = self.queues.get(key)
        if queue and queue[0].body == ECHO:
            reply = queue.popleft()
            body = await request.read()
            self.seen.append(
                Seen(request.method, request.path, request.query_string, body, dict(request.headers))
            )
            text = f"{request.method} {request.path_qs} headers={dict(request.headers)} body={body!r}"
            if reply.headers.get("Content-Type") == "text/plain":
                return web.Response(status=reply.status, text=text)
            return web.json_response(
                {"code": -1022, "msg": text, "error": {"message": text}}, status=reply.status
            )
        return await super()._handle(request)


@pytest.fixture
def server() -> Iterator[EchoServer]:
    srv = EchoServer().start()
    srv.default("GET", "/api/v3/time", Reply(body={"serverTime": int(time.time() * 1000)}))
    srv.default("GET", "/api/v3/account", Reply(body=example("binance", "account")))
    srv.default("GET", "/v1/accounts", Reply(body=example("upbit", "accounts")))
    yield srv
    srv.stop()


def _client(server: ScriptedServer, **kw: Any) -> xt.AsyncClient:
    return xt.AsyncClient(
        base_urls={"binance": server.url, "upbit": server.url},
        credentials={"binance": (B_KEY, B_SECRET), "upbit": (U_KEY, U_SECRET)},
        use_env=False,
        env_file=None,
        timeout=xt.Timeout(connect=2, read=0.5),
        retries=0,
        **kw,
    )


def _needles(server: ScriptedServer) -> set[str]:
    """Planted secrets plus every signature / query hash / JWT the server really received."""
    found = {B_KEY, B_SECRET, U_KEY, U_SECRET, B_KEY[:-4], U_KEY[:-4]}
    for seen in server.seen:
        for m in re.finditer(r"signature=([0-9a-fA-F]+)", seen.query + seen.body.decode("utf-8", "replace")):
            found.add(m.group(1))
        auth = seen.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :]
            found.add(token)
            found.update(part for part in token.split(".") if len(part) > 16)
    return {n for n in found if len(n) >= 16}


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a repr that fails is not a leak; note it and go on
        return f"<repr failed: {type(exc).__name__}>"


def reachable_texts(err: BaseException) -> list[str]:
    """Everything an error reporter could print from ``err`` (bounded walk)."""
    out: list[str] = []
    todo: list[BaseException | None] = [err]
    seen: set[int] = set()
    while todo and len(seen) < 50:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        out += [_safe_repr(e), str(e), _safe_repr(e.args)]
        out += [f"{k}={_safe_repr(v)}" for k, v in getattr(e, "__dict__", {}).items()]
        tb = e.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if str(Path(frame.f_code.co_filename).resolve()).startswith(PKG):
                out += [f"{frame.f_code.co_name}:{k}={_safe_repr(v)}" for k, v in frame.f_locals.items()]
            tb = tb.tb_next
        todo += [e.__cause__, e.__context__]
    return out


def assert_no_secrets(err: BaseException, server: ScriptedServer) -> None:
    needles = _needles(server)
    assert len(needles) >= 4
    for text in reachable_texts(err):
        for needle in needles:
            assert needle not in text, f"secret reachable from {type(err).__name__}: …{text[:300]}"
        assert not re.search(r"eyJ[\w-]{8,}\.[\w-]{8,}\.", text), text[:300]
        assert not re.search(r"signature=[0-9a-fA-F]{16}", text), text[:300]


# Failure paths: (venue, method, path, reply) for a signed read of balances.
PATHS = {
    "binance": ("GET", "/api/v3/account"),
    "upbit": ("GET", "/v1/accounts"),
}
FAILURES: dict[str, Reply] = {
    "timeout": Reply(body={}, delay=2.0),
    "dropped": Reply(drop=True),
    "http-500": Reply(status=500, body="Internal Server Error"),
    "http-503-echo": Reply(status=503, body=ECHO),
    "http-400-echo": Reply(status=400, body=ECHO),
    "http-401-echo": Reply(status=401, body=ECHO),
    "proxy-502-text-echo": Reply(status=502, body=ECHO, headers={"Content-Type": "text/plain"}),
    "http-418": Reply(status=418, body={"code": -1003, "msg": "IP banned"}, headers={"Retry-After": "1"}),
    "http-429": Reply(status=429, body={"code": -1003, "msg": "slow down"}, headers={"Retry-After": "1"}),
    "not-json": Reply(body="<html>surprise</html>"),
    "deep-json": Reply(body="[" * 100_000 + "]" * 100_000),
    "wrong-shape": Reply(body={"balances": "nope", "unexpected": [1, 2]}),
    "echo-200": Reply(status=200, body=ECHO),
}


@pytest.mark.parametrize("venue", ["binance", "upbit"])
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_no_secret_is_reachable_from_a_read_error(server: EchoServer, venue: str, failure: str) -> None:
    method, path = PATHS[venue]
    server.script(method, path, FAILURES[failure])
    async with _client(server) as ac:
        try:
            await ac.balances(venue)
        except xt.XtoolkitError as err:
            assert_no_secrets(err, server)
        else:
            pytest.fail(f"{failure} on {venue} raised nothing")


ORDER_PATHS = {"binance": "/api/v3/order", "upbit": "/v1/orders"}
ORDER_FAILURES = ["timeout", "dropped", "http-503-echo", "http-400-echo", "proxy-502-text-echo", "deep-json"]


@pytest.mark.parametrize("venue", ["binance", "upbit"])
@pytest.mark.parametrize("failure", ORDER_FAILURES)
async def test_no_secret_is_reachable_from_an_order_error(
    server: EchoServer, venue: str, failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xtoolkit.exchanges._spec import Call

    monkeypatch.setenv("XTOOLKIT_ALLOW_LIVE", "1")
    server.script("POST", ORDER_PATHS[venue], FAILURES[failure])
    params: dict[str, Any]
    if venue == "binance":
        params = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": "10000",
            "newClientOrderId": "xt-scan-1",
        }
    else:
        params = {
            "market": "KRW-BTC",
            "side": "bid",
            "ord_type": "limit",
            "volume": "0.001",
            "price": "10000000",
            "identifier": "xt-scan-1",
        }
    async with _client(server, mode="live") as ac:
        try:
            await ac.send(venue, Call("order_new", params))
        except xt.XtoolkitError as err:
            assert_no_secrets(err, server)
        else:
            pytest.fail(f"{failure} on {venue} raised nothing")


def test_the_scan_finds_a_planted_secret_in_frame_locals() -> None:
    # The scan itself must be able to fail: a secret held by an xtoolkit frame is found.
    from xtoolkit import _credentials

    def leaky() -> None:
        held = f"signature={'ab' * 32}"  # noqa: F841 - the local the scan must see
        raise xt.NetworkError("boom")

    leaky.__code__ = leaky.__code__.replace(co_filename=_credentials.__file__)
    with pytest.raises(xt.NetworkError) as info:
        leaky()
    texts = reachable_texts(info.value)
    assert any("signature=abab" in t for t in texts)


def test_proxy_credentials_never_show_in_reprs_or_errors() -> None:
    ac = xt.AsyncClient(
        base_urls={"binance": "http://proxyuser:proxyPASSWORD1@127.0.0.1:9"},
        exchanges=["binance"],
        use_env=False,
        env_file=None,
    )
    texts = [repr(ac), repr(ac.venue("binance")), str(ac.venue("binance"))]
    assert not any("proxyPASSWORD1" in t or "proxyuser" in t for t in texts)


# --- Binance Ed25519 / RSA keys: the private key is as secret as an HMAC secret ---------------

_PAIRS = example("binance", "auth_key_pair_vectors")["key_pair_keys"]


def _pem_needles(kind: str) -> set[str]:
    """Lines of the private key's PEM body, and its raw key material in hex and base64."""
    import base64

    from cryptography.hazmat.primitives import serialization

    pem = _PAIRS[kind]["private_key_pem_pkcs8"]
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    key = serialization.load_pem_private_key(pem.encode(), None)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {*(line[:40] for line in body), der.hex()[-64:], base64.b64encode(der).decode()[-40:]}


def _key_pair_needles(server: ScriptedServer, kind: str) -> set[str]:
    from urllib.parse import unquote

    found = _pem_needles(kind) | {B_KEY, B_KEY[:-4]}
    for seen in server.seen:
        for m in re.finditer(r"signature=([^&\s]+)", seen.query + seen.body.decode("utf-8", "replace")):
            found.update({m.group(1), unquote(m.group(1))})
    return {n for n in found if len(n) >= 16}


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
@pytest.mark.parametrize("failure", ["timeout", "http-400-echo", "proxy-502-text-echo", "echo-200", "wrong-shape"])
async def test_no_key_pair_secret_is_reachable_from_a_read_error(server: EchoServer, kind: str, failure: str) -> None:
    server.script("GET", "/api/v3/account", FAILURES[failure])
    creds = {"binance": {"key": B_KEY, "private_key": _PAIRS[kind]["private_key_pem_pkcs8"]}}
    async with xt.AsyncClient(
        base_urls={"binance": server.url},
        exchanges=["binance"],
        credentials=creds,
        use_env=False,
        env_file=None,
        timeout=xt.Timeout(connect=2, read=0.5),
        retries=0,
    ) as ac:
        try:
            await ac.balances("binance")
        except xt.XtoolkitError as err:
            needles = _key_pair_needles(server, kind)
            assert any("%2" in n or "=" in n for n in needles)  # the sent signature is among them
            for text in reachable_texts(err):
                for needle in needles:
                    assert needle not in text, f"key material reachable: …{text[:300]}"
        else:
            pytest.fail(f"{failure} raised nothing")


def _encrypted_pem() -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(_PAIRS["ed25519"]["private_key_pem_pkcs8"].encode(), None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"the-passphrase-123"),
    ).decode()


@pytest.mark.parametrize("how", ["explicit", "environment"])
def test_a_key_that_fails_to_load_leaves_no_key_material_in_the_error(
    how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = _encrypted_pem()
    needles = {line[:40] for line in pem.splitlines() if line and not line.startswith("-----")}
    needles.add("the-passphrase-123")
    kwargs: dict[str, Any] = {"exchanges": ["binance"], "env_file": None}
    if how == "explicit":
        kwargs["credentials"] = {"binance": {"key": B_KEY, "private_key": pem, "passphrase": "wrong-pass-456"}}
        kwargs["use_env"] = False
        needles.add("wrong-pass-456")
    else:
        monkeypatch.setenv("BINANCE_API_KEY", B_KEY)
        monkeypatch.setenv("BINANCE_PRIVATE_KEY", pem)
        monkeypatch.setenv("BINANCE_PRIVATE_KEY_PASSPHRASE", "wrong-pass-456")
        needles.add("wrong-pass-456")
    with pytest.raises(xt.InvalidArgument, match="wrong passphrase") as info:
        xt.Client(**kwargs)
    texts = reachable_texts(info.value)
    # reachable_texts reads only xtoolkit frames; read every frame of this traceback here.
    tb = info.value.__traceback__
    while tb is not None:
        if str(Path(tb.tb_frame.f_code.co_filename).resolve()).startswith(PKG):
            texts += [_safe_repr(v) for v in tb.tb_frame.f_locals.values()]
        tb = tb.tb_next
    for text in texts:
        for needle in needles:
            assert needle not in text, f"key material reachable: …{text[:300]}"
