"""The session panel beside the live vitals in the real main window, and a restart that resumes it."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication

from console.app import build_console


def test_the_panel_sits_beside_the_vitals_and_resumes_after_a_restart(qtbot, tmp_path):
    data = tmp_path / "data"
    console = build_console(str(data), [], demo=False)
    qtbot.addWidget(console.window)
    panel = console.session_panel  # the composition root puts the panel beside the vitals
    console.window.show()
    desk = panel.desk
    admin = desk.staff.create_first_admin("admin", "Ada Admin", "2580", now=desk.clock())
    desk.staff.create("nina", "Nina Nurse", "nurse", "4711", by=admin, now=desk.clock())
    desk.login("nina", "4711")
    desk.start_session(desk.create_patient("MRN-1", "Robin Restart", "1975-07-07", "latex"))
    desk.accept_weight(82.5, date.today())
    desk.session.answer("identity", value=True, by=desk.user, now=desk.clock())
    panel.refresh()
    QApplication.processEvents()
    image = console.window.grab()
    image.save(str(tmp_path / "window.png"))
    if os.environ.get("SESSION_SHOTS"):
        image.save(str(Path(os.environ["SESSION_SHOTS"]) / "30_main_window.png"))
    assert panel.isVisible() and panel.current_page_name() == "checklist"
    assert "Robin Restart" in console.window.patient_label.text() and "latex" in console.window.patient_label.text()
    session_id = desk.session.session_id
    panel.timer.stop()
    console.stop()

    again = build_console(str(data), [], demo=False)
    qtbot.addWidget(again.window)
    panel2 = again.session_panel
    assert panel2.desk.session is not None and panel2.desk.session.session_id == session_id
    assert panel2.current_page_name() == "lock"  # a restart never inherits a login
    panel2.desk.login("nina", "4711")
    panel2.refresh()
    assert panel2.current_page_name() == "checklist"
    assert panel2.desk.session.state.answers["identity"].passed
    panel2.timer.stop()
    again.stop()
