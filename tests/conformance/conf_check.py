"""What a conformance row asserts about the answer it got."""

from __future__ import annotations

from conf_rows import Row
from conf_runner import Outcome, error_of

__all__ = ["check"]


def check(venue: str, row: Row, got: Outcome) -> None:
    """The status is the row's; a row with an error names it; a success carries none."""
    detail = f"{row.id}: HTTP {got.status} {str(got.body)[:300]}"
    assert got.status == row.status, detail
    found = error_of(venue, got.body)
    if row.error is not None:
        assert found == row.error, detail
    elif got.status < 400:
        assert found is None, detail
