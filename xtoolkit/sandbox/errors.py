"""Each venue's error vocabulary as data, and the exceptions the handlers raise.

Binance bodies are ``{"code": <int>, "msg": <str>}``; Upbit bodies are
``{"error": {"name": <str>, "message": <str>}}``. Codes, names, HTTP statuses and message texts
follow the specs' example files (``examples/*/error_*.json``); where the spec gives no text the
documented template is filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BINANCE_ERRORS",
    "UPBIT_ERRORS",
    "BinanceError",
    "ErrorSpec",
    "UpbitError",
    "binance_error",
    "fault_error",
    "upbit_error",
]


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One error: venue code (Binance int) or name (Upbit), HTTP status, message template."""

    code: int | str
    status: int
    message: str


#: Binance spot errors by symbolic key (errors.md codes; HTTP statuses as observed, spec §6).
BINANCE_ERRORS: dict[str, ErrorSpec] = {
    "UNKNOWN": ErrorSpec(-1000, 400, "An unknown error occurred while processing the request."),
    "TOO_MANY_REQUESTS": ErrorSpec(
        -1003,
        429,
        "Too much request weight used; current limit is {limit} request weight per 1 MINUTE. "
        "Please use WebSocket Streams for live updates to avoid polling the API.",
    ),
    "IP_BANNED": ErrorSpec(
        -1003,
        418,
        "Way too much request weight used; IP banned until {until}. "
        "Please use WebSocket Streams for live updates to avoid bans.",
    ),
    "TOO_MANY_ORDERS": ErrorSpec(
        -1015, 429, "Too many new orders; current limit is {limit} orders per {interval}."
    ),
    # HTTP status of -1007/-1008 is not documented (5XX = "execution status unknown", spec §6).
    "TIMEOUT": ErrorSpec(
        -1007,
        500,
        "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
    ),
    "SERVER_BUSY": ErrorSpec(
        -1008, 503, "Server is currently overloaded with other requests. Please try again in a few minutes."
    ),
    "INVALID_MESSAGE": ErrorSpec(-1013, 400, "{msg}"),
    "UNSUPPORTED_COMBINATION": ErrorSpec(-1014, 400, "Unsupported order combination."),
    "FILTER_FAILURE": ErrorSpec(-1013, 400, "Filter failure: {filter}"),
    "TIMESTAMP_OUTSIDE": ErrorSpec(-1021, 400, "Timestamp for this request is outside of the recvWindow."),
    "TIMESTAMP_AHEAD": ErrorSpec(
        -1021, 400, "Timestamp for this request was 1000ms ahead of the server's time."
    ),
    "INVALID_SIGNATURE": ErrorSpec(-1022, 400, "Signature for this request is not valid."),
    "ILLEGAL_CHARS": ErrorSpec(
        -1100, 400, "Illegal characters found in parameter '{param}'; legal range is '{pattern}'."
    ),
    "DUPLICATE_PARAM": ErrorSpec(-1101, 400, "Duplicate values for a parameter detected."),
    "MANDATORY_PARAM": ErrorSpec(
        -1102,
        400,
        "Mandatory parameter '{param}' was not sent, was empty/null, or malformed.",
    ),
    "UNREAD_PARAMETERS": ErrorSpec(
        -1104, 400, "Not all sent parameters were read; read '{read}' parameter(s) but was sent '{sent}'."
    ),
    "PARAM_NOT_REQUIRED": ErrorSpec(-1106, 400, "Parameter '{param}' sent when not required."),
    "BAD_PRECISION": ErrorSpec(-1111, 400, "Parameter '{param}' has too much precision."),
    "TIF_NOT_REQUIRED": ErrorSpec(-1114, 400, "TimeInForce parameter sent when not required."),
    "INVALID_TIF": ErrorSpec(-1115, 400, "Invalid timeInForce."),
    "INVALID_ORDER_TYPE": ErrorSpec(-1116, 400, "Invalid orderType."),
    "INVALID_SIDE": ErrorSpec(-1117, 400, "Invalid side."),
    "BAD_INTERVAL": ErrorSpec(-1120, 400, "Invalid interval."),
    "BAD_SYMBOL": ErrorSpec(-1121, 400, "Invalid symbol."),
    "INVALID_LISTEN_KEY": ErrorSpec(-1125, 400, "This listenKey does not exist."),
    "MORE_THAN_XX_HOURS": ErrorSpec(-1127, 400, "More than {hours} hours between startTime and endTime."),
    "BAD_RECV_WINDOW": ErrorSpec(-1131, 400, "recvWindow must be less than 60000"),
    "ILLEGAL_PARAM": ErrorSpec(-1130, 400, "Invalid data sent for a parameter."),
    # errors.md (same snapshot as the spec): a repeated name in ``symbols``, a bad time unit.
    "DUPLICATE_SYMBOLS": ErrorSpec(-1151, 400, "Symbol is present multiple times in the list."),
    "INVALID_TIME_UNIT": ErrorSpec(
        -1194, 400, "Invalid value for time unit; expected either MICROSECOND or MILLISECOND."
    ),
    # spec §13.2 (HTTP 400 assumed there).
    "SYMBOL_STATUS_MISMATCH": ErrorSpec(
        -1220, 400, "The symbol's status does not match the requested symbolStatus."
    ),
    "NEW_ORDER_REJECTED": ErrorSpec(-2010, 400, "{msg}"),
    "CANCEL_REJECTED": ErrorSpec(-2011, 400, "Unknown order sent."),
    "NO_SUCH_ORDER": ErrorSpec(-2013, 400, "Order does not exist."),
    "BAD_API_KEY_FMT": ErrorSpec(-2014, 401, "API-key format invalid."),
    "REJECTED_MBX_KEY": ErrorSpec(-2015, 401, "Invalid API-key, IP, or permissions for action."),
    "ORDER_ARCHIVED": ErrorSpec(
        -2026,
        400,
        "Order was canceled or expired with no executed qty over 90 days ago and has been archived.",
    ),
}

