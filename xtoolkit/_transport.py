"""The only aiohttp client code: pooled session, timeouts, rate limits, retries, breaker.

One :class:`Transport` per client owns one ``aiohttp.ClientSession``, created lazily on the
event loop that first uses it. ``send`` turns an adapter :class:`Call` into a response
payload, or raises one typed error from :mod:`xtoolkit._errors`:

* rate limits are acquired from the process-wide :class:`~xtoolkit._ratelimit.Gate` first;
* idempotent reads are retried with jittered backoff on timeouts, dropped connections,
  malformed bodies, 5xx and 429 (after ``Retry-After``); writes are **never** retried;
* a Binance -1021 re-syncs the server clock and re-signs once (safe: the venue rejected the
  request before matching);
* an order placement with no reliable answer raises :class:`OrderStatusUnknown`;
* the kill switch refuses order placement before anything is built.

Nothing here logs or raises query strings, headers, signatures or tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL

from xtoolkit import _killswitch
from xtoolkit._credentials import Credentials, mask_url
from xtoolkit._errors import (
    ClientClosed,
    DryRunBlocked,
    ExchangeUnavailable,
    InvalidArgument,
    InvalidTimestamp,
    IpBanned,
    KillSwitchOn,
    MalformedResponse,
    NetworkError,
    OrderStatusUnknown,
    RateLimited,
    RequestTimeout,
    TransportError,
    XtoolkitError,
)
from xtoolkit._ratelimit import Gate, gate_for
from xtoolkit.exchanges._spec import Call, Request

__all__ = ["Response", "Timeout", "Transport", "Venue"]

log = logging.getLogger("xtoolkit.http")

_CLIENT_ID_PARAMS = ("newClientOrderId", "identifier")
_SECRETISH = re.compile(
    r"(signature[\"']?\s*[=:]\s*[\"']?|Bearer\s+|X-MBX-APIKEY[\"']?\s*[:=]\s*[\"']?|"
    r"Authorization[\"']?\s*[:=]\s*[\"']?|query_hash[\"']?\s*[=:]\s*[\"']?)[^\s&'\",}]+",
    re.IGNORECASE,
)
# A JWT (Upbit's bearer token) or a bare hex HMAC-SHA256 signature, wherever they appear.
_TOKENISH = re.compile(r"eyJ[\w-]{4,}(?:\.[\w-]*){0,2}|\b[0-9a-fA-F]{64}\b")
#: Error bodies kept on an error object at most this long (decoded bodies: first kept as text).
_ERROR_BODY_MAX = 16_384
_REDACT_DEPTH = 32
#: Parsed public request targets kept per transport (a notebook's markets times its verbs).
_URL_CACHE_MAX = 1024


def _scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Drop query strings, signature-like tokens and the given secret values from text.

    Used on third-party exception text and on anything a venue or proxy sends back, which may
    echo the request (query with signature, key header, bearer token).
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "…")
    text = re.sub(r"(https?://[^\s?'\"]+)\?[^\s'\"]*", r"\1?…", text)
    text = _SECRETISH.sub(r"\1…", text)
    return _TOKENISH.sub("…", text)


def _redact(value: Any, secrets: tuple[str, ...], depth: int = 0) -> Any:
    """A copy of a decoded payload with every string scrubbed; bounded in depth."""
    if isinstance(value, str):
        return _scrub(value, secrets)
    if depth >= _REDACT_DEPTH:
        return "<nested too deep>"
    if isinstance(value, dict):
        return {_scrub(str(k), secrets): _redact(v, secrets, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, secrets, depth + 1) for v in value]
    return value


def _text_head(body: bytes, venue: Venue, limit: int) -> str:
    """The start of a body as text, scrubbed *before* it is cut (a cut secret would no longer
    match its full value)."""
    return _scrub(body[:_ERROR_BODY_MAX].decode("utf-8", "replace"), _secrets_of(venue))[:limit]


def _secrets_of(venue: Venue) -> tuple[str, ...]:
    creds = venue.credentials
    return (creds.key, creds.secret) if creds is not None else ()


def scrub_error(err: XtoolkitError, venue: Venue) -> XtoolkitError:
    """Remove anything secret a venue or proxy echoed into ``err``'s message and payload."""
    secrets = _secrets_of(venue)
    err.message = _scrub(err.message, secrets)
    err.args = (err.message,)
    err.payload = _redact(err.payload, secrets)
    return err


