"""Philips IntelliVue Data Export: framing, FCS, FLOAT-Type and numerics, against golden byte vectors."""
from __future__ import annotations

import pytest

from device_drivers import intellivue_wire as w
from device_drivers.events import DeviceStatus, Measurement
from device_drivers.intellivue import IntelliVue
from tests.device_drivers.golden import hex_bytes, of_type, values


def x25_bitwise(data: bytes) -> int:
    """Reference CRC-16/X-25, bit by bit (independent of the table the codec uses)."""
    crc = 0xFFFF
    for byte in data:
        for i in range(8):
            bit = (byte >> i) & 1
            if (crc & 1) ^ bit:
                crc = (crc >> 1) ^ 0x8408
            else:
                crc >>= 1
    return crc ^ 0xFFFF


def polling_codec() -> IntelliVue:
    """A codec past association and MDS create, as the monitor's first messages would leave it."""
    codec = IntelliVue()
    codec.connected(0.0)
    codec.feed(w.frame(bytes([w.AC_SPDU, 0])), 0.1)
    mds = w.roiv(1, w.CMD_CONFIRMED_EVENT_REPORT, w.MDS_OBJECT + bytes.fromhex("00 00 00 00 0D 06 00 00"))
    codec.feed(w.frame(mds), 0.2)
    codec.take_output()
    assert codec.session == "polling"
    return codec


def test_fcs_is_crc16_x25_with_the_catalogue_check_value():
    assert w.fcs16(b"123456789") == 0x906E == x25_bitwise(b"123456789")


def test_golden_frame_escapes_both_fcs_bytes():
    wire = hex_bytes("intellivue_frame_fcs_escaped.txt")
    assert x25_bitwise(bytes.fromhex("11 01 00 04 E1 00 55 CE")) == 0xC17D
    assert w.frame(bytes.fromhex("E1 00 55 CE")) == wire
    stats = IntelliVue().stats
    assert w.Deframer(stats).feed(wire) == [bytes.fromhex("E1 00 55 CE")]


def test_association_request_matches_the_programming_guide_bytes():
    assert w.association_request() == hex_bytes("intellivue_association_request.txt")


@pytest.mark.parametrize("raw, value", [
    (0x00000061, 97.0), (0xFF000170, 36.8), (0xFE00FFFF - 0xFFFF + 0x3A98, 150.0),
    (0x00FFFFFF, -1.0), (0x007FFFFF, None), (0x00800000, None), (0x007FFFFE, None), (0x00800002, None)])
def test_float_type_values_and_special_values(raw, value):
    decoded = w.float_type(raw)
    assert decoded == pytest.approx(value) if value is not None else decoded is None


def test_golden_numerics_reply_gives_every_value_the_monitor_sent_and_no_others():
    codec = polling_codec()
    events = codec.feed(w.frame(hex_bytes("intellivue_numerics_reply.txt")), 5.0)
    got = values(events)
    assert got == {"spo2": 97.0, "hr": 72.0, "nibp_sys": 120.0, "nibp_mean": 90.0,
                   "etco2": pytest.approx(38.25, abs=0.01)}
    # NaN diastolic, questionable temperature and +INF respiration rate are "no value", not zero
    assert {"nibp_dia", "temp", "rr"}.isdisjoint(got)
    assert [m.unit for m in of_type(events, Measurement) if m.metric == "etco2"] == ["mmHg"]


def test_the_golden_reply_survives_byte_by_byte_delivery():
    codec = polling_codec()
    events = []
    for b in w.frame(hex_bytes("intellivue_numerics_reply.txt")):
        events += codec.feed(bytes([b]), 5.0)
    assert values(events)["spo2"] == 97.0


@pytest.mark.parametrize("damage", ["flip_data_bit", "flip_fcs", "truncate", "abort", "bad_length"])
def test_a_corrupt_frame_never_gives_a_value(damage):
    codec = polling_codec()
    wire = bytearray(w.frame(hex_bytes("intellivue_numerics_reply.txt")))
    if damage == "flip_data_bit":
        wire[60] ^= 0x04
    elif damage == "flip_fcs":
        wire[-2] ^= 0x01
    elif damage == "truncate":
        wire = wire[:100] + wire[-3:]
    elif damage == "abort":
        wire = wire[:100] + bytearray([w.ESC, w.EOF])
    elif damage == "bad_length":
        wire[4] ^= 0x01
    events = codec.feed(bytes(wire), 5.0)
    assert of_type(events, Measurement) == []
    assert codec.stats.frames_bad == 1
    # and the next intact frame decodes again
    assert values(codec.feed(w.frame(hex_bytes("intellivue_numerics_reply.txt")), 6.0))["hr"] == 72.0


def test_a_valid_frame_with_a_broken_inner_length_is_a_bad_frame_not_a_crash():
    codec = polling_codec()
    user = bytearray(hex_bytes("intellivue_numerics_reply.txt"))
    user[7] = 0xFF  # RORS length larger than the message
    assert codec.feed(w.frame(bytes(user)), 5.0) == []
    assert codec.stats.frames_bad == 1


def test_demo_mode_values_are_withheld_and_reported_as_a_device_state():
    codec = polling_codec()
    user = bytearray(hex_bytes("intellivue_numerics_reply.txt"))
    user[68:70] = b"\x04\x00"  # SpO2 MeasurementState (offset 68: after 56 header bytes and 12 of its object) = DEMO_DATA
    events = codec.feed(w.frame(bytes(user)), 5.0)
    assert "spo2" not in values(events)
    assert [(s.condition, s.active) for s in of_type(events, DeviceStatus)] == [("monitor_demo_data", True)]


def test_wave_samples_are_scaled_as_numpy_did_without_importing_it():
    """The wave samples' scaling is plain Python (numpy's import is left until after the console's first
    frame): the same values as the former numpy table lookup, for any significant bits, scale and offset."""
    import random
    import struct

    import numpy as np

    from device_drivers.intellivue import _WaveSpec

    rng = random.Random(14)
    for _ in range(200):
        spec = _WaveSpec()
        spec.significant_bits = rng.choice([8, 10, 12, 14, 16])
        spec.scale = rng.choice([None, (rng.uniform(-5, 0), rng.uniform(0.1, 5), rng.randint(0, 100),
                                        rng.randint(200, 4095))])
        count, offset = rng.randint(0, 130), rng.randint(0, 5)
        data = bytes(rng.getrandbits(8) for _ in range(offset + 2 * count + 3))
        k, base = 1.0, 0.0
        if spec.scale:
            lo_abs, hi_abs, lo, hi = spec.scale
            k = (hi_abs - lo_abs) / (hi - lo)
            base = lo_abs - lo * k
        table = base + np.arange(1 << spec.significant_bits) * k
        expected = tuple(table.take(np.frombuffer(data, ">u2", count, offset), mode="wrap").tolist())
        assert spec.values(data, offset, count) == expected
        assert all(type(v) is float for v in expected)
    with pytest.raises(struct.error):  # a block shorter than it says is refused, as before (a bad frame)
        _WaveSpec().values(b"\x00\x01", 0, 2)
