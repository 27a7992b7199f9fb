"""The simulated New Era pump obeys the codec's commands and infuses in simulated time."""
from __future__ import annotations

from device_drivers.events import DeviceAlarm
from device_drivers.ne1000 import Ne1000, Ne1000Safe
from device_drivers.pump import PUMP_STATES, PumpCommandResult
from device_drivers.simulators.ne1000 import Ne1000SafeSimulator, Ne1000Simulator
from tests.device_drivers.golden import of_type


def converse(codec, pump, t0, t1, step=0.1):
    """Run codec and simulator against each other from t0 to t1 (pure, no port)."""
    events, t = [], t0
    while t < t1:
        events += codec.poll(t)
        out = codec.take_output()
        while out:
            events += codec.feed(pump.receive(out, t), t)
            out = codec.take_output()
        pump.tick(t)
        t += step
    return events


def test_codec_programs_the_simulated_pump_and_sees_it_infuse():
    codec, pump = Ne1000(), Ne1000Simulator()
    codec.connected(0.0)
    codec.set_rate(60.0)
    codec.set_vtbi(5.0)
    codec.start()
    events = converse(codec, pump, 0.0, 120.0)
    results = of_type(events, PumpCommandResult)
    assert [(r.command, r.ok) for r in results] == [("set_rate", True), ("set_vtbi", True), ("start", True)]
    volumes = [e.value for e in events if getattr(e, "metric", "") == "volume_infused"]
    assert 1.8 < volumes[-1] < 2.1          # two minutes at 60 mL/h = 2 mL
    assert pump.prompt == "I"


def test_pump_stops_itself_at_the_volume_to_be_infused():
    codec, pump = Ne1000(), Ne1000Simulator()
    codec.connected(0.0)
    codec.set_rate(600.0)
    codec.set_vtbi(1.0)
    codec.start()
    events = converse(codec, pump, 0.0, 15.0)
    states = [e.value for e in events if getattr(e, "metric", "") == "state"]
    assert states[-1] == PUMP_STATES["stopped"] and pump.infused == 1.0


def test_a_pump_that_keeps_another_rate_is_caught_by_the_read_back():
    codec, pump = Ne1000(), Ne1000Simulator("misreport")
    codec.connected(0.0)
    codec.set_rate(20.0)
    events = converse(codec, pump, 0.0, 3.0)
    assert not of_type(events, PumpCommandResult)[0].ok
    assert [a.code for a in of_type(events, DeviceAlarm)] == ["command_failed"]


def test_a_stalled_motor_raises_the_pump_alarm():
    codec, pump = Ne1000(), Ne1000Simulator("stall")
    codec.connected(0.0)
    codec.set_rate(10.0)
    codec.start()
    events = converse(codec, pump, 0.0, 40.0, step=0.25)
    assert ("pump_stalled", True) in [(a.code, a.active) for a in of_type(events, DeviceAlarm)]


def test_safe_mode_conversation_works_end_to_end():
    codec, pump = Ne1000Safe(), Ne1000SafeSimulator()
    codec.connected(0.0)
    codec.set_rate(5.0)
    events = converse(codec, pump, 0.0, 3.0)
    assert of_type(events, PumpCommandResult)[0].ok
    assert codec.stats.frames_bad == 0
