"""One exception tree, in three kinds.

::

    XtoolkitError
    ├── ExchangeError              the exchange answered and said no — do not retry blindly
    │   ├── AuthError              bad key, signature, permission, IP allow-list
    │   │   ├── InvalidSignature
    │   │   ├── InvalidApiKey
    │   │   ├── PermissionDenied
    │   │   └── NonceReused
    │   ├── InvalidTimestamp       Binance -1021 (clock skew / recvWindow)
    │   ├── BadRequest             malformed or missing parameters
    │   │   ├── BadSymbol          the venue does not know the market
    │   │   └── BadInterval
    │   ├── OrderRejected          the matching engine or order checks said no
    │   │   ├── InsufficientFunds
    │   │   ├── InvalidOrder       a filter failed (tick, step, notional, combination)
    │   │   │   ├── InvalidPrice
    │   │   │   ├── InvalidQuantity
    │   │   │   └── MinNotional
    │   │   └── DuplicateOrder
    │   ├── OrderNotFound
    │   │   └── OrderArchived
    │   ├── CancelRejected
    │   └── UnknownExchangeError   an error code the toolkit has no mapping for
    ├── TransportError             no reliable answer — a retry may help (reads only)
    │   ├── NetworkError           connection refused / reset / dropped
    │   ├── RequestTimeout
    │   ├── RateLimited            HTTP 429 (``retry_after`` seconds)
    │   │   └── TooManyOrders      Binance -1015
    │   ├── IpBanned               HTTP 418 (``until``)
    │   ├── ExchangeUnavailable    5xx, Binance -1006/-1007/-1008
    │   ├── MalformedResponse      a body that is not the JSON the venue documents
    │   └── OrderStatusUnknown     a write whose outcome is unknown (``client_order_id``)
    └── GuardError                 refused locally: nothing was sent
        ├── InvalidArgument        (also a ValueError)
        ├── UnknownMarket          (also a KeyError-free ValueError; names close matches)
        ├── MissingCredentials
        ├── ClientClosed
        ├── KillSwitchOn
        ├── DryRunBlocked
        ├── LimitExceeded
        └── ConfirmationRequired   submit / cancel_all without ``confirm=True``

Every error carries ``exchange``, ``status`` (HTTP), ``code`` (the venue's code or name),
``message`` and ``payload`` (the raw decoded body). None of them ever holds a key, secret,
signature or bearer token: messages are built from the venue's reply and our own words only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

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


class XtoolkitError(Exception):
    """Base of every error the toolkit raises."""

    def __init__(
        self,
        message: str = "",
        *,
        exchange: str | None = None,
        status: int | None = None,
        code: int | str | None = None,
        payload: Any = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange
        self.status = status
        self.code = code
        self.payload = payload
        self.endpoint = endpoint

    def __str__(self) -> str:
        where = " ".join(
            part
            for part in (
                self.exchange or "",
                self.endpoint or "",
                f"HTTP {self.status}" if self.status else "",
                f"code {self.code}" if self.code is not None else "",
            )
            if part
        )
        return f"{self.message} [{where}]" if where else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, exchange={self.exchange!r}, "
            f"status={self.status!r}, code={self.code!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not pickle by default; errors cross threads and processes.
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[XtoolkitError], message: str, state: dict[str, Any]) -> XtoolkitError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


# --- the exchange said no -------------------------------------------------------------------


class ExchangeError(XtoolkitError):
    """The exchange answered and refused the request."""


class AuthError(ExchangeError):
    """Authentication or authorization failed (key, signature, permission, IP)."""


class InvalidSignature(AuthError):
    """The signature (Binance HMAC, Upbit JWT or query_hash) did not verify."""


class InvalidApiKey(AuthError):
    """The key is unknown, malformed, expired or for another environment."""


class PermissionDenied(AuthError):
    """The key lacks the permission, or the caller's IP is not allow-listed."""


class NonceReused(AuthError):
    """Upbit refused a JWT nonce it had already seen."""


class InvalidTimestamp(ExchangeError):
    """Binance -1021: the request timestamp is outside recvWindow or ahead of server time."""


class BadRequest(ExchangeError):
    """A parameter was missing, malformed or not allowed."""


class BadSymbol(BadRequest):
    """The venue does not know this market."""


class BadInterval(BadRequest):
    """The candle interval is not one the venue serves."""


class OrderRejected(ExchangeError):
    """The venue refused to place or change an order."""


