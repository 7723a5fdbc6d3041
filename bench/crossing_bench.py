"""Executable-premium benchmark: the scanner and the executable premium against bare aiohttp.

    .venv/bin/python bench/crossing_bench.py              # 15 interleaved rounds (~1 min)
    .venv/bin/python bench/crossing_bench.py --rounds 5   # a quick smoke run

Two workloads, each done by ``xtoolkit`` (``AsyncClient`` and the blocking ``Client``) and by a
bare contender (one aiohttp session, ``json.loads``, the same ``Decimal`` arithmetic written
out by hand, a DataFrame of the result — no symbol resolution, no rate gate, no retries, no
error typing):

1. **scan** — the gross premium of every base listed on both venues: Binance 1 batched
   ``ticker/24hr``, Upbit ``ticker`` + ``orderbook`` (book tops) per 100 markets, the four gross
   premium columns in ``Decimal`` per base;
2. **exec20** — the executable premium of 20 bases at 1,000 USDT, both directions, walking the
   Binance book (20 ``depth`` requests), the Upbit books and ``USDT/KRW`` (1 ``orderbook``
   request), default taker fees, no keys (so no fee or wallet requests).

Request counts per venue come from an untimed first pass against the in-process sandbox
(its request log). The timed rounds go through the caching replay proxy (``child_replay.py``,
its own process): every contender gets byte-identical answers from memory, so server time is
out of the figures and what remains is the client's own work plus loopback HTTP. Contenders
take turns within each round (the order rotates), and rounds are paced so the toolkit's rate
gate never has to wait. The bare results are checked against the toolkit's (same premiums).

Prints the report and writes it to ``bench/CROSSING_RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib.sandbox_proc import ReplayProcess  # noqa: E402

import xtoolkit as xt  # noqa: E402
from xtoolkit import research as xr  # noqa: E402
from xtoolkit.sandbox import Sandbox  # noqa: E402

TWENTY = [
    "BTC", "ETH", "XRP", "SOL", "DOGE", "ADA", "TRX", "AVAX", "LINK", "DOT",
    "BCH", "LTC", "XLM", "ETC", "SUI", "HBAR", "SHIB", "AAVE", "UNI", "NEAR",
]  # fmt: skip
SIZE = Decimal(1000)  # USDT
F_BN, F_UP = Decimal("0.001"), Decimal("0.0005")  # the documented defaults (no keys)
GOAL = 1.3
#: Seconds between rounds: Upbit's quotation gate allows 10 requests a second per group.
PACE = 0.35

D = Decimal
Levels = list[tuple[Decimal, Decimal]]


# --- the bare contender ------------------------------------------------------------------------


def _fnum(x: Decimal | None) -> float:
    return float("nan") if x is None else float(x)


def _take_base(levels: Levels, qty: Decimal) -> tuple[Decimal, Decimal, bool]:
    got = paid = D(0)
    for price, avail in levels:
        step = min(avail, qty - got)
        if step <= 0:
            break
        got += step
        paid += step * price
    return got, paid, got >= qty


def _take_quote(levels: Levels, amount: Decimal) -> tuple[Decimal, Decimal, bool]:
    got = spent = D(0)
    for price, avail in levels:
        room = amount - spent
        if room <= 0:
            break
        if price * avail <= room:
            got, spent = got + avail, spent + price * avail
        else:
            got, spent = got + room / price, amount
    return got, spent, spent >= amount


class Bare:
    """One aiohttp session, the venues' own URLs, the arithmetic by hand."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: Counter[str] = Counter()
        self.session: aiohttp.ClientSession | None = None

    async def get(self, venue: str, path_query: str) -> Any:
        assert self.session is not None
        self.requests[venue] += 1
        async with self.session.get(self.url + path_query) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"{venue} {path_query.split('?')[0]} -> HTTP {resp.status}")
        return json.loads(body)

    async def scan(self, bases: list[str]) -> pd.DataFrame:
        symbols = quote(json.dumps([f"{b}USDT" for b in bases], separators=(",", ":")), safe="")
        markets = ",".join([f"KRW-{b}" for b in bases] + ["KRW-USDT"])
        bn, up_t, up_b = await asyncio.gather(
            self.get("binance", f"/api/v3/ticker/24hr?symbols={symbols}"),
            self.get("upbit", f"/v1/ticker?markets={markets}"),
            self.get("upbit", f"/v1/orderbook?markets={markets}&count=1"),
        )
        last_up = {t["market"]: D(repr(float(t["trade_price"]))) for t in up_t}
        tops = {b["market"]: b["orderbook_units"][0] for b in up_b}
        rows = []
        with localcontext() as ctx:
            ctx.prec = 60
            fx = tops["KRW-USDT"]
            fx_bid, fx_ask = D(repr(float(fx["bid_price"]))), D(repr(float(fx["ask_price"])))
            fx_mid = (fx_bid + fx_ask) / 2
            by_bn = {t["symbol"]: t for t in bn}
            for b in bases:
                t, top = by_bn[f"{b}USDT"], tops[f"KRW-{b}"]
                bb, ba, bl = D(t["bidPrice"]), D(t["askPrice"]), D(t["lastPrice"])
                ub, ua = D(repr(float(top["bid_price"]))), D(repr(float(top["ask_price"])))
                um, bm = (ub + ua) / 2, (bb + ba) / 2
                rows.append(
                    {
                        "base": b,
                        "premium_gross_mid_bps": float((um / (bm * fx_mid) - 1) * 10_000),
                        "premium_gross_last_bps": float((last_up[f"KRW-{b}"] / (bl * fx_mid) - 1) * 10_000),
                        "premium_gross_top_binance_to_upbit_bps": float((ub / (ba * fx_ask) - 1) * 10_000),
                        "premium_gross_top_upbit_to_binance_bps": float((bb * fx_bid / ua - 1) * 10_000),
                    }
                )
        df = pd.DataFrame(rows)
        return df.sort_values("premium_gross_mid_bps", ascending=False, kind="stable", ignore_index=True)

    async def exec20(self, bases: list[str]) -> pd.DataFrame:
        markets = ",".join([f"KRW-{b}" for b in bases] + ["KRW-USDT"])
        bn_books, up_books = await asyncio.gather(
            asyncio.gather(*(self.get("binance", f"/api/v3/depth?symbol={b}USDT&limit=100") for b in bases)),
            self.get("upbit", f"/v1/orderbook?markets={markets}&count=30"),
        )
        up = {}
        for book in up_books:
            units = book["orderbook_units"]
            bids = [
                (D(repr(float(u["bid_price"]))), D(repr(float(u["bid_size"]))))
                for u in units
                if u["bid_size"]
            ]
            asks = [
                (D(repr(float(u["ask_price"]))), D(repr(float(u["ask_size"]))))
                for u in units
                if u["ask_size"]
            ]
            up[book["market"]] = (bids, asks)
        fx_bids, fx_asks = up["KRW-USDT"]
        rows = []
        with localcontext() as ctx:
            ctx.prec = 60
            for b, raw in zip(bases, bn_books, strict=True):
                bids = [(D(p), D(q)) for p, q in raw["bids"]]
                asks = [(D(p), D(q)) for p, q in raw["asks"]]
                ub, ua = up[f"KRW-{b}"]
                # binance_to_upbit: spend SIZE USDT on the asks; fee in base; sell on Upbit; buy USDT back.
                qty, _, ok1 = _take_quote(asks, SIZE)
                _, krw, ok3 = _take_base(ub, qty - qty * F_BN)
                usdt, _, ok4 = _take_quote(fx_asks, (krw - krw * F_UP) / (1 + F_UP))
                ok = ok1 and ok3 and ok4
                after = (usdt / SIZE - 1) * 10_000 if ok else None
                rows.append({"base": b, "direction": "binance_to_upbit", "capital": float(SIZE),
                             "after_fees_bps": _fnum(after)})  # fmt: skip
                # upbit_to_binance: SIZE USDT sized into KRW on the FX bids (no fee), spent on Upbit.
                _, capital, ok0 = _take_base(fx_bids, SIZE)
                qty, _, ok1 = _take_quote(ua, capital / (1 + F_UP))
                _, usdt, ok3 = _take_base(bids, qty)
                _, krw, ok4 = _take_base(fx_bids, usdt - usdt * F_BN)
                final = krw - krw * F_UP
                ok = ok0 and ok1 and ok3 and ok4
                after = (final / capital - 1) * 10_000 if ok else None
                rows.append({"base": b, "direction": "upbit_to_binance", "capital": float(capital),
                             "after_fees_bps": _fnum(after)})  # fmt: skip
        return pd.DataFrame(rows)


