"""The premium row (defined in :mod:`xtoolkit._premium`, below research and streams, which
both compute it with the same function)."""

from xtoolkit._premium import PREMIUM_VENUES, LegQuote, is_stale, premium_row, seconds_between

__all__ = ["PREMIUM_VENUES", "LegQuote", "is_stale", "premium_row", "seconds_between"]
