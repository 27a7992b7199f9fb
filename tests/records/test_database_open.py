"""Opening the records: a sound file is migrated and used; a damaged or newer one is never touched."""
from __future__ import annotations

import hashlib
import sqlite3
import time

import pytest

from console.errors import UserError
from console.records.audit import AuditLog
from console.records.database import (FILE_NAME, DatabaseDamaged, DatabaseMissing, DatabaseTooNew, EarlyCheck,
                                      open_database)
from console.records.migrations import latest_version


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_start_creates_the_directory_and_a_wal_database_at_the_newest_schema(tmp_path):
    data = tmp_path / "new" / "place"
    db = open_database(data)
    assert (data / FILE_NAME).is_file()
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert db.schema_version == latest_version()
    assert {"events", "vitals", "metrics", "sources", "meta"} <= set(db.db.table_names())
    assert len(db.get_meta("installation_id")) == 36
    db.close()


def test_reopening_keeps_the_installation_and_its_events(data_dir):
    db = open_database(data_dir)
    installation = db.get_meta("installation_id")
    AuditLog(db).append("x", {})
    db.close()
    again = open_database(data_dir)
    assert again.get_meta("installation_id") == installation
    assert len(AuditLog(again).events()) == 1
    again.close()


def test_a_second_connection_sees_committed_rows_and_is_configured_the_same(database):
    database.set_meta("last_backup_t", "123.5")
    other = database.connect()
    assert other.execute("SELECT value FROM meta WHERE key='last_backup_t'").fetchone() == ("123.5",)
    assert other.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    other.close()


def test_a_failed_write_block_leaves_nothing_behind(database):
    with pytest.raises(RuntimeError):
        with database.write() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('half', 'done')")
            raise RuntimeError("power dips")
    assert database.get_meta("half") is None


def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(data_dir):
    data_dir.mkdir()
    path = data_dir / FILE_NAME
    path.write_bytes(b"this is a spreadsheet, not a database" * 200)
    before = digest(path)
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(data_dir)
    assert "restore" in str(caught.value) and str(path) in str(caught.value)
    assert isinstance(caught.value, UserError)
    assert digest(path) == before


def write_damaged_records(data_dir):
    """A records file with 400 audit events whose interior b-tree pages of the clinical tables are then
    scribbled over (as a failing disk would); returns its path. Also used by tests/cli/test_start_checks.py."""
    db = open_database(data_dir)
    log = AuditLog(db)
    for i in range(400):
        log.append("assessment", {"text": "patient comfortable " * 10, "i": i})
    db.close()
    path = data_dir / FILE_NAME
    raw = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page, 6 * page, 7):  # scribble over interior b-tree pages
        raw[offset] = 0xA5
    path.write_bytes(bytes(raw))
    return path


def test_a_corrupted_page_is_found_at_startup_and_the_file_is_not_touched(data_dir):
    path = write_damaged_records(data_dir)
    before = digest(path)
    with pytest.raises(DatabaseDamaged, match="damaged"):
        open_database(data_dir)
    assert digest(path) == before
    assert not (data_dir / f"{FILE_NAME}-wal").exists() or (data_dir / f"{FILE_NAME}-wal").stat().st_size == 0


def test_a_database_from_a_newer_program_is_refused_with_a_clear_message(data_dir):
    db = open_database(data_dir)
    db.close()
    conn = sqlite3.connect(data_dir / FILE_NAME)
    conn.execute(f"PRAGMA user_version = {latest_version() + 7}")
    conn.close()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_database(data_dir)


def test_read_only_open_of_a_missing_database_says_where_it_looked(tmp_path):
    with pytest.raises(DatabaseMissing, match="no records database"):
        open_database(tmp_path / "nowhere", readonly=True)
    assert not (tmp_path / "nowhere").exists()


