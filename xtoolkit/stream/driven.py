"""The lifecycle of a live view fed by one :class:`~xtoolkit.stream.MarketStream`.

:class:`~xtoolkit.stream.LivePremium` and the widgets' live executable premium both start a
stream on a client's loop, compute from its records, and on stop let their own workers finish.
This base holds that lifecycle once — blocking (``start``/``stop`` on a
:class:`~xtoolkit.Client`) and awaitable (``astart``/``astop`` on either client) — and leaves
the view its three decisions: what to read before streaming (:meth:`StreamDriven._prepare`),
which stream to open (:meth:`StreamDriven._make_stream`), what to close after it
(:meth:`StreamDriven._close`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Self

import pandas as pd

from xtoolkit._engine import Bridge, Engine, on_engine
from xtoolkit._errors import InvalidArgument
from xtoolkit.stream.session import MarketStream

__all__ = ["StreamDriven"]


class StreamDriven:
    """Start/stop of a view computed from one market stream (see the module docstring)."""

    stream: MarketStream | None

    async def _prepare(self, client: Bridge | Engine) -> None:
        """Read what the view needs before streaming (on the engine's loop). Nothing by default."""

    def _make_stream(self, client: Bridge | Engine, options: dict[str, Any]) -> MarketStream:
        raise NotImplementedError

    def _close(self) -> None:
        """Finish the view's own work after the stream stopped (blocking; runs on a thread
        from :meth:`astop`)."""

    def frame(self) -> pd.DataFrame:
        raise NotImplementedError

    def start(self, client: Bridge, **stream_options: Any) -> Self:
        """Stream on ``client``'s loop thread (a :class:`~xtoolkit.Client`) and update live."""
        if not isinstance(client, Bridge):
            raise InvalidArgument(
                f"start() needs a blocking xtoolkit.Client; with an AsyncClient use "
                f"`await {type(self).__name__.lower()}.astart(client)`"
            )
        client.run(self._prepare(client))
        self.stream = self._make_stream(client, stream_options)
        self.stream.start()
        return self

    def stop(self) -> pd.DataFrame:
        """Stop streaming, finish what is pending, and return :meth:`frame`."""
        try:
            if self.stream is not None:
                self.stream.stop()
        finally:
            self._close()
        return self.frame()

    async def astart(self, client: Bridge | Engine, **stream_options: Any) -> Self:
        """Awaitable :meth:`start` (either kind of client)."""
        await on_engine(client, self._prepare(client))
        self.stream = self._make_stream(client, stream_options)
        await self.stream.astart()
        return self

    async def astop(self) -> pd.DataFrame:
        """Awaitable :meth:`stop`."""
        try:
            if self.stream is not None:
                await self.stream.astop()
        finally:
            await asyncio.to_thread(self._close)
        return self.frame()
