"""``OrderPlan``: preview -> validate -> submit once.

A plan is the immutable, rounded order plus everything shown before sending (notional,
fees, every guard's verdict, the client order id, the mode). It remembers what happened to
it, so running ``plan.submit(confirm=True)`` again returns the same order and never sends a
second one. Plans made by the blocking ``Client`` have blocking ``validate``/``submit`` and
awaitable ``avalidate``/``asubmit``; plans made by ``AsyncClient`` are awaited only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from xtoolkit._errors import InvalidArgument, OrderNotFound
from xtoolkit._models import to_decimal
from xtoolkit.orders import display
from xtoolkit.orders.guards import Check
from xtoolkit.orders.intent import Estimate, Intent
from xtoolkit.orders.mode import ModeDecision
from xtoolkit.orders.snapshot import Snapshot

if TYPE_CHECKING:
    from xtoolkit.orders.desk import OrderDesk

__all__ = ["OrderPlan", "Placement", "Runner", "Validation"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Runner:
    """How a plan runs its coroutines: ``run`` blocks (None for AsyncClient plans), ``arun`` awaits."""

    run: Callable[[Coroutine[Any, Any, Any]], Any] | None
    arun: Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]]


async def _direct(coro: Coroutine[Any, Any, T]) -> T:
    return await coro


#: The runner of plans made by an ``AsyncClient``: await on the caller's (the engine's) loop.
ASYNC_RUNNER = Runner(None, _direct)


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    return to_decimal(str(value) if isinstance(value, float) else value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """An order the venue accepted (or that reconciliation found), as it stood then."""

    exchange: str
    symbol: str
    client_order_id: str
    order_id: str | None
    side: str
    type: str
    status: str
    price: Decimal | None
    qty: Decimal | None
    filled_qty: Decimal | None
    avg_price: Decimal | None
    mode: str
    at: datetime
    via: str = "placed"
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, mode: str, via: str) -> Placement:
        """From one row of an orders frame (the parsed venue answer)."""
        return cls(
            exchange=str(row.get("exchange")),
            symbol=str(row.get("symbol")),
            client_order_id=str(row.get("client_order_id")),
            order_id=None if row.get("order_id") is None else str(row.get("order_id")),
            side=str(row.get("side")),
            type=str(row.get("type")),
            status=str(row.get("status")),
            price=_dec(row.get("price")),
            qty=_dec(row.get("qty")),
            filled_qty=_dec(row.get("filled_qty")),
            avg_price=_dec(row.get("avg_price")),
            mode=mode,
            at=datetime.now(UTC),
            via=via,
            raw=row.get("raw"),
        )

    def __repr__(self) -> str:
        return display.placement_text(self)

    def _repr_html_(self) -> str:
        return display.placement_html(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class Validation:
    """The venue's test-order endpoint accepted the order: it would be accepted. Nothing placed."""

    exchange: str
    symbol: str
    test_client_order_id: str
    at: datetime
    commission: Mapping[str, Any] | None = None

    def __repr__(self) -> str:
        return display.validation_text(self)

    def _repr_html_(self) -> str:
        return display.validation_html(self)


