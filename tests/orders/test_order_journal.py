"""The intent journal: append-only JSONL, folding, pending intents, daily totals, secrets, display."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from orderkit import KEY_U, SECRETS

from xtoolkit._credentials import Credentials
from xtoolkit.orders.ids import CLIENT_ID_RE, check_client_id, new_client_id
from xtoolkit.orders.journal import JOURNAL_SCHEMA, Journal, default_path, journal_at, venue_id
from xtoolkit.orders.mode import ALLOW_LIVE_ENV, decide

D = Decimal
VENUE = venue_id("upbit", "http://127.0.0.1:1", Credentials(KEY_U, "s" * 20), sandbox=True)
ORDER = {
    "market": "upbit:BTC/KRW",
    "native": "KRW-BTC",
    "side": "buy",
    "type": "limit",
    "price": "95000000",
    "qty": "0.0005",
    "quote_qty": None,
}


def intent(j: Journal, cid: str, **kw: object) -> None:
    fields = dict(venue=VENUE, order=ORDER, notional=D("47500"), quote="KRW", mode="SANDBOX")
    fields.update(kw)
    j.append("intent", cid, **fields)


def test_events_fold_into_intents(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    assert j.intents() == [] and not (tmp_path / "j.jsonl").exists()  # nothing created by reading
    intent(j, "xt-1")
    intent(j, "xt-2")
    intent(j, "xt-3")
    intent(j, "xt-4")
    j.append("placed", "xt-1", order_id="u1", status="open", filled_qty=D(0))
    j.append("rejected", "xt-2", error="InsufficientFunds", code="insufficient_funds_bid", message="no")
    j.append("unknown", "xt-3", reason="RequestTimeout")
    by = {r.cid: r for r in j.intents()}
    assert (by["xt-1"].state, by["xt-1"].verdict, by["xt-1"].order_id) == ("placed", "OPEN", "u1")
    assert (by["xt-2"].state, by["xt-2"].verdict) == ("rejected", "REJECTED")
    assert by["xt-3"].state == "unknown" and by["xt-4"].state == "pending"
    assert [r.cid for r in j.unresolved()] == ["xt-3", "xt-4"]
    j.append("resolved", "xt-3", verdict="FILLED", order_id="u3", status="filled", filled_qty="0.0005")
    j.append("resolved", "xt-4", verdict="NOT_FOUND")
    assert j.unresolved() == []
    other = dict(VENUE, account="someone-else")
    intent(j, "xt-5", venue=other)
    assert [r.cid for r in j.unresolved(VENUE)] == [] and [r.cid for r in j.unresolved(other)] == ["xt-5"]
    assert j.used("xt-1") and not j.used("xt-never")


def test_every_line_is_fsynced_json_with_mode_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    path = tmp_path / "sub" / "j.jsonl"
    j = Journal(path)
    intent(j, "xt-1")
    assert len(synced) >= 2  # the file, and its new directory
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["v"] == 1 and rec["event"] == "intent" and rec["cid"] == "xt-1"
    assert rec["notional"] == "47500" and rec["ts"].endswith("Z")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_journal_holds_no_secrets(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    intent(j, "xt-1")
    text = (tmp_path / "j.jsonl").read_text()
    assert all(s not in text for s in SECRETS)
    assert KEY_U[-4:] not in json.loads(text)["venue"]["account"]


def test_a_torn_last_line_is_skipped_and_never_glued_to(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    j = Journal(path)
    intent(j, "xt-1")
    with open(path, "ab") as fh:
        fh.write(b'{"v":1,"ts":"2026-01-01T00:00:00Z","event":"inte')  # crash mid-write
    fresh = Journal(path)
    intent(fresh, "xt-2")
    assert [r.cid for r in fresh.intents()] == ["xt-1", "xt-2"] and fresh.bad_lines == 1


def test_other_writers_are_seen(tmp_path: Path) -> None:
    a, b = Journal(tmp_path / "j.jsonl"), Journal(tmp_path / "j.jsonl")
    intent(a, "xt-1")
    assert [r.cid for r in b.intents()] == ["xt-1"]
    b.append("placed", "xt-1", order_id="u", status="filled")
    assert a.get("xt-1").state == "placed"  # type: ignore[union-attr]
    assert journal_at(tmp_path / "j.jsonl") is journal_at(str(tmp_path / "j.jsonl"))


def test_daily_total_counts_possibly_placed_orders_of_this_utc_day(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    for cid in ("xt-1", "xt-2", "xt-3", "xt-4"):
        intent(j, cid)
    j.append("rejected", "xt-2", error="InsufficientFunds")
    j.append("resolved", "xt-3", verdict="NOT_FOUND")
    j.append("unknown", "xt-4", reason="timeout")  # might be on the venue: counts
    assert j.sent_today(VENUE, "KRW") == D("95000")
    assert j.sent_today(VENUE, "USDT") == 0
    assert j.sent_today(VENUE, "KRW", now=datetime.now(UTC) + timedelta(days=1)) == 0


def test_recent_identical(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    intent(j, "xt-1")
    found = j.recent_identical(VENUE, ORDER, 60)
    assert found is not None and found[0] == "xt-1" and 0 <= found[1] < 60
    assert j.recent_identical(VENUE, dict(ORDER, qty="0.0006"), 60) is None
    assert j.recent_identical(VENUE, ORDER, 0) is None
    j.append("rejected", "xt-1", error="X")
    assert j.recent_identical(VENUE, ORDER, 60) is None


def test_frame_schema_empty_and_filled(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    empty = j.frame()
    assert list(empty.columns) == list(JOURNAL_SCHEMA) and len(empty) == 0
    assert {c: str(t) for c, t in empty.dtypes.items()} == JOURNAL_SCHEMA
    intent(j, "xt-1")
    j.append("unknown", "xt-1", reason="RequestTimeout: no response")
    df = j.frame()
    assert {c: str(t) for c, t in df.dtypes.items()} == JOURNAL_SCHEMA
    row = df.iloc[0]
    assert (row.client_order_id, row.symbol, row.state, row.price, row.notional) == (
        "xt-1",
        "BTC/KRW",
        "unknown",
        95000000.0,
        47500.0,
    )
    assert row.sandbox and row.error.startswith("RequestTimeout")


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XTOOLKIT_HOME", str(tmp_path))
    assert default_path() == tmp_path / "journal.jsonl"
    monkeypatch.delenv("XTOOLKIT_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "xtoolkit" / "journal.jsonl"


def test_client_ids() -> None:
    ids = {new_client_id() for _ in range(2000)}
    assert len(ids) == 2000
    for cid in list(ids)[:50]:
        assert CLIENT_ID_RE.fullmatch(cid) and len(cid) == 29 and cid.startswith("xt-")
    a = new_client_id()
    assert check_client_id("my-order_1") == "my-order_1"
    for bad in ("", "x" * 37, "has space", "dot.ted", "slash/"):
        with pytest.raises(ValueError):
            check_client_id(bad)
    assert a[:9] <= new_client_id()[:9]  # time-ordered prefix


def test_mode_decisions() -> None:
    env_on, env_off = {ALLOW_LIVE_ENV: "1"}, {}
    assert decide("dry_run", sandbox=True, environ=env_on).label == "DRY-RUN"
    assert not decide("dry_run", sandbox=False, environ=env_on).sends
    assert decide("live", sandbox=True, environ=env_off).label == "SANDBOX"
    assert decide("live", sandbox=True, environ=env_off).sends
    off = decide("live", sandbox=False, environ=env_off)
    assert (off.label, off.sends) == ("DRY-RUN", False) and ALLOW_LIVE_ENV in off.reason
    on = decide("live", sandbox=False, environ=env_on)
    assert (on.label, on.sends) == ("LIVE", True)
    assert not decide("live", sandbox=False, environ={ALLOW_LIVE_ENV: "yes"}).sends
    with pytest.raises(ValueError):
        decide("paper", sandbox=True)


def test_proxy_credentials_in_a_base_url_never_reach_the_journal(tmp_path: Path) -> None:
    from xtoolkit.orders.journal import venue_id

    proxied = venue_id("binance", "http://proxyuser:proxyPASSWORD1@127.0.0.1:9", None, sandbox=False)
    assert proxied["base_url"] == "http://***@127.0.0.1:9"
    assert venue_id("binance", "http://127.0.0.1:9", None, sandbox=False)["base_url"] == "http://127.0.0.1:9"
    # The same URL masks the same way, so entries written under it still match.
    assert proxied == venue_id("binance", "http://proxyuser:proxyPASSWORD1@127.0.0.1:9", None, sandbox=False)
