"""Where each venue's streams live, derived from the client's REST hosts.

* the real REST host -> the real stream host (Binance ``wss://stream.binance.com:9443``,
  Upbit ``wss://api.upbit.com``);
* Binance's spot testnet REST host -> ``wss://stream.testnet.binance.vision``;
* any other host (the sandbox, a proxy) -> the same host with ``http``/``https`` turned into
  ``ws``/``wss`` — the sandbox serves streams on its REST port.

``stream_urls={"binance": "ws://...", ...}`` overrides any of them. URLs are roots: the
Binance path (``/stream``) and Upbit's (``/websocket/v1``) are added by the protocols.
"""

from __future__ import annotations

from collections.abc import Mapping

from yarl import URL

from xtoolkit._client import AsyncClient
from xtoolkit._errors import InvalidArgument
from xtoolkit.stream import binance, upbit

__all__ = ["STREAM_HOSTS", "stream_url"]

#: Real stream roots per exchange.
STREAM_HOSTS: dict[str, str] = {"binance": binance.DEFAULT_URL, "upbit": upbit.DEFAULT_URL}
_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def _as_ws(url: str, *, keep_path: bool = False) -> str:
    parsed = URL(url)
    scheme = _SCHEMES.get(parsed.scheme)
    if scheme is None or not parsed.host:
        raise InvalidArgument(f"cannot derive a websocket URL from {url!r}")
    parsed = parsed.with_scheme(scheme).with_query(None)
    return str(parsed if keep_path else parsed.with_path("")).rstrip("/")


def stream_url(engine: AsyncClient, exchange: str, overrides: Mapping[str, str] | None = None) -> str:
    """The stream root of ``exchange`` for this client (see the module docs)."""
    name = exchange.lower()
    if name not in STREAM_HOSTS:
        raise InvalidArgument(f"no streams for {exchange!r}; supported: {', '.join(STREAM_HOSTS)}")
    if overrides and overrides.get(name):
        text = overrides[name].rstrip("/")
        for suffix in ("/stream", "/ws"):
            if name == "binance" and text.endswith(suffix):
                text = text[: -len(suffix)]
        return _as_ws(text, keep_path=name == "upbit")
    venue = engine.venue(name)
    base = venue.base_url.rstrip("/")
    adapter = venue.adapter
    if base == adapter.default_base_url.rstrip("/"):
        return STREAM_HOSTS[name]
    if name == "binance" and adapter.testnet_base_url and base == adapter.testnet_base_url.rstrip("/"):
        return binance.TESTNET_URL
    return _as_ws(base)
