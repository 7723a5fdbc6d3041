"""Orders and fills, venue-neutral; the venue modules render them in their own shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from xtoolkit.sandbox.accounts import Account
from xtoolkit.sandbox.market import Listing, TradeTicket

__all__ = ["FEE_IN_QUOTE", "FEE_IN_RECEIVED", "OPEN_STATES", "Fill", "Order"]

D = Decimal
#: Immutable, so safe as a dataclass default.
ZERO = Decimal(0)

#: Binance style: the commission is taken from the asset received.
FEE_IN_RECEIVED = "received"
#: Upbit style: the fee is always in the quote currency; bids reserve it up front.
FEE_IN_QUOTE = "quote"

#: Neutral statuses of a working order.
OPEN_STATES = frozenset({"NEW", "PARTIALLY_FILLED"})


@dataclass(slots=True)
class Fill:
    """One execution of an order."""

    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    maker: bool
    ticket: TradeTicket

    @property
    def time(self) -> int:
        """When the fill printed on the tape (ms)."""
        return self.ticket.time

    @property
    def trade_id(self) -> int:
        """The public trade id (known once the trade is on the tape)."""
        return int(self.ticket.id or 0)


@dataclass(slots=True)
class Order:
    """An order as the matching engine sees it.

    ``side`` is ``BUY``/``SELL``; ``kind`` ``LIMIT``/``MARKET``/``LIMIT_MAKER``; ``tif``
    ``GTC``/``IOC``/``FOK``. ``qty`` is the base amount (``None`` for a spend-this-much market
    buy), ``quote_qty`` the quote amount of such orders. ``status`` uses Binance's names
    (``NEW``, ``PARTIALLY_FILLED``, ``FILLED``, ``CANCELED``, ``EXPIRED``); Upbit maps them to
    ``wait``/``done``/``cancel``. ``extra`` carries venue-only request fields.
    """

    venue: str
    account: Account
    listing: Listing
    order_id: int
    uuid: str
    client_id: str | None
    side: str
    kind: str
    tif: str
    price: Decimal | None
    qty: Decimal | None
    quote_qty: Decimal | None
    taker_fee: Decimal
    maker_fee: Decimal
    fee_style: str
    created: int
    updated: int
    status: str = "NEW"
    executed: Decimal = ZERO
    cum_quote: Decimal = ZERO
    fee_paid: Decimal = ZERO
    locked_asset: str = ""
    locked: Decimal = ZERO
    initial_locked: Decimal = ZERO
    reserved_fee: Decimal = ZERO
    remaining_fee: Decimal = ZERO
    fills: list[Fill] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)
    #: Stop / take-profit trigger (Binance ``stopPrice``) and its direction: the order starts
    #: working once the price is at or below (``"down"``) / at or above (``"up"``) it.
    stop_price: Decimal | None = None
    trigger: str = ""
    #: Whether the order is on the book (``isWorking``); false until a stop triggers.
    working: bool = True
    working_time: int = 0
    #: First tick (absolute index) at which a resting order may be filled by the walk.
    rest_from: int = 0

    @property
    def is_open(self) -> bool:
        """Still working on the book."""
        return self.status in OPEN_STATES

    @property
    def remaining(self) -> Decimal:
        """Base quantity still to fill (``0`` for spend-this-much orders)."""
        return (self.qty - self.executed) if self.qty is not None else D(0)

    @property
    def is_pending_stop(self) -> bool:
        """A stop / take-profit order whose trigger has not been reached yet."""
        return self.stop_price is not None and not self.working and self.is_open

    @property
    def is_buy(self) -> bool:
        """Buy side."""
        return self.side == "BUY"
