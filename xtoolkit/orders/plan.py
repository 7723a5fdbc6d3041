"""``OrderPlan``: preview -> validate -> submit once.

A plan is the immutable, rounded order plus everything shown before sending (notional,
fees, every guard's verdict, the client order id, the mode). It owns its state machine
(previewed -> validated -> spent -> placed / rejected / unknown -> reconciled), so running
``plan.submit(confirm=True)`` again returns the same order and never sends a second one.

The plan is given a small capability, :class:`OrderWork` (the desk): check and build the one
request, place it and say what came of it, look an unknown outcome up. The desk never touches
the plan's state; the plan records every answer itself. Plans made by the blocking ``Client``
carry its bridge (:class:`~xtoolkit._engine.Bridge`): blocking ``validate``/``submit`` and
awaitable ``avalidate``/``asubmit``; plans made by ``AsyncClient`` are awaited only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from xtoolkit._engine import Bridge
from xtoolkit._errors import InvalidArgument, OrderNotFound, OrderStatusUnknown
from xtoolkit._models import to_decimal
from xtoolkit.orders import display
from xtoolkit.orders.guards import Check
from xtoolkit.orders.intent import Estimate, Intent
from xtoolkit.orders.mode import ModeDecision
from xtoolkit.orders.snapshot import Snapshot

if TYPE_CHECKING:
    from xtoolkit.orders.reconcile import Resolution

__all__ = ["OrderPlan", "OrderWork", "Placement", "Sent", "Validation"]

T = TypeVar("T")


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


@dataclass(frozen=True, slots=True)
class Sent:
    """What the one send of a plan came to: exactly one of the three is set.

    ``placement``: the venue accepted it. ``refused``: a definite "not placed" (the venue said
    no, or the request never left). ``unknown``: the outcome is not known (the error to raise;
    the journal says ``unknown`` and reconciliation resolves it by client order id).
    """

    placement: Placement | None = None
    refused: BaseException | None = None
    unknown: BaseException | None = None


class OrderWork(Protocol):
    """What a plan may ask of the order desk (it reads the plan; it never changes it)."""

    async def validate(self, plan: OrderPlan) -> Validation:
        """Guards, then the venue's test-order endpoint (nothing placed)."""
        ...

    async def prepare(self, plan: OrderPlan, *, confirm: bool) -> Any:
        """Every check before the send (mode, kill switch, confirm, age, keys, unknown
        intents, guards on fresh data) and the exact request; raises a refusal, sends nothing."""
        ...

    async def place(self, prepared: Any) -> Sent:
        """Journal the intent and the request (fsynced), send it once, read the answer."""
        ...

    async def lookup(self, plan: OrderPlan) -> Resolution | None:
        """The outcome of a sent plan: the journal's verdict, or the venue asked by client id
        (None: no journal record)."""
        ...

    def not_found(self, plan: OrderPlan) -> OrderNotFound:
        """The refusal of a plan the venue shows no order for."""
        ...