#: Upbit errors by name (spec upbit.md §7; messages verbatim where the examples say so).
UPBIT_ERRORS: dict[str, ErrorSpec] = {
    "create_bid_error": ErrorSpec("create_bid_error", 400, "주문 요청 정보가 올바르지 않습니다."),
    "create_ask_error": ErrorSpec("create_ask_error", 400, "주문 요청 정보가 올바르지 않습니다."),
    "insufficient_funds_bid": ErrorSpec(
        "insufficient_funds_bid", 400, "주문가능한 금액({currency})이 부족합니다."
    ),
    "insufficient_funds_ask": ErrorSpec(
        "insufficient_funds_ask", 400, "주문가능한 금액({currency})이 부족합니다."
    ),
    "under_min_total_bid": ErrorSpec("under_min_total_bid", 400, "최소 주문 금액에 미달합니다."),
    "under_min_total_ask": ErrorSpec("under_min_total_ask", 400, "최소 주문 금액에 미달합니다."),
    "invalid_price_bid": ErrorSpec(
        "invalid_price_bid", 400, "주문가격 단위를 잘못 입력하셨습니다. 확인 후 시도해주세요."
    ),
    "invalid_price_ask": ErrorSpec(
        "invalid_price_ask", 400, "주문가격 단위를 잘못 입력하셨습니다. 확인 후 시도해주세요."
    ),
    "validation_error": ErrorSpec("validation_error", 400, "{detail}"),
    # Upbit documents that an identifier can never be reused but not the error's name; this
    # sandbox answers 400 ``duplicate_identifier`` (clients should branch on 400 + this name).
    "duplicate_identifier": ErrorSpec("duplicate_identifier", 400, "이미 사용된 identifier 입니다."),
    "invalid_query_payload": ErrorSpec(
        "invalid_query_payload", 401, "Jwt의 query를 검증하는데 실패하였습니다."
    ),
    "jwt_verification": ErrorSpec("jwt_verification", 401, "Jwt 토큰 검증에 실패했습니다."),
    "nonce_used": ErrorSpec("nonce_used", 401, "이미 요청한 nonce값이 다시 사용되었습니다."),
    "invalid_access_key": ErrorSpec("invalid_access_key", 401, "잘못된 엑세스 키입니다."),
    "expired_access_key": ErrorSpec("expired_access_key", 401, "API 키가 만료되었습니다."),
    # Upbit's odd spelling (spec §7).
    "no_authorization_i_p": ErrorSpec("no_authorization_i_p", 401, "허용되지 않은 IP 주소입니다."),
    # 401 vs 403 is unconfirmed (spec §7); the examples use 401.
    "out_of_scope": ErrorSpec("out_of_scope", 401, "권한이 부족합니다."),
    # Only reachable through an ``error`` fault: the sandbox has no withdrawal endpoint.
    "withdraw_address_not_registered": ErrorSpec(
        "withdraw_address_not_registered", 400, "출금 허용 주소에 등록되지 않은 주소입니다."
    ),
    "order_not_found": ErrorSpec("order_not_found", 404, "주문을 찾지 못했습니다."),
    # A market order larger than the visible 30 levels (policy since 2025-05-07); the name is
    # one Upbit uses for oversized orders (seen in ccxt's error map).
    "volume_too_large": ErrorSpec("volume_too_large", 400, "주문 수량이 너무 큽니다."),
    # Quotation API errors carry the HTTP status as a *number* in ``name``.
    "missing_param": ErrorSpec(400, 400, "Missing request parameter error. Check the required parameters!"),
    "code_not_found": ErrorSpec(404, 404, "Code not found"),
    "invalid_param": ErrorSpec(400, 400, "{detail}"),
}


