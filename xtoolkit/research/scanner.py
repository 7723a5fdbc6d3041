"""The premium scanner: every base on both venues from one ticker frame, books for the top N.

Two steps, both pure:

1. :func:`scan_premium` — from one batched ``tickers`` frame per venue (concatenated; Binance
   ``BASE/USDT``, Upbit ``BASE/KRW`` and, for the Upbit FX basis, ``USDT/KRW``), the gross
   premium of every base listed on both, at the mids, the last prices and the top of the books,
   with Upbit's market warning and caution flags as columns;
2. :func:`top_bases` picks the N bases worth a book fetch, and :func:`attach_executable` folds an
   :func:`~xtoolkit.research.executable.executable_premium` frame of those into the scan.

Premium columns (all gross: no fees, no transfer; FX in ``fx_basis``, ``"upbit:USDT/KRW mid"``
or ``"user:<rate>"``):

* ``premium_gross_mid_bps`` = upbit_mid / (binance_mid × fx_mid) − 1;
* ``premium_gross_last_bps`` = upbit_last / (binance_last × fx_mid) − 1;
* ``premium_gross_top_binance_to_upbit_bps`` = upbit_bid / (binance_ask × fx_ask) − 1 (buy on
  Binance, sell on Upbit, buy USDT back, each at the best price);
* ``premium_gross_top_upbit_to_binance_bps`` = binance_bid × fx_bid / upbit_ask − 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument, MalformedResponse
from xtoolkit._frames import frame
from xtoolkit.research._common import join_errors, validate_bases
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.routes import DIRECTIONS
from xtoolkit.research.walk import MONEY, FxRate, age_s, dec, fnum, parse_fx_rates, utc_now_arg

__all__ = [
    "CAUTION_TYPES",
    "MarketEvent",
    "attach_executable",
    "listed_bases",
    "scan_premium",
    "top_bases",
    "upbit_market_events",
]

#: Upbit ``market_event.caution`` alert types (spec §12.3), each a ``upbit_caution_<lower>`` column.
CAUTION_TYPES: tuple[str, ...] = (
    "PRICE_FLUCTUATIONS",
    "TRADING_VOLUME_SOARING",
    "DEPOSIT_AMOUNT_SOARING",
    "GLOBAL_PRICE_DIFFERENCES",
    "CONCENTRATION_OF_SMALL_ACCOUNTS",
)

_BPS = Decimal(10_000)
_FX_SYMBOL = "USDT/KRW"
_CAUTION_COLUMNS = tuple((name, f"upbit_caution_{name.lower()}") for name in CAUTION_TYPES)


@dataclass(frozen=True, slots=True)
class MarketEvent:
    """Upbit's designations of one market: ``warning`` (유의 종목) and the active caution types."""

    warning: bool
    cautions: frozenset[str]


def upbit_market_events(payload: Any) -> dict[str, MarketEvent]:
    """Base -> :class:`MarketEvent` of every KRW market in ``GET /v1/market/all?is_details=true``.

    The removed ``market_warning: "CAUTION"`` field, where still present, maps to ``warning``.
    """
    if not isinstance(payload, list):
        raise MalformedResponse("upbit market/all is not an array", exchange="upbit", payload=payload)
    out: dict[str, MarketEvent] = {}
    for item in payload:
        if not isinstance(item, Mapping):
            continue
        quote, _, base = str(item.get("market", "")).partition("-")
        if quote != "KRW" or not base:
            continue
        event = item.get("market_event") or {}
        caution = event.get("caution") or {}
        warning = bool(event.get("warning")) or item.get("market_warning") == "CAUTION"
        active = (
            frozenset(k for k, v in caution.items() if v is True)
            if isinstance(caution, Mapping)
            else frozenset()
        )
        out[base.upper()] = MarketEvent(warning=warning, cautions=active)
    return out


