"""The session panel's patient search across chairs, and a patient known only at another chair copied here
by MRN before their session starts: real Qt widgets, a real PostgreSQL, two real chair databases."""
from __future__ import annotations

import dataclasses
import socket
import threading
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from console.records.audit import AuditLog
from console.records.replication import console_id
from console.session.config import load_config
from console.session.desk import SessionDesk
from console.session.errors import SessionError
from console.ui import style
from console.ui.session.panel import SessionPanel
from tests.records.replication_helpers import Chair, server_rows, settings_for

PIN = "4711"
GRACE_ELSEWHERE = ("Grace Hopper  ·  MRN-9  ·  born 1960-01-01\n"
                   "(from another chair: copied here at start)")
T = datetime(2026, 11, 20, 9, 0).timestamp()


class Clock:
    t = datetime(2026, 12, 1, 9, 0).timestamp()

    def __call__(self):
        return self.t


def chair_b_knows_grace(tmp_path, server, dbname) -> Chair:
    """Chair B saw Grace Hopper (MRN-9), weighed her twice, ran one session; all on the clinic server."""
    b = Chair(tmp_path / "b", "b")
    pid = b.people.add_patient(mrn="MRN-9", name="Grace Hopper", dob="1960-01-01", allergies="latex", t=T, by="nb")
    b.people.add_weight(pid, weight_kg=71.0, measured_on="2026-11-06", t=T - 14 * 86400, by="nb")
    b.people.add_weight(pid, weight_kg=70.5, measured_on="2026-11-20", t=T, by="nb")
    b.session(pid, "MRN-9", "Grace Hopper", t=T, pain_before=8, pain_after=4, sid="b-sess")
    rep = b.replicator(server, dbname)
    rep.sync_once()
    rep.stop()
    return b


@pytest.fixture
def chair_a(qtbot, tmp_path):
    """Chair A: its own records, a nurse logged in, the real session panel on screen."""
    a = Chair(tmp_path / "a", "a")
    clock = Clock()
    desk = SessionDesk(a.db, a.audit, load_config(), clock=clock)
    admin = desk.staff.create_first_admin("admin", "Ada Admin", "2580", now=clock())
    desk.staff.create("nina", "Nina Nurse", "nurse", PIN, by=admin, now=clock())
    desk.login("nina", PIN)
    panel = SessionPanel(desk)
    panel.setStyleSheet(style.STYLESHEET)
    panel.resize(520, 900)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    yield a, desk, panel
    panel.timer.stop()
    panel.pages["find"].shutdown()
    a.close()


def type_search(qtbot, page, text):
    page.search.setFocus()
    page.search.clear()
    qtbot.keyClicks(page.search, text)


def listed(page) -> list[str]:
    return [page.results.item(i).text() for i in range(page.results.count())]


def test_search_reads_every_chair_off_the_gui_thread_and_says_so(qtbot, tmp_path, clinic_server, chair_a):
    server, dbname = clinic_server
    b = chair_b_knows_grace(tmp_path, server, dbname)
    a, desk, panel = chair_a
    page = panel.pages["find"]
    page.server_settings = settings_for(server, dbname)
    threads = []
    # a direct connection runs in the thread that emits: the one that talked to the server
    page.found.connect(lambda *_: threads.append(threading.current_thread()), Qt.DirectConnection)
    try:
        type_search(qtbot, page, "hopper")
        assert "searching the clinic records" in page.source.text()  # typing returned before any answer
        assert listed(page) == []  # this chair does not know her
        qtbot.waitUntil(lambda: "clinic records: all chairs" in page.source.text(), timeout=10_000)
        assert listed(page) == [GRACE_ELSEWHERE]
        # the page's own (queued) slot runs before this direct one is called in the worker thread when the
        # GIL switches right after the event is posted: wait for it rather than race it
        qtbot.waitUntil(lambda: bool(threads), timeout=5_000)
        assert all(t is not threading.main_thread() for t in threads)
    finally:
        b.close()


