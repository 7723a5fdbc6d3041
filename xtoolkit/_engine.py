"""What ``orders/`` and ``stream/`` need from an engine, as protocols (no import of the client).

The dependency runs one way: ``_client`` builds the order desk and streams hand themselves a
client, but neither ``orders/`` nor ``stream/`` imports ``_client`` — they depend on these
shapes, which :class:`~xtoolkit.AsyncClient` and :class:`~xtoolkit.Client` satisfy.

* :class:`Engine` — the awaitable verbs orders and streams call (``AsyncClient``);
* :class:`VenueView` / :class:`Answer` — a configured venue and one decoded answer, as read;
* :class:`Bridge` — the one sync/async bridge (``Client.run``/``arun``/``submit``, backed by
  :class:`xtoolkit._loop.LoopThread`), and :func:`engine_of` / :func:`on_engine` to use it.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from xtoolkit._errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd

    from xtoolkit._credentials import Credentials
    from xtoolkit._models import MarketInfo, MarketRef
    from xtoolkit.exchanges._spec import Call

__all__ = ["Answer", "Bridge", "Engine", "VenueView", "engine_of", "on_engine"]

T = TypeVar("T")


class VenueView(Protocol):
    """A configured venue as orders and streams read it (``_transport.Venue``)."""

    @property
    def name(self) -> str: ...

    @property
    def adapter(self) -> Any: ...

    @property
    def base_url(self) -> str: ...

    @property
    def credentials(self) -> Credentials | None: ...

    @property
    def sandbox(self) -> bool: ...


class Answer(Protocol):
    """One decoded answer of a venue (``_transport.Response``)."""

    @property
    def payload(self) -> Any: ...

    @property
    def status(self) -> int: ...


@runtime_checkable
class Engine(Protocol):
    """The engine's verbs that orders and streams use (all on the engine's own loop)."""

    @property
    def exchanges(self) -> list[str]: ...

    @property
    def closed(self) -> bool: ...

    def venue(self, exchange: str) -> VenueView: ...

    def has_credentials(self, exchange: str) -> bool: ...

    async def send(self, exchange: str, call: Call) -> Answer: ...

    async def resolve(self, market: str | MarketRef) -> MarketRef: ...

    async def market_info(self, market: str | MarketRef, *, refresh: bool = False) -> MarketInfo: ...

    async def tickers(self, markets: str | MarketRef | Sequence[str | MarketRef]) -> pd.DataFrame: ...

    async def orderbook(self, market: str | MarketRef, *, depth: int | None = None) -> pd.DataFrame: ...

    async def open_orders(
        self, market: str | MarketRef | None = None, *, exchange: str | None = None
    ) -> pd.DataFrame: ...

    async def order_status(
        self, market: str | MarketRef, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> pd.DataFrame: ...


@runtime_checkable
class Bridge(Protocol):
    """A blocking facade over an engine that runs on a private loop thread (``Client``).

    The one sync/async bridge of the toolkit: every wing that blocks, awaits from another loop
    or starts background work on the engine's loop goes through these three methods.
    """

    @property
    def engine(self) -> Engine: ...

    @property
    def closed(self) -> bool: ...

    def run(self, coro: Coroutine[Any, Any, T]) -> T: ...

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T: ...

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]: ...


def engine_of(client: Any) -> Engine:
    """The engine behind ``client`` (a ``Client``'s, or an ``AsyncClient`` itself)."""
    if isinstance(client, Bridge):
        return client.engine
    if isinstance(client, Engine):
        return client
    raise InvalidArgument(f"expected an xtoolkit Client or AsyncClient, not {type(client).__name__}")


async def on_engine(client: Any, coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` on the engine's loop: through the bridge for a ``Client``, directly for
    an ``AsyncClient`` (whose loop is the caller's)."""
    if isinstance(client, Bridge):
        return await client.arun(coro)
    return await coro
