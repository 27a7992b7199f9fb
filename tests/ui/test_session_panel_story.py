"""The session panel, driven like a nurse drives it: taps and typing, patient to discharge, every screen shot.

Set SESSION_SHOTS=/some/dir to keep the screenshots (they always go to the test's tmp dir too).
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QTime, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from console.records.audit import AuditLog, verify_chain
from console.records.database import open_database
from console.session import event_kinds as ek
from console.session.config import load_config
from console.session.desk import SessionDesk
from console.ui import style
from console.ui.session.panel import SessionPanel
from device_drivers.events import Measurement

PINS = {"nina": "4711", "noah": "5822", "phil": "6933"}


class Clock:
    def __init__(self):
        self.t = datetime(2026, 11, 26, 9, 0).timestamp()

    def __call__(self):
        return self.t


@pytest.fixture
def bench(qtbot, tmp_path):
    database = open_database(tmp_path / "data")
    clock = Clock()
    desk = SessionDesk(database, AuditLog(database), load_config(), clock=clock)
    admin = desk.staff.create_first_admin("admin", "Ada Admin", "2580", now=clock())
    for user, name, role in (("nina", "Nina Nurse", "nurse"), ("noah", "Noah Nurse", "nurse"),
                             ("phil", "Dr Phil Physician", "physician")):
        desk.staff.create(user, name, role, PINS[user], by=admin, now=clock())
    panel = SessionPanel(desk)
    panel.setStyleSheet(style.STYLESHEET)
    panel.resize(520, 960)
    qtbot.addWidget(panel)
    panel.show()
    shots = [tmp_path / "shots"] + ([Path(os.environ["SESSION_SHOTS"])] if os.environ.get("SESSION_SHOTS") else [])
    for d in shots:
        d.mkdir(parents=True, exist_ok=True)
    yield panel, desk, clock, database, shots
    panel.timer.stop()
    database.close()


def visible_button(panel: SessionPanel, text: str) -> QPushButton:
    page = panel.stack.currentWidget()
    for b in page.findChildren(QPushButton):
        if b.text() == text and b.isVisibleTo(page):
            return b
    raise AssertionError(f"no visible button {text!r} on {panel.current_page_name()}")


def tap(qtbot, panel, text):
    qtbot.mouseClick(visible_button(panel, text), Qt.LeftButton)
    message = panel.message.text()
    assert message == "" or "recorded" in message or "changed" in message or "unaccounted" in message, message


def shot(panel, shots, name):
    panel.refresh()
    QApplication.processEvents()
    image = panel.grab()
    for d in shots:
        image.save(str(d / f"{name}.png"))


def choose_sedation(box, score):
    box.level.setCurrentIndex(box.level.findData(score))


def log_in(qtbot, panel, user):
    pad = panel.pages["lock"].pad
    pad.select(user)
    for digit in PINS[user]:
        qtbot.mouseClick(visible_button(panel, digit), Qt.LeftButton)
    qtbot.mouseClick(pad.ok, Qt.LeftButton)
    assert panel.desk.user is not None and panel.desk.user.username == user


def test_a_nurse_runs_a_whole_session_on_the_panel(qtbot, bench):
    panel, desk, clock, database, shots = bench
    assert panel.current_page_name() == "lock"
    shot(panel, shots, "01_locked")
    log_in(qtbot, panel, "nina")

    find = panel.pages["find"]
    shot(panel, shots, "02_find_patient")
    qtbot.keyClicks(find.mrn, "MRN-0042")
    qtbot.keyClicks(find.name, "Pat Example")
    qtbot.keyClicks(find.dob, "1970-03-14")
    qtbot.keyClicks(find.allergies, "penicillin")
    tap(qtbot, panel, "Add patient and start session")
    assert panel.current_page_name() == "patient"
    assert "Pat Example" in panel.patient.text() and "penicillin" in panel.patient.text()

    weight = panel.pages["patient"]
    weight.kg.setValue(70.0)
    shot(panel, shots, "03_weight")
    tap(qtbot, panel, "Use this weight")
    assert panel.current_page_name() == "checklist"

    desk.on_measurement(Measurement(clock(), "monitor", "nibp_sys", 128, "mmHg"))
    desk.on_measurement(Measurement(clock(), "monitor", "nibp_dia", 82, "mmHg"))
    desk.on_measurement(Measurement(clock(), "monitor", "hr", 71, "bpm"))
    checklist = panel.pages["checklist"]
    for row in checklist.rows:
        kind = row.item.kind
        if kind in ("confirm", "absent"):
            qtbot.mouseClick(row.yes_no.group.button(0 if kind == "confirm" else 1), Qt.LeftButton)
        elif kind == "npo":
            row.food.setTime(QTime(1, 0))
            row.fluid.setTime(QTime(6, 30))
            qtbot.mouseClick([b for b in row.findChildren(QPushButton) if b.text() == "Save"][0], Qt.LeftButton)
        elif kind == "vitals":
            qtbot.mouseClick([b for b in row.findChildren(QPushButton) if b.text() == "Take from monitor"][0],
                             Qt.LeftButton)
        else:
            qtbot.mouseClick(row.pain.group.button(7), Qt.LeftButton)
        assert panel.message.text() == "", panel.message.text()
        if row.item.id == "npo":
            shot(panel, shots, "04_checklist_in_progress")
    assert desk.session.checklist_open_items() == []
    assert desk.session.state.answers["baseline_vitals"].answer["source"] == "monitor"
    assert "food 8.0 h ago" in desk.session.state.answers["npo"].detail
    shot(panel, shots, "05_checklist_done")
    tap(qtbot, panel, "Checklist complete")

    assert panel.current_page_name() == "order"
    order = panel.pages["order"]
    assert "52.5 mL/h" in order.preview.text() and "35 mg" in order.preview.text()
    shot(panel, shots, "06_order")
    tap(qtbot, panel, "Place order")

    assert panel.current_page_name() == "double_check"
    check = panel.pages["double_check"]
    assert "52.5" not in check.facts.text()  # the second clinician calculates, not reads
    shot(panel, shots, "07_double_check")
    check.checker.who.setCurrentIndex(check.checker.who.findData("noah"))
    qtbot.keyClicks(check.checker.pin, PINS["noah"])
    check.rate.setValue(35.0)
    qtbot.mouseClick(visible_button(panel, "Confirm double check"), Qt.LeftButton)
    assert "does not match" in panel.message.text()
    shot(panel, shots, "08_double_check_mismatch")
    qtbot.keyClicks(check.checker.pin, PINS["noah"])
    check.rate.setValue(52.5)
    tap(qtbot, panel, "Confirm double check")

    assert panel.current_page_name() == "infusion"
    shot(panel, shots, "09_ready_to_start")
    drawn = panel.pages["infusion"].ledger  # the 100 mL bag is drawn and logged before it goes up
    drawn.lot.setText("KX-0917")
    drawn.expiry.setText("2027-03-31")  # typed from the bag's label: the field starts empty
    drawn.draw_ml.setValue(100)
    qtbot.mouseClick(drawn.draw_button, Qt.LeftButton)
    assert "lot KX-0917" in drawn.balance.text()
    tap(qtbot, panel, "Start infusion")
    clock.t += 5 * 60
    shot(panel, shots, "10_infusion_running")
    assert "0:05:00 elapsed" in panel.status.text() and "0:35:00 left" in panel.status.text()

    clock.t += 12 * 60  # 17 min in: the 15-min assessment is 2 min overdue, and the screen locked itself
    panel.refresh()
    assert panel.current_page_name() == "lock"
    log_in(qtbot, panel, "nina")
    assert "OVERDUE" in panel.next.text()
    shot(panel, shots, "11_assessment_overdue")
    infusion = panel.pages["infusion"]
    qtbot.mouseClick(infusion.assessment.nrs.group.button(5), Qt.LeftButton)
    qtbot.mouseClick(infusion.assessment.effects["dizziness"], Qt.LeftButton)
    assert infusion.assessment.level.currentData() is None  # nothing clinical is chosen for the nurse
    qtbot.mouseClick(visible_button(panel, "Record assessment"), Qt.LeftButton)
    assert "sedation level" in panel.message.text() and desk.session.state.assessments == []
    choose_sedation(infusion.assessment, 0)
    tap(qtbot, panel, "Record assessment")
    assert infusion.assessment.level.currentData() is None  # the next assessment starts blank again
    assert "OVERDUE" not in panel.next.text()

    clock.t += 14 * 60  # 31 min: the next assessment, on time
    panel.touch()
    qtbot.mouseClick(infusion.assessment.nrs.group.button(4), Qt.LeftButton)
    choose_sedation(infusion.assessment, 0)
    tap(qtbot, panel, "Record assessment")
    clock.t += 10 * 60  # 41 min: the 35 mL are in
    panel.touch()
    shot(panel, shots, "12_volume_complete")
    assert "Volume complete" in panel.next.text() and "volume complete" in panel.status.text()
    assert panel.message.text() == ""  # "Assessment recorded" 10 min ago is history, not news
    tap(qtbot, panel, "Stop infusion")

    assert panel.current_page_name() == "observation"
    clock.t += 10 * 60
    panel.touch()
    shot(panel, shots, "13_observation")
    obs = panel.pages["observation"]
    qtbot.mouseClick(obs.assessment.nrs.group.button(4), Qt.LeftButton)
    choose_sedation(obs.assessment, -1)
    tap(qtbot, panel, "Record assessment")
    clock.t += 21 * 60
    panel.touch()
    shot(panel, shots, "14_observation_complete")
    tap(qtbot, panel, "Begin discharge")

    assert panel.current_page_name() == "discharge"
    discharge = panel.pages["discharge"]
    qtbot.mouseClick(discharge.pain.group.button(3), Qt.LeftButton)
    assert "7 → 3: 4 points (57 %) lower" in discharge.pain_result.text()
    for combo in discharge.combos.values():
        combo.setCurrentIndex(combo.findData(2))
    tap(qtbot, panel, "Save score")
    qtbot.keyClicks(discharge.escort, "Sam Example")
    tap(qtbot, panel, "Escort is here")
    tap(qtbot, panel, "Discharge instructions given and understood")
    tap(qtbot, panel, "Sign off and close the session")  # refused: 65 mg of the bag are unaccounted for
    assert panel.current_page_name() == "discharge" and "unaccounted" in panel.message.text()
    ledger = discharge.ledger
    ledger.waste_ml.setValue(65)
    ledger.waste_reason.setText("remainder of the bag")
    ledger.witness.who.setCurrentIndex(ledger.witness.who.findData("noah"))
    qtbot.keyClicks(ledger.witness.pin, PINS["noah"])
    qtbot.mouseClick(ledger.waste_button, Qt.LeftButton)
    assert ledger.balance.text().startswith("ledger balanced"), ledger.balance.text()
    qtbot.mouseClick(ledger.reconcile_button, Qt.LeftButton)
    shot(panel, shots, "15_discharge_ready")
    tap(qtbot, panel, "Sign off and close the session")

    assert panel.current_page_name() == "closed"
    shot(panel, shots, "16_closed")
    assert "35 mg" in panel.pages["closed"].summary.text()
    correction = panel.pages["closed"].correction
    assert correction.which.count() == 3
    correction.which.setCurrentIndex(0)
    qtbot.mouseClick(correction.nrs.group.button(6), Qt.LeftButton)
    qtbot.keyClicks(correction.reason, "patient said 6, typed 5")
    qtbot.mouseClick(visible_button(panel, "Add correction"), Qt.LeftButton)
    assert "Correction added" in panel.message.text()
    assert desk.session.state.assessments[0]["nrs"] == 6
    assert "pain 6" in correction.which.itemText(0)
    shot(panel, shots, "17_closed_corrected")
    events = desk.log.events()
    kinds = [e.kind for e in events]
    assert kinds.count(ek.DOUBLE_CHECK_FAILED) == 1 and kinds[-2:] == [ek.SIGNED_OFF, ek.CORRECTED]
    assert {e.actor for e in events if e.kind.startswith("session.")} == {"nina", "noah"}
    assert verify_chain(database).ok
    tap(qtbot, panel, "New session")
    assert panel.current_page_name() == "find"


def test_a_hard_stop_on_the_panel_ends_in_a_cancelled_session(qtbot, bench):
    panel, desk, clock, database, shots = bench
    log_in(qtbot, panel, "nina")
    row = desk.create_patient("MRN-7", "Lee Stop", "1985-05-05", "")
    desk.start_session(row)
    panel.refresh()
    panel.pages["patient"].kg.setValue(64)
    tap(qtbot, panel, "Use this weight")
    checklist = panel.pages["checklist"]
    pregnancy = next(r for r in checklist.rows if r.item.id == "pregnancy")
    qtbot.mouseClick(pregnancy.yes_no.group.button(0), Qt.LeftButton)
    assert "HARD STOP" in panel.next.text()
    assert not pregnancy.override_box.isVisibleTo(pregnancy)
    shot(panel, shots, "20_hard_stop")
    assert not visible_button(panel, "Checklist complete").isEnabled()
    with pytest.raises(Exception, match="hard stop"):
        desk.session.complete_checklist(by=desk.user, now=clock())
    assert panel.current_page_name() == "checklist"
    qtbot.keyClicks(checklist.cancel_reason, "pregnancy test positive")
    tap(qtbot, panel, "Cancel session")
    assert panel.current_page_name() == "closed"


def test_an_override_needs_the_physicians_own_pin(qtbot, bench):
    panel, desk, clock, database, shots = bench
    log_in(qtbot, panel, "nina")
    desk.start_session(desk.create_patient("MRN-8", "Ola Override", "1960-01-01", ""))
    panel.refresh()
    panel.pages["patient"].kg.setValue(80)
    tap(qtbot, panel, "Use this weight")
    row = next(r for r in panel.pages["checklist"].rows if r.item.id == "baseline_vitals")
    row.sys_.setValue(171)
    row.dia.setValue(96)
    qtbot.mouseClick([b for b in row.findChildren(QPushButton) if b.text() == "Save entered values"][0],
                     Qt.LeftButton)
    assert row.override_box.isVisibleTo(row)
    shot(panel, shots, "21_needs_override")
    qtbot.keyClicks(row.reason, "known white-coat hypertension, home BP normal")
    qtbot.keyClicks(row.physician.pin, "0000")
    qtbot.mouseClick([b for b in row.findChildren(QPushButton) if b.text() == "Physician override"][0],
                     Qt.LeftButton)
    assert "wrong PIN" in panel.message.text()
    qtbot.keyClicks(row.physician.pin, PINS["phil"])
    qtbot.mouseClick([b for b in row.findChildren(QPushButton) if b.text() == "Physician override"][0],
                     Qt.LeftButton)
    assert desk.session.state.answers["baseline_vitals"].override["physician"] == "phil"
    assert row.physician.pin.text() == ""


def test_first_run_the_administrator_creates_the_accounts_on_the_panel(qtbot, tmp_path):
    database = open_database(tmp_path / "data")
    clock = Clock()
    desk = SessionDesk(database, AuditLog(database), load_config(), clock=clock)
    panel = SessionPanel(desk)
    qtbot.addWidget(panel)
    panel.show()
    lock = panel.pages["lock"]
    assert lock.first.isVisible() and not lock.pad.isVisible()
    qtbot.keyClicks(lock.admin_user, "ada")
    qtbot.keyClicks(lock.admin_name, "Ada Admin")
    qtbot.keyClicks(lock.admin_pin, "2580")
    qtbot.mouseClick(visible_button(panel, "Create administrator"), Qt.LeftButton)
    panel.refresh()
    assert not lock.first.isVisible() and lock.pad.isVisible()
    lock.pad.select("ada")
    qtbot.keyClicks(lock.pad.pin, "2580")
    qtbot.mouseClick(lock.pad.ok, Qt.LeftButton)
    assert panel.current_page_name() == "find"
    staff_box = panel.pages["find"].staff_box
    assert staff_box.isVisible()
    qtbot.keyClicks(staff_box.username, "nina")
    qtbot.keyClicks(staff_box.name, "Nina Nurse")
    qtbot.keyClicks(staff_box.pin, "4711")
    qtbot.mouseClick(visible_button(panel, "Create account"), Qt.LeftButton)
    assert "Account created" in panel.message.text() and "Nina Nurse (nurse)" in staff_box.members.text()
    panel.refresh()
    QApplication.processEvents()
    image = panel.grab()
    image.save(str(tmp_path / "admin.png"))
    if os.environ.get("SESSION_SHOTS"):
        image.save(str(Path(os.environ["SESSION_SHOTS"]) / "00_admin_accounts.png"))
    with pytest.raises(Exception, match="nurse or physician"):
        desk.start_session(desk.create_patient("M-9", "Not For Admin", "1990-01-01", ""))
    panel.timer.stop()
    database.close()


def test_only_a_logged_in_nurses_keys_and_taps_keep_the_screen_unlocked(qtbot, bench):
    """The idle lock's activity watch: a key press in any field, or a tap, in the panel's window or in a
    window opened over it, while logged in, holds the lock off; with nobody logged in nothing is watched.
    The watch is on the top-level windows, not the application (an application-wide filter costs a call
    into Python per event of every widget): input is sent as the platform sends it, to the window, which
    hands it to the focused widget or the one under the finger."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDialog

    panel, desk, clock, _, _ = bench
    idle = desk.config.clinic.idle_lock_minutes * 60
    assert not panel._watching
    log_in(qtbot, panel, "nina")
    assert panel._watching
    assert panel.window().windowHandle() in panel._watched
    field = panel.pages["find"].findChildren(QLineEdit)[0]
    panel.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=2000)
    clock.t += idle - 5
    QTest.keyClick(panel.window().windowHandle(), Qt.Key_A)  # typing is activity
    assert field.text() == "a", "the key went through the window to the field"
    clock.t += 10  # past the idle time since the login, not since the key
    panel.refresh()
    assert desk.user is not None and panel.current_page_name() != "lock"
    # a window opened over the console (a dialog): watched from the next refresh on, a tap there is activity
    dialog = QDialog()
    dialog.resize(200, 100)
    dialog.show()
    qtbot.waitExposed(dialog)
    panel.refresh()
    assert dialog.windowHandle() in panel._watched
    clock.t += idle - 5
    QTest.mouseClick(dialog.windowHandle(), Qt.LeftButton, Qt.NoModifier, dialog.rect().center())
    clock.t += 10
    panel.refresh()
    assert desk.user is not None, "a tap in the dialog held the lock off"
    dialog.close()
    dialog.deleteLater()
    clock.t += idle + 1  # nothing touched since
    panel.refresh()
    assert desk.user is None and panel.current_page_name() == "lock" and not panel._watching
    assert not panel._watched
    QTest.keyClick(panel.window().windowHandle(), Qt.Key_B)  # nobody logged in: not watched, no error


def test_pages_are_built_when_first_shown(qtbot, bench):
    """Start-up builds only the page the panel opens on (the lock page): the other nine were a tenth of the
    console's CPU before its first frame. A page is built the first time it is shown or asked for, once, and
    put in the panel's stack where the panel switches to it."""
    panel, desk, clock, database, shots = bench
    assert list(panel.pages) == ["lock"] and panel.stack.count() == 1
    assert panel.stack.currentWidget() is panel.containers["lock"]
    desk.login("nina", PINS["nina"])
    panel.refresh()
    assert panel.current_page_name() == "find" and "find" in panel.pages
    assert panel.stack.currentWidget() is panel.containers["find"]
    assert visible_button(panel, "Add patient and start session") is not None  # the page works, not only exists
    infusion = panel.pages["infusion"]  # asked for: built now, once
    assert panel.pages["infusion"] is infusion and panel.stack.count() == 3
    with pytest.raises(KeyError):
        panel.pages["no such page"]
