"""FX bases: how USDT prices become KRW prices and back (defined in :mod:`xtoolkit._fx`,
below research and streams, which both convert with them)."""

from xtoolkit._fx import (
    QUOTES,
    UPBIT_FX,
    USER_FX,
    FxBasis,
    FxLike,
    check_quote,
    convert,
    needs_fx,
    one_fx,
    parse_fx,
)

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
