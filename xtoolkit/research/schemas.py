"""The research frames' schema names, kept for code written against this module.

The one schema registry and the one frame builder live in :mod:`xtoolkit._frames`
(:data:`xtoolkit.SCHEMAS`); this module only names the research kinds' entries and the
builder under their historical names (``build`` is :func:`xtoolkit._frames.frame`).
"""

from __future__ import annotations

from xtoolkit._frames import RESEARCH_KINDS, SCHEMAS, TS, coerce, conform, schema
from xtoolkit._frames import frame as build

__all__ = ["RESEARCH_SCHEMAS", "TS", "build", "coerce", "conform", "schema"]

#: Kind -> column -> dtype of the research frames: the registry's own entries, not copies.
RESEARCH_SCHEMAS: dict[str, dict[str, str]] = {kind: SCHEMAS[kind] for kind in RESEARCH_KINDS}
