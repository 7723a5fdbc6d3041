"""Stream benchmarks: event-to-premium latency on the sandbox, and sustained messages per second.

    python bench/stream_latency.py                 # ~40 s
    python bench/stream_latency.py --steps 1000 --flood 500000 --json bench/stream_results.json

1. **Latency**: the market moves (``box.market.step(1)`` returns and wakes the stream hub), the
   hub publishes ``bookTicker``/``orderbook``, the client parses them, builds records and updates
   :class:`~xtoolkit.stream.LivePremium`. Each move is matched to the premium row it produced by
   Binance's book update id ``u`` (exact, wall-clock µs). Measured twice:

   * *child process*: the sandbox runs in its own process (its own GIL and heap), driven over a
     pipe — what a notebook talking to a venue looks like;
   * *in-process*: sandbox and client share one interpreter (GIL contention, and the sandbox's
     large heap makes the occasional full GC pass long) — a pessimistic setting.

   Also reported: *send stamp -> premium*, from Upbit ``orderbook`` messages' ``timestamp`` (the
   hub's send time, ms resolution) to the premium row they produce.

2. **Throughput**: a minimal asyncio websocket server in a child process (its own core) floods
   pre-encoded combined-stream ``bookTicker`` frames in large writes, faster than any client
   reads; the client (one event-loop thread) parses, builds records, fills the rolling buffer
   (and in the second pass updates the live premium). Reports records/s and client CPU use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib.stats import percentile

import xtoolkit as xt
from xtoolkit.sandbox import Sandbox
from xtoolkit.stream import ConnectionPolicy, LivePremium, MarketStream, StreamRecord

GOAL_P99_MS = 100.0
POLICY = ConnectionPolicy(heartbeat=5.0, stale_after=30.0, backoff_initial=0.1, backoff_max=1.0)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.005)


def summary(values_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "p50_ms": percentile(values_ms, 50),
        "p90_ms": percentile(values_ms, 90),
        "p99_ms": percentile(values_ms, 99),
        "max_ms": max(values_ms) if values_ms else float("nan"),
    }


# -- 1. latency ---------------------------------------------------------------------------------
class InProcess:
    """The sandbox in this interpreter."""

    label = "in-process"

    def __enter__(self) -> InProcess:
        self.box = Sandbox(seed=7, freeze=True).start()
        self.url = self.box.url
        lst = self.box.state.market.listing("binance", "BTCUSDT")
        assert lst is not None
        self.lst = lst
        return self

    def step(self) -> tuple[int, float]:
        self.box.market.step(1)
        t = time.time()
        with self.box.state.lock:
            return self.box.state.market.update_id(self.lst), t

    def __exit__(self, *exc: object) -> None:
        self.box.stop()


class ChildProcess:
    """The sandbox in a child process, stepped over a pipe (one line per move)."""

    label = "child process"

    def __enter__(self) -> ChildProcess:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-sandbox"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise SystemExit("the sandbox child did not start")
        return self

    def step(self) -> tuple[int, float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("step\n")
        self.proc.stdin.flush()
        uid, t = self.proc.stdout.readline().split()
        return int(uid), float(t)

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait(10)


def serve_sandbox() -> None:
    """The child: a frozen sandbox; each ``step`` line moves it and prints ``u`` and the time."""
    with Sandbox(seed=7, freeze=True) as box:
        lst = box.state.market.listing("binance", "BTCUSDT")
        assert lst is not None
        print(box.url, flush=True)
        for line in sys.stdin:
            if line.strip() != "step":
                break
            box.market.step(1)
            t = time.time()
            with box.state.lock:
                uid = box.state.market.update_id(lst)
            print(uid, repr(t), flush=True)


def latency(driver: InProcess | ChildProcess, steps: int, interval: float) -> dict[str, Any]:
    with driver, xt.Client(base_urls={"binance": driver.url, "upbit": driver.url}, use_env=False) as client:
        lp = LivePremium("BTC", fx="upbit")
        ms = MarketStream(client, lp.markets, channels="book_ticker", policy=POLICY)
        binance_updates: list[tuple[int, float]] = []  # (u, wall time) of premium rows
        upbit_send: list[float] = []

        def on_record(rec: StreamRecord) -> None:
            rows = lp.update(rec)
            now = time.time()
            if not rows:
                return
            if rec.exchange == "binance" and rec.seq is not None:
                binance_updates.append((rec.seq, now))
            elif rec.symbol == "BTC/KRW" and rec.event_ts is not None:
                upbit_send.append((now - rec.event_ts) * 1000)

        ms.on_record(on_record)
        ms.start()
        wait(lambda: lp.snapshot()["error"].isna().all() and len(lp.snapshot()) == 1, 10, "all three legs")
        stepped: list[tuple[int, float]] = []
        upbit_send.clear()
        for _ in range(steps):
            stepped.append(driver.step())
            time.sleep(interval)
        wait(lambda: binance_updates and binance_updates[-1][0] >= stepped[-1][0], 10, "the last update")
        ms.stop()
        step_ms = []
        j = 0
        for uid, t in stepped:
            while j < len(binance_updates) and binance_updates[j][0] < uid:
                j += 1
            if j < len(binance_updates):
                step_ms.append((binance_updates[j][1] - t) * 1000)
        return {
            "sandbox": driver.label,
            "steps": steps,
            "interval_s": interval,
            "step_to_premium": summary(step_ms),
            "send_stamp_to_premium": summary(upbit_send),
            "gaps": ms.stats.gaps,
        }


# -- 2. throughput -------------------------------------------------------------------------------
def flood_frame(u: int) -> str:
    return (
        f'{{"stream":"btcusdt@bookTicker","data":{{"u":{u},"s":"BTCUSDT","b":"92135.00000000",'
        '"B":"0.35124000","a":"92135.01000000","A":"0.99166000"}}'
    )


def ws_frame(text: str) -> bytes:
    """One unmasked server text frame."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return bytes([0x81, n]) + data
    if n < 65536:
        return bytes([0x81, 126]) + n.to_bytes(2, "big") + data
    return bytes([0x81, 127]) + n.to_bytes(8, "big") + data


