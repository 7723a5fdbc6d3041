"""Typed DataFrames for the order helpers' own tables (journal, reconcile verdicts).

Same conventions as :mod:`xtoolkit._frames`: a fixed schema even when empty, float64 numbers,
``str`` text and tz-aware UTC timestamps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["typed_frame"]


def typed_frame(cols: Mapping[str, list[Any]], schema: Mapping[str, str]) -> pd.DataFrame:
    """Build a frame with exactly ``schema``'s columns and dtypes from equal-length ``cols``."""
    n = len(next(iter(cols.values()), []))
    data: dict[str, Any] = {}
    for name, dtype in schema.items():
        values = cols.get(name) or [None] * n
        if dtype == "float64":
            data[name] = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        elif dtype == "int64":
            data[name] = np.array([int(v) for v in values], dtype=np.int64)
        elif dtype == "bool":
            data[name] = np.array([bool(v) for v in values], dtype=bool)
        elif dtype.startswith("datetime64"):
            data[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype(dtype)
        else:
            data[name] = pd.array([None if v is None else str(v) for v in values], dtype="str")
    return pd.DataFrame(data, index=pd.RangeIndex(n))
