"""A clinic's first start: `run` on a new data directory opens the set-up, which says what is missing, keeps
each step in the records, and lets the console start only once this chair's devices are set."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from console import device_config, site_setup
from console.alarms.audio import SubprocessPlayer
from console.records.audit import AuditLog
from console.records.database import open_database
from console.records.people import PeopleStore
from console.session.config import load_config
from console.session.staff import StaffDirectory
from console.ui.first_start import FirstStartWindow


@pytest.fixture
def setup_window(qtbot, tmp_path):
    database = open_database(tmp_path)
    audit = AuditLog(database)
    staff = StaffDirectory(PeopleStore(database), load_config(tmp_path).clinic)

    def biomed_sets_the_pump() -> None:  # what the device set-up screen saves, written the same way
        device_config.save(tmp_path, device_config.DeviceConfig().with_assignment(
            device_config.DeviceAssignment("pump", "manual")))

    window = FirstStartWindow(tmp_path, database, audit, staff, open_devices=biomed_sets_the_pump)
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    yield window
    database.close()


def answer_next_box(button) -> None:
    def click() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), box
        box.button(button).click()
    QTimer.singleShot(300, click)


def fill_form(values: dict, then_cancel: bool = False):
    """Types into the next form that opens and presses Save (then Cancel when asked, after a refusal)."""
    seen = {}

    def act() -> None:
        form = QApplication.activeModalWidget()
        for key, text in values.items():
            form.edits[key].setText(text)
        next(b for b in form.findChildren(QPushButton) if b.text() == "Save").click()
        seen["error"] = form.error.text()
        if form.isVisible() and then_cancel:
            form.reject()
    QTimer.singleShot(200, act)
    return seen


def test_a_new_chair_cannot_start_until_it_has_an_administrator_and_devices(setup_window, qtbot):
    w = setup_window
    qtbot.mouseClick(w.start_button, Qt.LeftButton)
    assert w.result_choice is None and w.isVisible()
    assert "cannot start yet" in w.summary.text()
    assert "administrator account" in w.summary.text() and "this chair's devices" in w.summary.text()
    w.grab().save("/tmp/first-start-empty.png")


def test_the_administrator_is_created_here_and_a_pin_typo_is_refused_in_words(setup_window, qtbot):
    w = setup_window
    seen = fill_form({"username": "amira", "name": "Amira Haddad", "pin": "4711", "repeat": "4712"}, then_cancel=True)
    qtbot.mouseClick(w.rows["admin"][2], Qt.LeftButton)
    assert "PINs differ" in seen["error"] and w.staff.needs_first_admin()
    fill_form({"username": "amira", "name": "Amira Haddad", "pin": "4711", "repeat": "4711"})
    qtbot.mouseClick(w.rows["admin"][2], Qt.LeftButton)
    assert not w.staff.needs_first_admin()
    assert "An administrator exists" in w.rows["admin"][1].text()


def test_every_step_is_recorded_and_the_console_starts_once_the_required_ones_are_done(setup_window, qtbot, tmp_path):
    w = setup_window
    fill_form({"username": "amira", "name": "Amira Haddad", "pin": "4711", "repeat": "4711"})
    qtbot.mouseClick(w.rows["admin"][2], Qt.LeftButton)
    fill_form({"clinic": "Lakeside Pain Clinic", "chair": "Chair 3"})
    qtbot.mouseClick(w.rows["site"][2], Qt.LeftButton)
    qtbot.mouseClick(w.rows["devices"][2], Qt.LeftButton)
    assert w.set_backup_folder(tmp_path / "no-such-usb-disk") is not None
    assert "choose another folder" in w.rows["backup"][1].text()
    backups = tmp_path / "usb"
    backups.mkdir()
    assert w.set_backup_folder(backups) is None
    assert "This chair is ready. Still to do when you can: alarm sound test." == w.summary.text()
    w.grab().save("/tmp/first-start-ready.png")
    qtbot.mouseClick(w.start_button, Qt.LeftButton)
    assert w.result_choice == "console"
    site = w.audit.events(kinds=site_setup.SITE_NAMED)[-1]
    assert site.payload == {"clinic": "Lakeside Pain Clinic", "chair": "Chair 3"} and site.actor == "amira"
    assert w.audit.events(kinds=site_setup.BACKUP_FOLDER_SET)[-1].payload["folder"] == str(backups)


def _player_script(directory: Path) -> str:
    directory.mkdir()
    script = directory / "aplay"
    script.write_text("#!/bin/sh\nsleep 5\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(directory)


@pytest.mark.parametrize("answer,heard", [(QMessageBox.Yes, True), (QMessageBox.No, False)])
def test_the_alarm_sound_test_records_whether_it_was_heard(setup_window, qtbot, tmp_path, answer, heard):
    w = setup_window
    w.player = SubprocessPlayer(_player_script(tmp_path / "bin"))
    answer_next_box(answer)
    qtbot.mouseClick(w.rows["sound"][2], Qt.LeftButton)
    event = w.audit.events(kinds=site_setup.SOUND_TESTED)[-1]
    assert event.payload["heard"] is heard
    step = next(s for s in w.steps() if s.key == "sound")
    assert step.done is heard and (heard or "NOT heard" in step.detail)


def test_with_no_sound_player_the_test_says_alarms_would_be_visual_only(setup_window, qtbot, tmp_path):
    w = setup_window
    (tmp_path / "empty").mkdir()
    w.player = SubprocessPlayer(str(tmp_path / "empty"))
    answer_next_box(QMessageBox.Ok)
    qtbot.mouseClick(w.rows["sound"][2], Qt.LeftButton)
    event = w.audit.events(kinds=site_setup.SOUND_TESTED)[-1]
    assert event.payload["heard"] is False and "no sound player" in event.payload["detail"]


def test_run_on_a_new_directory_creates_it_and_opens_the_set_up(qtbot, tmp_path):
    from console.commands import gui

    directory = tmp_path / "clinic" / "chair3"

    def finish_later() -> None:
        window = QApplication.activeModalWidget()
        assert isinstance(window, FirstStartWindow)
        window.later_button.click()
    QTimer.singleShot(500, finish_later)
    choice, still_missing = gui.run_first_start(directory)
    assert choice is None and "administrator account" in still_missing and "this chair's devices" in still_missing
    assert (directory / "bedside-console.sqlite").exists() and (directory / "logs" / "console.log").exists()
