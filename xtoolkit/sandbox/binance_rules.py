"""Binance symbol rules: the exchangeInfo objects and the order filters (-1013)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xtoolkit.sandbox.catalog import BinanceSymbolSpec
from xtoolkit.sandbox.errors import binance_error
from xtoolkit.sandbox.grids import fmt8, is_multiple

__all__ = [
    "ORDER_TYPES",
    "STP_MODES",
    "OrderCheck",
    "check_filters",
    "rate_limits",
    "symbol_info",
]

D = Decimal

ORDER_TYPES: tuple[str, ...] = (
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)
STP_MODES: tuple[str, ...] = ("EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT")
DEFAULT_STP = "EXPIRE_MAKER"
#: PERCENT_PRICE_BY_SIDE multipliers and the averaging window of price-based filters.
PERCENT_UP, PERCENT_DOWN, AVG_PRICE_MINS = D(5), D("0.2"), 5
MAX_NOTIONAL = D(9_000_000)
#: ICEBERG_PARTS limit (100 for all symbols since 2026-03-12, spec §3.3).
ICEBERG_PARTS = 100
MAX_NUM_ORDERS = 200
MAX_PRICE = D(1_000_000)
#: Order-count limits per account (exchangeInfo ORDERS entries).
ORDERS_10S, ORDERS_1D = 100, 200_000


def rate_limits(weight_limit: int) -> list[dict[str, object]]:
    """The ``rateLimits`` array (REQUEST_WEIGHT reflects the sandbox's configured budget)."""
    return [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": weight_limit},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": ORDERS_10S},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": ORDERS_1D},
        {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 300000},
    ]


def _max_price(spec: BinanceSymbolSpec) -> Decimal:
    # maxPrice must itself be a multiple of the tick.
    return MAX_PRICE if spec.tick_size >= D("0.01") else D(1000)


def filters(spec: BinanceSymbolSpec) -> list[dict[str, object]]:
    """The symbol's ``filters`` array, in Binance's order."""
    out: list[dict[str, object]] = [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": fmt8(spec.tick_size),
            "maxPrice": fmt8(_max_price(spec)),
            "tickSize": fmt8(spec.tick_size),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": fmt8(spec.min_qty),
            "maxQty": fmt8(spec.max_qty),
            "stepSize": fmt8(spec.step_size),
        },
        {"filterType": "ICEBERG_PARTS", "limit": ICEBERG_PARTS},
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": fmt8(0),
            "maxQty": fmt8(spec.market_max_qty),
            "stepSize": fmt8(0),
        },
        {
            "filterType": "TRAILING_DELTA",
            "minTrailingAboveDelta": 10,
            "maxTrailingAboveDelta": 2000,
            "minTrailingBelowDelta": 10,
            "maxTrailingBelowDelta": 2000,
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": str(PERCENT_UP),
            "bidMultiplierDown": str(PERCENT_DOWN),
            "askMultiplierUp": str(PERCENT_UP),
            "askMultiplierDown": str(PERCENT_DOWN),
            "avgPriceMins": AVG_PRICE_MINS,
        },
    ]
    if spec.notional_filter == "NOTIONAL":
        out.append(
            {
                "filterType": "NOTIONAL",
                "minNotional": fmt8(spec.min_notional),
                "applyMinToMarket": True,
                "maxNotional": fmt8(MAX_NOTIONAL),
                "applyMaxToMarket": False,
                "avgPriceMins": AVG_PRICE_MINS,
            }
        )
    else:
        out.append(
            {
                "filterType": "MIN_NOTIONAL",
                "minNotional": fmt8(spec.min_notional),
                "applyToMarket": True,
                "avgPriceMins": AVG_PRICE_MINS,
            }
        )
    out.append({"filterType": "MAX_NUM_ORDERS", "maxNumOrders": MAX_NUM_ORDERS})
    out.append({"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5})
    return out


def symbol_info(spec: BinanceSymbolSpec, status: str | None = None) -> dict[str, object]:
    """One ``symbols[]`` entry of exchangeInfo (fields and types as the spec example);
    ``status`` overrides the seeded status (``box.market.set_status``)."""
    return {
        "symbol": spec.symbol,
        "status": status or spec.status,
        "baseAsset": spec.base,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(ORDER_TYPES),
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "opoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "pegInstructionsAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": True,
        "filters": filters(spec),
        "permissions": [],
        "permissionSets": [["SPOT", "MARGIN", "TRD_GRP_004", "TRD_GRP_005"]],
        "defaultSelfTradePreventionMode": DEFAULT_STP,
        "allowedSelfTradePreventionModes": list(STP_MODES),
    }


@dataclass(frozen=True, slots=True)
class OrderCheck:
    """What the filters look at: type, side, price, base quantity, quote quantity, the
    symbol's average price, open orders on the symbol, and for quote-sized market orders
    the base quantity they would trade."""

    kind: str
    side: str
    price: Decimal | None
    qty: Decimal | None
    quote_qty: Decimal | None
    avg_price: Decimal
    open_orders: int
    stop_price: Decimal | None = None
    iceberg_qty: Decimal | None = None


def _fail(name: str) -> None:
    raise binance_error("FILTER_FAILURE", filter=name)


def check_filters(spec: BinanceSymbolSpec, o: OrderCheck) -> None:
    """Apply the symbol's filters in order; raise ``-1013 Filter failure: <TYPE>``."""
    is_market = o.kind == "MARKET"
    for price in (o.price, o.stop_price):  # PRICE_FILTER also covers stopPrice
        if price is not None and (
            price < spec.tick_size or price > _max_price(spec) or not is_multiple(price, spec.tick_size)
        ):
            _fail("PRICE_FILTER")
    if o.qty is not None:
        if o.qty < spec.min_qty or o.qty > spec.max_qty or not is_multiple(o.qty, spec.step_size):
            _fail("LOT_SIZE")
        if is_market and o.qty > spec.market_max_qty:
            _fail("MARKET_LOT_SIZE")
    if o.iceberg_qty is not None:
        # LOT_SIZE also covers icebergQty; ICEBERG_PARTS caps the number of visible slices.
        if o.iceberg_qty < spec.min_qty or not is_multiple(o.iceberg_qty, spec.step_size):
            _fail("LOT_SIZE")
        if o.qty is not None and -(-o.qty // o.iceberg_qty) > ICEBERG_PARTS:
            _fail("ICEBERG_PARTS")
    if o.price is not None and o.avg_price > 0:
        lo, hi = o.avg_price * PERCENT_DOWN, o.avg_price * PERCENT_UP
        if not lo <= o.price <= hi:
            _fail("PERCENT_PRICE_BY_SIDE")
    if o.price is not None and o.qty is not None:
        notional = o.price * o.qty
    elif o.quote_qty is not None:
        notional = o.quote_qty
    elif o.qty is not None:
        notional = o.qty * o.avg_price
    else:
        notional = D(0)
    name = spec.notional_filter
    if notional < spec.min_notional:
        _fail(name)
    if name == "NOTIONAL" and not is_market and notional > MAX_NOTIONAL:
        _fail(name)
    if o.open_orders >= MAX_NUM_ORDERS and not is_market:
        _fail("MAX_NUM_ORDERS")
