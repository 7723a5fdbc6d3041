"""Wallet networks and trading fees as typed records and fixed-schema frames (pure, no I/O).

Each venue parses its own answers into these records (``exchanges/<venue>/wallet.py``); the
client verbs ``networks()`` and ``trading_fees()`` turn them into the ``networks`` and
``trading_fees`` frames registered here. Nothing here moves funds: these are reads.

:class:`WalletNetwork` is also the research layer's ``NetworkStatus`` (routes read these
records as they are). :class:`TradingFee` holds maker and taker rates per side; its ``taker_buy`` /
``taker_sell`` are a research ``TakerFee``'s ``buy`` / ``sell``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from xtoolkit._errors import MalformedResponse
from xtoolkit._frames import BOOL, F64, STR, TS, register
from xtoolkit._models import fmt_decimal

__all__ = [
    "ACCOUNT",
    "DEFAULT",
    "NETWORKS_SCHEMA",
    "TRADING_FEES_SCHEMA",
    "TradingFee",
    "WalletNetwork",
    "fee_columns",
    "network_columns",
    "opt_bool",
    "opt_decimal",
    "stamp",
]

#: ``source`` of a fee read from the account; of a documented default (no keys).
ACCOUNT, DEFAULT = "account", "default"

NETWORKS_SCHEMA: dict[str, str] = register(
    "networks",
    {
        "exchange": STR,
        "asset": STR,
        "network": STR,
        "network_name": STR,
        "deposit_enabled": BOOL,
        "withdraw_enabled": BOOL,
        "withdraw_fee": F64,
        "withdraw_fee_text": STR,
        "withdraw_min": F64,
        "withdraw_min_text": STR,
        "withdraw_max": F64,
        "wallet_state": STR,
        "block_state": STR,
        "block_updated_at": TS,
        "info_age_s": F64,
        "busy": BOOL,
        "note": STR,
        "source": STR,
        "ts": TS,
    },
)

TRADING_FEES_SCHEMA: dict[str, str] = register(
    "trading_fees",
    {
        "exchange": STR,
        "symbol": STR,
        "maker": F64,
        "taker": F64,
        "maker_buy": F64,
        "maker_sell": F64,
        "taker_buy": F64,
        "taker_sell": F64,
        "source": STR,
        "ts": TS,
    },
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletNetwork:
    """One venue's wallet facts for one asset on one of its networks (``None``: not given).

    ``network`` is the venue's own id (Binance ``network``, Upbit ``net_type``) — venues name
    chains differently, so match them explicitly. ``withdraw_fee`` is flat, in units of the
    asset. ``deposit_enabled`` / ``withdraw_enabled`` None means the venue did not say (treat
    as closed). ``block_updated_at`` and ``read_at`` are tz-aware UTC (NaT when not given);
    ``source`` names the endpoint(s) read.
    """

    exchange: str
    asset: str
    network: str
    deposit_enabled: bool | None
    withdraw_enabled: bool | None
    withdraw_fee: Decimal | None
    withdraw_min: Decimal | None
    withdraw_max: Decimal | None = None
    wallet_state: str | None = None
    block_state: str | None = None
    block_updated_at: pd.Timestamp = pd.NaT
    busy: bool | None = None
    note: str | None = None
    read_at: pd.Timestamp = pd.NaT
    network_name: str | None = None
    source: str = ""

    @property
    def info_age_s(self) -> float:
        """Seconds between the venue's last chain update and the read (NaN when not given)."""
        if pd.isna(self.block_updated_at) or pd.isna(self.read_at):
            return math.nan
        return float((self.read_at - self.block_updated_at).total_seconds())


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingFee:
    """Fee rates of one market as fractions (``0.001`` = 0.1 %), per role and side.

    ``maker`` / ``taker`` are the higher of the two sides (the conservative single number);
    ``source`` is :data:`ACCOUNT` (read with keys) or :data:`DEFAULT` (the venue's documented
    standard rate, the same table the order desk uses).
    """

    exchange: str
    symbol: str
    maker_buy: Decimal
    maker_sell: Decimal
    taker_buy: Decimal
    taker_sell: Decimal
    source: str
    read_at: pd.Timestamp = pd.NaT

    @property
    def maker(self) -> Decimal:
        return max(self.maker_buy, self.maker_sell)

    @property
    def taker(self) -> Decimal:
        return max(self.taker_buy, self.taker_sell)


def opt_decimal(value: Any, what: str, exchange: str) -> Decimal | None:
    """A decimal field that may be missing (None, ``""``); anything else not a number is a
    :class:`MalformedResponse` (never a guess)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedResponse(f"{exchange}: {what} is not a number", exchange=exchange)
    try:
        out = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        out = None
    if out is None or not out.is_finite():
        raise MalformedResponse(f"{exchange}: {what} is not a number: {str(value)[:40]!r}", exchange=exchange)
    return out


def opt_bool(value: Any) -> bool | None:
    """A flag that may be missing: only a JSON boolean counts."""
    return value if isinstance(value, bool) else None


def stamp(value: Any) -> pd.Timestamp:
    """A venue time (ISO text or epoch ms) as tz-aware UTC; NaT when missing or unreadable."""
    if value is None or value == "":
        return pd.NaT
    try:
        ts = pd.Timestamp(value, unit="ms") if isinstance(value, int | float) else pd.Timestamp(value)
    except (ValueError, TypeError):
        return pd.NaT
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).as_unit("ns")


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def network_columns(records: Iterable[WalletNetwork]) -> dict[str, list[Any]]:
    """``networks`` frame columns of ``records`` (flags not given become False: not available)."""
    cols: dict[str, list[Any]] = {name: [] for name in NETWORKS_SCHEMA}
    for w in records:
        cols["exchange"].append(w.exchange)
        cols["asset"].append(w.asset)
        cols["network"].append(w.network)
        cols["network_name"].append(w.network_name)
        cols["deposit_enabled"].append(bool(w.deposit_enabled))
        cols["withdraw_enabled"].append(bool(w.withdraw_enabled))
        cols["withdraw_fee"].append(_f(w.withdraw_fee))
        cols["withdraw_fee_text"].append(None if w.withdraw_fee is None else fmt_decimal(w.withdraw_fee))
        cols["withdraw_min"].append(_f(w.withdraw_min))
        cols["withdraw_min_text"].append(None if w.withdraw_min is None else fmt_decimal(w.withdraw_min))
        cols["withdraw_max"].append(_f(w.withdraw_max))
        cols["wallet_state"].append(w.wallet_state)
        cols["block_state"].append(w.block_state)
        cols["block_updated_at"].append(w.block_updated_at)
        cols["info_age_s"].append(w.info_age_s)
        cols["busy"].append(bool(w.busy))
        cols["note"].append(w.note)
        cols["source"].append(w.source)
        cols["ts"].append(w.read_at)
    return cols


def fee_columns(records: Iterable[TradingFee]) -> dict[str, list[Any]]:
    """``trading_fees`` frame columns of ``records``."""
    cols: dict[str, list[Any]] = {name: [] for name in TRADING_FEES_SCHEMA}
    for r in records:
        cols["exchange"].append(r.exchange)
        cols["symbol"].append(r.symbol)
        for name in ("maker", "taker", "maker_buy", "maker_sell", "taker_buy", "taker_sell"):
            cols[name].append(float(getattr(r, name)))
        cols["source"].append(r.source)
        cols["ts"].append(r.read_at)
    return cols
