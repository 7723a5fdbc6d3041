"""Upbit exchange endpoints (``/v1`` JWT routes): accounts, order chance, orders and their
queries / cancels, and the order object shape. Handlers run with the state lock held and raise
:class:`~xtoolkit.sandbox.errors.UpbitError`.
"""

from __future__ import annotations

import uuid as uuidlib
from decimal import Decimal

from xtoolkit.sandbox.accounts import Account, InsufficientFunds
from xtoolkit.sandbox.candles import (
    DAY,
)
from xtoolkit.sandbox.errors import upbit_error
from xtoolkit.sandbox.grids import fmt_plain
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.orders import FEE_IN_QUOTE, Order
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.upbit_format import (
    STATE_NAMES,
    VENUE,
    VISIBLE_LEVELS,
    Query,
    iso_kst,
    json_body,
    parse_time,
)
from xtoolkit.sandbox.upbit_rules import (
    ASK_TYPES,
    BID_TYPES,
    QUOTE_RULES,
    OrderRequest,
    parse_order_request,
)
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = [
    "account_row",
    "accounts",
    "cancel_by_ids",
    "cancel_open",
    "cancel_order",
    "chance",
    "get_order",
    "new_order",
    "orders_by_ids",
    "orders_closed",
    "orders_open",
    "render_order",
    "test_order",
]

D = Decimal
#: Namespace of the (deterministic) uuids given to fills in ``GET /v1/order`` trades.
TRADE_NAMESPACE = uuidlib.UUID("6f1b2b1e-0c4a-4a57-9d62-7f0b1f5d2a10")


# -- exchange: accounts and orders ---------------------------------------------------------
def account_row(acct: Account, currency: str) -> dict[str, object]:
    """One ``GET /v1/accounts`` entry (also ``bid_account``/``ask_account``/``account``)."""
    bal = acct.balance(currency)
    return {
        "currency": currency,
        "balance": fmt_plain(bal.free),
        "locked": fmt_plain(bal.locked),
        "avg_buy_price": fmt_plain(bal.avg_buy_price),
        "avg_buy_price_modified": False,
        "unit_currency": "KRW",
    }