# --- the run ---------------------------------------------------------------------------------


def _paths(box: Sandbox) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for r in box.requests:
        out.setdefault(r.exchange, Counter())[r.path] += 1
    return out


def _count_text(per: dict[str, Counter[str]]) -> str:
    return "; ".join(
        f"{ex} {sum(c.values())} ({', '.join(f'{p} ×{n}' for p, n in sorted(c.items()))})"
        for ex, c in sorted(per.items())
    )


def _close(a: pd.Series, b: pd.Series) -> bool:
    return bool(((a - b).abs() <= 1e-9 * b.abs().clip(lower=1)).all() or (a.isna() & b.isna()).all())


async def _time(fn: Callable[[], Awaitable[Any]]) -> float:
    t = time.perf_counter()
    await fn()
    return time.perf_counter() - t


async def run(rounds: int) -> str:
    with Sandbox(seed=7, freeze=True) as box:
        public = {"base_urls": box.urls, "sandbox": True}
        # Untimed pass on the sandbox itself: request counts from its log, and the answers.
        shared: list[str]
        async with xt.AsyncClient(**public, use_env=False) as ac:
            await ac.markets()
            box.requests.clear()
            scan = await xr.apremium_scan(top=0, client=ac)
            shared = list(scan.attrs["bases"])
            xt_scan_counts = _paths(box)
            box.requests.clear()
            ex20 = await xr.aexecutable_premium(TWENTY, float(SIZE), size_in="USDT", client=ac)
            xt_exec_counts = _paths(box)
        bare = Bare(box.url)
        async with aiohttp.ClientSession() as session:
            bare.session = session
            box.requests.clear()
            bare_scan = await bare.scan(shared)
            bare_scan_counts = _paths(box)
            box.requests.clear()
            bare_ex = await bare.exec20(TWENTY)
            bare_exec_counts = _paths(box)
        mine = scan.set_index("base").loc[bare_scan.base]
        scan_same = all(
            _close(mine[c].reset_index(drop=True), bare_scan[c])
            for c in ("premium_gross_mid_bps", "premium_gross_last_bps",
                      "premium_gross_top_binance_to_upbit_bps", "premium_gross_top_upbit_to_binance_bps")
        )  # fmt: skip
        exec_same = _close(ex20["premium_after_fees_exec_bps"], bare_ex["after_fees_bps"]) and _close(
            ex20["capital"], bare_ex["capital"]
        )

        times: dict[tuple[str, str], list[float]] = {}
        with ReplayProcess(upstream=box.url) as proxy:
            urls = {"binance": proxy.url, "upbit": proxy.url}
            async with (
                xt.AsyncClient(base_urls=urls, sandbox=True, use_env=False) as ac,
                aiohttp.ClientSession() as session,
            ):
                with xt.Client(base_urls=urls, sandbox=True, use_env=False) as c:
                    bare = Bare(proxy.url)
                    bare.session = session
                    await ac.markets()
                    await asyncio.to_thread(c.markets)
                    work = {
                        "scan": {
                            "xt_async": lambda: xr.apremium_scan(top=0, client=ac),
                            "xt_client": lambda: asyncio.to_thread(xr.premium_scan, top=0, client=c),
                            "bare": lambda: bare.scan(shared),
                        },
                        "exec20": {
                            "xt_async": lambda: xr.aexecutable_premium(
                                TWENTY, float(SIZE), size_in="USDT", client=ac
                            ),
                            "xt_client": lambda: asyncio.to_thread(
                                xr.executable_premium, TWENTY, float(SIZE), size_in="USDT", client=c
                            ),
                            "bare": lambda: bare.exec20(TWENTY),
                        },
                    }
                    for job in work.values():  # fill the proxy's cache; not timed
                        for fn in job.values():
                            await fn()
                    for i in range(rounds):
                        for key, job in work.items():
                            names = list(job)
                            names = names[i % len(names) :] + names[: i % len(names)]
                            for who in names:
                                await asyncio.sleep(PACE)
                                times.setdefault((key, who), []).append(await _time(job[who]))
    return report(
        rounds=rounds,
        shared=len(shared),
        times=times,
        counts={
            "scan": (xt_scan_counts, bare_scan_counts),
            "exec20": (xt_exec_counts, bare_exec_counts),
        },
        same={"scan": scan_same, "exec20": exec_same},
    )


