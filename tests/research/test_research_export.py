"""CSV / Parquet round trips keep dtypes and UTC timestamps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit._frames import RESEARCH_KINDS, SCHEMAS
from xtoolkit._frames import frame as build
from xtoolkit.research import read_csv, read_parquet, to_csv, to_parquet
from xtoolkit.research.export import path_safe, symbol_from_path, write_part

STAMPS = [
    pd.Timestamp("2025-01-01 09:00:00.123456789", tz="Asia/Seoul"),
    None,
    pd.Timestamp("2025-06-30 23:59:59", tz="UTC"),
]


def in_micros(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as Parquet keeps it: timestamps at microsecond precision (what Spark reads),
    still in a nanosecond column once read back."""
    out = df.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.floor("us")
    return out


def sample(kind: str) -> pd.DataFrame:
    """Three rows of ``kind`` with awkward values: NaN, NA, NaT, commas, quotes, newlines, "NA"."""
    cols: dict[str, list[object]] = {}
    for i, (name, dtype) in enumerate(SCHEMAS.get(kind, {}).items()):
        if dtype == "float64":
            cols[name] = [0.1 + 0.2 + i, np.nan, -1e-300]
        elif dtype == "int64":
            cols[name] = [i, -1, 2**40]
        elif dtype == "bool":
            cols[name] = [True, False, True]
        elif dtype.startswith("datetime64"):
            cols[name] = STAMPS
        else:
            cols[name] = ['a, "quoted"\nline', None, "NA"]
    if kind in xt.SCHEMAS:
        from xtoolkit._frames import frame

        return frame(kind, cols)
    return build(kind, cols)


KINDS = [*RESEARCH_KINDS, "tickers", "candles", "orderbook"]


@pytest.mark.parametrize("kind", KINDS)
def test_csv_round_trip(tmp_path: Path, kind: str) -> None:
    df = sample(kind)
    path = to_csv(df, tmp_path / f"{kind}.csv", kind=kind)
    back = read_csv(path)
    pd.testing.assert_frame_equal(back, df)
    stamps = [c for c in df.columns if str(df[c].dtype).startswith("datetime")]
    assert all(str(back[c].dt.tz) == "UTC" for c in stamps)
    pd.testing.assert_frame_equal(read_csv(path, kind=kind), df)


@pytest.mark.parametrize("kind", KINDS)
def test_parquet_round_trip(tmp_path: Path, kind: str) -> None:
    df = sample(kind)
    df.attrs["fx_sources"] = ["upbit:USDT/KRW"]
    back = read_parquet(to_parquet(df, tmp_path / f"{kind}.parquet", kind=kind))
    pd.testing.assert_frame_equal(back, in_micros(df))
    assert back.attrs["provenance"]["fx_sources"] == ["upbit:USDT/KRW"]


def test_foreign_timezones_are_normalised_to_utc(tmp_path: Path) -> None:
    import datetime as dt

    df = pd.DataFrame(
        {
            "t": pd.to_datetime(["2025-01-01 09:00"]).tz_localize("Asia/Seoul"),
            "u": [pd.Timestamp("2025-01-01", tz=dt.UTC)],
            "x": [1.5],
        }
    )
    for back in (
        read_csv(to_csv(df, tmp_path / "a.csv")),
        read_parquet(to_parquet(df, tmp_path / "a.parquet")),
    ):
        assert str(back.t.dtype) == "datetime64[ns, UTC]" and str(back.u.dtype) == "datetime64[ns, UTC]"
        assert back.t.iloc[0] == pd.Timestamp("2025-01-01 00:00", tz="UTC")
        assert back.x.iloc[0] == 1.5


def test_csv_append_and_missing_schema(tmp_path: Path) -> None:
    df = sample("premium")
    path = tmp_path / "p.csv"
    to_csv(df, path, kind="premium", append=True)
    to_csv(df, path, kind="premium", append=True)
    back = read_csv(path)
    pd.testing.assert_frame_equal(back, pd.concat([df, df], ignore_index=True))
    bare = tmp_path / "bare.csv"
    df.to_csv(bare, index=False)
    with pytest.raises(xt.InvalidArgument, match="sidecar"):
        read_csv(bare)
    pd.testing.assert_frame_equal(read_csv(bare, kind="premium"), df)


def test_hive_dataset_read(tmp_path: Path) -> None:
    df = sample("record_tickers").assign(
        exchange=["binance", "upbit", "binance"],
        symbol=["BTC/USDT", "BTC/KRW", "ETH/USDT"],
        poll_ts=pd.to_datetime(
            ["2025-01-01 00:00:01", "2025-01-01 00:00:02", "2025-01-02 00:00:03"], utc=True
        ).as_unit("ns"),
    )
    for (ex, sym), part in df.groupby(["exchange", "symbol"]):
        day = part.poll_ts.iloc[0].strftime("%Y-%m-%d")
        write_part(
            part.drop(columns=["exchange", "symbol"]),
            tmp_path / f"exchange={ex}" / f"symbol={path_safe(sym)}" / f"date={day}" / "part-0.parquet",
            kind="record_tickers",
        )
    back = read_parquet(tmp_path)
    pd.testing.assert_frame_equal(back, in_micros(df.sort_values("poll_ts").reset_index(drop=True)))
    assert symbol_from_path(path_safe("BTC/USDT")) == "BTC/USDT" and symbol_from_path("BTC") == "BTC"
    with pytest.raises(xt.InvalidArgument):
        read_parquet(tmp_path / "nope")
