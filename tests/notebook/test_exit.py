"""Clients nobody closed are closed at interpreter exit, without aiohttp's warnings (issue 18, item 7).

Each case runs a real script in a fresh interpreter and reads its stderr. The control case
leaves a bare aiohttp session open and must show the warning in the captured stderr: proof
the check would see one.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: README's sandbox snippet as a script (the client is never closed), plus an
#: AsyncClient whose loop ended with asyncio.run and a module-level blocking Client.
SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, os, sys
    import aiohttp
    import xtoolkit as xt

    with xt.sandbox(seed=7) as box:
        client = xt.Client(**box.connect_kwargs())
        client.balances()
        xt.premium(client, ["BTC", "ETH"])
        kwargs = box.connect_kwargs()

        async def main():
            ac = xt.AsyncClient(**kwargs)      # no async with, no aclose()
            await ac.tickers(["binance:BTC/USDT"])
            return ac

        kept = asyncio.run(main())             # alive until exit, its loop already gone
        module_level = xt.Client(**kwargs)
        module_level.tickers(["upbit:BTC/KRW"])
    if os.environ.get("XT_CONTROL"):
        async def bare():
            session = aiohttp.ClientSession()  # not an xtoolkit client: nobody closes it
            return session

        leak = asyncio.run(bare())
        del leak
        gc.collect()
    print("script done", flush=True)
    """
)


def run(tmp_path: Path, *, control: bool) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "unclosed.py"
    script.write_text(SCRIPT)
    env = {"PATH": "/usr/bin:/bin", "XTOOLKIT_HOME": str(tmp_path / "home"), "TQDM_DISABLE": "1"}
    if control:
        env["XT_CONTROL"] = "1"
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unclosed_clients_exit_without_warnings(tmp_path: Path) -> None:
    done = run(tmp_path, control=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "script done" in done.stdout
    assert "Unclosed" not in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


def test_control_an_unclosed_session_does_show_the_warning(tmp_path: Path) -> None:
    done = run(tmp_path, control=True)
    assert done.returncode == 0, done.stderr[-3000:]
    if "Unclosed client session" not in done.stderr:
        pytest.fail("the control printed no warning: the check above could not fail\n" + done.stderr[-2000:])


def test_the_exit_hook_closes_every_open_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import xtoolkit as xt
    import xtoolkit._exit as exit_hook
    from xtoolkit.sandbox import Sandbox

    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path))
    with Sandbox(seed=7, freeze=True) as box:
        blocking = xt.Client(**box.connect_kwargs(), use_env=False)
        blocking.tickers(["binance:BTC/USDT"])

        async def use() -> xt.AsyncClient:
            ac = xt.AsyncClient(**box.connect_kwargs(), use_env=False)
            await ac.tickers(["upbit:BTC/KRW"])
            return ac

        engine = asyncio.run(use())  # its loop is closed now: nothing can await its session
        assert not blocking.closed and not engine.closed
        assert exit_hook.close_all() >= 2
        assert blocking.closed and engine.closed
        assert exit_hook.close_all() == 0  # idempotent: nothing left to close
