"""Every Binance endpoint's parameter table, and the checks the venue makes before any
business logic: mandatory parameters (``-1102``), legal ranges (``-1100``) and parameters it
did not read (``-1104``).

The tables follow ``rest-api.md`` (spec §3, §10): a parameter not in an endpoint's table is
"sent but not read" and the whole request is refused with
``-1104 Not all sent parameters were read; read 'N' parameter(s) but was sent 'M'.`` — the
counts are distinct parameter names (a name sent in both query and body counts once).
Signed endpoints also read ``timestamp``, ``recvWindow`` and ``signature``; public ones do
not, so sending them there is refused too.

Checks run in table order, so the first missing mandatory parameter is the one named.
Handlers keep the conditional rules (per order type, one-of pairs) and semantic errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from xtoolkit.sandbox.binance_params import LEGAL_RANGES, Params
from xtoolkit.sandbox.errors import binance_error

__all__ = [
    "SIGNED_EXTRAS",
    "ParamSpec",
    "ParamTable",
    "check_params",
    "table",
]

#: Kinds whose value is checked against a legal range (others are checked by the handler).
_RANGED = frozenset({"DECIMAL", "LONG", "INT", "SYMBOL", "SYMBOLS", "CLIENT_ID"})


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One documented parameter: ``name``, ``kind`` (``STRING``, ``SYMBOL``, ``SYMBOLS``,
    ``DECIMAL``, ``LONG``, ``INT``, ``BOOLEAN``, ``ENUM``, ``CLIENT_ID``; ``SIGNED`` for the
    timestamp/recvWindow/signature trio, checked by authentication) and whether it is
    mandatory on every request of the endpoint."""

    name: str
    kind: str = "STRING"
    required: bool = False


@dataclass(frozen=True, slots=True)
class ParamTable:
    """An endpoint's parameters in documentation order, with a name index."""

    params: tuple[ParamSpec, ...]
    names: frozenset[str]


#: What every signed endpoint reads besides its own parameters (spec §4).
SIGNED_EXTRAS: tuple[ParamSpec, ...] = (
    ParamSpec("recvWindow", "SIGNED"),
    ParamSpec("timestamp", "SIGNED"),
    ParamSpec("signature", "SIGNED"),
)


def table(*params: ParamSpec, signed: bool = False) -> ParamTable:
    """A :class:`ParamTable` (signed endpoints get :data:`SIGNED_EXTRAS` appended)."""
    full = params + (SIGNED_EXTRAS if signed else ())
    return ParamTable(full, frozenset(p.name for p in full))


def check_params(spec: ParamTable, params: Params) -> None:
    """Refuse what the venue refuses before reading anything: a missing mandatory parameter
    (-1102), a value outside its legal range (-1100), a parameter it does not read (-1104)."""
    values = params.values
    for p in spec.params:
        raw = values.get(p.name)
        if raw in (None, ""):
            if p.required:
                raise binance_error("MANDATORY_PARAM", param=p.name)
            continue
        if p.kind in _RANGED:
            LEGAL_RANGES[p.kind].check(p.name, raw)
    if not spec.names.issuperset(values):
        read = sum(1 for name in values if name in spec.names)
        raise binance_error("UNREAD_PARAMETERS", read=read, sent=len(values))
