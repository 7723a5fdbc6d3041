"""An embedded local Binance + Upbit that speaks the real REST protocols.

>>> from xtoolkit.sandbox import sandbox
>>> with sandbox(seed=7, freeze=True) as box:      # doctest: +SKIP
...     box.url, box.credentials["binance"]

One aiohttp server (loopback only) serves Binance spot at ``/api/v3/...`` and Upbit at
``/v1/...`` from a seeded, living market (``data/*.csv``), with each venue's signing, errors,
rate limits and order behaviour. See :class:`Sandbox` for the controls.
"""

import sys
import types
from typing import Any

from xtoolkit.sandbox.faults import FAULT_KINDS, Fault, FaultPlan
from xtoolkit.sandbox.requestlog import RequestLog, RequestRecord
from xtoolkit.sandbox.server import MarketHandle, Sandbox, sandbox

__all__ = [
    "FAULT_KINDS",
    "Fault",
    "FaultPlan",
    "MarketHandle",
    "RequestLog",
    "RequestRecord",
    "Sandbox",
    "sandbox",
]


class _CallableModule(types.ModuleType):
    """This package, callable like :func:`sandbox`.

    ``xtoolkit.sandbox`` is both a function (``xt.sandbox(seed=7)``) and this subpackage.
    Importing a subpackage binds it as an attribute of its parent, replacing the function of
    the same name — so once anything imported ``xtoolkit.sandbox``, ``xt.sandbox(...)``
    would meet a module. Calling the module does what calling the function does.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Sandbox:
        return sandbox(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
