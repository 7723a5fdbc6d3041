"""Fixtures for the sandbox tests: frozen sandboxes and hand-rolled venue clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clockpins import PINNED
from sbhelpers import BinanceClient, UpbitClient

from xtoolkit.sandbox import Sandbox


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """A frozen sandbox shared by one test module (state carries over between its tests)."""
    with Sandbox(seed=7, freeze=True) as sb:
        yield sb


@pytest.fixture
def fresh() -> Iterator[Sandbox]:
    """A frozen sandbox of its own for one test."""
    with Sandbox(seed=7, freeze=True) as sb:
        yield sb


@pytest.fixture(scope="module")
def pinned() -> Iterator[Sandbox]:
    """A frozen sandbox whose clock starts at :data:`clockpins.PINNED` (calendar facts)."""
    with Sandbox(seed=7, freeze=True, now=PINNED) as sb:
        yield sb


@pytest.fixture
def binance(box: Sandbox) -> BinanceClient:
    """A client for the module sandbox's seeded Binance account."""
    key, secret = box.keys["binance"]
    return BinanceClient(box.url, key, secret)


@pytest.fixture
def upbit(box: Sandbox) -> UpbitClient:
    """A client for the module sandbox's seeded Upbit account."""
    key, secret = box.keys["upbit"]
    return UpbitClient(box.url, key, secret)
