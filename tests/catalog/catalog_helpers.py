"""Shared helpers of the catalog tests: a pinned sandbox, a client, the window before its now."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from clockpins import PINNED

import xtoolkit as xt
from xtoolkit.sandbox import Sandbox

MARKETS = ["binance:BTC/USDT", "upbit:BTC/KRW", "upbit:USDT/KRW"]


@contextmanager
def pinned_box() -> Iterator[tuple[Sandbox, xt.Client]]:
    """A frozen sandbox pinned to :data:`clockpins.PINNED`, and a client on it."""
    with Sandbox(seed=7, freeze=True, now=PINNED) as box, xt.Client(**box.connect_kwargs()) as client:
        yield box, client


def hours_before_now(box: Sandbox, hours: float) -> pd.Timestamp:
    """A grid-aligned start ``hours`` before the sandbox's own now (never the calendar)."""
    return pd.Timestamp(box.now).floor("min") - pd.Timedelta(hours=hours)
