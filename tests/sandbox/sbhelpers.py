"""Test-side HTTP, signing and shape helpers for the sandbox tests.

Deliberately independent of the toolkit's client core: plain ``urllib`` requests, HMAC and
JWT built by hand, so the sandbox is checked against the protocol, not against our client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from xtoolkit.sandbox import Sandbox

DATA = Path(__file__).parent.parent / "data"  # the spec examples shared by all tests
#: Newer spec examples only the sandbox tests use (see data/PROVENANCE.md); looked up first.
LOCAL_DATA = Path(__file__).parent / "data"
TIMEOUT = 10.0


def symbols_param(names: list[str]) -> str:
    """Binance's ``symbols`` value: a compact JSON array, ``["BTCUSDT","ETHUSDT"]`` — the venue
    refuses the spaces ``json.dumps`` puts after commas by default (-1100)."""
    return json.dumps(names, separators=(",", ":"))


def example(venue: str, name: str) -> Any:
    """A spec example payload copied into tests/sandbox/data/ or tests/data/<venue>/<name>.json."""
    local = LOCAL_DATA / venue / f"{name}.json"
    path = local if local.is_file() else DATA / venue / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Resp:
    """A response: status, headers (lower-cased names) and body text."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def json(self) -> Any:
        return json.loads(self.text)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def http(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = TIMEOUT,
) -> Resp:
    """One HTTP request; HTTP errors come back as a :class:`Resp` too."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Resp(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        return Resp(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode("utf-8"))


def assert_shape(
    actual: Any, expected: Any, *, optional: frozenset[str] = frozenset(), path: str = "$"
) -> None:
    """``actual`` has ``expected``'s field names and JSON types (lists: every element like
    the example's first; rows (lists of scalars) position by position). ``optional`` names
    keys that may appear beyond the example's."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected object, got {type(actual).__name__}"
        missing = set(expected) - set(actual)
        extra = set(actual) - set(expected) - optional
        assert not missing, f"{path}: missing keys {sorted(missing)}"
        assert not extra, f"{path}: unexpected keys {sorted(extra)}"
        for key, value in expected.items():
            assert_shape(actual[key], value, optional=optional, path=f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected array, got {type(actual).__name__}"
        if not expected:
            return
        first = expected[0]
        if all(isinstance(e, dict) for e in expected) and len({tuple(e) for e in expected}) > 1:
            # Heterogeneous objects (e.g. filters): match on the discriminating first key.
            tag = next(iter(first))
            by_tag = {e[tag]: e for e in expected}
            for i, item in enumerate(actual):
                assert isinstance(item, dict), f"{path}[{i}]: expected object"
                if item.get(tag) in by_tag:
                    assert_shape(item, by_tag[item[tag]], optional=optional, path=f"{path}[{i}]")
            return
        for i, item in enumerate(actual):
            if isinstance(first, list) and len({type(x) for x in first}) <= 1:
                assert_shape(item, first, optional=optional, path=f"{path}[{i}]")
            elif isinstance(first, list):
                assert isinstance(item, list) and len(item) == len(first), f"{path}[{i}] row"
                for j, (a, e) in enumerate(zip(item, first, strict=True)):
                    assert_shape(a, e, optional=optional, path=f"{path}[{i}][{j}]")
            else:
                assert_shape(item, first, optional=optional, path=f"{path}[{i}]")
    elif expected is None:
        assert actual is None or isinstance(actual, str), f"{path}: null or string expected"
    else:
        assert type(actual) is type(expected), (
            f"{path}: expected {type(expected).__name__}, got {type(actual).__name__} ({actual!r})"
        )


# -- Binance ---------------------------------------------------------------------------------
def hmac_hex(secret: str, payload: str) -> str:
    """Binance's signature: hex HMAC-SHA256."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class BinanceClient:
    """Minimal hand-rolled Binance client for the tests."""

    def __init__(self, base: str, key: str, secret: str) -> None:
        self.base, self.key, self.secret = base, key, secret

    def public(self, path: str, params: dict[str, Any] | None = None) -> Resp:
        query = urlencode(params or {})
        return http("GET", f"{self.base}{path}" + (f"?{query}" if query else ""))

    def signed(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        body: dict[str, Any] | None = None,
        timestamp: int | None = None,
        recv_window: int | None = None,
        key: str | None = None,
        secret: str | None = None,
        signature: str | None = None,
        with_key: bool = True,
        timeout: float = TIMEOUT,
    ) -> Resp:
        """A signed request; ``params`` go in the query string, ``body`` in a form body."""
        q = dict(params or {})
        b = dict(body or {})
        target = b if body is not None else q
        if recv_window is not None:
            target["recvWindow"] = recv_window
        target["timestamp"] = int(time.time() * 1000) if timestamp is None else timestamp
        query, form = urlencode(q), urlencode(b)
        sig = signature or hmac_hex(secret or self.secret, query + form)
        if body is not None:
            form = f"{form}&signature={sig}"
        else:
            query = f"{query}&signature={sig}" if query else f"signature={sig}"
        headers = {"X-MBX-APIKEY": key or self.key} if with_key else {}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = form.encode()
        return http(method, f"{self.base}{path}?{query}", headers=headers, body=data, timeout=timeout)


# -- Upbit -----------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload: dict[str, Any], secret: str, alg: str = "HS256") -> str:
    """A compact JWT (header ``{"alg":..,"typ":"JWT"}``), HMAC-signed with ``secret``."""
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    sig = hmac.new(secret.encode(), f"{header}.{body}".encode(), digest).digest()
    return f"{header}.{body}.{_b64(sig)}"


def sha512_hex(text: str) -> str:
    return hashlib.sha512(text.encode()).hexdigest()


#: Upbit pacing state shared by all test clients: (base, scope, group) → (second, remaining).
_UPBIT_BUDGET: dict[tuple[str, str, str], tuple[int, int]] = {}
#: Spec upbit.md §6 rate-limit groups by (method, path prefix); first match wins.
_UPBIT_GROUPS = (
    ("GET", "/v1/market/", "market"),
    ("GET", "/v1/candles/", "candle"),
    ("GET", "/v1/trades/", "trade"),
    ("GET", "/v1/ticker", "ticker"),
    ("GET", "/v1/orderbook", "orderbook"),
    ("POST", "/v1/orders/test", "order-test"),
    ("POST", "/v1/orders", "order"),
    ("DELETE", "/v1/orders/open", "order-cancel-all"),
    ("*", "/v1/", "default"),
)


def _upbit_group(method: str, path: str) -> str:
    return next(g for m, prefix, g in _UPBIT_GROUPS if m in ("*", method) and path.startswith(prefix))


def _paced(base: str, scope: str, method: str, path: str, send: Any) -> Resp:
    """Send an Upbit request the way a polite client does: track ``Remaining-Req`` per group
    and wait for the next second when the budget is spent (the sandbox enforces it)."""
    group = _upbit_group(method, path)
    second, remaining = _UPBIT_BUDGET.get((base, scope, group), (-1, 1))
    if remaining <= 0 and int(time.time()) == second:
        time.sleep(second + 1 - time.time() + 0.01)
    resp: Resp = send()
    header = resp.header("remaining-req")
    if header:
        fields = dict(part.strip().split("=", 1) for part in header.split(";"))
        assert fields["group"] == group, (fields["group"], group)
        _UPBIT_BUDGET[(base, scope, group)] = (int(time.time()), int(fields["sec"]))
    return resp


class UpbitClient:
    """Minimal hand-rolled Upbit client for the tests (paced by ``Remaining-Req``)."""

    def __init__(self, base: str, access: str, secret: str) -> None:
        self.base, self.access, self.secret = base, access, secret

    def token(
        self,
        hashed: str | None,
        *,
        alg: str = "HS256",
        nonce: str | None = None,
        access: str | None = None,
        secret: str | None = None,
        query_hash: str | None = None,
    ) -> str:
        payload: dict[str, Any] = {"access_key": access or self.access, "nonce": nonce or str(uuid.uuid4())}
        if hashed is not None or query_hash is not None:
            payload["query_hash"] = query_hash or sha512_hex(hashed or "")
            payload["query_hash_alg"] = "SHA512"
        return make_jwt(payload, secret or self.secret, alg)

    def public(self, path: str, params: dict[str, Any] | None = None) -> Resp:
        query = urlencode(params or {})
        url = f"{self.base}{path}" + (f"?{query}" if query else "")
        return _paced(self.base, "ip", "GET", path, lambda: http("GET", url))

    def private(
        self,
        method: str,
        path: str,
        params: list[tuple[str, Any]] | dict[str, Any] | None = None,
        *,
        token: str | None = None,
        **token_kw: Any,
    ) -> Resp:
        """GET/DELETE with the query hashed as the official SDK does (unquote(urlencode))."""
        pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
        query = urlencode(pairs)
        auth = token or self.token(unquote(query) if query else None, **token_kw)
        url = f"{self.base}{path}" + (f"?{query}" if query else "")
        return _paced(
            self.base,
            token_kw.get("access") or self.access,
            method,
            path,
            lambda: http(method, url, headers={"Authorization": f"Bearer {auth}"}),
        )

    def post(self, path: str, body: dict[str, Any], *, token: str | None = None, **token_kw: Any) -> Resp:
        """POST with a JSON body; the hash covers its fields in order."""
        hashed = "&".join(f"{k}={v}" for k, v in body.items() if v is not None)
        auth = token or self.token(hashed or None, **token_kw)
        return _paced(
            self.base,
            token_kw.get("access") or self.access,
            "POST",
            path,
            lambda: http(
                "POST",
                f"{self.base}{path}",
                body=json.dumps(body).encode(),
                headers={
                    "Authorization": f"Bearer {auth}",
                    "Content-Type": "application/json; charset=utf-8",
                },
            ),
        )


# -- accounts ------------------------------------------------------------------------------
def new_binance(box: Sandbox, balances: dict[str, str]) -> BinanceClient:
    """A client for a brand-new Binance account with ``balances``."""
    cred = box.add_account("binance", balances)
    return BinanceClient(box.url, cred.key, cred.secret)


def new_upbit(box: Sandbox, balances: dict[str, str]) -> UpbitClient:
    """A client for a brand-new Upbit account with ``balances``."""
    cred = box.add_account("upbit", balances)
    return UpbitClient(box.url, cred.key, cred.secret)