def listed_bases(markets: pd.DataFrame) -> list[str]:
    """Bases listed on both venues in a ``markets`` frame: Binance ``/USDT`` trading, Upbit ``/KRW``.

    Upbit markets under a warning or caution stay in (they are columns of the scan, not a filter).
    """
    for col in ("exchange", "base", "quote", "status"):
        if col not in markets.columns:
            raise InvalidArgument(f"a markets frame needs the column {col!r}")
    exchanges = markets["exchange"].tolist()
    bases = markets["base"].tolist()
    quotes = markets["quote"].tolist()
    statuses = markets["status"].tolist()
    binance = {
        b
        for e, b, q, s in zip(exchanges, bases, quotes, statuses, strict=True)
        if e == "binance" and q == "USDT" and s == "TRADING"
    }
    upbit = [b for e, b, q in zip(exchanges, bases, quotes, strict=True) if e == "upbit" and q == "KRW"]
    return list(dict.fromkeys(b for b in upbit if b in binance and b != "USDT"))


@dataclass(frozen=True, slots=True)
class _Tick:
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    quote_volume: float
    ts: Any

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        with localcontext(MONEY):
            return (self.bid + self.ask) / 2


def _price(value: Any) -> Decimal | None:
    if type(value) is float:  # a float64 tickers column: the only kind the client builds
        if not math.isfinite(value):
            return None
        d = Decimal(repr(value))
        return d if d > 0 else None
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return None
    d = dec(value, what="a ticker price")
    return d if d > 0 else None


def _ticks(tickers: pd.DataFrame) -> dict[tuple[str, str], _Tick]:
    need = ("exchange", "symbol", "bid", "ask", "last", "quote_volume_24h", "ts")
    missing = [c for c in need if c not in tickers.columns]
    if missing:
        raise InvalidArgument(f"a tickers frame needs the columns {missing}")
    out: dict[tuple[str, str], _Tick] = {}
    cols = [tickers[c].tolist() for c in need]
    for ex, sym, bid, ask, last, qv, ts in zip(*cols, strict=True):
        out[(ex, sym)] = _Tick(_price(bid), _price(ask), _price(last), qv, ts)
    return out


def _ratio_bps(num: Decimal | None, den: Decimal | None) -> Decimal | None:
    if num is None or den is None or not den:
        return None
    with localcontext(MONEY):
        return (num / den - 1) * _BPS


