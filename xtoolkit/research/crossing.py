"""The executable-premium verbs: fetch books, fee rates and wallet status, then price them.

Each verb is one coroutine on an engine, turned into a blocking verb and an awaitable twin by
:mod:`xtoolkit.research._verb` (``executable_premium`` / ``aexecutable_premium``...), so it
runs on the shared default client or on the one given as ``client=``. The maths is pure and
lives below: :mod:`~xtoolkit.research.executable` (the crossing, leg by leg),
:mod:`~xtoolkit.research.routes`, :mod:`~xtoolkit.research.scanner` and
:mod:`~xtoolkit.research.stablecoin`; this module only fetches.

What is fetched, and what it costs (requests per venue):

* **books** — Binance ``GET /api/v3/depth`` once per base; Upbit ``GET /v1/orderbook`` once for
  every market at a time (``markets=KRW-BTC,KRW-ETH,...,KRW-USDT``, up to 100 markets a
  request, the batch size the client's tickers use). Default depth: Binance 100 levels per
  side, Upbit 30 (all it serves);
* **fees** — without keys none: the documented defaults (``fee_source_* = "default"``). With
  keys, the account's rates through :meth:`~xtoolkit.AsyncClient.fee_records`: Binance
  ``account/commission`` and Upbit ``orders/chance``, one request per market. Pass ``fees=``
  (a :meth:`~xtoolkit.AsyncClient.fee_records` list or a ``FeeBook``) to reuse rates already read;
* **wallets** — without keys none, and every route is ``unknown`` (never open). With keys,
  :meth:`~xtoolkit.AsyncClient.network_records`: Binance ``capital/config/getall`` (1), Upbit
  ``status/wallet`` (1) plus one ``withdraws/chance`` per asset and network.

A venue that fails does not sink the call: its books are missing (the rows say which book and
why in ``error``), account fees fall back to the defaults (``fee_source`` says ``default``) and
unread wallets leave routes ``unknown`` with the failure as the reason. ``df.attrs["errors"]``
maps what failed (``"binance:BTC/USDT"``, ``"fees:upbit"``, ``"wallets:binance"``) to the
typed error.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xtoolkit._client import AsyncClient
from xtoolkit._errors import BadSymbol, InvalidArgument, MalformedResponse, UnknownMarket, XtoolkitError
from xtoolkit._frames import STR, frame
from xtoolkit._models import MarketInfo
from xtoolkit.exchanges._wallet import TradingFee
from xtoolkit.research import executable as _exec
from xtoolkit.research import scanner as _scan
from xtoolkit.research import stablecoin as _stable
from xtoolkit.research._common import (
    LEG_ERRORS,
    OUTAGE,
    error_text,
    join_errors,
    now_utc,
    typed,
    validate_bases,
)
from xtoolkit.research._fetch import Quotes, fetch_quotes
from xtoolkit.research._verb import async_verb, blocking_verb
from xtoolkit.research.fees import FeeBook, TakerFee, as_fee_book, taker_fee
from xtoolkit.research.routes import (
    BINANCE_TO_UPBIT,
    DIRECTIONS,
    UPBIT_TO_BINANCE,
    Route,
    network_status,
    route_table,
    routes_frame,
)
from xtoolkit.research.walk import FX_KEY, Book, book_from_levels, parse_fx_rates

__all__ = [
    "BOOK_DEPTH",
    "Fetched",
    "aexecutable_premium",
    "apremium_curve",
    "apremium_decomposition",
    "apremium_scan",
    "aroutes",
    "astablecoin_premium",
    "executable_premium",
    "fetch_books",
    "fetch_fees",
    "fetch_routes",
    "premium_curve",
    "premium_decomposition",
    "premium_scan",
    "routes",
    "stablecoin_premium",
]

#: Levels per side fetched by default: Binance's client default, Upbit's maximum (it serves 30).
BOOK_DEPTH: dict[str, int] = {"binance": 100, "upbit": 30}
#: Venues whose order-book endpoint takes many markets in one request, and how many at most.
BATCHED_BOOKS: dict[str, int] = {"upbit": 100}
_QUOTE = {"binance": "USDT", "upbit": "KRW"}
_FX_SYMBOL = "USDT/KRW"

Errors = dict[str, XtoolkitError]


class Fetched:
    """Books keyed ``exchange:symbol``, the depth asked of each, and what failed (typed)."""

    __slots__ = ("books", "depth", "errors")

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.depth: dict[str, int] = {}
        self.errors: Errors = {}


# --- depth --------------------------------------------------------------------------------


def _depths(engine: AsyncClient, depth: int | Mapping[str, int] | None) -> dict[str, int]:
    """Levels per side per venue: one int for both (Upbit capped at what it serves), or a mapping."""
    out = dict(BOOK_DEPTH)
    if depth is None:
        return out
    per_venue = isinstance(depth, Mapping)
    given = depth if isinstance(depth, Mapping) else dict.fromkeys(BOOK_DEPTH, depth)
    for ex, n in given.items():
        if ex not in out:
            raise InvalidArgument(f"depth is given per venue ({', '.join(out)}), not for {ex!r}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"depth must be a positive int, not {n!r}")
        top = engine.venue(ex).adapter.max_depth
        if per_venue and n > top:
            raise InvalidArgument(f"{ex} serves at most {top} levels per side, not {n}")
        out[ex] = min(n, top)
    return out


def _parse_guard(exchange: str, parse: Any, *args: Any) -> Any:
    """A venue parser's result; a body of the wrong shape becomes ``MalformedResponse``."""
    failure: MalformedResponse | None = None
    try:
        return parse(*args)
    except XtoolkitError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        failure = MalformedResponse(
            f"{exchange} answered orderbook with a body of an unexpected shape ({type(exc).__name__})",
            exchange=exchange,
        )
    raise failure


