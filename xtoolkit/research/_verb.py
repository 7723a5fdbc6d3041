"""Each research verb is written once: a coroutine on an engine; both call forms come from it.

``premium = blocking_verb(_premium)`` and ``apremium = async_verb(_premium)`` turn
``async def _premium(engine, bases, *, fx=..., ...)`` into

* ``premium(bases, *, fx=..., client=None)`` — blocks; with no ``client`` it runs on the shared
  default client (:func:`xtoolkit.set_default_client`), like the data verbs;
* ``await apremium(bases, *, fx=..., client=None)`` — for a running event loop, with a
  :class:`~xtoolkit.Client` or an :class:`~xtoolkit.AsyncClient`.

Only the one sync/async bridge is used: ``Client.run`` for the blocking form, and
:func:`xtoolkit._engine.on_engine` (``Client.arun``) with :func:`xtoolkit._engine.engine_of` for
the awaitable one. For code written before ``client=``, a client passed as the first
positional argument (``premium(client, ["BTC"])``) still works.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

from xtoolkit import _engine
from xtoolkit._client import AsyncClient, Client
from xtoolkit._default import default_client
from xtoolkit._errors import InvalidArgument

__all__ = ["AnyClient", "async_verb", "blocking_verb", "engine_of"]

T = TypeVar("T")
AnyClient = Client | AsyncClient
Impl = Callable[..., Coroutine[Any, Any, T]]


def engine_of(client: AnyClient) -> AsyncClient:
    """The :class:`AsyncClient` doing the work behind ``client`` (``InvalidArgument`` otherwise)."""
    return cast(AsyncClient, _engine.engine_of(client))


def _split(args: tuple[Any, ...], client: AnyClient | None) -> tuple[AnyClient | None, tuple[Any, ...]]:
    """The client to use and the verb's own positional arguments."""
    if args and isinstance(args[0], Client | AsyncClient):
        if client is not None:
            raise InvalidArgument("give the client once: as the first argument or as client=, not both")
        return args[0], args[1:]
    if client is not None:
        engine_of(client)  # a typed error for anything that is not a client
    return client, args


def _signature(impl: Callable[..., Any]) -> inspect.Signature:
    """``impl``'s signature without its engine, plus the keyword-only ``client=None``."""
    params = list(inspect.signature(impl).parameters.values())[1:]
    client = inspect.Parameter(
        "client", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="Client | AsyncClient | None"
    )
    return inspect.signature(impl).replace(parameters=[*params, client])


def _named(fn: Callable[..., Any], impl: Callable[..., Any], name: str, doc: str) -> None:
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = impl.__module__
    fn.__doc__ = doc
    fn.__signature__ = _signature(impl)  # type: ignore[attr-defined]
    fn.__wrapped__ = impl  # type: ignore[attr-defined]


def blocking_verb(impl: Impl[T]) -> Callable[..., T]:
    """The blocking verb of ``impl`` (named ``impl``'s name without its leading underscore)."""
    name = impl.__name__.lstrip("_")

    def verb(*args: Any, client: AnyClient | None = None, **kwargs: Any) -> T:
        target, rest = _split(args, client)
        if target is None:
            target = default_client()
        if isinstance(target, AsyncClient):
            raise InvalidArgument(
                f"this call blocks; with an AsyncClient write `await xtoolkit.research.a{name}(...)`"
            )
        return target.run(impl(target.engine, *rest, **kwargs))

    _named(verb, impl, name, inspect.cleandoc(impl.__doc__ or ""))
    return verb


def async_verb(impl: Impl[T]) -> Callable[..., Coroutine[Any, Any, T]]:
    """The awaitable twin of :func:`blocking_verb` (named ``a<name>``), for a running event loop."""
    name = impl.__name__.lstrip("_")

    async def verb(*args: Any, client: AnyClient | None = None, **kwargs: Any) -> T:
        target, rest = _split(args, client)
        if target is None:
            target = default_client()
        # A Client's engine lives on its loop thread: awaited there (the one bridge), from here.
        return await _engine.on_engine(target, impl(engine_of(target), *rest, **kwargs))

    doc = f"Awaitable :func:`{name}` (``client=`` a Client or an AsyncClient).\n\n" + inspect.cleandoc(
        impl.__doc__ or ""
    )
    _named(verb, impl, f"a{name}", doc)
    return verb
