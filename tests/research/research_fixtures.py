"""Sandbox fixtures for the research integration tests (127.0.0.1 only).

Test modules import the ``*_fixture`` functions (registered as ``box``, ``client``,
``quick``). This is not a ``conftest.py``: in test directories without ``__init__`` every
``conftest`` module shares one name, and a second one would shadow the root ``conftest``
that ``from conftest import ...`` elsewhere relies on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import xtoolkit as xt


@pytest.fixture(name="box")
def box_fixture() -> Iterator[object]:
    from xtoolkit.sandbox import Sandbox

    with Sandbox(seed=7, freeze=True) as sandbox:
        yield sandbox


@pytest.fixture(name="client")
def client_fixture(box: object) -> Iterator[xt.Client]:
    with xt.Client(**box.connect_kwargs(), use_env=False) as c:  # type: ignore[attr-defined]
        yield c


@pytest.fixture(name="quick")
def quick_fixture(box: object) -> Iterator[xt.Client]:
    """A client that does not retry, so one injected fault fails exactly one request."""
    with xt.Client(**box.connect_kwargs(), use_env=False, retries=0) as c:  # type: ignore[attr-defined]
        yield c
