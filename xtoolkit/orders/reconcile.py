"""Resolve an order of unknown outcome by its client order id, with bounded polling.

A freshly sent order can take a moment to become visible, so "not found" (Binance -2013,
Upbit ``order_not_found``) only counts as NOT_FOUND once ``absent_after_s`` has passed since
the intent was written. On Binance that bound is at least ``recvWindow`` + 0.5 s: the venue
refuses any request older than its recvWindow right before matching, so absence after that is
proof. Upbit offers no such rule; there the bound (``Limits.visibility_s``) is a judgement.
Transport failures while looking keep the order unresolved — they are never mistaken for an
answer. Nothing here ever sends an order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from xtoolkit._engine import Engine
from xtoolkit._errors import OrderArchived, OrderNotFound, XtoolkitError
from xtoolkit._frames import frame, register
from xtoolkit.orders.journal import IntentRecord

__all__ = ["RECONCILE_SCHEMA", "Resolution", "resolutions_frame", "resolve"]

#: Normalized order status (orders frame) -> journal verdict.
VERDICTS: dict[str, str] = {
    "open": "OPEN",
    "partially_filled": "PARTIALLY_FILLED",
    "filled": "FILLED",
    "canceled": "CANCELED",
    "rejected": "REJECTED",
    "expired": "EXPIRED",
}

#: Columns of the frame ``reconcile`` returns.
RECONCILE_SCHEMA: dict[str, str] = register(
    "reconcile",
    {
        "client_order_id": "str",
        "exchange": "str",
        "symbol": "str",
        "verdict": "str",
        "order_id": "str",
        "status": "str",
        "filled_qty": "float64",
        "attempts": "int64",
        "detail": "str",
    },
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What the venue says about one client order id. ``verdict`` None = still unknown."""

    cid: str
    exchange: str
    symbol: str
    verdict: str | None
    attempts: int
    detail: str = ""
    row: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def order_id(self) -> str | None:
        value = self.row.get("order_id")
        return None if value is None else str(value)

    @property
    def status(self) -> str | None:
        return self.row.get("status")

    @property
    def filled_qty(self) -> Any:
        return self.row.get("filled_qty")


def _first_row(df: pd.DataFrame) -> dict[str, Any]:
    row = df.iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}


async def resolve(
    engine: Engine, record: IntentRecord, *, absent_after_s: float, patience_s: float = 2.0
) -> Resolution:
    """Look ``record`` up by client order id until found, proven absent, or the bound runs out.

    Polls with doubling backoff (0.1 s up to 1 s). Gives up after ``absent_after_s`` past the
    send plus ``patience_s`` of transport trouble, returning an unresolved ``Resolution``.
    """
    market = str(record.order.get("market"))
    exchange, _, symbol = market.partition(":")
    sent_age = (datetime.now(UTC) - record.created).total_seconds()
    start = time.monotonic()
    bound = max(absent_after_s - sent_age, 0.0) + patience_s
    delay, attempts, detail = 0.1, 0, ""
    while True:
        attempts += 1
        try:
            df = await engine.order_status(market, client_order_id=record.cid)
        except OrderArchived as exc:
            # Binance archives orders canceled/expired with no fill: it existed, nothing filled.
            return Resolution(record.cid, exchange, symbol, "CANCELED", attempts, f"archived: {exc.message}")
        except OrderNotFound:
            elapsed = sent_age + (time.monotonic() - start)
            if elapsed >= absent_after_s:
                return Resolution(
                    record.cid,
                    exchange,
                    symbol,
                    "NOT_FOUND",
                    attempts,
                    f"not found {absent_after_s:g} s after sending",
                )
            detail = "not visible yet"
            # Look again no later than the moment absence becomes conclusive.
            wait = min(delay, max(absent_after_s - elapsed, 0.01))
        except XtoolkitError as exc:
            detail = f"lookup failed: {type(exc).__name__}: {exc.message}"
            wait = delay
        else:
            if len(df):
                row = _first_row(df)
                verdict = VERDICTS.get(str(row.get("status")), "OPEN")
                return Resolution(record.cid, exchange, symbol, verdict, attempts, "", row)
            detail, wait = "empty answer", delay
        if time.monotonic() - start >= bound:
            return Resolution(record.cid, exchange, symbol, None, attempts, detail)
        remaining = bound - (time.monotonic() - start)
        await asyncio.sleep(max(0.0, min(wait, remaining)))
        delay = min(delay * 2, 1.0)


def resolutions_frame(items: Sequence[Resolution]) -> pd.DataFrame:
    """The frame ``reconcile`` returns.

    Returns
    -------
    DataFrame
        client_order_id, exchange, symbol, verdict (FILLED, OPEN, PARTIALLY_FILLED, CANCELED,
        EXPIRED, REJECTED, NOT_FOUND, or UNKNOWN when still unresolved), order_id, status,
        filled_qty, attempts, detail.
    """
    cols: dict[str, list[Any]] = {k: [] for k in RECONCILE_SCHEMA}
    for r in items:
        cols["client_order_id"].append(r.cid)
        cols["exchange"].append(r.exchange)
        cols["symbol"].append(r.symbol)
        cols["verdict"].append(r.verdict or "UNKNOWN")
        cols["order_id"].append(r.order_id)
        cols["status"].append(r.status)
        cols["filled_qty"].append(r.filled_qty)
        cols["attempts"].append(r.attempts)
        cols["detail"].append(r.detail or None)
    return frame("reconcile", cols)
