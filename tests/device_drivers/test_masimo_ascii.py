"""The Masimo ASCII 1 codec against hand-written golden lines, including every kind of bad input."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from device_drivers.events import DeviceAlarm, DeviceStatus, Measurement
from device_drivers.masimo_ascii import MAX_LINE, MasimoAscii
from device_drivers.simulators.masimo import MasimoSimulator

GOLDEN = json.loads((Path(__file__).parents[1] / "data" / "masimo_ascii_golden.json").read_text())
T0 = 1_700_000_000.0


def _chunks(case) -> list[bytes]:
    if "chunks" in case:
        return [c.encode() for c in case["chunks"]]
    out = []
    if "hex" in case:
        out.append(bytes.fromhex(case["hex"]))
    if "hex_line" in case:
        out.append(bytes.fromhex(case["hex_line"]))
    out.append(case["text"].encode())
    return out


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["name"] for c in GOLDEN["cases"]])
def test_golden_line(case):
    """ASCII 1 has no checksum: a value counts once the next line repeats it (#14). The case's line alone
    gives no value; fed again a second later, its values come."""
    codec = MasimoAscii("oximeter")
    events = []
    for chunk in _chunks(case):
        events += codec.feed(chunk, T0)
    assert [e for e in events if isinstance(e, Measurement)] == []
    twice = MasimoAscii("oximeter")
    for chunk in _chunks(case):
        twice.feed(chunk, T0)
    later = []
    for chunk in _chunks(case) if "chunks" in case else [case["text"].encode()]:  # the line, no noise
        later += twice.feed(chunk, T0 + 1)
    values = [[e.metric, e.value, e.unit] for e in later if isinstance(e, Measurement) and e.t == T0 + 1]
    assert values == [[m, pytest.approx(v), u] for m, v, u in case["values"]]
    assert len([e for e in later if isinstance(e, Measurement)]) == len(values)
    assert codec.stats.frames_ok == case["frames_ok"]
    assert codec.stats.frames_bad == case["frames_bad"]
    assert codec.stats.fields_bad == case.get("fields_bad", 0)
    alarms = [[e.code, e.priority, e.active] for e in events if isinstance(e, DeviceAlarm)]
    assert alarms == case.get("alarms", [])
    status = [[e.condition, e.active] for e in events if isinstance(e, DeviceStatus) and e.technical]
    assert status == case.get("status", [])


def line(spo2="097", bpm="070", alarm="0000", exc="000000") -> bytes:
    return (f"12/01/05 11:56:29 SN=0123456789 SPO2={spo2}% BPM={bpm} PI=02.00% SPCO=--.-% SPMET=--.-% "
            f"DESAT=-- PIDELTA=+-- PVI=--- ALARM={alarm} EXC={exc}\r\n").encode()


def test_device_states_are_reported_on_change_only():
    codec = MasimoAscii()
    first = codec.feed(line(exc="000020"), T0)
    again = codec.feed(line(exc="000020"), T0 + 1)
    cleared = codec.feed(line(exc="000000"), T0 + 2)
    assert [e.active for e in first if isinstance(e, DeviceStatus)] == [True]
    assert not [e for e in again if isinstance(e, DeviceStatus)]
    assert [(e.condition, e.active) for e in cleared if isinstance(e, DeviceStatus)] == [("sensor_off", False)]


def test_an_endless_line_of_noise_is_dropped_and_the_next_line_decodes():
    codec = MasimoAscii()
    assert codec.feed(b"A" * (MAX_LINE + 100), T0) == []
    assert codec.feed(b"still the same bad line\r\n", T0) == []
    events = codec.feed(line(spo2="093"), T0) + codec.feed(line(spo2="093"), T0 + 1)
    assert [e.value for e in events if isinstance(e, Measurement) and e.metric == "spo2"] == [93]
    assert codec.stats.garbage_bytes >= MAX_LINE + 100


def test_random_noise_never_produces_a_value():
    rng = random.Random(1234)
    codec = MasimoAscii()
    noise = bytes(rng.randrange(256) for _ in range(200_000))
    events = codec.feed(noise.replace(b"=", b"?"), T0)
    assert not [e for e in events if isinstance(e, Measurement)]


def test_values_come_only_from_intact_lines_when_the_cable_is_noisy():
    """Every value decoded from the noisy scenario is exactly what the device meant to send that second."""
    sim = MasimoSimulator("noisy", start=T0, seed=3)
    intended: list[bytes] = []
    make_line = sim.line
    sim.line = lambda now: intended.append(make_line(now)) or intended[-1]
    codec, reference = MasimoAscii(), MasimoAscii()
    got, sent = [], []
    for s in range(300):
        now = T0 + s
        got += [(now, e.metric, e.value) for e in codec.feed(sim.tick(now), now) if isinstance(e, Measurement)]
        for clean in intended:
            sent += [(now, e.metric, e.value) for e in reference.feed(clean, now) if isinstance(e, Measurement)]
        intended.clear()
    assert codec.stats.frames_bad > 10
    assert 0 < len(got) < len(sent)
    assert set(got) <= set(sent)
