"""Typed DataFrames for the order helpers' own tables (journal, reconcile verdicts).

A thin name over the one frame builder, :func:`xtoolkit._frames.frame`, which takes a kind
or, as here, a column -> dtype mapping; it goes once the journal and reconcile tables are
registered kinds built with ``frame(kind, cols)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from xtoolkit._frames import frame

__all__ = ["typed_frame"]


def typed_frame(cols: Mapping[str, list[Any]], schema: Mapping[str, str]) -> pd.DataFrame:
    """Build a frame with exactly ``schema``'s columns and dtypes from equal-length ``cols``."""
    return frame(schema, cols)