async def read_client_frame(reader: asyncio.StreamReader) -> str:
    """One masked client text frame (all a subscriber sends here is its SUBSCRIBE)."""
    head = await reader.readexactly(2)
    n = head[1] & 0x7F
    if n == 126:
        n = int.from_bytes(await reader.readexactly(2), "big")
    elif n == 127:
        n = int.from_bytes(await reader.readexactly(8), "big")
    mask = await reader.readexactly(4)
    body = await reader.readexactly(n)
    return bytes(b ^ mask[i % 4] for i, b in enumerate(body)).decode()


async def serve_flood(port: int, count: int) -> None:
    """The child: accept one client, answer its SUBSCRIBE, then write ``count`` bookTicker frames
    in 1000-frame chunks (``u`` repeats across chunks: the client does not sequence tops)."""
    import base64
    import hashlib

    done = asyncio.Event()
    chunk_frames = 1000
    chunk = b"".join(ws_frame(flood_frame(40_000_000_000 + i)) for i in range(chunk_frames))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        key = next(
            line.split(":", 1)[1].strip()
            for line in head.split("\r\n")
            if line.lower().startswith("sec-websocket-key")
        )
        accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        )
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        req = json.loads(await read_client_frame(reader))
        writer.write(ws_frame(json.dumps({"result": None, "id": req["id"]})))
        sent = 0
        while sent < count:
            n = min(chunk_frames, count - sent)
            writer.write(chunk if n == chunk_frames else b"".join(ws_frame(flood_frame(i)) for i in range(n)))
            await writer.drain()
            sent += n
        await asyncio.sleep(2.0)  # let the client drain before closing
        writer.close()
        done.set()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await asyncio.wait_for(done.wait(), 600)


