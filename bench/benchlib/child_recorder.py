"""Child process: a real Recorder run of a simulated hour — CPU per poll and memory over time.

``python child_recorder.py URL POLLS EVERY MAX_ROWS`` runs ``xt.Recorder`` (premium, one base,
an ``AsyncClient`` pointed at ``URL`` — the caching replay proxy, so the server answers in
~0.1 ms) for ``POLLS`` polls ``EVERY`` seconds apart: 3,600 polls is an hour of 1-second polls,
played faster. Nothing is extrapolated: VmRSS is sampled every ``POLLS // 12`` polls while it
runs, and CPU is this process's own (``time.process_time``) over the whole run, less the
sampler's own gc passes and reads (measured, and reported too), divided by the polls made.
The client's rate gate is off: at this pace its Upbit budget (10 requests/s) would stretch
the hour back to an hour; the sandbox behind the proxy is never asked twice.

Prints one JSON object: polls, rows_held, cpu_ms_per_poll (sampler excluded),
process_cpu_ms_per_poll (everything), sampler_cpu_s, wall_s, rss samples (poll, bytes), and
bare_requests_cpu_ms_per_poll: a plain aiohttp loop sending the poll's three requests, the floor.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time

import aiohttp

import xtoolkit as xt


def rss() -> int:
    """Resident set size of this process in bytes (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def run(url: str, polls: int, every: float, max_rows: int) -> dict[str, object]:
    client = xt.AsyncClient(
        base_urls={"binance": url, "upbit": url}, sandbox=True, use_env=False, env_file=None, rate_limit=False
    )
    samples: list[tuple[int, int]] = []
    try:
        warm = xt.Recorder(client, "premium", bases=["BTC"], every=every, progress=False)
        await warm.arun(20)  # markets loaded, session open, code paths warm
        rec = xt.Recorder(client, "premium", bases=["BTC"], every=every, max_rows=max_rows, progress=False)
        step = max(1, polls // 12)
        sampler_cpu = 0.0

        async def sample() -> None:
            # The sampler's own work (a gc pass and a /proc read per sample) is measured and
            # left out of the Recorder's CPU; it looks in a tenth as often as the Recorder polls.
            nonlocal sampler_cpu
            while rec.polls < polls:
                if rec.polls >= len(samples) * step:
                    c0 = time.process_time()
                    gc.collect()
                    samples.append((rec.polls, rss()))
                    sampler_cpu += time.process_time() - c0
                await asyncio.sleep(every * min(10, step))

        sampler = asyncio.ensure_future(sample())
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await rec.arun(polls)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        sampler.cancel()
        gc.collect()
        samples.append((rec.polls, rss()))
        held = len(rec.frame)
        errors = int(rec.frame["error"].notna().sum())
    finally:
        await client.aclose()
    return {
        "polls": polls,
        "every_s": every,
        "max_rows": max_rows,
        "rows_held": held,
        "error_rows": errors,
        "cpu_ms_per_poll": (cpu - sampler_cpu) / polls * 1000,
        "sampler_cpu_s": sampler_cpu,
        "process_cpu_ms_per_poll": cpu / polls * 1000,
        "wall_s": wall,
        "rss": samples,
    }


#: The requests one premium poll of one base sends (tests/wire pins them): Binance's batched
#: 24 h ticker, Upbit's ticker and book top for the base and the KRW-USDT FX leg.
POLL_REQUESTS = (
    ("/api/v3/ticker/24hr", {"symbols": '["BTCUSDT"]'}),
    ("/v1/ticker", {"markets": "KRW-BTC,KRW-USDT"}),
    ("/v1/orderbook", {"markets": "KRW-BTC,KRW-USDT", "count": "1"}),
)


async def bare_requests(url: str, polls: int, every: float) -> float:
    """CPU ms per poll of a plain aiohttp loop sending the same three requests concurrently at the
    same pace and decoding them — no frames, no arithmetic: the floor under a poll's CPU here."""
    async with aiohttp.ClientSession() as session:

        async def get(path: str, params: dict[str, str]) -> object:
            async with session.get(url + path, params=params) as resp:
                return json.loads(await resp.read())

        async def poll() -> None:
            await asyncio.gather(*(get(path, params) for path, params in POLL_REQUESTS))

        for _ in range(20):
            await poll()
        cpu0 = time.process_time()
        for _ in range(polls):
            await poll()
            await asyncio.sleep(every)
        return (time.process_time() - cpu0) / polls * 1000


def main() -> None:
    url, polls, every, max_rows = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    result = asyncio.run(run(url, polls, every, max_rows))
    result["bare_requests_cpu_ms_per_poll"] = asyncio.run(bare_requests(url, polls, every))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
