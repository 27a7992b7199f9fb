"""Someone with the file and a plain sqlite3 shell changes history: verification names the row."""
from __future__ import annotations

import json
import sqlite3

import pytest

from console.records.audit import AuditLog, verify_chain
from console.records.database import FILE_NAME, open_database


@pytest.fixture
def recorded_session(data_dir):
    """Ten events of a session, then the program closes the file."""
    db = open_database(data_dir)
    log = AuditLog(db)
    for i in range(10):
        log.append("rate_changed", {"rate_ml_h": 10 + i}, actor="nurse.a", session_id="S1", t=1000.0 + i)
    db.close()
    return data_dir / FILE_NAME


def tamper(path, *statements):
    """What an intruder does: drop the guard triggers, then change rows directly."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def verify(data_dir):
    db = open_database(data_dir, readonly=True)
    try:
        return verify_chain(db)
    finally:
        db.close()


def test_an_untouched_record_verifies(recorded_session, data_dir):
    report = verify(data_dir)
    assert report.ok and report.count == 10


def test_an_edited_rate_is_found_and_its_row_named(recorded_session, data_dir):
    tamper(recorded_session, "UPDATE events SET payload = '{\"rate_ml_h\":5}' WHERE id = 4")
    report = verify(data_dir)
    assert not report.ok and report.bad_id == 4 and report.problem.startswith("edited")
    assert report.count == 3


def test_an_edited_time_or_actor_is_found(recorded_session, data_dir):
    tamper(recorded_session, "UPDATE events SET actor = 'nurse.b' WHERE id = 7")
    assert verify(data_dir).bad_id == 7


def test_editing_a_row_and_recomputing_its_own_hash_breaks_the_next_link(recorded_session, data_dir):
    from console.records.audit import event_hash
    conn = sqlite3.connect(recorded_session)
    row = conn.execute("SELECT id, t, kind, session_id, actor, payload, refers_to, prev_hash "
                       "FROM events WHERE id = 5").fetchone()
    conn.close()
    forged = event_hash(id=5, t=row[1], kind=row[2], session_id=row[3], actor=row[4],
                        payload={"rate_ml_h": 99}, refers_to=row[6], prev_hash=row[7])
    tamper(recorded_session,
           f"UPDATE events SET payload = '{{\"rate_ml_h\":99}}', hash = '{forged}' WHERE id = 5")
    report = verify(data_dir)
    assert report.bad_id == 6 and report.problem.startswith("bad link")


def test_a_deleted_row_is_found_and_the_gap_named(recorded_session, data_dir):
    tamper(recorded_session, "DELETE FROM events WHERE id = 6")
    report = verify(data_dir)
    assert not report.ok and report.bad_id == 7
    assert report.problem.startswith("deleted") and "6" in report.problem


def test_deleting_the_last_rows_is_found_through_the_recorded_head(recorded_session, data_dir):
    tamper(recorded_session, "DELETE FROM events WHERE id >= 9")
    report = verify(data_dir)
    assert not report.ok and report.bad_id == 9 and "ended at event 10" in report.problem


def test_two_swapped_rows_are_named_as_reordered(recorded_session, data_dir):
    tamper(recorded_session,
           "UPDATE events SET id = -1 WHERE id = 3",
           "UPDATE events SET id = 3 WHERE id = 4",
           "UPDATE events SET id = 4 WHERE id = -1")
    report = verify(data_dir)
    assert not report.ok and report.bad_id == 3
    assert report.problem.startswith("reordered") and "4" in report.problem


def test_a_row_moved_by_rewriting_its_time_order_is_still_found(recorded_session, data_dir):
    tamper(recorded_session, "UPDATE events SET t = 999.0 WHERE id = 8")
    report = verify(data_dir)
    assert report.bad_id == 8


def test_the_records_payload_text_is_what_was_hashed(recorded_session, data_dir):
    conn = sqlite3.connect(recorded_session)
    payloads = [json.loads(p) for (p,) in conn.execute("SELECT payload FROM events ORDER BY id")]
    conn.close()
    assert [p["rate_ml_h"] for p in payloads] == list(range(10, 20))


def test_an_edited_ledger_row_is_caught_against_its_chained_event(data_dir, capsys):
    from console.cli import main
    from console.records.ledger import Ledger
    db = open_database(data_dir)
    ledger = Ledger(db)
    ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1", expiry="2099-01-31",
                       volume_ml=100, actor="nurse.a", t=1000.0)
    ledger.record_waste(session_id="S1", volume_ml=20, actor="nurse.a", witness="nurse.b", t=1100.0)
    db.close()
    assert main(["verify-records", "--data-dir", str(data_dir)]) == 0
    assert "ledger matches" in capsys.readouterr().out
    conn = sqlite3.connect(data_dir / FILE_NAME)
    conn.execute("DROP TRIGGER ledger_waste_no_update")
    conn.execute("UPDATE ledger_waste SET witness = 'nurse.c' WHERE id = 1")
    conn.commit()
    conn.close()
    assert main(["verify-records", "--data-dir", str(data_dir)]) != 0
    out = capsys.readouterr().out
    assert "ledger_waste row 1: witness is 'nurse.c'" in out and "'nurse.b'" in out
