"""The intent journal: an append-only JSONL file, fsynced before any order is sent.

One JSON object per line: ``{"v": 1, "ts": ISO-UTC, "event": ..., "cid": client order id, ...}``.
Events of one order, in order: ``intent`` (the plan: typed and rounded order, notional, mode)
and ``send`` (the exact request parameters), both fsynced *before* the request leaves; then one
of ``placed`` / ``rejected`` (final) or ``unknown`` (no reliable answer), and for unknown ones
a ``resolved`` verdict from :mod:`xtoolkit.orders.reconcile`. ``refused``,
``validated`` and ``cancel_all`` are audit records that open no intent.

The file lives in ``$XTOOLKIT_HOME`` or ``$XDG_DATA_HOME/xtoolkit`` (default
``~/.local/share/xtoolkit``) as ``journal.jsonl``, mode 0600. It holds order facts only —
never keys, secrets, signatures or tokens; an account is named by a one-way fingerprint.
Writers in several processes are serialized with ``flock``; readers pick up appended lines.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from xtoolkit._credentials import Credentials, mask_url
from xtoolkit._frames import frame, register
from xtoolkit._home import default_path
from xtoolkit._models import fmt_decimal

__all__ = [
    "FINAL_VERDICTS",
    "JOURNAL_SCHEMA",
    "IntentRecord",
    "Journal",
    "default_path",
    "journal_at",
    "venue_id",
]

log = logging.getLogger("xtoolkit.orders")

VERSION = 1
#: Verdicts after which an intent counts as "not placed" (excluded from daily totals).
NOT_PLACED = frozenset({"NOT_FOUND", "REJECTED"})
FINAL_VERDICTS = frozenset(
    {"FILLED", "OPEN", "PARTIALLY_FILLED", "CANCELED", "EXPIRED", "REJECTED", "NOT_FOUND"}
)

#: Columns and dtypes of :meth:`Journal.frame` (one row per order intent).
JOURNAL_SCHEMA: dict[str, str] = register(
    "journal",
    {
        "created": "datetime64[ns, UTC]",
        "updated": "datetime64[ns, UTC]",
        "client_order_id": "str",
        "exchange": "str",
        "symbol": "str",
        "side": "str",
        "type": "str",
        "price": "float64",
        "qty": "float64",
        "quote_qty": "float64",
        "notional": "float64",
        "quote": "str",
        "mode": "str",
        "state": "str",
        "verdict": "str",
        "order_id": "str",
        "filled_qty": "float64",
        "error": "str",
        "sandbox": "bool",
    },
)


def venue_id(
    exchange: str, base_url: str, credentials: Credentials | None, *, sandbox: bool
) -> dict[str, Any]:
    """Which venue account an entry belongs to: host plus a one-way key fingerprint.

    The base URL is stored masked: proxy credentials (``user:password@``) never reach the
    journal, and the same URL always masks the same way, so entries still match."""
    account = hashlib.sha256(credentials.key.encode()).hexdigest()[:16] if credentials else "public"
    return {"exchange": exchange, "base_url": mask_url(base_url), "sandbox": sandbox, "account": account}


def _same_venue(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(a.get(k) == b.get(k) for k in ("exchange", "base_url", "account"))


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class IntentRecord:
    """The folded life of one order intent (mutable inside the journal only)."""

    cid: str
    venue: dict[str, Any]
    order: dict[str, Any]
    created: datetime
    updated: datetime
    notional: Decimal | None
    quote: str
    mode: str
    #: pending | unknown | placed | rejected | resolved | provisional (a NOT_FOUND not yet final)
    state: str = "pending"
    verdict: str | None = None
    order_id: str | None = None
    filled_qty: str | None = None
    status: str | None = None
    error: str | None = None
    events: list[str] = field(default_factory=list)

    @property
    def unresolved(self) -> bool:
        """Sent (or possibly sent) and its outcome is not known."""
        return self.state in ("pending", "unknown")

    @property
    def counts(self) -> bool:
        """Possibly placed: counts toward daily totals and the repeat guard.

        A provisional NOT_FOUND counts: the venue may still apply the order it has not shown yet.
        """
        if self.state == "provisional":
            return True
        return self.state != "rejected" and self.verdict not in NOT_PLACED

    @property
    def provisional(self) -> bool:
        """Not found so far, but before the venue's horizon: re-checked on a schedule."""
        return self.state == "provisional"


