"""The sandbox in a separate process, so the server never competes for our GIL."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from xtoolkit.sandbox.accounts import DEFAULT_KEYS

__all__ = ["ReplayProcess", "SandboxProcess", "free_port"]

#: Seconds to wait for the server to answer its first ping.
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SandboxProcess:
    """``python -m xtoolkit.sandbox --port P --seed S`` as a child process.

    Use as a context manager; :attr:`url` serves both venues and :attr:`keys` holds the seeded
    test accounts' ``(key, secret)`` pairs.
    """

    seed: int = 7
    port: int = field(default_factory=free_port)
    _proc: subprocess.Popen[str] | None = None
    _log: tempfile._TemporaryFileWrapper[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def keys(self) -> dict[str, tuple[str, str]]:
        return dict(DEFAULT_KEYS)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _argv(self) -> list[str]:
        return [sys.executable, "-m", "xtoolkit.sandbox", "--port", str(self.port), "--seed", str(self.seed)]

    def start(self) -> SandboxProcess:
        # stderr goes to a file, not a pipe: a pipe nobody reads would stall a chatty server.
        # Closed in stop(): the file lives as long as the child writing to it.
        self._log = tempfile.NamedTemporaryFile("w+", prefix="xtoolkit-sandbox-", suffix=".log")  # noqa: SIM115
        self._proc = subprocess.Popen(
            self._argv(),
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            text=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the sandbox process exited early: {self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/api/v3/ping", timeout=1.0) as r,
            ):
                if r.status == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the sandbox did not answer on {self.url} within {START_TIMEOUT:g} s")

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the server's stderr (warnings, tracebacks)."""
        if self._log is None:
            return ""
        self._log.flush()
        with open(self._log.name, encoding="utf-8", errors="replace") as fh:
            return fh.read()[-chars:]

    def stop(self) -> None:
        """Terminate the child (this process started it, so ending it by its own handle is safe)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@dataclass
class ReplayProcess(SandboxProcess):
    """The caching replay proxy (``child_replay.py``) in front of ``upstream``, as a child process."""

    upstream: str = ""
    #: A second port with the same cache: its own route, hence its own xtoolkit rate gate.
    alias_port: int = field(default_factory=free_port)

    @property
    def alias_url(self) -> str:
        return f"http://127.0.0.1:{self.alias_port}"

    def _argv(self) -> list[str]:
        return [
            sys.executable,
            str(Path(__file__).with_name("child_replay.py")),
            self.upstream,
            str(self.port),
            str(self.alias_port),
        ]
