"""Binance spot account and order endpoints (signed ``/api/v3`` routes) and the order shapes.

Handlers take the shared state, the request and its merged (authenticated) parameters and
return a :class:`~xtoolkit.sandbox.wire.Reply`; errors are raised as
:class:`~xtoolkit.sandbox.errors.BinanceError`. They run with the state lock held.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from xtoolkit.sandbox.accounts import Account, InsufficientFunds
from xtoolkit.sandbox.binance_market import VENUE, avg_price_of, listing_of, spec_of
from xtoolkit.sandbox.binance_params import Params, one_of_error
from xtoolkit.sandbox.binance_rules import (
    DEFAULT_STP,
    ORDER_TYPES,
    ORDERS_10S,
    STP_MODES,
    OrderCheck,
    check_filters,
)
from xtoolkit.sandbox.errors import BinanceError, binance_error
from xtoolkit.sandbox.grids import fmt8
from xtoolkit.sandbox.market import Listing
from xtoolkit.sandbox.matching import q8
from xtoolkit.sandbox.orders import FEE_IN_RECEIVED, Order
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = [
    "STOP_TYPES",
    "account_info",
    "all_orders",
    "cancel_open_orders",
    "cancel_order",
    "my_trades",
    "new_order",
    "open_orders",
    "query_order",
    "render_cancel",
    "render_new",
    "render_query",
    "test_order",
]

D = Decimal
#: Binance's BNB fee discount rate (reported; not applied, see :func:`discount`).
BNB_DISCOUNT = D("0.25")


# -- account and orders ---------------------------------------------------------------------
def account_info(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/account``."""
    acct = params.authenticated()
    omit_zero = params.boolean("omitZeroBalances")
    assets = (
        {lst.base for lst in state.market.listings(VENUE)}
        | {lst.quote for lst in state.market.listings(VENUE)}
        | set(acct.balances)
    )
    balances = []
    for asset in sorted(assets):
        bal = acct.balance(asset)
        if omit_zero and bal.free == 0 and bal.locked == 0:
            continue
        balances.append({"asset": asset, "free": fmt8(bal.free), "locked": fmt8(bal.locked)})
    rates = state.fees.commission(VENUE)
    return Reply(
        body={
            # Integers in units of 0.01 % (spec gotcha 13: same name, other scale than tradeFee).
            "makerCommission": int(rates.maker * 10_000),
            "takerCommission": int(rates.taker * 10_000),
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": fmt8(rates.maker),
                "taker": fmt8(rates.taker),
                "buyer": fmt8(0),
                "seller": fmt8(0),
            },
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": acct.update_time,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": acct.uid,
        }
    )


@dataclass(slots=True)
class _NewOrder:
    lst: Listing
    side: str
    order_type: str  # as sent (LIMIT, STOP_LOSS_LIMIT, ...)
    kind: str  # how it executes once working: LIMIT, MARKET or LIMIT_MAKER
    stop_price: Decimal | None
    trigger: str
    tif: str
    price: Decimal | None
    qty: Decimal | None
    quote_qty: Decimal | None
    client_id: str | None
    resp_type: str
    stp: str
    iceberg_qty: Decimal | None = None
    strategy: tuple[int | None, int | None] = (None, None)
    peg: tuple[str, str, int] | None = None


#: Longest startTime..endTime window of allOrders / myTrades.
DAY_MS = 86_400_000

#: Stop / take-profit types → how they execute once triggered.
STOP_TYPES: dict[str, str] = {
    "STOP_LOSS": "MARKET",
    "TAKE_PROFIT": "MARKET",
    "STOP_LOSS_LIMIT": "LIMIT",
    "TAKE_PROFIT_LIMIT": "LIMIT",
}


def _trigger(order_type: str, side: str) -> str:
    """Direction the price must move to start a stop: stop-losses sell on the way down and
    buy on the way up; take-profits the other way round."""
    falling = order_type.startswith("STOP_LOSS") == (side == "SELL")
    return "down" if falling else "up"


#: Order types a pegged price or an iceberg quantity may be used with (rest-api.md).
PEGGABLE = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
PEG_PRICE_TYPES = ("PRIMARY_PEG", "MARKET_PEG")
MAX_PEG_OFFSET = 100
MIN_STRATEGY_TYPE = 1_000_000


