"""The scanner derives the shared bases and Upbit's flags once per generation of the client's
market cache: not again while the lists are cached, again as soon as a list is reloaded."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import xtoolkit as xt
from xtoolkit import research as xr
from xtoolkit.sandbox import Sandbox


def _flag(scan: Any, base: str) -> bool:
    return bool(scan.set_index("base").loc[base, "upbit_warning"])


def test_the_listing_is_derived_once_per_market_cache_generation() -> None:
    async def go(box: Sandbox) -> None:
        async with xt.AsyncClient(base_urls=box.urls, sandbox=True, use_env=False) as ac:
            calls = 0
            markets = ac.markets

            async def counted(*args: Any, **kwargs: Any) -> Any:
                nonlocal calls
                calls += 1
                return await markets(*args, **kwargs)

            ac.markets = counted  # type: ignore[method-assign]
            first = await xr.apremium_scan(top=0, client=ac)
            again = await xr.apremium_scan(top=0, client=ac)
            assert calls == 1  # the second scan reused the first one's listing
            assert list(again["base"]) == list(first["base"])
            assert again.attrs["bases"] == first.attrs["bases"]

            # Upbit designates a market; nothing changes until the client reloads its list...
            base = next(b for b in first["base"] if not _flag(first, b))
            spec = box.state.catalog.upbit[f"KRW-{base}"]
            box.state.catalog.upbit[f"KRW-{base}"] = dataclasses.replace(spec, warning=True)
            assert not _flag(await xr.apremium_scan(top=0, client=ac), base)
            # ... and a reload is a new generation: the scan derives the listing again.
            await markets("upbit", refresh=True)
            after = await xr.apremium_scan(top=0, client=ac)
            assert _flag(after, base)
            assert calls == 2

    with Sandbox(seed=7, freeze=True) as box:
        asyncio.run(go(box))
