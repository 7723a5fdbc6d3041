"""The protocol spec's example payloads, copied into tests/data (they are data, not code)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


def example(venue: str, name: str) -> Any:
    """A venue example payload: tests/data/<venue>/<name>.json."""
    return json.loads((DATA / venue / f"{name}.json").read_text(encoding="utf-8"))
