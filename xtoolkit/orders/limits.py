"""The user's order limits: one frozen value, small by default.

Every number here is a ceiling the order helpers enforce locally, before anything is sent.
Defaults are deliberately small — a notebook's test orders, not a trading desk's.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from xtoolkit._errors import InvalidArgument
from xtoolkit._models import to_decimal

__all__ = ["Limits"]


def _money(values: Mapping[str, Any], name: str) -> Mapping[str, Decimal]:
    out: dict[str, Decimal] = {}
    for quote, value in values.items():
        amount = to_decimal(value, name=f"{name}[{quote!r}]")
        if amount < 0:
            raise InvalidArgument(f"{name}[{quote!r}] must not be negative")
        out[str(quote).upper()] = amount
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Local guards applied to every order preview and submission.

    Parameters
    ----------
    max_order_notional
        Largest order value per quote currency (``{"KRW": 50_000, "USDT": 50}``). An order in a
        quote currency not listed is valued in USDT and held to the ``"USDT"`` cap; if it cannot
        be valued it is refused.
    max_daily_notional
        Largest total value of orders *sent* per UTC day, per venue account and quote currency,
        read from the intent journal (orders the venue rejected or never saw do not count).
    price_band_pct
        How far (percent) a limit price may go *through* the touch: a buy at most this much above
        the best ask, a sell at most this much below the best bid. Passive prices are not capped.
    max_slippage_bps
        Market orders: the worst price reached by walking the visible book may be at most this
        many basis points beyond the touch; a book too thin to fill the order is refused.
    allowlist
        Markets that may be traded on real venues, as patterns over ``exchange:BASE/QUOTE``
        (``"BTC/*"`` matches any exchange, ``"upbit:ETH/KRW"`` one market, ``"*"`` everything).
        Default: BTC and ETH against any quote.
    sandbox_allowlist
        The same for sandbox venues. Default: everything.
    max_open_orders
        Open orders allowed per market before another limit order is refused.
    check_balance
        Refuse orders the fresh free balance cannot pay for (fees included where the venue
        reserves them).
    allow_warning
        Trade markets under an exchange warning (Upbit ``market_event.warning``). Off by default;
        ``client.order(..., allow_warning=True)`` overrides it per order.
    repeat_window_s
        Refuse an order identical (venue account, market, side, type, price, quantities) to one
        sent less than this many seconds ago — the "cell ran twice" guard for plans that were
        re-created rather than re-submitted. ``0`` turns it off.
    plan_ttl_s
        A plan older than this must be previewed again before it can be submitted.
    recheck_after_s
        Kept for compatibility and no longer used: ``submit`` always re-reads the book, balances
        and open orders (guards read fresh state at submit).
    visibility_s
        A freshly sent order may take a moment to become visible. ``reconcile`` keeps polling
        until this many seconds have passed since the send before it calls an order NOT_FOUND.
        On Binance the bound is at least ``recvWindow`` + 0.5 s, after which absence is proof
        (the venue refuses requests older than recvWindow right before matching).
    not_found_horizon_s
        Upbit: a NOT_FOUND stays *provisional* until this many seconds after the send (the
        venue may apply an order after the client gave up). Meanwhile it counts toward the
        daily cap and the repeat guard and is looked up again at 1, 2, 5, 10, 20, 30, 60, 90,
        120, 180, 240, 300 s after sending (``orders.desk.RECHECK_AT_S``), at every submit or
        reconcile; the look at or after the horizon makes it final.
    """

    max_order_notional: Mapping[str, Decimal] = field(
        default_factory=lambda: {"KRW": Decimal("50000"), "USDT": Decimal("50")}
    )
    max_daily_notional: Mapping[str, Decimal] = field(
        default_factory=lambda: {"KRW": Decimal("500000"), "USDT": Decimal("500")}
    )
    price_band_pct: Decimal = Decimal("2")
    max_slippage_bps: Decimal = Decimal("50")
    allowlist: tuple[str, ...] = ("BTC/*", "ETH/*")
    sandbox_allowlist: tuple[str, ...] = ("*",)
    max_open_orders: int = 5
    check_balance: bool = True
    allow_warning: bool = False
    repeat_window_s: float = 120.0
    plan_ttl_s: float = 600.0
    recheck_after_s: float = 5.0
    visibility_s: float = 5.0
    not_found_horizon_s: float = 120.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "max_order_notional", _money(self.max_order_notional, "max_order_notional"))
        set_(self, "max_daily_notional", _money(self.max_daily_notional, "max_daily_notional"))
        for name in ("price_band_pct", "max_slippage_bps"):
            value = to_decimal(getattr(self, name), name=name)
            if value < 0:
                raise InvalidArgument(f"{name} must not be negative")
            set_(self, name, value)
        for name in ("allowlist", "sandbox_allowlist"):
            patterns = getattr(self, name)
            if isinstance(patterns, str):
                patterns = (patterns,)
            set_(self, name, tuple(str(p).strip() for p in patterns))
        if not isinstance(self.max_open_orders, int) or self.max_open_orders < 0:
            raise InvalidArgument("max_open_orders must be a non-negative int")
        for name in (
            "repeat_window_s",
            "plan_ttl_s",
            "recheck_after_s",
            "visibility_s",
            "not_found_horizon_s",
        ):
            if float(getattr(self, name)) < 0:
                raise InvalidArgument(f"{name} must not be negative")

    def allows(self, exchange: str, symbol: str, *, sandbox: bool) -> bool:
        """Whether ``exchange:symbol`` (``"upbit", "BTC/KRW"``) matches the allowlist in force."""
        target = f"{exchange.lower()}:{symbol.upper()}"
        for pattern in self.sandbox_allowlist if sandbox else self.allowlist:
            p = pattern if ":" in pattern or pattern == "*" else f"*:{pattern}"
            exch, _, sym = p.partition(":")
            if fnmatch.fnmatchcase(target, f"{exch.lower()}:{sym.upper()}" if sym else exch):
                return True
        return False