def _peg(
    state: SandboxState, lst: Listing, side: str, order_type: str, params: Params
) -> tuple[tuple[str, str, int] | None, Decimal | None]:
    """A pegged order's instruction and the price it pegs to at placement (the best price on
    its own side, ``PRIMARY_PEG``, or the other side, ``MARKET_PEG``, ``pegOffsetValue``
    levels deeper) — or ``(None, None)`` without ``pegPriceType``."""
    peg_type = params.enum("pegPriceType", PEG_PRICE_TYPES, "ILLEGAL_PARAM", required=False)
    offset_type = params.enum("pegOffsetType", ("PRICE_LEVEL",), "ILLEGAL_PARAM", required=False)
    offset = params.long("pegOffsetValue")
    if peg_type is None:
        if offset_type is not None or offset is not None:
            raise binance_error("MANDATORY_PARAM", param="pegPriceType")
        return None, None
    if (offset_type is None) != (offset is None):
        raise binance_error("MANDATORY_PARAM", param="pegOffsetValue" if offset is None else "pegOffsetType")
    if order_type not in PEGGABLE:
        raise binance_error("UNSUPPORTED_COMBINATION")
    level = offset or 0
    if not 0 <= level <= MAX_PEG_OFFSET:
        raise binance_error("ILLEGAL_PARAM")
    bids, asks = state.market.depth(lst, level + 1)
    own_bids = side == "BUY"
    book = bids if own_bids == (peg_type == "PRIMARY_PEG") else asks
    if len(book) <= level:
        raise binance_error("NEW_ORDER_REJECTED", msg="Order book liquidity is less than peg offset.")
    return (peg_type, offset_type or "PRICE_LEVEL", level), book[level][0]


def _parse_new_order(state: SandboxState, params: Params) -> _NewOrder:
    lst = listing_of(state, params.symbol())
    side = params.enum("side", ("BUY", "SELL"), "INVALID_SIDE")
    order_type = params.enum("type", ORDER_TYPES, "INVALID_ORDER_TYPE")
    assert side is not None and order_type is not None
    kind = STOP_TYPES.get(order_type, order_type)
    stop_price = params.decimal("stopPrice")
    if order_type in STOP_TYPES:
        if params.has("trailingDelta"):
            # Trailing stops are not simulated.
            raise binance_error("UNSUPPORTED_COMBINATION")
        if stop_price is None:
            raise one_of_error("stopPrice", "trailingDelta")
    elif stop_price is not None:
        raise binance_error("PARAM_NOT_REQUIRED", param="stopPrice")
    elif params.has("trailingDelta"):
        raise binance_error("PARAM_NOT_REQUIRED", param="trailingDelta")
    tif_raw = params.get("timeInForce")
    peg, pegged_price = _peg(state, lst, side, order_type, params)
    price = params.decimal("price")
    if peg is not None:
        if price is not None:
            raise binance_error("PARAM_NOT_REQUIRED", param="price")
        price = pegged_price
    qty = params.decimal("quantity")
    quote_qty = params.decimal("quoteOrderQty")
    iceberg = params.decimal("icebergQty")
    if kind == "LIMIT":
        tif = params.enum("timeInForce", ("GTC", "IOC", "FOK"), "INVALID_TIF")
        if qty is None:
            raise binance_error("MANDATORY_PARAM", param="quantity")
        if price is None:
            raise binance_error("MANDATORY_PARAM", param="price")
        if quote_qty is not None:
            raise binance_error("PARAM_NOT_REQUIRED", param="quoteOrderQty")
    elif kind == "LIMIT_MAKER":
        if tif_raw is not None:
            raise binance_error("PARAM_NOT_REQUIRED", param="timeInForce")
        if qty is None:
            raise binance_error("MANDATORY_PARAM", param="quantity")
        if price is None:
            raise binance_error("MANDATORY_PARAM", param="price")
        tif = "GTC"
    else:
        if tif_raw is not None:
            raise binance_error("PARAM_NOT_REQUIRED", param="timeInForce")
        if price is not None:
            raise binance_error("PARAM_NOT_REQUIRED", param="price")
        if order_type in STOP_TYPES:
            if quote_qty is not None:
                raise binance_error("PARAM_NOT_REQUIRED", param="quoteOrderQty")
            if qty is None:
                raise binance_error("MANDATORY_PARAM", param="quantity")
        if qty is None and quote_qty is None:
            raise one_of_error("quantity", "quoteOrderQty")
        if qty is not None and quote_qty is not None:
            raise binance_error("PARAM_NOT_REQUIRED", param="quoteOrderQty")
        tif = "GTC"
    if iceberg is not None:
        # Iceberg orders: LIMIT-like types only, and only GTC (rest-api.md "Other info").
        if order_type not in PEGGABLE or tif != "GTC":
            raise binance_error("UNSUPPORTED_COMBINATION")
        if qty is not None and iceberg >= qty:
            raise binance_error("NEW_ORDER_REJECTED", msg="IcebergQty exceeds QTY.")
    for name, value in (
        ("quantity", qty),
        ("price", price),
        ("quoteOrderQty", quote_qty),
        ("stopPrice", stop_price),
        ("icebergQty", iceberg),
    ):
        if value is not None and value <= 0:
            if name in ("price", "stopPrice"):
                raise binance_error("FILTER_FAILURE", filter="PRICE_FILTER")
            raise binance_error("ILLEGAL_PARAM")
    strategy_type = params.long("strategyType")
    if strategy_type is not None and strategy_type < MIN_STRATEGY_TYPE:
        raise BinanceError(-1134, "`strategyType` was less than 1000000.")
    default_resp = "FULL" if order_type in ("LIMIT", "MARKET") else "ACK"
    resp_type = params.enum(
        "newOrderRespType", ("ACK", "RESULT", "FULL"), "ILLEGAL_PARAM", required=False, default=default_resp
    )
    stp = params.enum(
        "selfTradePreventionMode", (*STP_MODES, "NONE"), "ILLEGAL_PARAM", required=False, default=DEFAULT_STP
    )
    return _NewOrder(
        lst=lst,
        side=side,
        order_type=order_type,
        kind=kind,
        stop_price=stop_price,
        trigger=_trigger(order_type, side) if stop_price is not None else "",
        tif=str(tif),
        price=price,
        qty=qty,
        quote_qty=quote_qty,
        client_id=params.client_id("newClientOrderId"),
        resp_type=str(resp_type),
        stp=str(stp),
        iceberg_qty=iceberg,
        strategy=(params.long("strategyId"), strategy_type),
        peg=peg,
    )


