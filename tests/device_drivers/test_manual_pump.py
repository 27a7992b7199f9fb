"""Manual pump: the console works out the volume from what the nurse entered, and never claims control."""
from __future__ import annotations

import pytest

from device_drivers.events import DeviceStatus
from device_drivers.manual_pump import ManualPump
from device_drivers.pump import PUMP_STATES, PumpControl, pump_control
from tests.device_drivers.golden import of_type, values


def test_manual_pump_is_manual_not_controllable():
    assert pump_control(ManualPump()) is PumpControl.MANUAL


def test_volume_follows_the_rates_the_nurse_entered_over_time():
    pump = ManualPump()
    pump.enter_rate(30.0, now=0.0)        # 30 mL/h
    pump.start(now=0.0)
    pump.enter_rate(60.0, now=600.0)      # 10 min at 30 mL/h = 5 mL, then 60 mL/h
    pump.stop(now=900.0)                  # 5 min at 60 mL/h = 5 mL
    pump.start(now=1800.0)                # a 15-minute pause counts nothing
    assert pump.volume_infused(2100.0) == pytest.approx(15.0)   # + 5 min at 60 mL/h = 5 mL


def test_counting_stops_at_the_volume_to_be_infused():
    pump = ManualPump()
    pump.enter_rate(60.0, 0.0)
    pump.enter_vtbi(10.0, 0.0)
    pump.start(0.0)
    events = pump.poll(1200.0)            # 20 min at 60 mL/h would be 20 mL
    assert values(events) == {"rate": 0.0, "volume_infused": 10.0, "state": PUMP_STATES["stopped"]}
    assert [s.condition for s in of_type(events, DeviceStatus)] == ["vtbi_reached"]


def test_running_pump_reports_rate_volume_and_state_like_a_connected_one():
    pump = ManualPump()
    pump.enter_rate(12.0, 0.0)
    pump.start(0.0)
    assert values(pump.poll(300.0)) == {"rate": 12.0, "volume_infused": 1.0, "state": PUMP_STATES["infusing"]}
    assert pump.poll(300.5) == []          # at most one report a second


def test_an_impossible_rate_is_refused():
    with pytest.raises(ValueError):
        ManualPump().enter_rate(-1, 0.0)


@pytest.mark.parametrize("ml", [float("nan"), float("inf"), 0, -5, 1000.1])
def test_an_impossible_volume_to_be_infused_is_refused(ml):
    pump = ManualPump()
    with pytest.raises(ValueError):
        pump.enter_vtbi(ml, 0.0)
    assert pump.vtbi is None and pump.entries == []


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), 1000.0])
def test_a_rate_no_pump_can_be_set_to_is_refused(rate):
    with pytest.raises(ValueError):
        ManualPump().enter_rate(rate, 0.0)


def test_each_entry_keeps_who_keyed_it_in():
    pump = ManualPump()
    pump.enter_rate(30.0, 0.0, by="Nina Nurse")
    pump.start(0.0, by="Nina Nurse")
    pump.stop(60.0, by="Noah Nurse")
    assert [(e.what, e.by) for e in pump.entries] == [("rate", "Nina Nurse"), ("start", "Nina Nurse"),
                                                      ("stop", "Noah Nurse")]


def test_a_new_volume_entered_after_the_old_one_was_reached_counts_only_from_then_on():
    pump = ManualPump()
    pump.enter_rate(60.0, 0.0)
    pump.enter_vtbi(10.0, 0.0)
    pump.start(0.0)
    pump.enter_vtbi(20.0, 900.0)          # the 10 mL were reached at 600 s: the pump stood still until 900 s
    assert pump.volume_infused(1200.0) == pytest.approx(15.0)