# --- books --------------------------------------------------------------------------------


async def _venue_books(
    engine: AsyncClient, exchange: str, symbols: Sequence[str], depth: int, out: Fetched
) -> None:
    """Books of ``symbols`` on ``exchange``: ``BATCHED_BOOKS[exchange]`` markets a request (one
    when the venue takes one), each answer parsed by the venue's own parser straight into a
    :class:`Book` (no frame in between: the money maths wants ``Decimal`` of the venue's text)."""
    adapter = engine.venue(exchange).adapter
    refs = []
    for sym in dict.fromkeys(symbols):
        key = f"{exchange}:{sym}"
        out.depth[key] = depth
        try:
            refs.append(await engine.resolve(key))
        except LEG_ERRORS as exc:
            out.errors[key] = exc  # type: ignore[assignment]
    size = BATCHED_BOOKS.get(exchange, 1)
    groups = [refs[i : i + size] for i in range(0, len(refs), size)]

    async def group(refs_in: list[Any]) -> None:
        try:
            try:
                payload, received = await _send_books(engine, exchange, adapter, refs_in, depth)
            except (UnknownMarket, BadSymbol) as exc:
                # One unlisted market must not sink the batch: drop what the venue does not list.
                table = await typed(engine.markets(exchange, refresh=isinstance(exc, BadSymbol)))
                listed = set(table["symbol"])
                for r in refs_in:
                    if str(r.symbol) not in listed:
                        out.errors[str(r)] = UnknownMarket(
                            f"{exchange} does not list {r.symbol}", exchange=exchange
                        )
                refs_in = [r for r in refs_in if str(r.symbol) in listed]
                if not refs_in:
                    return
                payload, received = await _send_books(engine, exchange, adapter, refs_in, depth)
        except OUTAGE as exc:
            for r in refs_in:
                out.errors[str(r)] = exc  # type: ignore[assignment]
            return
        present = None
        if size > 1:  # a batched answer is a list of books, each naming its market
            items = payload if isinstance(payload, list) else []
            present = {b.get("market") for b in items if isinstance(b, Mapping)}
        for r in refs_in:
            key = str(r)
            if present is not None and r.native not in present:
                out.errors[key] = MalformedResponse(
                    f"{exchange} returned no order book for {r.symbol}", exchange=exchange
                )
                continue
            try:
                cols = _parse_guard(exchange, adapter.parse_orderbook, payload, r, depth, received)
                out.books[key] = _parse_guard(
                    exchange,
                    lambda c=cols, r=r: book_from_levels(
                        exchange, str(r.symbol), c["side"], c["price"], c["qty"], c["ts"], depth=depth
                    ),
                )
            except InvalidArgument as exc:
                out.errors[key] = MalformedResponse(
                    f"{exchange} order book for {r.symbol}: {exc}", exchange=exchange
                )
            except XtoolkitError as exc:
                out.errors[key] = exc

    await asyncio.gather(*(group(g) for g in groups))


