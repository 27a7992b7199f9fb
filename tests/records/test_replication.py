"""Replication to a real PostgreSQL: ordered, idempotent, confirmed; staff are the clinic's."""
from __future__ import annotations

import time

import psycopg
import pytest

from console.records.replication import (ReplicationConflict, STREAMS, confirmed_watermarks,
                                         verify_server_chains)
from console.records.server_schema import MIGRATIONS, latest_server_version, migrate_server, server_version
from tests.records.replication_helpers import Chair, server_rows, wait_for


@pytest.fixture
def chairs(tmp_path):
    made = []

    def make(name):
        chair = Chair(tmp_path / name, name)
        made.append(chair)
        return chair
    yield make
    for chair in made:
        chair.close()


@pytest.mark.parametrize("start", [0, *[m.version for m in MIGRATIONS[:-1]]])
def test_server_schema_migrates_from_empty_and_every_earlier_version(clinic_server, start):
    server, dbname = clinic_server
    with psycopg.connect(server.dsn(dbname)) as conn:
        if start:
            migrate_server(conn, target=start)
            conn.commit()
            assert server_version(conn) == start
            conn.execute("INSERT INTO consoles(console_id) VALUES ('old-console')")
            conn.execute("INSERT INTO events(console_id, id, t, kind, payload, prev_hash, hash) "
                         "VALUES ('old-console', 1, 1.0, 'k', '{}', 'p', 'h')")
            conn.commit()
        applied = migrate_server(conn)
        conn.commit()
        assert applied == [m.version for m in MIGRATIONS if m.version > start]
        assert server_version(conn) == latest_server_version()
        assert migrate_server(conn) == []  # a second console finds the work done
        if start:
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_two_consoles_replicate_into_one_server_and_a_patient_seen_at_both_has_a_complete_history(
        clinic_server, chairs):
    server, dbname = clinic_server
    a, b = chairs("chair-a"), chairs("chair-b")
    pa = a.people.add_patient(mrn="MRN-1", name="Ada Byron", dob="1980-01-01", allergies="", t=1.0, by="nurse.a")
    a.people.add_weight(pa, weight_kg=70.0, measured_on="2026-12-01", t=2.0, by="nurse.a")
    a.session(pa, "MRN-1", "Ada Byron", t=1000.0, pain_before=8, pain_after=4)
    pb = b.people.add_patient(mrn="MRN-1", name="Ada Byron", dob="1980-01-01", allergies="", t=5.0, by="nurse.b")
    b.session(pb, "MRN-1", "Ada Byron", t=90000.0, pain_before=6, pain_after=3)
    a.vitals(30, 1000.0)
    b.vitals(20, 90000.0)

    for chair in (a, b):
        rep = chair.replicator(server, dbname)
        sent = rep.sync_once()
        assert sent["events"] == chair.count("events") and sent["vitals"] == chair.count("vitals")
        rep.stop()

    assert server_rows(server, dbname, "SELECT count(*) FROM events")[0][0] == a.count("events") + b.count("events")
    assert server_rows(server, dbname, "SELECT count(*) FROM vitals")[0][0] == 100
    assert server_rows(server, dbname, "SELECT count(*) FROM ledger_draws")[0][0] == 2
    assert server_rows(server, dbname, "SELECT mrn FROM patients") == [("MRN-1",)]
    sessions = server_rows(server, dbname, "SELECT e.session_id FROM events e WHERE kind = 'session.opened' "
                                           "AND payload::jsonb->>'mrn' = 'MRN-1' ORDER BY t")
    assert [s[0] for s in sessions] == ["chair-a-1000", "chair-b-90000"]
    reports = verify_server_chains(server.dsn(dbname))
    assert len(reports) == 2 and all(r.ok for r in reports), [r.summary() for r in reports]
    # the watermark says what the server confirmed
    assert confirmed_watermarks(a.db)["events"] == a.count("events")


def test_resending_after_a_crash_before_the_watermark_moved_makes_no_duplicate(clinic_server, chairs):
    server, dbname = clinic_server
    a = chairs("chair-a")
    a.session(1, "MRN-2", "B", t=10.0, pain_before=7, pain_after=5)
    a.vitals(50, 10.0)
    rep = a.replicator(server, dbname, batch_rows=17)
    rep.sync_once()
    rep.stop()
    before = {s.table: server_rows(server, dbname, f"SELECT count(*) FROM {s.table}")[0][0] for s in STREAMS}
    # the crash: the server committed, the local watermark was never written
    a.db.conn.execute("DELETE FROM replication_confirmed")
    rep = a.replicator(server, dbname, batch_rows=17)
    sent = rep.sync_once()
    rep.stop()
    assert sent["vitals"] == 100  # everything went again ...
    after = {s.table: server_rows(server, dbname, f"SELECT count(*) FROM {s.table}")[0][0] for s in STREAMS}
    assert after == before  # ... and nothing doubled
    assert before["vitals"] == 100 and before["events"] == a.count("events")


def test_the_replicator_thread_ships_new_rows_while_the_bed_writes(clinic_server, chairs):
    server, dbname = clinic_server
    a = chairs("chair-a")
    rep = a.replicator(server, dbname).start()
    try:
        for i in range(20):
            a.audit.append("note", {"i": i}, session_id="S", t=100.0 + i)
            rep.wake()
        wait_for(lambda: server_rows(server, dbname, "SELECT count(*) FROM events")[0][0] == 20, what="20 events")
        assert [r[0] for r in server_rows(server, dbname, "SELECT id FROM events ORDER BY received_at, id")] == \
            list(range(1, 21))
        wait_for(lambda: confirmed_watermarks(a.db).get("events") == 20, what="the watermark")
        assert rep.status.online and rep.status.summary().startswith("records server: connected")
    finally:
        rep.stop()


def test_a_server_that_holds_a_different_event_is_a_conflict_and_nothing_is_overwritten(clinic_server, chairs):
    server, dbname = clinic_server
    a = chairs("chair-a")
    a.audit.append("note", {"i": 1}, t=1.0)
    rep = a.replicator(server, dbname)
    rep.sync_once()
    with psycopg.connect(server.dsn(dbname)) as conn:
        conn.execute("UPDATE events SET hash = 'forged' WHERE id = 1")
    a.db.conn.execute("DELETE FROM replication_confirmed")
    with pytest.raises(ReplicationConflict, match="different event 1"):
        rep.sync_once()
    rep.stop()
    assert server_rows(server, dbname, "SELECT hash FROM events") == [("forged",)]


def test_staff_accounts_are_the_clinics(clinic_server, chairs):
    server, dbname = clinic_server
    a, b = chairs("chair-a"), chairs("chair-b")
    row = dict(username="nurse.k", name="Kim", role="nurse", pin_hash="h1", pin_salt="s", kdf="scrypt",
               created_t=1.0, created_by="admin")
    a.people.insert_staff(row)
    ra, rb = a.replicator(server, dbname), b.replicator(server, dbname)
    ra.sync_once()
    rb.sync_once()
    assert b.people.get_staff("nurse.k")["pin_hash"] == "h1"  # created at A, can log in at B
    b.people.set_staff_pin("nurse.k", pin_hash="h2", pin_salt="s2", kdf="scrypt")  # PIN changed at B
    rb.sync_once()
    ra.sync_once()
    assert a.people.get_staff("nurse.k")["pin_hash"] == "h2"
    assert server_rows(server, dbname, "SELECT pin_hash FROM staff") == [("h2",)]
    ra.stop()
    rb.stop()
