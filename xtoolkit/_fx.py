"""FX bases: how USDT prices become KRW prices and back.

A basis is explicit and named, because the answer depends on it (users report the two common
ones can even disagree in sign):

* ``"upbit"`` — Upbit's own ``KRW-USDT`` market (mid of its book top), label ``"upbit:USDT/KRW"``.
  Fetched in the same batched Upbit request as the prices it converts.
* a number — a user rate in KRW per USDT (a USD/KRW quote is used as-is: USD ≈ USDT is the
  caller's assumption, stated by choosing it), label ``"user"``. It has no time, so it is never stale.
* a ``pandas.Series`` of KRW per USDT on a ``DatetimeIndex`` (naive times are UTC), label
  ``"user"``; a price at time *t* is converted with the last value at or before *t*.
* :class:`FxBasis` for a custom label; a list or tuple of any of these to show several side by side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from xtoolkit._errors import InvalidArgument

__all__ = [
    "QUOTES",
    "UPBIT_FX",
    "USER_FX",
    "FxBasis",
    "FxLike",
    "check_quote",
    "convert",
    "needs_fx",
    "one_fx",
    "parse_fx",
]

#: The Upbit market used as the default FX basis, and that basis' label.
UPBIT_FX = "upbit:USDT/KRW"
#: Label of a user-supplied rate or series.
USER_FX = "user"
#: Quote currencies the research layer converts between.
QUOTES = ("USDT", "KRW")


@dataclass(frozen=True, slots=True)
class FxBasis:
    """One named way to turn USDT into KRW (``rate``/``series`` in KRW per USDT).

    Exactly one of: the Upbit market (``source="upbit:USDT/KRW"``, no rate), a constant ``rate``,
    or a ``series`` on a sorted UTC ``DatetimeIndex``.
    """

    source: str
    rate: float | None = None
    series: pd.Series | None = field(default=None, repr=False, compare=False)

    @property
    def is_upbit(self) -> bool:
        """True for the live Upbit ``KRW-USDT`` basis (fetched, not given)."""
        return self.source == UPBIT_FX

    def asof(self, when: pd.Timestamp | None) -> tuple[float, pd.Timestamp]:
        """``(rate, time of that rate)`` for a user basis at ``when``; NaN/NaT if none yet.

        A constant rate has no time: NaT. A series gives its last value at or before ``when``
        (``when=None`` or NaT: the last value).
        """
        if self.rate is not None:
            return self.rate, pd.NaT
        if self.series is None:
            raise InvalidArgument(f"the {self.source} basis is fetched, not looked up")
        rates, stamps = self.asof_many(pd.DatetimeIndex([when if when is not None else pd.NaT]))
        return float(rates[0]), stamps[0]

    def asof_many(
        self, when: pd.DatetimeIndex, *, before: bool = False
    ) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """Vectorised :meth:`asof` for a series basis.

        With ``before=True`` the value must be strictly earlier than each time (used with
        candle close times, which are exclusive). NaT times take the last value.
        """
        if self.series is None:
            raise InvalidArgument(f"the {self.source} basis has no series")
        idx_ns = self.series.index.asi8
        values = self.series.to_numpy(dtype=np.float64)
        targets = when.tz_convert("UTC") if when.tz is not None else when.tz_localize("UTC")
        pos = np.searchsorted(idx_ns, targets.as_unit("ns").asi8, side="left" if before else "right") - 1
        pos[np.asarray(targets.isna())] = len(idx_ns) - 1
        ok = pos >= 0
        rates = np.full(len(pos), np.nan)
        rates[ok] = values[pos[ok]]
        stamp_ns = np.full(len(pos), np.iinfo(np.int64).min, dtype=np.int64)
        stamp_ns[ok] = idx_ns[pos[ok]]
        return rates, pd.DatetimeIndex(stamp_ns.view("M8[ns]")).tz_localize("UTC")


def _rate(value: Any, label: str) -> float:
    if isinstance(value, bool):
        raise InvalidArgument("an FX rate must be a number of KRW per USDT, not a bool")
    rate = float(value)
    if not math.isfinite(rate) or rate <= 0:
        raise InvalidArgument(f"the {label} FX rate must be a positive number, not {value!r}")
    return rate


def _series(series: pd.Series, label: str) -> pd.Series:
    if not isinstance(series.index, pd.DatetimeIndex):
        raise InvalidArgument("an FX series needs a DatetimeIndex (UTC) of the rate's times")
    s = pd.to_numeric(series, errors="raise").astype(np.float64).dropna()
    idx = s.index
    idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    s = pd.Series(s.to_numpy(), index=idx.as_unit("ns"), name=label).sort_index(kind="stable")
    s = s[~s.index.duplicated(keep="last")]
    if s.empty:
        raise InvalidArgument("the FX series has no values")
    if (s <= 0).any():
        raise InvalidArgument("an FX series must hold positive KRW-per-USDT rates")
    return s


def _one(item: Any) -> FxBasis:
    if isinstance(item, FxBasis):
        if item.is_upbit:
            return item
        if (item.rate is None) == (item.series is None):
            raise InvalidArgument(f"FxBasis {item.source!r} needs exactly one of rate= or series=")
        if item.rate is not None:
            return FxBasis(item.source, rate=_rate(item.rate, item.source))
        return FxBasis(item.source, series=_series(item.series, item.source))  # type: ignore[arg-type]
    if isinstance(item, str):
        if item.lower() in ("upbit", UPBIT_FX.lower()):
            return FxBasis(UPBIT_FX)
        raise InvalidArgument(f"unknown FX basis {item!r}: use 'upbit', a number or a Series")
    if isinstance(item, pd.Series):
        return FxBasis(USER_FX, series=_series(item, USER_FX))
    if isinstance(item, int | float | Decimal | np.floating | np.integer):
        return FxBasis(USER_FX, rate=_rate(item, USER_FX))
    raise InvalidArgument(
        f"an FX basis is 'upbit', a KRW-per-USDT number or a Series, not {type(item).__name__}"
    )


#: What ``fx=`` accepts.
FxLike = str | float | int | Decimal | pd.Series | FxBasis | Sequence[Any]


def parse_fx(fx: FxLike) -> list[FxBasis]:
    """One or several bases from what users write; labels must be unique."""
    items = list(fx) if isinstance(fx, list | tuple) else [fx]
    if not items:
        raise InvalidArgument("give at least one FX basis, e.g. fx='upbit'")
    bases = [_one(i) for i in items]
    labels = [b.source for b in bases]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise InvalidArgument(
            f"FX bases must have distinct labels; {dupes} repeats — use FxBasis(label, rate=...)"
        )
    return bases


def one_fx(fx: FxLike) -> FxBasis:
    """Exactly one basis (for results in a single quote currency: books, balances)."""
    bases = parse_fx(fx)
    if len(bases) != 1:
        raise InvalidArgument("this result is in one quote currency: give a single FX basis")
    return bases[0]


def check_quote(quote: str) -> str:
    """``quote`` upper-cased, if the research layer can convert into it."""
    q = str(quote).upper()
    if q not in QUOTES:
        raise InvalidArgument(f"quote must be one of {', '.join(QUOTES)}, not {quote!r}")
    return q


def convert(value: float, native: str, target: str, krw_per_usdt: float) -> float:
    """A price in ``native`` quote expressed in ``target`` (KRW / fx = USDT; USDT × fx = KRW)."""
    if native == target:
        return value
    if native == "KRW" and target == "USDT":
        return value / krw_per_usdt
    if native == "USDT" and target == "KRW":
        return value * krw_per_usdt
    raise InvalidArgument(f"cannot convert {native} into {target}")


def needs_fx(native: str, target: str) -> bool:
    """True when a ``native`` price needs an FX rate to be shown in ``target``."""
    return native != target
