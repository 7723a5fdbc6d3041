"""Fixtures of the conformance suite: one frozen sandbox per venue table, a raw aiohttp
session per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from clockpins import PINNED

from xtoolkit.sandbox import Sandbox


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """The sandbox one table's rows run against, in table order. The weight budget is wide:
    the table is not about rate limits (its rate-limit rows use faults). Its clock is pinned:
    rows name fixed prices (a LIMIT_MAKER at 100,000 that must cross, stops at 100,000) that
    hold against the market of one date, and the price walk moves with the date."""
    with Sandbox(seed=7, freeze=True, now=PINNED, binance_weight_limit=10**9) as sb:
        yield sb


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session
