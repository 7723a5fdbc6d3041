"""The order desk: builds plans, validates, submits once, reconciles, cancels — for one client.

The desk works through the engine protocol (:mod:`xtoolkit._engine`), never the client module,
and reads each venue's :class:`~xtoolkit.exchanges._venue.OrderFacts` instead of its name. It is
the :class:`~xtoolkit.orders.plan.OrderWork` a plan is given: it checks, builds, sends and
looks up, and hands back what happened (:class:`~xtoolkit.orders.plan.Sent`); the plan records
it in its own state.

Order of events on ``submit`` (each refusal raises before anything is sent):

1. a plan that already has an outcome returns it (or re-raises its refusal) — no request;
2. mode (dry-run refuses), kill switch, ``confirm=True``, plan age, keys;
3. intents of unknown outcome on the same venue account are resolved first;
4. every guard runs again (fresh book/balances when the preview's snapshot is stale);
5. the intent is written to the journal and fsynced;
6. the exact request is journaled (``send``, fsynced), then exactly one request goes to the
   venue's order endpoint (the transport never retries it;
   Binance -1021 is re-signed once there, before matching, and nowhere else);
7. the answer — placed, refused, or unknown — is journaled and handed to the plan, which
   records it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from xtoolkit import _killswitch
from xtoolkit._engine import Engine, VenueView
from xtoolkit._errors import (
    CancelRejected,
    ConfirmationRequired,
    DryRunBlocked,
    DuplicateOrder,
    ExchangeError,
    GuardError,
    InvalidArgument,
    IpBanned,
    KillSwitchOn,
    LimitExceeded,
    MissingCredentials,
    OrderNotFound,
    OrderStatusUnknown,
    RateLimited,
    XtoolkitError,
)
from xtoolkit._frames import frame, merge_columns
from xtoolkit._models import MarketInfo, MarketRef
from xtoolkit.orders.guards import Check, first_failure, refusal, run_guards
from xtoolkit.orders.ids import check_client_id, new_client_id
from xtoolkit.orders.intent import Intent, estimate
from xtoolkit.orders.journal import IntentRecord, Journal, journal_at, venue_id
from xtoolkit.orders.limits import Limits
from xtoolkit.orders.mode import check_mode, decide
from xtoolkit.orders.plan import OrderPlan, Placement, Sent, Validation
from xtoolkit.orders.pricing import amount, quote_step, round_price, truncate
from xtoolkit.orders.reconcile import Resolution, resolutions_frame, resolve
from xtoolkit.orders.snapshot import FxCache, Snapshot, order_facts, take_snapshot

__all__ = ["OrderDesk", "check_shape"]

log = logging.getLogger("xtoolkit.orders")

_RESOLVE_CONCURRENCY = 4
#: When a provisional NOT_FOUND is looked up again: seconds after the order was sent. Each
#: order-work call (submit, reconcile, a new client's start) re-checks the records that have
#: passed a point since their last look; ``client.reconcile()`` looks at all of them at once.
#: At the venue's horizon (Binance: recvWindow + 0.5 s, a proof; Upbit:
#: ``Limits.not_found_horizon_s``) the last look makes NOT_FOUND final.
RECHECK_AT_S: tuple[float, ...] = (1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 240, 300)


def recheck_due(age_s: float, last_look_age_s: float, horizon_s: float) -> bool:
    """Whether a provisional NOT_FOUND sent ``age_s`` ago, last looked at ``last_look_age_s``
    after sending, is due another look (a schedule point passed since, or the horizon)."""
    if age_s >= horizon_s:
        return True
    return any(last_look_age_s < p <= age_s for p in RECHECK_AT_S)


def _side(side: str) -> str:
    text = str(side).strip().lower()
    if text in ("buy", "bid"):
        return "buy"
    if text in ("sell", "ask"):
        return "sell"
    raise InvalidArgument(f"side must be 'buy' or 'sell', not {side!r}")


def _order_type(type_: str | None, price: Decimal | None) -> str:
    if type_ is None:
        return "limit" if price is not None else "market"
    text = str(type_).strip().lower()
    if text not in ("limit", "market"):
        raise InvalidArgument(f"type must be 'limit' or 'market', not {type_!r}")
    return text


def check_shape(
    exchange: str,
    side: str,
    type_: str,
    price: Decimal | None,
    qty: Decimal | None,
    quote_qty: Decimal | None,
) -> None:
    """Refuse order shapes the venue would reject (``OrderFacts.market_order_by``; Upbit:
    market buys by total, sells by volume)."""
    if type_ == "limit":
        if price is None or qty is None:
            raise InvalidArgument("a limit order needs price= and qty=")
        if quote_qty is not None:
            raise InvalidArgument("quote_qty= is for market orders; a limit order takes price= and qty=")
        return
    if price is not None:
        raise InvalidArgument("a market order takes no price=; give type='limit' to set a price")
    if (qty is None) == (quote_qty is None):
        raise InvalidArgument("a market order takes exactly one of qty= (base) or quote_qty= (total)")
    needs = order_facts(exchange).market_order_by.get(side)
    if needs == "quote_qty" and quote_qty is None:
        raise InvalidArgument(
            f"{exchange} market buys are by total: give quote_qty= (the amount to spend), not qty="
        )
    if needs == "qty" and qty is None:
        raise InvalidArgument(
            f"{exchange} market sells are by volume: give qty= (the amount to sell), not quote_qty="
        )


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A plan that passed every check just now, and the exact request it will send."""

    plan: OrderPlan
    venue: VenueView
    snapshot: Snapshot
    call: Any


