"""The simulated Nonin speaks the same bytes the codec decodes: demo and tests run the real protocol."""
from __future__ import annotations

from device_drivers.events import DeviceStatus, Measurement, Waveform
from device_drivers.nonin import NoninDf7, NoninDf8
from device_drivers.simulators.nonin import NoninDf8Simulator, NoninSimulator
from tests.device_drivers.golden import of_type


def run(sim, codec, seconds, start=1000.0, step=0.05):
    events, t = [], start
    while t < start + seconds:
        events += codec.feed(sim.tick(t), t)
        t += step
    return events


def test_simulated_df7_gives_three_readings_a_second_and_a_pleth_wave():
    events = run(NoninSimulator(), NoninDf7(), 2.0)
    spo2 = [e for e in of_type(events, Measurement) if e.metric == "spo2"]
    assert 5 <= len(spo2) <= 7 and all(96 <= e.value <= 98 for e in spo2)
    waves = of_type(events, Waveform)
    assert waves and max(max(w.samples) for w in waves) > min(min(w.samples) for w in waves)


def test_simulated_df8_gives_one_reading_a_second():
    events = run(NoninDf8Simulator(), NoninDf8(), 3.0)
    assert len([e for e in of_type(events, Measurement) if e.metric == "pr"]) in (2, 3)  # first frame syncs


def test_desaturation_scenario_falls_below_90():
    events = run(NoninDf8Simulator("desaturation"), NoninDf8(), 60.0, step=0.5)
    assert min(e.value for e in of_type(events, Measurement) if e.metric == "spo2") < 90


def test_sensor_off_scenario_reports_the_state_and_withholds_values():
    sim, codec = NoninSimulator("sensor_off"), NoninDf7()
    events = run(sim, codec, 25.0, step=0.1)
    assert ("sensor_disconnected", True) in [(s.condition, s.active) for s in of_type(events, DeviceStatus)]


def test_format_select_command_switches_the_stream_and_is_acknowledged():
    sim = NoninSimulator()
    assert sim.receive(bytes.fromhex("02 70 02 02 08 03"), 0.0) == b"\x06"
    assert sim.fmt == 8
    assert sim.receive(bytes.fromhex("02 70 02 02 05 03"), 0.0) == b"\x15"
