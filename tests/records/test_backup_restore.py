"""Backups: taken while a session runs, verified, restored to an identical chain; nothing destroyed."""
from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime

import pytest

from console import cli
from console.errors import UserError
from console.records.audit import AuditLog, verify_chain
from console.records.backup import backup_reminder, backup_to, check_backup_file, restore_from
from console.records.database import FILE_NAME, open_database
from console.records.demo_session import write_demo_session
from console.records.records_config import records_config
from console.records.vitals import VitalsRecorder
from device_drivers.events import Measurement

T0 = datetime(2026, 11, 20, 9, 0).timestamp()



def chain(db):
    return [(e.id, e.hash) for e in AuditLog(db).events()]


def test_a_backup_taken_during_a_running_session_restores_to_an_identical_chain(database, tmp_path):
    write_demo_session(database, "S-earlier", T0, vitals=False)
    audit = AuditLog(database)
    recorder = VitalsRecorder(database, interval=0.05).start()
    running = threading.Event()
    running.set()

    def session_in_progress():
        i = 0
        while running.is_set():
            i += 1
            audit.append("session.assessment_recorded", {"nrs": i % 10}, session_id="S-now", actor="nurse.a")
            recorder.submit(Measurement(time.time(), "monitor", "spo2", 97.0, "%"))

    writer = threading.Thread(target=session_in_progress)
    writer.start()
    while len(audit.events(session_id="S-now")) < 20:
        time.sleep(0.01)
    result = backup_to(database, tmp_path / "backup.sqlite")
    while len(audit.events()) < result.events + 20:  # the session carries on after the backup
        time.sleep(0.01)
    running.clear()
    writer.join()
    recorder.stop()

    earlier = len(audit.events(session_id="S-earlier"))
    assert result.events >= earlier + 20
    restored_dir = tmp_path / "restored"
    restored = restore_from(restored_dir, result.path)
    assert restored.kept_aside is None and restored.events == result.events
    with open_database(restored_dir) as copy:
        assert verify_chain(copy).ok
        assert chain(copy) == chain(database)[:result.events]
    assert database.get_meta("last_backup_t") is not None


def test_restore_will_not_replace_records_without_force_and_keeps_them_aside_with_it(database, data_dir, tmp_path):
    AuditLog(database).append("before", {})
    backup = backup_to(database, tmp_path).path
    assert backup.parent == tmp_path and backup.name.startswith("bedside-console-")
    AuditLog(database).append("after", {})
    database.close()
    with pytest.raises(UserError, match="--force"):
        restore_from(data_dir, backup)
    result = restore_from(data_dir, backup, force=True)
    assert result.kept_aside is not None and result.kept_aside.exists()
    with open_database(data_dir) as db:
        assert [e.kind for e in AuditLog(db).events()] == ["before"]
    conn = sqlite3.connect(result.kept_aside)  # the replaced records are still there, whole
    assert [k for (k,) in conn.execute("SELECT kind FROM events ORDER BY id")] == ["before", "after"]
    conn.close()


def test_a_tampered_backup_is_refused_before_anything_is_replaced(database, data_dir, tmp_path):
    AuditLog(database).append("a", {"x": 1})
    AuditLog(database).append("b", {"x": 2})
    backup = backup_to(database, tmp_path / "b.sqlite").path
    conn = sqlite3.connect(backup)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET payload = '{\"x\":9}' WHERE id = 1")
    conn.commit()
    conn.close()
    database.close()
    before = (data_dir / FILE_NAME).read_bytes()
    with pytest.raises(UserError, match="fails verification.*row 1"):
        restore_from(data_dir, backup, force=True)
    assert (data_dir / FILE_NAME).read_bytes() == before


def test_restore_replaces_a_damaged_database_with_force(database, data_dir, tmp_path):
    AuditLog(database).append("a", {})
    backup = backup_to(database, tmp_path / "b.sqlite").path
    database.close()
    (data_dir / FILE_NAME).write_bytes(b"\0" * 8192)
    for side in ("-wal", "-shm"):
        (data_dir / f"{FILE_NAME}{side}").unlink(missing_ok=True)
    result = restore_from(data_dir, backup, force=True)
    assert result.events == 1 and result.kept_aside.read_bytes() == b"\0" * 8192


def test_a_backup_never_overwrites_an_existing_file(database, tmp_path):
    (tmp_path / "b.sqlite").write_text("precious")
    with pytest.raises(UserError, match="already exists"):
        backup_to(database, tmp_path / "b.sqlite")
    assert (tmp_path / "b.sqlite").read_text() == "precious"
    with pytest.raises(UserError, match="does not exist"):
        backup_to(database, tmp_path / "missing" / "b.sqlite")


def test_something_that_is_not_a_backup_is_refused(tmp_path):
    (tmp_path / "notes.sqlite").write_bytes(b"hello" * 500)
    with pytest.raises(UserError, match="not a usable records backup"):
        check_backup_file(tmp_path / "notes.sqlite")


def test_the_console_reminds_when_the_last_backup_is_older_than_the_clinic_allows(database, tmp_path):
    days = records_config().backup_remind_after_days
    now = float(database.get_meta("created_t"))
    assert backup_reminder(database, now + 3600) is None
    assert "never been backed up" in backup_reminder(database, now + (days + 1) * 86400)
    backup_to(database, tmp_path / "b.sqlite", now=now + 86400)
    assert backup_reminder(database, now + 2 * 86400) is None
    message = backup_reminder(database, now + (days + 3) * 86400)
    assert message is not None and f"{days + 2:.0f} days ago" in message


def test_backup_and_restore_commands(database, data_dir, tmp_path, capsys):
    AuditLog(database).append("a", {})
    database.close()
    assert cli.main(["backup", "--data-dir", str(data_dir), "--to", str(tmp_path / "b.sqlite")]) == 0
    assert "backed up 1 events" in capsys.readouterr().out
    with open_database(data_dir) as db:
        assert db.get_meta("last_backup_path") == str(tmp_path / "b.sqlite")
    assert cli.main(["restore", "--data-dir", str(data_dir), "--from", str(tmp_path / "b.sqlite")]) == 1
    assert "--force" in capsys.readouterr().err
    assert cli.main(["restore", "--data-dir", str(data_dir), "--from", str(tmp_path / "b.sqlite"),
                     "--force"]) == 0
    assert "kept at" in capsys.readouterr().out


def test_restore_refuses_while_the_console_still_has_the_records_open(database, data_dir, tmp_path):
    AuditLog(database).append("a", {})
    backup = backup_to(database, tmp_path / "b.sqlite").path
    with pytest.raises(UserError, match="in use"):
        restore_from(data_dir, backup, force=True)
    assert len(AuditLog(database).events()) == 1 and (data_dir / FILE_NAME).exists()
