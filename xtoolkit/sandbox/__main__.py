"""``python -m xtoolkit.sandbox``: run the sandbox in the foreground."""

from __future__ import annotations

import argparse
import threading
from datetime import UTC, datetime

from xtoolkit.sandbox.server import Sandbox
from xtoolkit.sandbox.state import parse_instant

__all__ = ["NOW_HELP", "main", "serve"]

NOW_HELP = "pin the sandbox clock's start, e.g. 2026-11-21T12:00:00Z (default: the wall clock)"


def serve(port: int = 8900, seed: int = 7, now: str | None = None) -> None:
    """Serve a sandbox on ``127.0.0.1:port`` until Ctrl-C; prints the URL and test keys.

    ``now`` (ISO 8601 with a zone, e.g. ``2026-11-21T12:00:00Z``) pins the sandbox's clock."""
    box = Sandbox(seed=seed, port=port, now=now)
    try:
        # Inside the try: a Ctrl-C that lands while we print still stops cleanly.
        box.start()
        keys = box.keys
        print(f"xtoolkit sandbox (seed {seed}) listening on {box.url}")
        if now is not None:
            # The pinned start, not box.now: that has already moved on by the time this prints.
            start = datetime.fromtimestamp(parse_instant(now) / 1000, UTC)
            print(f"  clock pinned: it started at {start:%Y-%m-%d %H:%M:%S} UTC")
        print(f"  Binance spot: {box.url}/api/v3/...   Upbit: {box.url}/v1/...")
        print(f"  BINANCE_API_KEY={keys['binance'][0]}")
        print(f"  BINANCE_API_SECRET={keys['binance'][1]}")
        print(f"  UPBIT_ACCESS_KEY={keys['upbit'][0]}")
        print(f"  UPBIT_SECRET_KEY={keys['upbit'][1]}")
        print("Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: ``--port`` (default 8900), ``--seed`` (default 7), ``--now``."""
    parser = argparse.ArgumentParser(prog="python -m xtoolkit.sandbox", description=serve.__doc__)
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", default=None, help=NOW_HELP)
    args = parser.parse_args(argv)
    serve(args.port, args.seed, args.now)


if __name__ == "__main__":
    main()
