"""ToyEx websocket: one ``{"op": "sub", ...}`` message, trades as JSON objects (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges._stream import Control, Event, StreamMessageError, Trade
from xtoolkit.exchanges._venue import StreamFacts

EXCHANGE = "toyex"
PATH = "/ws"


class ToyProtocol:
    """A ToyEx connection streaming the ``trades`` channel of some markets."""

    exchange = EXCHANGE

    def __init__(self, root: str, natives: Sequence[str], channels: Sequence[str]) -> None:
        unsupported = [c for c in channels if c != "trades"]
        if unsupported:
            raise InvalidArgument(f"toyex streams only trades, not {unsupported}")
        self.root = root.rstrip("/")
        self.natives = list(natives)

    def url(self) -> str:
        return self.root + PATH

    def subscribe_messages(self) -> list[str]:
        return [json.dumps({"op": "sub", "channel": "trades", "codes": self.natives})]

    def keepalive(self) -> str | None:
        return None

    def decode(self, data: str | bytes, received: float) -> list[Event]:
        try:
            msg = json.loads(data)
            return [
                Trade(
                    native=msg["code"],
                    price=float(msg["price"]),
                    qty=float(msg["qty"]),
                    side=msg["side"],
                    seq=int(msg["id"]),
                    event_ts=msg["ts"] / 1000,
                    received=received,
                )
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise StreamMessageError(f"toyex sent an unexpected frame ({exc})", exchange=EXCHANGE) from None

    def is_subscribed(self, ack: Control) -> bool:
        return False


STREAM = StreamFacts(protocol=ToyProtocol, default_url="wss://stream.toyex.invalid")
