"""The :class:`Sandbox`: one local server speaking Binance (``/api/v3``) and Upbit (``/v1``).

The aiohttp server runs on its own event loop in a daemon thread, bound to loopback only.
Tests and notebooks talk to it over real HTTP and steer it through :attr:`Sandbox.faults`,
:attr:`Sandbox.market`, :attr:`Sandbox.fees`, :attr:`Sandbox.wallets`,
:meth:`Sandbox.add_account`, :meth:`Sandbox.add_key_pair_account` and
:meth:`Sandbox.restrict_key`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType

from aiohttp import web

from xtoolkit._credentials import Credentials
from xtoolkit.sandbox import binance_orders, upbit_exchange
from xtoolkit.sandbox.app import build_app
from xtoolkit.sandbox.faults import FaultPlan
from xtoolkit.sandbox.fees import FeeSchedule
from xtoolkit.sandbox.market import VENUES
from xtoolkit.sandbox.requestlog import RequestLog
from xtoolkit.sandbox.state import SandboxClock, SandboxState, parse_instant
from xtoolkit.sandbox.wallets import WalletBook
from xtoolkit.sandbox.ws_hub import StreamHub

__all__ = ["MarketHandle", "Sandbox", "sandbox"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: Bounds on start-up and shutdown waits (seconds).
START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0


def _venue(exchange: str) -> str:
    name = exchange.lower()
    if name not in VENUES:
        raise ValueError(f"unknown exchange {exchange!r}; expected one of {VENUES}")
    return name


class MarketHandle:
    """Thread-safe control of the simulated market (``box.market``)."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def step(self, n: int = 1) -> None:
        """Advance the random walk ``n`` ticks (resting orders the walk crosses fill)."""
        with self._state.lock:
            self._state.market.step(int(n), self._state.now_ms())

    def mid(self, exchange: str, native: str) -> Decimal:
        """Current mid price of ``native`` (``"BTCUSDT"``, ``"KRW-BTC"``) as a Decimal."""
        with self._state.lock:
            self._state.sync()
            lst = self._state.market.listing(_venue(exchange), native)
            if lst is None:
                raise KeyError(f"{exchange} does not list {native!r}")
            return self._state.market.mid(lst)

    def best(self, exchange: str, native: str) -> tuple[Decimal, Decimal]:
        """Current best bid and ask of ``native``."""
        with self._state.lock:
            self._state.sync()
            lst = self._state.market.listing(_venue(exchange), native)
            if lst is None:
                raise KeyError(f"{exchange} does not list {native!r}")
            return self._state.market.best(lst)

    def symbols(self, exchange: str) -> list[str]:
        """Native symbols listed on ``exchange``."""
        return [lst.symbol for lst in self._state.market.listings(_venue(exchange))]

    def set_status(self, exchange: str, native: str, status: str) -> None:
        """Put a Binance symbol in ``status`` — ``TRADING``, ``END_OF_DAY``, ``HALT``, ``BREAK``
        or ``CANCEL_ONLY`` (spec §13.1). exchangeInfo and the ``symbolStatus`` filter report
        it; only ``TRADING`` takes new orders (others: ``-2010 Market is closed.``); resting
        orders stay cancelable but do not fill until the symbol trades again. The public book
        and tape keep moving (the simulation does not pause)."""
        if _venue(exchange) != "binance":
            raise ValueError("symbol statuses are a Binance notion; Upbit markets have none")
        with self._state.lock:
            self._state.set_symbol_status(native, status)

    def status(self, exchange: str, native: str) -> str:
        """A Binance symbol's current status."""
        if _venue(exchange) != "binance":
            raise ValueError("symbol statuses are a Binance notion; Upbit markets have none")
        with self._state.lock:
            if self._state.market.listing("binance", native) is None:
                raise KeyError(f"binance does not list {native!r}")
            return self._state.symbol_status(native)

    @property
    def ticks(self) -> int:
        """Ticks simulated so far (including those the wall clock has made due)."""
        with self._state.lock:
            self._state.sync()
            return self._state.market.tick_index


