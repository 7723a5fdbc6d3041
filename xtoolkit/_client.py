"""``AsyncClient`` (the engine) and ``Client`` (the same methods, blocking).

``AsyncClient`` configures one :class:`~xtoolkit._transport.Venue` per registered exchange
(:mod:`xtoolkit.exchanges`), sends through the one transport and owns the order desk, which
sees it only through the engine protocol (:mod:`xtoolkit._engine`). ``Client`` runs the same
coroutines on the one sync/async bridge, :class:`~xtoolkit._loop.LoopThread`, and lends that
bridge (``run``/``arun``/``submit``) to every wing that blocks: order plans, streams, research.

Every data verb returns a long-form DataFrame with the fixed schema from
:data:`xtoolkit._frames.SCHEMAS`, ``exchange`` and ``symbol`` columns, float64 numbers and
tz-aware UTC timestamps — also when empty.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import math
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import pandas as pd
from yarl import URL

from xtoolkit._concurrency import gather_typed
from xtoolkit._credentials import Credentials, detached, load_credentials, mask_url
from xtoolkit._errors import (
    BadSymbol,
    ClientClosed,
    InvalidArgument,
    MalformedResponse,
    MissingCredentials,
    UnknownMarket,
    XtoolkitError,
    forget_frames,
)
from xtoolkit._exit import track as track_for_exit
from xtoolkit._frames import TypedColumns, frame, merge_columns, typed_columns
from xtoolkit._hints import candle_window, exchange_as_market, swapped_dash_matches
from xtoolkit._loop import LoopThread
from xtoolkit._models import MarketInfo, MarketRef, Symbol
from xtoolkit._progress import progress_bar
from xtoolkit._transport import Response, Timeout, Transport, Venue
from xtoolkit.exchanges import create_adapter, venue_spec
from xtoolkit.exchanges import exchanges as registered_exchanges
from xtoolkit.exchanges._spec import Call
from xtoolkit.exchanges._wallet import DEFAULT as DEFAULT_FEE
from xtoolkit.exchanges._wallet import TradingFee, WalletNetwork, fee_columns, network_columns
from xtoolkit.orders.limits import Limits
from xtoolkit.orders.mode import check_mode

if TYPE_CHECKING:  # the desk and plans load with the first order verb, not with the package
    from xtoolkit.orders.desk import OrderDesk
    from xtoolkit.orders.plan import OrderPlan

__all__ = ["AsyncClient", "Client"]

P = ParamSpec("P")
R = TypeVar("R")

MarketLike = str | MarketRef
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_MAX_PAGES = 5000
_MAX_TRADE_PAGES = 20


#: What a parser raises on a 2xx body of the wrong shape (types, missing keys, depth, numbers).
_PARSE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError)


def _parsed(exchange: str | None, what: str, parse: Callable[..., R], *args: Any) -> R:
    """``parse()``, with a wrong-shaped answer turned into :class:`MalformedResponse`.

    The typed error is raised outside the ``except`` block so it chains nothing: the parser's
    exception and its frames hold the raw answer, which may echo the request.
    """
    failure: MalformedResponse | None = None
    try:
        return parse(*args)
    except XtoolkitError:
        raise
    except _PARSE_ERRORS as exc:
        failure = MalformedResponse(
            f"{exchange or 'the venue'} answered {what} with a body of an unexpected shape "
            f"({type(exc).__name__})",
            exchange=exchange,
        )
    raise failure


def _positive_finite(value: Any) -> bool:
    return (
        not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and value > 0
    )


def _exchange_names(exchanges: Any) -> list[str]:
    known = registered_exchanges()
    if exchanges is None:
        return known
    if isinstance(exchanges, str):
        exchanges = [exchanges]
    try:
        names = [n.lower() for n in exchanges]
    except (TypeError, AttributeError):
        raise InvalidArgument(
            f"exchanges must be names like ['binance', 'upbit'], not {exchanges!r}"
        ) from None
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise InvalidArgument(f"unknown exchanges {bad or names!r}; supported: {', '.join(known)}")
    return names


def _checked_base_urls(base_urls: Any) -> dict[str, str]:
    """``{exchange: url}``; every URL an absolute http(s) URL with a host, or InvalidArgument."""
    if base_urls is None:
        return {}
    if not isinstance(base_urls, Mapping):
        raise InvalidArgument("base_urls must map exchange names to URLs")
    out: dict[str, str] = {}
    for name, url in base_urls.items():
        if not isinstance(name, str):
            raise InvalidArgument(f"base_urls keys are exchange names, not {name!r}")
        shown = mask_url(url) if isinstance(url, str) else repr(url)
        if not isinstance(url, str) or not url.strip():
            raise InvalidArgument(f"base_urls[{name!r}] is empty; leave it out to use the venue's own host")
        try:
            parsed = URL(url.strip())
        except (TypeError, ValueError):
            raise InvalidArgument(f"base_urls[{name!r}] = {shown} is not a URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidArgument(f"base_urls[{name!r}] = {shown} must be an http(s) URL with a host")
        if parsed.query_string or parsed.fragment:
            raise InvalidArgument(f"base_urls[{name!r}] = {shown} must not carry a query or fragment")
        out[name.lower()] = url.strip()
    return out


def _as_list(markets: MarketLike | Sequence[MarketLike]) -> list[MarketLike]:
    if isinstance(markets, str | MarketRef):
        return [markets]
    return list(markets)


def _to_ms(value: Any, name: str) -> int | None:
    """Epoch ms from datetime / Timestamp / ISO text / epoch ms; naive times are UTC."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidArgument(f"{name} must be a time, not a bool")
    if isinstance(value, int | float):
        return int(value)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InvalidArgument(f"{name}={value!r} is not a time") from None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


