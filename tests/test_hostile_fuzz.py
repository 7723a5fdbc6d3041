"""Hostile-answer property tests (issue 12, defect 13): 0 untyped exceptions, 0 hangs.

Two families, both venues, against the scripted local server:

* every public verb called with hostile arguments (wrong types, huge and non-finite numbers,
  odd text, nested containers) while the server answers the spec's example payloads;
* every read verb answered with hostile 2xx bodies (any JSON shape and type, deep nesting,
  large sizes, wrong field types inside otherwise valid payloads).

A call may succeed or raise an ``xtoolkit.XtoolkitError``; anything else, or a call not done
within ``HANG_S``, fails the example. Deterministic: ``derandomize=True``, no example database,
bounded ``max_examples``. ``FUZZ_COUNTS`` tallies inputs tried per family; each test checks its own share.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scripted_server import Reply, ScriptedServer
from spec_examples import example

import xtoolkit as xt

HANG_S = 10.0
#: Each fuzz test must really try at least this many inputs (hypothesis can stop early).
MIN_EXAMPLES = 10
FUZZ_COUNTS: Counter[str] = Counter()
SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

DEFAULTS: dict[tuple[str, str], Any] = {
    ("GET", "/api/v3/time"): None,  # filled per server: the current time
    ("GET", "/api/v3/exchangeInfo"): example("binance", "exchange_info_multi"),
    ("GET", "/api/v3/ticker/24hr"): [example("binance", "ticker_24hr")],
    ("GET", "/api/v3/depth"): example("binance", "depth"),
    ("GET", "/api/v3/trades"): example("binance", "trades"),
    ("GET", "/api/v3/klines"): example("binance", "klines"),
    ("GET", "/api/v3/account"): example("binance", "account"),
    ("GET", "/api/v3/openOrders"): example("binance", "open_orders"),
    ("GET", "/api/v3/order"): example("binance", "order_query"),
    ("GET", "/api/v3/allOrders"): example("binance", "open_orders"),
    ("DELETE", "/api/v3/order"): example("binance", "order_cancel"),
    ("POST", "/api/v3/order/test"): example("binance", "order_test"),
    ("GET", "/v1/market/all"): example("upbit", "market_all_details"),
    ("GET", "/v1/ticker"): example("upbit", "ticker"),
    ("GET", "/v1/orderbook"): example("upbit", "orderbook"),
    ("GET", "/v1/orderbook/instruments"): example("upbit", "orderbook_instruments"),
    ("GET", "/v1/trades/ticks"): example("upbit", "trades_ticks"),
    ("GET", "/v1/candles/minutes/1"): example("upbit", "candles_minutes"),
    ("GET", "/v1/candles/days"): example("upbit", "candles_days"),
    ("GET", "/v1/accounts"): example("upbit", "accounts"),
    ("GET", "/v1/orders/open"): example("upbit", "orders_open"),
    ("GET", "/v1/orders/closed"): example("upbit", "orders_open"),
    ("GET", "/v1/order"): example("upbit", "order_get"),
    ("DELETE", "/v1/order"): example("upbit", "order_cancel"),
    ("GET", "/v1/orders/chance"): example("upbit", "orders_chance"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def _reset(server: ScriptedServer) -> None:
    server.queues.clear()
    server.seen.clear()
    for (method, path), body in DEFAULTS.items():
        server.default(method, path, Reply(body=copy.deepcopy(body)))
    server.default("GET", "/api/v3/time", Reply(body={"serverTime": int(time.time() * 1000)}))


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture
def ac(server: ScriptedServer, loop: asyncio.AbstractEventLoop) -> Iterator[xt.AsyncClient]:
    from xtoolkit import _killswitch
    from xtoolkit._ratelimit import reset_gates

    _reset(server)
    client = xt.AsyncClient(
        base_urls={"binance": server.url, "upbit": server.url},
        credentials={"binance": ("k" * 64, "s" * 64), "upbit": ("a" * 40, "z" * 40)},
        use_env=False,
        env_file=None,
        timeout=xt.Timeout(connect=2, read=2),
        retries=0,
        max_wait=0.5,
    )
    yield client
    loop.run_until_complete(client.aclose())
    reset_gates()
    _killswitch.resume()


def call_typed(loop: asyncio.AbstractEventLoop, family: str, coro_fn: Any) -> None:
    """Run one call: success or a typed error; anything else (or a hang) fails the example."""
    from xtoolkit._ratelimit import reset_gates

    FUZZ_COUNTS[family] += 1
    reset_gates()  # hostile 429/418 answers must not make the next example wait

    async def go() -> None:
        try:
            await asyncio.wait_for(coro_fn(), HANG_S)
        except TimeoutError:
            FUZZ_COUNTS[f"{family}:hangs"] += 1
            raise AssertionError(f"hung for {HANG_S} s") from None
        except xt.XtoolkitError:
            pass
        except Exception as exc:
            FUZZ_COUNTS[f"{family}:untyped"] += 1
            raise AssertionError(f"untyped {type(exc).__name__}: {exc!r}"[:500]) from exc

    loop.run_until_complete(go())


def assert_really_fuzzed(family: str, before: int) -> None:
    """This test itself tried at least ``MIN_EXAMPLES`` inputs and none was untyped or hung.

    Checked inside each test, not by a summary test at the end of the module: under pytest-xdist
    the module's tests run in several processes, so a module-wide tally would see only a part.
    """
    tried = FUZZ_COUNTS[family] - before
    assert tried >= MIN_EXAMPLES, f"only {tried} {family} examples ran"
    assert not FUZZ_COUNTS[f"{family}:untyped"] and not FUZZ_COUNTS[f"{family}:hangs"]


# --- hostile arguments ---------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e20, 1e30, 1e-30, 2**63, -(2**63), 10**400]),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("sNaN"), Decimal("1e999999"), Decimal("-0"), Decimal("1E-999999")]),
)
TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "nan", "inf", "-1", "1e30", "0x10", "1_000", "١٢", "\x00", "a" * 5000]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, st.binary(max_size=10))
HOSTILE = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=5), SCALARS, max_size=3),
    st.builds(object),
    st.sampled_from([b"binance:BTC/USDT", ["binance:BTC/USDT", None], ("upbit:BTC/KRW",) * 3]),
)
MARKET = st.one_of(
    st.sampled_from(
        ["binance:BTC/USDT", "upbit:BTC/KRW", "BTCUSDT", "KRW-BTC", "binance:ETH/BTC", "upbit:KRW-BTC"]
    ),
    st.sampled_from(
        ["binance:", ":", "binance:BTC/", "/USDT", "kraken:BTC/USD", "upbit:KRW-", "binance:BTC//USDT"]
    ),
    HOSTILE,
)
PRICE = st.one_of(st.sampled_from(["100", "0.01", "27000.5", "1e20", "1e30", "-5", "0"]), NUMBERS, HOSTILE)
TIME = st.one_of(
    st.none(),
    NUMBERS,
    TEXT,
    st.sampled_from(["2024-01-01", "2024-13-45", "9999-12-31T23:59:59", "0001-01-01", "yesterday"]),
    st.datetimes(),
)


def _verbs(ac: xt.AsyncClient) -> dict[str, tuple[Any, dict[str, Any]]]:
    return {
        "resolve": (ac.resolve, {"market": MARKET}),
        "markets": (
            ac.markets,
            {"exchange": st.one_of(st.sampled_from(["binance", "upbit", None]), HOSTILE)},
        ),
        "market_info": (ac.market_info, {"market": MARKET}),
        "tickers": (ac.tickers, {"markets": st.one_of(MARKET, st.lists(MARKET, max_size=4))}),
        "orderbook": (ac.orderbook, {"market": MARKET, "depth": st.one_of(st.none(), NUMBERS, HOSTILE)}),
        "trades": (
            ac.trades,
            {"market": MARKET, "limit": st.one_of(st.integers(-5, 2000), NUMBERS, HOSTILE)},
        ),
        "candles": (
            ac.candles,
            {
                "market": MARKET,
                "interval": st.one_of(st.sampled_from(["1m", "1h", "1d", "1M", "7m", ""]), HOSTILE),
                "start": TIME,
                "end": TIME,
                "limit": st.one_of(st.none(), st.integers(-5, 3000), NUMBERS, HOSTILE),
            },
        ),
        "balances": (
            ac.balances,
            {"exchange": st.one_of(st.sampled_from(["binance", "upbit", None]), HOSTILE)},
        ),
        "open_orders": (
            ac.open_orders,
            {"market": st.one_of(st.none(), MARKET), "exchange": st.one_of(st.none(), HOSTILE)},
        ),
        "order_status": (
            ac.order_status,
            {
                "market": MARKET,
                "order_id": st.one_of(st.none(), HOSTILE),
                "client_order_id": st.one_of(st.none(), HOSTILE),
            },
        ),
        "cancel_order": (
            ac.cancel_order,
            {
                "market": MARKET,
                "order_id": st.one_of(st.none(), HOSTILE),
                "client_order_id": st.one_of(st.none(), HOSTILE),
            },
        ),
        "order_history": (
            ac.order_history,
            {"market": MARKET, "limit": st.one_of(st.integers(-5, 2000), HOSTILE)},
        ),
        "order": (
            ac.order,
            {
                "market": MARKET,
                "side": st.one_of(st.sampled_from(["buy", "sell", "BUY", "hold"]), HOSTILE),
                "qty": st.one_of(st.none(), PRICE),
                "price": st.one_of(st.none(), PRICE),
                "quote_qty": st.one_of(st.none(), PRICE),
                "type": st.one_of(st.none(), st.sampled_from(["limit", "market", "stop"]), HOSTILE),
                "client_order_id": st.one_of(st.none(), HOSTILE),
            },
        ),
        "reconcile": (ac.reconcile, {"client_order_id": st.one_of(st.none(), HOSTILE)}),
        "request": (
            ac.request,
            {
                "exchange": st.one_of(st.sampled_from(["binance", "upbit"]), HOSTILE),
                "endpoint": st.one_of(
                    st.sampled_from(["depth", "avg_price", "ticker", "candles_minutes"]), HOSTILE
                ),
                "params": st.one_of(
                    st.none(),
                    st.dictionaries(st.sampled_from(["symbol", "limit", "market"]), HOSTILE, max_size=3),
                ),
            },
        ),
    }


VERB_NAMES = [
    "resolve",
    "markets",
    "market_info",
    "tickers",
    "orderbook",
    "trades",
    "candles",
    "balances",
    "open_orders",
    "order_status",
    "cancel_order",
    "order_history",
    "order",
    "reconcile",
    "request",
]


@pytest.mark.parametrize("verb", VERB_NAMES)
def test_hostile_arguments_give_typed_errors(
    verb: str, ac: xt.AsyncClient, loop: asyncio.AbstractEventLoop
) -> None:
    fn, spec = _verbs(ac)[verb]

    @SETTINGS
    @given(st.fixed_dictionaries(spec))
    def run(kwargs: dict[str, Any]) -> None:
        call_typed(loop, "arguments", lambda: fn(**kwargs))

    before = FUZZ_COUNTS["arguments"]
    run()
    assert_really_fuzzed("arguments", before)


# --- hostile answers -----------------------------------------------------------------------

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["NaN", "Infinity", "-1e999", "1e400", "", "0x1", "null"]),
)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


def _deep(depth: int, kind: str) -> str:
    return ("[" * depth + "]" * depth) if kind == "list" else ('{"a":' * depth + "1" + "}" * depth)


SPECIAL_BODIES = st.one_of(
    st.builds(_deep, st.sampled_from([50, 500, 5000, 200_000]), st.sampled_from(["list", "dict"])),
    st.sampled_from(
        [
            "",
            "null",
            "[]",
            "{}",
            '{"code": 0}',
            "[" * 10 + "1",
            '{"a": 1',
            "\ufeff{}",
            '[{"price": "1e999999"}]',
            "[" + ",".join(["{}"] * 20000) + "]",
            '"' + "x" * (3 * 1024**2) + '"',
        ]
    ),
)


def _mutate(payload: Any, path_choice: int, replacement: Any) -> Any:
    """The example payload with one field (or list element) somewhere replaced."""
    doc = copy.deepcopy(payload)
    slots: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack and len(slots) < 500:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                slots.append((node, k))
                stack.append(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                slots.append((node, i))
                stack.append(v)
    if not slots:
        return replacement
    holder, key = slots[path_choice % len(slots)]
    holder[key] = replacement
    return doc


READS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    # name: (venue path, method, verb, kwargs)
    "binance-markets": ("/api/v3/exchangeInfo", "GET", "markets", {"exchange": "binance"}),
    "binance-tickers": ("/api/v3/ticker/24hr", "GET", "tickers", {"markets": ["binance:BTC/USDT"]}),
    "binance-orderbook": ("/api/v3/depth", "GET", "orderbook", {"market": "binance:BTC/USDT"}),
    "binance-trades": ("/api/v3/trades", "GET", "trades", {"market": "binance:BTC/USDT", "limit": 5}),
    "binance-candles": ("/api/v3/klines", "GET", "candles", {"market": "binance:BTC/USDT", "limit": 3}),
    "binance-balances": ("/api/v3/account", "GET", "balances", {"exchange": "binance"}),
    "binance-open-orders": ("/api/v3/openOrders", "GET", "open_orders", {"exchange": "binance"}),
    "binance-order-status": (
        "/api/v3/order",
        "GET",
        "order_status",
        {"market": "binance:BTC/USDT", "client_order_id": "abc"},
    ),
    "upbit-markets": ("/v1/market/all", "GET", "markets", {"exchange": "upbit"}),
    "upbit-tickers": ("/v1/ticker", "GET", "tickers", {"markets": ["upbit:BTC/KRW"]}),
    "upbit-orderbook": ("/v1/orderbook", "GET", "orderbook", {"market": "upbit:BTC/KRW"}),
    "upbit-trades": ("/v1/trades/ticks", "GET", "trades", {"market": "upbit:BTC/KRW", "limit": 5}),
    "upbit-candles": (
        "/v1/candles/days",
        "GET",
        "candles",
        {"market": "upbit:BTC/KRW", "interval": "1d", "limit": 3},
    ),
    "upbit-balances": ("/v1/accounts", "GET", "balances", {"exchange": "upbit"}),
    "upbit-open-orders": ("/v1/orders/open", "GET", "open_orders", {"exchange": "upbit"}),
    "upbit-order-status": (
        "/v1/order",
        "GET",
        "order_status",
        {"market": "upbit:BTC/KRW", "client_order_id": "abc"},
    ),
}


@pytest.mark.parametrize("read", list(READS))
def test_hostile_answers_give_typed_errors(
    read: str, ac: xt.AsyncClient, server: ScriptedServer, loop: asyncio.AbstractEventLoop
) -> None:
    path, method, verb, kwargs = READS[read]
    good = DEFAULTS[(method, path)]
    body = st.one_of(
        JSON,
        SPECIAL_BODIES,
        st.builds(_mutate, st.just(good), st.integers(0, 10_000), JSON),
        st.builds(_mutate, st.just(good), st.integers(0, 10_000), JSON_LEAF),
    )
    status = st.sampled_from([200, 200, 200, 201, 204, 400, 418, 429, 500])

    @SETTINGS
    @given(body, status)
    def run(payload: Any, code: int) -> None:
        server.default(method, path, Reply(status=code, body=payload, headers={"Retry-After": "0.01"}))
        call_typed(loop, "answers", lambda: getattr(ac, verb)(**kwargs))

    before = FUZZ_COUNTS["answers"]
    run()
    server.default(method, path, Reply(body=copy.deepcopy(good)))
    assert_really_fuzzed("answers", before)