async def _send_books(
    engine: AsyncClient, exchange: str, adapter: Any, refs: Sequence[Any], depth: int
) -> tuple[Any, int]:
    # The venue's own order-book call; a batched venue gets its ``markets`` as the comma list
    # it accepts.
    call = adapter.orderbook_call(",".join(r.native for r in refs), depth)
    try:
        resp = await typed(engine.send(exchange, call))
    except BadSymbol as err:
        raise UnknownMarket(str(err), exchange=exchange) from None
    return resp.payload, resp.received_ms


async def fetch_books(
    engine: AsyncClient,
    bases: Sequence[str],
    *,
    fx_book: bool = True,
    depth: int | Mapping[str, int] | None = None,
    venues: Sequence[str] = ("binance", "upbit"),
) -> Fetched:
    """The books of ``bases`` on both venues (and Upbit ``USDT/KRW`` when ``fx_book``).

    Binance: one ``depth`` request per base; Upbit: one ``orderbook`` request for all markets
    (up to 100). A market that fails or is not listed is absent from ``books`` and present in
    ``errors``.
    """
    out = Fetched()
    levels = _depths(engine, depth)
    work = []
    for ex in venues:
        symbols = [f"{b}/{_QUOTE[ex]}" for b in bases]
        if ex == "upbit" and fx_book:
            symbols.append(_FX_SYMBOL)
        if symbols:
            work.append(_venue_books(engine, ex, symbols, levels[ex], out))
    await asyncio.gather(*work)
    return out


# --- fees and wallets ---------------------------------------------------------------------


async def fetch_fees(engine: AsyncClient, markets: Sequence[str]) -> tuple[FeeBook, Errors]:
    """Taker rates of ``markets`` (``"binance:BTC/USDT"``...): the account's with keys, else defaults.

    No request without keys; with keys one per market. A venue whose read fails keeps the
    defaults (``fee_source="default"``) and its error under ``"fees:<venue>"``.
    """
    by_venue: dict[str, list[str]] = {}
    for m in dict.fromkeys(markets):
        by_venue.setdefault(m.split(":", 1)[0], []).append(m)
    errors: Errors = {}

    async def one(ex: str, ms: list[str]) -> list[TradingFee]:
        if ex in engine.exchanges and not engine.has_credentials(ex):
            # The client would answer with the documented defaults, which the FeeBook
            # already falls back to (same table, fee_source "default"): nothing to ask.
            return []
        try:
            return list(await typed(engine.fee_records(ms)))
        except LEG_ERRORS as exc:
            errors[f"fees:{ex}"] = exc  # type: ignore[assignment]
            return []

    parts = await asyncio.gather(*(one(ex, ms) for ex, ms in by_venue.items()))
    return FeeBook(taker_fee(r) for part in parts for r in part), errors


async def fetch_routes(
    engine: AsyncClient, assets: Sequence[str], *, max_info_age: float | None = 900.0
) -> tuple[list[Route], Errors]:
    """Both directions of every chain of ``assets``, from the wallets the client can read.

    A venue without keys is not asked (its routes are unknown); with keys, Binance 1 request,
    Upbit 1 plus one ``withdraws/chance`` per asset and network.
    """
    errors: Errors = {}
    unread: dict[str, str] = {}

    async def one(ex: str) -> list[Any] | None:
        if ex not in engine.exchanges:
            unread[ex] = f"{ex} is not configured on this client"
            return None
        if not engine.has_credentials(ex):
            return None
        try:
            return [network_status(w) for w in await typed(engine.network_records(list(assets), exchange=ex))]
        except LEG_ERRORS as exc:
            errors[f"wallets:{ex}"] = exc  # type: ignore[assignment]
            unread[ex] = error_text(exc) or type(exc).__name__
            return None

    bn, up = await asyncio.gather(one("binance"), one("upbit"))
    table = route_table(assets, binance=bn, upbit=up, now=now_utc(), max_info_age=max_info_age, unread=unread)
    return table, errors


# --- the executable premium ---------------------------------------------------------------


def _keys_of(base: str, fx_label: str) -> list[str]:
    keys = [f"binance:{base}/USDT", f"upbit:{base}/KRW"]
    if fx_label.startswith("upbit"):
        keys.append(FX_KEY)
    return keys