def accounts(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/accounts`` (held currencies; KRW always listed)."""
    names = [
        "KRW",
        *sorted(c for c, b in acct.balances.items() if c != "KRW" and (b.free > 0 or b.locked > 0)),
    ]
    return Reply(body=[account_row(acct, c) for c in names])


def chance(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/orders/chance?market=...``."""
    market = q.get("market")
    if not market:
        raise upbit_error("validation_error", detail="market is missing")
    lst = state.market.listing(VENUE, market)
    if lst is None:
        raise upbit_error("validation_error", detail="market does not have a valid value")
    rule = QUOTE_RULES[lst.quote]
    # Taker rates for bids/asks, maker rates for maker fills (spec upbit.md §12.1).
    rates = state.fees.commission(VENUE, lst.symbol)
    taker, maker = fmt_plain(rates.taker), fmt_plain(rates.maker)
    return Reply(
        body={
            "bid_fee": taker,
            "ask_fee": taker,
            "maker_bid_fee": maker,
            "maker_ask_fee": maker,
            "market": {
                "id": lst.symbol,
                "name": f"{lst.base}/{lst.quote}",
                "order_types": ["limit"],
                "order_sides": ["ask", "bid"],
                "bid_types": list(BID_TYPES),
                "ask_types": list(ASK_TYPES),
                "bid": {"currency": lst.quote, "min_total": fmt_plain(rule.min_total)},
                "ask": {"currency": lst.base, "min_total": fmt_plain(rule.min_total)},
                "max_total": fmt_plain(rule.max_total),
                "state": "active",
            },
            "bid_account": account_row(acct, lst.quote),
            "ask_account": account_row(acct, lst.base),
        }
    )


def _trade_uuid(lst: Listing, trade_id: int) -> str:
    return str(uuidlib.uuid5(TRADE_NAMESPACE, f"{lst.symbol}:{trade_id}"))


def render_order(
    order: Order,
    *,
    accepted: bool = False,
    funds: bool = False,
    trades: bool = False,
) -> dict[str, object]:
    """An Upbit order object; ``accepted`` renders it as it was when accepted (before any
    matching), which is what ``POST /v1/orders`` returns."""
    ord_type = str(order.extra["ord_type"])
    side = "bid" if order.is_buy else "ask"
    requested = order.extra.get("price")  # limit price, or the total of a market buy
    executed = D(0) if accepted else order.executed
    out: dict[str, object] = {
        "uuid": order.uuid,
        "side": side,
        "ord_type": ord_type,
        "price": fmt_plain(requested) if isinstance(requested, Decimal) else None,
        "state": "wait" if accepted else STATE_NAMES[order.status],
        "market": order.listing.symbol,
        "created_at": iso_kst(order.created),
    }
    if order.qty is not None:
        out["volume"] = fmt_plain(order.qty)
        out["remaining_volume"] = fmt_plain(order.qty - executed)
    locked = order.initial_locked if accepted else order.locked
    out.update(
        {
            "reserved_fee": fmt_plain(order.reserved_fee),
            "remaining_fee": fmt_plain(order.reserved_fee if accepted else order.remaining_fee),
            "paid_fee": fmt_plain(D(0) if accepted else order.fee_paid),
            "locked": fmt_plain(locked),
            "executed_volume": fmt_plain(executed),
        }
    )
    if funds:
        out["executed_funds"] = fmt_plain(D(0) if accepted else order.cum_quote)
    out.update(
        {
            "prevented_volume": "0",
            "prevented_locked": "0",
            "trades_count": 0 if accepted else len(order.fills),
            "identifier": order.client_id,
            "time_in_force": order.extra.get("time_in_force"),
        }
    )
    if order.extra.get("smp_type") is not None:
        out["smp_type"] = order.extra["smp_type"]
    if trades:
        out["trades"] = [
            {
                "market": order.listing.symbol,
                "uuid": _trade_uuid(order.listing, f.trade_id),
                "price": fmt_plain(f.price),
                "volume": fmt_plain(f.qty),
                "funds": fmt_plain(f.price * f.qty),
                "trend": "up" if order.is_buy != f.maker else "down",
                "created_at": iso_kst(f.time, micro=True),
                "side": side,
            }
            for f in order.fills
        ]
    return out


def _engine_order(state: SandboxState, acct: Account, r: OrderRequest, now: int) -> Order:
    """Translate an Upbit request into an engine order (best orders limit to the touch)."""
    rates = state.fees.commission(VENUE, r.listing.symbol)
    side = "BUY" if r.side == "bid" else "SELL"
    kind, price, qty, quote_qty = "LIMIT", r.price, r.volume, None
    tif = {"ioc": "IOC", "fok": "FOK"}.get(r.time_in_force or "", "GTC")
    if r.ord_type == "price":
        kind, price, quote_qty = "MARKET", None, r.price
    elif r.ord_type == "market":
        kind, price = "MARKET", None
    elif r.ord_type == "best":
        bid, ask = state.market.best(r.listing)
        kind = "MARKET"
        if r.side == "bid":
            price, quote_qty = ask, r.price
        else:
            price = bid
    return Order(
        venue=VENUE,
        account=acct,
        listing=r.listing,
        order_id=state.engine.new_order_id(),
        uuid=state.engine.new_uuid(),
        client_id=r.identifier,
        side=side,
        kind=kind,
        tif=tif,
        price=price,
        qty=qty,
        quote_qty=quote_qty,
        taker_fee=rates.taker,
        maker_fee=rates.maker,
        fee_style=FEE_IN_QUOTE,
        created=now,
        updated=now,
        extra={
            "ord_type": r.ord_type,
            "price": r.price,
            "time_in_force": r.time_in_force,
            "smp_type": r.smp_type,
        },
    )


def _check_order(state: SandboxState, acct: Account, r: OrderRequest, order: Order) -> None:
    """Tick, minimum total, visible depth and funds checks (in that order)."""
    lst, rule = r.listing, QUOTE_RULES[r.listing.quote]
    bid, _ = state.market.best(lst)
    suffix = r.side
    if r.ord_type == "limit":
        assert r.price is not None and r.volume is not None
        if not lst.grid.on_grid(r.price):
            raise upbit_error(f"invalid_price_{suffix}")
        total = r.price * r.volume
    elif r.side == "bid":
        total = r.price or D(0)
    else:
        total = (r.volume or D(0)) * bid
    if total < rule.min_total:
        raise upbit_error(f"under_min_total_{suffix}")
    if r.ord_type in ("price", "market"):
        _, short = state.engine.plan(order, max_levels=VISIBLE_LEVELS)
        if short:
            raise upbit_error("volume_too_large")
    asset, amount, _ = state.engine.lock_amount(order)
    if acct.balance(asset).free < amount:
        raise upbit_error(f"insufficient_funds_{suffix}", currency=asset)


def _order_request(
    state: SandboxState, req: ApiRequest, acct: Account, *, record: bool
) -> tuple[OrderRequest, Order]:
    body = json_body(req)
    identifier = body.get("identifier")
    used = state.upbit_identifiers.setdefault(acct.key, set())
    if isinstance(identifier, str) and identifier:
        if identifier in used:
            raise upbit_error("duplicate_identifier")
        if record:
            used.add(identifier)  # burnt even if the request fails below
    find = {lst.symbol: lst for lst in state.market.listings(VENUE)}
    r = parse_order_request(body, find)
    order = _engine_order(state, acct, r, req.now_ms)
    _check_order(state, acct, r, order)
    return r, order


def new_order(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``POST /v1/orders`` → 201 with the order as accepted (matching happens right after)."""
    r, order = _order_request(state, req, acct, record=True)
    if r.time_in_force == "post_only" and state.engine.would_take(order):
        # Upbit accepts a post-only order that would take and cancels it at once.
        state.engine.accept_canceled(order, req.now_ms)
        return Reply(status=201, body=render_order(order, accepted=True), succeeded=True)
    try:
        state.engine.submit(order, req.now_ms)
    except InsufficientFunds as exc:
        raise upbit_error(f"insufficient_funds_{r.side}", currency=exc.asset) from None
    return Reply(status=201, body=render_order(order, accepted=True), succeeded=True)


def test_order(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``POST /v1/orders/test``: validates like a real order, places nothing."""
    _, order = _order_request(state, req, acct, record=False)
    _, amount, reserve = state.engine.lock_amount(order)
    order.reserved_fee = order.remaining_fee = reserve
    order.initial_locked = amount
    return Reply(status=201, body=render_order(order, accepted=True))


def _my_orders(state: SandboxState, acct: Account) -> list[Order]:
    return [o for o in state.engine.orders(VENUE) if o.account is acct]


def _lookup(state: SandboxState, acct: Account, q: Query) -> Order:
    uuid_v, ident = q.get("uuid"), q.get("identifier")
    if uuid_v is None and ident is None:
        raise upbit_error("validation_error", detail="uuid or identifier is missing")
    for o in _my_orders(state, acct):
        if (uuid_v is not None and o.uuid == uuid_v) or (uuid_v is None and o.client_id == ident):
            return o
    raise upbit_error("order_not_found")


def get_order(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/order?uuid=...|identifier=...`` (404 ``order_not_found``)."""
    return Reply(body=render_order(_lookup(state, acct, q), trades=True))


def cancel_order(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``DELETE /v1/order``: answers with the order as of the cancel request (still
    ``wait``); it is ``cancel`` from then on."""
    order = _lookup(state, acct, q)
    if not order.is_open:
        raise upbit_error("order_not_found")
    snapshot = render_order(order)
    state.engine.cancel(order, req.now_ms)
    return Reply(body=snapshot)


def _states(q: Query, allowed: tuple[str, ...], default: list[str]) -> list[str]:
    state = q.get("state")
    states = q.getlist("states") or ([state] if state else default)
    for s in states:
        if s not in allowed:
            raise upbit_error("validation_error", detail="state does not have a valid value")
    return [s for s in states if s]


def _order_by(q: Query) -> str:
    value = q.get("order_by") or "desc"
    if value not in ("asc", "desc"):
        raise upbit_error("validation_error", detail="order_by does not have a valid value")
    return value


def orders_open(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/orders/open`` (``state``/``states[]`` wait|watch, ``page``, ``limit`` ≤ 100)."""
    market = q.get("market")
    states = _states(q, ("wait", "watch"), ["wait"])
    page = q.integer("page", 1, 1, 10**6)
    limit = q.integer("limit", 100, 1, 100)
    rows = [
        o
        for o in _my_orders(state, acct)
        if o.is_open and "wait" in states and (market is None or o.listing.symbol == market)
    ]
    if _order_by(q) == "desc":
        rows.reverse()
    rows = rows[(page - 1) * limit : page * limit]
    return Reply(body=[render_order(o, funds=True) for o in rows])


def orders_closed(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/orders/closed`` (done|cancel; window ≤ 7 days, default the last 7 days)."""
    market = q.get("market")
    states = _states(q, ("done", "cancel"), ["done", "cancel"])
    limit = q.integer("limit", 100, 1, 1000)
    end_raw, start_raw = q.get("end_time"), q.get("start_time")
    end = parse_time(end_raw) if end_raw else req.now_ms
    start = parse_time(start_raw) if start_raw else end - 7 * DAY
    if end_raw is None and start_raw is not None:
        end = start + 7 * DAY
    if end - start > 7 * DAY or end < start:
        raise upbit_error("validation_error", detail="time range must be within 7 days")
    rows = [
        o
        for o in _my_orders(state, acct)
        if not o.is_open
        and STATE_NAMES[o.status] in states
        and start <= o.created <= end
        and (market is None or o.listing.symbol == market)
    ]
    if _order_by(q) == "desc":
        rows.reverse()
    return Reply(body=[render_order(o, funds=True) for o in rows[:limit]])


def _by_ids(state: SandboxState, acct: Account, q: Query, cap: int) -> list[Order]:
    uuids, idents = q.getlist("uuids"), q.getlist("identifiers")
    if not uuids and not idents:
        raise upbit_error("validation_error", detail="uuids or identifiers is missing")
    if len(uuids) + len(idents) > cap:
        raise upbit_error("validation_error", detail=f"at most {cap} ids")
    market = q.get("market")
    return [
        o
        for o in _my_orders(state, acct)
        if (o.uuid in uuids or (o.client_id is not None and o.client_id in idents))
        and (market is None or o.listing.symbol == market)
    ]


def orders_by_ids(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/orders/uuids?uuids[]=..|identifiers[]=..`` (≤ 100)."""
    rows = _by_ids(state, acct, q, 100)
    if _order_by(q) == "desc":
        rows.reverse()
    return Reply(body=[render_order(o, funds=True) for o in rows])


def _batch_result(done: list[Order], failed: list[Order]) -> dict[str, object]:
    def ref(o: Order) -> dict[str, object]:
        return {"uuid": o.uuid, "market": o.listing.symbol, "identifier": o.client_id}

    return {
        "success": {"count": len(done), "orders": [ref(o) for o in done]},
        "failed": {"count": len(failed), "orders": [ref(o) for o in failed]},
    }


def cancel_by_ids(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``DELETE /v1/orders/uuids`` (≤ 20 ids)."""
    done, failed = [], []
    for o in _by_ids(state, acct, q, 20):
        if o.is_open:
            state.engine.cancel(o, req.now_ms)
            done.append(o)
        else:
            failed.append(o)
    return Reply(body=_batch_result(done, failed))


def cancel_open(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``DELETE /v1/orders/open`` (``cancel_side``, ``pairs``/``excluded_pairs``,
    ``quote_currencies``, ``count`` ≤ 300, ``order_by``)."""
    side = q.get("cancel_side") or "all"
    if side not in ("all", "ask", "bid"):
        raise upbit_error("validation_error", detail="cancel_side does not have a valid value")
    pairs = {p for p in (q.get("pairs") or "").split(",") if p}
    excluded = {p for p in (q.get("excluded_pairs") or "").split(",") if p}
    if pairs and excluded:
        raise upbit_error("validation_error", detail="pairs and excluded_pairs are exclusive")
    quotes = {c for c in (q.get("quote_currencies") or "").split(",") if c}
    count = q.integer("count", 20, 1, 300)
    targets = [
        o
        for o in _my_orders(state, acct)
        if o.is_open
        and (side == "all" or (side == "bid") == o.is_buy)
        and (not pairs or o.listing.symbol in pairs)
        and o.listing.symbol not in excluded
        and (not quotes or o.listing.quote in quotes)
    ]
    if _order_by(q) == "desc":
        targets.reverse()
    done = targets[:count]
    for o in done:
        state.engine.cancel(o, req.now_ms)
    return Reply(body=_batch_result(done, []))
