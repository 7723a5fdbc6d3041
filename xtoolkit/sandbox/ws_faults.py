"""Websocket fault injection: dropped connections, stalls, malformed frames, skipped diffs.

Reached as ``box.faults.ws_drop(...)`` and friends (thin wrappers on
:class:`~xtoolkit.sandbox.faults.FaultPlan`). Thread-safe: tests call these from their own
thread while the stream hub consumes them on the server loop. A drop acts at once (the hub
registers a hook); the others are consumed frame by frame as the hub sends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["StreamFaults"]

_EXCHANGES = ("binance", "upbit")


def _venue(exchange: str) -> str:
    name = exchange.lower()
    if name not in _EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; expected one of {_EXCHANGES}")
    return name


def _count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive int")
    return count


@dataclass(slots=True)
class _Skip:
    symbol: str | None
    left: int


class StreamFaults:
    """Pending websocket faults per exchange."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._malformed: dict[str, int] = {}
        self._skips: dict[str, list[_Skip]] = {}
        self._stall_until: dict[str, float] = {}
        self._refuse: dict[str, int] = {}
        self._drop_hooks: list[Callable[[str], None]] = []

    def add_drop_hook(self, hook: Callable[[str], None]) -> None:
        """Call ``hook(exchange)`` whenever :meth:`drop` is requested (the hub closes sockets)."""
        with self._lock:
            self._drop_hooks.append(hook)

    def remove_drop_hook(self, hook: Callable[[str], None]) -> None:
        """Forget a hook added with :meth:`add_drop_hook`."""
        with self._lock:
            if hook in self._drop_hooks:
                self._drop_hooks.remove(hook)

    # -- what tests ask for ------------------------------------------------------------------
    def drop(self, exchange: str, *, refuse: int = 0) -> None:
        """Cut every open stream connection of ``exchange`` without a close frame, then refuse
        the next ``refuse`` connection attempts (HTTP 503 on the handshake)."""
        name = _venue(exchange)
        if isinstance(refuse, bool) or not isinstance(refuse, int) or refuse < 0:
            raise ValueError("refuse must be an int >= 0")
        with self._lock:
            self._refuse[name] = self._refuse.get(name, 0) + refuse
            hooks = list(self._drop_hooks)
        for hook in hooks:
            hook(name)

    def stall(self, exchange: str, seconds: float) -> None:
        """Go silent on ``exchange``'s connections for ``seconds``: no data, no pings, no pongs
        (what is due meanwhile is lost, as on a frozen link). New connection attempts get no
        answer either: their handshake is held until the stall ends and completes then — a
        client whose handshake timeout is shorter sees a timeout, never a connection that
        accepts and then drops its frames."""
        name = _venue(exchange)
        if not seconds >= 0:
            raise ValueError("seconds must be >= 0")
        with self._lock:
            self._stall_until[name] = time.monotonic() + float(seconds)

    def malformed(self, exchange: str, count: int = 1) -> None:
        """Replace the next ``count`` data frames sent on ``exchange`` by invalid JSON."""
        name = _venue(exchange)
        with self._lock:
            self._malformed[name] = self._malformed.get(name, 0) + _count(count)

    def skip_depth(self, exchange: str = "binance", count: int = 1, *, symbol: str | None = None) -> None:
        """Never send the next ``count`` book events of ``exchange`` (Binance diff-depth updates,
        Upbit orderbook messages), optionally only of native ``symbol``. A Binance client must
        notice the ``U``/``u`` gap and resync."""
        name = _venue(exchange)
        with self._lock:
            self._skips.setdefault(name, []).append(_Skip(symbol.upper() if symbol else None, _count(count)))

    def clear(self) -> None:
        """Forget every pending websocket fault and end any stall."""
        with self._lock:
            self._malformed.clear()
            self._skips.clear()
            self._stall_until.clear()
            self._refuse.clear()

    def pending(self, exchange: str | None = None) -> int:
        """Frames still to garble, book events still to withhold and handshakes still to
        refuse (for one exchange or both)."""
        names = [_venue(exchange)] if exchange else list(_EXCHANGES)
        with self._lock:
            return sum(
                self._malformed.get(n, 0)
                + self._refuse.get(n, 0)
                + sum(s.left for s in self._skips.get(n, []))
                for n in names
            )

    # -- what the hub consumes ---------------------------------------------------------------
    def take_malformed(self, exchange: str) -> bool:
        """Whether the next data frame of ``exchange`` must be garbled (consumes one)."""
        with self._lock:
            left = self._malformed.get(exchange, 0)
            if left <= 0:
                return False
            self._malformed[exchange] = left - 1
            return True

    def take_skip(self, exchange: str, symbol: str) -> bool:
        """Whether this book event of ``symbol`` must be withheld (consumes one)."""
        with self._lock:
            for skip in self._skips.get(exchange, []):
                if skip.symbol in (None, symbol):
                    skip.left -= 1
                    if skip.left <= 0:
                        self._skips[exchange].remove(skip)
                    return True
        return False

    def stalled(self, exchange: str) -> float:
        """Seconds the stall of ``exchange`` still lasts (0 when not stalled)."""
        with self._lock:
            return max(0.0, self._stall_until.get(exchange, 0.0) - time.monotonic())

    def take_refuse(self, exchange: str) -> bool:
        """Whether this connection attempt must be refused (consumes one)."""
        with self._lock:
            left = self._refuse.get(exchange, 0)
            if left <= 0:
                return False
            self._refuse[exchange] = left - 1
            return True
