"""Every alarm start, acknowledgement, pause, escalation, end and limit change goes into the real,
hash-chained audit log on disk; a log that cannot be written is itself an alarm and loses nothing."""
from __future__ import annotations

import pytest

from alarm_bedside import Bedside, Clinician, T0, bedside  # noqa: F401 (bedside is a fixture)
from console.alarms.alarm_recording import AuditRecorder
from console.alarms.engine import AlarmEngine
from console.records.audit import AuditLog, verify_chain
from console.records.database import open_database


@pytest.fixture
def database(tmp_path):
    db = open_database(tmp_path / "data")
    yield db
    db.close()


def bedside_on(database, commands):
    audit = AuditLog(database)
    engine_box = []
    recorder = AuditRecorder(audit, session_id="S-1",
                             on_failure=lambda t, why: engine_box[0].storage_failed(t, why),
                             on_recovery=lambda t: engine_box[0].storage_recovered(t))
    engine = AlarmEngine(record=recorder, pump_intent=lambda c, w: commands.append(c))
    engine_box.append(engine)
    return Bedside(engine, None), audit, recorder


def test_an_alarm_story_is_in_the_audit_log_with_times_and_people(database):
    commands = []
    bed, audit, _ = bedside_on(database, commands)
    bed.engine.set_limit("heart_rate", "high", 130, actor="nurse Ada", reason="anxious at baseline", now=bed.now)
    bed.engine.set_pump("pump", "controllable")
    bed.advance(12, spo2=86, rr=6)
    bed.engine.pause_audio("nurse Ada", bed.now)
    bed.advance(60, spo2=86, rr=6)
    bed.measure("rate", 0, device="pump")
    bed.advance(5, spo2=97, rr=12)
    bed.engine.acknowledge_all("nurse Ada", bed.now)
    bed.engine.resume_after_interlock(Clinician("Dr Lee", "physician"), bed.now, "recovered, RR 12")
    events = audit.events(session_id="S-1")
    kinds = [e.kind for e in events]
    for kind in ("alarm_limit_change", "alarm_start", "interlock_trip", "interlock_pump_stop_sent", "alarm_pause",
                 "alarm_escalate", "interlock_pump_stopped", "alarm_ack", "interlock_resume", "alarm_end"):
        assert kind in kinds, kind
    limit = events[kinds.index("alarm_limit_change")]
    assert (limit.actor, limit.t, limit.payload["reason"]) == ("nurse Ada", T0, "anxious at baseline")
    assert events[kinds.index("interlock_resume")].actor == "Dr Lee"
    assert all(e.t >= T0 for e in events)
    assert commands == ["stop", "release"]
    assert verify_chain(database).ok


def test_a_full_disk_raises_a_technical_alarm_and_the_records_wait_then_go_in_order(database):
    bed, audit, recorder = bedside_on(database, [])
    pages = database.conn.execute("PRAGMA page_count").fetchone()[0]
    database.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite now answers "database or disk is full"
    for _ in range(200):
        bed.measure("nibp_sys", 200)
        bed.measure("nibp_sys", 120)
        if recorder.failing:
            break
    assert recorder.failing, "the page limit never filled"
    alarm = bed.alarm("tech:storage")
    assert alarm.priority == "high" and "full" in alarm.text
    waiting = len(recorder.waiting)
    assert waiting >= 2
    database.conn.execute("PRAGMA max_page_count = 1073741823")
    bed.measure("nibp_sys", 210)
    assert recorder.waiting == [] and not recorder.failing
    assert bed.alarm("tech:storage").latched
    stored = audit.events(session_id="S-1")
    assert [e.kind for e in stored][-1] == "alarm_change"  # the storage alarm latched after recovery
    assert [e.t for e in stored] == sorted(e.t for e in stored)
    assert any(e.kind == "alarm_start" and e.payload["key"] == "tech:storage" for e in stored)
    assert verify_chain(database).ok
