"""The description of one venue: what the rest of the toolkit may know about an exchange.

Each venue package (``exchanges/<venue>/``) exposes one :class:`VenueSpec` as ``VENUE``; the
registry (:mod:`xtoolkit.exchanges`) maps names to them. ``orders/`` and ``stream/`` read these
capabilities and never compare venue names: a new exchange brings its facts here instead of
adding ``if exchange == ...`` branches elsewhere.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from xtoolkit.exchanges._spec import Call

if TYPE_CHECKING:  # the stream vocabulary loads with a venue's ws module, on first stream use
    from xtoolkit.exchanges._stream import StreamProtocol

__all__ = ["AccountView", "BookState", "OrderFacts", "StreamFacts", "VenueSpec"]

#: The one amount a market order of a side takes: base quantity or quote total.
MarketAmount = Literal["qty", "quote_qty"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountView:
    """What one account read says for an order preview (see :attr:`OrderFacts.parse_account`).

    ``fee_rate`` None means the venue did not say (the default fee is used); ``min_total`` /
    ``max_total`` None means the market's listed rules apply.
    """

    free: Mapping[str, Decimal]
    fee_rate: Decimal | None
    fee_source: str
    min_total: Decimal | None = None
    max_total: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFacts:
    """How a venue takes orders, as data the order desk reads.

    Attributes
    ----------
    default_fees
        Taker fee by quote currency (``"*"``: any other quote), used when the account's own
        rate cannot be read (no keys).
    book_depth
        Levels read for a preview: enough for the band check and a market order's walk.
    market_order_by
        Side -> the one amount a market order of that side takes (empty: either amount).
    fee_reserved
        The venue reserves the fee on top of the order's funds (the balance check adds it).
    test_order_commission
        The test-order endpoint answers the commission it would charge (shown by ``validate``).
    absence_is_proof
        A NOT_FOUND after ``absent_after`` is final: the venue refuses a request older than its
        receive window, so a late one cannot appear (Binance). Otherwise NOT_FOUND stays
        provisional until ``Limits.not_found_horizon_s``.
    cancel_all_batch
        None: one cancel-all call cancels a market's open orders and answers them as order
        objects. A number: each call cancels at most that many and answers their ids
        (:attr:`cancelled_ids`); the desk repeats until a call cancels fewer.
    account_call
        ``(adapter, native) -> Call`` reading balances and fees for one market's preview.
    parse_account
        ``(payload, side) -> AccountView`` of that call's answer.
    cancelled_ids
        ``payload -> ids`` accepted by one batched cancel-all call.
    """

    default_fees: Mapping[str, Decimal]
    book_depth: int
    account_call: Callable[[Any, str], Call]
    parse_account: Callable[[Any, str], AccountView]
    market_order_by: Mapping[str, MarketAmount] = field(default_factory=dict)
    fee_reserved: bool = False
    test_order_commission: bool = False
    absence_is_proof: bool = False
    cancel_all_batch: int | None = None
    cancelled_ids: Callable[[Any], list[str]] | None = None

    def default_fee(self, quote: str) -> Decimal:
        return self.default_fees.get(quote, self.default_fees["*"])


@dataclass(frozen=True, slots=True)
class BookState:
    """A REST book snapshot for resynchronising a streamed book: its update id and levels."""

    update_id: int
    bids: Sequence[Sequence[Any]]
    asks: Sequence[Sequence[Any]]


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamFacts:
    """How a venue streams market data (its ``ws`` module).

    Attributes
    ----------
    protocol
        ``(root_url, natives, channels) -> StreamProtocol`` for one connection.
    default_url, testnet_url
        Stream roots of the venue's real REST host and of its testnet REST host.
    override_suffixes
        Path endings a user's ``stream_urls`` entry may carry that the protocol adds itself
        (stripped, e.g. Binance ``/stream`` and ``/ws``).
    keep_override_path
        Keep the path of a user's ``stream_urls`` entry (the protocol adds its own only when
        absent, e.g. Upbit ``/websocket/v1``).
    snapshot_call, parse_snapshot
        Books stream as diffs and are synchronised from REST: the depth call for a market and
        limit, and its answer as a :class:`BookState` (None: full books stream, no REST sync).
    consecutive_trade_ids
        Trade ids of a market are consecutive, so a jump is a gap (a gap row says so).
    """

    protocol: Callable[[str, Sequence[str], Sequence[str]], StreamProtocol]
    default_url: str
    testnet_url: str | None = None
    override_suffixes: tuple[str, ...] = ()
    keep_override_path: bool = False
    snapshot_call: Callable[[str, int], Call] | None = None
    parse_snapshot: Callable[[Any], BookState] | None = None
    consecutive_trade_ids: bool = False

    @property
    def rest_book_sync(self) -> bool:
        return self.snapshot_call is not None and self.parse_snapshot is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueSpec:
    """Everything the toolkit knows about one venue, outside its own package.

    Attributes
    ----------
    name
        The registry name (``"binance"``), the ``exchange`` column of every frame.
    adapter
        Factory of the REST adapter (:class:`~xtoolkit.exchanges._spec.Adapter`); takes the
        keyword options listed in ``options``.
    options
        Client keyword arguments the adapter takes (e.g. ``recv_window_ms``).
    credentials_env
        Environment variables of the key and the (HMAC) secret.
    key_types
        Key types the venue signs with: ``"hmac"``, and for key-pair venues ``"ed25519"`` /
        ``"rsa"`` (see :mod:`xtoolkit._credentials`).
    key_pair_env
        Environment variables of the PEM private key and its optional passphrase (None: the
        venue takes no key pairs).
    home_quote
        The currency the venue's markets are quoted in for valuation (``USDT``, ``KRW``): the
        order desk values an order through the venue whose home quote it needs.
    orders
        :class:`OrderFacts` (None: the venue takes no orders here).
    stream
        :class:`StreamFacts`, or where they live as ``"package.module:NAME"`` (imported on
        first use, so ``import xtoolkit`` does not load websocket protocols a session may never
        open); None: no websocket streams. Read it through :meth:`stream_facts`.
    """

    name: str
    adapter: Callable[..., Any]
    credentials_env: tuple[str, str]
    home_quote: str
    options: tuple[str, ...] = ()
    key_types: tuple[str, ...] = ("hmac",)
    key_pair_env: tuple[str, str] | None = None
    orders: OrderFacts | None = None
    stream: StreamFacts | str | None = None

    def stream_facts(self) -> StreamFacts | None:
        """The venue's :class:`StreamFacts` (its ws module imported on first call), or None."""
        where = self.stream
        if where is None or isinstance(where, StreamFacts):
            return where
        loaded = _LOADED_STREAMS.get(where)
        if loaded is None:
            module, _, name = where.partition(":")
            loaded = getattr(importlib.import_module(module), name)
            if not isinstance(loaded, StreamFacts):
                raise TypeError(f"{self.name}: {where} is not a StreamFacts")
            _LOADED_STREAMS[where] = loaded
        return loaded


#: ``"module:NAME"`` -> the StreamFacts it names, once imported (VenueSpec is frozen).
_LOADED_STREAMS: dict[str, StreamFacts] = {}
