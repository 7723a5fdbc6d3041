"""The live views' shared lifecycle refuses the wrong client with a typed error."""

from __future__ import annotations

import pytest

import xtoolkit as xt
from xtoolkit.stream import LivePremium
from xtoolkit.widgets.live_exec import LiveExecutable


@pytest.mark.parametrize("view", [lambda: LivePremium("BTC"), lambda: LiveExecutable("BTC", size=1)])
def test_blocking_start_on_an_async_client_says_to_await_astart(view: object) -> None:
    client = xt.AsyncClient(sandbox=True, use_env=False, env_file=None)
    live = view()  # type: ignore[operator]
    with pytest.raises(xt.InvalidArgument, match=r"await .*\.astart\(client\)"):
        live.start(client)
    assert live.stream is None  # nothing was started