@dataclass
class BinanceError(Exception):
    """A Binance error response: HTTP ``status`` and body ``{"code", "msg"}``."""

    code: int
    msg: str
    status: int = 400
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, object]:
        """The JSON body Binance sends."""
        return {"code": self.code, "msg": self.msg}

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.code}: {self.msg}"


@dataclass
class UpbitError(Exception):
    """An Upbit error response: HTTP ``status`` and body ``{"error": {"name", "message"}}``."""

    name: str | int
    message: str
    status: int = 400

    def body(self) -> dict[str, object]:
        """The JSON body Upbit sends."""
        return {"error": {"name": self.name, "message": self.message}}

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.name}: {self.message}"


def binance_error(key: str, **fmt: object) -> BinanceError:
    """Build the :class:`BinanceError` for table entry ``key`` (template filled with ``fmt``)."""
    spec = BINANCE_ERRORS[key]
    assert isinstance(spec.code, int)
    return BinanceError(spec.code, spec.message.format(**fmt), spec.status)


def upbit_error(name: str, **fmt: object) -> UpbitError:
    """Build the :class:`UpbitError` for ``name`` (template filled with ``fmt``)."""
    spec = UPBIT_ERRORS[name]
    return UpbitError(spec.code, spec.message.format(**fmt), spec.status)


class _Placeholders(dict[str, str]):
    """Plausible values for message templates of errors answered by a fault."""

    def __missing__(self, key: str) -> str:
        return FAULT_TEMPLATE_VALUES.get(key, key)


#: Template values an ``error`` fault fills in (it has no request to take them from).
FAULT_TEMPLATE_VALUES: dict[str, str] = {
    "limit": "6000",
    "interval": "10 SECOND",
    "until": "0",
    "param": "symbol",
    "pattern": "^[A-Z0-9-_.]{1,20}$",
    "msg": "An unknown error occurred while processing the request.",
    "filter": "PRICE_FILTER",
    "hours": "24",
    "read": "1",
    "sent": "2",
    "currency": "KRW",
    "detail": "invalid parameter",
}


def fault_error(venue: str, error: int | str | None, status: int | None = None) -> BinanceError | UpbitError:
    """The error an ``error`` fault answers: a Binance code (first table entry with it) or
    table key, or an Upbit error name; ``status`` overrides the table's HTTP status."""
    if venue == "binance":
        if isinstance(error, int) and not isinstance(error, bool):
            spec = next((e for e in BINANCE_ERRORS.values() if e.code == error), None)
        else:
            spec = BINANCE_ERRORS.get(str(error))
        if spec is None:
            raise ValueError(f"unknown Binance error {error!r}; use a code or key of BINANCE_ERRORS")
        assert isinstance(spec.code, int)
        return BinanceError(spec.code, spec.message.format_map(_Placeholders()), status or spec.status)
    uspec = UPBIT_ERRORS.get(str(error))
    if uspec is None:
        raise ValueError(f"unknown Upbit error {error!r}; use a name of UPBIT_ERRORS")
    return UpbitError(uspec.code, uspec.message.format_map(_Placeholders()), status or uspec.status)
