"""Taker fee rates for executable figures: the account's own, else the documented defaults.

A :class:`FeeBook` answers "what does a taker buy/sell on this market cost" with the rate and
where it came from (``fee_source``):

``"account"``
    read from the account by the client (:meth:`xtoolkit.AsyncClient.fee_records`: Binance
    ``GET /api/v3/account/commission`` per symbol, Upbit ``GET /v1/orders/chance`` per market);
``"default"``
    the venue's documented default when no account rate was read (no keys): the same table
    the order desk uses (``OrderFacts.default_fees`` in ``xtoolkit.exchanges``): Binance
    0.1 % on every spot market (standard taker rate, no BNB discount), Upbit 0.05 % on KRW
    markets (0.25 % elsewhere).

The venues' answers are parsed by the venue packages (``xtoolkit.exchanges.<venue>.wallet``)
into :class:`~xtoolkit.exchanges._wallet.TradingFee` records; :func:`taker_fee` turns one into
the :class:`TakerFee` used here. Binance's commission is summed per its commission FAQ (for each
of the standard, tax and special parts, ``taker + buyer`` on a buy and ``taker + seller`` on a
sell); the BNB discount is not applied (it needs BNB paid instead of the received asset, which
the executable walk does not assume).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges import venue_spec
from xtoolkit.exchanges._wallet import ACCOUNT as WALLET_ACCOUNT
from xtoolkit.exchanges._wallet import TradingFee

__all__ = [
    "ACCOUNT",
    "DEFAULT",
    "FeeBook",
    "TakerFee",
    "as_fee_book",
    "default_fee",
    "taker_fee",
]

#: ``fee_source`` of a rate read from the account.
ACCOUNT = "account"
#: ``fee_source`` of a documented default rate.
DEFAULT = "default"

_SIDES = ("buy", "sell")


@dataclass(frozen=True, slots=True, kw_only=True)
class TakerFee:
    """The taker rates of one market (``symbol`` None: every market of the venue), as fractions."""

    exchange: str
    symbol: str | None
    buy: Decimal
    sell: Decimal
    source: str = ACCOUNT

    def rate(self, side: str) -> Decimal:
        if side not in _SIDES:
            raise InvalidArgument(f"side must be 'buy' or 'sell', not {side!r}")
        return self.buy if side == "buy" else self.sell


def default_fee(exchange: str, symbol: str) -> TakerFee:
    """The documented default taker rate of ``symbol`` on ``exchange`` (``fee_source="default"``)."""
    facts = venue_spec(exchange).orders
    if facts is None:
        raise InvalidArgument(f"{exchange} has no fee facts", exchange=exchange)
    quote = symbol.split("/")[-1]
    rate = facts.default_fee(quote)
    return TakerFee(exchange=exchange, symbol=symbol, buy=rate, sell=rate, source=DEFAULT)


class FeeBook:
    """Taker rates by market: the account's where given, else the venue default.

    ``records`` are :class:`TakerFee` s; a record for ``(exchange, symbol)`` beats one for the
    whole venue (``symbol=None``), which beats the default.
    """

    __slots__ = ("_by_market", "_defaults")

    def __init__(self, records: Iterable[TakerFee] = ()) -> None:
        self._by_market: dict[tuple[str, str | None], TakerFee] = {}
        # Defaults looked up once per market: a crossing asks for each of its three rates.
        self._defaults: dict[tuple[str, str], TakerFee] = {}
        for rec in records:
            if not isinstance(rec, TakerFee):
                raise InvalidArgument(f"a fee book holds TakerFee records, not {type(rec).__name__}")
            for value in (rec.buy, rec.sell):
                if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < 1:
                    raise InvalidArgument(f"a taker rate is a fraction in [0, 1), not {value!r}")
            self._by_market[(rec.exchange, rec.symbol)] = rec

    def fee(self, exchange: str, symbol: str) -> TakerFee:
        """The :class:`TakerFee` that applies to ``symbol`` on ``exchange``."""
        found = self._by_market.get((exchange, symbol)) or self._by_market.get((exchange, None))
        if found is not None:
            return found
        known = self._defaults.get((exchange, symbol))
        if known is None:
            known = self._defaults[(exchange, symbol)] = default_fee(exchange, symbol)
        return known

    def rate(self, exchange: str, symbol: str, side: str) -> tuple[Decimal, str]:
        """``(rate, fee_source)`` of a taker ``side`` on ``symbol``."""
        rec = self.fee(exchange, symbol)
        return rec.rate(side), rec.source


def as_fee_book(fees: FeeBook | Iterable[TakerFee | TradingFee] | None) -> FeeBook:
    """What ``fees=`` accepts: a :class:`FeeBook`, records (``TakerFee`` or the client's
    ``TradingFee``), or None (defaults only)."""
    if fees is None:
        return FeeBook()
    if isinstance(fees, FeeBook):
        return fees
    return FeeBook(taker_fee(f) if isinstance(f, TradingFee) else f for f in fees)


def taker_fee(record: TradingFee) -> TakerFee:
    """The taker rates of a client :class:`~xtoolkit.exchanges._wallet.TradingFee` record."""
    if not isinstance(record, TradingFee):
        raise InvalidArgument(f"expected a TradingFee record, not {type(record).__name__}")
    source = ACCOUNT if record.source == WALLET_ACCOUNT else DEFAULT
    return TakerFee(
        exchange=record.exchange,
        symbol=record.symbol,
        buy=record.taker_buy,
        sell=record.taker_sell,
        source=source,
    )
