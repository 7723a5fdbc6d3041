"""premium_history from the catalog gives the venues' numbers, without a candle request."""

from __future__ import annotations

from typing import Any

import pandas as pd
from catalog_helpers import MARKETS, hours_before_now, pinned_box

import xtoolkit as xt


def test_premium_history_from_catalog_matches_the_venues(tmp_path: Any) -> None:
    with pinned_box() as (box, client):
        cat = xt.Catalog(tmp_path / "cat", client=client)
        start = hours_before_now(box, 5)
        end = hours_before_now(box, 1)
        cat.backfill(MARKETS, "1m", start=start, end=end)
        venue = xt.premium_history(client, "BTC", interval="1m", start=start, end=end)
        seen = len(box.requests)
        stored = xt.premium_history(client, "BTC", interval="1m", start=start, end=end, catalog=cat)
        assert len(box.requests) == seen  # read from the catalog, not fetched
        assert len(stored) == 240
        pd.testing.assert_frame_equal(stored, venue)
        # A window the catalog does not cover falls back to the venues.
        wider = xt.premium_history(
            client, "BTC", interval="1m", start=start - pd.Timedelta(hours=1), end=end, catalog=cat
        )
        assert len(box.requests) > seen and len(wider) == 300
