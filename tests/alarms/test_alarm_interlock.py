"""The respiratory interlock: two independent signs of respiratory depression stop the infusion."""
from __future__ import annotations

import pytest

from alarm_bedside import Clinician, bedside  # noqa: F401 (bedside is a fixture)
from console.alarms.interlock import KEY, NOT_STOPPED_KEY, InterlockError


def depress(bedside, seconds=10, **vitals):
    vitals = vitals or {"spo2": 86, "rr": 6}
    bedside.advance(seconds, **vitals)


def test_low_spo2_with_a_low_respiratory_rate_stops_a_controllable_pump(bedside):
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside, 9)
    assert KEY not in bedside.keys() and bedside.pump_commands == []
    depress(bedside, 1)
    alarm = bedside.alarm(KEY)
    assert alarm.priority == "high" and "SpO2 low: 86 %" in alarm.text and "Resp. rate low: 6 /min" in alarm.text
    assert [c for c, _ in bedside.pump_commands] == ["stop"]
    assert "SpO2 low 86" in bedside.pump_commands[0][1]
    assert bedside.engine.pump_held
    assert bedside.records.kinds().index("interlock_trip") < bedside.records.kinds().index("interlock_pump_stop_sent")
    depress(bedside, 30)
    assert len(bedside.pump_commands) == 1


def test_one_sign_alone_is_not_enough(bedside):
    bedside.engine.set_pump("pump", "controllable")
    bedside.advance(30, spo2=86, rr=14)
    assert bedside.pump_commands == [] and KEY not in bedside.keys()


def test_heart_rate_and_pulse_rate_are_one_sign_not_two(bedside):
    bedside.engine.set_pump("pump", "controllable")
    bedside.advance(30, hr=42, pr=42)
    assert bedside.pump_commands == [] and not bedside.engine.pump_held


def test_low_spo2_with_a_low_pulse_trips_the_interlock(bedside):
    bedside.engine.set_pump("pump", "controllable")
    bedside.advance(10, spo2=87, pr=44)
    assert bedside.engine.pump_held


def test_stale_values_do_not_count_as_signs(bedside):
    bedside.engine.set_pump("pump", "controllable")
    bedside.advance(3, rr=6)
    bedside.advance(16)  # the respiratory rate source has gone quiet: its last value is stale
    bedside.advance(20, spo2=86)
    assert not bedside.engine.pump_held


def test_the_pump_reading_back_zero_confirms_the_stop(bedside):
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside)
    bedside.measure("rate", 0.0, device="pump")
    assert "Pump stopped by the console" in bedside.alarm(KEY).instruction
    assert bedside.records.of("interlock_pump_stopped")[0][0]["confirmed_by"] == "pump rate read back as 0"
    depress(bedside, 20)
    assert NOT_STOPPED_KEY not in bedside.keys()


def test_a_pump_that_keeps_running_after_the_stop_raises_a_high_alarm_to_stop_it_by_hand(bedside):
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside)
    for _ in range(10):
        bedside.measure("rate", 35.0, device="pump")
        depress(bedside, 1)
    alarm = bedside.alarm(NOT_STOPPED_KEY)
    assert alarm.priority == "high" and "by hand" in alarm.instruction


def test_a_stop_command_that_fails_tells_the_nurse_to_stop_the_pump_at_once(bedside):
    def broken(cmd, why):
        raise OSError("link down")
    bedside.engine.interlock.pump_intent = broken
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside)
    assert "link down" in bedside.alarm(NOT_STOPPED_KEY).text
    assert bedside.alarm(KEY).instruction == "STOP THE PUMP NOW, then confirm here."


