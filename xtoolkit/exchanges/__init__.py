"""The exchange registry: name -> venue package.

Each venue is one package beside this module, holding everything that venue is::

    exchanges/
      _spec.py       the adapter contract: Endpoint, Call, Request, RateLimit, Usage, Adapter
      _venue.py      VenueSpec: the capabilities orders/ and stream/ read (OrderFacts, StreamFacts)
      _stream.py     the stream vocabulary: events, StreamProtocol, StreamMessageError
      _common.py     venue-neutral helpers (parameter text, Retry-After, intervals)
      _orders.py     OrderSpec, the unified order an adapter translates
      binance/       rest.py signing.py ws.py facts.py; VENUE in __init__
      upbit/         the same shape

Everything here is pure translation (no awaits); only ``_transport`` and the stream
connection touch the network. Adding an exchange is one package exposing a ``VENUE`` (a
:class:`VenueSpec`) plus one :func:`register_venue` line below (or, for a plugin or a test, one
call at run time).
"""

from __future__ import annotations

from typing import Any

from xtoolkit import _credentials
from xtoolkit._errors import InvalidArgument
from xtoolkit.exchanges import binance, upbit
from xtoolkit.exchanges._venue import VenueSpec

__all__ = [
    "REGISTRY",
    "VenueSpec",
    "create_adapter",
    "exchanges",
    "register_venue",
    "unregister_venue",
    "venue_spec",
]

#: name -> :class:`VenueSpec` of every registered venue.
REGISTRY: dict[str, VenueSpec] = {}


def register_venue(spec: VenueSpec, *, replace: bool = False) -> VenueSpec:
    """Add a venue to the registry (its name must be new unless ``replace``); returns ``spec``."""
    if not isinstance(spec, VenueSpec):
        raise InvalidArgument(f"register a VenueSpec, not {type(spec).__name__}")
    name = spec.name.lower()
    if name != spec.name or not name.isidentifier():
        raise InvalidArgument(f"a venue name is a lower-case identifier like 'binance', not {spec.name!r}")
    if name in REGISTRY and not replace:
        raise InvalidArgument(f"a venue named {name!r} is already registered")
    REGISTRY[name] = spec
    _credentials.ENV_NAMES[name] = spec.credentials_env
    pair = spec.key_pair_env or (None, None)
    _credentials.VENUE_KEYS[name] = _credentials.KeyRules(*spec.credentials_env, *pair, spec.key_types)
    return spec


def unregister_venue(name: str) -> None:
    """Remove a venue added by :func:`register_venue` (clients already built keep theirs)."""
    REGISTRY.pop(name, None)
    _credentials.ENV_NAMES.pop(name, None)
    _credentials.VENUE_KEYS.pop(name, None)


def exchanges() -> list[str]:
    """Names of the supported exchanges."""
    return sorted(REGISTRY)


def venue_spec(name: str) -> VenueSpec:
    """The :class:`VenueSpec` of ``name``; unknown names are an :class:`InvalidArgument`."""
    try:
        return REGISTRY[name.lower()]
    except (KeyError, AttributeError):
        raise InvalidArgument(f"unknown exchange {name!r}; supported: {', '.join(exchanges())}") from None


def create_adapter(name: str, **options: Any) -> Any:
    """Build the adapter for ``name`` with the options it takes (others are ignored)."""
    spec = venue_spec(name)
    return spec.adapter(**{k: v for k, v in options.items() if k in spec.options})


register_venue(binance.VENUE)
register_venue(upbit.VENUE)