def _validate_new_order(state: SandboxState, acct: Account, o: _NewOrder, now: int) -> None:
    spec = spec_of(state, o.lst)
    # END_OF_DAY, HALT, BREAK and CANCEL_ONLY symbols take no new orders (the error for
    # CANCEL_ONLY is unconfirmed, spec §13.1: "Market is closed.").
    if state.symbol_status(o.lst.symbol) != "TRADING":
        raise binance_error("NEW_ORDER_REJECTED", msg="Market is closed.")
    avg, _ = avg_price_of(state, o.lst, now)
    open_here = len(state.engine.open_orders(VENUE, acct, o.lst))
    check_filters(
        spec,
        OrderCheck(o.kind, o.side, o.price, o.qty, o.quote_qty, avg, open_here, o.stop_price, o.iceberg_qty),
    )
    if o.stop_price is not None:
        mid = state.market.mid(o.lst)
        if (mid <= o.stop_price) if o.trigger == "down" else (mid >= o.stop_price):
            raise binance_error("NEW_ORDER_REJECTED", msg="Order would trigger immediately.")


def _order_counts(state: SandboxState, acct: Account, now_s: float, add: bool) -> tuple[int, int]:
    times = state.order_times.setdefault(acct.key, deque())
    while times and now_s - times[0] > 86_400:
        times.popleft()
    if add:
        times.append(now_s)
    last_10s = sum(1 for t in times if now_s - t < 10)
    return last_10s, len(times)


def _build_order(state: SandboxState, acct: Account, o: _NewOrder, now: int) -> Order:
    rates = state.fees.commission(VENUE, o.lst.symbol)
    extra: dict[str, object] = {"stp": o.stp, "resp_type": o.resp_type, "type": o.order_type}
    if o.iceberg_qty is not None:
        extra["icebergQty"] = o.iceberg_qty
    strategy_id, strategy_type = o.strategy
    if strategy_id is not None:
        extra["strategyId"] = strategy_id
    if strategy_type is not None:
        extra["strategyType"] = strategy_type
    if o.peg is not None:
        extra["peg"] = o.peg
    return Order(
        venue=VENUE,
        account=acct,
        listing=o.lst,
        order_id=state.engine.new_order_id(),
        uuid="",
        client_id=o.client_id or state.engine.new_client_id(),
        side=o.side,
        kind=o.kind,
        tif=o.tif,
        price=o.price,
        qty=o.qty,
        quote_qty=o.quote_qty,
        taker_fee=rates.taker,
        maker_fee=rates.maker,
        fee_style=FEE_IN_RECEIVED,
        created=now,
        updated=now,
        extra=extra,
        stop_price=o.stop_price,
        trigger=o.trigger,
    )