@dataclass(frozen=True, slots=True)
class Timeout:
    """Network timeouts in seconds: to connect, and between bytes while reading."""

    connect: float = 5.0
    read: float = 10.0

    def __post_init__(self) -> None:
        # aiohttp reads 0 (and we must not pass nan/inf) as "no timeout at all": refuse them.
        for name in ("connect", "read"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise InvalidArgument(
                    f"Timeout {name} must be a positive, finite number of seconds, not {value!r}"
                )
            object.__setattr__(self, name, float(value))


@dataclass(slots=True)
class ServerClock:
    """Local clock plus the venue's offset (Binance signs with server time)."""

    offset_ms: int = 0
    #: Half the round trip of the measurement: the venue's clock is known to +- this much.
    uncertainty_ms: float = 0.0
    synced_at: float = 0.0
    max_age: float = 600.0

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset_ms

    @property
    def stale(self) -> bool:
        return not self.synced_at or time.monotonic() - self.synced_at > self.max_age


@dataclass(slots=True)
class Venue:
    """One configured exchange: its adapter, host, keys and the shared rate gate."""

    name: str
    adapter: Any
    base_url: str
    credentials: Credentials | None
    gate: Gate
    sandbox: bool = False
    clock: ServerClock = field(default_factory=ServerClock)
    requests_sent: int = 0
    #: The owning client's order mode ("dry_run" or "live"), set by its order desk; with
    #: ``sandbox`` it decides in :func:`_refuse_placing` whether an order may leave.
    mode: str = "dry_run"
    #: Whether the host proved it is an xtoolkit sandbox (its token, see sandbox.identity);
    #: None until asked, which happens before its first order placement.
    sandbox_proven: bool | None = None

    @classmethod
    def create(
        cls,
        name: str,
        adapter: Any,
        base_url: str,
        credentials: Credentials | None,
        *,
        sandbox: bool,
    ) -> Venue:
        host = URL(base_url).origin().human_repr()
        return cls(
            name,
            adapter,
            base_url.rstrip("/"),
            credentials,
            gate_for(name, host, adapter.rate_limits),
            sandbox,
        )

    @property
    def display_url(self) -> str:
        """The base URL with any proxy ``user:password@`` masked (for reprs, logs, journals)."""
        return mask_url(self.base_url)

    def __repr__(self) -> str:
        keys = "with keys" if self.credentials else "public"
        return f"Venue({self.name} {self.display_url} {keys})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Response:
    """A decoded 2xx answer."""

    payload: Any
    status: int
    headers: Mapping[str, str]
    received_ms: int
    elapsed_ms: float


class Transport:
    """Sends adapter calls over one pooled aiohttp session."""

    def __init__(
        self,
        *,
        timeout: Timeout = Timeout(),
        retries: int = 2,
        rate_limit: bool = True,
        max_wait: float = 30.0,
        pool_size: int = 64,
    ) -> None:
        if retries < 0:
            raise InvalidArgument("retries must be >= 0")
        self.timeout = timeout
        self.retries = retries
        self.rate_limit = rate_limit
        self.max_wait = max_wait
        self.pool_size = pool_size
        #: Largest answer read (bytes); Binance's full exchangeInfo is a few MB.
        self.max_body_bytes = 64 * 1024**2
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._urls: dict[str, URL] = {}

    # --- session lifecycle --------------------------------------------------------------

    def _session_here(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosed("this client is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(
                    total=None, connect=self.timeout.connect, sock_read=self.timeout.read
                ),
                # Never let aiohttp read proxies or .netrc credentials into our requests.
                trust_env=False,
                auto_decompress=True,
            )
            # aiohttp re-sends a GET/DELETE by itself when a reused keep-alive connection drops
            # mid-request. For us that replays a signed request the venue may already have
            # acted on: a second cancel, or an Upbit JWT nonce the venue refuses as reused.
            # Retrying is this module's decision alone (reads only, re-signed, never writes).
            self._session._retry_connection = False
            self._loop = loop
        elif self._loop is not loop:
            raise InvalidArgument(
                "an AsyncClient is bound to the event loop it first ran on; "
                "use xtoolkit.Client for blocking calls from other threads"
            )
        return self._session

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @property
    def closed(self) -> bool:
        return self._closed

    # --- sending ------------------------------------------------------------------------

    def _url(self, text: str, *, keep: bool) -> URL:
        """The parsed URL of an already-encoded request target; with ``keep``, remembered.

        Public reads repeat the same target call after call (a ticker, a book). Signed targets
        are never kept: they rarely repeat, and one may carry a signature, which must not
        outlive its request.
        """
        url = self._urls.get(text) if keep else None
        if url is None:
            url = URL(text, encoded=True)
            if keep:
                if len(self._urls) >= _URL_CACHE_MAX:
                    self._urls.clear()
                self._urls[text] = url
        return url

    async def send(self, venue: Venue, call: Call) -> Response:
        adapter = venue.adapter
        endpoint = adapter.endpoints[call.endpoint]
        if endpoint.places and venue.sandbox and venue.sandbox_proven is not True:
            # Asked again after a failed proof: a slow sandbox must not stay refused forever.
            venue.sandbox_proven = await self._prove_sandbox(venue)
        _refuse_placing(venue, endpoint)
        if endpoint.signed and adapter.needs_server_time and venue.clock.stale:
            await self.sync_clock(venue)
        resigned = False
        attempt = 0
        while True:
            try:
                return await self._once(venue, call)
            except InvalidTimestamp:
                if resigned or not adapter.needs_server_time:
                    raise
                resigned = True
                await self.sync_clock(venue, force=True)
                # The re-signed re-send is a new send: the switch may have flipped meanwhile.
                _refuse_placing(venue, endpoint)
            except (RateLimited, IpBanned) as exc:
                if endpoint.write or isinstance(exc, IpBanned) or attempt >= self.retries:
                    raise
                attempt += 1
                wait = exc.retry_after if isinstance(exc, RateLimited) else None
                if wait is not None and wait > self.max_wait:
                    raise
                # The gate already holds every request until the pause ends.
            except TransportError as exc:
                if endpoint.places:
                    raise OrderStatusUnknown(
                        f"no reliable answer to the order ({type(exc).__name__}: {exc.message}); "
                        "it may have been placed — reconcile by client order id",
                        client_order_id=_client_order_id(call),
                        exchange=venue.name,
                        status=exc.status,
                        code=exc.code,
                        payload=exc.payload,
                        endpoint=endpoint.path,
                    ) from None
                if endpoint.write or attempt >= self.retries:
                    raise
                attempt += 1
                await asyncio.sleep(random.uniform(0, min(4.0, 0.25 * 2**attempt)))

    async def _prove_sandbox(self, venue: Venue) -> bool:
        """Whether ``venue``'s host serves a sandbox token this machine issued (no keys sent).

        ``sandbox=True`` alone is a claim; a tunnel to a real venue on a loopback port would
        make it. Only a token from :mod:`xtoolkit.sandbox.identity` proves it.
        """
        from xtoolkit.sandbox.identity import PATH, known_tokens

        session = self._session_here()
        try:
            async with session.get(
                URL(venue.base_url + PATH, encoded=True),
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.timeout.connect + self.timeout.read),
            ) as resp:
                if resp.status != 200:
                    return False
                body = await resp.content.read(4096)
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
            return False
        try:
            served = json.loads(body).get("xtoolkit_sandbox")
        except (ValueError, AttributeError, RecursionError):
            return False
        return isinstance(served, str) and served in known_tokens()

    async def sync_clock(self, venue: Venue, *, force: bool = False) -> None:
        """Measure the venue's clock offset with its time endpoint (Binance)."""
        if not force and not venue.clock.stale:
            return
        t0 = time.time() * 1000
        resp = await self._once(venue, Call("time"))
        t1 = time.time() * 1000
        server = resp.payload.get("serverTime") if isinstance(resp.payload, dict) else None
        if not isinstance(server, int):
            raise MalformedResponse(
                "time endpoint gave no serverTime", exchange=venue.name, payload=resp.payload
            )
        venue.clock.offset_ms = int(server - (t0 + t1) / 2)
        # The answer was written somewhere in [t0, t1]; the truncation above adds up to 1 ms.
        venue.clock.uncertainty_ms = (t1 - t0) / 2 + 1.0
        venue.clock.synced_at = time.monotonic()
        if abs(venue.clock.offset_ms) > 500:
            log.warning(
                "%s clock differs from this machine by %d ms; signing with server time",
                venue.name,
                venue.clock.offset_ms,
            )

    async def _once(self, venue: Venue, call: Call) -> Response:
        adapter = venue.adapter
        endpoint = adapter.endpoints[call.endpoint]
        cost = endpoint.cost(call.params)
        await venue.gate.acquire(endpoint.group, cost, max_wait=self.max_wait, enforce=self.rate_limit)
        _refuse_placing(venue, endpoint)  # after any rate-limit pause: the last look before a send
        session = self._session_here()
        started = time.perf_counter()
        # The signed request (URL with its signature, the key header, the bearer JWT) exists
        # only inside _exchange's frame, which has returned before anything is raised here:
        # no traceback frame and no chained exception can reach it (an error reporter that
        # captures frame locals would ship it).
        outcome = await self._exchange(session, venue, call)
        if isinstance(outcome, XtoolkitError):
            raise outcome
        status, headers, body, method = outcome
        # From here the raw answer (which may echo the request) is dropped before any raise:
        # only its scrubbed copy on the error may outlive this frame.
        del outcome
        elapsed = (time.perf_counter() - started) * 1000
        received_ms = int(time.time() * 1000)
        venue.gate.observe(adapter.usage(headers, endpoint))
        log.debug(
            "%s %s %s -> %d in %.1f ms (cost %d)",
            venue.name,
            method,
            endpoint.path,
            status,
            elapsed,
            cost,
        )
        if 200 <= status < 300:
            payload = _decode(body, headers)
            if payload is _UNDECODABLE:
                bad = scrub_error(
                    MalformedResponse(
                        "the venue answered with a body that is not JSON (or nested too deeply)",
                        exchange=venue.name,
                        status=status,
                        payload=_text_head(body, venue, 200),
                        endpoint=endpoint.path,
                    ),
                    venue,
                )
                del body, headers, payload
                raise bad
            return Response(payload, status, headers, received_ms, elapsed)
        # An error body is only read for its code and message: a huge one is kept as text.
        payload = _decode(body, headers) if len(body) <= _ERROR_BODY_MAX else _UNDECODABLE
        if payload is _UNDECODABLE:
            payload = _text_head(body, venue, 500)
        try:
            err: XtoolkitError = adapter.error(status, payload, endpoint, headers)
        except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError, RecursionError):
            err = MalformedResponse(
                f"HTTP {status} with an error body of an unexpected shape",
                exchange=venue.name,
                status=status,
                payload=_text_head(body, venue, 500),
                endpoint=endpoint.path,
            )
        scrub_error(err, venue)
        if status == 418 or isinstance(err, IpBanned):
            until = _ban_end(venue, err, headers)
            venue.gate.ban(until)
            if isinstance(err, IpBanned):
                err.until = venue.gate.banned_until
        elif status == 429 or isinstance(err, RateLimited):
            venue.gate.pause(getattr(err, "retry_after", None), endpoint.group)
        if isinstance(err, ExchangeUnavailable) and not err.message:
            err.message = f"HTTP {status}"
        del body, headers, payload
        raise err

    async def _exchange(
        self, session: aiohttp.ClientSession, venue: Venue, call: Call
    ) -> tuple[int, Mapping[str, str], bytes, str] | XtoolkitError:
        """Build, sign and send one request; the answer, or the typed error to raise.

        Errors are *returned*, never raised from here, so the frame holding the signed
        request is gone before they propagate (see :meth:`_once`).
        """
        endpoint = venue.adapter.endpoints[call.endpoint]
        # Only a signed request carries a nonce (Upbit's JWT); a uuid4 costs ~7 µs per call.
        nonce = str(uuid.uuid4()) if endpoint.signed else ""
        try:
            request: Request = venue.adapter.build(
                call, venue.credentials, now_ms=venue.clock.now_ms(), nonce=nonce
            )
        except XtoolkitError as exc:
            return exc.with_traceback(None)
        except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError, RecursionError) as exc:
            return InvalidArgument(
                f"cannot build {call.endpoint} from these arguments ({type(exc).__name__})",
                exchange=venue.name,
                endpoint=endpoint.path,
            )
        url = self._url(
            venue.base_url + request.path + (f"?{request.query}" if request.query else ""),
            keep=not endpoint.signed,
        )
        venue.requests_sent += 1
        try:
            async with session.request(
                request.method,
                url,
                data=request.body,
                headers=request.headers,
                allow_redirects=False,
            ) as resp:
                status, headers = resp.status, resp.headers
                if resp.content_length is not None and resp.content_length > self.max_body_bytes:
                    return _too_large(venue, status, endpoint.path, self.max_body_bytes)
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.content.iter_any():
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        return _too_large(venue, status, endpoint.path, self.max_body_bytes)
                    chunks.append(chunk)
                return status, headers, b"".join(chunks), request.method
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            text = _scrub(str(exc), _secrets_of(venue)) or type(exc).__name__
            return RequestTimeout(
                f"no response within the timeout ({text})",
                exchange=venue.name,
                endpoint=endpoint.path,
            )
        except aiohttp.ClientError as exc:
            return NetworkError(
                f"{type(exc).__name__}: {_scrub(str(exc), _secrets_of(venue))}",
                exchange=venue.name,
                endpoint=endpoint.path,
            )
        except (ValueError, OSError) as exc:  # e.g. a header value aiohttp refuses, a socket error
            return NetworkError(
                f"{type(exc).__name__}: {_scrub(str(exc), _secrets_of(venue))}",
                exchange=venue.name,
                endpoint=endpoint.path,
            )


