"""Typed stream failures, placed in the toolkit's one exception tree.

* :class:`StreamDisconnected` (a :class:`~xtoolkit.NetworkError`): the stream could not be
  (re)connected within the policy's attempts — the stream has ended.
* :class:`StreamMessageError` (a :class:`~xtoolkit.MalformedResponse`): one frame was not the
  JSON the venue documents. Counted, kept in ``stats.errors``, shown as a gap row, skipped.
* :class:`SubscriptionRejected` (a :class:`~xtoolkit.BadRequest`): the venue refused a
  subscription request.
* :class:`BookNotSynced` (a :class:`~xtoolkit.TransportError`): a local order book was asked
  for while it is (re)synchronising — its levels would be stale.
"""

from __future__ import annotations

from xtoolkit._errors import BadRequest, NetworkError, TransportError

# Defined beside the venue parsers that raise it (exchanges/ sits below stream/).
from xtoolkit.exchanges._stream import StreamMessageError

__all__ = ["BookNotSynced", "StreamDisconnected", "StreamMessageError", "SubscriptionRejected"]


class StreamDisconnected(NetworkError):
    """The stream gave up reconnecting (``max_attempts`` consecutive failures)."""


class SubscriptionRejected(BadRequest):
    """The venue answered a subscription request with an error."""


class BookNotSynced(TransportError):
    """The local order book is resynchronising; its levels cannot be trusted yet."""