def _damage_pages(data_dir, table, count=5):
    """Scribble over some leaf pages of one table (found with SQLite's dbstat), nothing else."""
    conn = sqlite3.connect(data_dir / FILE_NAME)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
                                        "ORDER BY pageno", (table,))]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    path = data_dir / FILE_NAME
    raw = bytearray(path.read_bytes())
    for page in pages[len(pages) // 2:len(pages) // 2 + count]:
        start = (page - 1) * page_size
        raw[start:start + 40] = b"\xa5" * 40
    path.write_bytes(bytes(raw))


def _damage_vitals(data_dir):
    """Many vitals rows, then damage the pages that hold them (the events stay intact)."""
    from console.records.vitals import bulk_insert
    import numpy as np
    db = open_database(data_dir)
    AuditLog(db).append("session.opened", {"mrn": "M"})
    t = np.arange(0, 20000, dtype=float)
    bulk_insert(db, "monitor", "hr", "bpm", t, np.full(t.size, 70.0))
    db.close()
    _damage_pages(data_dir, "vitals")


def test_start_up_may_leave_the_vitals_check_to_the_background_which_reports_damage(data_dir):
    _damage_vitals(data_dir)
    with pytest.raises(DatabaseDamaged):
        open_database(data_dir)  # the complete check finds it
    db = open_database(data_dir, defer_vitals_check=True)  # the clinical tables are sound: start
    assert AuditLog(db).events()[0].kind == "session.opened"
    problems = []
    db.check_in_background(problems.append).join(timeout=60)
    assert problems and "damaged" in problems[0] and "restore" in problems[0]
    db.close()


def test_the_background_check_waits_its_delay_then_reports_and_closing_first_skips_it(data_dir):
    _damage_vitals(data_dir)
    db = open_database(data_dir, defer_vitals_check=True)
    problems = []
    started = time.monotonic()
    thread = db.check_in_background(problems.append, delay_s=0.5)
    thread.join(timeout=0.2)
    assert thread.is_alive() and problems == []  # still waiting: nothing checked yet
    thread.join(timeout=60)
    assert time.monotonic() - started >= 0.5
    assert problems and "damaged" in problems[0]
    skipped = []
    thread = db.check_in_background(skipped.append, delay_s=30)
    db.close()  # the console stops before the check was due: it never runs on a closed database
    thread.join(timeout=5)
    assert not thread.is_alive() and skipped == []


def test_damage_in_the_clinical_tables_stops_start_up_even_with_the_vitals_check_deferred(data_dir):
    db = open_database(data_dir)
    log = AuditLog(db)
    for i in range(400):
        log.append("assessment", {"text": "patient comfortable " * 10, "i": i})
    db.close()
    _damage_pages(data_dir, "events", count=2)
    with pytest.raises(DatabaseDamaged):
        open_database(data_dir, defer_vitals_check=True)


# ---- the start-up check on its own thread (EarlyCheck): same verdicts, nothing written, nothing read first ----
def _events(data_dir, n=400):
    db = open_database(data_dir)
    log = AuditLog(db)
    for i in range(n):
        log.append("assessment", {"text": "patient comfortable " * 10, "i": i})
    db.close()


def test_the_early_check_of_a_sound_file_lets_the_console_open_it_without_checking_again(data_dir, monkeypatch):
    _events(data_dir)
    early = EarlyCheck(data_dir, prefetch_after_s=0)  # the parallel read-ahead too, as from a cold cache
    early.result()
    assert early.existed and early.prefetched
    import console.records.database as database
    monkeypatch.setattr(database, "_check_file", lambda *a, **k: pytest.fail("checked twice"))
    db = open_database(data_dir, defer_vitals_check=True, early=early)
    assert len(AuditLog(db).events()) == 400
    db.close()


def test_damage_found_by_the_early_check_stops_the_open_with_the_same_message_and_nothing_written(data_dir):
    _events(data_dir)
    _damage_pages(data_dir, "events", count=2)
    path = data_dir / FILE_NAME
    before = digest(path)
    with pytest.raises(DatabaseDamaged) as inline:
        open_database(data_dir, defer_vitals_check=True)
    early = EarlyCheck(data_dir, prefetch_after_s=0)
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(data_dir, defer_vitals_check=True, early=early)
    assert str(caught.value) == str(inline.value) and "restore" in str(caught.value)
    assert digest(path) == before
    assert not (data_dir / f"{FILE_NAME}-wal").exists() or (data_dir / f"{FILE_NAME}-wal").stat().st_size == 0


def test_the_early_check_refuses_a_file_that_is_not_a_database_and_one_from_a_newer_program(data_dir, tmp_path):
    data_dir.mkdir()
    (data_dir / FILE_NAME).write_bytes(b"this is a spreadsheet, not a database" * 200)
    with pytest.raises(DatabaseDamaged, match="restore"):
        open_database(data_dir, defer_vitals_check=True, early=EarlyCheck(data_dir))
    newer = tmp_path / "newer"
    open_database(newer).close()
    conn = sqlite3.connect(newer / FILE_NAME)
    conn.execute(f"PRAGMA user_version = {latest_version() + 7}")
    conn.close()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_database(newer, defer_vitals_check=True, early=EarlyCheck(newer))


def test_with_no_database_yet_the_early_check_creates_nothing_and_the_open_creates_it(tmp_path):
    data = tmp_path / "fresh"
    early = EarlyCheck(data)
    early.result()
    assert early.existed is False and not data.exists()
    db = open_database(data, defer_vitals_check=True, early=early)
    assert db.schema_version == latest_version()
    db.close()


def test_an_early_check_of_another_directory_is_not_taken_for_this_one(data_dir, tmp_path):
    _events(data_dir)
    _damage_pages(data_dir, "events", count=2)
    other = tmp_path / "other"
    open_database(other).close()
    with pytest.raises(DatabaseDamaged):
        open_database(data_dir, defer_vitals_check=True, early=EarlyCheck(other))
