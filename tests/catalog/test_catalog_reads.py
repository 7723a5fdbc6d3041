"""The same files read by pyarrow, Dask and DuckDB without options (and Spark when present)."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from catalog_helpers import MARKETS, hours_before_now, pinned_box

import xtoolkit as xt

_FLOATS = ("open", "high", "low", "close", "volume", "quote_volume", "trades")


@pytest.fixture(scope="module")
def filled(tmp_path_factory: Any) -> xt.Catalog:
    root = tmp_path_factory.mktemp("catalog")
    with pinned_box() as (box, client):
        cat = xt.Catalog(root, client=client)
        cat.backfill(MARKETS, "1m", start=hours_before_now(box, 2))
    return xt.Catalog(root)


def test_parquet_timestamps_are_micros_utc(filled: xt.Catalog) -> None:
    files = [os.path.join(d, f) for d, _, fs in os.walk(filled.path) for f in fs if f.endswith(".parquet")]
    assert files
    meta = pq.ParquetFile(files[0]).schema.column(0)
    assert meta.name == "open_time"
    logical = str(meta.logical_type)
    assert "isAdjustedToUTC=true" in logical and "timeUnit=microseconds" in logical


def test_pyarrow_reads_hive_dataset(filled: xt.Catalog) -> None:
    table = ds.dataset(filled.path, format="parquet", partitioning="hive").to_table()
    assert table.schema.field("open_time").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("close_time").type == pa.timestamp("us", tz="UTC")
    for name in _FLOATS:
        assert table.schema.field(name).type == pa.float64()
    assert set(table.column("exchange").to_pylist()) == {"binance", "upbit"}


def test_dask_reads_with_exact_dtypes(filled: xt.Catalog) -> None:
    dd = pytest.importorskip("dask.dataframe")
    df = dd.read_parquet(os.path.join(filled.path, "kind=candles")).compute()
    assert str(df["open_time"].dtype) == "datetime64[us, UTC]"
    assert str(df["close_time"].dtype) == "datetime64[us, UTC]"
    for name in _FLOATS:
        assert df[name].dtype == "float64"
    assert len(df) == len(filled.sql("SELECT * FROM candles"))


def test_duckdb_reads_with_exact_types(filled: xt.Catalog) -> None:
    import duckdb

    pattern = os.path.join(filled.path, "kind=candles", "**", "*.parquet")
    con = duckdb.connect()
    types = dict(
        con.execute(f"DESCRIBE SELECT * FROM read_parquet('{pattern}')").fetchall()[i][:2] for i in range(0)
    )
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{pattern}')").fetchall()
    types = {r[0]: r[1] for r in rows}
    assert types["open_time"] == "TIMESTAMP WITH TIME ZONE"
    assert types["close"] == "DOUBLE"
    df = filled.sql("SELECT symbol, open_time, close FROM candles ORDER BY open_time LIMIT 5")
    assert str(df["open_time"].dtype) == "datetime64[us, UTC]"
    assert set(filled.sql("SELECT DISTINCT symbol FROM candles")["symbol"]) == {
        "BTC/USDT",
        "BTC/KRW",
        "USDT/KRW",
    }


def test_catalog_candles_match_the_venue(filled: xt.Catalog) -> None:
    with pinned_box() as (box, client):
        start = hours_before_now(box, 2)
        end = start + pd.Timedelta(hours=1)
        venue = client.candles("upbit:BTC/KRW", interval="1m", start=start, end=end)
    stored = filled.candles("upbit:BTC/KRW", "1m", start, end)
    pd.testing.assert_frame_equal(stored, venue, check_dtype=True)


def test_empty_catalog_queries_give_typed_empty_frames(tmp_path: Any) -> None:
    df = xt.Catalog(tmp_path).sql("SELECT * FROM candles")
    assert df.empty and "open_time" in df.columns
    with pytest.raises(xt.XtoolkitError):
        xt.Catalog(tmp_path).sql("SELECT * FROM nowhere")


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")
def test_spark_reads_without_options(filled: xt.Catalog) -> None:
    pyspark = pytest.importorskip("pyspark.sql")
    spark = (
        pyspark.SparkSession.builder.master("local[1]")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        df = spark.read.parquet(os.path.join(filled.path, "kind=candles"))
        types = dict(df.dtypes)
        assert types["open_time"] == "timestamp" and types["close"] == "double"
        assert df.count() == len(filled.sql("SELECT * FROM candles"))
    finally:
        spark.stop()
