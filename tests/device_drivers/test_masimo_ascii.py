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


def line(spo2="097", bpm="070", alarm="0000", exc="000000", pi="02.00") -> bytes:
    return (f"12/01/05 11:56:29 SN=0123456789 SPO2={spo2}% BPM={bpm} PI={pi}% SPCO=--.-% SPMET=--.-% "
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


def _values(events, metric=None):
    return [(e.metric, e.value) for e in events if isinstance(e, Measurement) and metric in (None, e.metric)]


def test_a_damaged_field_costs_only_that_field():
    """#14: fields are confirmed one by one: a line with SpO2 damaged still confirms pulse rate and PI."""
    codec = MasimoAscii()
    codec.feed(line(spo2="097", bpm="070"), T0)
    second = line(spo2="097", bpm="070").replace(b"SPO2=097%", b"SPO2=0\xb77%")  # a bit flipped into noise
    events = codec.feed(second, T0 + 1)
    assert _values(events) == [("pr", 70), ("pi", 2.0)]
    assert codec.stats.frames_bad == 1
    # the damaged SpO2 was no reading: the next line is compared with the last line where SpO2 was readable
    assert _values(codec.feed(line(spo2="097", bpm="070"), T0 + 2), "spo2") == [("spo2", 97)]


def test_a_readable_different_value_is_never_skipped():
    """Only a damaged (unreadable) field is skipped when comparing: 097, 096, 097 confirms nothing, and a
    readable "no value" (dashes) counts as a different value too."""
    codec = MasimoAscii()
    events = []
    for i, spo2 in enumerate(["097", "096", "097", "---", "097"]):
        events += codec.feed(line(spo2=spo2), T0 + i)
    assert _values(events, "spo2") == []


def test_a_damaged_field_is_skipped_only_within_the_gap():
    codec = MasimoAscii()
    codec.feed(line(spo2="097"), T0)
    damaged = line(spo2="097").replace(b"SPO2=097%", b"SPO2=0\xb77%")
    codec.feed(damaged, T0 + 1)
    codec.feed(damaged, T0 + 2)
    assert _values(codec.feed(line(spo2="097"), T0 + 3), "spo2") == []  # 3 s since the last readable one


def test_pi_is_confirmed_at_the_decimal_the_console_shows():
    """PI prints two decimals whose hundredths change on nearly every line: two lines must agree on the text
    up to the one decimal the console shows, and that cut text is the value (never rounded: 01.59 and 01.56
    give 1.5, not 1.6). A tenths digit that differs (a flipped bit, or a real change) confirms nothing."""
    codec = MasimoAscii()
    events = []
    for i, pi in enumerate(["01.54", "01.52", "01.59", "01.56", "01.66", "00.35", "00.38", "00.31"]):
        events += codec.feed(line(pi=pi), T0 + i)
    # 1.5 -> 0.3 is further than the jump rule allows from two lines: the third line confirms it
    assert _values(events, "pi") == [("pi", 1.5), ("pi", 1.5), ("pi", 1.5), ("pi", 0.3)]
    assert [e.t for e in events if isinstance(e, Measurement) and e.metric == "pi"][-1] == T0 + 7


def test_a_flipped_digit_in_one_line_is_never_reported():
    codec = MasimoAscii()
    events = []
    for i, spo2 in enumerate(["097", "097", "096", "097", "097"]):  # 097 -> 096: the low bit of '7' flipped
        events += codec.feed(line(spo2=spo2), T0 + i)
    assert _values(events, "spo2") == [("spo2", 97), ("spo2", 97)]  # at T0+1 and T0+4, never 96


def test_two_lines_run_together_are_split_before_the_second_date():
    """A damaged line feed joins two lines: the codec splits them where the second line's date and time
    are, and each line counts as itself (the first confirms the line before it, the second the first)."""
    for lf in (b"\x0b", b"J", b"\x8a"):  # LF (0A) with bit 0, bit 6 or bit 7 flipped
        codec = MasimoAscii()
        frames_bad: list[str] = []
        codec.stats.bad_frame = frames_bad.append
        codec.feed(line(spo2="097", bpm="070"), T0)
        joined = line(spo2="097", bpm="070").replace(b"\r\n", b"\r" + lf) + line(spo2="096", bpm="070")
        events = codec.feed(joined, T0 + 2)
        assert _values(events, "spo2") == [("spo2", 97)]  # 096 differs from the first line's 097: held
        assert _values(events, "pr") == [("pr", 70), ("pr", 70)]
        assert frames_bad[0] == "two lines ran together (a damaged line feed): split in two"
        assert len(frames_bad) == (1 if lf == b"\x0b" else 2)  # a date run into the damaged byte: a bad line


def test_run_together_lines_that_do_not_fit_the_layout_give_no_value():
    """When the repeated field is not where the first line's layout puts the second line, nothing is
    split: every field name comes twice, so neither copy counts."""
    codec = MasimoAscii()
    codec.feed(line(spo2="097"), T0)
    tail = line(spo2="097")[line(spo2="097").index(b"SPO2="):]  # the second line lost its date and time
    joined = line(spo2="097").replace(b"\r\n", b"\r\x0b") + tail
    assert _values(codec.feed(joined, T0 + 1)) == []


def test_pulse_rate_moving_one_beat_a_line_reports_the_middle_line():
    """Steady step (resources [consistency.steady_step]): 70, 71, 72, 73 report 71 and 72, each a line late;
    a value going back (72, 73, 72) or moving by two is never reported by this rule."""
    codec = MasimoAscii()
    got = []
    for i, bpm in enumerate(["070", "071", "072", "073", "072", "074", "076"]):
        got += [(e.t - T0, e.value) for e in codec.feed(line(bpm=bpm), T0 + i) if isinstance(e, Measurement)
                and e.metric == "pr"]
    assert got == [(2, 71), (3, 72)]


def test_steady_step_needs_consecutive_lines():
    codec = MasimoAscii()
    events = []
    for t, bpm in [(0, "070"), (1, "071"), (3, "072")]:  # a line lost between 071 and 072
        events += codec.feed(line(bpm=bpm), T0 + t)
    assert _values(events, "pr") == []


def test_a_jump_from_the_last_reported_value_needs_a_third_line():
    """Two lines with the same bit flipped (BPM=069 read as 269 twice) agree; the jump rule holds a value
    further than [consistency.jump] from the last reported one until a third line carries it."""
    codec = MasimoAscii()
    got = []
    for i, bpm in enumerate(["069", "069", "269", "269", "069", "089", "089", "089"]):
        got += [(e.t - T0, e.value) for e in codec.feed(line(bpm=bpm), T0 + i) if isinstance(e, Measurement)
                and e.metric == "pr"]
    assert got == [(1, 69), (7, 89)]  # 269 never; a real change to 89 comes with its third line
    assert "jump" in codec.stats.last_error


def test_the_last_field_of_a_line_is_never_a_reading():
    """A line cut short may end in a cut number (BPM=072 cut to BPM=07, a plausible pulse rate of 7); two
    lines cut at the same place would confirm it, so the last field of a line never counts."""
    codec = MasimoAscii()
    cut = line(bpm="072")[:line(bpm="072").index(b"BPM=07") + 6] + b"\r\n"
    events = codec.feed(cut, T0) + codec.feed(cut, T0 + 1)
    assert _values(events) == [("spo2", 97)]


def test_a_damaged_field_name_is_not_taken_for_another_field():
    codec = MasimoAscii()
    codec.feed(line(spo2="097"), T0)
    renamed = line(spo2="097").replace(b"SPO2=", b"SPO3=")  # bit 0 of '2' flipped
    events = codec.feed(renamed, T0 + 1)
    assert _values(events, "spo2") == [] and _values(events, "pr") == [("pr", 70)]


def test_noise_with_a_line_feed_between_two_lines_does_not_break_the_confirmation():
    codec = MasimoAscii()
    codec.feed(line(spo2="095"), T0)
    events = codec.feed(b"\x8f\x12 g#\n" + line(spo2="095"), T0 + 1)
    assert _values(events, "spo2") == [("spo2", 95)]
    assert codec.stats.frames_bad == 1


def test_lines_further_apart_than_the_gap_do_not_confirm_each_other():
    codec = MasimoAscii()
    codec.feed(line(spo2="095"), T0)
    assert _values(codec.feed(line(spo2="095"), T0 + codec.confirm_gap + 0.5)) == []
    assert _values(codec.feed(line(spo2="095"), T0 + codec.confirm_gap + 1.5), "spo2") == [("spo2", 95)]