@dataclass(slots=True)
class _PlanState:
    """What happened to a plan: its one mutable part, changed only by the plan itself."""

    sent: bool = False
    placement: Placement | None = None
    error: BaseException | None = None
    validation: Validation | None = None
    unknown: bool = False
    lock: asyncio.Lock | None = None

    def guard(self) -> asyncio.Lock:
        if self.lock is None:
            self.lock = asyncio.Lock()
        return self.lock


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
    _work: OrderWork = field(repr=False)
    _bridge: Bridge | None = field(default=None, repr=False)
    _state: _PlanState = field(default_factory=_PlanState, repr=False)

    def with_bridge(self, bridge: Bridge) -> OrderPlan:
        """This plan (the same state), with blocking methods run through ``bridge``."""
        return replace(self, _bridge=bridge)

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
        o = self._state
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
        return self._state.placement

    @property
    def validation(self) -> Validation | None:
        return self._state.validation

    @property
    def error(self) -> BaseException | None:
        """The venue's refusal, if the one send of this plan was refused."""
        return self._state.error

    # --- actions ------------------------------------------------------------------------

    def _blocking(self, coro: Coroutine[Any, Any, T], name: str) -> T:
        if self._bridge is None:
            coro.close()
            raise InvalidArgument(f"this plan came from an AsyncClient: use `await plan.a{name}(...)`")
        return self._bridge.run(coro)

    async def _awaited(self, coro: Coroutine[Any, Any, T]) -> T:
        # On the engine's loop: the bridge's for a Client plan, the caller's for an AsyncClient's.
        if self._bridge is None:
            return await coro
        return await self._bridge.arun(coro)

    def validate(self) -> Validation:
        """Ask the venue's test-order endpoint whether it would accept this order.

        Runs every guard first (except the mode: validating is allowed in dry-run and while
        the kill switch is on). Nothing is placed. Raises the venue's typed error if it would
        refuse, :class:`LimitExceeded` if a guard refuses.
        """
        return self._blocking(self._validate(), "validate")

    async def avalidate(self) -> Validation:
        """Awaitable :meth:`validate`."""
        return await self._awaited(self._validate())

    def submit(self, *, confirm: bool = False) -> Placement:
        """Place the order — at most once, ever, for this plan.

        ``confirm=True`` is required. The guards run again against fresh data; the intent is
        journaled (fsynced) before the request leaves. Running this again returns the same
        :class:`Placement` (or raises the same refusal) without sending anything. A lost
        answer raises :class:`OrderStatusUnknown`; ``reconcile`` resolves it (re-running
        ``submit`` does that too).
        """
        return self._blocking(self._submit(confirm), "submit")

    async def asubmit(self, *, confirm: bool = False) -> Placement:
        """Awaitable :meth:`submit`."""
        return await self._awaited(self._submit(confirm))

    def reconcile(self) -> Placement:
        """Resolve this plan's unknown outcome by its client order id (bounded polling)."""
        return self._blocking(self._reconcile(), "reconcile")

    async def areconcile(self) -> Placement:
        """Awaitable :meth:`reconcile`."""
        return await self._awaited(self._reconcile())

    # --- the state machine (on the engine's loop) ---------------------------------------

    async def _validate(self) -> Validation:
        if self._state.sent:
            raise InvalidArgument("this plan was already submitted; validate a new plan instead")
        result = await self._work.validate(self)
        self._state.validation = result
        return result

    async def _submit(self, confirm: bool) -> Placement:
        state = self._state
        async with state.guard():
            settled = await self._settled()
            if settled is not None:
                return settled
            prepared = await self._work.prepare(self, confirm=confirm)
            # The plan is spent before anything is written or sent: whatever happens from here
            # on (a crash in the journal, an answer of any shape, an interrupt), a second submit
            # of this plan can only look the order up, never send it again.
            state.sent = True
            return self._record(await self._work.place(prepared))

    def _record(self, sent: Sent) -> Placement:
        state = self._state
        if sent.placement is not None:
            state.placement = sent.placement
            return sent.placement
        if sent.refused is not None:
            state.error = sent.refused
            raise sent.refused
        state.unknown = True
        assert sent.unknown is not None  # one of the three is always set
        raise sent.unknown

    async def _settled(self) -> Placement | None:
        """This plan's outcome if it has one (resolving an unknown one); None if never sent."""
        state = self._state
        if state.placement is not None:
            return state.placement
        if state.unknown:
            return self._apply(await self._work.lookup(self))
        if state.error is not None:
            raise state.error
        if state.sent:
            # Spent but with no recorded outcome (the journal write failed, or the answer is
            # still being read by another caller): never send again; say so.
            raise OrderStatusUnknown(
                f"order {self.client_order_id} was already sent (or about to be) and its outcome "
                "is not recorded; nothing was re-sent - run plan.reconcile()",
                client_order_id=self.client_order_id,
                exchange=self.intent.ref.exchange,
            )
        return None

    def _apply(self, res: Resolution | None) -> Placement:
        state, cid, exchange = self._state, self.client_order_id, self.intent.ref.exchange
        if res is None or res.verdict is None:
            detail = res.detail if res else "no journal record"
            raise OrderStatusUnknown(
                f"order {cid} is still of unknown outcome ({detail}); nothing was re-sent - "
                "run plan.reconcile() again when the venue answers",
                client_order_id=cid,
                exchange=exchange,
            )
        state.unknown = False
        if res.verdict == "NOT_FOUND":
            err = self._work.not_found(self)
            state.error = err
            raise err
        state.placement = Placement.from_row(dict(res.row), mode=self.mode.label, via="reconciled")
        return state.placement

    async def _reconcile(self) -> Placement:
        state = self._state
        if not state.sent:
            raise InvalidArgument("this plan was never submitted: there is nothing to reconcile")
        async with state.guard():
            settled = await self._settled()
        if settled is None:  # pragma: no cover - a sent plan always has an outcome
            raise OrderStatusUnknown("no outcome recorded", client_order_id=self.client_order_id)
        return settled

    # --- display ------------------------------------------------------------------------

    def __repr__(self) -> str:
        return display.plan_text(self)

    def _repr_html_(self) -> str:
        return display.plan_html(self)
