"""The stream events, defined with the venue protocols in :mod:`xtoolkit.exchanges._stream`."""

from xtoolkit.exchanges._stream import BookSnapshot, Control, DepthDiff, Event, Level, Ticker, Top, Trade

__all__ = ["BookSnapshot", "Control", "DepthDiff", "Event", "Level", "Ticker", "Top", "Trade"]
