"""The clinical event log: every event durable, chained to the one before, readable in order."""
from __future__ import annotations

import hashlib
import sqlite3
import threading

import pytest

from console.records.audit import GENESIS_HASH, AuditLog, canonical_json, verify_chain
from console.records.database import open_database


def test_the_first_event_chains_to_the_genesis_hash_and_hashes_its_canonical_json(audit):
    event = audit.append("session_opened", {"patient": "P-1", "weight_kg": 72.5}, actor="nurse.a",
                         session_id="S1", t=1_700_000_000.25)
    assert event.id == 1 and event.prev_hash == GENESIS_HASH
    body = canonical_json({"id": 1, "t": 1_700_000_000.25, "kind": "session_opened", "session_id": "S1",
                           "actor": "nurse.a", "payload": {"patient": "P-1", "weight_kg": 72.5},
                           "refers_to": None, "prev_hash": GENESIS_HASH})
    assert event.hash == hashlib.sha256(body.encode()).hexdigest()
    assert body.startswith('{"actor":"nurse.a","id":1,"kind":"session_opened"')


def test_canonical_json_is_stable_and_refuses_nan():
    assert canonical_json({"b": 1, "a": [0.1, "ü"]}) == '{"a":[0.1,"ü"],"b":1}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_each_event_carries_the_previous_hash_and_the_chain_verifies(audit, database):
    events = [audit.append("rate_changed", {"rate_ml_h": r}, session_id="S1", t=100.0 + r)
              for r in (10, 12, 15)]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    report = verify_chain(database)
    assert report.ok and report.count == 3 and report.head_hash == events[-1].hash


def test_an_appended_event_is_on_disk_before_append_returns(audit, data_dir):
    audit.append("order_signed", {"mg_per_kg_h": 0.5}, actor="dr.b", session_id="S2")
    other = sqlite3.connect(data_dir / "bedside-console.sqlite")
    assert other.execute("SELECT kind FROM events").fetchall() == [("order_signed",)]
    other.close()


def test_events_read_back_by_session_and_kind_in_recorded_order(audit):
    audit.append("a", {}, session_id="S1")
    audit.append("b", {}, session_id="S2")
    first = audit.append("c", {"n": 1}, session_id="S1")
    audit.append("d", {}, session_id="S1", refers_to=first.id)
    assert [e.kind for e in audit.events(session_id="S1")] == ["a", "c", "d"]
    assert [e.kind for e in audit.events(kinds=["b", "d"])] == ["b", "d"]
    assert [e.kind for e in audit.events(after_id=2)] == ["c", "d"]
    assert audit.events(kinds=["d"])[0].refers_to == first.id
    assert audit.session_ids() == ["S1", "S2"]


def test_a_correction_must_refer_to_an_event_that_exists(audit):
    with pytest.raises(ValueError, match="does not exist"):
        audit.append("correction", {}, refers_to=99)
    assert audit.events() == []


def test_the_database_itself_refuses_to_edit_or_delete_an_event(audit, database):
    audit.append("assessment", {"rass": 0})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        database.conn.execute("UPDATE events SET payload = '{}'")
    with pytest.raises(sqlite3.DatabaseError, match="cannot be deleted"):
        database.conn.execute("DELETE FROM events")
    assert verify_chain(database).ok


def test_appends_from_many_threads_form_one_unbroken_chain(audit, database):
    def worker(n):
        for i in range(25):
            audit.append("tick", {"worker": n, "i": i})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    report = verify_chain(database)
    assert report.ok and report.count == 100


def test_two_programs_appending_to_one_file_keep_one_chain(data_dir):
    first, second = open_database(data_dir), open_database(data_dir)
    a, b = AuditLog(first), AuditLog(second)
    for i in range(10):
        a.append("from_a", {"i": i})
        b.append("from_b", {"i": i})
    assert verify_chain(first).count == 20 and verify_chain(second).ok
    first.close()
    second.close()


def test_payload_read_back_equals_what_a_later_reader_sees(audit):
    event = audit.append("dose", {"mg": 35.0, "steps": (1, 2), "note": "Schmerz ↓"})
    assert event.payload == {"mg": 35.0, "steps": [1, 2], "note": "Schmerz ↓"}
    assert audit.get(event.id) == event