def test_another_chairs_patient_is_copied_by_mrn_audited_and_not_duplicated(qtbot, tmp_path, clinic_server,
                                                                              chair_a):
    server, dbname = clinic_server
    b = chair_b_knows_grace(tmp_path, server, dbname)
    a, desk, panel = chair_a
    page = panel.pages["find"]
    page.server_settings = settings_for(server, dbname)
    try:
        type_search(qtbot, page, "MRN-9")
        qtbot.waitUntil(lambda: "another chair" in " ".join(listed(page)), timeout=10_000)
        start = next(w for w in page.findChildren(QPushButton) if w.text() == "Start session for the selected patient")
        qtbot.mouseClick(start, Qt.LeftButton)
        qtbot.waitUntil(lambda: desk.session is not None, timeout=10_000)
        assert panel.current_page_name() == "patient"
        assert desk.session.state.patient["mrn"] == "MRN-9"
        here = a.people.patient_by_mrn("MRN-9")
        assert (here["name"], here["dob"], here["allergies"]) == ("Grace Hopper", "1960-01-01", "latex")
        # the weights came too: the session's weight check compares with her last one (70.5 kg at chair B)
        assert desk.last_weight()["weight_kg"] == 70.5 and a.count("weights") == 2
        copied = [e for e in AuditLog(a.db).events() if e.kind == "patient.copied_from_clinic"]
        assert len(copied) == 1 and copied[0].actor == "nina"
        assert copied[0].payload["from_console"] == console_id(b.db)
        assert copied[0].payload["mrn"] == "MRN-9" and copied[0].payload["weights"] == 2
        opened = [e for e in AuditLog(a.db).events() if e.kind == "session.opened"]
        assert copied[0].id < opened[0].id  # copied before the session started

        # her series history at this chair shows chair B's session (from the clinic server)
        from console.records.clinic_reads import CLINIC, patient_history
        history = patient_history(settings_for(server, dbname), a.db, mrn="MRN-9", local_patient_id=here["id"])
        assert history.source == CLINIC and [(s.session_id, s.pain_before, s.pain_after) for s in history.value
                                             ][:1] == [("b-sess", 8, 4)]

        # the same MRN again never makes a second patient here
        assert desk.adopt_patient({"mrn": "MRN-9", "name": "Grace Hopper", "dob": "1960-01-01",
                                   "allergies": "latex", "created_t": T, "created_by": "nb"})["id"] == here["id"]
        assert a.count("patients") == 1

        # chair A replicates: one patient, and her two weights are not stored a second time under chair A
        rep = a.replicator(server, dbname)
        rep.sync_once()
        rep.stop()
        assert server_rows(server, dbname, "SELECT count(*) FROM patients")[0][0] == 1
        assert server_rows(server, dbname, "SELECT count(*) FROM weights")[0][0] == 2
        assert server_rows(server, dbname, "SELECT count(*) FROM events WHERE kind = 'patient.copied_from_clinic'"
                           )[0][0] == 1
    finally:
        b.close()


def test_same_mrn_with_another_name_here_is_refused_with_what_to_do(qtbot, tmp_path, clinic_server, chair_a):
    server, dbname = clinic_server
    b = chair_b_knows_grace(tmp_path, server, dbname)
    a, desk, panel = chair_a
    a.people.add_patient(mrn="MRN-9", name="Gregory Hopper", dob="1961-02-02", allergies="", t=T, by="na")
    page = panel.pages["find"]
    page.server_settings = settings_for(server, dbname)
    try:
        type_search(qtbot, page, "MRN-9")
        qtbot.waitUntil(lambda: "clinic records: all chairs" in page.source.text(), timeout=10_000)
        items = listed(page)
        assert items == [GRACE_ELSEWHERE]
        page.results.setCurrentRow(0)
        page._start_selected()
        qtbot.waitUntil(lambda: "Do not start" in panel.message.text(), timeout=10_000)
        assert "Gregory Hopper" in panel.message.text() and "records office" in panel.message.text()
        assert desk.session is None and a.count("patients") == 1
        with pytest.raises(SessionError, match="one MRN|Do not start"):
            desk.adopt_patient({"mrn": "MRN-9", "name": "Grace Hopper", "dob": "1960-01-01", "allergies": "",
                                "created_t": T, "created_by": "nb"})
    finally:
        b.close()


def test_a_silent_server_never_freezes_the_search_and_the_answer_says_offline(qtbot, tmp_path, clinic_server,
                                                                             chair_a):
    """A server that accepts TCP but never answers: the typing goes on, only the newest search counts."""
    server, dbname = clinic_server
    a, desk, panel = chair_a
    a.people.add_patient(mrn="L-1", name="Grace Local", dob="1950-05-05", allergies="", t=T, by="na")
    a.people.add_patient(mrn="L-2", name="Gordon Local", dob="1951-05-05", allergies="", t=T, by="na")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # never accepts: libpq's connect waits for a greeting that never comes
    page = panel.pages["find"]
    page.server_settings = dataclasses.replace(settings_for(server, dbname), port=silent.getsockname()[1])
    try:
        type_search(qtbot, page, "G")
        assert sorted(listed(page)) == sorted(["Grace Local  ·  L-1  ·  born 1950-05-05",
                                               "Gordon Local  ·  L-2  ·  born 1951-05-05"])
        qtbot.wait(400)  # the first server search is now in flight (debounce passed)
        qtbot.keyClicks(page.search, "ra")  # typed on while it waits: local matches follow every key
        assert listed(page) == ["Grace Local  ·  L-1  ·  born 1950-05-05"]
        qtbot.waitUntil(lambda: "offline: this chair's records only" in page.source.text(), timeout=15_000)
        assert page._asked == "Gra"  # the newest text was asked once the stale search answered
        assert listed(page) == ["Grace Local  ·  L-1  ·  born 1950-05-05"]
        assert page.source.toolTip()  # why: libpq's reason, for IT
        QApplication.processEvents()
    finally:
        silent.close()
