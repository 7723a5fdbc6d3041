"""Pure: one schema registry, one frame builder — and the frames it builds are the ones the
four builders it replaced built (same columns, same order, same dtypes, same values).

EXPECTED was recorded from the builders at the commit before the merge (core ``frame``,
research ``build``, orders ``typed_frame`` and the stream buffer), for an empty frame and for
one-row frames of Timestamps, epoch milliseconds, ISO text and missing values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import xtoolkit as xt
from xtoolkit._frames import SCHEMAS, conform, frame, register, schema
from xtoolkit.exchanges._wallet import NETWORKS_SCHEMA, TRADING_FEES_SCHEMA
from xtoolkit.orders.journal import JOURNAL_SCHEMA
from xtoolkit.orders.reconcile import RECONCILE_SCHEMA
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.history import PREMIUM_HISTORY_MID
from xtoolkit.stream.buffer import StreamBuffer
from xtoolkit.stream.records import STREAM_SCHEMA
from xtoolkit.widgets.live_exec import LIVE_EXECUTABLE_SCHEMA

EXPECTED: dict[str, list[tuple[str, str]]] = {
    "tickers": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("bid", "float64"),
        ("bid_qty", "float64"),
        ("ask", "float64"),
        ("ask_qty", "float64"),
        ("last", "float64"),
        ("volume_24h", "float64"),
        ("quote_volume_24h", "float64"),
        ("change_24h_pct", "float64"),
        ("ts", "datetime64[ns, UTC]"),
    ],
    "orderbook": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("side", "str"),
        ("level", "int64"),
        ("price", "float64"),
        ("qty", "float64"),
        ("ts", "datetime64[ns, UTC]"),
    ],
    "trades": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("trade_id", "str"),
        ("price", "float64"),
        ("qty", "float64"),
        ("quote_qty", "float64"),
        ("side", "str"),
        ("ts", "datetime64[ns, UTC]"),
    ],
    "candles": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("interval", "str"),
        ("open_time", "datetime64[ns, UTC]"),
        ("open", "float64"),
        ("high", "float64"),
        ("low", "float64"),
        ("close", "float64"),
        ("volume", "float64"),
        ("quote_volume", "float64"),
        ("trades", "float64"),
        ("close_time", "datetime64[ns, UTC]"),
        ("is_closed", "bool"),
    ],
    "balances": [
        ("exchange", "str"),
        ("asset", "str"),
        ("free", "float64"),
        ("locked", "float64"),
        ("total", "float64"),
    ],
    "orders": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("order_id", "str"),
        ("client_order_id", "str"),
        ("side", "str"),
        ("type", "str"),
        ("status", "str"),
        ("price", "float64"),
        ("qty", "float64"),
        ("filled_qty", "float64"),
        ("filled_quote", "float64"),
        ("avg_price", "float64"),
        ("created", "datetime64[ns, UTC]"),
        ("updated", "datetime64[ns, UTC]"),
        ("venue_status", "str"),
    ],
    "markets": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("native", "str"),
        ("base", "str"),
        ("quote", "str"),
        ("status", "str"),
        ("tick_size", "float64"),
        ("step_size", "float64"),
        ("min_qty", "float64"),
        ("min_notional", "float64"),
        ("warning", "bool"),
    ],
    "compare": [
        ("base", "str"),
        ("exchange", "str"),
        ("symbol", "str"),
        ("quote", "str"),
        ("bid", "float64"),
        ("ask", "float64"),
        ("mid", "float64"),
        ("last", "float64"),
        ("fx_source", "str"),
        ("fx_rate", "float64"),
        ("fx_ts", "datetime64[ns, UTC]"),
        ("quote_n", "str"),
        ("bid_n", "float64"),
        ("ask_n", "float64"),
        ("mid_n", "float64"),
        ("last_n", "float64"),
        ("ts", "datetime64[ns, UTC]"),
        ("age_s", "float64"),
        ("stale", "bool"),
        ("error", "str"),
    ],
    "premium": [
        ("base", "str"),
        ("fx_source", "str"),
        ("fx_rate", "float64"),
        ("upbit_mid", "float64"),
        ("binance_mid", "float64"),
        ("binance_mid_krw", "float64"),
        ("upbit_mid_usdt", "float64"),
        ("premium_pct", "float64"),
        ("premium_bps", "float64"),
        ("upbit_ts", "datetime64[ns, UTC]"),
        ("binance_ts", "datetime64[ns, UTC]"),
        ("fx_ts", "datetime64[ns, UTC]"),
        ("upbit_age_s", "float64"),
        ("binance_age_s", "float64"),
        ("fx_age_s", "float64"),
        ("skew_s", "float64"),
        ("max_age_s", "float64"),
        ("stale", "bool"),
        ("error", "str"),
    ],
    "premium_history": [
        ("ts", "datetime64[ns, UTC]"),
        ("base", "str"),
        ("fx_source", "str"),
        ("upbit_close", "float64"),
        ("binance_close", "float64"),
        ("fx_rate", "float64"),
        ("binance_close_krw", "float64"),
        ("upbit_close_usdt", "float64"),
        ("premium_pct", "float64"),
        ("premium_bps", "float64"),
        ("upbit_volume", "float64"),
        ("binance_volume", "float64"),
        ("filled_upbit", "bool"),
        ("filled_binance", "bool"),
        ("filled_fx", "bool"),
        ("error", "str"),
    ],
    "premium_summary": [
        ("fx_source", "str"),
        ("count", "int64"),
        ("filled_excluded", "int64"),
        ("mean", "float64"),
        ("std", "float64"),
        ("min", "float64"),
        ("p5", "float64"),
        ("p25", "float64"),
        ("p50", "float64"),
        ("p75", "float64"),
        ("p95", "float64"),
        ("max", "float64"),
        ("latest", "float64"),
        ("latest_ts", "datetime64[ns, UTC]"),
        ("zscore_latest", "float64"),
    ],
    "book": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("side", "str"),
        ("level", "int64"),
        ("price", "float64"),
        ("qty", "float64"),
        ("quote", "str"),
        ("price_n", "float64"),
        ("notional_n", "float64"),
        ("cum_qty", "float64"),
        ("cum_notional_n", "float64"),
        ("mid_n", "float64"),
        ("distance_pct", "float64"),
        ("fx_source", "str"),
        ("fx_rate", "float64"),
        ("ts", "datetime64[ns, UTC]"),
    ],
    "valued_balances": [
        ("exchange", "str"),
        ("asset", "str"),
        ("symbol", "str"),
        ("free", "float64"),
        ("locked", "float64"),
        ("total", "float64"),
        ("price", "float64"),
        ("price_n", "float64"),
        ("value_n", "float64"),
        ("priced", "bool"),
        ("fx_source", "str"),
        ("fx_rate", "float64"),
        ("ts", "datetime64[ns, UTC]"),
        ("note", "str"),
        ("error", "str"),
    ],
    "record_premium": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("base", "str"),
        ("fx_source", "str"),
        ("fx_rate", "float64"),
        ("upbit_mid", "float64"),
        ("binance_mid", "float64"),
        ("binance_mid_krw", "float64"),
        ("upbit_mid_usdt", "float64"),
        ("premium_pct", "float64"),
        ("premium_bps", "float64"),
        ("upbit_ts", "datetime64[ns, UTC]"),
        ("binance_ts", "datetime64[ns, UTC]"),
        ("fx_ts", "datetime64[ns, UTC]"),
        ("upbit_age_s", "float64"),
        ("binance_age_s", "float64"),
        ("fx_age_s", "float64"),
        ("skew_s", "float64"),
        ("max_age_s", "float64"),
        ("stale", "bool"),
        ("error", "str"),
        ("poll_ts", "datetime64[ns, UTC]"),
        ("lag_s", "float64"),
        ("error_type", "str"),
    ],
    "record_tickers": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("bid", "float64"),
        ("bid_qty", "float64"),
        ("ask", "float64"),
        ("ask_qty", "float64"),
        ("last", "float64"),
        ("volume_24h", "float64"),
        ("quote_volume_24h", "float64"),
        ("change_24h_pct", "float64"),
        ("ts", "datetime64[ns, UTC]"),
        ("mid", "float64"),
        ("poll_ts", "datetime64[ns, UTC]"),
        ("lag_s", "float64"),
        ("error_type", "str"),
        ("error", "str"),
    ],
    "record_errors": [
        ("poll_ts", "datetime64[ns, UTC]"),
        ("exchange", "str"),
        ("error_type", "str"),
        ("error", "str"),
    ],
    "exchanges": [
        ("exchange", "str"),
        ("active", "bool"),
        ("keyed", "bool"),
        ("quote", "str"),
        ("base_url", "str"),
        ("sandbox", "bool"),
    ],
    "reconcile": [
        ("client_order_id", "str"),
        ("exchange", "str"),
        ("symbol", "str"),
        ("verdict", "str"),
        ("order_id", "str"),
        ("status", "str"),
        ("filled_qty", "float64"),
        ("attempts", "int64"),
        ("detail", "str"),
    ],
    "journal": [
        ("created", "datetime64[ns, UTC]"),
        ("updated", "datetime64[ns, UTC]"),
        ("client_order_id", "str"),
        ("exchange", "str"),
        ("symbol", "str"),
        ("side", "str"),
        ("type", "str"),
        ("price", "float64"),
        ("qty", "float64"),
        ("quote_qty", "float64"),
        ("notional", "float64"),
        ("quote", "str"),
        ("mode", "str"),
        ("state", "str"),
        ("verdict", "str"),
        ("order_id", "str"),
        ("filled_qty", "float64"),
        ("error", "str"),
        ("sandbox", "bool"),
    ],
    "stream": [
        ("exchange", "str"),
        ("symbol", "str"),
        ("channel", "str"),
        ("bid", "float64"),
        ("ask", "float64"),
        ("bid_qty", "float64"),
        ("ask_qty", "float64"),
        ("price", "float64"),
        ("qty", "float64"),
        ("side", "str"),
        ("event_ts", "datetime64[ns, UTC]"),
        ("received_ts", "datetime64[ns, UTC]"),
        ("seq", "Int64"),
        ("gap", "bool"),
        ("reason", "str"),
    ],
}

#: Tables the order wing defines next to their code (built by the same builder).
ORDER_TABLES = {"journal": JOURNAL_SCHEMA, "reconcile": RECONCILE_SCHEMA}
REGISTERED = sorted(EXPECTED)
#: Kinds born after the merge (wallet and fee verbs, the executable premium): the modules that
#: declare them are imported above, so the registry is complete whatever ran first.
NEWER: dict[str, dict[str, str]] = {
    "networks": NETWORKS_SCHEMA,
    "trading_fees": TRADING_FEES_SCHEMA,
    **EXECUTION_SCHEMAS,
    "premium_history_mid": PREMIUM_HISTORY_MID,
    "live_executable": LIVE_EXECUTABLE_SCHEMA,
}

STAMP = pd.Timestamp("2024-01-02T03:04:05.123456789Z")


def sample_row(spec: dict[str, str], ts: Any) -> dict[str, list[Any]]:
    values = {"str": "x", "float64": 1.5, "int64": 2, "bool": True, "Int64": 7}
    return {c: [values.get(d, ts)] for c, d in spec.items()}


def missing_row(spec: dict[str, str]) -> dict[str, list[Any]]:
    return {c: [0 if d == "int64" else None] for c, d in spec.items()}


def dtypes(df: pd.DataFrame) -> list[tuple[str, str]]:
    return [(c, str(t)) for c, t in df.dtypes.items()]


def test_the_registry_holds_every_kind_once() -> None:
    assert xt.SCHEMAS is SCHEMAS
    assert sorted(SCHEMAS) == sorted([*REGISTERED, *NEWER])
    for kind, columns in NEWER.items():
        assert SCHEMAS[kind] == dict(columns), kind
        assert dtypes(frame(kind)) == list(columns.items()), kind
    assert STREAM_SCHEMA is SCHEMAS["stream"]
    for kind in REGISTERED:
        assert list(SCHEMAS[kind].items()) == EXPECTED[kind], kind


@pytest.mark.parametrize("kind", REGISTERED)
def test_every_kind_builds_its_old_frame(kind: str) -> None:
    spec = schema(kind)
    empty = frame(kind)
    assert empty.empty and dtypes(empty) == EXPECTED[kind]
    assert isinstance(empty.index, pd.RangeIndex)
    for ts in (STAMP, STAMP.isoformat()):
        one = frame(kind, sample_row(spec, ts))
        assert len(one) == 1 and dtypes(one) == EXPECTED[kind]
    blank = frame(kind, missing_row(spec))
    assert dtypes(blank) == EXPECTED[kind]
    for col, dtype in spec.items():
        value = blank[col].iloc[0]
        if dtype == "bool":
            assert value is np.False_
        elif dtype == "int64":
            assert value == 0
        else:
            assert pd.isna(value), (kind, col)


@pytest.mark.parametrize("kind", sorted(ORDER_TABLES))
def test_order_tables_are_registered_under_their_own_names(kind: str) -> None:
    # The journal and reconcile tables register themselves; their modules keep the names.
    assert SCHEMAS[kind] is ORDER_TABLES[kind]


def test_stream_kind_is_the_buffer_frame() -> None:
    assert dtypes(StreamBuffer().frame()) == dtypes(frame("stream")) == EXPECTED["stream"]


def test_values_of_one_row() -> None:
    ms = int(STAMP.value // 1_000_000)
    row = frame("tickers", {"exchange": ["binance"], "bid": [None], "ask": [2.5], "ts": [ms]})
    assert row.loc[0, "ts"] == pd.Timestamp(ms, unit="ms", tz="UTC")
    assert np.isnan(row.loc[0, "bid"]) and row.loc[0, "ask"] == 2.5 and pd.isna(row.loc[0, "symbol"])
    prem = frame("premium", {"base": ["BTC"], "upbit_ts": [STAMP], "stale": [True], "error": [float("nan")]})
    assert prem.loc[0, "upbit_ts"] == STAMP and prem.loc[0, "stale"] and pd.isna(prem.loc[0, "error"])
    seq = frame("stream", {"seq": [2**62 + 1, None]})
    assert seq["seq"].iloc[0] == 2**62 + 1 and pd.isna(seq["seq"].iloc[1])


def test_raw_payloads_ride_along_only_when_asked() -> None:
    cols = {"exchange": ["upbit"], "raw": [{"market": "KRW-BTC"}]}
    assert "raw" not in frame("tickers", cols).columns
    with_raw = frame("tickers", cols, raw=True)
    assert list(with_raw.columns) == [c for c, _ in EXPECTED["tickers"]] + ["raw"]
    assert with_raw.loc[0, "raw"] == {"market": "KRW-BTC"}


def test_unknown_columns_and_kinds_are_refused() -> None:
    with pytest.raises(xt.InvalidArgument, match="no columns"):
        frame("premium", {"premiun_pct": [1.0]})
    with pytest.raises(xt.InvalidArgument, match="unknown frame kind"):
        frame("premiums")


def test_register_adds_a_kind_once() -> None:
    spec = {"exchange": "str", "n": "int64"}
    try:
        assert register("test_registry_kind", spec) == spec
        assert register("test_registry_kind", dict(spec)) is SCHEMAS["test_registry_kind"]
        assert dtypes(frame("test_registry_kind")) == [("exchange", "str"), ("n", "int64")]
        with pytest.raises(xt.InvalidArgument, match="already registered"):
            register("test_registry_kind", {"exchange": "str"})
        with pytest.raises(xt.InvalidArgument, match="unknown dtypes"):
            register("test_registry_bad", {"x": "float32"})
    finally:
        SCHEMAS.pop("test_registry_kind", None)


def test_conform_restores_the_schema() -> None:
    loose = pd.DataFrame({"extra": [1], "base": ["BTC"], "upbit_ts": ["2024-01-02T03:04:05Z"]})
    df = conform(loose, "premium")
    assert dtypes(df)[: len(EXPECTED["premium"])] == EXPECTED["premium"]
    assert list(df.columns)[-1] == "extra"
