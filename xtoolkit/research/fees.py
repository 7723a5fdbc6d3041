"""Taker fee rates for executable figures: the account's own, else the documented defaults.

A :class:`FeeBook` answers "what does a taker buy/sell on this market cost" with the rate and
where it came from (``fee_source``):

``"account"``
    read from the account: Binance ``GET /api/v3/account/commission`` (per symbol) or
    ``GET /sapi/v1/asset/tradeFee``, Upbit ``GET /v1/orders/chance`` (per market);
``"default"``
    the venue's documented default when no account rate was read (no keys): the same table
    the order desk uses (``OrderFacts.default_fees`` in ``xtoolkit.exchanges``): Binance
    0.1 % on every spot market (standard taker rate, no BNB discount), Upbit 0.05 % on KRW
    markets (0.25 % elsewhere).

The parsers below read the venues' answers (pure, ``Decimal``); fetching them is the caller's.
Binance's commission is charged per its commission FAQ: for each of the standard, tax and
special parts, ``taker + buyer`` on a buy and ``taker + seller`` on a sell, summed. The BNB
discount is not applied (it needs BNB paid instead of the received asset, which the executable
walk does not assume).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from xtoolkit._errors import InvalidArgument, MalformedResponse
from xtoolkit.exchanges import venue_spec
from xtoolkit.research.walk import MONEY, dec

__all__ = [
    "ACCOUNT",
    "DEFAULT",
    "FeeBook",
    "TakerFee",
    "as_fee_book",
    "binance_commission",
    "binance_trade_fees",
    "default_fee",
    "upbit_chance_fee",
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

    __slots__ = ("_by_market",)

    def __init__(self, records: Iterable[TakerFee] = ()) -> None:
        self._by_market: dict[tuple[str, str | None], TakerFee] = {}
        for rec in records:
            if not isinstance(rec, TakerFee):
                raise InvalidArgument(f"a fee book holds TakerFee records, not {type(rec).__name__}")
            for value in (rec.buy, rec.sell):
                if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < 1:
                    raise InvalidArgument(f"a taker rate is a fraction in [0, 1), not {value!r}")
            self._by_market[(rec.exchange, rec.symbol)] = rec

    def fee(self, exchange: str, symbol: str) -> TakerFee:
        """The :class:`TakerFee` that applies to ``symbol`` on ``exchange``."""
        return (
            self._by_market.get((exchange, symbol))
            or self._by_market.get((exchange, None))
            or default_fee(exchange, symbol)
        )

    def rate(self, exchange: str, symbol: str, side: str) -> tuple[Decimal, str]:
        """``(rate, fee_source)`` of a taker ``side`` on ``symbol``."""
        rec = self.fee(exchange, symbol)
        return rec.rate(side), rec.source


def as_fee_book(fees: FeeBook | Iterable[TakerFee] | None) -> FeeBook:
    """What ``fees=`` accepts: a :class:`FeeBook`, records, or None (defaults only)."""
    if fees is None:
        return FeeBook()
    if isinstance(fees, FeeBook):
        return fees
    return FeeBook(fees)


def _malformed(exchange: str, what: str, payload: Any) -> MalformedResponse:
    return MalformedResponse(f"{exchange} fee answer without {what}", exchange=exchange, payload=payload)


def _part_rate(part: Any, side_key: str, exchange: str, payload: Any) -> Decimal:
    if not isinstance(part, Mapping):
        raise _malformed(exchange, "a commission object", payload)
    try:
        return dec(part.get("taker", "0"), what="taker") + dec(part.get(side_key, "0"), what=side_key)
    except InvalidArgument:
        raise _malformed(exchange, f"numeric taker/{side_key} rates", payload) from None


def binance_commission(payload: Any, symbol: str) -> TakerFee:
    """The taker rates of ``symbol`` (``"BTC/USDT"``) from ``GET /api/v3/account/commission``.

    buy = Σ (taker + buyer), sell = Σ (taker + seller) over ``standardCommission``,
    ``taxCommission`` and ``specialCommission`` (a missing tax/special part counts as zero).
    """
    if not isinstance(payload, Mapping) or not isinstance(payload.get("standardCommission"), Mapping):
        raise _malformed("binance", "standardCommission", payload)
    rates: dict[str, Decimal] = {}
    with localcontext(MONEY):
        for side, key in (("buy", "buyer"), ("sell", "seller")):
            total = Decimal(0)
            for part_name in ("standardCommission", "taxCommission", "specialCommission"):
                part = payload.get(part_name)
                if part is None and part_name != "standardCommission":
                    continue
                total += _part_rate(part, key, "binance", payload)
            rates[side] = total
    return TakerFee(exchange="binance", symbol=symbol, buy=rates["buy"], sell=rates["sell"], source=ACCOUNT)


def binance_trade_fees(payload: Any, symbols: Mapping[str, str]) -> list[TakerFee]:
    """Taker rates from ``GET /sapi/v1/asset/tradeFee`` (an array), for the natives in ``symbols``.

    ``symbols`` maps native codes to xtoolkit symbols (``{"BTCUSDT": "BTC/USDT"}``); other rows
    are skipped. ``takerCommission`` applies to both sides (this endpoint has no buyer/seller part).
    """
    if not isinstance(payload, list):
        raise _malformed("binance", "an array of tradeFee rows", payload)
    out: list[TakerFee] = []
    for row in payload:
        if not isinstance(row, Mapping):
            raise _malformed("binance", "tradeFee objects", payload)
        symbol = symbols.get(str(row.get("symbol", "")))
        if symbol is None:
            continue
        try:
            taker = dec(row.get("takerCommission"), what="takerCommission")
        except InvalidArgument:
            raise _malformed("binance", "a numeric takerCommission", payload) from None
        out.append(TakerFee(exchange="binance", symbol=symbol, buy=taker, sell=taker, source=ACCOUNT))
    return out


def upbit_chance_fee(payload: Any, symbol: str | None = None) -> TakerFee:
    """The taker rates of one market from ``GET /v1/orders/chance`` (``bid_fee`` / ``ask_fee``).

    ``symbol`` defaults to the answer's ``market.name`` (``"BTC/KRW"``).
    """
    if not isinstance(payload, Mapping):
        raise _malformed("upbit", "an orders/chance object", payload)
    market = payload.get("market") or {}
    name = symbol or (market.get("name") if isinstance(market, Mapping) else None)
    if not name:
        raise _malformed("upbit", "market.name", payload)
    try:
        buy = dec(payload.get("bid_fee"), what="bid_fee")
        sell = dec(payload.get("ask_fee"), what="ask_fee")
    except InvalidArgument:
        raise _malformed("upbit", "numeric bid_fee/ask_fee", payload) from None
    return TakerFee(exchange="upbit", symbol=str(name), buy=buy, sell=sell, source=ACCOUNT)