@dataclass(slots=True)
class _Outcome:
    """What happened to a plan (the only mutable part, guarded by ``lock``)."""

    sent: bool = False
    placement: Placement | None = None
    error: BaseException | None = None
    validation: Validation | None = None
    unknown: bool = False
    lock: asyncio.Lock | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class OrderPlan:
    """A previewed order: what you typed, what will be sent, what it costs, every check, the mode.

    Use ``validate()`` to ask the venue's test-order endpoint (nothing placed) and
    ``submit(confirm=True)`` to place it — at most once, ever. Awaitable twins: ``avalidate``,
    ``asubmit``, ``areconcile``.
    """

    intent: Intent
    estimate: Estimate
    checks: tuple[Check, ...]
    mode: ModeDecision
    snapshot: Snapshot = field(repr=False)
    created_at: float = field(default_factory=time.time)
    _desk: OrderDesk = field(repr=False)
    _runner: Runner = field(repr=False)
    _outcome: _Outcome = field(default_factory=_Outcome, repr=False)

    # --- what it is ---------------------------------------------------------------------

    @property
    def market(self) -> str:
        return str(self.intent.ref)

    @property
    def client_order_id(self) -> str:
        return self.intent.client_order_id

    @property
    def side(self) -> str:
        return self.intent.side

    @property
    def type(self) -> str:
        return self.intent.type

    @property
    def price(self) -> Decimal | None:
        return self.intent.price

    @property
    def qty(self) -> Decimal | None:
        return self.intent.qty

    @property
    def quote_qty(self) -> Decimal | None:
        return self.intent.quote_qty

    @property
    def notional(self) -> Decimal | None:
        """Estimated order value in the quote currency."""
        return self.estimate.notional

    @property
    def ok(self) -> bool:
        """True when no guard refused at preview time (``submit`` checks again)."""
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def state(self) -> str:
        """previewed, validated, placed, unknown (reconcile), rejected or not_placed."""
        o = self._outcome
        if o.placement is not None:
            return "placed"
        if o.unknown:
            return "unknown"
        if o.error is not None:
            return "not_placed" if isinstance(o.error, OrderNotFound) else "rejected"
        if o.validation is not None:
            return "validated"
        return "previewed"

    @property
    def placement(self) -> Placement | None:
        return self._outcome.placement

    @property
    def validation(self) -> Validation | None:
        return self._outcome.validation

    @property
    def error(self) -> BaseException | None:
        """The venue's refusal, if the one send of this plan was refused."""
        return self._outcome.error

    # --- actions ------------------------------------------------------------------------

    def _blocking(self, coro: Coroutine[Any, Any, T], name: str) -> T:
        if self._runner.run is None:
            coro.close()
            raise InvalidArgument(f"this plan came from an AsyncClient: use `await plan.a{name}(...)`")
        return self._runner.run(coro)  # type: ignore[no-any-return]

    def validate(self) -> Validation:
        """Ask the venue's test-order endpoint whether it would accept this order.

        Runs every guard first (except the mode: validating is allowed in dry-run and while
        the kill switch is on). Nothing is placed. Raises the venue's typed error if it would
        refuse, :class:`LimitExceeded` if a guard refuses.
        """
        return self._blocking(self._desk.validate(self), "validate")

    async def avalidate(self) -> Validation:
        """Awaitable :meth:`validate`."""
        return await self._runner.arun(self._desk.validate(self))  # type: ignore[no-any-return]

    def submit(self, *, confirm: bool = False) -> Placement:
        """Place the order — at most once, ever, for this plan.

        ``confirm=True`` is required. The guards run again against fresh data; the intent is
        journaled (fsynced) before the request leaves. Running this again returns the same
        :class:`Placement` (or raises the same refusal) without sending anything. A lost
        answer raises :class:`OrderStatusUnknown`; ``reconcile`` resolves it (re-running
        ``submit`` does that too).
        """
        return self._blocking(self._desk.submit(self, confirm=confirm), "submit")

    async def asubmit(self, *, confirm: bool = False) -> Placement:
        """Awaitable :meth:`submit`."""
        return await self._runner.arun(self._desk.submit(self, confirm=confirm))  # type: ignore[no-any-return]

    def reconcile(self) -> Placement:
        """Resolve this plan's unknown outcome by its client order id (bounded polling)."""
        return self._blocking(self._desk.reconcile_plan(self), "reconcile")

    async def areconcile(self) -> Placement:
        """Awaitable :meth:`reconcile`."""
        return await self._runner.arun(self._desk.reconcile_plan(self))  # type: ignore[no-any-return]

    # --- display ------------------------------------------------------------------------

    def __repr__(self) -> str:
        return display.plan_text(self)

    def _repr_html_(self) -> str:
        return display.plan_html(self)
