"""Helpers and session fixtures for the notebook-layer tests: one Voila, one Chromium.

Test modules import the fixtures they use (``from nb_support import chromium, ...``). This is
not a ``conftest.py``: in test folders without ``__init__`` every ``conftest`` shares one
module name and could shadow another. Servers bind 127.0.0.1 on a free port, start once per
session and are stopped by their Popen handle (terminate -> wait -> kill). Every wait is
bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
#: Flags that keep Debian's chromium quiet, offline and sandbox-free inside containers.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def artifacts_dir() -> Path:
    """Where screenshots and server logs go (git-ignored ``out/``, or ``$XTOOLKIT_ARTIFACTS``)."""
    path = Path(os.environ.get("XTOOLKIT_ARTIFACTS", ROOT / "out" / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def need_browser_stack() -> None:
    """Skip locally, fail on CI, when the real-browser stack is incomplete."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    for module in ("playwright", "voila"):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"python package {module}")
    if missing:
        message = "browser test needs: " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " — CI must install them")
        pytest.skip(message)


def die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the test process dies (Linux).

    The fixture stops the server on a normal exit; this covers a test run that is killed
    outright, which would otherwise leave Voila and its kernels running.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """Terminate ``proc``, wait a bounded time, kill it if it is still there."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def wait_http(url: str, proc: subprocess.Popen[Any], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s:\n{log.read_text()[-3000:]}")


class VoilaServer:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:]


@pytest.fixture(scope="module")
def voila_dashboard() -> Iterator[VoilaServer]:
    """``notebooks/00_dashboard.ipynb`` served by Voila on 127.0.0.1:<free port>."""
    need_browser_stack()
    notebook = ROOT / "notebooks" / "00_dashboard.ipynb"
    port = free_port()
    log = artifacts_dir() / "voila.log"
    env = {k: v for k, v in os.environ.items() if k not in ("XTOOLKIT_LIVE", "XTOOLKIT_ALLOW_LIVE")}
    env["TQDM_DISABLE"] = "1"
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=notebook.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    try:
        # A static file, not "/": a GET of "/" would start a kernel and run the notebook.
        wait_http(f"http://127.0.0.1:{port}/voila/static/voila.js", proc, log)
        yield VoilaServer(f"http://127.0.0.1:{port}/", log)
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium driven by playwright (no ``playwright install``).

    Module scope, not session: playwright's sync API keeps an event loop marked as running
    on the main thread while it is open, which would break every later asyncio test.
    """
    need_browser_stack()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


class LabServer:
    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url = url
        self.token = token
        self.root = root
        self.log = log

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:]


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1:<free port>, serving a scratch copy of ``notebooks/``.

    The copy keeps the repository's notebooks free of outputs and of JupyterLab's
    checkpoints; config, data and runtime folders are scratch too, so no user setting leaks in.
    """
    need_browser_stack()
    try:
        __import__("jupyterlab")
    except ImportError:
        message = "JupyterLab test needs the python package jupyterlab (pip install -e '.[notebook]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    import shutil

    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    port = free_port()
    token = "xt-browser-test"
    log = artifacts_dir() / "jupyterlab.log"
    env = {k: v for k, v in os.environ.items() if k not in ("XTOOLKIT_LIVE", "XTOOLKIT_ALLOW_LIVE")}
    env.update(
        TQDM_DISABLE="1",
        XTOOLKIT_HOME=str(base / "home"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
        "--LabApp.expose_app_in_browser=True",
        "--ServerApp.disable_check_xsrf=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root; JupyterLab refuses it otherwise
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", proc, log, timeout=90)
        yield LabServer(f"http://127.0.0.1:{port}", token, root, log)
    finally:
        stop(proc)