def throughput(count: int, with_premium: bool) -> dict[str, Any]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-flood", str(port), "--flood", str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("the flood server did not start")
        with Sandbox(seed=7, freeze=True) as box, xt.Client(**box.connect_kwargs()) as client:
            ms = MarketStream(
                client,
                "binance:BTC/USDT",
                channels="book_ticker",
                policy=POLICY,
                stream_urls={"binance": f"ws://127.0.0.1:{port}"},
                max_rows=10_000,
            )
            lp = LivePremium("BTC") if with_premium else None
            seen = {"n": 0, "first": 0.0, "last": 0.0, "cpu0": 0.0}
            finished = threading.Event()

            def on_record(rec: StreamRecord) -> None:
                if rec.gap or rec.reason:
                    return  # the REST top and the final disconnect are not flood frames
                n = seen["n"] = seen["n"] + 1
                if n == 1:
                    seen["first"], seen["cpu0"] = time.perf_counter(), time.process_time()
                if lp is not None:
                    lp.update(rec)
                if n == count:
                    seen["last"] = time.perf_counter()
                    seen["cpu1"] = time.process_time()
                    finished.set()

            ms.on_record(on_record)
            ms.start()
            if not finished.wait(600):
                raise SystemExit(f"only {seen['n']} of {count} flood frames arrived")
            ms.stop()
            wall = seen["last"] - seen["first"]
            return {
                "frames": count,
                "with_premium": with_premium,
                "records_per_s": (count - 1) / wall,
                "wall_s": wall,
                "client_cpu_share": (seen["cpu1"] - seen["cpu0"]) / wall,
                "buffer_rows": len(ms.buffer),
                "buffer_bytes": ms.buffer.nbytes,
            }
    finally:
        child.kill()
        child.wait(10)


def parse_cost(n: int = 200_000) -> dict[str, float]:
    """Pure parse + record cost per frame (no I/O), for reference."""
    from xtoolkit.exchanges.binance import ws as binance

    frames = [flood_frame(40_000_000_000 + i) for i in range(1000)]
    t = time.perf_counter()
    for i in range(n):
        binance.parse(frames[i % 1000], 0.0)
    return {"parse_us_per_frame": (time.perf_counter() - t) / n * 1e6}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=300, help="market moves timed for latency")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between moves")
    parser.add_argument("--flood", type=int, default=200_000, help="frames in the throughput run")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--serve-flood", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_sandbox:
        serve_sandbox()
        return
    if args.serve_flood is not None:
        asyncio.run(serve_flood(args.serve_flood, args.flood))
        return
    results: dict[str, Any] = {}
    for key, driver in (("latency_child", ChildProcess()), ("latency_inprocess", InProcess())):
        log(f"latency ({driver.label}): {args.steps} market moves every {args.interval * 1000:.0f} ms")
        results[key] = latency(driver, args.steps, args.interval)
    log(f"throughput: {args.flood} bookTicker frames from a child process")
    results["throughput"] = throughput(args.flood, with_premium=False)
    log("throughput again, with the live premium updated on every record")
    results["throughput_premium"] = throughput(args.flood, with_premium=True)
    results["parse"] = parse_cost()
    print()
    print("event -> updated premium (ms)                    n     p50     p90     p99     max")
    for key in ("latency_child", "latency_inprocess"):
        lat = results[key]
        for name in ("step_to_premium", "send_stamp_to_premium"):
            st = lat[name]
            label = f"{lat['sandbox']}: {name}"
            print(
                f"  {label:<44} {st['n']:>5} {st['p50_ms']:7.2f} {st['p90_ms']:7.2f} "
                f"{st['p99_ms']:7.2f} {st['max_ms']:7.2f}"
            )
    p99 = results["latency_child"]["step_to_premium"]["p99_ms"]
    verdict = "met" if p99 < GOAL_P99_MS else "MISSED"
    print(f"  goal p99 < {GOAL_P99_MS:.0f} ms (child process): {verdict} ({p99:.2f} ms)")
    for key in ("throughput", "throughput_premium"):
        t = results[key]
        label = "records + live premium" if t["with_premium"] else "records + buffer"
        cpu, mb = t["client_cpu_share"] * 100, t["buffer_bytes"] / 1e6
        print(
            f"sustained {label:<24} {t['records_per_s']:>10,.0f} msg/s "
            f"(client CPU {cpu:.0f}% of one core; buffer {mb:.1f} MB)"
        )
    print(f"binance.parse alone: {results['parse']['parse_us_per_frame']:.2f} µs/frame")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
