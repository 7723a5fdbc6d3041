"""Backfill, update, resume after interruptions, real gaps, closed candles only."""

from __future__ import annotations

import random
from typing import Any

import pandas as pd
import pytest
from catalog_helpers import MARKETS, hours_before_now, pinned_box

import xtoolkit as xt
from xtoolkit._client import AsyncClient
from xtoolkit._frames import frame


def _candle_calls(box: Any) -> int:
    return sum(1 for r in box.requests.snapshot() if "candles" in r.path or "klines" in r.path)


def _all(cat: xt.Catalog) -> pd.DataFrame:
    return cat.sql(
        "SELECT exchange, symbol, open_time, close FROM candles ORDER BY exchange, symbol, open_time"
    )


def test_backfill_fetches_only_what_is_missing(tmp_path: Any) -> None:
    with pinned_box() as (box, client):
        cat = xt.Catalog(tmp_path / "cat", client=client)
        start = hours_before_now(box, 30)  # crosses a UTC day: two pieces per series
        first = cat.backfill(MARKETS, "1m", start=start)
        assert (first["pieces"] == 2).all() and (first["rows"] > 0).all()
        seen = _candle_calls(box)
        again = cat.backfill(MARKETS, "1m", start=start)
        assert (again["pieces"] == 0).all()
        assert _candle_calls(box) == seen  # no candle asked again (only the venue's time)
        df = _all(cat)
        assert not df.duplicated(["exchange", "symbol", "open_time"]).any()
        assert str(df["open_time"].dtype) == "datetime64[us, UTC]"


def test_forming_candle_is_never_stored(tmp_path: Any) -> None:
    with pinned_box() as (box, client):
        cat = xt.Catalog(tmp_path / "cat", client=client)
        cat.backfill(["binance:BTC/USDT"], "1m", start=hours_before_now(box, 1))
        forming = pd.Timestamp(box.now).floor("min")
        last = cat.candles("binance:BTC/USDT", "1m")["open_time"].max()
        assert last == forming - pd.Timedelta(minutes=1)
        assert cat.coverage()["end"].max() == forming


def test_update_brings_every_series_to_now_fetching_only_the_new_hour(tmp_path: Any) -> None:
    with pinned_box() as (box, client):
        cat = xt.Catalog(tmp_path / "cat", client=client)
        cat.backfill(MARKETS, "1m", start=hours_before_now(box, 3))
        before = cat.coverage()["end"].max()
        box.state.clock.pinned_ms += 3_600_000  # one more simulated hour on the venues' clock
        seen = len(box.requests)
        summary = cat.update()
        assert set(summary["symbol"]) == {"BTC/USDT", "BTC/KRW", "USDT/KRW"}
        cov = cat.coverage()
        assert (cov["end"] == before + pd.Timedelta(hours=1)).all()
        candle_calls = [
            r for r in box.requests.snapshot()[seen:] if "candles" in r.path or "klines" in r.path
        ]
        assert 0 < len(candle_calls) <= 3 * 2  # an hour: one page per series (Upbit: 60 < 200)
        assert summary["rows"].sum() <= 3 * 60


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resume_after_interruption_at_random_points(tmp_path: Any, monkeypatch: Any, seed: int) -> None:
    rng = random.Random(seed)
    real = AsyncClient.candles
    calls: list[tuple[str, Any]] = []
    state = {"fail_at": -1}

    async def flaky(self: AsyncClient, market: Any, **kw: Any) -> pd.DataFrame:
        calls.append((str(market), kw["start"]))
        if len(calls) == state["fail_at"]:
            boom = rng.choice([xt.IpBanned("banned", exchange="upbit", status=418), RuntimeError("crash")])
            raise boom
        return await real(self, market, **kw)

    with pinned_box() as (box, client):
        start = hours_before_now(box, 60)  # three UTC days: 3 pieces a series, 9 in all
        reference = xt.Catalog(tmp_path / "ref", client=client)
        reference.backfill(MARKETS, "1m", start=start, end=hours_before_now(box, 0))
        monkeypatch.setattr(AsyncClient, "candles", flaky)
        cat = xt.Catalog(tmp_path / "cat", client=client)
        interruptions = 0
        for _ in range(20):  # bounded: each round completes at least the pieces before the failure
            calls.clear()
            state["fail_at"] = rng.randint(1, 4)
            try:
                cat.backfill(MARKETS, "1m", start=start, end=hours_before_now(box, 0))
                break
            except (xt.IpBanned, RuntimeError):
                interruptions += 1
                done_before = len(calls) - 1
                assert done_before >= 0
        assert interruptions >= 1
        got, want = _all(cat), _all(reference)
        pd.testing.assert_frame_equal(got, want)
        assert not got.duplicated(["exchange", "symbol", "open_time"]).any()
        # Every piece was fetched once, plus only the pieces in flight when interrupted.
        assert cat.backfill(MARKETS, "1m", start=start, end=hours_before_now(box, 0))["pieces"].sum() == 0


def test_real_gaps_are_recorded_and_not_asked_again(tmp_path: Any, monkeypatch: Any) -> None:
    real = AsyncClient.candles
    asked: list[Any] = []

    async def quiet_upbit(self: AsyncClient, market: Any, **kw: Any) -> pd.DataFrame:
        asked.append(kw["start"])
        if str(market).startswith("upbit"):
            return frame("candles")  # a window with no trades: Upbit sends no candle at all
        return await real(self, market, **kw)

    monkeypatch.setattr(AsyncClient, "candles", quiet_upbit)
    with pinned_box() as (box, client):
        cat = xt.Catalog(tmp_path / "cat", client=client)
        start = hours_before_now(box, 2)
        cat.backfill(["upbit:BTC/KRW"], "1m", start=start)
        assert len(asked) == 1
        cov = cat.coverage()
        assert list(cov["symbol"]) == ["BTC/KRW"] and cov["start"].iloc[0] == start
        assert cat.candles("upbit:BTC/KRW", "1m").empty
        cat.backfill(["upbit:BTC/KRW"], "1m", start=start)
        assert len(asked) == 1  # the gap is known: not asked again


def test_other_url_schemes_need_fsspec_or_fail_typed(tmp_path: Any) -> None:
    cat = xt.Catalog((tmp_path / "c").as_uri())
    assert cat.path == str(tmp_path / "c")
    with pytest.raises(xt.XtoolkitError):
        xt.Catalog("nosuchscheme://bucket/x")
