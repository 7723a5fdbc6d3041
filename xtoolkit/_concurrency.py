"""Run coroutines concurrently and surface one typed error, not an ExceptionGroup."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from xtoolkit._errors import XtoolkitError

__all__ = ["gather_typed"]

T = TypeVar("T")


def _first(group: BaseExceptionGroup[Any]) -> BaseException:
    leaves: list[BaseException] = []
    stack: list[BaseException] = [group]
    while stack:
        exc = stack.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            stack[:0] = list(exc.exceptions)
        else:
            leaves.append(exc)
    # Users catch our typed errors; prefer one of those over anything else that also failed.
    return next((e for e in leaves if isinstance(e, XtoolkitError)), leaves[0])


async def gather_typed(coros: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Await all; on failure cancel the rest and raise the first typed error.

    Unlike ``asyncio.gather`` nothing keeps running after a failure, and unlike a bare
    ``TaskGroup`` callers get ``RateLimited``/``BadSymbol``/..., never an ``ExceptionGroup``.
    """
    coros = list(coros)
    if len(coros) == 1:
        return [await coros[0]]
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(c) for c in coros]
    except BaseExceptionGroup as group:
        raise _first(group) from None
    return [t.result() for t in tasks]