class InsufficientFunds(OrderRejected):
    """Not enough free balance for the order."""


class InvalidOrder(OrderRejected):
    """An order failed a venue rule (filter, tick, step, type combination)."""


class InvalidPrice(InvalidOrder):
    """The price is off the tick grid or outside the allowed band."""


class InvalidQuantity(InvalidOrder):
    """The quantity is off the step grid or outside min/max."""


class MinNotional(InvalidOrder):
    """The order total is below the venue minimum."""


class DuplicateOrder(OrderRejected):
    """The client order id is already in use."""


class OrderNotFound(ExchangeError):
    """The venue has no such order."""


class OrderArchived(OrderNotFound):
    """Binance -2026: the order was archived (canceled/expired with no fill, 90+ days ago)."""


class CancelRejected(ExchangeError):
    """The cancel was refused (unknown or already final order, cancel restrictions)."""


class UnknownExchangeError(ExchangeError):
    """The venue returned an error the toolkit has no specific mapping for."""


# --- no reliable answer ---------------------------------------------------------------------


class TransportError(XtoolkitError):
    """No reliable answer: the request may or may not have been processed."""


class NetworkError(TransportError):
    """The connection failed or was dropped."""


class RequestTimeout(TransportError):
    """No response within the configured timeout."""


class RateLimited(TransportError):
    """HTTP 429: over the venue's budget. ``retry_after`` is in seconds (None if not given)."""

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TooManyOrders(RateLimited):
    """Binance -1015: the unfilled-order count limit was hit."""


class IpBanned(TransportError):
    """HTTP 418: the venue banned this IP. ``until`` is epoch seconds; no request leaves before."""

    def __init__(self, message: str = "", *, until: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.until = until


class ExchangeUnavailable(TransportError):
    """5xx or a venue-side timeout: execution status unknown for writes."""


class MalformedResponse(TransportError):
    """The body was not the JSON the venue documents."""


class OrderStatusUnknown(TransportError):
    """A write got no reliable answer; resolve it with ``reconcile`` by ``client_order_id``."""

    def __init__(self, message: str = "", *, client_order_id: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.client_order_id = client_order_id


# --- refused locally, nothing sent ----------------------------------------------------------


class GuardError(XtoolkitError):
    """The toolkit refused locally; nothing was sent."""


class InvalidArgument(GuardError, ValueError):
    """An argument is not valid for this call."""


class UnknownMarket(GuardError, ValueError):
    """The market is not listed on the venue; ``matches`` holds close alternatives."""

    def __init__(self, message: str = "", *, matches: Sequence[str] = (), **kw: Any) -> None:
        if matches:
            message = f"{message}; did you mean {', '.join(matches)}?"
        super().__init__(message, **kw)
        self.matches = tuple(matches)


class MissingCredentials(GuardError):
    """A private call needs keys for this exchange and none are configured."""


class ClientClosed(GuardError):
    """The client was closed; create a new one."""


class KillSwitchOn(GuardError):
    """The process-wide kill switch is on; writes are refused until ``resume()``."""


class DryRunBlocked(GuardError):
    """The client is in dry-run mode; nothing is placed without an explicit live opt-in."""


class LimitExceeded(GuardError):
    """An order guard refused: ``rule`` names it, ``limit`` and ``value`` give the numbers."""

    def __init__(
        self, message: str = "", *, rule: str = "", limit: Any = None, value: Any = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.rule = rule
        self.limit = limit
        self.value = value


class ConfirmationRequired(GuardError):
    """An order or a cancel-all needs ``confirm=True``; ``preview`` holds what would happen."""

    def __init__(self, message: str = "", *, preview: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.preview = preview


def forget_frames(err: BaseException, package_dir: str) -> None:
    """Clear the locals of every finished toolkit frame reachable from ``err``'s tracebacks
    (its own, its ``__cause__``'s and ``__context__``'s), keeping file and line numbers.

    Error reporters that capture frame locals would otherwise ship whatever those frames held:
    a raw answer echoing a signed request, a payload, a header. Frames still running (the
    caller's) cannot be cleared and are left as they are.
    """
    todo: list[BaseException | None] = [err]
    seen: set[int] = set()
    while todo and len(seen) < 64:  # bounded: a chain longer than this is not ours
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_code.co_filename.startswith(package_dir):
                with contextlib.suppress(RuntimeError):  # still executing
                    frame.clear()
            tb = tb.tb_next
        todo += [e.__cause__, e.__context__]
