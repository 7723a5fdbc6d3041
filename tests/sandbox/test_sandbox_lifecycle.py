"""The Sandbox object: lifecycle, addresses, keys, accounts, the request log, serve()."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sbhelpers import BinanceClient, UpbitClient, http
from sigint import default_sigint_in_child

from xtoolkit import Credentials
from xtoolkit.sandbox import Sandbox, sandbox

REPO = Path(__file__).resolve().parents[2]


def test_start_stop_idempotent_and_context_manager() -> None:
    box = Sandbox(seed=1, freeze=True)
    assert box.start() is box and box.start() is box
    assert box.url.startswith("http://127.0.0.1:") and box.port > 0
    assert http("GET", box.url + "/api/v3/ping").status == 200
    box.stop()
    box.stop()
    with pytest.raises(RuntimeError):
        box.start()
    with sandbox(seed=1, freeze=True) as sb:
        assert isinstance(sb, Sandbox)
        assert sb.urls == {"binance": sb.url, "upbit": sb.url}
        assert http("GET", sb.url + "/v1/market/all").status == 200


def test_binds_loopback_only() -> None:
    with pytest.raises(ValueError):
        Sandbox(host="0.0.0.0")
    with Sandbox(seed=1, freeze=True) as a, Sandbox(seed=1, freeze=True) as b:
        assert a.port != b.port, "port=0 picks a free port"


def test_credentials_keys_and_connect_kwargs(box: Sandbox) -> None:
    creds = box.credentials
    assert set(creds) == {"binance", "upbit"}
    assert all(isinstance(c, Credentials) for c in creds.values())
    for key, secret in box.keys.values():
        assert len(secret.encode()) >= 32 and len(key) >= 32
    assert "****" in repr(creds["binance"])
    kw = box.connect_kwargs()
    assert kw == {"base_urls": box.urls, "credentials": box.credentials, "sandbox": True}


def test_add_account(box: Sandbox) -> None:
    cred = box.add_account("binance", {"USDT": "123.45", "btc": "0.1"})
    assert len(cred.secret) >= 32
    client = BinanceClient(box.url, cred.key, cred.secret)
    bal = {
        b["asset"]: b["free"]
        for b in client.signed("GET", "/api/v3/account", {"omitZeroBalances": "true"}).json()["balances"]
    }
    assert bal == {"USDT": "123.45000000", "BTC": "0.10000000"}
    ucred = box.add_account("upbit", {"KRW": "5000"})
    uclient = UpbitClient(box.url, ucred.key, ucred.secret)
    assert [a["currency"] for a in uclient.private("GET", "/v1/accounts").json()] == ["KRW"]
    with pytest.raises(ValueError):
        box.add_account("kraken", {})


def test_request_log(fresh: Sandbox) -> None:
    http("GET", fresh.url + "/api/v3/time")
    http("GET", fresh.url + "/v1/ticker?markets=KRW-BTC")
    http("GET", fresh.url + "/api/v3/nope")
    records = list(fresh.requests)
    assert [(r.exchange, r.method, r.path, r.status) for r in records] == [
        ("binance", "GET", "/api/v3/time", 200),
        ("upbit", "GET", "/v1/ticker", 200),
        ("binance", "GET", "/api/v3/nope", 404),
    ]
    assert records[1].query == "markets=KRW-BTC" and records[0].ts <= records[1].ts
    assert len(fresh.requests.filter("upbit")) == 1
    assert fresh.requests[0].path == "/api/v3/time"


def test_orders_lists_every_accepted_order(fresh: Sandbox) -> None:
    client = BinanceClient(fresh.url, *fresh.keys["binance"])
    client.signed(
        "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    )
    client.signed(
        "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "100"}
    )  # rejected
    orders = fresh.orders("binance")
    assert len(orders) == 1 and orders[0]["status"] == "FILLED"
    assert fresh.orders("upbit") == []


def test_serve_prints_url_and_keys_and_stops_on_ctrl_c() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xtoolkit.sandbox",
            "--port",
            str(port),
            "--seed",
            "7",
            "--now",
            "2026-11-21T12:00:00Z",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=str(REPO),
        preexec_fn=default_sigint_in_child,  # Ctrl-C works even if pytest runs in the background
    )
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if "Ctrl-C" in line:
                break
        out = "".join(lines)
        assert f"http://127.0.0.1:{port}" in out
        assert "BINANCE_API_KEY=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A" in out
        assert "UPBIT_ACCESS_KEY=ak-test-" in out
        assert "clock pinned: it started at 2026-11-21 12:00:00 UTC" in out
        assert http("GET", f"http://127.0.0.1:{port}/api/v3/ping").status == 200
        server = json.loads(http("GET", f"http://127.0.0.1:{port}/api/v3/time").text)["serverTime"]
        assert 1_795_262_400_000 <= server < 1_795_262_400_000 + 60_000  # 2026-11-21T12:00Z
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
