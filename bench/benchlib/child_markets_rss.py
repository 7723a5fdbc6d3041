"""Child process: resident memory added by loading both venues' markets.

Run by :func:`benchlib.probes.markets_memory` as ``python child_markets_rss.py URL KEYS_JSON``;
prints one JSON object. Measures VmRSS (``/proc/self/status``) around ``client.markets()``
after a warm-up call on each venue (so the session, loop thread and imports are already paid),
then the same for a synthetic listing at the real venues' scale (the sandbox lists ~30 markets
per venue; Binance spot lists ~3,000 and Upbit ~450), parsed by the same adapter code.
"""

from __future__ import annotations

import copy
import gc
import json
import sys
from typing import Any

import xtoolkit as xt

REAL_SCALE = {"binance": 3000, "upbit": 450}


def rss() -> int:
    """Resident set size of this process in bytes (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def settled_rss() -> int:
    gc.collect()
    return rss()


def _widen(items: list[dict[str, Any]], n: int, rename: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        item = copy.deepcopy(items[i % len(items)])
        rename(item, i)
        out.append(item)
    return out


def _binance_name(s: dict[str, Any], i: int) -> None:
    s["baseAsset"] = f"{s['baseAsset']}{i}"
    s["symbol"] = f"{s['baseAsset']}{s['quoteAsset']}"


def _upbit_name(m: dict[str, Any], i: int) -> None:
    quote, base = m["market"].split("-", 1)
    m["market"] = f"{quote}-{base}{i}"


def real_scale(client: xt.Client) -> dict[str, Any]:
    """Markets at the real venues' listing sizes, through the adapters' own parsers."""
    info = client.request("binance", "exchange_info", {"permissions": "SPOT"})
    info = {**info, "symbols": _widen(info["symbols"], REAL_SCALE["binance"], _binance_name)}
    listing = _widen(
        client.request("upbit", "market_all", {"is_details": True}), REAL_SCALE["upbit"], _upbit_name
    )
    instruments = [{"market": m["market"], "tick_size": "1000"} for m in listing]
    wire = {"binance": json.dumps(info).encode(), "upbit": json.dumps(listing).encode()}
    extra = json.dumps([instruments]).encode()
    before = settled_rss()
    tables = {
        "binance": client.venue("binance").adapter.parse_markets([json.loads(wire["binance"])]),
        "upbit": client.venue("upbit").adapter.parse_markets([json.loads(wire["upbit"])], json.loads(extra)),
    }
    kept = {ex: {m.native: m for m in ms} for ex, ms in tables.items()}
    after = settled_rss()
    return {
        "markets": {ex: len(t) for ex, t in kept.items()},
        "wire_bytes": {ex: len(b) for ex, b in wire.items()},
        "rss_added": after - before,
    }


def main() -> None:
    url, keys = sys.argv[1], json.loads(sys.argv[2])
    with xt.Client(
        base_urls={"binance": url, "upbit": url},
        credentials={k: xt.Credentials(*v) for k, v in keys.items()},
        sandbox=True,
        use_env=False,
        env_file=None,
    ) as client:
        client.tickers(["binance:BTC/USDT", "upbit:BTC/KRW"])  # warm: session, loop, parsers
        before = settled_rss()
        df = client.markets()
        after = settled_rss()
        result = {
            "rss_before": before,
            "rss_after": after,
            "rss_added": after - before,
            "markets": {ex: int((df["exchange"] == ex).sum()) for ex in ("binance", "upbit")},
            "frame_bytes": int(df.memory_usage(deep=True).sum()),
            "real_scale": real_scale(client),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
