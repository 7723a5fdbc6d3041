"""Upbit: every row of THE table (conf_upbit.UPBIT_ROWS) against the sandbox."""

from __future__ import annotations

import aiohttp
import pytest
from conf_check import check
from conf_rows import Row
from conf_runner import run
from conf_upbit import UPBIT_ROWS

from xtoolkit.sandbox import Sandbox


@pytest.mark.parametrize("row", UPBIT_ROWS, ids=str)
async def test_upbit_row(box: Sandbox, http: aiohttp.ClientSession, row: Row) -> None:
    check("upbit", row, await run(http, box, "upbit", row))
