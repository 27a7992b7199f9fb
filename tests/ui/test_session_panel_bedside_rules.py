"""The unsafe paths a tester clicked through, tried again on the real panel: the panel shows the core's
verdict in words and the core refuses; a physician's PIN and reason are the only way on."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea

from checklist_answers import answer_all_passing
from console.alarms.alarm_config import load_defaults
from console.alarms.engine import AlarmEngine
from console.session import event_kinds as ek
from device_drivers.events import Measurement
from test_session_panel_story import PINS, bench, log_in, visible_button  # noqa: F401 (bench is a fixture)


@pytest.fixture
def bed(bench):
    panel, desk, clock, database, shots = bench
    engine = AlarmEngine(load_defaults())
    desk.active_alarms = engine.alarms  # what console/app.py wires

    def measure(metric, value, times=1):
        for _ in range(times):
            clock.t += 1
            m = Measurement(clock.t, "oximeter", metric, value, "%" if metric == "spo2" else "bpm")
            engine.on_measurement(m, clock.t)
            desk.on_measurement(m)
            engine.tick(clock.t)
        panel.touch()
        panel.refresh()
    return panel, desk, clock, shots, measure


def save(panel, shots, name):
    panel.refresh()
    QApplication.processEvents()
    image = panel.grab()
    for d in shots + ([Path("/tmp")] if os.environ.get("DISCHARGE_SHOTS") else []):
        image.save(str(Path(d) / f"discharge-{name}.png"))


def to_start(qtbot, panel, desk, clock):
    log_in(qtbot, panel, "nina")
    desk.start_session(desk.create_patient("MRN-3", "Sam Saturation", "1966-06-06", ""))
    desk.accept_weight(70.0, date.fromtimestamp(clock()))
    answer_all_passing(desk.session, desk.user, clock)
    desk.session.complete_checklist(by=desk.user, now=clock())
    desk.session.place_order("single_40min", by=desk.user, now=clock())
    desk.session.double_check(52.5, checker=desk.second_person("noah", PINS["noah"]), now=clock())
    desk.ledger.record_draw(session_id=desk.session.session_id, drug="ketamine", concentration_mg_per_ml=1.0,
                            lot="KX-3", expiry="2099-01-01", volume_ml=35, actor="nina", t=clock())
    panel.refresh()


def override(qtbot, panel, box, reason, pin):
    box.reason.clear()
    qtbot.keyClicks(box.reason, reason)
    box.physician.who.setCurrentIndex(box.physician.who.findData("phil"))
    qtbot.keyClicks(box.physician.pin, pin)
    qtbot.mouseClick(box.go, Qt.LeftButton)


def test_start_infusion_at_spo2_86_with_a_high_alarm_is_refused_on_the_panel(qtbot, bed):
    panel, desk, clock, shots, measure = bed
    to_start(qtbot, panel, desk, clock)
    assert panel.current_page_name() == "infusion"
    page = panel.pages["infusion"]
    assert not page.start_override.isVisibleTo(page)
    measure("spo2", 86, times=12)
    assert panel.next.text().startswith("NEXT: Start is blocked") and "SpO2 86" in panel.next.text()
    assert page.start_override.isVisibleTo(page) and "SpO2 86" in page.start_override.why.toolTip()
    save(panel, shots, "start_blocked")
    qtbot.mouseClick(visible_button(panel, "Start infusion"), Qt.LeftButton)
    assert "cannot start the infusion" in panel.message.text().lower() and not desk.session.state.started
    override(qtbot, panel, page.start_override, "ear probe reads 96, finger cold", "0000")
    assert "PIN" in panel.message.text() and not desk.session.state.started
    override(qtbot, panel, page.start_override, "", PINS["phil"])
    assert "reason" in panel.message.text() and not desk.session.state.started
    override(qtbot, panel, page.start_override, "ear probe reads 96, finger cold", PINS["phil"])
    assert desk.session.state.started
    kinds = [e.kind for e in desk.session.events]
    assert kinds[-2:] == [ek.ALARM_GATE_OVERRIDDEN, ek.INFUSION_STARTED]


def test_sign_off_at_spo2_85_is_refused_and_the_score_item_follows_the_monitor(qtbot, bed):
    panel, desk, clock, shots, measure = bed
    to_start(qtbot, panel, desk, clock)
    s, nina = desk.session, desk.user
    s.start(by=nina, now=clock())
    clock.t += 41 * 60
    s.stop("complete", by=nina, now=clock())
    clock.t += 31 * 60
    s.begin_discharge(by=nina, now=clock())
    s.discharge_pain(3, by=nina, now=clock())
    s.confirm_escort("Kim", by=nina, now=clock())
    s.acknowledge_instructions(by=nina, now=clock())
    page = panel.pages["discharge"]
    page.scale.setCurrentIndex(page.scale.findData("aldrete"))
    measure("spo2", 85, times=12)
    assert page.combos["spo2"].currentData() == 0 and "85" in page.measured.text()
    for item, combo in page.combos.items():
        combo.setCurrentIndex(combo.findData(2))  # the nurse types 2 everywhere, SpO2 included
    qtbot.mouseClick(visible_button(panel, "Save score"), Qt.LeftButton)
    assert "monitor shows SpO2 85" in panel.message.text() and not s.state.discharge_scores
    page.combos["spo2"].setCurrentIndex(page.combos["spo2"].findData(0))
    qtbot.mouseClick(visible_button(panel, "Save score"), Qt.LeftButton)
    assert s.state.discharge_scores["aldrete"]["total"] == 8
    s.override_discharge_score("known baseline", physician=desk.second_person("phil", PINS["phil"],
                                                                               roles=("physician",)),
                               by=nina, now=clock())
    panel.refresh()
    assert "Everything is done" not in panel.next.text()
    assert panel.next.text().startswith("NEXT: Before sign-off: high-priority alarm active: SpO2 85")
    assert page.sign_override.isVisibleTo(page)
    save(panel, shots, "sign_off_blocked")
    inner = page.findChildren(QScrollArea)[0]
    assert inner.widget().width() <= inner.viewport().width()  # nothing is cut off at 520 px
    qtbot.mouseClick(visible_button(panel, "Sign off and close the session"), Qt.LeftButton)
    assert "SpO2 85 % is below the discharge minimum" in panel.message.text() and not s.state.closed
    override(qtbot, panel, page.sign_override, "admitted to the ward on oxygen", PINS["phil"])
    assert s.state.closed and panel.current_page_name() == "closed"
    assert [e.kind for e in s.events][-2:] == [ek.DISCHARGE_CRITERIA_OVERRIDDEN, ek.SIGNED_OFF]


def test_on_a_first_start_next_asks_for_the_administrator_not_a_pin(qtbot, tmp_path):
    from console.records.audit import AuditLog
    from console.records.database import open_database
    from console.session.config import load_config
    from console.session.desk import SessionDesk
    from console.ui.session.panel import SessionPanel
    database = open_database(tmp_path / "data")
    panel = SessionPanel(SessionDesk(database, AuditLog(database), load_config()))
    qtbot.addWidget(panel)
    panel.show()
    assert panel.pages["lock"].first.isVisible()
    assert panel.next.text() == "NEXT: First start: create the administrator account"
    panel.timer.stop()
    database.close()


def test_resume_over_a_desaturation_alarm_is_refused_and_a_physician_may_resume(qtbot, bed):
    panel, desk, clock, shots, measure = bed
    to_start(qtbot, panel, desk, clock)
    qtbot.mouseClick(visible_button(panel, "Start infusion"), Qt.LeftButton)
    page = panel.pages["infusion"]
    qtbot.mouseClick(visible_button(panel, "Pause"), Qt.LeftButton)
    assert desk.session.state.paused and not page.run_override.isVisibleTo(page)
    measure("spo2", 84, times=12)
    assert "resume is blocked" in panel.next.text()
    qtbot.mouseClick(visible_button(panel, "Resume"), Qt.LeftButton)
    assert "cannot resume" in panel.message.text().lower() and desk.session.state.paused
    assert page.run_override.go.text() == "Resume with physician override"
    override(qtbot, panel, page.run_override, "airway repositioned, SpO2 rising", PINS["phil"])
    assert not desk.session.state.paused
    assert [e.kind for e in desk.session.events][-2:] == [ek.ALARM_GATE_OVERRIDDEN, ek.INFUSION_RESUMED]
