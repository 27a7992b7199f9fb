"""Reads across chairs from the clinic server, and the labelled fallback to this chair's records."""
from __future__ import annotations

import json
from datetime import date, datetime

from console import cli
from console.records.clinic_reads import CLINIC, OFFLINE, daily_ledger, find_patients, patient_history
from tests.records.replication_helpers import Chair, settings_for
from tests.records.test_records_server_command import write_clinic_toml

T_A = datetime(2026, 11, 3, 9, 0).timestamp()
T_B = datetime(2026, 11, 3, 14, 0).timestamp()  # the same day, another chair


def two_chairs(tmp_path, server, dbname):
    a, b = Chair(tmp_path / "a", "a"), Chair(tmp_path / "b", "b")
    pa = a.people.add_patient(mrn="MRN-7", name="Grace Hopper", dob="1960-01-01", allergies="", t=1.0, by="n")
    pb = b.people.add_patient(mrn="MRN-7", name="Grace Hopper", dob="1960-01-01", allergies="", t=2.0, by="n")
    a.session(pa, "MRN-7", "Grace Hopper", t=T_A, pain_before=8, pain_after=5, sid="sess-a")
    b.session(pb, "MRN-7", "Grace Hopper", t=T_B, pain_before=6, pain_after=2, sid="sess-b")
    for chair in (a, b):
        write_clinic_toml(chair.db.path.parent, server, dbname)
        rep = chair.replicator(server, dbname)
        rep.sync_once()
        rep.stop()
    return a, b


def test_history_of_a_patient_seen_at_both_chairs_is_complete(tmp_path, clinic_server):
    server, dbname = clinic_server
    a, b = two_chairs(tmp_path, server, dbname)
    try:
        answer = patient_history(settings_for(server, dbname), a.db, mrn="MRN-7")
        assert answer.source == CLINIC
        assert [(s.session_id, s.pain_before, s.pain_after) for s in answer.value] == [
            ("sess-a", 8, 5), ("sess-b", 6, 2)]
        found = find_patients(settings_for(server, dbname), a.db, "hopper")
        assert found.source == CLINIC and [p["mrn"] for p in found.value] == ["MRN-7"]
        day = daily_ledger(settings_for(server, dbname), a.db, date(2026, 11, 3))
        assert day.source == CLINIC and [s.session_id for s in day.value.sessions] == ["sess-a", "sess-b"]
        assert sum(d.amount_mg for s in day.value.sessions for d in s.draws) == 100.0
    finally:
        a.close()
        b.close()


def test_server_unreachable_falls_back_to_this_chairs_records_and_says_so(tmp_path, clinic_server):
    server, dbname = clinic_server
    a, b = two_chairs(tmp_path, server, dbname)
    try:
        gone = settings_for(server, dbname)
        gone = type(gone)(**{**gone.__dict__, "port": 1})  # nothing listens there
        answer = patient_history(gone, a.db, mrn="MRN-7")
        assert answer.source == OFFLINE == "offline: this chair's records only" and answer.reason
        assert [s.session_id for s in answer.value] == ["sess-a"]
        assert daily_ledger(gone, a.db, date(2026, 11, 3)).value.sessions[0].session_id == "sess-a"
    finally:
        a.close()
        b.close()


def test_ledger_day_command_reads_every_chair_or_says_offline(tmp_path, clinic_server, capsys):
    server, dbname = clinic_server
    a, b = two_chairs(tmp_path, server, dbname)
    a.close()
    b.close()
    argv = ["ledger", "--day", "2026-11-03", "--data-dir", str(tmp_path / "a")]
    cli.main([*argv, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == CLINIC and [s["session_id"] for s in out["sessions"]] == ["sess-a", "sess-b"]
    text = (tmp_path / "a" / "clinic.toml").read_text().replace(f"port = {server.port}", "port = 1")
    (tmp_path / "a" / "clinic.toml").write_text(text)
    cli.main(argv)
    out = capsys.readouterr().out
    assert out.startswith("offline: this chair's records only") and "sess-a" in out and "sess-b" not in out


def test_the_records_panel_shows_the_history_from_every_chair_or_says_offline(qtbot, tmp_path, clinic_server):
    from console.ui.history_view import HistoryView
    from console.ui.records_panel import RecordsPanel
    server, dbname = clinic_server
    a, b = two_chairs(tmp_path, server, dbname)
    try:
        for settings, source, rows in ((settings_for(server, dbname), CLINIC, 2),
                                       (type(settings_for(server, dbname))(**{**settings_for(server, dbname).__dict__,
                                                                              "port": 1}), OFFLINE, 1)):
            panel = RecordsPanel(a.db, export_dir=tmp_path)
            qtbot.addWidget(panel)
            panel.server_settings = settings
            panel.sessions.setCurrentRow(0)
            panel.show_history()
            qtbot.waitUntil(lambda: panel.history_dialog is not None, timeout=15000)
            assert panel.history_source.text() == source
            assert panel.history_dialog.findChild(HistoryView).table.rowCount() == rows
            panel.history_dialog.close()
            panel.shutdown()
    finally:
        a.close()
        b.close()
