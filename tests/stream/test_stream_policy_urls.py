"""Pure: reconnect policy and backoff; where the stream URLs come from."""

from __future__ import annotations

import random

import pytest

import xtoolkit as xt
from xtoolkit import InvalidArgument
from xtoolkit.stream import ConnectionPolicy, stream_url
from xtoolkit.stream.connection import backoff_delay


def test_policy_needs_heartbeat_below_staleness() -> None:
    with pytest.raises(InvalidArgument):
        ConnectionPolicy(heartbeat=5, stale_after=5)
    with pytest.raises(InvalidArgument):
        ConnectionPolicy(max_attempts=0)
    with pytest.raises(InvalidArgument):
        ConnectionPolicy(backoff_initial=2, backoff_max=1)


def test_backoff_is_exponential_jittered_and_capped() -> None:
    policy = ConnectionPolicy(backoff_initial=0.5, backoff_max=8.0)
    rng = random.Random(1)
    for failures, base in ((1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (12, 8.0)):
        delays = [backoff_delay(policy, failures, rng) for _ in range(200)]
        assert all(base * 0.5 <= d <= base for d in delays)
        assert max(delays) - min(delays) > base * 0.3  # really jittered


def test_stream_urls_from_the_client_hosts() -> None:
    real = xt.AsyncClient(use_env=False)
    assert stream_url(real, "binance") == "wss://stream.binance.com:9443"
    assert stream_url(real, "upbit") == "wss://api.upbit.com"
    testnet = xt.AsyncClient(use_env=False, testnet=True)
    assert stream_url(testnet, "binance") == "wss://stream.testnet.binance.vision"
    local = xt.AsyncClient(
        use_env=False, base_urls={"binance": "http://127.0.0.1:8900", "upbit": "https://proxy.example/"}
    )
    assert stream_url(local, "binance") == "ws://127.0.0.1:8900"
    assert stream_url(local, "upbit") == "wss://proxy.example"
    over = {"binance": "ws://10.0.0.1:1/stream", "upbit": "ws://10.0.0.1:2/websocket/v1"}
    assert stream_url(real, "binance", over) == "ws://10.0.0.1:1"
    assert stream_url(real, "upbit", over) == "ws://10.0.0.1:2/websocket/v1"
    with pytest.raises(InvalidArgument):
        stream_url(real, "kraken")
    with pytest.raises(InvalidArgument):
        stream_url(real, "binance", {"binance": "ftp://x"})
