"""A patient's series of infusions: dose, pain before and after, side effects, and the chart of pain."""
from __future__ import annotations

from datetime import datetime

import pytest

from console.records.demo_session import DemoPatient, write_demo_session
from console.records.history import patient_history, patients

T0 = datetime(2026, 10, 1, 9, 0).timestamp()
WEEK = 7 * 86400


@pytest.fixture
def series(database):
    maria = DemoPatient(patient_id=1, mrn="MRN-1", name="Maria Keller", weight_kg=72.0)
    jon = DemoPatient(patient_id=2, mrn="MRN-2", name="Jon Berg", weight_kg=90.0)
    pains = [(8, 5), (7, 4), (6, 3), (5, 3)]
    for n, (before, after) in enumerate(pains):
        write_demo_session(database, f"M{n}", T0 + n * WEEK, patient=maria, vitals=False, pain_before=before,
                           pain_after=after, side_effects=("nausea",) if n == 0 else ())
        write_demo_session(database, f"J{n}", T0 + n * WEEK + 4 * 3600, patient=jon, vitals=False)
    return maria


def test_the_history_lists_the_patients_sessions_oldest_first_with_dose_and_pain(database, series):
    history = patient_history(database, patient_id=1)
    assert [s.session_id for s in history] == ["M0", "M1", "M2", "M3"]
    assert [(s.pain_before, s.pain_after) for s in history] == [(8, 5), (7, 4), (6, 3), (5, 3)]
    assert history[0].side_effects == ("nausea",) and history[1].side_effects == ()
    assert all(s.given_mg > 0 and s.status == "signed_off" for s in history)
    assert history[0].given_mg_per_kg == pytest.approx(history[0].given_mg / 72.0)
    assert history[2].pain_change == -3


def test_history_by_mrn_finds_the_same_sessions(database, series):
    assert [s.session_id for s in patient_history(database, mrn="MRN-2")] == ["J0", "J1", "J2", "J3"]


def test_patients_are_listed_most_recent_first_with_their_session_counts(database, series):
    listed = patients(database)
    assert [(p.name, p.sessions) for p in listed] == [("Jon Berg", 4), ("Maria Keller", 4)]


def test_the_history_view_shows_the_series_as_a_table_and_a_pain_chart(qtbot, database, series, tmp_path):
    from console.ui import style
    from console.ui.history_view import HistoryView
    view = HistoryView()
    view.setStyleSheet(style.STYLESHEET)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show_history("Maria Keller (MRN-1)", patient_history(database, patient_id=1))
    assert view.table.rowCount() == 4
    assert view.table.item(0, 4).text() == "5" and view.table.item(0, 5).text() == "3"  # newest first
    assert view.table.item(3, 6).text() == "nausea"
    assert "4 sessions" in view.title.text()
    curves = [c for c in view.plot.listDataItems() if c.name() in ("pain before", "pain after")]
    after = next(c for c in curves if c.name() == "pain after")
    assert list(after.getData()[1]) == [5, 4, 3, 3]
    view.show()
    qtbot.waitExposed(view)
    view.grab().save(str(tmp_path / "history.png"))
    assert (tmp_path / "history.png").stat().st_size > 5000