def new_order(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``POST /api/v3/order``."""
    acct = params.authenticated()
    o = _parse_new_order(state, params)
    _validate_new_order(state, acct, o, req.now_ms)
    now_s = req.now_ms / 1000
    count_10s, _ = _order_counts(state, acct, now_s, add=False)
    if count_10s >= ORDERS_10S:
        raise binance_error("TOO_MANY_ORDERS", limit=ORDERS_10S, interval="10 SECOND")
    if o.client_id is not None and any(
        x.client_id == o.client_id for x in state.engine.open_orders(VENUE, acct)
    ):
        raise binance_error("NEW_ORDER_REJECTED", msg="Duplicate order sent.")
    order = _build_order(state, acct, o, req.now_ms)
    if o.kind == "LIMIT_MAKER" and state.engine.would_take(order):
        raise binance_error("NEW_ORDER_REJECTED", msg="Order would immediately match and take.")
    try:
        state.engine.submit(order, req.now_ms)
    except InsufficientFunds:
        raise binance_error(
            "NEW_ORDER_REJECTED", msg="Account has insufficient balance for requested action."
        ) from None
    count_10s, count_1d = _order_counts(state, acct, now_s, add=True)
    headers = {"X-MBX-ORDER-COUNT-10S": str(count_10s), "X-MBX-ORDER-COUNT-1D": str(count_1d)}
    return Reply(body=render_new(order), headers=headers, succeeded=True)


def test_order(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``POST /api/v3/order/test``: full validation (no balance check — that happens in the
    matching engine, which a test order never reaches), nothing placed."""
    acct = params.authenticated()
    o = _parse_new_order(state, params)
    _validate_new_order(state, acct, o, req.now_ms)
    if not params.boolean("computeCommissionRates"):
        return Reply(body={})
    rates = state.fees.commission(VENUE, o.lst.symbol)
    zero = {"maker": fmt8(0), "taker": fmt8(0)}
    return Reply(
        body={
            "standardCommissionForOrder": {"maker": fmt8(rates.maker), "taker": fmt8(rates.taker)},
            "specialCommissionForOrder": dict(zero),
            "taxCommissionForOrder": dict(zero),
            "discount": discount(),
        }
    )


def discount() -> dict[str, object]:
    """The BNB-discount block: off for the account, because sandbox fills always charge the
    received asset (spec §10.4: BNB pays only when both flags are true)."""
    return {
        "enabledForAccount": False,
        "enabledForSymbol": True,
        "discountAsset": "BNB",
        "discount": fmt8(BNB_DISCOUNT),
    }


def _type(order: Order) -> str:
    return str(order.extra.get("type", order.kind))


def _working_time(order: Order) -> int:
    """When the order started working (-1 while a stop waits for its trigger)."""
    return order.working_time if order.working else -1


def _orig_qty(order: Order) -> Decimal:
    return order.qty if order.qty is not None else order.executed


def render_new(order: Order) -> dict[str, object]:
    """The POST /order response in the order's ``newOrderRespType``."""
    resp = str(order.extra.get("resp_type", "FULL"))
    out: dict[str, object] = {
        "symbol": order.listing.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_id,
        "transactTime": order.created,
    }
    if resp == "ACK":
        return out
    out.update(
        {
            "price": fmt8(order.price or 0),
            "origQty": fmt8(_orig_qty(order)),
            "executedQty": fmt8(order.executed),
            "origQuoteOrderQty": fmt8(order.quote_qty or 0),
            "cummulativeQuoteQty": fmt8(order.cum_quote),
            "status": order.status,
            "timeInForce": order.tif,
            "type": _type(order),
            "side": order.side,
            "workingTime": _working_time(order),
        }
    )
    _conditional(order, out)
    if resp == "FULL":
        out["fills"] = [
            {
                "price": fmt8(f.price),
                "qty": fmt8(f.qty),
                "commission": fmt8(f.fee),
                "commissionAsset": f.fee_asset,
                "tradeId": f.trade_id,
            }
            for f in order.fills
        ]
    out["selfTradePreventionMode"] = order.extra.get("stp", DEFAULT_STP)
    return out


def _conditional(order: Order, out: dict[str, object]) -> None:
    """The fields Binance adds only when the order has them (stop, iceberg, strategy, peg)."""
    if order.stop_price is not None:
        out["stopPrice"] = fmt8(order.stop_price)
    iceberg = order.extra.get("icebergQty")
    if isinstance(iceberg, Decimal):
        out["icebergQty"] = fmt8(iceberg)
    for name in ("strategyId", "strategyType"):
        if name in order.extra:
            out[name] = order.extra[name]
    peg = order.extra.get("peg")
    if isinstance(peg, tuple):
        out.update(
            {
                "pegPriceType": peg[0],
                "pegOffsetType": peg[1],
                "pegOffsetValue": peg[2],
                "peggedPrice": fmt8(order.price or 0),
            }
        )


def render_query(order: Order) -> dict[str, object]:
    """The GET /order (and openOrders / allOrders) shape."""
    iceberg = order.extra.get("icebergQty")
    out: dict[str, object] = {
        "symbol": order.listing.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_id,
        "price": fmt8(order.price or 0),
        "origQty": fmt8(_orig_qty(order)),
        "executedQty": fmt8(order.executed),
        "cummulativeQuoteQty": fmt8(order.cum_quote),
        "status": order.status,
        "timeInForce": order.tif,
        "type": _type(order),
        "side": order.side,
        "stopPrice": fmt8(order.stop_price or 0),
        "icebergQty": fmt8(iceberg if isinstance(iceberg, Decimal) else 0),
        "time": order.created,
        "updateTime": order.updated,
        "isWorking": order.working,
        "workingTime": _working_time(order),
        "origQuoteOrderQty": fmt8(order.quote_qty or 0),
        "selfTradePreventionMode": order.extra.get("stp", DEFAULT_STP),
    }
    for name in ("strategyId", "strategyType"):
        if name in order.extra:
            out[name] = order.extra[name]
    return out


def render_cancel(order: Order, cancel_id: str, now: int) -> dict[str, object]:
    """The DELETE /order shape."""
    return {
        "symbol": order.listing.symbol,
        "origClientOrderId": order.client_id,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": cancel_id,
        "transactTime": now,
        "price": fmt8(order.price or 0),
        "origQty": fmt8(_orig_qty(order)),
        "executedQty": fmt8(order.executed),
        "origQuoteOrderQty": fmt8(order.quote_qty or 0),
        "cummulativeQuoteQty": fmt8(order.cum_quote),
        "status": order.status,
        "timeInForce": order.tif,
        "type": _type(order),
        "side": order.side,
        "selfTradePreventionMode": order.extra.get("stp", DEFAULT_STP),
    }


def _find_order(
    state: SandboxState, acct: Account, lst: Listing, params: Params, *, open_only: bool
) -> Order | None:
    order_id = params.long("orderId")
    client_id = params.get("origClientOrderId")
    if order_id is None and client_id is None:
        raise one_of_error("origClientOrderId", "orderId")
    candidates = [
        o
        for o in state.engine.orders(VENUE)
        if o.account is acct and o.listing is lst and (o.is_open or not open_only)
    ]
    if order_id is not None:
        found = next((o for o in candidates if o.order_id == order_id), None)
        if found is not None and client_id is not None and found.client_id != client_id:
            return None
        return found
    # A client id can be reused once its order closed: the latest one wins.
    return next((o for o in reversed(candidates) if o.client_id == client_id), None)


def query_order(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/order`` (-2013 when unknown)."""
    acct = params.authenticated()
    lst = listing_of(state, params.symbol())
    order = _find_order(state, acct, lst, params, open_only=False)
    if order is None:
        raise binance_error("NO_SUCH_ORDER")
    return Reply(body=render_query(order))


def cancel_order(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``DELETE /api/v3/order`` (-2011 when unknown or no longer open)."""
    acct = params.authenticated()
    lst = listing_of(state, params.symbol())
    order = _find_order(state, acct, lst, params, open_only=True)
    if order is None:
        raise binance_error("CANCEL_REJECTED")
    restriction = params.enum(
        "cancelRestrictions", ("ONLY_NEW", "ONLY_PARTIALLY_FILLED"), "ILLEGAL_PARAM", required=False
    )
    if (restriction == "ONLY_NEW" and order.status != "NEW") or (
        restriction == "ONLY_PARTIALLY_FILLED" and order.status != "PARTIALLY_FILLED"
    ):
        raise BinanceError(-2011, "Order was not canceled due to cancel restrictions.")
    cancel_id = params.client_id("newClientOrderId") or state.engine.new_client_id()
    state.engine.cancel(order, req.now_ms)
    return Reply(body=render_cancel(order, cancel_id, req.now_ms), succeeded=True)


def open_orders(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/openOrders`` (all symbols without ``symbol``)."""
    acct = params.authenticated()
    symbol = params.optional_symbol()
    lst = listing_of(state, symbol) if symbol is not None else None
    orders = state.engine.open_orders(VENUE, acct, lst)
    return Reply(body=[render_query(o) for o in orders])


def cancel_open_orders(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``DELETE /api/v3/openOrders`` (``symbol`` required; -2011 if nothing is open)."""
    acct = params.authenticated()
    lst = listing_of(state, params.symbol())
    orders = state.engine.open_orders(VENUE, acct, lst)
    if not orders:
        raise binance_error("CANCEL_REJECTED")
    out = []
    for order in orders:
        state.engine.cancel(order, req.now_ms)
        out.append(render_cancel(order, state.engine.new_client_id(), req.now_ms))
    return Reply(body=out, succeeded=True)


def _day_window(params: Params) -> tuple[int | None, int | None]:
    """``startTime``/``endTime`` (ms or µs) at most 24 hours apart (-1127)."""
    start, end = params.time_ms("startTime"), params.time_ms("endTime", end=True)
    if start is not None and end is not None and end - start > DAY_MS:
        raise binance_error("MORE_THAN_XX_HOURS", hours=24)
    return start, end


def all_orders(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/allOrders`` (oldest first; ``orderId`` = from this id on)."""
    acct = params.authenticated()
    lst = listing_of(state, params.symbol())
    limit = params.limit(500, 1000)
    from_id = params.long("orderId")
    start, end = _day_window(params)
    orders = [o for o in state.engine.orders(VENUE) if o.account is acct and o.listing is lst]
    if from_id is not None:
        orders = [o for o in orders if o.order_id >= from_id]
    if start is not None:
        orders = [o for o in orders if o.created >= start]
    if end is not None:
        orders = [o for o in orders if o.created <= end]
    if from_id is None and start is None and end is None:
        orders = orders[-limit:]
    return Reply(body=[render_query(o) for o in orders[:limit]])


def my_trades(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/myTrades`` (``orderId`` / ``fromId`` / time window; oldest first)."""
    acct = params.authenticated()
    lst = listing_of(state, params.symbol())
    limit = params.limit(500, 1000)
    order_id, from_id = params.long("orderId"), params.long("fromId")
    start, end = _day_window(params)
    fills = sorted(
        (
            (o, f)
            for o in state.engine.orders(VENUE)
            if o.account is acct and o.listing is lst and (order_id is None or o.order_id == order_id)
            for f in o.fills
        ),
        key=lambda pair: pair[1].trade_id,
    )
    fills = [
        (o, f)
        for o, f in fills
        if (from_id is None or f.trade_id >= from_id)
        and (start is None or f.time >= start)
        and (end is None or f.time <= end)
    ]
    # Without a starting point Binance answers with the most recent trades.
    fills = fills[:limit] if from_id is not None or start is not None else fills[-limit:]
    rows = [
        {
            "symbol": lst.symbol,
            "id": f.trade_id,
            "orderId": o.order_id,
            "orderListId": -1,
            "price": fmt8(f.price),
            "qty": fmt8(f.qty),
            "quoteQty": fmt8(q8(f.price * f.qty)),
            "commission": fmt8(f.fee),
            "commissionAsset": f.fee_asset,
            "time": f.time,
            "isBuyer": o.is_buy,
            "isMaker": f.maker,
            "isBestMatch": True,
        }
        for o, f in fills
    ]
    return Reply(body=rows)