def _mul(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None or b is None:
        return None
    with localcontext(MONEY):
        return a * b


def _fx_label(fx: FxRate) -> str:
    return "upbit:USDT/KRW mid" if fx.is_book else fx.label


def scan_premium(
    tickers: pd.DataFrame,
    *,
    now: Any,
    fx: Any = "upbit",
    events: Mapping[str, MarketEvent] | None = None,
    bases: Iterable[str] | None = None,
    sort_by: str = "premium_gross_mid_bps",
    descending: bool = True,
) -> pd.DataFrame:
    """The gross premium of every base listed on both venues, sorted (pure).

    Parameters
    ----------
    tickers
        ``tickers`` rows of both venues (Binance ``BASE/USDT``, Upbit ``BASE/KRW``, plus Upbit
        ``USDT/KRW`` for the Upbit FX basis) — one batched fetch per venue.
    now
        The tz-aware time ages are measured against.
    fx
        ``"upbit"`` (the USDT/KRW ticker's bid/ask) or a KRW-per-USDT rate.
    events
        :func:`upbit_market_events` output; without it ``upbit_events_known`` is False.
    bases
        Only these bases (default: every base with both tickers, USDT excluded).
    sort_by, descending
        The column to order by (NaN last); ``rank`` numbers the rows in that order from 1.

    Returns
    -------
    DataFrame
        ``EXECUTION_SCHEMAS["premium_scan"]``: rank, base, symbols, binance and upbit bid, ask,
        mid, last; fx_basis, fx_rate (mid), fx_bid, fx_ask; the four premium_gross_* columns
        (module docstring); quote volumes (USDT, KRW); Upbit warning and caution flags; the
        executable columns (NaN / False until :func:`attach_executable`); the tickers' ts and
        age_s; error.
    """
    at = utc_now_arg(now)
    bases_fx = parse_fx_rates(fx)
    if len(bases_fx) != 1:
        raise InvalidArgument("a scan uses one FX basis: 'upbit' or a rate")
    basis = bases_fx[0]
    spec = EXECUTION_SCHEMAS["premium_scan"]
    if sort_by not in spec:
        raise InvalidArgument(f"sort_by must be a column of the scan, not {sort_by!r}")
    ticks = _ticks(tickers)
    if bases is None:
        on_binance = {s.split("/")[0] for (e, s) in ticks if e == "binance" and s.endswith("/USDT")}
        names = [
            s.split("/")[0]
            for (e, s) in ticks
            if e == "upbit" and s.endswith("/KRW") and s.split("/")[0] in on_binance and s != _FX_SYMBOL
        ]
        names = list(dict.fromkeys(names))
    else:
        names = validate_bases(bases)
    fx_tick = ticks.get(("upbit", _FX_SYMBOL)) if basis.is_book else None
    if basis.is_book:
        fx_bid, fx_ask = (fx_tick.bid, fx_tick.ask) if fx_tick else (None, None)
        fx_mid = fx_tick.mid if fx_tick else None
        fx_err = None if fx_mid is not None else f"fx upbit:{_FX_SYMBOL}: no bid/ask in the tickers"
    else:
        fx_bid = fx_ask = fx_mid = basis.rate
        fx_err = None
    rows = _rows(names, ticks, basis, fx_tick, (fx_bid, fx_ask, fx_mid), fx_err, events, at)
    rows = _sorted(rows, sort_by, descending)
    for i, row in enumerate(rows, start=1):
        row["rank"] = i
    # Only the columns a row sets are handed over: the rest (the executable ones, the Upbit
    # flags without events) are built missing in one go, as a None in every row would be.
    present = [k for k in spec if any(k in r for r in rows)]
    return frame(spec, {k: [r.get(k) for r in rows] for k in present})


def _rows(
    names: list[str],
    ticks: Mapping[tuple[str, str], _Tick],
    basis: FxRate,
    fx_tick: _Tick | None,
    fx_prices: tuple[Decimal | None, Decimal | None, Decimal | None],
    fx_err: str | None,
    events: Mapping[str, MarketEvent] | None,
    at: pd.Timestamp,
) -> list[dict[str, Any]]:
    """One row per base (unsorted, without rank)."""
    fx_bid, fx_ask, fx_mid = fx_prices
    fx_label = _fx_label(basis)
    fx_fields = {
        "fx_basis": fx_label,
        "fx_rate": fnum(fx_mid),
        "fx_bid": fnum(fx_bid),
        "fx_ask": fnum(fx_ask),
        "fx_ts": fx_tick.ts if fx_tick else pd.NaT,
        "fx_age_s": age_s(at, fx_tick.ts) if fx_tick else None,
    }
    rows: list[dict[str, Any]] = []
    for base in names:
        bn = ticks.get(("binance", f"{base}/USDT"))
        up = ticks.get(("upbit", f"{base}/KRW"))
        errs = [fx_err]
        if bn is None:
            errs.append(f"no binance ticker for {base}/USDT")
        if up is None:
            errs.append(f"no upbit ticker for {base}/KRW")
        bn_bid, bn_ask, bn_last = (bn.bid, bn.ask, bn.last) if bn else (None, None, None)
        up_bid, up_ask, up_last = (up.bid, up.ask, up.last) if up else (None, None, None)
        bn_mid = bn.mid if bn else None
        up_mid = up.mid if up else None
        row: dict[str, Any] = {
            "base": base,
            "binance_symbol": f"{base}/USDT",
            "upbit_symbol": f"{base}/KRW",
            "binance_bid": fnum(bn_bid),
            "binance_ask": fnum(bn_ask),
            "binance_mid": fnum(bn_mid),
            "binance_last": fnum(bn_last),
            "upbit_bid": fnum(up_bid),
            "upbit_ask": fnum(up_ask),
            "upbit_mid": fnum(up_mid),
            "upbit_last": fnum(up_last),
            **fx_fields,
            "premium_gross_mid_bps": fnum(_ratio_bps(up_mid, _mul(bn_mid, fx_mid))),
            "premium_gross_last_bps": fnum(_ratio_bps(up_last, _mul(bn_last, fx_mid))),
            "premium_gross_top_binance_to_upbit_bps": fnum(_ratio_bps(up_bid, _mul(bn_ask, fx_ask))),
            "premium_gross_top_upbit_to_binance_bps": fnum(_ratio_bps(_mul(bn_bid, fx_bid), up_ask)),
            "binance_quote_volume_24h": bn.quote_volume if bn else None,
            "upbit_quote_volume_24h": up.quote_volume if up else None,
            "binance_ts": bn.ts if bn else pd.NaT,
            "upbit_ts": up.ts if up else pd.NaT,
            "binance_age_s": age_s(at, bn.ts) if bn else None,
            "upbit_age_s": age_s(at, up.ts) if up else None,
            "books_fetched": False,
        }
        if bn_mid is None and bn is not None:
            errs.append(f"binance {base}/USDT: no bid/ask")
        if up_mid is None and up is not None:
            errs.append(f"upbit {base}/KRW: no bid/ask")
        event = events.get(base) if events is not None else None
        row["upbit_events_known"] = event is not None
        if event is not None:
            row["upbit_warning"] = event.warning
            row["upbit_caution_any"] = bool(event.cautions)
            for name, column in _CAUTION_COLUMNS:
                row[column] = name in event.cautions
        row["error"] = join_errors(errs)
        rows.append(row)
    return rows


def _sorted(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    def missing(v: Any) -> bool:
        return v is None or (isinstance(v, float) and math.isnan(v))

    present = [r for r in rows if not missing(r.get(key))]
    absent = [r for r in rows if missing(r.get(key))]
    present.sort(key=lambda r: r[key], reverse=descending)
    return present + absent


def top_bases(
    scan: pd.DataFrame, n: int, *, by: str = "premium_gross_mid_bps", absolute: bool = True
) -> list[str]:
    """The ``n`` bases of a scan with the largest ``by`` (``absolute``: by size, either sign)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidArgument(f"n must be a non-negative int, not {n!r}")
    if by not in scan.columns:
        raise InvalidArgument(f"by must be a column of the scan, not {by!r}")
    values = scan[by].abs() if absolute else scan[by]
    order = values.dropna().sort_values(ascending=False, kind="stable").index[:n]
    return [str(b) for b in scan.loc[order, "base"]]


def attach_executable(scan: pd.DataFrame, executable: pd.DataFrame) -> pd.DataFrame:
    """``scan`` with the executable premium of the bases in ``executable`` (one size, one FX basis).

    Sets, per base found: exec_size, exec_size_in, exec_fx_basis, books_fetched, and per
    direction premium_gross_exec_*, premium_net_exec_*, filled_*, route_open_*. Order is kept.
    """
    if executable.empty:
        return scan.copy()
    if list(scan.columns)[: len(EXECUTION_SCHEMAS["premium_scan"])] != list(
        EXECUTION_SCHEMAS["premium_scan"]
    ):
        raise InvalidArgument("attach_executable takes a scan_premium frame")
    for col, what in (("fx_basis", "FX basis"), ("size", "size"), ("size_in", "size unit")):
        if executable[col].nunique(dropna=False) != 1:
            raise InvalidArgument(f"attach an executable frame of one {what} (filter it first)")
    spec = EXECUTION_SCHEMAS["premium_scan"]
    cols: dict[str, list[Any]] = {k: scan[k].tolist() for k in spec}
    position = {b: i for i, b in enumerate(cols["base"])}
    size, size_in, basis = (
        executable["size"].iloc[0],
        executable["size_in"].iloc[0],
        executable["fx_basis"].iloc[0],
    )
    fields = zip(
        executable["base"].tolist(),
        executable["direction"].tolist(),
        executable["premium_gross_exec_bps"].tolist(),
        executable["premium_net_exec_bps"].tolist(),
        executable["filled"].tolist(),
        executable["route_open"].tolist(),
        strict=True,
    )
    for base, d, gross, net, filled, route_open in fields:
        i = position.get(base)
        if i is None or d not in DIRECTIONS:
            continue
        cols["exec_size"][i] = size
        cols["exec_size_in"][i] = size_in
        cols["exec_fx_basis"][i] = basis
        cols["books_fetched"][i] = True
        cols[f"premium_gross_exec_{d}_bps"][i] = gross
        cols[f"premium_net_exec_{d}_bps"][i] = net
        cols[f"filled_{d}"][i] = bool(filled)
        cols[f"route_open_{d}"][i] = bool(route_open)
    return frame(spec, cols)
