"""Power cut or kill -9 mid-session: every event the program acknowledged is there and the chain holds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.records.audit import AuditLog, verify_chain
from console.records.database import open_database

WRITER = Path(__file__).with_name("crash_writer.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_events_acknowledged_before_a_kill_survive_and_the_chain_verifies(data_dir):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(WRITER), str(data_dir)], stdout=subprocess.PIPE,
                            text=True, env=env)
    acknowledged, vitals_acknowledged = [], 0
    try:
        for line in proc.stdout:
            kind, _, number = line.partition(" ")
            if kind == "event":
                acknowledged.append(int(number))
            else:
                vitals_acknowledged = int(number)
            if len(acknowledged) >= 120 and vitals_acknowledged:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    db = open_database(data_dir)
    ids = [e.id for e in AuditLog(db).events()]
    assert set(acknowledged) <= set(ids)
    assert ids == list(range(1, len(ids) + 1))
    report = verify_chain(db)
    assert report.ok and report.count == len(ids)
    stored = db.conn.execute("SELECT COUNT(*) FROM vitals").fetchone()[0]
    assert stored >= vitals_acknowledged
    db.close()
