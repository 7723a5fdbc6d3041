"""Run one async implementation for both clients.

Every research verb is written once, as a coroutine on :class:`~xtoolkit.AsyncClient`.
``a<verb>(client, ...)`` awaits it (an ``AsyncClient`` directly; a ``Client`` on its private loop
thread); ``<verb>(client, ...)`` blocks on a ``Client`` — the form notebooks use.
"""

from __future__ import annotations

import concurrent.futures
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from xtoolkit._client import AsyncClient, Client
from xtoolkit._errors import ClientClosed, InvalidArgument

__all__ = ["AnyClient", "engine_of", "run_async", "run_blocking", "submit", "twin_doc"]

T = TypeVar("T")
AnyClient = Client | AsyncClient
Impl = Callable[..., Coroutine[Any, Any, T]]


def engine_of(client: AnyClient) -> AsyncClient:
    """The :class:`AsyncClient` doing the work behind ``client``."""
    if isinstance(client, Client):
        return client.engine
    if isinstance(client, AsyncClient):
        return client
    raise InvalidArgument(f"expected an xtoolkit Client or AsyncClient, not {type(client).__name__}")


async def run_async(client: AnyClient, impl: Impl[T], *args: Any, **kwargs: Any) -> T:
    """Await ``impl(engine, ...)`` — on the ``Client``'s own loop thread when given a ``Client``."""
    engine = engine_of(client)
    if isinstance(client, Client):
        return await client.arun(impl(engine, *args, **kwargs))
    return await impl(engine, *args, **kwargs)


def run_blocking(client: AnyClient, impl: Impl[T], *args: Any, **kwargs: Any) -> T:
    """Block on ``impl(engine, ...)``; an ``AsyncClient`` must use the ``a...`` twin instead."""
    if isinstance(client, AsyncClient):
        name = impl.__name__.lstrip("_")
        raise InvalidArgument(
            f"this call blocks; with an AsyncClient write `await xtoolkit.research.a{name}(...)`"
        )
    engine = engine_of(client)
    # Client._run is the facade's own bridge: the loop thread, interrupts, closed-client check.
    return client._run(impl(engine, *args, **kwargs))


def submit(client: Client, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    """Start ``coro`` on ``client``'s loop thread without waiting (the recorder's background run)."""
    if client.closed:
        coro.close()
        raise ClientClosed("this client is closed; create a new one")
    return client._thread.submit(coro)


def twin_doc(async_fn: Callable[..., Any], blocking_fn: Callable[..., Any]) -> None:
    """Give the awaitable twin the blocking verb's docstring (Shift-Tab shows the same help)."""
    async_fn.__doc__ = (
        f"Awaitable :func:`{blocking_fn.__name__}` (takes a Client or an AsyncClient).\n\n"
        + inspect.cleandoc(blocking_fn.__doc__ or "")
    )