def _note_failures(df: pd.DataFrame, errors: Errors) -> pd.DataFrame:
    """Append, to each row, the fetch failures behind its missing books or default fees."""
    if not errors or df.empty:
        return df
    fee_notes = {
        key.split(":", 1)[1]: f"{key}: {error_text(exc)} (default rates used)"
        for key, exc in errors.items()
        if key.startswith("fees:")
    }
    texts = []
    for base, basis, err in zip(
        df["base"].tolist(), df["fx_basis"].tolist(), df["error"].tolist(), strict=True
    ):
        notes = [err if isinstance(err, str) else None]
        notes += [f"{k}: {error_text(errors[k])}" for k in _keys_of(base, basis) if k in errors]
        notes += list(fee_notes.values())
        texts.append(join_errors(notes))
    df["error"] = pd.array(texts, dtype=STR)
    return df


def _columns_of(parts: Sequence[pd.DataFrame]) -> dict[str, list[Any]]:
    """Frames of one kind as one column dict (cheaper, and dtype-safe, against pd.concat)."""
    return {c: [v for p in parts for v in p[c].tolist()] for c in parts[0].columns}


def _given_fees(fees: Any) -> FeeBook | None:
    if fees is None:
        return None
    if isinstance(fees, FeeBook):
        return fees
    if isinstance(fees, pd.DataFrame):
        raise InvalidArgument("fees= takes fee_records() (TradingFee) or TakerFee records, not a frame")
    return as_fee_book(list(fees))


async def _exec_frame(
    engine: AsyncClient,
    names: list[str],
    size: Any,
    *,
    sizes: Sequence[Any] | None = None,
    size_in: str,
    fx: Any,
    directions: Sequence[str],
    depth: int | Mapping[str, int] | None,
    fees: FeeBook | Iterable[TakerFee | TradingFee] | None,
    max_info_age: float | None,
) -> pd.DataFrame:
    checked = [_exec.check_size(s, size_in) for s in ([size] if sizes is None else sizes)]
    if not checked:
        raise InvalidArgument("give at least one size")
    unit = checked[0][1]
    bases_fx = parse_fx_rates(fx)
    for d in directions:
        if d not in DIRECTIONS:
            raise InvalidArgument(f"direction must be one of {', '.join(DIRECTIONS)}, not {d!r}")
    need_fx_book = any(b.is_book for b in bases_fx)
    given = _given_fees(fees)
    route_task = asyncio.ensure_future(fetch_routes(engine, names, max_info_age=max_info_age))
    try:
        fetched = await fetch_books(engine, names, fx_book=need_fx_book, depth=depth)
    except BaseException:
        route_task.cancel()
        raise
    errors: Errors = dict(fetched.errors)
    if given is None:
        # Rates only for the markets that answered (an unlisted one would fail the read).
        markets = [k for k in fetched.books]
        fee_book, fee_errors = await fetch_fees(engine, markets)
        errors.update(fee_errors)
    else:
        fee_book = given
    table, route_errors = await route_task
    errors.update(route_errors)
    as_of = now_utc()
    # Every size is priced off the same fetched books, fees and routes.
    parts = [
        _exec.executable_premium(
            names,
            amount,
            size_in=unit,
            books=fetched.books,
            now=as_of,
            fees=fee_book,
            routes=table,
            fx=bases_fx,
            depth=fetched.depth,
            directions=directions,
        )
        for amount, _ in checked
    ]
    df = parts[0] if len(parts) == 1 else frame("executable_premium", _columns_of(parts))
    df = _note_failures(df, errors)
    df.attrs.update(errors=errors, as_of=as_of, depth=dict(fetched.depth))
    return df