_UNDECODABLE: Any = object()


def _refuse_placing(venue: Venue, endpoint: Any) -> None:
    """The one place that stops an order placement from leaving the process.

    Every API (the order desk, ``client.request``, widgets) reaches the venue through
    :meth:`Transport.send`, which calls this before the first send, after every rate-limit
    wait and before the -1021 re-send. Refused: the kill switch is on (in any process sharing
    ``XTOOLKIT_HOME``), or the client's mode does not send (dry-run; live without
    ``XTOOLKIT_ALLOW_LIVE=1`` on a real venue or on a "sandbox" that did not prove it is one).
    Test-order endpoints do not place and pass.
    """
    if not endpoint.places:
        return
    if _killswitch.engaged():
        raise KillSwitchOn(
            "the kill switch is on: no order is placed until xtoolkit.resume()",
            exchange=venue.name,
            endpoint=endpoint.path,
        )
    from xtoolkit.orders.mode import decide

    # A sandbox counts only once it proved it is one (Transport._prove_sandbox).
    decision = decide(venue.mode, sandbox=venue.sandbox and venue.sandbox_proven is True)
    if not decision.sends:
        raise DryRunBlocked(
            f"{decision.reason} - nothing was sent",
            exchange=venue.name,
            endpoint=endpoint.path,
        )


