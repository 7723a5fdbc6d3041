"""Fixtures every test shares: fresh rate-limit state, kill switch off, aioresponses shim."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import aiohttp
import faketime_shim
import pytest

faketime_shim.install()


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Journals and other user data go to a per-test folder, never the developer's own."""
    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path_factory.mktemp("xtoolkit-home")))
    for name in (
        "XTOOLKIT_ALLOW_LIVE",
        "BINANCE_API_KEY",
        "BINANCE_API_SECRET",
        "UPBIT_ACCESS_KEY",
        "UPBIT_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


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
