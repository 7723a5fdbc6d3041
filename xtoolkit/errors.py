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

from xtoolkit._errors import (
    AuthError,
    BadInterval,
    BadRequest,
    BadSymbol,
    CancelRejected,
    ClientClosed,
    ConfirmationRequired,
    DryRunBlocked,
    DuplicateOrder,
    ExchangeError,
    ExchangeUnavailable,
    GuardError,
    InsufficientFunds,
    InvalidApiKey,
    InvalidArgument,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    InvalidSignature,
    InvalidTimestamp,
    IpBanned,
    KillSwitchOn,
    LimitExceeded,
    MalformedResponse,
    MinNotional,
    MissingCredentials,
    NetworkError,
    NonceReused,
    OrderArchived,
    OrderNotFound,
    OrderRejected,
    OrderStatusUnknown,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    TooManyOrders,
    TransportError,
    UnknownExchangeError,
    UnknownMarket,
    XtoolkitError,
)

__all__ = [
    "AuthError",
    "BadInterval",
    "BadRequest",
    "BadSymbol",
    "CancelRejected",
    "ClientClosed",
    "ConfirmationRequired",
    "DryRunBlocked",
    "DuplicateOrder",
    "ExchangeError",
    "ExchangeUnavailable",
    "GuardError",
    "InsufficientFunds",
    "InvalidApiKey",
    "InvalidArgument",
    "InvalidOrder",
    "InvalidPrice",
    "InvalidQuantity",
    "InvalidSignature",
    "InvalidTimestamp",
    "IpBanned",
    "KillSwitchOn",
    "LimitExceeded",
    "MalformedResponse",
    "MinNotional",
    "MissingCredentials",
    "NetworkError",
    "NonceReused",
    "OrderArchived",
    "OrderNotFound",
    "OrderRejected",
    "OrderStatusUnknown",
    "PermissionDenied",
    "RateLimited",
    "RequestTimeout",
    "TooManyOrders",
    "TransportError",
    "UnknownExchangeError",
    "UnknownMarket",
    "XtoolkitError",
]