async def _executable_premium(
    engine: AsyncClient,
    bases: str | Sequence[str],
    size: Any,
    *,
    size_in: str = "base",
    fx: Any = "upbit",
    directions: Sequence[str] = (BINANCE_TO_UPBIT, UPBIT_TO_BINANCE),
    depth: int | Mapping[str, int] | None = None,
    fees: FeeBook | Iterable[TakerFee | TradingFee] | None = None,
    max_info_age: float | None = 900.0,
) -> pd.DataFrame:
    """What crossing Binance and Upbit would really earn at ``size``: both directions, after costs.

    Walks the Binance ``BASE/USDT`` book, the Upbit ``BASE/KRW`` book and, for the Upbit FX
    basis, Upbit's ``USDT/KRW`` book (the FX leg at the same size), every leg a taker trade;
    charges each venue's taker fee (the account's when keys exist, else the documented default:
    ``fee_source_*``) and the withdrawal fee of the cheapest route open on both sides. The legs,
    what they assume and what is not modelled are in :mod:`xtoolkit.research.executable`.

    Requests per call: **Binance** one ``depth`` per base; **Upbit** one ``orderbook`` for all
    bases and ``KRW-USDT`` together (per 100 markets). With keys, add the fee reads (one per
    market per venue, unless ``fees=`` is given) and the wallet reads (Binance 1; Upbit 1 plus
    one ``withdraws/chance`` per asset and network). 20 bases without keys: Binance 20, Upbit 1.

    Without keys every route is ``unknown`` (never open): transfer and net columns are NaN and
    ``premium_after_fees_exec_bps`` is the figure to read.

    Parameters
    ----------
    bases
        Assets listed on both venues, e.g. ``["BTC", "XRP"]``.
    size
        How much to cross: base units, or an amount of USDT or KRW (``size_in``).
    size_in
        ``"base"``, ``"USDT"`` or ``"KRW"``: the direction's own capital currency is spent as
        is; the other one is first converted on the FX basis's book (no fee: it only sizes).
    fx
        ``"upbit"`` (Upbit's ``USDT/KRW`` book, walked), a KRW-per-USDT rate, or a list of both
        (one row per basis).
    directions
        ``"binance_to_upbit"`` and/or ``"upbit_to_binance"``.
    depth
        Levels per side to fetch: one int (Upbit capped at its 30) or ``{"binance": n,
        "upbit": m}``; default Binance 100, Upbit 30. A book holding that many levels may go
        deeper: a leg it cannot fill says so in ``error``.
    fees
        Rates already read (:meth:`~xtoolkit.AsyncClient.fee_records` or ``TakerFee`` records)
        to skip the fee requests; None reads them (or uses the defaults without keys).
    max_info_age
        Seconds after which wallet information no longer makes a route open (None: any age).
    client
        The :class:`~xtoolkit.Client` to use (default: the shared client; an ``AsyncClient``
        needs ``await aexecutable_premium(...)``).

    Returns
    -------
    DataFrame
        ``xt.SCHEMAS["executable_premium"]``, one row per (base, FX basis, direction): base,
        direction, fx_basis, size, size_in, capital, capital_currency, final, net_profit,
        filled; per venue symbol, side, qty, notional, vwap, levels, filled_<venue>; the FX
        leg (fx_side, fx_usdt, fx_krw, fx_vwap, fx_levels, filled_fx); fee_rate_* and
        fee_source_*; transfer_network, transfer_chain, transfer_fee, transfer_qty,
        route_status, route_open, route_reason; kimchi_premium_mid_bps (the headline figure,
        for contrast), premium_gross_exec_bps, fee_binance_bps, fee_upbit_bps, fee_fx_bps,
        fees_exec_bps, premium_after_fees_exec_bps, transfer_bps, premium_net_exec_bps,
        premium_net_exec_pct; gross_profit, fees_cost, transfer_cost; the three books' ts and
        age_s; error. ``attrs``: errors (what failed, typed), as_of, depth.
    """
    names = validate_bases(bases)
    return await _exec_frame(
        engine,
        names,
        size,
        size_in=size_in,
        fx=fx,
        directions=directions,
        depth=depth,
        fees=fees,
        max_info_age=max_info_age,
    )


async def _premium_curve(
    engine: AsyncClient,
    bases: str | Sequence[str],
    sizes: Sequence[Any],
    *,
    size_in: str = "base",
    fx: Any = "upbit",
    directions: Sequence[str] = (BINANCE_TO_UPBIT, UPBIT_TO_BINANCE),
    depth: int | Mapping[str, int] | None = None,
    fees: FeeBook | Iterable[TakerFee | TradingFee] | None = None,
    max_info_age: float | None = 900.0,
) -> pd.DataFrame:
    """:func:`executable_premium` at many sizes, priced off one fetch of the books.

    The curve of net premium against size (``charts.premium_by_size``): where the book's
    depth, the fees and the flat withdrawal fee leave nothing. Costs what one
    :func:`executable_premium` call costs, whatever the number of sizes.

    Parameters
    ----------
    client
        The :class:`~xtoolkit.Client` to use (default: the shared client; an ``AsyncClient``
        needs ``await apremium_curve(...)``).

    Returns
    -------
    DataFrame
        ``xt.SCHEMAS["executable_premium"]``, the rows of every size in the order given (per
        size: per base, FX basis and direction). ``attrs`` as :func:`executable_premium`.
    """
    names = validate_bases(bases)
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence):
        raise InvalidArgument(f"sizes must be a list of amounts, not {sizes!r}")
    return await _exec_frame(
        engine,
        names,
        None,
        sizes=list(sizes),
        size_in=size_in,
        fx=fx,
        directions=directions,
        depth=depth,
        fees=fees,
        max_info_age=max_info_age,
    )


