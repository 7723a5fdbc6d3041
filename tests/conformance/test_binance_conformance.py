"""Binance: every row of THE table (conf_binance.BINANCE_ROWS) against the sandbox."""

from __future__ import annotations

import aiohttp
import pytest
from conf_binance import BINANCE_ROWS
from conf_check import check
from conf_rows import Row
from conf_runner import run

from xtoolkit.sandbox import Sandbox


@pytest.mark.parametrize("row", BINANCE_ROWS, ids=str)
async def test_binance_row(box: Sandbox, http: aiohttp.ClientSession, row: Row) -> None:
    check("binance", row, await run(http, box, "binance", row))
