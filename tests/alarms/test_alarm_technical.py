"""Technical alarms: what the console cannot see, trust or keep is an alarm of its own."""
from __future__ import annotations

from alarm_bedside import bedside  # noqa: F401 (a fixture)


def test_an_oximeter_that_goes_silent_raises_a_technical_alarm_after_its_freshness_limit(bedside):
    bedside.advance(5, spo2=97, pr=70)
    bedside.advance(10)
    assert "tech:silent:monitor" not in bedside.keys()
    bedside.advance(1)
    alarm = bedside.alarm("tech:silent:monitor")
    assert (alarm.kind, alarm.priority) == ("technical", "medium")
    bedside.advance(1, spo2=97)
    assert "tech:silent:monitor" not in bedside.keys()


def test_a_silent_device_does_not_keep_a_stale_low_value_alarming_but_the_technical_alarm_shows(bedside):
    bedside.advance(12, hr=130)
    assert "limit:hr:high" in bedside.keys()
    bedside.advance(15)
    assert bedside.keys() == ["tech:silent:monitor"]


def test_sensor_off_is_a_technical_alarm_after_its_delay_and_clears_with_the_device(bedside):
    bedside.status("sensor_off", True, text="Sensor off patient")
    bedside.advance(4)
    assert bedside.keys() == []
    bedside.advance(1)
    alarm = bedside.alarm("tech:status:monitor:sensor_off")
    assert alarm.priority == "medium" and "Sensor off patient" in alarm.text
    bedside.status("sensor_off", False)
    assert bedside.keys() == []


def test_low_perfusion_is_shown_at_low_priority(bedside):
    bedside.status("low_perfusion", True)
    bedside.advance(5)
    assert bedside.alarm("tech:status:monitor:low_perfusion").priority == "low"


def test_a_technical_alarm_is_listed_beside_a_physiological_one_not_behind_it(bedside):
    bedside.advance(12, spo2=85)
    bedside.status("interference", True)
    bedside.status("defective_sensor", True)
    bedside.advance(5, spo2=85)
    assert set(bedside.keys()) == {"limit:spo2:low", "tech:status:monitor:defective_sensor",
                                   "tech:status:monitor:interference"}
    assert bedside.keys()[0] == "limit:spo2:low"


def test_a_lost_link_is_a_technical_alarm_until_it_reconnects(bedside):
    bedside.link("reconnecting", detail="port vanished (USB unplugged?)")
    alarm = bedside.alarm("tech:link:monitor")
    assert "USB unplugged" in alarm.text
    bedside.link("connected")
    assert bedside.keys() == []


def test_the_transport_watchdog_saying_silent_raises_the_silent_alarm(bedside):
    bedside.link("silent", detail="nothing for 5 s")
    assert "nothing for 5 s" in bedside.alarm("tech:silent:monitor").text


def test_a_deliberately_closed_link_is_not_an_alarm(bedside):
    bedside.advance(3, spo2=97)
    bedside.link("reconnecting")
    bedside.link("closed")
    bedside.advance(60)
    assert bedside.keys() == []


def test_a_monitor_alarm_is_passed_on_with_the_monitors_priority(bedside):
    bedside.device_alarm("spo2_low", "high", True, device="oximeter", text="Oximeter: SpO2 below its low limit")
    alarm = bedside.alarm("device:oximeter:spo2_low")
    assert (alarm.kind, alarm.priority) == ("device", "high")
    bedside.device_alarm("spo2_low", "high", False, device="oximeter")
    assert bedside.alarm("device:oximeter:spo2_low").latched


def test_a_pump_occlusion_is_a_high_priority_technical_alarm(bedside):
    bedside.engine.set_pump("pump", "controllable")
    bedside.device_alarm("occlusion", "medium", True, device="pump", text="Occlusion downstream")
    alarm = bedside.alarm("tech:pump_alarm:pump:occlusion")
    assert (alarm.kind, alarm.priority, alarm.text) == ("technical", "high", "Pump alarm: Occlusion downstream")


