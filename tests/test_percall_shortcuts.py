"""The per-call CPU shortcuts keep behaviour: nonces only where signed, parsed public URLs
reused (signed ones never kept), usage headers read case-insensitively by name, and the
order machinery loaded only on first use."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from scripted_server import Reply, ScriptedServer
from spec_examples import example

import xtoolkit as xt
from xtoolkit.exchanges.binance import BinanceAdapter
from xtoolkit.exchanges.upbit import UpbitAdapter

KEY_U = "upbit-access-" + "A" * 40
SECRET_U = "upbit-secret-" + "Z" * 40
KEY_B = "binance-key-" + "K" * 52
SECRET_B = "binance-secret-" + "S" * 49


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    srv.default("GET", "/api/v3/time", Reply(body={"serverTime": int(time.time() * 1000)}))
    srv.default("GET", "/api/v3/depth", Reply(body=example("binance", "depth")))
    srv.default("GET", "/api/v3/account", Reply(body=example("binance", "account")))
    srv.default("GET", "/api/v3/exchangeInfo", Reply(body=example("binance", "exchange_info_multi")))
    srv.default("GET", "/v1/ticker", Reply(body=example("upbit", "ticker")))
    srv.default("GET", "/v1/orderbook", Reply(body=example("upbit", "orderbook")))
    srv.default("GET", "/v1/accounts", Reply(body=example("upbit", "accounts")))
    yield srv
    srv.stop()


def _client(server: ScriptedServer) -> xt.AsyncClient:
    return xt.AsyncClient(
        base_urls={"binance": server.url, "upbit": server.url},
        credentials={"binance": (KEY_B, SECRET_B), "upbit": (KEY_U, SECRET_U)},
        use_env=False,
        env_file=None,
        timeout=xt.Timeout(connect=2, read=2),
    )


async def test_only_signed_requests_make_a_nonce(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xtoolkit._transport as transport

    made: list[str] = []

    def counting_uuid4() -> uuid.UUID:
        value = uuid.uuid4()
        made.append(str(value))
        return value

    monkeypatch.setattr(transport, "uuid", type("U", (), {"uuid4": staticmethod(counting_uuid4)}))
    async with _client(server) as ac:
        await ac.tickers("upbit:BTC/KRW")
        await ac.orderbook("binance:BTC/USDT", depth=5)
        assert made == []  # public: no nonce made
        await ac.balances("upbit")
        await ac.balances("binance")
    # Upbit's accounts and Binance's account each got one (Binance ignores it).
    assert len(made) == 2
    bearer = next(s for s in server.seen if s.path == "/v1/accounts").headers["Authorization"]
    import jwt

    claims = jwt.decode(bearer.removeprefix("Bearer "), SECRET_U, algorithms=["HS256"])
    assert claims["nonce"] == made[0]


async def test_public_urls_are_parsed_once_signed_ones_never_kept(server: ScriptedServer) -> None:
    async with _client(server) as ac:
        for _ in range(3):
            await ac.orderbook("binance:BTC/USDT", depth=5)
        await ac.balances("binance")
        cache = ac._transport._urls
        kept = [text for text in cache if "/api/v3/depth" in text]
        assert len(kept) == 1 and cache[kept[0]].query_string == "symbol=BTCUSDT&limit=5"
        assert not any("signature=" in text or "/account" in text for text in cache)
    depth_queries = [s.query for s in server.seen if s.path == "/api/v3/depth"]
    assert depth_queries == ["symbol=BTCUSDT&limit=5"] * 3


def _proxy(pairs: list[tuple[str, str]]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(pairs))


@pytest.mark.parametrize("name", ["X-MBX-USED-WEIGHT-1M", "x-mbx-used-weight-1m", "X-Mbx-Used-Weight-1m"])
def test_binance_usage_reads_its_headers_in_any_case(name: str) -> None:
    depth = BinanceAdapter.endpoints["depth"]
    usage = BinanceAdapter().usage(_proxy([("Content-Type", "application/json"), (name, "42")]), depth)
    assert [(u.group, u.used) for u in usage] == [("weight", 42)]
    both = BinanceAdapter().usage(_proxy([(name, "7"), ("x-mbx-order-count-10s", "3")]), depth)
    assert sorted((u.group, u.used) for u in both) == [("orders", 3), ("weight", 7)]
    assert BinanceAdapter().usage(_proxy([(name, "not a number")]), depth) == []


@pytest.mark.parametrize("name", ["X-SAPI-USED-IP-WEIGHT-1M", "x-sapi-used-uid-weight-1m"])
def test_binance_sapi_usage_counts_for_the_endpoint_that_answered(name: str) -> None:
    """A /sapi answer's usage header is that endpoint's own budget (spec §10.1), never /api's."""
    getall = BinanceAdapter.endpoints["capital_config"]
    usage = BinanceAdapter().usage(_proxy([(name, "30")]), getall)
    assert [(u.group, u.used) for u in usage] == [("sapi_capital_config", 30)]
    # The same header on an /api answer is not the venue's (it never sends one there): ignored.
    assert BinanceAdapter().usage(_proxy([(name, "30")]), BinanceAdapter.endpoints["depth"]) == []


@pytest.mark.parametrize("name", ["Remaining-Req", "remaining-req", "REMAINING-REQ"])
def test_upbit_usage_reads_remaining_req_in_any_case(name: str) -> None:
    book = UpbitAdapter.endpoints["orderbook"]
    usage = UpbitAdapter().usage(_proxy([(name, "group=orderbook; min=600; sec=7")]), book)
    assert [(u.group, u.remaining) for u in usage] == [("orderbook", 7)]
    assert UpbitAdapter().usage(_proxy([(name, "garbage")]), book) == []
    assert UpbitAdapter().usage(_proxy([("Content-Type", "application/json")]), book) == []


def test_import_leaves_the_order_machinery_and_difflib_unloaded() -> None:
    code = (
        "import sys, xtoolkit as xt\n"
        "heavy = [m for m in ('xtoolkit.orders.desk', 'xtoolkit.orders.plan', 'xtoolkit.orders.guards',"
        " 'xtoolkit.stream', 'difflib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "c = xt.AsyncClient(use_env=False, env_file=None)\n"
        "assert c.mode == 'dry_run' and 'xtoolkit.orders.desk' not in sys.modules\n"
        "from xtoolkit.orders.plan import OrderPlan\n"
        "from xtoolkit.orders.desk import OrderDesk\n"
        "assert xt.OrderPlan is OrderPlan and xt.orders.OrderDesk is OrderDesk\n"
        "assert isinstance(c._orders, OrderDesk) and c._orders is c._orders\n"
        "assert c._orders.mode == 'dry_run' and c.limits is c._orders.limits\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_bad_mode_and_limits_are_still_refused_at_construction() -> None:
    with pytest.raises(xt.InvalidArgument, match="mode"):
        xt.AsyncClient(use_env=False, env_file=None, mode="yolo")
    with pytest.raises(xt.InvalidArgument, match="Limits"):
        xt.AsyncClient(use_env=False, env_file=None, limits={"max": 1})