class OrderDesk:
    """Order helpers bound to one engine (its mode, limits, journal)."""

    def __init__(
        self,
        engine: Engine,
        *,
        mode: str = "dry_run",
        limits: Limits | None = None,
        journal: str | Path | None = None,
    ) -> None:
        self.engine = engine
        self.mode = check_mode(mode)
        if limits is not None and not isinstance(limits, Limits):
            raise InvalidArgument("limits must be an xtoolkit Limits(...)")
        self.limits = limits or Limits()
        self._journal_path = journal
        self._journal: Journal | None = None
        self.fx = FxCache()
        self._startup: asyncio.Future[None] | None = None
        #: Client order ids sent from this desk and not yet answered (exchange per id).
        self._in_flight: dict[str, str] = {}

    @property
    def journal(self) -> Journal:
        """The intent journal (opened on first use; the file is created on the first write)."""
        if self._journal is None:
            self._journal = journal_at(self._journal_path)
        return self._journal

    def venue_id(self, exchange: str) -> dict[str, Any]:
        v = self.engine.venue(exchange)
        return venue_id(v.name, v.base_url, v.credentials, sandbox=v.sandbox)

    def _reachable(self, rec: IntentRecord) -> bool:
        name = str(rec.venue.get("exchange"))
        if name not in self.engine.exchanges or not self.engine.has_credentials(name):
            return False
        mine = self.venue_id(name)
        return all(rec.venue.get(k) == mine[k] for k in ("base_url", "account"))

    # --- startup --------------------------------------------------------------------------

    async def ensure_started(self) -> None:
        """Resolve intents a previous run left unresolved (once per client, before order work)."""
        if self._startup is None:
            self._startup = asyncio.ensure_future(self._resolve_quietly())
        await asyncio.shield(self._startup)

    async def _resolve_quietly(self) -> None:
        await self._recheck_provisional(None)
        pending = [r for r in self.journal.unresolved() if self._reachable(r)]
        if not pending:
            return
        log.info("resolving %d order(s) of unknown outcome left by an earlier run", len(pending))
        results = await self._resolve_many(pending)
        left = [r.cid for r in results if r.verdict is None]
        if left:
            log.warning("still unresolved (new orders on these venues are refused): %s", ", ".join(left))

    # --- plans ----------------------------------------------------------------------------

    async def plan(
        self,
        market: str | MarketRef,
        side: str,
        *,
        qty: Any = None,
        price: Any = None,
        quote_qty: Any = None,
        type: str | None = None,
        client_order_id: str | None = None,
        allow_warning: bool = False,
    ) -> OrderPlan:
        """A previewed plan (nothing sent); its actions come back to this desk as ``OrderWork``."""
        side = _side(side)
        p, q, qq = amount(price, "price"), amount(qty, "qty"), amount(quote_qty, "quote_qty")
        otype = _order_type(type, p)
        ref = await self.engine.resolve(market)
        check_shape(ref.exchange, side, otype, p, q, qq)
        info = await self.engine.market_info(ref)
        if client_order_id is not None:
            cid = check_client_id(client_order_id)
            if self.journal.used(cid):
                raise InvalidArgument(
                    f"client_order_id {cid!r} was used before (see client.journal()); an id is never "
                    "reused - a reused Binance id can place a second order"
                )
        else:
            cid = new_client_id()
        intent = self._round(ref, info, side, otype, p, q, qq, cid, allow_warning)
        await self.ensure_started()
        snap = await self._snapshot(intent, info)
        venue = self.engine.venue(ref.exchange)
        return OrderPlan(
            intent=intent,
            estimate=estimate(intent, snap),
            checks=run_guards(intent, snap, self.limits),
            mode=decide(self.mode, sandbox=venue.sandbox),
            snapshot=snap,
            _work=self,
        )

    @staticmethod
    def _round(
        ref: MarketRef,
        info: MarketInfo,
        side: str,
        otype: str,
        p: Decimal | None,
        q: Decimal | None,
        qq: Decimal | None,
        cid: str,
        allow_warning: bool,
    ) -> Intent:
        price = round_price(p, info.tick_size, side) if p is not None else None
        if price is not None and price <= 0:
            raise InvalidArgument(
                f"price {p} rounds to zero at the tick {info.tick_size}", exchange=ref.exchange
            )
        return Intent(
            ref=ref,
            side=side,  # type: ignore[arg-type]
            type=otype,  # type: ignore[arg-type]
            client_order_id=cid,
            price=price,
            qty=truncate(q, info.step_size) if q is not None else None,
            quote_qty=truncate(qq, quote_step(info)) if qq is not None else None,
            typed_price=p,
            typed_qty=q,
            typed_quote_qty=qq,
            allow_warning=allow_warning,
        )

    async def _snapshot(self, intent: Intent, info: MarketInfo) -> Snapshot:
        snap = await take_snapshot(self.engine, intent.ref, info, intent.side, fx=self.fx)
        return self._with_journal(snap, intent)

    def _with_journal(self, snap: Snapshot, intent: Intent) -> Snapshot:
        vid = self.venue_id(intent.ref.exchange)
        return snap.with_journal(
            daily_used=self.journal.sent_today(vid, snap.info.symbol.quote),
            # Orders still awaiting their answer here are in flight, not of unknown outcome:
            # they count as open orders (see _fresh_checks) instead of blocking every order.
            unresolved=tuple(r.cid for r in self._not_in_flight(self.journal.unresolved(vid))),
            repeat_of=self.journal.recent_identical(vid, intent.wire(), self.limits.repeat_window_s),
        )

    async def _fresh_checks(self, plan: OrderPlan) -> tuple[Snapshot, tuple[Check, ...]]:
        # Guards read fresh state at every submit: a preview's snapshot, however young, misses
        # an order placed (or balance spent) since, so two quick submits could both pass.
        info = await self.engine.market_info(plan.intent.ref)
        snap = await self._snapshot(plan.intent, info)
        flying = sum(
            1
            for cid, market in self._in_flight.items()
            if market == str(plan.intent.ref) and cid != plan.client_order_id
        )
        if flying and snap.open_orders is not None:
            # Sent but not yet answered: not on the venue's open list yet, but it may be soon.
            snap = replace(snap, open_orders=snap.open_orders + flying)
        return snap, run_guards(plan.intent, snap, self.limits)

    def _keyed_venue(self, exchange: str, what: str) -> VenueView:
        venue = self.engine.venue(exchange)
        if venue.credentials is None:
            raise MissingCredentials(f"{what} needs {exchange} keys", exchange=exchange)
        return venue

    # --- validate -------------------------------------------------------------------------

    async def validate(self, plan: OrderPlan) -> Validation:
        intent = plan.intent
        exchange = intent.ref.exchange
        venue = self._keyed_venue(exchange, "validate (the venue's signed test-order endpoint)")
        _, checks = await self._fresh_checks(plan)
        failed = first_failure(checks)
        if failed is not None:
            raise refusal(failed, exchange)
        # A separate id: Upbit may burn an identifier even on a test, and the real one must stay fresh.
        test_id = new_client_id("xt-t")
        call = venue.adapter.place_call(replace(intent, client_order_id=test_id).spec(), test=True)
        resp = await self.engine.send(exchange, call)
        payload = resp.payload
        answers_commission = order_facts(exchange).test_order_commission
        commission = payload if answers_commission and isinstance(payload, dict) and payload else None
        result = Validation(
            exchange=exchange,
            symbol=str(intent.ref.symbol),
            test_client_order_id=test_id,
            at=datetime.now(UTC),
            commission=commission,
        )
        self.journal.append(
            "validated",
            intent.client_order_id,
            test_id=test_id,
            venue=self.venue_id(exchange),
            order=intent.wire(),
        )
        return result

    # --- submit ---------------------------------------------------------------------------

    def _refused(self, plan: OrderPlan, err: XtoolkitError, rule: str) -> XtoolkitError:
        self.journal.append(
            "refused",
            plan.client_order_id,
            rule=rule,
            message=err.message,
            venue=self.venue_id(plan.intent.ref.exchange),
            order=plan.intent.wire(),
        )
        return err

    async def prepare(self, plan: OrderPlan, *, confirm: bool) -> _Prepared:
        """Every check before the one send, then the exact request (steps 2-4 above)."""
        intent = plan.intent
        exchange = intent.ref.exchange
        venue = self.engine.venue(exchange)
        now_mode = decide(self.mode, sandbox=venue.sandbox)
        if not (plan.mode.sends and now_mode.sends):
            why = plan.mode.reason if not plan.mode.sends else now_mode.reason
            raise self._refused(plan, DryRunBlocked(f"{why} - nothing was sent", exchange=exchange), "mode")
        if _killswitch.engaged():
            raise self._refused(
                plan,
                KillSwitchOn(
                    "the kill switch is on: nothing was sent (xtoolkit.resume() to allow orders)",
                    exchange=exchange,
                ),
                "kill_switch",
            )
        if not confirm:
            raise ConfirmationRequired(
                f"nothing was sent: submit needs confirm=True\n{plan!r}", preview=plan, exchange=exchange
            )
        age = time.time() - plan.created_at
        if age > self.limits.plan_ttl_s:
            raise self._refused(
                plan,
                LimitExceeded(
                    f"this plan is {age:.0f} s old (Limits.plan_ttl_s {self.limits.plan_ttl_s:.0f} s): "
                    "preview it again - nothing was sent",
                    rule="plan_ttl",
                    limit=self.limits.plan_ttl_s,
                    value=round(age, 1),
                    exchange=exchange,
                ),
                "plan_ttl",
            )
        self._keyed_venue(exchange, "submit")
        await self.ensure_started()
        await self._resolve_many(self._not_in_flight(self.journal.unresolved(self.venue_id(exchange))))
        await self._recheck_provisional(exchange)
        snap, checks = await self._fresh_checks(plan)
        failed = first_failure(checks)
        if failed is not None:
            raise self._refused(plan, refusal(failed, exchange), failed.rule)
        if _killswitch.engaged():  # flipped while we were reading: still nothing sent
            raise self._refused(
                plan,
                KillSwitchOn("the kill switch is on: nothing was sent", exchange=exchange),
                "kill_switch",
            )
        # Built here, before the plan is spent: an order the adapter cannot express is a refusal.
        return _Prepared(plan, venue, snap, venue.adapter.place_call(intent.spec()))

    def _not_in_flight(self, records: list[IntentRecord]) -> list[IntentRecord]:
        """Records whose send is not still awaiting its answer here (those are not unknown)."""
        return [r for r in records if r.cid not in self._in_flight]

    async def place(self, prepared: _Prepared) -> Sent:
        """Journal, send once, and say what came of it (steps 5-7 above; the plan is spent)."""
        plan, venue, call = prepared.plan, prepared.venue, prepared.call
        intent = plan.intent
        exchange, cid = intent.ref.exchange, intent.client_order_id
        est = estimate(intent, prepared.snapshot)  # as checked just now (a market order's value moves)
        endpoint = venue.adapter.endpoints[call.endpoint]
        # Write-ahead: the intent is on disk (fsynced) before a single byte goes to the venue.
        self.journal.append(
            "intent",
            cid,
            venue=self.venue_id(exchange),
            order=intent.wire(),
            typed={
                "price": intent.typed_price,
                "qty": intent.typed_qty,
                "quote_qty": intent.typed_quote_qty,
            },
            notional=est.notional,
            quote=intent.ref.symbol.quote,
            value_usdt=est.value_usdt,
            value_krw=est.value_krw,
            mode=plan.mode.label,
        )
        # The exact request, as the adapter will sign it (keys, timestamps and signatures are
        # added at build time and never reach the journal).
        self.journal.append("send", cid, method=endpoint.method, path=endpoint.path, params=dict(call.params))
        self._in_flight[cid] = str(intent.ref)
        try:
            return await self._exchange_once(plan, venue, call)
        finally:
            self._in_flight.pop(cid, None)

    async def _exchange_once(self, plan: OrderPlan, venue: VenueView, call: Any) -> Sent:
        """The one request for ``plan`` and what its answer (or its absence) means."""
        intent = plan.intent
        exchange, cid = intent.ref.exchange, intent.client_order_id
        try:
            resp = await self.engine.send(exchange, call)
        except OrderStatusUnknown as exc:
            self._unknown(plan, f"{type(exc).__name__}: {exc.message}")
            return Sent(unknown=exc)
        except DuplicateOrder as exc:
            # The venue has seen this id before: our order may well exist. Reconcile, never resend.
            self._unknown(plan, f"DuplicateOrder: {exc.message}")
            unknown = OrderStatusUnknown(
                f"the venue says client order id {cid} is already in use - the order may have been "
                "placed; reconcile to find out",
                client_order_id=cid,
                exchange=exchange,
                code=exc.code,
                status=exc.status,
                payload=exc.payload,
            )
            unknown.__cause__ = exc  # as `raise ... from exc` would, where the plan raises it
            return Sent(unknown=unknown)
        except (ExchangeError, GuardError, RateLimited, IpBanned) as exc:
            # A definite "not placed": the venue said no, or the request never left (kill switch,
            # our rate gate, missing keys). 429/418 answers are refused before any matching.
            self.journal.append("rejected", cid, error=type(exc).__name__, code=exc.code, message=exc.message)
            return Sent(refused=exc)
        except BaseException as exc:
            # Interrupted (cell interrupt, task cancelled) or an unexpected failure mid-request:
            # the order may or may not be on the venue. Record it for reconciliation; the plan
            # re-raises it.
            self._unknown(plan, f"interrupted: {type(exc).__name__}")
            return Sent(unknown=exc)
        symbols = {intent.ref.native: str(intent.ref.symbol)}
        try:
            cols = venue.adapter.parse_orders(resp.payload, symbols)
            row = {k: (v[0] if v else None) for k, v in cols.items()}
            if row.get("order_id") in (None, ""):
                raise ValueError("the answer holds no order")
            placement = Placement.from_row(row, mode=plan.mode.label, via="placed")
            if str(row.get("client_order_id") or cid) != cid:
                raise ValueError("the answer names another client order id")
        except Exception as exc:  # any misreading of a 2xx is an unknown outcome, never a crash
            # A 2xx the venue sent is not a definite answer if we cannot read it: the order
            # may well be placed. Unknown, to reconcile by client id — never a second send.
            self._unknown(plan, f"unreadable 2xx answer: {type(exc).__name__}")
            unreadable = OrderStatusUnknown(
                f"the venue answered the order with a body of an unexpected shape "
                f"({type(exc).__name__}); it may have been placed - reconcile by client order id",
                client_order_id=cid,
                exchange=exchange,
                status=resp.status,
                endpoint=venue.adapter.endpoints[call.endpoint].path,
            )
            unreadable.__suppress_context__ = True  # as `raise ... from None`: the body stays out
            return Sent(unknown=unreadable)
        self.journal.append(
            "placed",
            cid,
            order_id=placement.order_id,
            status=placement.status,
            filled_qty=placement.filled_qty,
            avg_price=placement.avg_price,
        )
        return Sent(placement=placement)

    def _unknown(self, plan: OrderPlan, reason: str) -> None:
        self.journal.append("unknown", plan.client_order_id, reason=reason)

    # --- outcomes and reconciliation --------------------------------------------------------

    async def lookup(self, plan: OrderPlan) -> Resolution | None:
        """What became of a sent plan of unknown outcome: the journal's verdict when there is
        one, else the venue asked by client order id (None: the journal has no record)."""
        cid = plan.client_order_id
        rec = self.journal.get(cid)
        if rec is not None and rec.state in ("resolved", "provisional") and rec.verdict:
            res: Resolution | None = Resolution(
                rec.cid,
                plan.intent.ref.exchange,
                str(plan.intent.ref.symbol),
                rec.verdict,
                0,
                "from the journal",
                _row_from_record(rec, plan),
            )
        else:
            res = await self._resolve_one(rec) if rec is not None else None
        if res is not None and res.verdict not in (None, "NOT_FOUND") and not res.row:
            res = replace(res, row=_row_from_record(self.journal.get(cid), plan))
        return res

    def not_found(self, plan: OrderPlan) -> OrderNotFound:
        cid, exchange = plan.client_order_id, plan.intent.ref.exchange
        final = self.horizon(exchange) <= self.absent_after(exchange)
        return OrderNotFound(
            f"order {cid} was never placed as far as the venue shows: it has no order with this "
            f"client id {self.absent_after(exchange):g} s after sending"
            + (
                ""
                if final
                else f" (provisional: looked up again until {self.horizon(exchange):g} s after "
                "sending; it still counts toward your limits meanwhile)"
            )
            + ". This plan is spent - preview a new one",
            exchange=exchange,
            code="NOT_FOUND",
        )

    def absent_after(self, exchange: str) -> float:
        """Seconds after sending when "not found" proves an order was never placed.

        Binance refuses a request older than its ``recvWindow`` even right before matching, so
        there the bound is at least recvWindow + 0.5 s (a margin for the clock estimate, which
        is good to half a round trip).
        """
        bound = self.limits.visibility_s
        window = getattr(self.engine.venue(exchange).adapter, "recv_window_ms", None)
        if isinstance(window, int | float) and window > 0:
            bound = max(bound, window / 1000 + 0.5)
        return bound

    def horizon(self, exchange: str) -> float:
        """Seconds after sending when a NOT_FOUND becomes final (never re-checked after).

        Where absence is proof (``OrderFacts.absence_is_proof``; Binance: the venue refuses a
        request older than recvWindow) the horizon is ``absent_after``. Elsewhere (Upbit) the
        venue may apply an order after the client gave up, so "not found" stays provisional
        until ``Limits.not_found_horizon_s``.
        """
        if order_facts(exchange).absence_is_proof:
            return self.absent_after(exchange)
        return max(self.limits.not_found_horizon_s, self.absent_after(exchange))

    async def _recheck_provisional(self, exchange: str | None, *, force: bool = False) -> None:
        """Look again at provisional NOT_FOUNDs that are due (all of them with ``force``)."""
        now = datetime.now(UTC)
        due: list[IntentRecord] = []
        records = self.journal.provisional(self.venue_id(exchange) if exchange else None)
        for rec in records:
            if not self._reachable(rec):
                continue
            name = str(rec.venue.get("exchange"))
            age = (now - rec.created).total_seconds()
            last = (rec.updated - rec.created).total_seconds()
            if force or recheck_due(age, last, self.horizon(name)):
                due.append(rec)
        await self._resolve_many(due, once=True)

    async def _resolve_one(self, rec: IntentRecord, *, once: bool = False) -> Resolution:
        exchange = str(rec.venue.get("exchange"))
        if once:  # a provisional re-check: one lookup, absence already established
            res = await resolve(self.engine, rec, absent_after_s=0.0, patience_s=0.0)
        else:
            res = await resolve(self.engine, rec, absent_after_s=self.absent_after(exchange))
        if res.verdict is not None:
            age = (datetime.now(UTC) - rec.created).total_seconds()
            self.journal.append(
                "resolved",
                rec.cid,
                # NOT_FOUND before the venue's horizon is provisional: it is looked up again.
                final=res.verdict != "NOT_FOUND" or age >= self.horizon(exchange),
                verdict=res.verdict,
                order_id=res.order_id,
                status=res.status,
                filled_qty=res.filled_qty,
                attempts=res.attempts,
                detail=res.detail,
            )
        return res

    async def _resolve_many(self, records: list[IntentRecord], *, once: bool = False) -> list[Resolution]:
        if not records:
            return []
        gate = asyncio.Semaphore(_RESOLVE_CONCURRENCY)

        async def one(rec: IntentRecord) -> Resolution:
            async with gate:
                return await self._resolve_one(rec, once=once)

        return list(await asyncio.gather(*(one(r) for r in records)))

    async def reconcile(self, client_order_id: str | None = None) -> pd.DataFrame:
        if client_order_id is not None:
            rec = self.journal.get(client_order_id)
            if rec is None:
                raise InvalidArgument(
                    f"no order intent {client_order_id!r} in the journal {self.journal.path}"
                )
            if not self._reachable(rec):
                raise InvalidArgument(
                    f"{client_order_id} was sent to {rec.venue.get('exchange')} at "
                    f"{rec.venue.get('base_url')} with another key; connect a client to that venue account"
                )
            if rec.provisional:
                return resolutions_frame(await self._resolve_many([rec], once=True))
            records = [rec]
        else:
            await self.ensure_started()
            records = [r for r in self._not_in_flight(self.journal.unresolved()) if self._reachable(r)]
            provisional = [r for r in self.journal.provisional() if self._reachable(r)]
            looked = await self._resolve_many(provisional, once=True)
            return resolutions_frame([*await self._resolve_many(records), *looked])
        return resolutions_frame(await self._resolve_many(records))

    # --- cancel-all -----------------------------------------------------------------------

    async def cancel_all(
        self, market: str | MarketRef | None, *, exchange: str | None, confirm: bool
    ) -> pd.DataFrame:
        open_df = await self.engine.open_orders(market, exchange=exchange)
        if not confirm:
            listing = open_df[["exchange", "symbol", "order_id", "client_order_id", "side", "price", "qty"]]
            table = listing.to_string(index=False) if len(open_df) else "(none)"
            raise ConfirmationRequired(
                f"nothing was cancelled: cancel_all needs confirm=True. It would cancel "
                f"{len(open_df)} open order(s):\n{table}",
                preview=open_df,
            )
        parts: list[pd.DataFrame] = []
        for (ex, symbol), group in open_df.groupby(["exchange", "symbol"], sort=True):
            ref = await self.engine.resolve(f"{ex}:{symbol}")
            parts.append(await self._cancel_market(str(ex), ref, group))
        done = [p for p in parts if len(p)]
        result = pd.concat(done, ignore_index=True) if done else frame("orders")
        for ex in sorted(set(result["exchange"])):
            ids = result.loc[result["exchange"] == ex, "order_id"].tolist()
            self.journal.append(
                "cancel_all",
                "-",
                venue=self.venue_id(str(ex)),
                count=len(ids),
                order_ids=[str(i) for i in ids],
            )
        return result

    async def _cancel_market(self, exchange: str, ref: MarketRef, group: pd.DataFrame) -> pd.DataFrame:
        venue = self._keyed_venue(exchange, "cancel_all")
        adapter = venue.adapter
        facts = order_facts(exchange)
        if facts.cancel_all_batch is None or facts.cancelled_ids is None:
            # One call cancels the market's open orders and answers them as order objects.
            try:
                resp = await self.engine.send(exchange, adapter.cancel_all_call(ref.native))
            except CancelRejected:
                return frame("orders")  # filled or cancelled meanwhile: nothing left to cancel
            cols = adapter.parse_orders(resp.payload, {ref.native: str(ref.symbol)})
            return frame("orders", merge_columns([cols], "orders"))
        # Batches (Upbit: up to 20 per call), each answered with the ids it accepted.
        batch = facts.cancel_all_batch
        accepted: set[str] = set()
        for _ in range(len(group) // batch + 2):
            resp = await self.engine.send(exchange, adapter.cancel_all_call(ref.native))
            ids = facts.cancelled_ids(resp.payload)
            accepted.update(ids)
            if len(ids) < batch:
                break
        return group[group["order_id"].astype(str).isin(accepted)].reset_index(drop=True)

    def journal_frame(self) -> pd.DataFrame:
        return self.journal.frame()


def _row_from_record(rec: IntentRecord | None, plan: OrderPlan) -> dict[str, Any]:
    i = plan.intent
    return {
        "exchange": i.ref.exchange,
        "symbol": str(i.ref.symbol),
        "client_order_id": i.client_order_id,
        "order_id": rec.order_id if rec else None,
        "side": i.side,
        "type": i.type,
        "status": (rec.status if rec and rec.status else (rec.verdict or "open").lower() if rec else "open"),
        "price": i.price,
        "qty": i.qty,
        "filled_qty": rec.filled_qty if rec else None,
        "avg_price": None,
    }