class AsyncClient:
    """The engine: both exchanges behind one interface, every verb awaitable.

    Parameters
    ----------
    exchanges
        Which venues to configure (default: all supported, ``["binance", "upbit"]``).
    credentials
        ``{"binance": Credentials(...) | (key, secret) | {"key": ..., "private_key": ...}, ...}``.
        Without it, keys come from the environment (``BINANCE_API_KEY`` with
        ``BINANCE_API_SECRET`` — or, for an Ed25519/RSA key, ``BINANCE_PRIVATE_KEY`` (PEM text
        or path) and optional ``BINANCE_PRIVATE_KEY_PASSPHRASE``; ``UPBIT_ACCESS_KEY``/
        ``UPBIT_SECRET_KEY``) or ``env_file``. Public data needs no keys.
    base_urls
        Host roots per exchange (the sandbox, a proxy). Binance paths start ``/api/v3``,
        Upbit ``/v1``.
    testnet
        Point Binance at its spot testnet (Upbit has none and keeps its configured host).
    sandbox
        The hosts are an xtoolkit sandbox (only honoured for loopback hosts); order guards
        then treat live mode as safe.
    timeout
        :class:`Timeout` or one number used for both connect and read.
    rate_limit
        Wait for the venues' budgets before sending (default). With ``False`` the budget is
        only counted; 429 pauses and 418 bans are always honoured.
    default_exchange
        Venue for unqualified ``BASE/QUOTE`` markets.
    mode
        ``"dry_run"`` (default): order plans preview and validate, nothing is placed.
        ``"live"``: ``submit`` places orders — on a sandbox venue at once, on a real venue only
        when the environment also has ``XTOOLKIT_ALLOW_LIVE=1``.
    limits
        :class:`~xtoolkit.orders.Limits` the order guards enforce (default: small caps).
    journal
        Path of the intent journal (JSONL). Default ``$XTOOLKIT_HOME/journal.jsonl`` or
        ``~/.local/share/xtoolkit/journal.jsonl``.
    """

    def __init__(
        self,
        *,
        exchanges: Sequence[str] | None = None,
        credentials: Mapping[str, Credentials | tuple[str, str]] | None = None,
        base_urls: Mapping[str, str] | None = None,
        testnet: bool = False,
        sandbox: bool = False,
        timeout: Timeout | float = Timeout(),
        retries: int = 2,
        rate_limit: bool = True,
        max_wait: float = 30.0,
        recv_window_ms: int = 5000,
        env_file: str | Path | None = ".env",
        use_env: bool = True,
        markets_ttl: float = 3600.0,
        default_exchange: str | None = None,
        progress: bool | None = None,
        mode: str = "dry_run",
        limits: Limits | None = None,
        journal: str | Path | None = None,
    ) -> None:
        names = _exchange_names(exchanges)
        base_urls = _checked_base_urls(base_urls)
        unknown = [n for n in base_urls if n not in names]
        if unknown:
            raise InvalidArgument(f"base_urls names exchanges that are not configured: {unknown}")
        failure: BaseException | None = None
        try:
            creds = load_credentials(credentials, names, env_file=env_file, use_env=use_env)
        except (ValueError, TypeError) as err:
            failure = detached(err)
        if failure is not None:
            credentials = None  # a PEM or secret the caller gave stays out of the error's frames
            raise failure
        # Adapter options by name; each venue takes the ones its VenueSpec lists.
        options: dict[str, Any] = {"recv_window_ms": recv_window_ms}
        self._venues: dict[str, Venue] = {}
        for name in names:
            adapter = create_adapter(name, **options)
            # An explicitly given URL is used as is (validated above): an empty one must never
            # silently become production.
            url = base_urls.get(name) or (
                adapter.testnet_base_url if testnet and adapter.testnet_base_url else adapter.default_base_url
            )
            is_sandbox = sandbox and (URL(url).host or "") in _LOOPBACK
            self._venues[name] = Venue.create(name, adapter, url, creds.get(name), sandbox=is_sandbox)
        if default_exchange is not None and default_exchange.lower() not in self._venues:
            raise InvalidArgument(f"default_exchange {default_exchange!r} is not configured")
        self.default_exchange = default_exchange.lower() if default_exchange else None
        self.testnet = testnet
        self.markets_ttl = markets_ttl
        self.progress = progress
        t = timeout if isinstance(timeout, Timeout) else Timeout(timeout, timeout)  # validates
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
            raise InvalidArgument(f"retries must be an int in 0..10, not {retries!r}")
        if not _positive_finite(max_wait):
            raise InvalidArgument(f"max_wait must be a positive, finite number of seconds, not {max_wait!r}")
        self._transport = Transport(timeout=t, retries=retries, rate_limit=rate_limit, max_wait=max_wait)
        self._markets: dict[str, tuple[float, dict[str, MarketInfo]]] = {}
        # The order desk is built on first use (see _orders); its arguments are checked now.
        self._mode = check_mode(mode)
        if limits is not None and not isinstance(limits, Limits):
            raise InvalidArgument("limits must be an xtoolkit Limits(...)")
        self._desk_args = (limits, journal)
        self._desk: OrderDesk | None = None
        self._desk_lock = threading.Lock()  # a Client's loop thread and its caller may both ask
        # The transport refuses placements by this mode, for every API (see _transport).
        for venue in self._venues.values():
            venue.mode = self._mode
        track_for_exit(self)  # closed at interpreter exit if the user never closes it

    # --- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session; the client cannot be used afterwards."""
        await self._transport.aclose()

    @property
    def closed(self) -> bool:
        return self._transport.closed

    @property
    def exchanges(self) -> list[str]:
        """Configured exchange names."""
        return list(self._venues)

    def venue(self, exchange: str) -> Venue:
        """The configured :class:`Venue` for ``exchange`` (adapter, host, keys, rate gate)."""
        if not isinstance(exchange, str):
            raise InvalidArgument(f"an exchange is a name like 'binance', not {exchange!r}")
        try:
            return self._venues[exchange.lower()]
        except KeyError:
            raise InvalidArgument(
                f"exchange {exchange!r} is not configured; configured: {', '.join(self._venues)}"
            ) from None

    def has_credentials(self, exchange: str) -> bool:
        return self.venue(exchange).credentials is not None

    @property
    def _orders(self) -> OrderDesk:
        """The order desk, built on first use: ``import xtoolkit`` and data-only sessions never
        load the order machinery (desk, plans, guards, journal)."""
        desk = self._desk
        if desk is None:
            from xtoolkit.orders.desk import OrderDesk

            with self._desk_lock:
                desk = self._desk
                if desk is None:
                    limits, journal = self._desk_args
                    desk = self._desk = OrderDesk(self, mode=self._mode, limits=limits, journal=journal)
        return desk

    @property
    def mode(self) -> str:
        """``"dry_run"`` or ``"live"`` (see the ``mode`` argument)."""
        return self._mode

    @property
    def limits(self) -> Limits:
        """The :class:`~xtoolkit.orders.Limits` the order guards enforce."""
        return self._orders.limits

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{v.name}={'keys' if v.credentials else 'public'}@{v.display_url}" for v in self._venues.values()
        )
        state = " closed" if self.closed else ""
        return f"<{type(self).__name__}{state} {parts}>"

    # --- low level ------------------------------------------------------------------------

    async def send(self, exchange: str, call: Call) -> Response:
        """Send one adapter :class:`Call` (the escape hatch every verb is built on)."""
        return await self._transport.send(self.venue(exchange), call)

    async def request(
        self,
        exchange: str,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        **path_args: Any,
    ) -> Any:
        """Call any endpoint of the adapter's table by name; returns the decoded payload.

        >>> await ac.request("binance", "avg_price", {"symbol": "BTCUSDT"})
        """
        venue = self.venue(exchange)
        if endpoint not in venue.adapter.endpoints:
            raise InvalidArgument(
                f"{exchange} has no endpoint {endpoint!r}; known: {', '.join(venue.adapter.endpoints)}"
            )
        resp = await self._transport.send(venue, Call(endpoint, dict(params or {}), path_args))
        return resp.payload

    async def _send_all(self, venue: Venue, calls: Sequence[Call]) -> list[Response]:
        return await gather_typed(self._transport.send(venue, c) for c in calls)

    # --- markets --------------------------------------------------------------------------

    async def _market_table(self, exchange: str, *, refresh: bool = False) -> dict[str, MarketInfo]:
        venue = self.venue(exchange)
        cached = self._markets.get(venue.name)
        if cached and not refresh and time.monotonic() - cached[0] < self.markets_ttl:
            return cached[1]
        adapter = venue.adapter
        first = [r.payload for r in await self._send_all(venue, adapter.markets_calls())]
        more_calls = _parsed(venue.name, "markets", lambda: adapter.markets_more(first))
        more = [r.payload for r in await self._send_all(venue, more_calls)] if more_calls else []
        table = _parsed(
            venue.name, "markets", lambda: {m.native: m for m in adapter.parse_markets(first, more)}
        )
        self._markets[venue.name] = (time.monotonic(), table)
        return table

    async def markets(self, exchange: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """Listed markets and their trading rules.

        Cached for ``markets_ttl`` seconds; ``refresh=True`` reloads. Binance rules come from
        ``exchangeInfo`` (PRICE_FILTER, LOT_SIZE, NOTIONAL or legacy MIN_NOTIONAL); Upbit's from
        ``market/all``, ``orderbook/instruments`` tick sizes and the documented minimum totals.

        Returns
        -------
        DataFrame
            exchange, symbol, native, base, quote, status, tick_size, step_size, min_qty,
            min_notional, warning (Upbit market warning flag).
        """
        names = [exchange.lower()] if exchange else list(self._venues)
        tables = await asyncio.gather(*(self._market_table(n, refresh=refresh) for n in names))
        cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "exchange",
                "symbol",
                "native",
                "base",
                "quote",
                "status",
                "tick_size",
                "step_size",
                "min_qty",
                "min_notional",
                "warning",
            )
        }
        for table in tables:
            for m in table.values():
                cols["exchange"].append(m.exchange)
                cols["symbol"].append(str(m.symbol))
                cols["native"].append(m.native)
                cols["base"].append(m.symbol.base)
                cols["quote"].append(m.symbol.quote)
                cols["status"].append(m.status)
                cols["tick_size"].append(m.tick_size)
                cols["step_size"].append(m.step_size)
                cols["min_qty"].append(m.min_qty)
                cols["min_notional"].append(m.min_notional)
                cols["warning"].append(m.warning)
        for k in ("tick_size", "step_size", "min_qty", "min_notional"):
            cols[k] = [None if v is None else float(v) for v in cols[k]]
        return frame("markets", cols)

    async def market_info(self, market: MarketLike, *, refresh: bool = False) -> MarketInfo:
        """The venue's rules for one market (:class:`MarketInfo` with ``Decimal`` fields)."""
        ref = await self.resolve(market)
        table = await self._market_table(ref.exchange, refresh=refresh)
        info = table.get(ref.native)
        if info is None and not refresh:
            table = await self._market_table(ref.exchange, refresh=True)
            info = table.get(ref.native)
        if info is None:
            raise self._unknown(ref, table)
        return info

    def _unknown(self, ref: MarketRef, table: Mapping[str, MarketInfo]) -> UnknownMarket:
        names = [str(m.symbol) for m in table.values()]
        import difflib  # only on a miss: not worth its import with the package

        close = difflib.get_close_matches(str(ref.symbol), names, n=3, cutoff=0.6)
        # "BTC-USDT" read Upbit's way (quote first) is USDT/BTC; name the market meant first.
        swapped = swapped_dash_matches(ref.exchange, ref.native, self._venues)
        return UnknownMarket(
            f"{ref.exchange} does not list {ref.symbol} ({ref.native})",
            matches=swapped + [f"{ref.exchange}:{c}" for c in close if f"{ref.exchange}:{c}" not in swapped],
            exchange=ref.exchange,
        )

    async def resolve(self, market: MarketLike) -> MarketRef:
        """``"binance:BTC/USDT"``, ``"upbit:KRW-BTC"``, ``"BTCUSDT"`` ... -> :class:`MarketRef`.

        Unified ``BASE/QUOTE`` text needs an exchange prefix (or ``default_exchange``); a
        native code that only one venue's format fits needs none.
        """
        if isinstance(market, MarketRef):
            self.venue(market.exchange)
            return market
        if not isinstance(market, str) or not market.strip():
            raise InvalidArgument(f"a market is text like 'binance:BTC/USDT', not {market!r}")
        text = market.strip()
        prefix, sep, rest = text.partition(":")
        if sep:
            venue = self.venue(prefix)
            return await self._resolve_on(venue, rest.strip())
        if "/" not in text:
            fits = [v for v in self._venues.values() if v.adapter.parse_native(text) is not None]
            if len(fits) == 1:
                return await self._resolve_on(fits[0], text)
        if self.default_exchange:
            return await self._resolve_on(self._venues[self.default_exchange], text)
        hint = exchange_as_market(text, self._venues)
        if hint:
            raise InvalidArgument(hint)
        raise InvalidArgument(
            f"which exchange is {text!r} on? Write it as "
            + " or ".join(f"'{n}:{text}'" for n in self._venues)
            + ", or set default_exchange"
        )

    async def _resolve_on(self, venue: Venue, text: str) -> MarketRef:
        adapter = venue.adapter
        if "/" in text:
            symbol = Symbol.parse(text)
            return MarketRef(venue.name, symbol, adapter.native(symbol))
        symbol = adapter.parse_native(text)
        if symbol is not None and adapter.native(symbol) == text.upper():
            return MarketRef(venue.name, symbol, text.upper())
        # Not splittable from its text alone (e.g. an unusual Binance quote): ask the venue.
        table = await self._market_table(venue.name)
        info = table.get(text.upper())
        if info is None:
            raise self._unknown(MarketRef(venue.name, Symbol(text, "?"), text.upper()), table)
        return info.ref

    async def _resolve_many(self, markets: MarketLike | Sequence[MarketLike]) -> dict[str, list[MarketRef]]:
        by_venue: dict[str, list[MarketRef]] = {}
        seen: set[tuple[str, str]] = set()
        for m in _as_list(markets):
            ref = await self.resolve(m)
            if (ref.exchange, ref.native) not in seen:
                seen.add((ref.exchange, ref.native))
                by_venue.setdefault(ref.exchange, []).append(ref)
        return by_venue

    async def _explain_bad_symbol(
        self, exchange: str, refs: Sequence[MarketRef], err: BadSymbol
    ) -> Exception:
        """A venue said "unknown symbol": refresh markets and name the culprit with matches."""
        table = await self._market_table(exchange, refresh=True)
        for ref in refs:
            if ref.native not in table:
                unknown = self._unknown(ref, table)
                unknown.payload, unknown.code, unknown.status = err.payload, err.code, err.status
                return unknown
        return err

    async def _guarded(self, exchange: str, refs: Sequence[MarketRef], work: Awaitable[R]) -> R:
        try:
            return await work
        except BadSymbol as err:
            raise await self._explain_bad_symbol(exchange, refs, err) from None

    # --- market data ----------------------------------------------------------------------

    async def tickers(self, markets: MarketLike | Sequence[MarketLike], *, raw: bool = False) -> pd.DataFrame:
        """Best bid/ask, last price and 24 h statistics for one or many markets.

        Many markets cost one request per exchange (Binance ``ticker/24hr?symbols=[...]``;
        Upbit ``ticker`` plus one batched ``orderbook`` call for the book top, chunked at the
        venue's limit). Rows follow the order the markets were given.

        Returns
        -------
        DataFrame
            exchange, symbol, bid, bid_qty, ask, ask_qty, last, volume_24h (base),
            quote_volume_24h, change_24h_pct (Binance: rolling 24 h; Upbit: vs the previous
            UTC-day close), ts (UTC); plus raw with ``raw=True``.
        """
        cols = await self._ticker_columns(markets)
        return _parsed(None, "tickers", lambda: frame("tickers", cols, raw=raw))

    async def _ticker_arrays(self, markets: MarketLike | Sequence[MarketLike]) -> TypedColumns:
        """The columns of :meth:`tickers`' frame (without ``raw``), typed but not assembled; a
        wrong-shaped value raises :class:`MalformedResponse` here, as :meth:`tickers` would."""
        cols = await self._ticker_columns(markets)
        return _parsed(None, "tickers", lambda: typed_columns("tickers", cols))

    async def _ticker_columns(self, markets: MarketLike | Sequence[MarketLike]) -> dict[str, list[Any]]:
        """What :meth:`tickers` builds its frame from: the ``tickers`` columns as lists (``ts`` in
        epoch milliseconds, ``raw`` the payload per row), rows in the order the markets were given.

        The research fetch layer reads quotes from these directly: a frame it would only read
        back cost a frame build and five column reads per venue on every premium poll.
        """
        by_venue = await self._resolve_many(markets)

        async def one(exchange: str, refs: list[MarketRef]) -> dict[str, list[Any]]:
            venue = self._venues[exchange]
            calls = venue.adapter.tickers_calls([r.native for r in refs])
            resps = await self._guarded(exchange, refs, self._send_all(venue, calls))
            cols = _parsed(
                exchange,
                "tickers",
                lambda: venue.adapter.parse_tickers(
                    [r.payload for r in resps], {r.native: r for r in refs}, resps[-1].received_ms
                ),
            )
            got = set(cols["symbol"])
            missing = [r for r in refs if str(r.symbol) not in got]
            if missing:
                table = await self._market_table(exchange, refresh=True)
                absent = [r for r in missing if r.native not in table]
                if absent:
                    raise self._unknown(absent[0], table)
                raise MalformedResponse(
                    f"{exchange} returned no ticker for {', '.join(str(r.symbol) for r in missing)}",
                    exchange=exchange,
                )
            return cols

        parts = await self._gather(one(ex, refs) for ex, refs in by_venue.items())
        cols = merge_columns(parts, "tickers")
        # Rows in the order the markets were given: permute the columns before the frame exists
        # (cheaper than reindexing a DataFrame, and free when the venue kept our order).
        order = {
            (ex, str(r.symbol)): i
            for i, (ex, r) in enumerate((ex, r) for ex, refs in by_venue.items() for r in refs)
        }
        ranks = [order.get(k, len(order)) for k in zip(cols["exchange"], cols["symbol"], strict=True)]
        perm = sorted(range(len(ranks)), key=ranks.__getitem__)
        if perm != list(range(len(ranks))):
            cols = {name: [values[i] for i in perm] for name, values in cols.items()}
        return cols

    async def _gather(self, coros: Any) -> list[Any]:
        return await gather_typed(coros)

    async def orderbook(
        self, market: MarketLike, *, depth: int | None = None, raw: bool = False
    ) -> pd.DataFrame:
        """The order book of one market, long form.

        ``depth`` levels per side (default: the venue's default — Binance 100, Upbit 30; at most
        Binance 5000, Upbit 30). Bids are best (highest) first, asks best (lowest) first.

        Returns
        -------
        DataFrame
            exchange, symbol, side ("bid"/"ask"), level (0 = best), price, qty, ts (the venue's
            book time; Binance sends none, so the receive time). ``raw=True`` puts the payload
            in ``df.attrs["raw"]``.
        """
        ref = await self.resolve(market)
        venue = self._venues[ref.exchange]
        adapter = venue.adapter
        depth = (100 if adapter.max_depth > 100 else adapter.max_depth) if depth is None else depth
        if not isinstance(depth, int) or not 1 <= depth <= adapter.max_depth:
            raise InvalidArgument(
                f"depth must be 1..{adapter.max_depth} on {ref.exchange}, not {depth!r}",
                exchange=ref.exchange,
            )
        resp = await self._guarded(
            ref.exchange,
            [ref],
            self._transport.send(venue, adapter.orderbook_call(ref.native, depth)),
        )
        df = _parsed(
            ref.exchange,
            "orderbook",
            lambda: frame("orderbook", adapter.parse_orderbook(resp.payload, ref, depth, resp.received_ms)),
        )
        if raw:
            df.attrs["raw"] = resp.payload
        return df

    async def trades(self, market: MarketLike, *, limit: int = 100, raw: bool = False) -> pd.DataFrame:
        """The most recent trades of one market, oldest first.

        ``limit`` up to 1000 (Upbit pages 500 at a time behind the scenes and, since it serves
        one UTC day per request, continues into previous days — up to 7 — just after midnight).

        Returns
        -------
        DataFrame
            exchange, symbol, trade_id, price, qty, quote_qty, side (the taker's side:
            "buy"/"sell"), ts; plus raw with ``raw=True``.
        """
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidArgument(f"limit must be 1..1000, not {limit!r}")
        ref = await self.resolve(market)
        venue = self._venues[ref.exchange]
        adapter = venue.adapter
        parts: list[dict[str, list[Any]]] = []
        cursor: Any = None
        remaining = limit
        for _ in range(_MAX_TRADE_PAGES):  # bounded; the adapter's cursor says when to stop
            call = adapter.trades_call(ref.native, remaining, cursor)
            resp = await self._guarded(ref.exchange, [ref], self._transport.send(venue, call))
            cols, cursor = _parsed(
                ref.exchange,
                "trades",
                adapter.parse_trades,
                resp.payload,
                ref,
                cursor,
                min(remaining, adapter.max_trades),
            )
            parts.append(cols)
            remaining -= len(cols["trade_id"])
            if cursor is None or remaining <= 0:
                break
        df = _parsed(ref.exchange, "trades", lambda: frame("trades", merge_columns(parts, "trades"), raw=raw))
        df = df.drop_duplicates("trade_id", keep="last").sort_values(["ts", "trade_id"], kind="stable")
        return df.tail(limit).reset_index(drop=True)

    async def candles(
        self,
        market: MarketLike,
        *,
        interval: str = "1h",
        start: Any = None,
        end: Any = None,
        limit: int | None = None,
        progress: bool | None = None,
        raw: bool = False,
    ) -> pd.DataFrame:
        """OHLCV candles of one market, oldest first, paginated across the venue's per-call caps.

        ``start`` (inclusive) and ``end`` (exclusive) take datetimes, ISO text or epoch ms;
        naive times are UTC. Without ``start``, the last ``limit`` candles (default 500) before
        ``end`` (default: now, including the still-forming candle); ``limit`` counts interval
        slots, so a venue that skips empty periods returns fewer rows. Pages are de-duplicated
        on open time. A progress bar shows when more than one page is fetched. Upbit emits no
        candle for a period without trades: such periods are absent, not zero-filled.

        Intervals: Binance 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M;
        Upbit 1s 1m 3m 5m 10m 15m 30m 1h 4h 1d 1w 1M.

        Returns
        -------
        DataFrame
            exchange, symbol, interval, open_time, open, high, low, close, volume (base),
            quote_volume, trades (NaN on Upbit), close_time, is_closed (False for the candle
            still forming); plus raw with ``raw=True``.
        """
        ref = await self.resolve(market)
        venue = self._venues[ref.exchange]
        adapter = venue.adapter
        if interval not in adapter.intervals:
            raise InvalidArgument(
                f"{ref.exchange} has no {interval!r} candles; choose one of {', '.join(adapter.intervals)}",
                exchange=ref.exchange,
            )
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise InvalidArgument(f"limit must be a positive int, not {limit!r}")
        step_ms = adapter.interval_seconds(interval) * 1000
        # "Now" is the venue's: this machine's clock plus the offset measured when the client
        # last synced with the venue (Binance, on its signed calls); this machine's until then.
        now_ms = venue.clock.now_ms()
        end_ms = _to_ms(end, "end")
        start_ms = _to_ms(start, "start")
        horizon = end_ms if end_ms is not None else now_ms + step_ms
        if start_ms is None:
            # Count back from the open time of the last candle before `end` (or the forming
            # one), so `limit` candles fit exactly on the interval grid.
            last_open = ((end_ms if end_ms is not None else now_ms + 1) - 1) // step_ms * step_ms
            start_ms = last_open - ((limit or 500) - 1) * step_ms
            if interval == "1M":  # calendar months are not a fixed length
                month = pd.Timestamp(last_open, unit="ms", tz="UTC").normalize().replace(day=1)
                first = month - pd.DateOffset(months=(limit or 500) - 1)
                start_ms = int(first.value // 1_000_000)
        if start_ms >= horizon:
            raise InvalidArgument(candle_window(start_ms, end_ms, now_ms))
        expected = math.ceil((horizon - start_ms) / step_ms)
        pages = max(1, math.ceil(expected / adapter.candle_page))
        parts: list[dict[str, list[Any]]] = []
        with progress_bar(
            pages if pages > 1 else None,
            f"{ref} {interval}",
            enabled=(self.progress if progress is None else progress) if pages > 1 else False,
        ) as bar:
            # A window [lo, hi) walks forward (Binance: oldest first from startTime) or
            # backward (Upbit: newest first before `to`) one capped page at a time.
            forward = adapter.candle_direction == "forward"
            lo, hi = start_ms, end_ms
            for _ in range(min(pages + 5, _MAX_PAGES)):
                call = adapter.candles_call(
                    ref.native, interval, start_ms=lo, end_ms=hi, limit=adapter.candle_page
                )
                resp = await self._guarded(ref.exchange, [ref], self._transport.send(venue, call))
                cols = _parsed(ref.exchange, "candles", adapter.parse_candles, resp.payload, ref, interval)
                parts.append(cols)
                bar.update()
                if len(cols["open_time"]) < adapter.candle_page:
                    break
                edge = _parsed(ref.exchange, "candles", _to_ms, cols["open_time"][-1], "open_time")
                if edge is None:
                    break
                if forward:
                    lo = edge + 1
                    if hi is not None and lo >= hi:
                        break
                else:
                    if edge <= start_ms or (hi is not None and edge >= hi):
                        break
                    hi = edge
        return _parsed(
            ref.exchange,
            "candles",
            lambda: _finish_candles(
                frame("candles", merge_columns(parts, "candles"), raw=raw),
                interval,
                step_ms,
                start_ms,
                end_ms,
                limit,
                now_ms,
            ),
        )

    # --- account --------------------------------------------------------------------------

    def _keyed(self, exchange: str | None) -> list[Venue]:
        if exchange is not None:
            venue = self.venue(exchange)
            if venue.credentials is None:
                raise MissingCredentials(f"no keys configured for {venue.name}", exchange=venue.name)
            return [venue]
        venues = [v for v in self._venues.values() if v.credentials is not None]
        if not venues:
            raise MissingCredentials(
                "no exchange has keys configured: set BINANCE_API_KEY with BINANCE_API_SECRET (or "
                "BINANCE_PRIVATE_KEY), or UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY, or pass credentials="
            )
        return venues

    async def balances(self, exchange: str | None = None, *, raw: bool = False) -> pd.DataFrame:
        """Balances of every exchange that has keys (or of ``exchange``), one frame.

        Returns
        -------
        DataFrame
            exchange, asset, free, locked, total; plus raw with ``raw=True``. Zero balances
            are omitted.
        """
        venues = self._keyed(exchange)

        async def one(v: Venue) -> dict[str, list[Any]]:
            resp = await self._transport.send(v, v.adapter.balances_call())
            return _parsed(v.name, "balances", lambda: v.adapter.parse_balances(resp.payload))

        parts = await self._gather(one(v) for v in venues)
        return _parsed(None, "balances", lambda: frame("balances", merge_columns(parts, "balances"), raw=raw))

    # --- wallet networks and trading fees (reads: nothing here moves funds) ---------------

    def _wallet_venues(self, exchange: str | None) -> list[Venue]:
        if exchange is not None:
            venue = self.venue(exchange)
            if not hasattr(venue.adapter, "networks_calls"):
                raise InvalidArgument(f"{venue.name} has no wallet endpoints here", exchange=venue.name)
            return self._keyed(venue.name)
        return [v for v in self._keyed(None) if hasattr(v.adapter, "networks_calls")]

    async def network_records(
        self, asset: str | Sequence[str] | None = None, *, exchange: str | None = None
    ) -> list[WalletNetwork]:
        """:meth:`networks` as typed :class:`~xtoolkit.exchanges._wallet.WalletNetwork` records
        (``Decimal`` fees, ``None`` for what the venue did not say)."""
        records, _ = await self._network_records(asset, exchange)
        return records

    async def _network_records(
        self, asset: str | Sequence[str] | None, exchange: str | None
    ) -> tuple[list[WalletNetwork], list[Any]]:
        if asset is not None and not isinstance(asset, str):
            assets: list[str] | None = [str(a).strip().upper() for a in asset]
        else:
            assets = [asset.strip().upper()] if isinstance(asset, str) else None
        if assets is not None and (not assets or not all(assets)):
            raise InvalidArgument(f"asset must be a code like 'BTC' or a list of them, not {asset!r}")
        venues = self._wallet_venues(exchange)

        async def one(v: Venue) -> tuple[list[WalletNetwork], list[Any]]:
            adapter = v.adapter
            first = await self._send_all(v, adapter.networks_calls(assets))
            payloads = [r.payload for r in first]
            more_calls = _parsed(v.name, "networks", lambda: adapter.networks_more(payloads, assets))
            more = await self._send_all(v, more_calls) if more_calls else []
            pairs = list(zip(more_calls, [r.payload for r in more], strict=True))
            received = max(r.received_ms for r in [*first, *more])
            records = _parsed(v.name, "networks", lambda: adapter.parse_networks(payloads, pairs, received))
            if assets is not None:
                records = [w for w in records if w.asset in assets]
            return records, [*payloads, *(p for _, p in pairs)]

        parts = await self._gather(one(v) for v in venues)
        return [w for recs, _ in parts for w in recs], [p for _, raws in parts for p in raws]

    async def networks(
        self, asset: str | Sequence[str] | None = None, *, exchange: str | None = None, raw: bool = False
    ) -> pd.DataFrame:
        """Deposit/withdrawal status and withdrawal costs per exchange, asset and network.

        Needs keys (``MissingCredentials`` otherwise): every exchange that has keys, or
        ``exchange``. ``asset`` is a code (``"BTC"``) or a list of codes; None: every asset.

        * Binance: ``GET /sapi/v1/capital/config/getall`` (signed; weight 10 in its own /sapi
          budget of 12,000 a minute; every coin in one answer, filtered here).
        * Upbit: ``GET /v1/status/wallet`` (any key) and, for the named assets only, one
          ``GET /v1/withdraws/chance`` per asset and network (the key needs "View
          Withdrawals") for the fee and minimum; without ``asset`` those stay empty. Upbit
          warns that its wallet status can lag the real state by minutes.

        Network ids are the venue's own (Binance ``network``, Upbit ``net_type``): match chains
        explicitly. Nothing here withdraws or moves funds.

        Returns
        -------
        DataFrame
            exchange, asset, network, network_name, deposit_enabled, withdraw_enabled (False
            where the venue did not say), withdraw_fee (flat, in the asset; float64) and
            withdraw_fee_text (the exact decimal), withdraw_min, withdraw_min_text,
            withdraw_max, wallet_state, block_state (Upbit), block_updated_at, info_age_s
            (read time minus block_updated_at), busy (Binance), note, source (endpoints read),
            ts (read time, UTC). ``raw=True`` puts the venue payloads in ``df.attrs["raw"]``.
        """
        records, raws = await self._network_records(asset, exchange)
        df = _parsed(None, "networks", lambda: frame("networks", network_columns(records)))
        if raw:
            df.attrs["raw"] = raws
        return df

    async def fee_records(self, markets: MarketLike | Sequence[MarketLike]) -> list[TradingFee]:
        """:meth:`trading_fees` as typed :class:`~xtoolkit.exchanges._wallet.TradingFee` records."""
        by_venue = await self._resolve_many(markets)

        async def one(exchange: str, refs: list[MarketRef]) -> list[TradingFee]:
            venue = self._venues[exchange]
            adapter = venue.adapter
            if venue.credentials is None or not hasattr(adapter, "fee_call"):
                return [self._default_fee(ref) for ref in refs]

            async def read(ref: MarketRef) -> TradingFee:
                resp = await self._guarded(exchange, [ref], self._transport.send(venue, adapter.fee_call(ref.native)))
                return _parsed(exchange, "trading fees", adapter.parse_fee, resp.payload, ref, resp.received_ms)

            return list(await self._gather(read(r) for r in refs))

        parts = await self._gather(one(ex, refs) for ex, refs in by_venue.items())
        return [fee for part in parts for fee in part]

    def _default_fee(self, ref: MarketRef) -> TradingFee:
        facts = venue_spec(ref.exchange).orders
        if facts is None:
            raise InvalidArgument(f"{ref.exchange} documents no fee rates here", exchange=ref.exchange)
        rate = facts.default_fee(ref.symbol.quote)  # the order desk's table: one source of truth
        now = pd.Timestamp.now(tz="UTC")
        return TradingFee(
            exchange=ref.exchange,
            symbol=str(ref.symbol),
            maker_buy=rate,
            maker_sell=rate,
            taker_buy=rate,
            taker_sell=rate,
            source=DEFAULT_FEE,
            read_at=now,
        )

    async def trading_fees(self, markets: MarketLike | Sequence[MarketLike]) -> pd.DataFrame:
        """Maker and taker fee rates per market, as fractions (0.001 = 0.1 %).

        With keys, the account's own rates: Binance ``GET /api/v3/account/commission`` (per
        side, the standard, tax and special parts summed; the BNB discount not applied), Upbit
        ``GET /v1/orders/chance`` (``bid_fee``/``ask_fee`` taker, ``maker_bid_fee``/
        ``maker_ask_fee``); ``source="account"``. Without keys for a venue, its documented
        standard rate — the order desk's default table (Binance 0.1 %; Upbit 0.05 % on KRW
        markets, 0.25 % elsewhere), maker = taker — with ``source="default"``.

        Returns
        -------
        DataFrame
            exchange, symbol, maker, taker (the higher side of each), maker_buy, maker_sell,
            taker_buy, taker_sell, source ("account" or "default"), ts (UTC).
        """
        records = await self.fee_records(markets)
        return _parsed(None, "trading fees", lambda: frame("trading_fees", fee_columns(records)))

    async def _symbols(self, exchange: str) -> dict[str, str]:
        table = self._markets.get(exchange)
        return {n: str(m.symbol) for n, m in table[1].items()} if table else {}

    async def _order_frame(
        self, venue: Venue, payloads: Sequence[Any], refs: Sequence[MarketRef], raw: bool
    ) -> pd.DataFrame:
        symbols = await self._symbols(venue.name)
        symbols.update({r.native: str(r.symbol) for r in refs})
        return _parsed(
            venue.name,
            "orders",
            lambda: frame(
                "orders",
                merge_columns([venue.adapter.parse_orders(p, symbols) for p in payloads], "orders"),
                raw=raw,
            ),
        )

    async def open_orders(
        self, market: MarketLike | None = None, *, exchange: str | None = None, raw: bool = False
    ) -> pd.DataFrame:
        """Open orders of one market, of one exchange, or of every keyed exchange.

        Returns
        -------
        DataFrame
            exchange, symbol, order_id, client_order_id, side, type, status (open,
            partially_filled, filled, canceled, rejected, expired), price, qty, filled_qty,
            filled_quote, avg_price, created, updated, venue_status; plus raw.
        """
        if isinstance(market, str) and exchange is None and market.strip().lower() in self._venues:
            # open_orders("upbit") reads like balances("upbit"): take it as the exchange.
            market, exchange = None, market.strip().lower()
        if market is not None:
            ref = await self.resolve(market)
            targets: list[tuple[Venue, MarketRef | None]] = [(self._keyed(ref.exchange)[0], ref)]
        else:
            targets = [(v, None) for v in self._keyed(exchange)]

        async def one(v: Venue, ref: MarketRef | None) -> pd.DataFrame:
            native = ref.native if ref else None
            payloads: list[Any] = []
            page_size = v.adapter.open_orders_page
            for page in range(1, 51):  # bounded: at most 50 pages
                resp = await self._transport.send(v, v.adapter.open_orders_call(native, page))
                payloads.append(resp.payload)
                if page_size is None or not isinstance(resp.payload, list) or len(resp.payload) < page_size:
                    break
            return await self._order_frame(v, payloads, [ref] if ref else [], raw)

        frames = await self._gather(one(v, r) for v, r in targets)
        return _concat_orders(frames, raw)

    async def order_status(
        self,
        market: MarketLike,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        raw: bool = False,
    ) -> pd.DataFrame:
        """One order by venue id or client order id, as a one-row orders frame (see ``open_orders``)."""
        ref = await self.resolve(market)
        venue = self._keyed(ref.exchange)[0]
        call = venue.adapter.order_get_call(ref.native, order_id=order_id, client_order_id=client_order_id)
        resp = await self._transport.send(venue, call)
        return await self._order_frame(venue, [resp.payload], [ref], raw)

    async def cancel_order(
        self,
        market: MarketLike,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        raw: bool = False,
    ) -> pd.DataFrame:
        """Cancel one order; returns the venue's answer as a one-row orders frame.

        Upbit cancels asynchronously: the row may still say ``open`` — poll ``order_status``.
        """
        ref = await self.resolve(market)
        venue = self._keyed(ref.exchange)[0]
        call = venue.adapter.cancel_call(ref.native, order_id=order_id, client_order_id=client_order_id)
        resp = await self._transport.send(venue, call)
        return await self._order_frame(venue, [resp.payload], [ref], raw)

    async def order_history(self, market: MarketLike, *, limit: int = 100, raw: bool = False) -> pd.DataFrame:
        """Closed and open orders of one market, newest last (see ``open_orders`` for columns)."""
        ref = await self.resolve(market)
        venue = self._keyed(ref.exchange)[0]
        resp = await self._transport.send(venue, venue.adapter.history_call(ref.native, limit=limit))
        df = await self._order_frame(venue, [resp.payload], [ref], raw)
        return df.sort_values("created", kind="stable").reset_index(drop=True)

    # --- guarded orders -------------------------------------------------------------------

    async def order(
        self,
        market: MarketLike,
        side: str,
        *,
        qty: Any = None,
        price: Any = None,
        quote_qty: Any = None,
        type: str | None = None,
        client_order_id: str | None = None,
        allow_warning: bool = False,
    ) -> OrderPlan:
        """Preview an order: nothing is sent. Returns an :class:`~xtoolkit.orders.OrderPlan`.

        ``price`` and ``qty`` (base) make a limit order; without ``price`` it is a market order
        sized by ``qty`` or by ``quote_qty`` (the total to spend; Upbit market buys take only
        this, Upbit market sells only ``qty``). Amounts are text, ``Decimal`` or int (floats are
        read through ``str`` with a warning). The price is rounded to the tick never toward a
        worse fill (buys down, sells up); quantities are truncated to the step. The plan shows
        what you typed, what will be sent, the notional in the quote currency, USDT and KRW,
        estimated fees, every guard's verdict, the client order id and the mode.

        Then ``plan.validate()`` asks the venue's test-order endpoint (nothing placed) and
        ``plan.submit(confirm=True)`` places it once. Plans from an ``AsyncClient`` are awaited:
        ``await plan.avalidate()``, ``await plan.asubmit(confirm=True)``.
        """
        return await self._orders.plan(
            market,
            side,
            qty=qty,
            price=price,
            quote_qty=quote_qty,
            type=type,
            client_order_id=client_order_id,
            allow_warning=allow_warning,
        )

    async def reconcile(self, client_order_id: str | None = None) -> pd.DataFrame:
        """Resolve orders of unknown outcome by client order id (bounded polling), journaling verdicts.

        Without an id: every unresolved intent in the journal for the venues and keys this
        client has. With one: that order's current state. "Not found" becomes NOT_FOUND only
        once ``Limits.visibility_s`` has passed since the send. Nothing is ever re-sent.

        Returns
        -------
        DataFrame
            client_order_id, exchange, symbol, verdict (FILLED, OPEN, PARTIALLY_FILLED,
            CANCELED, EXPIRED, REJECTED, NOT_FOUND, or UNKNOWN if the venue did not answer),
            order_id, status, filled_qty, attempts, detail.
        """
        return await self._orders.reconcile(client_order_id)

    async def cancel_all(
        self,
        market: MarketLike | None = None,
        *,
        exchange: str | None = None,
        confirm: bool = False,
    ) -> pd.DataFrame:
        """Cancel every open order of one market, of one exchange, or of every keyed exchange.

        Without ``confirm=True`` nothing is cancelled: :class:`ConfirmationRequired` is raised
        listing the open orders that would be (also in its ``preview`` frame). Cancels stay
        allowed while the kill switch is on. Upbit cancels asynchronously.

        Returns
        -------
        DataFrame
            The orders the venues accepted to cancel, with the columns of ``open_orders``.
        """
        return await self._orders.cancel_all(market, exchange=exchange, confirm=confirm)

    def journal(self) -> pd.DataFrame:
        """The intent journal, one row per order intent, oldest first (reads the local file).

        Returns
        -------
        DataFrame
            created, updated (UTC), client_order_id, exchange, symbol, side, type, price, qty,
            quote_qty, notional (quote currency), quote, mode, state (pending, unknown, placed,
            rejected, resolved), verdict, order_id, filled_qty, error, sandbox.
        """
        return self._orders.journal_frame()


def _concat_orders(frames: Sequence[pd.DataFrame], raw: bool) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return frame("orders", raw=raw)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _finish_candles(
    df: pd.DataFrame,
    interval: str,
    step_ms: int,
    start_ms: int,
    end_ms: int | None,
    limit: int | None,
    now_ms: int,
) -> pd.DataFrame:
    if df.empty:
        return df
    df = df.drop_duplicates("open_time", keep="last").sort_values("open_time", kind="stable")
    start = pd.Timestamp(start_ms, unit="ms", tz="UTC")
    mask = df["open_time"] >= start
    if end_ms is not None:
        mask &= df["open_time"] < pd.Timestamp(end_ms, unit="ms", tz="UTC")
    df = df[mask]
    if df["close_time"].isna().any():
        # Upbit sends no close time: derive it (months by calendar, the rest by length).
        offset = pd.DateOffset(months=1) if interval == "1M" else pd.Timedelta(milliseconds=step_ms)
        derived = (df["open_time"] + offset - pd.Timedelta(milliseconds=1)).astype(df["close_time"].dtype)
        df = df.assign(close_time=df["close_time"].fillna(derived))
    now = pd.Timestamp(now_ms, unit="ms", tz="UTC")
    df = df.assign(is_closed=(df["close_time"] < now).to_numpy(dtype=bool))
    if limit is not None:
        df = df.tail(limit)
    return df.reset_index(drop=True)


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


#: What Python raises on an argument of the wrong type or value (a bool where text was due,
#: 1e400, Decimal('sNaN'), an object with no ``lower``) deep inside a verb.
_ARGUMENT_ERRORS = (
    TypeError,
    ValueError,
    AttributeError,
    KeyError,
    IndexError,
    ArithmeticError,
    RecursionError,
)


def _public(afn: Callable[P, Awaitable[R]], *, reads: bool = True) -> Callable[P, Awaitable[R]]:
    """A public verb whose errors leave no locals behind in toolkit frames (see forget_frames).

    For verbs that place nothing (``reads``), a raw Python error still escaping — answers are
    already parsed under :func:`_parsed`, so it came from an argument no check caught — is
    reported as :class:`InvalidArgument` naming the original error, never raised raw.
    """
    name = afn.__name__

    @functools.wraps(afn)
    async def verb(*args: P.args, **kwargs: P.kwargs) -> R:
        failure: InvalidArgument | None = None
        try:
            return await afn(*args, **kwargs)
        except XtoolkitError as err:
            forget_frames(err, _PACKAGE_DIR)
            raise
        except _ARGUMENT_ERRORS as exc:
            if not reads:
                raise
            failure = InvalidArgument(
                f"{name}: an argument could not be used ({type(exc).__name__}: {str(exc)[:200]})"
            )
        raise failure  # outside the except block: chains nothing

    return verb


for _name in (
    "send",
    "request",
    "markets",
    "market_info",
    "resolve",
    "tickers",
    "_ticker_arrays",  # research's tickers: the same error contract as tickers()
    "orderbook",
    "trades",
    "candles",
    "balances",
    "network_records",
    "networks",
    "fee_records",
    "trading_fees",
    "open_orders",
    "order_status",
    "cancel_order",
    "order_history",
    "order",
    "reconcile",
    "cancel_all",
):
    # send/request may place orders: a raw error there is a transport bug to see, not an argument.
    setattr(AsyncClient, _name, _public(getattr(AsyncClient, _name), reads=_name not in ("send", "request")))
del _name


# --- the blocking facade ------------------------------------------------------------------


def _blocking(afn: Callable[..., Awaitable[R]]) -> Callable[..., R]:
    """A blocking twin of an ``AsyncClient`` method, with the same signature and docstring."""

    @functools.wraps(afn)
    def method(self: Client, *args: Any, **kwargs: Any) -> R:
        return self._run(afn(self._engine, *args, **kwargs))

    method.__signature__ = inspect.signature(afn)  # type: ignore[attr-defined]
    return method


class Client:
    """The same verbs as :class:`AsyncClient`, blocking — in scripts and in notebooks alike.

    Calls run on a private event-loop thread, so this works inside Jupyter's running loop
    with no patching of asyncio. "Interrupt kernel" (Ctrl-C) cancels the call in flight.
    Takes the same keyword arguments as :class:`AsyncClient`. Use it as a context manager or
    call :meth:`close`; a closed client refuses further calls.
    """

    def __init__(self, **options: Any) -> None:
        failure: BaseException | None = None
        try:
            self._engine = AsyncClient(**options)
        except (ValueError, TypeError) as err:
            failure = detached(err)
        if failure is not None:
            options = {}  # may hold a PEM or a secret: keep it out of the error's frames
            raise failure
        self._thread = LoopThread()
        track_for_exit(self)  # closed at interpreter exit if the user never closes it

    __init__.__signature__ = inspect.signature(AsyncClient.__init__)  # type: ignore[attr-defined]

    def run(self, coro: Awaitable[R]) -> R:
        """Run a coroutine (e.g. built on :attr:`engine`) on this client's loop thread; block for it."""
        return self._run(coro)

    def _run(self, coro: Awaitable[R]) -> R:
        if self._engine.closed or self._thread.closed:
            if inspect.iscoroutine(coro):
                coro.close()
            raise ClientClosed("this client is closed; create a new one")
        return self._thread.run(coro)  # type: ignore[arg-type]

    @property
    def engine(self) -> AsyncClient:
        """The :class:`AsyncClient` behind this client (runs on the private loop thread)."""
        return self._engine

    async def arun(self, coro: Awaitable[R]) -> R:
        """Await an engine coroutine from another event loop (e.g. a notebook cell)."""
        return await self._thread.arun(coro)  # type: ignore[arg-type]

    def submit(self, coro: Coroutine[Any, Any, R]) -> concurrent.futures.Future[R]:
        """Start an engine coroutine on this client's loop thread without waiting for it
        (background work such as a Recorder); the future carries its result or error."""
        if self._engine.closed or self._thread.closed:
            coro.close()
            raise ClientClosed("this client is closed; create a new one")
        return self._thread.submit(coro)

    def close(self) -> None:
        """Close the session and stop the loop thread (idempotent)."""
        if self._thread.closed:
            return
        # Calls in flight from other threads (widgets, a Recorder) are cancelled first and raise
        # ClientClosed, then the session closes; nothing is left waiting on a stopped loop.
        self._thread.close(final=None if self._engine.closed else self._engine.aclose())

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Never block in a finalizer: just stop the thread; the OS reclaims sockets.
        thread = getattr(self, "_thread", None)
        if thread is not None and not thread.closed:
            thread.loop.call_soon_threadsafe(thread.loop.stop)

    def __repr__(self) -> str:
        return repr(self._engine).replace("AsyncClient", "Client", 1)

    @property
    def exchanges(self) -> list[str]:
        return self._engine.exchanges

    @property
    def closed(self) -> bool:
        return self._thread.closed or self._engine.closed

    def venue(self, exchange: str) -> Venue:
        return self._engine.venue(exchange)

    def has_credentials(self, exchange: str) -> bool:
        return self._engine.has_credentials(exchange)

    @property
    def mode(self) -> str:
        return self._engine.mode

    @property
    def limits(self) -> Limits:
        return self._engine.limits

    @functools.wraps(AsyncClient.order)
    def order(self, market: MarketLike, side: str, **kwargs: Any) -> OrderPlan:
        # The plan's validate()/submit() block through this client's bridge; asubmit() awaits it.
        return self._run(self._engine.order(market, side, **kwargs)).with_bridge(self)

    order.__signature__ = inspect.signature(AsyncClient.order)  # type: ignore[attr-defined]

    def journal(self) -> pd.DataFrame:
        return self._engine.journal()

    journal.__doc__ = AsyncClient.journal.__doc__

    resolve = _blocking(AsyncClient.resolve)
    send = _blocking(AsyncClient.send)
    request = _blocking(AsyncClient.request)
    markets = _blocking(AsyncClient.markets)
    market_info = _blocking(AsyncClient.market_info)
    tickers = _blocking(AsyncClient.tickers)
    orderbook = _blocking(AsyncClient.orderbook)
    trades = _blocking(AsyncClient.trades)
    candles = _blocking(AsyncClient.candles)
    balances = _blocking(AsyncClient.balances)
    networks = _blocking(AsyncClient.networks)
    network_records = _blocking(AsyncClient.network_records)
    trading_fees = _blocking(AsyncClient.trading_fees)
    fee_records = _blocking(AsyncClient.fee_records)
    open_orders = _blocking(AsyncClient.open_orders)
    order_status = _blocking(AsyncClient.order_status)
    cancel_order = _blocking(AsyncClient.cancel_order)
    order_history = _blocking(AsyncClient.order_history)
    reconcile = _blocking(AsyncClient.reconcile)
    cancel_all = _blocking(AsyncClient.cancel_all)
