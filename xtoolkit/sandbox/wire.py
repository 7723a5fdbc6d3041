"""Transport-neutral request/response records the venue handlers work with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ApiRequest", "Reply", "dumps"]


def dumps(body: object) -> str:
    """Compact JSON, non-ASCII kept as is (Upbit's Korean names and messages)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@dataclass(slots=True)
class ApiRequest:
    """What a handler sees of an HTTP request: the raw query string (still percent-encoded),
    raw body bytes, headers, the client address, path parameters, and the venue's clock."""

    venue: str
    method: str
    path: str
    raw_query: str
    body: bytes
    headers: Mapping[str, str]
    remote: str
    match: dict[str, str]
    now_ms: int

    @property
    def body_text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")


@dataclass(slots=True)
class Reply:
    """A response: JSON ``body`` (or raw ``text``), status and extra headers.

    ``succeeded`` tells the rate limiter the call succeeded (Binance order calls then cost 0).
    """

    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    content_type: str = "application/json"
    succeeded: bool = False

    def payload(self) -> str:
        """The response body text."""
        return self.text if self.text is not None else dumps(self.body)
