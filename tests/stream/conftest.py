"""Fixtures of the stream tests: a frozen sandbox with quick stream timings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xtoolkit.sandbox import Sandbox


def quick(box: Sandbox) -> Sandbox:
    """Shorten the hub's timings so keep-alive behaviour shows within a test."""
    s = box.streams.settings
    s.ping_interval = 1.0
    s.pong_timeout = 5.0
    s.status_interval = 1.0
    s.idle_timeout = 30.0
    return box


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """A frozen sandbox shared by one test module; faults are cleared after each test."""
    with Sandbox(seed=7, freeze=True) as sb:
        yield quick(sb)


@pytest.fixture(autouse=True)
def _clear_stream_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "box" in request.fixturenames:
        request.getfixturevalue("box").faults.clear()


@pytest.fixture
def fresh() -> Iterator[Sandbox]:
    """A frozen sandbox of its own for one test."""
    with Sandbox(seed=7, freeze=True) as sb:
        yield quick(sb)