async def _routes(
    engine: AsyncClient, assets: str | Sequence[str], *, max_info_age: float | None = 900.0
) -> pd.DataFrame:
    """Transfer routes between Binance and Upbit, per asset and chain, both directions.

    Each direction is ``open``, ``closed`` or ``unknown`` with the reasons
    (:mod:`xtoolkit.research.routes`). Without keys for a venue nothing is asked of it and
    its routes are ``unknown`` — never open.

    Requests per call: none without keys; with keys Binance 1 (``capital/config/getall``),
    Upbit 1 (``status/wallet``) plus one ``withdraws/chance`` per asset and network.

    Parameters
    ----------
    client
        The :class:`~xtoolkit.Client` to use (default: the shared client; an ``AsyncClient``
        needs ``await aroutes(...)``).

    Returns
    -------
    DataFrame
        ``xt.SCHEMAS["routes"]``: asset, chain, the venues' network ids; per venue read,
        deposit_enabled, withdraw_enabled, withdraw_fee, withdraw_min, note; binance_busy;
        upbit_wallet_state, upbit_block_state, upbit_block_updated_at, upbit_block_age_s; read
        times and info ages; per direction route_open_*, route_status_*, route_reason_*.
        ``attrs``: errors, as_of.
    """
    names = validate_bases(assets)
    table, errors = await fetch_routes(engine, names, max_info_age=max_info_age)
    as_of = now_utc()
    df = routes_frame(table, now=as_of)
    df.attrs.update(errors=errors, as_of=as_of)
    return df


# --- the scanner ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Listing:
    """What the scan derives from one generation of a client's market cache."""

    #: The cached ``MarketInfo`` of one shared market per venue: a reload of a venue's list
    #: (``markets_ttl``, ``refresh=True``) parses new objects, so the same objects mean the
    #: same lists.
    probes: tuple[MarketInfo, MarketInfo]
    shared: list[str]
    events: dict[str, _scan.MarketEvent]


#: Per client, the shared bases and Upbit flags of its current market lists.
_LISTINGS: weakref.WeakKeyDictionary[AsyncClient, _Listing] = weakref.WeakKeyDictionary()


async def _probe(engine: AsyncClient, base: str) -> tuple[MarketInfo, MarketInfo] | None:
    try:
        return (
            await engine.market_info(f"binance:{base}/USDT"),
            await engine.market_info(f"upbit:{base}/KRW"),
        )
    except LEG_ERRORS:
        return None


async def _listing(engine: AsyncClient) -> tuple[list[str], dict[str, _scan.MarketEvent]]:
    """The bases listed on both venues and the Upbit flags of all of them, derived once per
    generation of the client's market cache (building the markets frame, listing the shared
    bases and reading 25 markets' flags cost ~1.3 ms a scan; checking the generation ~0.05)."""
    cached = _LISTINGS.get(engine)
    if cached is not None:
        probes = await _probe(engine, cached.shared[0])
        if probes is not None and all(a is b for a, b in zip(probes, cached.probes, strict=True)):
            return cached.shared, cached.events
    shared = _scan.listed_bases(await typed(engine.markets()))
    events = await _upbit_events(engine, shared)
    probes = await _probe(engine, shared[0]) if shared else None
    if probes is not None:
        _LISTINGS[engine] = _Listing(probes, shared, events)
    return shared, events


async def _upbit_events(engine: AsyncClient, bases: Sequence[str]) -> dict[str, _scan.MarketEvent]:
    """Warnings and cautions of the Upbit KRW markets of ``bases``, from the cached market list."""
    raws = []
    for b in bases:
        info = await engine.market_info(f"upbit:{b}/KRW")
        if isinstance(info.raw, Mapping):
            raws.append(info.raw)
    return _scan.upbit_market_events(raws)


def _tickers_of(quotes: Mapping[str, Quotes]) -> pd.DataFrame:
    parts = [q.frame for q in quotes.values() if not q.frame.empty]
    return pd.concat(parts, ignore_index=True) if parts else frame("tickers")