class Journal:
    """An append-only JSONL journal at ``path`` (created on the first write)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        self._offset = 0
        self._inode: int | None = None
        self._entries: list[dict[str, Any]] = []
        self._intents: dict[str, IntentRecord] = {}
        self._cids: set[str] = set()
        self.bad_lines = 0

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    # --- writing ------------------------------------------------------------------------

    def append(self, event: str, cid: str, **fields: Any) -> dict[str, Any]:
        """Write one event and fsync it before returning (the write-ahead guarantee)."""
        record = {"v": VERSION, "ts": _iso(_now()), "event": event, "cid": cid, **fields}
        line = (json.dumps(record, separators=(",", ":"), default=_json_default) + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    # A crash mid-line left a fragment: start on a fresh line, never glue onto it.
                    os.write(fd, b"\n")
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_dir(self.path.parent)
            self._refresh()
        return record

    # --- reading ------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Read lines appended since the last read (by this or another process)."""
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                self._reset()
                return
            if st.st_ino != self._inode or st.st_size < self._offset:
                self._reset()
                self._inode = st.st_ino
            if st.st_size == self._offset:
                return
            with open(self.path, "rb") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
                try:
                    fh.seek(self._offset)
                    data = fh.read()
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            end = data.rfind(b"\n") + 1
            self._offset += end
            for raw in data[:end].splitlines():
                if not raw.strip():
                    continue
                try:
                    entry = json.loads(raw)
                    if not isinstance(entry, dict) or "event" not in entry or "cid" not in entry:
                        raise ValueError("not a journal record")
                except ValueError:
                    self.bad_lines += 1
                    log.warning("journal %s: skipped an unreadable line", self.path)
                    continue
                self._entries.append(entry)
                self._cids.add(str(entry["cid"]))
                self._fold(entry)

    def _reset(self) -> None:
        self._offset, self._inode = 0, None
        self._entries, self._intents, self._cids = [], {}, set()

    def _fold(self, e: dict[str, Any]) -> None:
        cid, event = str(e["cid"]), e["event"]
        ts = _parse_ts(e["ts"])
        if event == "intent":
            notional = e.get("notional")
            self._intents[cid] = IntentRecord(
                cid=cid,
                venue=dict(e.get("venue") or {}),
                order=dict(e.get("order") or {}),
                created=ts,
                updated=ts,
                notional=Decimal(notional) if notional is not None else None,
                quote=str(e.get("quote") or ""),
                mode=str(e.get("mode") or ""),
                events=["intent"],
            )
            return
        rec = self._intents.get(cid)
        if rec is None:
            return
        rec.updated = ts
        rec.events.append(event)
        if event == "placed":
            rec.state, rec.order_id = "placed", e.get("order_id")
            rec.status, rec.filled_qty = e.get("status"), e.get("filled_qty")
            rec.verdict = (rec.status or "open").upper()
        elif event == "rejected":
            rec.state, rec.error, rec.verdict = "rejected", e.get("error"), "REJECTED"
        elif event == "unknown" and rec.state == "pending":
            rec.state, rec.error = "unknown", e.get("reason")
        elif event == "resolved":
            verdict = e.get("verdict")
            # A NOT_FOUND written with final=False is provisional (see OrderDesk.recheck_at).
            final = verdict != "NOT_FOUND" or e.get("final", True)
            rec.state, rec.verdict = ("resolved" if final else "provisional"), verdict
            rec.order_id = e.get("order_id") or rec.order_id
            rec.status, rec.filled_qty = e.get("status"), e.get("filled_qty")

    def entries(self) -> list[dict[str, Any]]:
        """Every event, oldest first (copies)."""
        with self._lock:
            self._refresh()
            return [dict(e) for e in self._entries]

    def intents(self) -> list[IntentRecord]:
        """Every order intent, folded, oldest first."""
        with self._lock:
            self._refresh()
            return list(self._intents.values())

    def get(self, cid: str) -> IntentRecord | None:
        with self._lock:
            self._refresh()
            return self._intents.get(cid)

    def used(self, cid: str) -> bool:
        """Whether any event ever named this client order id (ids are never reused)."""
        with self._lock:
            self._refresh()
            return cid in self._cids

    def unresolved(self, venue: Mapping[str, Any] | None = None) -> list[IntentRecord]:
        """Intents whose outcome is unknown, optionally only for one venue account."""
        return [r for r in self.intents() if r.unresolved and (venue is None or _same_venue(r.venue, venue))]

    def provisional(self, venue: Mapping[str, Any] | None = None) -> list[IntentRecord]:
        """Intents not found so far whose NOT_FOUND is not final yet (optionally one venue account)."""
        return [r for r in self.intents() if r.provisional and (venue is None or _same_venue(r.venue, venue))]

    def sent_today(self, venue: Mapping[str, Any], quote: str, *, now: datetime | None = None) -> Decimal:
        """Notional of possibly-placed orders this UTC day for one venue account and quote."""
        day = (now or _now()).date()
        return sum(
            (
                r.notional
                for r in self.intents()
                if r.counts
                and r.notional is not None
                and r.quote == quote
                and r.created.date() == day
                and _same_venue(r.venue, venue)
            ),
            Decimal(0),
        )

    def recent_identical(
        self, venue: Mapping[str, Any], key: Mapping[str, Any], window_s: float
    ) -> tuple[str, float] | None:
        """The newest possibly-placed identical order sent within ``window_s`` seconds."""
        if window_s <= 0:
            return None
        now = _now()
        for r in reversed(self.intents()):
            age = (now - r.created).total_seconds()
            if age > window_s:
                break
            if r.counts and _same_venue(r.venue, venue) and _same_order(r.order, key):
                return r.cid, age
        return None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries())

    # --- display ------------------------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        """One row per order intent, oldest first.

        Returns
        -------
        DataFrame
            created, updated (UTC), client_order_id, exchange, symbol, side, type, price, qty,
            quote_qty, notional (quote currency), quote, mode (DRY-RUN/LIVE/SANDBOX), state
            (pending, unknown, placed, rejected, resolved), verdict (FILLED, OPEN,
            PARTIALLY_FILLED, CANCELED, EXPIRED, REJECTED, NOT_FOUND), order_id, filled_qty,
            error, sandbox.
        """
        rows = self.intents()
        cols: dict[str, list[Any]] = {k: [] for k in JOURNAL_SCHEMA}
        for r in rows:
            o = r.order
            cols["created"].append(r.created)
            cols["updated"].append(r.updated)
            cols["client_order_id"].append(r.cid)
            cols["exchange"].append(r.venue.get("exchange"))
            cols["symbol"].append(str(o.get("market", "")).partition(":")[2] or None)
            cols["side"].append(o.get("side"))
            cols["type"].append(o.get("type"))
            cols["price"].append(o.get("price"))
            cols["qty"].append(o.get("qty"))
            cols["quote_qty"].append(o.get("quote_qty"))
            cols["notional"].append(r.notional)
            cols["quote"].append(r.quote)
            cols["mode"].append(r.mode)
            cols["state"].append(r.state)
            cols["verdict"].append(r.verdict)
            cols["order_id"].append(r.order_id)
            cols["filled_qty"].append(r.filled_qty)
            cols["error"].append(r.error)
            cols["sandbox"].append(bool(r.venue.get("sandbox")))
        return frame("journal", cols)


def _same_order(order: Mapping[str, Any], key: Mapping[str, Any]) -> bool:
    return all(order.get(k) == key.get(k) for k in ("native", "side", "type", "price", "qty", "quote_qty"))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return fmt_decimal(value)
    if isinstance(value, datetime):
        return _iso(value)
    raise TypeError(f"cannot journal a {type(value).__name__}")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_JOURNALS: dict[Path, Journal] = {}
_JOURNALS_LOCK = threading.Lock()


def journal_at(path: str | Path | None = None) -> Journal:
    """The process-wide :class:`Journal` for ``path`` (default :func:`default_path`).

    Clients sharing a file share one object, so their views of it can never disagree.
    """
    resolved = Path(path).expanduser().resolve() if path is not None else default_path().resolve()
    with _JOURNALS_LOCK:
        journal = _JOURNALS.get(resolved)
        if journal is None:
            journal = _JOURNALS[resolved] = Journal(resolved)
        return journal
