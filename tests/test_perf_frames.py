"""The fast frame paths (issue 17) build exactly the frames the element-wise paths built.

No timing here (speed is judged in bench/): these pin that the bulk conversions, the typed-column
pass-through of ``conform``, the Quotes lookup and the Recorder's one-build poll give frames equal
to the general paths — values, dtypes, the UTC tz object — and share no memory with their input.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import numpy as np
import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit import _frames
from xtoolkit._frames import conform, frame
from xtoolkit._sinks import error_type
from xtoolkit.research._fetch import Quotes
from xtoolkit.research.recorder import _contiguous

T = pd.Timestamp
UTC = dt.UTC


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def reference_column(values: Any, dtype: str, n: int) -> Any:
    """The element-wise conversion every fast path must agree with (the pre-issue-17 builder)."""
    vals = list(values)
    if dtype == "float64":
        return np.array([np.nan if _missing(v) else v for v in vals] if vals else [np.nan] * n, dtype=float)
    if dtype == "int64":
        return np.array(vals if vals else [0] * n, dtype=np.int64)
    if dtype == "bool":
        return np.array(vals if vals else [False] * n, dtype=bool)
    if dtype == "Int64":
        return pd.array(
            [None if _missing(v) else int(v) for v in vals] if vals else [None] * n, dtype="Int64"
        )
    if dtype == "datetime64[ns, UTC]":
        if not vals:
            return pd.DatetimeIndex([pd.NaT] * n, dtype=dtype)
        first = next((v for v in vals if not _missing(v)), None)
        if isinstance(first, int | float | np.integer | np.floating) and not isinstance(first, bool):
            ms = np.array([-(2**63) if _missing(v) else int(v) for v in vals], dtype=np.int64)
            return pd.to_datetime(ms, unit="ms", utc=True).as_unit("ns")
        stamps = [pd.NaT if _missing(v) else v for v in vals]
        return pd.DatetimeIndex(pd.to_datetime(stamps, utc=True, format="ISO8601")).as_unit("ns")
    return pd.array([None if _missing(v) else str(v) for v in vals] if vals else [None] * n, dtype="str")


CASES: list[tuple[str, Any]] = [
    ("float64", [1.0, 2.5]),
    ("float64", [None, 1.0]),
    ("float64", [float("nan"), 2]),
    ("float64", [pd.NA, 1.0]),
    ("float64", [pd.NaT, 1.0]),
    ("float64", ["1.5", 2]),
    ("float64", np.array([1.0, 2.0], dtype=np.float32)),
    ("float64", np.array([1, 2])),
    ("float64", pd.Series([1.0, None])),
    ("int64", [1, 2]),
    ("int64", np.array([3, 4])),
    ("bool", [True, False]),
    ("bool", pd.Series([False, True])),
    ("Int64", [1, None]),
    ("Int64", [2**62, pd.NA]),
    ("str", ["a", None]),
    ("str", ["a", float("nan")]),
    ("str", [1, "x"]),
    ("str", [pd.NA, "y"]),
    ("str", [b"x", "y"]),
    ("str", pd.Series(["a", None], dtype="str")),
    ("datetime64[ns, UTC]", [1_700_000_000_000, 1_700_000_000_001]),
    ("datetime64[ns, UTC]", [1.7e12, 1_700_000_000_000.7]),
    ("datetime64[ns, UTC]", [None, 1_700_000_000_000]),
    ("datetime64[ns, UTC]", [float("nan"), 1]),
    ("datetime64[ns, UTC]", [T("2024-01-01", tz="UTC"), pd.NaT]),
    ("datetime64[ns, UTC]", [T("2024-01-01"), T("2024-01-01 09:00", tz="Asia/Seoul")]),
    ("datetime64[ns, UTC]", [T("2024-01-01", tz="UTC").as_unit("s")]),
    ("datetime64[ns, UTC]", ["2024-01-01T00:00:00Z"]),
    ("datetime64[ns, UTC]", [None, T("2024-01-01", tz="UTC")]),
    ("datetime64[ns, UTC]", pd.Series(pd.to_datetime([1, 2], unit="ms", utc=True))),
    ("datetime64[ns, UTC]", pd.to_datetime([1], unit="ms", utc=True).as_unit("ms")),
]


@pytest.mark.parametrize(("dtype", "values"), CASES, ids=[f"{d}-{i}" for i, (d, _) in enumerate(CASES)])
def test_every_fast_path_builds_the_reference_column(dtype: str, values: Any) -> None:
    got = frame({"c": dtype}, {"c": values})
    want = pd.DataFrame({"c": reference_column(values, dtype, len(values))})
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    if dtype.startswith("datetime"):
        assert got["c"].dt.tz is UTC


@pytest.mark.parametrize("dtype", ["float64", "int64", "bool", "Int64", "str", "datetime64[ns, UTC]"])
def test_absent_columns_are_filled_as_before(dtype: str) -> None:
    got = frame({"c": dtype, "d": "float64"}, {"d": [1.0, 2.0]})
    want = pd.DataFrame({"c": reference_column([], dtype, 2), "d": [1.0, 2.0]})
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_unequal_columns_go_through_pandas_as_before() -> None:
    with pytest.raises(ValueError, match="Length of values"):
        frame("tickers", {"bid": [1.0, 2.0], "ask": [1.0, 2.0, 3.0]})
    # One value against two rows: pandas' constructor broadcasts it, as it always did here.
    assert frame("tickers", {"bid": [1.0, 2.0], "ask": [7.0]})["ask"].tolist() == [7.0, 7.0]


def test_a_frame_built_from_another_frames_columns_shares_no_memory() -> None:
    src = frame("tickers", {"exchange": ["a"], "symbol": ["X/Y"], "bid": [1.0], "ts": [5]})
    copy = frame("tickers", {c: src[c] for c in src.columns})
    copy.loc[0, "bid"] = 9.0
    copy.loc[0, "exchange"] = "z"
    assert src.loc[0, "bid"] == 1.0 and src.loc[0, "exchange"] == "a"


def _reference_conform(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    spec = _frames.schema(kind)
    out = {
        name: _frames.coerce(df[name].reset_index(drop=True), d)
        if name in df.columns
        else reference_column([], d, len(df))
        for name, d in spec.items()
    }
    out.update({c: df[c].reset_index(drop=True) for c in df.columns if c not in spec})
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


BASE = frame("tickers", {"exchange": ["a", "b"], "symbol": ["x", None], "bid": [1.0, None], "ts": [1, 2]})


@pytest.mark.parametrize(
    "df",
    [
        BASE,
        BASE.iloc[::-1],
        BASE.assign(extra=[1, 2]),
        BASE.drop(columns=["bid"]),
        BASE.astype({"bid": "float32"}),
        BASE.assign(ts=BASE.ts.dt.tz_convert(zoneinfo.ZoneInfo("UTC"))),
        BASE.assign(ts=BASE.ts.dt.tz_convert("Asia/Seoul")),
        BASE.assign(symbol=BASE.symbol.astype(object)),
        BASE.set_index(pd.Index([5, 6])),
        BASE.iloc[:0],
        BASE.assign(ts=BASE.ts.dt.as_unit("ms")),
    ],
)
def test_conform_keeps_typed_columns_and_coerces_the_rest_as_before(df: pd.DataFrame) -> None:
    before = df.copy(deep=True)
    got = conform(df, "tickers")
    pd.testing.assert_frame_equal(got, _reference_conform(df, "tickers"), check_exact=True)
    assert got["ts"].dt.tz is UTC
    if len(got):
        got.iloc[0, 2] = 99.0
        got.iloc[0, 0] = "zz"
    pd.testing.assert_frame_equal(df, before)


def test_conform_does_not_re_coerce_a_typed_column(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = _frames.coerce

    def counting(series: pd.Series, dtype: str) -> pd.Series:
        calls.append(str(series.name))
        return real(series, dtype)

    monkeypatch.setattr(_frames, "coerce", counting)
    conform(BASE.astype({"bid": "float32"}), "tickers")
    assert calls == ["bid"]


def test_quotes_lookup_equals_the_masked_row() -> None:
    df = frame(
        "tickers",
        {
            "exchange": ["upbit"] * 3,
            "symbol": ["BTC/KRW", "ETH/KRW", "BTC/KRW"],
            "bid": [1.0, None, 3.0],
            "ask": [2.0, 4.0, 5.0],
            "last": [1.5, 3.5, 4.5],
            "ts": [1_700_000_000_000, None, 1_700_000_000_002],
        },
    )
    q = Quotes("upbit", df, T.now(tz="UTC"))
    for sym in ("BTC/KRW", "ETH/KRW"):
        row = q.row(sym)
        assert row is not None
        got = q.quote(sym)
        assert got is not None
        want = (float(row["bid"]), float(row["ask"]), float(row["last"]), row["ts"])
        assert got[:3] == want[:3] or (np.isnan(got[0]) and np.isnan(want[0]) and got[1:3] == want[1:3])
        assert (got[3] is pd.NaT and want[3] is pd.NaT) or got[3] == want[3]
    assert q.quote("XRP/KRW") is None and q.row("XRP/KRW") is None


def _reference_finish(rows: pd.DataFrame, polled: pd.Timestamp, lag: float, kind: str) -> pd.DataFrame:
    rows = conform(rows.assign(poll_ts=polled, lag_s=lag), kind)
    rows["error_type"] = pd.array([error_type(e) for e in rows["error"]], dtype="str")
    return rows


def test_recorder_poll_rows_equal_the_conform_path() -> None:
    now = T("2026-01-02 03:04:05.123456789", tz="UTC")
    prem = frame(
        "premium",
        {
            "base": ["BTC", "ETH"],
            "fx_rate": [1.0, 2.0],
            "upbit_ts": [now, pd.NaT],
            "error": [None, "RateLimited: x"],
            "stale": [True, False],
        },
    )
    client = xt.Client(use_env=False, env_file=None)
    try:
        rec = xt.Recorder(client, "premium", bases=["BTC"])
        want = _reference_finish(
            prem.assign(exchange="upbit-binance", symbol=prem["base"]), now, 0.25, rec.kind
        )
        pd.testing.assert_frame_equal(rec._finish(prem, now, 0.25), want, check_exact=True)
        pd.testing.assert_frame_equal(
            rec._finish(prem.assign(exchange="upbit-binance", symbol=prem["base"]), now, 0.25), want
        )
        tickers = xt.Recorder(client, "tickers", markets=["binance:BTC/USDT"])
        tk = conform(BASE.assign(mid=[1.0, 2.0]), "record_tickers")
        pd.testing.assert_frame_equal(
            tickers._finish(tk, now, 0.1), _reference_finish(tk, now, 0.1, "record_tickers"), check_exact=True
        )
    finally:
        client.close()


def test_folded_text_columns_are_one_chunk_with_the_same_values() -> None:
    parts = [
        frame("record_errors", {"exchange": [f"x{i}"], "error": [None if i % 2 else "E: e"]})
        for i in range(8)
    ]
    folded = pd.concat(parts, ignore_index=True)
    assert folded["exchange"].array.__arrow_array__().num_chunks == 8
    same = _contiguous(folded.copy())
    pd.testing.assert_frame_equal(same, folded, check_exact=True)
    assert same["exchange"].array.__arrow_array__().num_chunks == 1


TICKER_COLUMNS: dict[str, list[Any]] = {
    "exchange": ["upbit", "upbit", "upbit"],
    "symbol": ["BTC/KRW", "ETH/KRW", "BTC/KRW"],
    "bid": ["1.5", None, 3.0],  # venue text, a hole, a number
    "ask": [2.0, 4.0, 5.0],
    "last": [1.5, 3.5, 4.5],
    "volume_24h": [10, None, 1e-9],
    "ts": [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002],
    "raw": [{"a": 1}, {}, None],
}


def _same(a: list[Any], b: list[Any]) -> bool:
    """Equal lists, a missing value (NaN/NaT) equal only to another of the same type."""
    return len(a) == len(b) and all(
        (x == y and type(x) is type(y)) or (_missing(x) and _missing(y) and type(x) is type(y))
        for x, y in zip(a, b, strict=True)
    )


def test_typed_columns_read_and_assemble_what_frame_builds() -> None:
    want = frame("tickers", TICKER_COLUMNS)
    typed = _frames.typed_columns("tickers", TICKER_COLUMNS)
    for name in want.columns:
        assert _same(typed.values(name), want[name].tolist()), name
    pd.testing.assert_frame_equal(typed.frame(), want, check_exact=True)
    # Text that is not all str goes the general way, as the frame does.
    odd = _frames.typed_columns("tickers", {"symbol": ["A/B", 7, None]})
    assert _same(odd.values("symbol"), frame("tickers", {"symbol": ["A/B", 7, None]})["symbol"].tolist())
    assert odd.values("symbol")[:2] == ["A/B", "7"]
    pd.testing.assert_frame_equal(odd.frame(), frame("tickers", {"symbol": ["A/B", 7, None]}))


def test_typed_columns_refuse_what_frame_refuses_up_front() -> None:
    bad = {**TICKER_COLUMNS, "ask": ["not a price", 1.0, 2.0]}
    with pytest.raises(ValueError):
        frame("tickers", bad)
    with pytest.raises(ValueError):  # at once, not when a column is first read
        _frames.typed_columns("tickers", bad)
    with pytest.raises(xt.InvalidArgument):
        _frames.typed_columns("tickers", {"nope": [1]})


def test_quotes_from_typed_columns_equal_quotes_from_the_frame() -> None:
    received = T("2026-01-02", tz="UTC")
    from_frame = Quotes("upbit", frame("tickers", TICKER_COLUMNS), received)
    typed = Quotes("upbit", _frames.typed_columns("tickers", TICKER_COLUMNS), received)
    for sym in ("BTC/KRW", "ETH/KRW", "XRP/KRW"):
        a, b = from_frame.quote(sym), typed.quote(sym)
        assert (a is None and b is None) or (a is not None and b is not None and _same(list(a), list(b)))
    pd.testing.assert_frame_equal(typed.frame, from_frame.frame, check_exact=True)
    assert typed.frame is typed.frame  # assembled once


def _premium_polls(n: int) -> list[dict[str, list[Any]]]:
    """One-base premium poll columns as poll_premium hands them over (lists, holes included)."""
    polls = []
    for i in range(n):
        stamp = T("2026-01-02 03:04:05", tz="UTC") + pd.Timedelta(seconds=i)
        failed = i % 5 == 3
        cols = {name: [None] for name in xt.SCHEMAS["premium"]}
        cols.update(
            base=["BTC"],
            fx_source=["upbit:KRW-USDT"],
            fx_rate=[None if failed else 1450.0 + i],
            upbit_mid=[None if failed else 1.5e8 + i],
            premium_pct=[None if failed else 0.1 * i],
            upbit_ts=[pd.NaT if failed else stamp],
            binance_ts=[stamp],
            fx_ts=[pd.NaT if failed else stamp],
            stale=[failed],
            error=["RateLimited: upbit" if failed else None],
        )
        polls.append(cols)
    return polls


@pytest.mark.parametrize("polls", [10, 64, 70, 200])
def test_recorder_buffered_columns_give_the_frames_the_per_poll_path_gave(polls: int) -> None:
    client = xt.Client(use_env=False, env_file=None)  # never sends: only the buffers are used
    try:
        lists = xt.Recorder(client, "premium", bases=["BTC"], max_rows=100)
        frames = xt.Recorder(client, "premium", bases=["BTC"], max_rows=100)
        for i, cols in enumerate(_premium_polls(polls)):
            polled = T("2026-01-02 03:04:06", tz="UTC") + pd.Timedelta(seconds=i)
            record = lists._record(cols, polled, 0.01 * i)
            assert isinstance(record, dict)  # kept as lists, no frame per poll
            lists._append(record, polled, {})
            frames._append(frames._finish(cols, polled, 0.01 * i), polled, {})
        got, want = lists.frame, frames.frame
        assert len(got) == min(polls, 100)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert list(got.dtypes) == [pd.api.types.pandas_dtype(d) for d in xt.SCHEMAS["record_premium"].values()]
    finally:
        client.close()
