"""The desk between screen and rules: monitor values for the checklist, pump readings, next-step words."""
from __future__ import annotations

from datetime import date

import pytest

from console.session import event_kinds as ek
from console.session.desk import SessionDesk
from console.session.errors import SessionError
from device_drivers.events import Measurement
from session_helpers import answer_all_passing
from ledger_draws import draw_the_order


@pytest.fixture
def desk(database, log, config, clock, staff):
    d = SessionDesk(database, log, config, clock=clock)
    d.login("nina", "4711")
    return d


def start_infusion(desk, clock):
    desk.start_session(desk.create_patient("M-1", "Pat  Example", "1970-03-14", ""))
    desk.accept_weight(70.0, date.fromtimestamp(clock()))
    answer_all_passing(desk.session, desk.user, clock)
    desk.session.complete_checklist(by=desk.user, now=clock())
    desk.session.place_order("single_40min", by=desk.user, now=clock())
    desk.session.double_check(52.5, checker=desk.second_person("noah", "5822"), now=clock())
    draw_the_order(desk.session, desk.user, clock())
    desk.session.start(by=desk.user, now=clock())


def test_a_new_patient_needs_plausible_identifiers(desk):
    with pytest.raises(SessionError, match="YYYY-MM-DD"):
        desk.create_patient("M-1", "Pat Example", "14/03/1970", "")
    with pytest.raises(SessionError, match="MRN and the full name"):
        desk.create_patient(" ", "Pat Example", "1970-03-14", "")
    row = desk.create_patient("M-1", "Pat   Example", "1970-03-14", "latex")
    assert row["name"] == "Pat Example"
    with pytest.raises(SessionError, match="already exists"):
        desk.create_patient("M-1", "Someone Else", "1980-01-01", "")
    assert [r["mrn"] for r in desk.find_patients("example")] == ["M-1"]


def test_the_weight_is_kept_with_its_date_and_compared_next_visit(desk, clock, store):
    desk.start_session(desk.create_patient("M-2", "Wei Ght", "1970-01-01", ""))
    desk.accept_weight(70.0, date.fromtimestamp(clock()))
    assert store.last_weight(desk.session.state.patient["patient_id"])["weight_kg"] == 70.0
    desk.session.cancel("test", by=desk.user, now=clock())
    desk.close_view()
    desk.start_session(store.patient_by_mrn("M-2"))
    with pytest.raises(SessionError, match="changed by 20 %"):
        desk.accept_weight(84.0, date.fromtimestamp(clock()))


def test_baseline_vitals_come_from_a_fresh_monitor_reading_only(desk, clock):
    assert desk.monitor_vitals() is None
    desk.on_measurement(Measurement(clock() - 11 * 60, "mon", "nibp_sys", 130, "mmHg"))
    desk.on_measurement(Measurement(clock() - 11 * 60, "mon", "nibp_dia", 85, "mmHg"))
    assert desk.monitor_vitals() is None
    desk.on_measurement(Measurement(clock(), "mon", "nibp_sys", 131, "mmHg"))
    desk.on_measurement(Measurement(clock(), "mon", "nibp_dia", 84, "mmHg"))
    desk.on_measurement(Measurement(clock(), "mon", "pr", 66, "bpm"))
    v = desk.monitor_vitals()
    assert (v["systolic"], v["diastolic"], v["hr"], v["source"]) == (131, 84, 66, "monitor")


def test_a_pump_running_faster_than_the_order_is_recorded_and_heard(desk, clock):
    start_infusion(desk, clock)
    heard = []
    desk.session_listeners.append(heard.append)
    clock.advance(minutes=2)
    desk.on_measurement(Measurement(clock(), "pump", "rate", 60.0, "mL/h"))
    assert [e.kind for e in heard] == [ek.PUMP_MISMATCH]
    assert heard[0].actor == "console" and heard[0].payload["actual"] == 60.0
    assert "PUMP DIFFERS" in desk.next_step()[1]


def test_the_next_step_always_says_what_to_do(desk, clock):
    assert "Find the patient" in desk.next_step()[1]
    start_infusion(desk, clock)
    assert desk.next_step()[0] == "ok" and "Next assessment at" in desk.next_step()[1]
    clock.advance(minutes=16)
    severity, text = desk.next_step()
    assert severity == "bad" and "OVERDUE by 0:01:00" in text
    desk.lock()
    assert desk.next_step()[1] == "Log in with your PIN"


def test_a_restart_resumes_the_open_session(database, log, config, clock, staff, desk):
    start_infusion(desk, clock)
    again = SessionDesk(database, log, config, clock=clock)
    assert again.session.session_id == desk.session.session_id and again.user is None
    assert again.session.state.running
