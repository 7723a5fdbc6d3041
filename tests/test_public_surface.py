"""The public face: exactly these names, every one resolves, heavy parts load on first use,
and the research verbs are called like the data verbs (default client, or ``client=``)."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from collections.abc import Iterator

import pytest

import xtoolkit as xt

EXPECTED = {
    # clients and their defaults
    "AsyncClient",
    "Client",
    "Credentials",
    "Limits",
    "Timeout",
    "default_client",
    "set_default_client",
    "sandbox",
    # data verbs
    "candles",
    "markets",
    "orderbook",
    "tickers",
    "trades",
    # research verbs, and the frame maths a notebook reaches for
    "aggregated_book",
    "compare",
    "premium",
    "premium_history",
    "valued_balances",
    "premium_summary",
    "slippage",
    # things you hold on to
    "Catalog",
    "ExchangeManager",
    "LivePremium",
    "MarketStream",
    "OrderPlan",
    "Recorder",
    "Symbol",
    # the kill switch, frames, venues
    "kill",
    "killed",
    "resume",
    "SCHEMAS",
    "exchanges",
    # the exception families you catch (the whole tree is xt.errors)
    "XtoolkitError",
    "ExchangeError",
    "TransportError",
    "GuardError",
    "InvalidArgument",
    # submodules
    "charts",
    "errors",
    "research",
    "widgets",
    "executable_premium",
    "premium_curve",
    "premium_decomposition",
    "premium_scan",
    "routes",
    "stablecoin_premium",
}

RESEARCH_VERBS = (
    "aggregated_book",
    "compare",
    "executable_premium",
    "premium",
    "premium_curve",
    "premium_decomposition",
    "premium_history",
    "premium_scan",
    "routes",
    "stablecoin_premium",
    "valued_balances",
)


def test_all_is_exactly_the_public_surface() -> None:
    assert len(xt.__all__) == len(set(xt.__all__)) == len(EXPECTED)
    assert set(xt.__all__) == EXPECTED
    assert xt.__all__ == sorted(xt.__all__, key=lambda n: (not n.isupper(), n))


def test_every_name_resolves() -> None:
    for name in xt.__all__:
        assert getattr(xt, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from xtoolkit import *", namespace)  # a missing export raises here
    assert set(namespace) >= EXPECTED


def test_the_whole_error_tree_is_reachable() -> None:
    assert xt.errors.__all__  # the tree, by name
    for name in xt.errors.__all__:
        cls = getattr(xt.errors, name)
        assert issubclass(cls, xt.XtoolkitError), name
        assert getattr(xt, name) is cls, name  # xt.RateLimited, for code written that way
    with pytest.raises(AttributeError):
        xt.NoSuchError  # noqa: B018


def test_heavy_parts_load_on_first_use() -> None:
    probe = (
        "import sys, xtoolkit as xt; heavy = ('plotly', 'ipywidgets', 'duckdb', 'xtoolkit.research', "
        "'xtoolkit.stream', 'xtoolkit.catalog', 'xtoolkit.charts', 'xtoolkit.widgets'); "
        "print(','.join(m for m in heavy if m in sys.modules)); xt.premium; "
        "print('xtoolkit.research' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split("\n")[:2] == ["", "True"]


@pytest.mark.parametrize("name", RESEARCH_VERBS)
def test_research_verbs_take_client_as_a_keyword(name: str) -> None:
    blocking, awaitable = getattr(xt, name), getattr(xt.research, f"a{name}")
    assert blocking is getattr(xt.research, name)
    for fn in (blocking, awaitable):
        params = inspect.signature(fn).parameters
        assert "engine" not in params and list(params)[-1] == "client"
        assert params["client"].kind is inspect.Parameter.KEYWORD_ONLY and params["client"].default is None
    assert inspect.iscoroutinefunction(awaitable) and not inspect.iscoroutinefunction(blocking)
    assert blocking.__doc__ and "client" in blocking.__doc__ and "Returns" in blocking.__doc__


@pytest.fixture(scope="module")
def box() -> Iterator[object]:
    with xt.sandbox(seed=7) as box:
        yield box


@pytest.fixture
def client(box: object) -> Iterator[xt.Client]:
    with xt.Client(**box.connect_kwargs()) as c:  # type: ignore[attr-defined]
        yield c


def test_premium_with_client_keyword(client: xt.Client) -> None:
    df = xt.premium(["BTC", "ETH"], client=client)
    assert list(df.base) == ["BTC", "ETH"] and df.premium_pct.notna().all() and df.error.isna().all()


def test_premium_on_the_default_client(client: xt.Client) -> None:
    xt.set_default_client(client)
    try:
        df = xt.premium("BTC")
        assert list(df.base) == ["BTC"] and df.premium_pct.notna().all()
        book = xt.aggregated_book("BTC", depth=3)
        assert set(book.exchange) == {"binance", "upbit"}
    finally:
        xt.set_default_client(None)


def test_client_first_still_works_and_matches(client: xt.Client) -> None:
    old = xt.premium(client, ["BTC"], fx=1400.0)
    new = xt.premium(["BTC"], fx=1400.0, client=client)
    assert list(old.columns) == list(new.columns) and old.fx_rate.iloc[0] == new.fx_rate.iloc[0] == 1400.0


def test_client_given_twice_or_wrong_is_refused(client: xt.Client) -> None:
    with pytest.raises(xt.InvalidArgument, match="once"):
        xt.premium(client, ["BTC"], client=client)
    with pytest.raises(xt.InvalidArgument, match="Client or AsyncClient"):
        xt.premium(["BTC"], client="binance")  # type: ignore[arg-type]


def test_async_client_with_the_blocking_form_points_at_the_await_form(box: object) -> None:
    async def main() -> object:
        async with xt.AsyncClient(**box.connect_kwargs()) as ac:  # type: ignore[attr-defined]
            with pytest.raises(xt.InvalidArgument, match=r"await xtoolkit\.research\.apremium"):
                xt.premium("BTC", client=ac)
            return await xt.research.apremium("BTC", client=ac)

    df = asyncio.run(main())
    assert df.premium_pct.notna().all()  # type: ignore[attr-defined]
