"""Binance's time unit: ``X-MBX-TIME-UNIT: MICROSECOND`` switches every time field of a JSON
response to microseconds (header value case-insensitive; ``MILLISECOND`` is the default).

A value other than the two is refused with ``-1194 INVALID_TIME_UNIT`` (``errors.md``, same
snapshot as the spec). Conversion is by field name — ``serverTime``, ``transactTime``,
``time``, ``updateTime``, ``workingTime``, ``closeTime``, ``openTime`` and the aggregate
trades' ``T`` — plus the open/close columns of kline rows. Negative sentinels (``workingTime``
``-1`` of an untriggered stop) stay as they are. A kline's close time, the last millisecond of
its interval, becomes the last microsecond (``...999999``).
"""

from __future__ import annotations

from collections.abc import Mapping

from xtoolkit.sandbox.errors import binance_error

__all__ = ["HEADER", "MICROSECOND", "MILLISECOND", "TIME_FIELDS", "response_unit", "to_micros"]

HEADER = "X-MBX-TIME-UNIT"
MILLISECOND = "MILLISECOND"
MICROSECOND = "MICROSECOND"
#: JSON object keys holding epoch-ms values in Binance REST responses.
TIME_FIELDS = frozenset(
    {"serverTime", "transactTime", "time", "updateTime", "workingTime", "closeTime", "openTime", "T"}
)
#: Kline row columns: open time, and close time (last instant of the interval).
_KLINE_OPEN, _KLINE_CLOSE = 0, 6


def response_unit(headers: Mapping[str, str]) -> str:
    """The unit the client asked for (-1194 for anything but the two documented values)."""
    raw = headers.get(HEADER)
    if raw is None:
        return MILLISECOND
    unit = raw.strip().upper()
    if unit not in (MILLISECOND, MICROSECOND):
        raise binance_error("INVALID_TIME_UNIT")
    return unit


def _us(value: object, *, last: bool = False) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return value
    return value * 1000 + (999 if last else 0)


def to_micros(body: object, *, klines: bool = False) -> object:
    """``body`` with every time field in microseconds (a new structure; ``body`` untouched)."""
    if isinstance(body, dict):
        return {k: (_us(v) if k in TIME_FIELDS else to_micros(v)) for k, v in body.items()}
    if isinstance(body, list):
        if klines:
            return [
                [
                    _us(v) if i == _KLINE_OPEN else _us(v, last=True) if i == _KLINE_CLOSE else v
                    for i, v in enumerate(row)
                ]
                for row in body
                if isinstance(row, list)
            ]
        return [to_micros(item) for item in body]
    return body