class Sandbox:
    """An embedded local Binance + Upbit.

    ``seed`` fixes the market; ``freeze=True`` moves it only via ``box.market.step()``
    (otherwise one tick per ``tick_seconds`` of the clock); ``latency`` delays every
    response; ``binance_weight_limit`` is the request-weight budget per minute and
    ``ban_seconds`` the length of 418 bans on both venues. Use as a context manager or call
    :meth:`start` / :meth:`stop`.

    ``now`` pins the sandbox's clock: it starts at that instant (a tz-aware ``datetime``, an
    ISO 8601 text such as ``"2026-11-21T12:00:00Z"``, or epoch milliseconds) and runs at
    wall-clock speed from there. Server time, candles, trades and signature windows all read
    it, so ``Sandbox(seed=7, now="2026-11-21T12:00:00Z", freeze=True)`` serves the same
    payloads on any real date. Unpinned (the default), the sandbox lives on the wall clock.

    History has no horizon: candles of every interval and trades are generated on demand,
    deterministically from the seed, for any window from each market's listing day on, and
    every interval is an exact aggregate of the 1-minute candles.
    """

    def __init__(
        self,
        seed: int = 7,
        freeze: bool = False,
        tick_seconds: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        binance_weight_limit: int = 6000,
        ban_seconds: float = 120.0,
        now: object = None,
    ) -> None:
        if host not in _LOOPBACK:
            raise ValueError("the sandbox binds to loopback only (127.0.0.1 / localhost / ::1)")
        if latency < 0 or ban_seconds < 0 or binance_weight_limit < 1:
            raise ValueError("latency and ban_seconds must be >= 0, weight limit >= 1")
        self.host = "127.0.0.1" if host == "localhost" else host
        self.port = int(port)
        self.state = SandboxState(
            seed=int(seed),
            freeze=bool(freeze),
            tick_seconds=float(tick_seconds),
            latency=float(latency),
            binance_weight_limit=int(binance_weight_limit),
            ban_seconds=float(ban_seconds),
            clock=SandboxClock(None if now is None else parse_instant(now)),
        )
        self.market = MarketHandle(self.state)
        #: Websocket market streams: ``settings`` (ping/idle timings), ``connections()``.
        self.streams = StreamHub(self.state)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stopped = False

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Start serving (returns once the port is bound)."""
        if self._stopped:
            raise RuntimeError("a stopped Sandbox cannot be restarted; create a new one")
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="xtoolkit-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError("sandbox server did not start in time")
        if self._error is not None:
            self._thread.join(STOP_TIMEOUT)
            self._stopped = True
            raise RuntimeError(f"sandbox server failed to start: {self._error}") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop_requested = asyncio.Event()
        released = asyncio.Event()
        runner = web.AppRunner(
            build_app(self.state, released, self.streams),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            self.port = int(runner.addresses[0][1])
            self._ready.set()
            await self._stop_requested.wait()
        finally:
            released.set()
            self.state.stopping.set()
            await runner.cleanup()

    def stop(self) -> None:
        """Stop serving and release held requests (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        loop, event = self._loop, self._stop_requested
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have finished already
                loop.call_soon_threadsafe(event.set)
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        status = "stopped" if self._stopped else "running" if self._thread else "not started"
        return f"Sandbox(url={self.url!r}, seed={self.state.seed}, {status})"

    @property
    def now(self) -> datetime:
        """The sandbox's clock now, tz-aware UTC (pinned or the wall clock)."""
        return datetime.fromtimestamp(self.state.now_ms() / 1000, tz=UTC)

    # -- addresses and keys ----------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` — both venues are served from here."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def urls(self) -> dict[str, str]:
        """Base URL per exchange (the same server for both)."""
        return {"binance": self.url, "upbit": self.url}

    @property
    def ws_urls(self) -> dict[str, str]:
        """Websocket root per exchange (``ws://127.0.0.1:PORT``): Binance streams at
        ``/ws/<stream>`` and ``/stream?streams=...``, Upbit at ``/websocket/v1``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return {"binance": f"ws://{host}:{self.port}", "upbit": f"ws://{host}:{self.port}"}

    @property
    def keys(self) -> dict[str, tuple[str, str]]:
        """Raw ``(key, secret)`` of each venue's seeded test account."""
        from xtoolkit.sandbox.accounts import DEFAULT_KEYS

        return dict(DEFAULT_KEYS)

    @property
    def credentials(self) -> dict[str, Credentials]:
        """:class:`~xtoolkit.Credentials` of each venue's seeded test account."""
        return {venue: Credentials(key, secret) for venue, (key, secret) in self.keys.items()}

    def add_account(self, exchange: str, balances: dict[str, str]) -> Credentials:
        """A new key pair on ``exchange`` holding ``balances`` (asset → amount)."""
        with self.state.lock:
            acct = self.state.add_account(_venue(exchange), dict(balances))
        return Credentials(acct.key, acct.secret)

    def add_key_pair_account(
        self, balances: dict[str, str], public_key: str | bytes, *, api_key: str | None = None
    ) -> str:
        """Register a Binance Ed25519 or RSA (2048/4096 bit) public key — PEM text
        (``-----BEGIN PUBLIC KEY-----``) — for a new account holding ``balances``, and return
        the API key the venue issues for it (64 letters/digits, or ``api_key`` if given).

        Sign requests with the matching private key exactly as Binance specifies (spec §12):
        base64 of the signature over the HMAC payload, percent-encoded as ``signature=``, the
        API key in ``X-MBX-APIKEY``. HMAC accounts (:meth:`add_account`) keep working beside
        it: the server picks the check by API key. Needs the ``cryptography`` package."""
        from xtoolkit.sandbox.auth import BINANCE_KEY_RE
        from xtoolkit.sandbox.binance_keys import load_public_key

        key = load_public_key(public_key)
        if api_key is not None and not BINANCE_KEY_RE.match(api_key):
            raise ValueError("a Binance API key is 64 letters and digits")
        with self.state.lock:
            acct = self.state.accounts.add("binance", dict(balances), key=api_key, public_key=key)
        return acct.key

    def restrict_key(
        self,
        exchange: str,
        key: str,
        *,
        permissions: Iterable[str] | None = None,
        allowed_ips: Iterable[str] | None = None,
        expired: bool | None = None,
    ) -> None:
        """Change what an API key may do, as on the venues' key-management pages:
        ``permissions`` (Binance ``READ`` / ``TRADE``; Upbit ``"View Account"``,
        ``"View Orders"``, ``"Make Orders"``, ``"View Withdrawals"``; ``None`` leaves them),
        ``allowed_ips`` (the allow-list; requests from elsewhere fail) and ``expired`` (Upbit
        keys expire after a year). Binance answers ``-2015`` for all three; Upbit
        ``out_of_scope``, ``no_authorization_i_p`` and ``expired_access_key``."""
        from xtoolkit.sandbox.accounts import BINANCE_PERMISSIONS, UPBIT_PERMISSIONS

        venue = _venue(exchange)
        known = BINANCE_PERMISSIONS if venue == "binance" else UPBIT_PERMISSIONS
        with self.state.lock:
            acct = self.state.accounts.get(venue, key)
            if acct is None:
                raise KeyError(f"no {venue} account has that key")
            if permissions is not None:
                chosen = frozenset(permissions)
                if not chosen <= set(known):
                    raise ValueError(f"{venue} key permissions are {known}")
                acct.permissions = chosen
            if allowed_ips is not None:
                acct.allowed_ips = frozenset(allowed_ips)
            if expired is not None:
                acct.expired = bool(expired)

    def connect_kwargs(self) -> dict[str, object]:
        """Keyword arguments that point the toolkit's client at this sandbox."""
        return {"base_urls": self.urls, "credentials": self.credentials, "sandbox": True}

    # -- venue data tests can change -----------------------------------------------------------
    @property
    def fees(self) -> FeeSchedule:
        """Trading fees of both venues: ``set_commission(exchange, maker=, taker=, symbol=)``,
        ``commission(exchange, symbol)``, ``reset()`` — see :class:`~xtoolkit.sandbox.fees.FeeSchedule`."""
        return self.state.fees

    @property
    def wallets(self) -> WalletBook:
        """Deposit/withdrawal networks of both venues: ``suspend(exchange, asset, network,
        deposit=, withdraw=)``, ``resume(...)``, ``set_withdraw_fee(...)``,
        ``set_withdraw_limits(...)``, ``set_block_state(...)`` (Upbit), ``networks(...)``,
        ``reset()`` — see :class:`~xtoolkit.sandbox.wallets.WalletBook`."""
        return self.state.wallets

    # -- observation -------------------------------------------------------------------------
    @property
    def faults(self) -> FaultPlan:
        """Fault injection: ``next(...)``, ``clock_skew``, ``latency``, ``clear``."""
        return self.state.faults

    @property
    def requests(self) -> RequestLog:
        """Every handled request (exchange, method, path, status, ts, query, fault)."""
        return self.state.log

    def orders(self, exchange: str) -> list[dict[str, object]]:
        """Every order ``exchange`` ever accepted, in the venue's query shape, oldest first."""
        venue = _venue(exchange)
        with self.state.lock:
            self.state.sync()
            if venue == "binance":
                return [binance_orders.render_query(o) for o in self.state.engine.orders(venue)]
            return [upbit_exchange.render_order(o, funds=True) for o in self.state.engine.orders(venue)]


def sandbox(
    seed: int = 7,
    freeze: bool = False,
    tick_seconds: float = 1.0,
    host: str = "127.0.0.1",
    port: int = 0,
    latency: float = 0.0,
    binance_weight_limit: int = 6000,
    ban_seconds: float = 120.0,
    now: object = None,
) -> Sandbox:
    """A (not yet started) :class:`Sandbox`; use it as ``with sandbox(...) as box:``.

    See :class:`Sandbox` for the parameters (``now=`` pins the clock)."""
    return Sandbox(
        seed=seed,
        freeze=freeze,
        tick_seconds=tick_seconds,
        host=host,
        port=port,
        latency=latency,
        binance_weight_limit=binance_weight_limit,
        ban_seconds=ban_seconds,
        now=now,
    )