def _too_large(venue: Venue, status: int, path: str, limit: int) -> MalformedResponse:
    return MalformedResponse(
        f"the answer is larger than {limit} bytes (max_body_bytes); not read",
        exchange=venue.name,
        status=status,
        endpoint=path,
    )


def _ban_end(venue: Venue, err: XtoolkitError, headers: Mapping[str, str]) -> float | None:
    """When a 418 ban ends on *this* machine's clock (epoch seconds), or None if not told.

    Binance states the end in its own time ("banned until <ms>"); a venue clock behind ours
    would make that end look earlier than it is. Every reading is converted with the best
    offset known — the measured one when the clock was synced (plus its uncertainty, half the
    measuring round trip), else the answer's ``Date`` header (1 s resolution, so 1 s of
    margin) — and the latest reading wins: sending early extends a ban, waiting a little
    longer costs nothing.
    """
    now = time.time()
    candidates: list[float] = []
    until = getattr(err, "until", None)
    if isinstance(until, int | float) and math.isfinite(until):
        candidates.append(until)
        if venue.clock.synced_at:
            # The measured offset is only known to within half its round trip: on a busy
            # machine that is milliseconds, enough to send just before the ban really ends.
            candidates.append(until + (venue.clock.uncertainty_ms - venue.clock.offset_ms) / 1000)
        date = _date_header(headers)
        if date is not None:
            candidates.append(until - (date - now) + 1.0)
    ra = _retry_after_header(headers)
    if ra is not None:
        candidates.append(now + ra)
    return max(candidates) if candidates else None


def _date_header(headers: Mapping[str, str]) -> float | None:
    from email.utils import parsedate_to_datetime

    value = headers.get("Date")
    if not value:
        return None
    try:
        stamp = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return stamp if math.isfinite(stamp) else None


def _retry_after_header(headers: Mapping[str, str]) -> float | None:
    from xtoolkit.exchanges._common import retry_after

    return retry_after(headers)


def _decode(body: bytes, headers: Mapping[str, str]) -> Any:
    if not body:
        return _UNDECODABLE
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: hostile nesting deeper than the decoder's stack (not a crash).
        return _UNDECODABLE


def _client_order_id(call: Call) -> str | None:
    for name in _CLIENT_ID_PARAMS:
        value = call.params.get(name)
        if value:
            return str(value)
    return None
