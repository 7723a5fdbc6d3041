"""Shared fixtures: example payloads, a scripted local HTTP server, secret-capture helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import aiohttp
import pytest

DATA = Path(__file__).parent / "data"


def example(venue: str, name: str) -> Any:
    """A venue example payload copied from the protocol spec (tests/data/<venue>/<name>.json)."""
    return json.loads((DATA / venue / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _fresh_rate_state() -> Any:
    """Each test starts with no rate-limit history and the kill switch off."""
    from xtoolkit import _killswitch
    from xtoolkit._ratelimit import reset_gates

    reset_gates()
    _killswitch.resume()
    yield
    reset_gates()
    _killswitch.resume()


# aioresponses 0.7.x builds ClientResponse without aiohttp 3.14's `stream_writer` argument.
try:
    import aioresponses.core as _arc

    class _CompatClientResponse(aiohttp.ClientResponse):
        def __init__(self, *a: Any, **kw: Any) -> None:
            kw.setdefault("stream_writer", Mock(output_size=0))
            super().__init__(*a, **kw)

    @pytest.fixture(autouse=True)
    def _aioresponses_aiohttp314(monkeypatch: pytest.MonkeyPatch) -> None:
        if "stream_writer" in aiohttp.ClientResponse.__init__.__code__.co_varnames:
            monkeypatch.setattr(_arc, "ClientResponse", _CompatClientResponse)

except ImportError:  # pragma: no cover - aioresponses is a dev dependency
    pass
