"""`bedside-console verify-records`: a one-line verdict a biomed or an auditor can act on."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from console import cli
from console.records.audit import AuditLog
from console.records.database import FILE_NAME, open_database

ROOT = Path(__file__).resolve().parents[2]


def main(argv):
    return cli.main(argv)


def record_events(data_dir, n=5):
    db = open_database(data_dir)
    log = AuditLog(db)
    for i in range(n):
        log.append("assessment", {"pain": i}, session_id="S1")
    db.close()


def test_sound_records_exit_zero_with_a_one_line_summary(data_dir, capsys):
    record_events(data_dir)
    assert main(["verify-records", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("records OK") and "5 events" in out[0]


def test_the_data_dir_may_come_from_the_environment(data_dir, capsys, monkeypatch):
    record_events(data_dir, 2)
    monkeypatch.setenv("BEDSIDE_CONSOLE_DATA", str(data_dir))
    assert main(["verify-records"]) == 0
    assert "2 events" in capsys.readouterr().out


def test_an_edited_row_gives_a_non_zero_exit_naming_the_row(data_dir, capsys):
    record_events(data_dir)
    conn = sqlite3.connect(data_dir / FILE_NAME)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET payload = '{\"pain\":0}' WHERE id = 3")
    conn.commit()
    conn.close()
    assert main(["--data-dir", str(data_dir), "verify-records"]) != 0
    out = capsys.readouterr().out
    assert "records BROKEN" in out and "row 3" in out and "edited" in out


def test_verification_never_changes_the_file(data_dir, capsys):
    record_events(data_dir)
    before = (data_dir / FILE_NAME).read_bytes()
    main(["verify-records", "--data-dir", str(data_dir)])
    assert (data_dir / FILE_NAME).read_bytes() == before


def test_a_missing_or_damaged_database_is_one_line_on_stderr_not_a_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    missing = subprocess.run([sys.executable, "-m", "console", "verify-records", "--data-dir",
                              str(tmp_path / "none")], capture_output=True, text=True, env=env)
    assert missing.returncode != 0 and "no records database" in missing.stderr
    assert "Traceback" not in missing.stderr
    damaged_dir = tmp_path / "damaged"
    damaged_dir.mkdir()
    (damaged_dir / FILE_NAME).write_bytes(b"garbage" * 1000)
    damaged = subprocess.run([sys.executable, "-m", "console", "verify-records", "--data-dir",
                              str(damaged_dir)], capture_output=True, text=True, env=env)
    assert damaged.returncode != 0 and "damaged" in damaged.stderr and "restore" in damaged.stderr
    assert "Traceback" not in damaged.stderr and len(damaged.stderr.strip().splitlines()) == 1