def test_restarting_needs_a_clinician_once_the_signs_have_gone(bedside):
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside)
    bedside.measure("rate", 0.0, device="pump")
    doctor = Clinician("Dr Lee", "physician")
    with pytest.raises(InterlockError, match="still present"):
        bedside.engine.resume_after_interlock(doctor, bedside.now, "airway opened")
    bedside.advance(5, spo2=96, rr=12)
    held = bedside.alarm(KEY)
    assert held.priority == "medium" and "held stopped" in held.text
    with pytest.raises(InterlockError, match="needs a physician"):
        bedside.engine.resume_after_interlock(Clinician("nurse Ada", "nurse"), bedside.now, "better")
    with pytest.raises(InterlockError, match="why"):
        bedside.engine.resume_after_interlock(doctor, bedside.now, "")
    assert bedside.engine.pump_held
    bedside.engine.resume_after_interlock(doctor, bedside.now, "SpO2 96 on 2 L O2, RR 12, rousable")
    assert not bedside.engine.pump_held and KEY not in bedside.keys()
    assert bedside.pump_commands[-1] == ("release", "SpO2 96 on 2 L O2, RR 12, rousable")
    payload, actor = bedside.records.of("interlock_resume")[0]
    assert actor == "Dr Lee" and payload["role"] == "physician"


def test_with_a_manual_pump_the_nurse_is_told_to_stop_it_and_her_confirmation_is_recorded(bedside):
    bedside.engine.set_pump(None, "manual")
    depress(bedside)
    alarm = bedside.alarm(KEY)
    assert alarm.instruction == "STOP THE PUMP NOW, then confirm here."
    assert bedside.pump_commands == []
    depress(bedside, 2)
    bedside.engine.confirm_pump_stopped("nurse Ada", bedside.now)
    assert "Pump stopped by nurse Ada" in bedside.alarm(KEY).instruction
    payload, actor = bedside.records.of("interlock_pump_stopped")[0]
    assert actor == "nurse Ada" and payload["after"] == 2
    bedside.advance(3, spo2=97, rr=12)
    bedside.engine.resume_after_interlock(Clinician("Dr Lee", "physician"), bedside.now, "recovered")
    assert not bedside.engine.pump_held


def test_with_a_read_only_pump_the_console_sends_nothing_and_asks_the_nurse(bedside):
    bedside.engine.set_pump("pump", "read_only")
    depress(bedside)
    assert bedside.pump_commands == []
    assert bedside.alarm(KEY).instruction.startswith("STOP THE PUMP NOW")
    with pytest.raises(InterlockError, match="confirmed stopped"):
        bedside.advance(3, spo2=97, rr=12)
        bedside.engine.resume_after_interlock(Clinician("Dr Lee", "physician"), bedside.now, "ok")


def test_the_interlock_alarm_escalates_like_any_high_alarm(bedside):
    escalated = []
    bedside.engine.set_escalation_action(escalated.append)
    bedside.engine.set_pump(None, "manual")
    depress(bedside, 70)
    assert KEY in [a.key for a in escalated]


class StopResult:
    """Shaped like the drivers' PumpCommandResult."""

    def __init__(self, t, ok, detail=""):
        self.t, self.device, self.command, self.requested, self.readback = t, "pump", "stop", "STP", ""
        self.ok, self.detail = ok, detail


def test_a_pump_that_reads_back_stopped_after_the_command_confirms_the_stop(bedside):
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside)
    bedside.engine.on_event(StopResult(bedside.now, True), bedside.now)
    assert "Pump stopped by the console" in bedside.alarm(KEY).instruction


def test_a_pump_that_refuses_the_stop_raises_the_stop_by_hand_alarm(bedside):
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside)
    bedside.engine.on_event(StopResult(bedside.now, False, "pump answered ?NA"), bedside.now)
    assert "?NA" in bedside.alarm(NOT_STOPPED_KEY).text


def test_the_pump_state_stopped_confirms_the_stop(bedside):
    bedside.engine.set_pump("pump", "controllable")
    depress(bedside)
    bedside.measure("state", 0, device="pump")
    assert bedside.records.of("interlock_pump_stopped")[0][0]["confirmed_by"] == "pump state read back as 0"
