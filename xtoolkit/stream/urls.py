"""Where each venue's streams live, derived from the client's REST hosts.

* the real REST host -> the venue's real stream host (its ``StreamFacts.default_url``: Binance
  ``wss://stream.binance.com:9443``, Upbit ``wss://api.upbit.com``);
* the venue's testnet REST host -> its testnet stream host (Binance
  ``wss://stream.testnet.binance.vision``);
* any other host (the sandbox, a proxy) -> the same host with ``http``/``https`` turned into
  ``ws``/``wss`` — the sandbox serves streams on its REST port.

``stream_urls={"binance": "ws://...", ...}`` overrides any of them. URLs are roots: each
venue's protocol adds its own path (Binance ``/stream``, Upbit ``/websocket/v1``); the rules
per venue live in ``exchanges/<venue>/ws.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from yarl import URL

from xtoolkit._engine import Engine
from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges import REGISTRY
from xtoolkit.exchanges._venue import StreamFacts

__all__ = ["STREAM_HOSTS", "stream_facts", "stream_url"]

_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


class _StreamHosts(Mapping[str, str]):
    """Real stream roots per exchange, read live from the registry (venues added later count)."""

    def __getitem__(self, name: str) -> str:
        facts = REGISTRY[name].stream_facts()
        if facts is None:
            raise KeyError(name)
        return facts.default_url

    def __iter__(self) -> Iterator[str]:
        return iter([n for n, s in REGISTRY.items() if s.stream is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))


#: Real stream roots per exchange.
STREAM_HOSTS: Mapping[str, str] = _StreamHosts()


def stream_facts(exchange: str) -> StreamFacts:
    """The stream facts of ``exchange``, or ``InvalidArgument`` for a venue without streams."""
    spec = REGISTRY.get(exchange.lower()) if isinstance(exchange, str) else None
    facts = spec.stream_facts() if spec is not None else None
    if facts is None:
        raise InvalidArgument(f"no streams for {exchange!r}; supported: {', '.join(STREAM_HOSTS)}")
    return facts


def _as_ws(url: str, *, keep_path: bool = False) -> str:
    parsed = URL(url)
    scheme = _SCHEMES.get(parsed.scheme)
    if scheme is None or not parsed.host:
        raise InvalidArgument(f"cannot derive a websocket URL from {url!r}")
    parsed = parsed.with_scheme(scheme).with_query(None)
    return str(parsed if keep_path else parsed.with_path("")).rstrip("/")


def stream_url(engine: Engine, exchange: str, overrides: Mapping[str, str] | None = None) -> str:
    """The stream root of ``exchange`` for this client (see the module docs)."""
    name = exchange.lower()
    facts = stream_facts(name)
    if overrides and overrides.get(name):
        text = overrides[name].rstrip("/")
        for suffix in facts.override_suffixes:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
        return _as_ws(text, keep_path=facts.keep_override_path)
    venue = engine.venue(name)
    base = venue.base_url.rstrip("/")
    adapter = venue.adapter
    if base == adapter.default_base_url.rstrip("/"):
        return facts.default_url
    if facts.testnet_url and adapter.testnet_base_url and base == adapter.testnet_base_url.rstrip("/"):
        return facts.testnet_url
    return _as_ws(base)
