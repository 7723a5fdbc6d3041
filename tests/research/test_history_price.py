"""premium_history(price=): candle closes (default) or recorded book mids from a Catalog, each
named for what it is; mids without a recording are refused, with the reason (issue 15, item 5).

The mids are written into a temporary catalog as a Recorder would (``record_tickers`` and
``record_premium`` rows); the sandbox's clock is pinned, and the only client used for closes is
that sandbox's.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest
from clockpins import PINNED

import xtoolkit as xt
from xtoolkit import research as xr
from xtoolkit._frames import SCHEMAS, frame
from xtoolkit._fx import parse_fx
from xtoolkit.research.history import PREMIUM_HISTORY_MID, align_mids

T0 = pd.Timestamp(PINNED)  # 12:00 UTC, a minute boundary
MIN = pd.Timedelta(minutes=1)


def at(seconds: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(seconds=seconds)


def tickers(market: str, mids: list[tuple[float, float, float]]) -> pd.DataFrame:
    """``record_tickers`` rows of ``market``: (seconds after T0, bid, ask) each."""
    ex, sym = market.split(":")
    n = len(mids)
    return frame(
        "record_tickers",
        {
            "exchange": [ex] * n,
            "symbol": [sym] * n,
            "bid": [b for _, b, _ in mids],
            "ask": [a for _, _, a in mids],
            "mid": [(b + a) / 2 for _, b, a in mids],
            "ts": [at(s) for s, _, _ in mids],
            "poll_ts": [at(s) + pd.Timedelta(milliseconds=40) for s, _, _ in mids],
            "lag_s": [0.0] * n,
        },
    )


#: Upbit BTC/KRW quoted in minutes 0 and 2 only (minute 1 is forward-filled).
UPBIT = tickers(
    "upbit:BTC/KRW", [(5, 145_000.0, 145_100.0), (50, 145_100.0, 145_300.0), (130, 145_200.0, 145_400.0)]
)
BINANCE = tickers("binance:BTC/USDT", [(10, 99.875, 100.125), (70, 100.0, 100.25), (125, 100.125, 100.375)])
FX = tickers("upbit:USDT/KRW", [(1, 1449.0, 1451.0), (61, 1450.0, 1452.0), (121, 1449.0, 1450.0)])


def hand_premium_pct(up_mid: str, bn_mid: str, fx_mid: str) -> float:
    return float((D(up_mid) / (D(bn_mid) * D(fx_mid)) - 1) * 100)


@pytest.fixture
def catalog(tmp_path: Path) -> xt.Catalog:
    cat = xt.Catalog(tmp_path / "catalog")
    for rows in (UPBIT, BINANCE, FX):
        cat.write("record_tickers", rows)
    return cat


@pytest.fixture(scope="module")
def pinned() -> Iterator[object]:
    from xtoolkit.sandbox import Sandbox

    with Sandbox(seed=7, freeze=True, now=PINNED) as sb:
        yield sb


@pytest.fixture
def client(pinned: object) -> Iterator[xt.Client]:
    with xt.Client(**pinned.connect_kwargs(), use_env=False) as c:  # type: ignore[attr-defined]
        yield c


def test_align_mids_takes_the_last_mid_of_each_interval() -> None:
    legs = [f.rename(columns={}) for f in (UPBIT, BINANCE, FX)]
    df = align_mids(legs[0], legs[1], base="BTC", fx=parse_fx("upbit"), fx_mids=legs[2], step=MIN)
    assert list(df.columns) == list(PREMIUM_HISTORY_MID)
    assert df.ts.tolist() == [T0, T0 + MIN, T0 + 2 * MIN]
    assert df.upbit_mid.tolist() == [145_200.0, 145_200.0, 145_300.0]
    assert df.binance_mid.tolist() == [100.0, 100.125, 100.25] and df.fx_rate.tolist() == [
        1450.0,
        1451.0,
        1449.5,
    ]
    assert df.filled_upbit.tolist() == [False, True, False] and not df.filled_binance.any()
    assert df.upbit_samples.tolist() == [2.0, 0.0, 1.0] and df.binance_samples.tolist() == [1.0, 1.0, 1.0]
    want = [
        hand_premium_pct("145200", "100.0", "1450"),
        hand_premium_pct("145200", "100.125", "1451"),
        hand_premium_pct("145300", "100.25", "1449.5"),
    ]
    assert df.premium_pct.tolist() == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert df.premium_bps.tolist() == pytest.approx([p * 100 for p in want], rel=1e-12, abs=1e-10)
    empty = align_mids(UPBIT.iloc[:0], BINANCE.iloc[:0], base="BTC", fx=parse_fx("upbit"), step=MIN)
    assert empty.empty and list(empty.columns) == list(PREMIUM_HISTORY_MID)


def test_premium_history_reads_recorded_mids_without_a_request(
    client: xt.Client, pinned: object, catalog: xt.Catalog
) -> None:
    before = len(pinned.requests)  # type: ignore[attr-defined]
    df = xr.premium_history(
        "BTC", interval="1m", start=T0, end=T0 + 3 * MIN, fx=["upbit", 1400.0], price="mid",
        catalog=catalog, client=client,
    )  # fmt: skip
    assert len(pinned.requests) == before  # type: ignore[attr-defined]
    assert df.attrs["price"] == "mid" and df.attrs["errors"] == {}
    assert list(df.columns) == list(PREMIUM_HISTORY_MID)
    up = df[df.fx_source == "upbit:USDT/KRW"]
    assert up.premium_pct.iloc[0] == pytest.approx(hand_premium_pct("145200", "100.0", "1450"), rel=1e-12)
    user = df[df.fx_source == "user"]
    assert (user.fx_rate == 1400.0).all()
    assert user.premium_pct.iloc[2] == pytest.approx(hand_premium_pct("145300", "100.25", "1400"), rel=1e-12)
    assert xr.premium_summary(df).fx_source.tolist() == ["upbit:USDT/KRW", "user"]
    # The window bounds what is read: [T0 + 1 min, T0 + 3 min) keeps two intervals. Upbit's
    # first mid in it is at minute 2: minute 1 is NaN, never filled from before the window.
    late = xr.premium_history(
        "BTC", interval="1m", start=T0 + MIN, end=T0 + 3 * MIN, price="mid", catalog=catalog, client=client
    )
    assert late.ts.tolist() == [T0 + MIN, T0 + 2 * MIN] and late.upbit_samples.iloc[1] == 1.0
    assert pd.isna(late.upbit_mid.iloc[0]) and pd.isna(late.upbit_samples.iloc[0])
    assert not late.filled_upbit.any()
    assert late.binance_mid.tolist() == [100.125, 100.25]


def test_premium_recordings_count_as_mids_once(client: xt.Client, tmp_path: Path) -> None:
    cat = xt.Catalog(tmp_path / "premium")
    rows = frame(
        "record_premium",
        {
            "exchange": ["upbit-binance"] * 2,
            "symbol": ["BTC"] * 2,
            "base": ["BTC"] * 2,
            "fx_source": ["upbit:USDT/KRW", "user"],
            "fx_rate": [1450.0, 1400.0],
            "upbit_mid": [145_200.0] * 2,
            "binance_mid": [100.0] * 2,
            "upbit_ts": [at(5)] * 2,
            "binance_ts": [at(6)] * 2,
            "fx_ts": [at(4)] * 2,
            "poll_ts": [at(7)] * 2,
        },
    )
    cat.write("record_premium", rows)
    df = xr.premium_history(
        "BTC", interval="1m", start=T0, end=T0 + MIN, price="mid", catalog=cat, client=client
    )
    assert df.upbit_samples.tolist() == [1.0] and df.fx_rate.tolist() == [1450.0]
    assert df.premium_pct.iloc[0] == pytest.approx(hand_premium_pct("145200", "100.0", "1450"), rel=1e-12)


def test_a_leg_not_recorded_is_nan_with_its_reason(client: xt.Client, tmp_path: Path) -> None:
    cat = xt.Catalog(tmp_path / "half")
    cat.write("record_tickers", BINANCE)
    cat.write("record_tickers", FX)
    df = xr.premium_history("BTC", start=T0, end=T0 + 3 * MIN, price="mid", catalog=cat, client=client)
    assert df.upbit_mid.isna().all() and df.premium_pct.isna().all() and df.binance_mid.notna().all()
    assert df.error.str.contains("no recorded mids of upbit:BTC/KRW").all()
    assert isinstance(df.attrs["errors"]["upbit"], xt.InvalidArgument)


def test_mids_are_refused_without_a_recording(client: xt.Client, tmp_path: Path) -> None:
    with pytest.raises(xt.InvalidArgument, match="neither Binance nor Upbit serves historical order books"):
        xr.premium_history("BTC", start=T0, end=T0 + MIN, price="mid", client=client)
    with pytest.raises(xt.InvalidArgument, match="no recorded book mids"):
        xr.premium_history(
            "BTC", start=T0, end=T0 + MIN, price="mid", catalog=xt.Catalog(tmp_path), client=client
        )
    with pytest.raises(xt.InvalidArgument, match="price must be one of close, mid"):
        xr.premium_history("BTC", price="last", client=client)


def test_closes_stay_the_default_and_say_so(client: xt.Client) -> None:
    end = T0.floor("min")
    df = xr.premium_history("BTC", interval="1m", start=end - 5 * MIN, end=end, client=client)
    assert df.attrs["price"] == "close" and list(df.columns) == list(SCHEMAS["premium_history"])
    assert df.ts.max() < end and df.upbit_close.notna().any()
