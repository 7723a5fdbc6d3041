"""The ban campaign: host aliases and a skewed venue clock during 418 bans → 0 requests in a ban.

A small Binance-speaking venue (its own aiohttp server, so its clock and ban texts are ours to
skew) bans the caller's IP on a schedule, the way Binance does: every request during a ban gets
418 and ``IP banned until <ms>`` stated in the *venue's* clock, which runs ``skew_ms`` off ours.
Many ``AsyncClient`` s share one event loop; half reach the venue as ``127.0.0.1``, half as
``localhost`` — one IP, so one ban. Every client first makes a signed call (the venue clock
offset is measured), then mixes reads and signed reads as fast as it can.

A request *during a ban* is one that arrives after the first 418 of that ban was answered
(plus ``grace`` seconds for requests already in flight) and before the ban ends. The campaign
reports those, the bans, the 418s sent, the calls refused client-side and any untyped error.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

import xtoolkit as xt
from xtoolkit._ratelimit import reset_gates

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "binance"

__all__ = ["BanCampaignConfig", "BanCampaignReport", "run_ban_campaign"]


@dataclass(frozen=True)
class BanCampaignConfig:
    clients: int = 20
    seconds: float = 30.0
    ban_s: float = 2.0
    every_s: float = 5.0
    skew_ms: int = -10_000  # the venue's clock is 10 s behind ours
    retry_after: bool = False  # Binance usually sends one; without it only the text says when
    grace: float = 0.05  # requests already in flight when the first 418 was answered
    seed: int = 7
    #: Run past ``seconds`` until this many bans met a request (a starved machine can let a
    #: ban pass unseen), but never longer than ``max_seconds``.
    min_bans: int = 0
    max_seconds: float = 60.0


@dataclass
class BanCampaignReport:
    config: BanCampaignConfig
    requests: int = 0
    bans: int = 0
    responses_418: int = 0
    requests_during_bans: int = 0
    violations: list[str] = field(default_factory=list)
    refused_client_side: int = 0
    calls: int = 0
    untyped: list[str] = field(default_factory=list)
    hung: int = 0

    @property
    def clean(self) -> bool:
        return self.requests_during_bans == 0 and not self.untyped and self.hung == 0 and self.bans >= 1

    def lines(self) -> list[str]:
        c = self.config
        return [
            f"ban campaign: {c.clients} clients (half on 127.0.0.1, half on localhost), {c.seconds:g} s, "
            f"venue clock {c.skew_ms / 1000:+g} s, bans of {c.ban_s:g} s every {c.every_s:g} s, "
            f"Retry-After {'sent' if c.retry_after else 'absent'}",
            f"  requests {self.requests}, calls {self.calls}, bans {self.bans}, "
            f"418s sent {self.responses_418}, "
            f"refused client-side during bans {self.refused_client_side}",
            f"  requests during bans {self.requests_during_bans}; untyped errors {len(self.untyped)}; "
            f"hung calls {self.hung}",
            *[f"  ! {v}" for v in self.violations[:10]],
            *[f"  ! untyped: {u}" for u in self.untyped[:10]],
        ]


class _Venue:
    def __init__(self, cfg: BanCampaignConfig) -> None:
        self.cfg = cfg
        self.depth = json.loads((DATA / "depth.json").read_text())
        self.account = json.loads((DATA / "account.json").read_text())
        self.ban_start = 0.0
        self.ban_end = 0.0
        self.known_at: float | None = None
        self.arrivals: list[float] = []
        self.bans: list[tuple[float, float]] = []  # (known_at, end) per ban a client was told of
        self.responses_418 = 0

    def venue_ms(self) -> int:
        return int(time.time() * 1000) + self.cfg.skew_ms

    def ban(self) -> None:
        now = time.time()
        # The ban ends on a whole millisecond, the resolution its "banned until" text states:
        # a sub-millisecond end would make a client that honours the stated time exactly look
        # like it arrived inside the ban.
        end = math.ceil((now + self.cfg.ban_s) * 1000) / 1000
        self.ban_start, self.ban_end, self.known_at = now, end, None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        now = time.time()
        self.arrivals.append(now)
        if self.ban_start <= now < self.ban_end:
            if self.known_at is None:
                self.known_at = now
                self.bans.append((now, self.ban_end))
            self.responses_418 += 1
            until_ms = int(self.ban_end * 1000) + self.cfg.skew_ms  # stated in the venue's clock
            headers = {"Retry-After": str(max(1, round(self.ban_end - now)))} if self.cfg.retry_after else {}
            body = {"code": -1003, "msg": f"Way too much request weight used; IP banned until {until_ms}."}
            return web.json_response(body, status=418, headers=headers)
        if request.path == "/api/v3/time":
            return web.json_response({"serverTime": self.venue_ms()})
        if request.path == "/api/v3/depth":
            return web.json_response(self.depth)
        if request.path == "/api/v3/account":
            return web.json_response(self.account)
        return web.json_response({"code": -1, "msg": "no route"}, status=404)


async def _campaign(cfg: BanCampaignConfig, rep: BanCampaignReport) -> None:
    venue = _Venue(cfg)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", venue.handle)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hosts = ["127.0.0.1", "localhost"]
    clients = [
        xt.AsyncClient(
            exchanges=["binance"],
            base_urls={"binance": f"http://{hosts[i % 2]}:{port}"},
            credentials={"binance": (f"key-{i:02d}" + "k" * 56, "s" * 64)},
            use_env=False,
            env_file=None,
            retries=0,
            rate_limit=False,  # as fast as possible: only the breaker stands between us and the venue
            timeout=xt.Timeout(connect=2, read=3),
        )
        for i in range(cfg.clients)
    ]
    rng = random.Random(cfg.seed)
    try:
        for ac in clients:  # a signed call each: the venue clock offset is measured
            await ac.balances("binance")
        started = time.monotonic()

        def running() -> bool:
            elapsed = time.monotonic() - started
            return elapsed < cfg.seconds or (len(venue.bans) < cfg.min_bans and elapsed < cfg.max_seconds)

        async def bans() -> None:
            while running():
                await asyncio.sleep(cfg.every_s * rng.uniform(0.6, 1.0))
                if running():
                    venue.ban()

        async def worker(ac: xt.AsyncClient, r: random.Random) -> None:
            while running():
                rep.calls += 1
                try:
                    call = ac.orderbook("binance:BTC/USDT") if r.random() < 0.7 else ac.balances("binance")
                    await asyncio.wait_for(call, 10)
                except TimeoutError:
                    rep.hung += 1
                except xt.IpBanned:
                    if venue.ban_start <= time.time() < venue.ban_end:
                        rep.refused_client_side += 1
                    await asyncio.sleep(0.01)
                except xt.XtoolkitError:
                    await asyncio.sleep(0.01)
                except Exception as exc:  # a finding: every failure must be typed
                    rep.untyped.append(f"{type(exc).__name__}: {exc}"[:200])
                await asyncio.sleep(r.uniform(0, 0.01))

        await asyncio.gather(
            bans(), *(worker(ac, random.Random(cfg.seed * 100 + i)) for i, ac in enumerate(clients))
        )
    finally:
        for ac in clients:
            await ac.aclose()
        await runner.cleanup()
    rep.requests = len(venue.arrivals)
    rep.bans = len(venue.bans)
    rep.responses_418 = venue.responses_418
    for known_at, end in venue.bans:
        inside = [t for t in venue.arrivals if known_at + cfg.grace < t < end]
        rep.requests_during_bans += len(inside)
        if inside:
            rep.violations.append(
                f"{len(inside)} requests arrived {inside[0] - known_at:.2f}-{inside[-1] - known_at:.2f} s "
                f"into a {end - known_at:.2f} s ban"
            )


def run_ban_campaign(cfg: BanCampaignConfig) -> BanCampaignReport:
    """Run one ban campaign (blocking) and return its report."""
    reset_gates()
    rep = BanCampaignReport(config=cfg)
    asyncio.run(_campaign(cfg, rep))
    reset_gates()
    return rep