async def _premium_scan(
    engine: AsyncClient,
    top: int = 10,
    size: Any = 1000,
    *,
    size_in: str = "USDT",
    fx: Any = "upbit",
    bases: Sequence[str] | None = None,
    sort_by: str = "premium_gross_mid_bps",
    descending: bool = True,
    by: str | None = None,
    depth: int | Mapping[str, int] | None = None,
    fees: FeeBook | Iterable[TakerFee | TradingFee] | None = None,
) -> pd.DataFrame:
    """Every base listed on both venues, by gross premium; the top ``top`` priced at ``size``.

    Step one is cheap: one batched tickers request per venue for all shared bases (Upbit
    ``BASE/KRW``, Binance ``BASE/USDT`` trading) gives the gross premium at the mids, the last
    prices and the book tops, with Upbit's market warning and caution flags as columns. Step
    two fetches books only for the ``top`` bases with the largest ``|by|`` and folds their
    executable premium at ``size`` into the scan (``books_fetched``, premium_*_exec_*,
    filled_*, route_open_*); :func:`executable_premium` of ``df.attrs["executable_bases"]`` at
    the same size shows their legs in full.

    Requests per call: the market lists (cached by the client: Binance 1, Upbit 1 plus
    ``orderbook/instruments`` per 100 markets, only when not cached); tickers Binance 1, Upbit 2
    per 100 markets (ticker + book top); then :func:`executable_premium` of the top bases
    (Binance ``top``, Upbit 1, plus fee and wallet reads with keys). ``top=0``: tickers only.

    Parameters
    ----------
    top
        How many bases get books and an executable premium (0: none).
    size, size_in
        The size of the executable premium (default 1000 USDT).
    fx
        ``"upbit"`` or a KRW-per-USDT rate (one basis).
    bases
        Only these bases (default: every base listed on both venues).
    sort_by, descending
        The scan's order (``rank`` numbers it); NaN last.
    by
        The column picking the top bases by absolute value (default ``sort_by``).
    depth, fees
        As in :func:`executable_premium`.

    Returns
    -------
    DataFrame
        ``xt.SCHEMAS["premium_scan"]`` (see :func:`xtoolkit.research.scanner.scan_premium`).
        ``attrs``: errors, as_of, executable_bases (the top bases, in order), bases (scanned).
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise InvalidArgument(f"top must be a non-negative int, not {top!r}")
    bases_fx = parse_fx_rates(fx)
    if len(bases_fx) != 1:
        raise InvalidArgument("a scan uses one FX basis: 'upbit' or a rate")
    if top:
        _exec.check_size(size, size_in)
    shared, events = await _listing(engine)
    names = shared if bases is None else [b for b in validate_bases(bases) if b in set(shared)]
    wanted: dict[str, list[str]] = {
        "binance": [f"{b}/USDT" for b in names],
        "upbit": [f"{b}/KRW" for b in names] + ([_FX_SYMBOL] if bases_fx[0].is_book else []),
    }
    quotes = await fetch_quotes(engine, wanted)
    errors: Errors = {ex: q.error for ex, q in quotes.items() if q.error is not None}
    as_of = now_utc()
    scan = _scan.scan_premium(
        _tickers_of(quotes),
        now=as_of,
        fx=bases_fx,
        events=events,
        bases=names,
        sort_by=sort_by,
        descending=descending,
    )
    chosen: list[str] = []
    if top and not scan.empty:
        chosen = _scan.top_bases(scan, top, by=by or sort_by)
        if chosen:
            executable = await _exec_frame(
                engine,
                chosen,
                size,
                size_in=size_in,
                fx=bases_fx,
                directions=tuple(DIRECTIONS),
                depth=depth,
                fees=fees,
                max_info_age=900.0,
            )
            errors.update(executable.attrs.get("errors", {}))
            scan = _scan.attach_executable(scan, executable)
    # Plain values only in attrs: pandas compares attrs when frames are combined.
    scan.attrs.update(errors=errors, as_of=as_of, executable_bases=chosen, bases=names)
    return scan


# --- the stablecoin premium and the decomposition ------------------------------------------


async def _stablecoin_premium(
    engine: AsyncClient,
    usd_krw: Any,
    *,
    size_usdt: Any | None = None,
    usd_krw_source: str | None = None,
    depth: int | None = None,
    fees: FeeBook | Iterable[TakerFee | TradingFee] | None = None,
) -> pd.DataFrame:
    """Upbit's ``USDT/KRW`` against a USD/KRW rate you supply: at the mid and, at a size, walked.

    USD is not USDT: ``usd_krw`` is a bank or central-bank rate (KRW per USD); the premium of
    USDT over it is ``usdt_krw / usd_krw − 1``. With ``size_usdt`` the book is walked both ways
    and the taker fee charged (the account's with keys, else Upbit's default).

    Requests per call: Upbit 1 (``orderbook`` of ``KRW-USDT``), plus 1 ``orders/chance`` with
    keys (unless ``fees=`` is given). Binance: none.

    Parameters
    ----------
    client
        The :class:`~xtoolkit.Client` to use (default: the shared client; an ``AsyncClient``
        needs ``await astablecoin_premium(...)``).

    Returns
    -------
    DataFrame
        ``xt.SCHEMAS["stablecoin_premium"]``, one row (see
        :func:`xtoolkit.research.stablecoin.stablecoin_premium`). ``attrs``: errors, as_of.
    """
    up_depth = BOOK_DEPTH["upbit"] if depth is None else depth
    fetched = await fetch_books(engine, [], fx_book=True, depth={"upbit": up_depth}, venues=("upbit",))
    errors: Errors = dict(fetched.errors)
    given = _given_fees(fees)
    if given is None:
        fee_book, fee_errors = await fetch_fees(engine, [FX_KEY] if FX_KEY in fetched.books else [])
        errors.update(fee_errors)
    else:
        fee_book = given
    as_of = now_utc()
    df = _stable.stablecoin_premium(
        fetched.books,
        usd_krw,
        now=as_of,
        size_usdt=size_usdt,
        fees=fee_book,
        usd_krw_source=usd_krw_source,
    )
    if errors:
        notes = [df["error"].iloc[0] if isinstance(df["error"].iloc[0], str) else None]
        notes += [f"{k}: {error_text(e)}" for k, e in errors.items()]
        df["error"] = pd.array([join_errors(notes)], dtype=STR)
    df.attrs.update(errors=errors, as_of=as_of)
    return df


async def _premium_decomposition(
    engine: AsyncClient,
    bases: str | Sequence[str] | None = None,
    *,
    usd_krw: Any,
    usd_krw_source: str | None = None,
) -> pd.DataFrame:
    """The kimchi premium over USD/KRW, split into its USDT part and its coin part (at mids).

    ``1 + total = (1 + coin)(1 + usdt)``: ``usdt`` is Upbit's USDT/KRW over ``usd_krw``,
    ``coin`` the premium over Upbit's own USDT/KRW, and ``total = coin + usdt + cross``
    exactly (:mod:`xtoolkit.research.stablecoin`). Mids are gross: no fees, no transfer.

    Requests per call: Binance 1, Upbit 2 (ticker + book top, per 100 markets); with
    ``bases=None`` (every shared base) the market lists too, when the client has not cached them.

    Returns
    -------
    DataFrame
        ``xt.SCHEMAS["premium_decomposition"]``, one row per base. ``attrs``: errors, as_of.
    """
    names = _scan.listed_bases(await typed(engine.markets())) if bases is None else validate_bases(bases)
    wanted = {"binance": [f"{b}/USDT" for b in names], "upbit": [f"{b}/KRW" for b in names] + [_FX_SYMBOL]}
    quotes = await fetch_quotes(engine, wanted)
    errors: Errors = {ex: q.error for ex, q in quotes.items() if q.error is not None}
    as_of = now_utc()
    df = _stable.premium_decomposition(
        _tickers_of(quotes), usd_krw, now=as_of, bases=names, usd_krw_source=usd_krw_source
    )
    df.attrs.update(errors=errors, as_of=as_of)
    return df


executable_premium = blocking_verb(_executable_premium)
aexecutable_premium = async_verb(_executable_premium)
premium_curve = blocking_verb(_premium_curve)
apremium_curve = async_verb(_premium_curve)
routes = blocking_verb(_routes)
aroutes = async_verb(_routes)
premium_scan = blocking_verb(_premium_scan)
apremium_scan = async_verb(_premium_scan)
stablecoin_premium = blocking_verb(_stablecoin_premium)
astablecoin_premium = async_verb(_stablecoin_premium)
premium_decomposition = blocking_verb(_premium_decomposition)
apremium_decomposition = async_verb(_premium_decomposition)
