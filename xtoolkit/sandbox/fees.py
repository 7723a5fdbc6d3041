"""Trading fees both venues charge and report, changeable from tests (``box.fees``).

One schedule feeds everything that shows or applies a fee, so a test that raises a fee sees
it everywhere at once: Binance ``GET /api/v3/account`` (``makerCommission`` …),
``GET /api/v3/account/commission``, ``POST /api/v3/order/test?computeCommissionRates=true``,
``GET /sapi/v1/asset/tradeFee`` and the commission of every fill; Upbit ``GET /v1/orders/chance``
(``bid_fee``/``ask_fee`` = taker, ``maker_bid_fee``/``maker_ask_fee`` = maker) and the fee its
orders reserve and pay. Orders keep the rates they were placed with.

Defaults: Binance 0.1 % maker and taker; Upbit 0.05 % on KRW markets, 0.25 % on BTC and USDT
markets (spec upbit.md §2, §12.1). Rates are fractions (``"0.001"`` = 0.1 %).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["BINANCE_DEFAULT", "UPBIT_DEFAULTS", "Commission", "FeeSchedule"]

D = Decimal
#: Binance's standard spot rate (maker and taker).
BINANCE_DEFAULT = D("0.001")
#: Upbit's rate per quote currency (orders/chance ``bid_fee``/``ask_fee``).
UPBIT_DEFAULTS: dict[str, Decimal] = {"KRW": D("0.0005"), "BTC": D("0.0025"), "USDT": D("0.0025")}
_EXCHANGES = ("binance", "upbit")


@dataclass(frozen=True, slots=True)
class Commission:
    """A maker and a taker rate (fractions)."""

    maker: Decimal
    taker: Decimal


def _rate(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise TypeError(f"{what} must be a decimal text, Decimal or number")
    try:
        rate = D(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not rate.is_finite() or not 0 <= rate < 1:
        raise ValueError(f"{what} must be a fraction in [0, 1), e.g. '0.001' for 0.1 %")
    return rate


def _venue(exchange: str) -> str:
    name = exchange.lower()
    if name not in _EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; expected one of {_EXCHANGES}")
    return name


class FeeSchedule:
    """Maker/taker rates per venue, optionally per symbol; thread-safe (``box.fees``)."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._venue: dict[str, Commission] = {}
        self._symbol: dict[tuple[str, str], Commission] = {}

    def set_commission(
        self,
        exchange: str,
        *,
        maker: str | Decimal | None = None,
        taker: str | Decimal | None = None,
        symbol: str | None = None,
    ) -> None:
        """Change ``exchange``'s maker and/or taker rate — for one native ``symbol``
        (``"BTCUSDT"``, ``"KRW-BTC"``) or, without it, for every symbol of the venue. A rate
        not given keeps the value it has now (venue-wide on Upbit: the KRW-market rate).
        Example: ``box.fees.set_commission("binance", maker="0.0008", taker="0.0012")``."""
        name = _venue(exchange)
        if maker is None and taker is None:
            raise ValueError("give maker=..., taker=... or both")
        m = _rate(maker, "maker") if maker is not None else None
        t = _rate(taker, "taker") if taker is not None else None
        with self._lock:
            now = self.commission(name, symbol)
            new = Commission(now.maker if m is None else m, now.taker if t is None else t)
            if symbol:
                self._symbol[(name, symbol)] = new
            else:
                self._venue[name] = new

    def reset(self, exchange: str | None = None) -> None:
        """Back to the venues' standard rates (one exchange, or both)."""
        names = [_venue(exchange)] if exchange else list(_EXCHANGES)
        with self._lock:
            for name in names:
                self._venue.pop(name, None)
                for key in [k for k in self._symbol if k[0] == name]:
                    del self._symbol[key]

    def commission(self, exchange: str, symbol: str | None = None) -> Commission:
        """The rates ``symbol`` is charged; without ``symbol``, the venue-wide rates (Binance's
        account rates; Upbit's KRW-market rate)."""
        name = _venue(exchange)
        with self._lock:
            if symbol and (name, symbol) in self._symbol:
                return self._symbol[(name, symbol)]
            if name in self._venue:
                return self._venue[name]
        if name == "binance":
            return Commission(BINANCE_DEFAULT, BINANCE_DEFAULT)
        # Upbit market codes are QUOTE-BASE: the default follows the quote currency.
        quote = symbol.partition("-")[0] if symbol else "KRW"
        rate = UPBIT_DEFAULTS.get(quote, UPBIT_DEFAULTS["KRW"])
        return Commission(rate, rate)