def test_a_pump_running_at_another_rate_than_ordered_alarms_after_its_delay(bedside):
    bedside.engine.set_pump("pump", "read_only")
    bedside.engine.set_ordered_rate(35.0, bedside.now)
    bedside.advance(20, rate=35.5)  # within 5 %
    assert bedside.keys() == []
    for _ in range(11):
        bedside.measure("rate", 70.0, device="pump")
        bedside.advance(1)
    alarm = bedside.alarm("tech:rate_mismatch")
    assert (alarm.priority, alarm.value, alarm.limit) == ("high", 70, 35)
    bedside.measure("rate", 35.0, device="pump")
    assert bedside.alarm("tech:rate_mismatch").latched  # high priority: stays until acknowledged


def test_the_session_can_report_a_rate_mismatch_it_found_itself(bedside):
    bedside.engine.report_rate_mismatch(bedside.now, 35.0, 0.0, "pump read back 0 after RAT command")
    bedside.advance(10)
    assert "read back 0" in bedside.alarm("tech:rate_mismatch").text


def test_a_missed_nibp_cycle_raises_a_technical_alarm_and_the_next_reading_clears_it(bedside):
    bedside.engine.set_nibp_schedule(300, bedside.now)
    bedside.advance(200)
    bedside.measure("nibp_sys", 120)
    bedside.advance(300 + 90)
    assert bedside.keys() == []
    bedside.advance(1)
    assert "NIBP cycle missed" in bedside.alarm("tech:nibp_missed").text
    bedside.measure("nibp_sys", 118)
    assert bedside.keys() == []


def test_a_database_write_failure_is_a_high_technical_alarm(bedside):
    bedside.engine.storage_failed(bedside.now, "disk I/O error")
    alarm = bedside.alarm("tech:storage")
    assert alarm.priority == "high" and "disk I/O error" in alarm.text and "paper" in alarm.instruction
    bedside.engine.storage_recovered(bedside.now)
    assert bedside.alarm("tech:storage").latched


def test_a_nearly_full_disk_is_a_technical_alarm(bedside):
    bedside.engine.disk_space(bedside.now, 2_000_000_000)
    assert bedside.keys() == []
    bedside.engine.disk_space(bedside.now, 300_000_000, "/var/lib/bedside")
    alarm = bedside.alarm("tech:disk")
    assert alarm.priority == "medium" and "300 MB free on /var/lib/bedside" in alarm.text
    bedside.engine.disk_space(bedside.now, 900_000_000)
    assert bedside.keys() == []


def test_no_audio_device_is_a_visible_technical_alarm(bedside):
    bedside.engine.audio_unavailable(bedside.now, "no player found")
    assert "alarms are visual only" in bedside.alarm("tech:no_audio").text


def test_sensor_off_is_not_also_reported_as_a_silent_device(bedside):
    bedside.advance(5, spo2=97)
    bedside.status("sensor_off", True, text="Sensor off patient")
    bedside.advance(30)  # the oximeter keeps sending lines, with dashes for values
    assert bedside.keys() == ["tech:status:monitor:sensor_off"]


class SessionEvent:
    """Shaped like the session's AuditEvent."""

    def __init__(self, kind, payload, t):
        self.kind, self.payload, self.t = kind, payload, t


def test_the_sessions_pump_mismatch_events_raise_and_clear_the_alarm(bedside):
    bedside.engine.on_session_event(SessionEvent("session.pump_mismatch", {
        "metric": "volume_infused", "expected": 12.0, "actual": 15.5, "tolerance": 0.5}, bedside.now))
    bedside.advance(10)
    alarm = bedside.alarm("tech:pump_mismatch:volume_infused")
    assert alarm.priority == "high" and alarm.text == "Pump reports volume infused 15.5 mL, order is 12 mL"
    bedside.engine.on_session_event(SessionEvent("session.pump_matched", {
        "metric": "volume_infused", "expected": 12.0, "actual": 12.1}, bedside.now))
    assert bedside.alarm("tech:pump_mismatch:volume_infused").latched


def test_a_lost_link_is_one_alarm_not_also_a_silent_device(bedside):
    bedside.advance(5, spo2=97)
    bedside.link("reconnecting", detail="port vanished")
    bedside.advance(30)
    assert bedside.keys() == ["tech:link:monitor"]
