"""A client blocked by the sandbox's own Upbit limiter waits the block out, not a guess.

Upbit answers a client that keeps sending after its 429s with a 418 that carries the block
period (spec §6). The sandbox used to send none, so the client fell back to its 60 s guess and
closed Upbit for a minute after a 1 s sandbox block — in the reliability campaign that left
orders unreconciled. The block here is the sandbox's own (``ban_seconds``), not a fault.
"""

from __future__ import annotations

import asyncio
import time

from sbhelpers import http

import xtoolkit as xt
from xtoolkit._ratelimit import reset_gates
from xtoolkit.sandbox import Sandbox


def _provoke_block(box: Sandbox) -> None:
    """Hammer the quotation API from this IP until the sandbox blocks it (bounded)."""
    for _ in range(60):
        if http("GET", box.url + "/v1/market/all").status == 418:
            return
    raise AssertionError("the sandbox never blocked 60 unpaced requests")


def test_the_client_honours_the_block_period_of_a_real_418() -> None:
    reset_gates()
    with Sandbox(seed=3, freeze=True, ban_seconds=1.0) as box:

        async def run() -> tuple[float, float]:
            client = xt.AsyncClient(base_urls=box.urls, sandbox=True, use_env=False, env_file=None)
            try:
                await client.markets("upbit")  # the market list is cached before the block
                _provoke_block(box)
                try:
                    await client.tickers(["upbit:BTC/KRW"])
                except xt.errors.IpBanned:
                    pass
                else:
                    raise AssertionError("the blocked request came back 200")
                gate = client.venue("upbit").gate
                ban_left = gate.banned_until - time.time()
                # The block ends about when the sandbox said; then the venue is open again.
                await asyncio.sleep(max(0.0, ban_left) + 0.2)
                df = await client.tickers(["upbit:BTC/KRW"])
                return ban_left, float(df["last"].iloc[0])
            finally:
                await client.aclose()

        ban_left, last = asyncio.run(run())
    reset_gates()
    # 1 s stated, plus the client's margins for a clock it only knows from the Date header
    # (1 s resolution, 1 s of margin): never the 60 s guess for an unstated block.
    assert 0 < ban_left <= 3.5, f"client closed Upbit for {ban_left:.1f} s after a 1 s block"
    assert last > 0