def report(
    *,
    rounds: int,
    shared: int,
    times: dict[tuple[str, str], list[float]],
    counts: dict[str, tuple[dict[str, Counter[str]], dict[str, Counter[str]]]],
    same: dict[str, bool],
) -> str:
    titles = {
        "scan": f"scanner over all {shared} shared bases (tickers only)",
        "exec20": "executable premium, 20 bases at 1,000 USDT, both directions",
    }
    lines = [
        "# Executable premium benchmark",
        "",
        f"`bench/crossing_bench.py --rounds {rounds}` · Python {platform.python_version()} · "
        f"xtoolkit {xt.__version__} · {platform.machine()}, {platform.system()} · "
        f"in-process sandbox (seed 7, frozen) behind the caching replay proxy",
        "",
        "| workload | requests per call (sandbox log) | xtoolkit AsyncClient ms | Client ms | "
        "bare aiohttp ms | AsyncClient / bare | goal ≤ 1.3× | same numbers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, title in titles.items():
        med = {who: statistics.median(times[(key, who)]) * 1000 for who in ("xt_async", "xt_client", "bare")}
        ratio = med["xt_async"] / med["bare"]
        xt_counts, bare_counts = counts[key]
        equal = "" if xt_counts == bare_counts else f" (bare: {_count_text(bare_counts)})"
        lines.append(
            f"| {title} | {_count_text(xt_counts)}{equal} | {med['xt_async']:.2f} | {med['xt_client']:.2f} | "
            f"{med['bare']:.2f} | {ratio:.2f}× | {'met' if ratio <= GOAL else 'missed'} | "
            f"{'yes' if same[key] else 'NO'} |"
        )
    lines += [
        "",
        "Medians of the timed rounds; p90 in brackets:",
        "",
    ]
    for key in titles:
        parts = []
        for who in ("xt_async", "xt_client", "bare"):
            xs = sorted(times[(key, who)])
            p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))] * 1000
            parts.append(f"{who} {statistics.median(xs) * 1000:.2f} ms [{p90:.2f}]")
        lines.append(f"- {key}: " + ", ".join(parts))
    lines += [
        "",
        "Notes:",
        "",
        "- The scan's market lists (Binance `exchangeInfo`, Upbit `market/all` + `orderbook/instruments`)",
        "  are the client's cache and are loaded before timing; the bare contender is given the list of",
        "  shared bases. Its cost on a cold client: Binance 1, Upbit 1 + 1 per 100 markets.",
        "- Without keys the executable premium makes no fee or wallet requests (default fees, routes",
        "  unknown); with keys add one fee read per market per venue and the wallet reads (see the",
        "  verb docstrings), which the bare contender does not do.",
        "- 'same numbers': the bare contender's premiums (gross for the scan; after fees, and the",
        "  capital, for the executable premium) equal the toolkit's to 1e-9 relative.",
        "- The Client column runs the blocking verb through a worker thread (the call hops to the",
        "  client's loop thread and back); the goal applies to the AsyncClient.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    text = asyncio.run(run(args.rounds))
    print(text)
    (HERE / "CROSSING_RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
