"""An embedded local Binance + Upbit that speaks the real REST protocols.

>>> from xtoolkit.sandbox import sandbox
>>> with sandbox(seed=7, freeze=True) as box:      # doctest: +SKIP
...     box.url, box.credentials["binance"]

One aiohttp server (loopback only) serves Binance spot at ``/api/v3/...`` and Upbit at
``/v1/...`` from a seeded, living market (``data/*.csv``), with each venue's signing, errors,
rate limits and order behaviour. See :class:`Sandbox` for the controls.
"""

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
