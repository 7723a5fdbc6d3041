"""How a sandbox proves it is one: a per-process token it serves and the client checks.

``sandbox=True`` used to be trusted for any loopback host, so an SSH tunnel to a real venue on
127.0.0.1 could take live orders without ``XTOOLKIT_ALLOW_LIVE``. Now every sandbox process
draws a random token, serves it at :data:`PATH`, and records it where clients on this machine
can read it: in memory (same process) and in ``$XTOOLKIT_HOME/sandbox-tokens/<pid>.token``
(another process with the same home, e.g. ``python -m xtoolkit.sandbox``). A client trusts a
host as a sandbox only when the token it serves is one of those. A real venue (or a tunnel to
one) answers 404 here and is treated as a real venue.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from aiohttp import web

__all__ = ["PATH", "install", "known_tokens", "token"]

#: Where a sandbox serves its token (no real venue has this path).
PATH = "/__xtoolkit__/sandbox-identity"
_TOKEN = secrets.token_hex(16)


def token() -> str:
    """This process's sandbox token."""
    return _TOKEN


def _token_dir() -> Path:
    from xtoolkit._home import default_path

    return default_path().parent / "sandbox-tokens"


def _publish() -> None:
    """Write this process's token where other processes sharing XTOOLKIT_HOME can check it."""
    folder = _token_dir()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{os.getpid()}.token"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(_TOKEN)


def known_tokens() -> set[str]:
    """Tokens of sandboxes this machine runs (this process, and published ones)."""
    found = {_TOKEN}
    with contextlib.suppress(OSError):
        for path in _token_dir().glob("*.token"):
            with contextlib.suppress(OSError):
                found.add(path.read_text(encoding="ascii").strip())
    return found


async def _serve(request: web.Request) -> web.Response:
    return web.json_response({"xtoolkit_sandbox": _TOKEN})


def install(app: web.Application) -> None:
    """Serve the token (register before the venues' catch-all route)."""
    _publish()
    app.router.add_get(PATH, _serve)
