"""The records panel: the nurse exports a report and backs up from the screen, without freezing it."""
from __future__ import annotations

from pdf_reader import pdf_text

from datetime import datetime

from console.records.demo_session import DemoPatient, write_demo_session
from console.ui import style
from console.ui.records_panel import RecordsPanel

T0 = datetime(2026, 11, 20, 9, 0).timestamp()


def make_panel(qtbot, database, tmp_path, **kw):
    panel = RecordsPanel(database, export_dir=tmp_path, ask_save_path=lambda fmt, p: p,
                         ask_backup_folder=lambda: tmp_path, **kw)
    panel.setStyleSheet(style.STYLESHEET)
    qtbot.addWidget(panel)
    panel.resize(460, 760)
    return panel


def test_the_newest_session_is_selected_and_exports_as_a_pdf_from_the_screen(qtbot, database, tmp_path):
    write_demo_session(database, "S-1", T0, vitals=True)
    write_demo_session(database, "S-2", T0 + 86400, patient=DemoPatient(patient_id=2, mrn="MRN-2",
                                                                          name="Jon Berg"), vitals=False)
    panel = make_panel(qtbot, database, tmp_path)
    assert panel.sessions.count() == 2 and "Jon Berg" in panel.sessions.item(0).text()
    panel.sessions.setCurrentRow(1)
    with qtbot.waitSignal(panel.finished, timeout=60000) as done:
        panel.export_selected("pdf")
    assert done.args[0] is True, done.args[1]
    pdf = tmp_path / "session-S-1.pdf"
    text = pdf_text(pdf)
    assert "Maria Keller" in text and "Saved" in panel.status.text()
    panel.show()
    qtbot.waitExposed(panel)
    panel.grab().save(str(tmp_path / "panel.png"))
    panel.shutdown()


def test_backing_up_from_the_screen_clears_the_reminder(qtbot, database, tmp_path):
    write_demo_session(database, "S-1", T0, vitals=False)
    created = float(database.get_meta("created_t"))
    later = created + 30 * 86400
    panel = make_panel(qtbot, database, tmp_path, clock=lambda: later)
    assert not panel.reminder.isHidden() and "never been backed up" in panel.reminder.text()
    with qtbot.waitSignal(panel.finished, timeout=60000) as done:
        panel.backup_now()
    assert done.args[0] is True and "verified" in done.args[1]
    assert panel.reminder.isHidden()
    assert list(tmp_path.glob("bedside-console-*.sqlite"))
    panel.shutdown()


def test_a_failed_export_is_shown_in_words_not_lost(qtbot, database, tmp_path):
    write_demo_session(database, "S-1", T0, vitals=False)
    panel = RecordsPanel(database, ask_save_path=lambda fmt, p: tmp_path / "missing" / "x.pdf",
                         ask_backup_folder=lambda: None)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.finished, timeout=60000) as done:
        panel.export_selected("pdf")
    assert done.args[0] is False and "does not exist" in panel.status.text()
    assert panel.export_buttons["pdf"].isEnabled()
    panel.shutdown()


def test_the_history_opens_for_the_selected_patient(qtbot, database, tmp_path):
    for n in range(3):
        write_demo_session(database, f"S-{n}", T0 + n * 7 * 86400, vitals=False, pain_before=8 - n, pain_after=4 - n)
    panel = make_panel(qtbot, database, tmp_path)
    panel.show_history()
    view = panel.history_dialog.findChild(type(panel.history_dialog.layout().itemAt(0).widget()))
    assert view.table.rowCount() == 3
    panel.history_dialog.close()
    panel.shutdown()
