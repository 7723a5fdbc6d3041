"""Every exception xtoolkit raises: one tree, three kinds (see :mod:`xtoolkit._errors`).

``ExchangeError`` — the exchange answered and said no; ``TransportError`` — no reliable
answer (a retry may help, for reads); ``GuardError`` — refused locally, nothing was sent. All
derive from ``XtoolkitError`` and carry ``exchange``, ``status``, ``code``, ``message`` and
``payload``, never a secret.

>>> import xtoolkit as xt
>>> try:
...     xt.tickers(["binance:BTC/USDT"])
... except xt.errors.RateLimited as exc:
...     exc.retry_after

The four family names and ``InvalidArgument`` are also top-level (``xt.TransportError``);
every other class here is reachable as ``xt.<Name>`` too, for code written that way.
"""

from __future__ import annotations

# The tree is defined once, in _errors; this module is its public name.
from xtoolkit._errors import *  # noqa: F403
from xtoolkit._errors import __all__ as __all__
