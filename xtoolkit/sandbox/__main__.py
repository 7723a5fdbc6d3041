"""``python -m xtoolkit.sandbox``: run the sandbox in the foreground."""

from __future__ import annotations

import argparse
import threading

from xtoolkit.sandbox.server import Sandbox

__all__ = ["main", "serve"]


def serve(port: int = 8900, seed: int = 7) -> None:
    """Serve a sandbox on ``127.0.0.1:port`` until Ctrl-C; prints the URL and test keys."""
    box = Sandbox(seed=seed, port=port)
    try:
        # Inside the try: a Ctrl-C that lands while we print still stops cleanly.
        box.start()
        keys = box.keys
        print(f"xtoolkit sandbox (seed {seed}) listening on {box.url}")
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
    """Command-line entry: ``--port`` (default 8900) and ``--seed`` (default 7)."""
    parser = argparse.ArgumentParser(prog="python -m xtoolkit.sandbox", description=serve.__doc__)
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    serve(args.port, args.seed)


if __name__ == "__main__":
    main()
