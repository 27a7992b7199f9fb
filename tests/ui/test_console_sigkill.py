"""The real console process, killed with SIGKILL mid-infusion: the records survive, and the restart resumes.

The session tests kill a process that is writing session events; this one kills the whole program (window,
device links, vitals recorder) while simulated devices stream, as a power cut would.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date

import pytest
from checklist_answers import answer_all_passing
from cli_checks import ROOT

from console.app import build_console
from console.records.audit import verify_chain
from console.records.database import open_database
from ledger_draws import draw_the_order


def vitals_count(db_path) -> tuple[int, float | None]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*), max(t) FROM vitals").fetchone()
    finally:
        conn.close()


@pytest.mark.slow
def test_a_power_cut_mid_infusion_loses_at_most_a_second_of_vitals_and_no_clinical_event(qtbot, tmp_path):
    data = tmp_path / "data"
    bed = build_console(str(data), [], demo=False)  # the nurse's session, up to a running infusion
    desk = bed.session_panel.desk
    admin = desk.staff.create_first_admin("admin", "Ada Admin", "2580", now=time.time())
    desk.staff.create("nina", "Nina Nurse", "nurse", "4711", by=admin, now=time.time())
    desk.staff.create("noah", "Noah Nurse", "nurse", "5822", by=admin, now=time.time())
    desk.login("nina", "4711")
    desk.start_session(desk.create_patient("MRN-77", "Kim Kill", "1980-02-02", ""))
    desk.accept_weight(80.0, date.today())
    answer_all_passing(desk.session, desk.user, time.time)
    desk.session.complete_checklist(by=desk.user, now=time.time())
    desk.session.place_order("single_40min", by=desk.user, now=time.time())
    desk.session.double_check(60.0, checker=desk.second_person("noah", "5822"), now=time.time())
    draw_the_order(desk.session, desk.user, time.time())
    started = time.time()
    desk.session.start(by=desk.user, now=started)
    session_id = desk.session.session_id
    recorded = [(e.id, e.hash) for e in bed.audit.events(session_id=session_id)]
    bed.stop()

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "console", "--data-dir", str(data), "demo", "--scenario", "normal"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    db_path = data / "bedside-console.sqlite"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and vitals_count(db_path)[0] < 20:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.25)
        time.sleep(2.2)
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    count, last_t = vitals_count(db_path)
    assert count >= 20
    # 1 Hz devices, batches committed at least every 0.5 s: the newest stored sample is from the last
    # second or two before the cut (a little slack for a loaded machine), never from long before
    assert killed_at - last_t < 2.5

    database = open_database(data)  # the file opens, passes its integrity check and its chain verifies
    try:
        report = verify_chain(database)
        assert report.ok, report.summary()
    finally:
        database.close()

    again = build_console(str(data), [], demo=False)
    try:
        resumed = again.session_panel.desk.session
        assert resumed is not None and resumed.session_id == session_id
        assert resumed.state.phase == "infusion" and resumed.state.started_t == pytest.approx(started)
        assert [(e.id, e.hash) for e in again.audit.events(session_id=session_id)][:len(recorded)] == recorded
        now = time.time()
        assert resumed.state.delivered_mg(now) == pytest.approx(60.0 * (now - started) / 3600, rel=1e-3)
    finally:
        again.stop()
