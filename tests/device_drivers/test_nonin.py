"""Nonin DF7/DF8: the oximeter's bytes become SpO2 and pulse rate, bad bytes never become a value."""
from __future__ import annotations

from device_drivers.events import DeviceStatus, Measurement, Waveform
from device_drivers.nonin import NoninDf7, NoninDf8
from tests.device_drivers.golden import hex_bytes, hex_lines, of_type, values

PACKET = "nonin_df7_packet_hr150_spo2_97.txt"


def test_golden_df7_packet_gives_spo2_pulse_rate_and_pleth():
    codec = NoninDf7()
    events = codec.feed(hex_bytes(PACKET), now=100.0)
    assert values(events) == {"pr": 150.0, "spo2": 97.0}
    wave = of_type(events, Waveform)[0]
    assert wave.wave == "pleth" and wave.rate_hz == 75.0 and len(wave.samples) == 25
    assert wave.samples[0] == 0x1000 and wave.samples[2] == 0x106E
    assert codec.stats.frames_ok == 25 and codec.stats.frames_bad == 0


def test_df7_packet_fed_one_byte_at_a_time_decodes_the_same():
    codec = NoninDf7()
    events = []
    for b in hex_bytes(PACKET):
        events += codec.feed(bytes([b]), now=1.0)
    assert values(events) == {"pr": 150.0, "spo2": 97.0}


def test_df7_garbage_before_the_packet_is_skipped():
    codec = NoninDf7()
    events = codec.feed(bytes([0x11, 0xFE, 0x03]) + hex_bytes(PACKET), now=1.0)
    assert values(events) == {"pr": 150.0, "spo2": 97.0}
    assert codec.stats.garbage_bytes == 3


def test_a_df7_packet_with_a_corrupt_spo2_frame_loses_only_the_spo2():
    """Each DF7 frame has its own checksum: the HR frames 1-2 are intact and count (failed before #14)."""
    frames = hex_lines(PACKET)
    bad = bytearray(frames[2])
    bad[4] ^= 0x01  # SpO2 frame's checksum off by one
    frames[2] = bytes(bad)
    codec = NoninDf7()
    # a packet with a damaged frame counts once the next SYNC frame comes where the count expects it
    assert of_type(codec.feed(b"".join(frames), now=1.0), Measurement) == []
    events = codec.feed(hex_lines(PACKET)[0], now=1.33)
    assert values(events) == {"pr": 150.0}
    assert codec.stats.frames_bad == 1 and codec.stats.frames_ok == 25
    assert of_type(events, Waveform) == []  # a pleth with a hole is not drawn


def test_a_df7_packet_with_a_flipped_hr_bit_loses_only_the_pulse_rate():
    frames = hex_lines(PACKET)
    bad = bytearray(frames[1])
    bad[3] ^= 0x04  # HR LSB changed, checksum left as it was
    frames[1] = bytes(bad)
    codec = NoninDf7()
    events = codec.feed(b"".join(frames), 1.0) + codec.feed(hex_lines(PACKET)[0], 1.33)
    assert values(events) == {"spo2": 97.0}


def test_five_noise_bytes_that_look_like_a_damaged_frame_never_shift_values_into_other_slots():
    """Line noise that adds exactly one frame's worth of bytes: the frames after it are one slot late,
    so the next SYNC frame comes late too, and the packet is not believed (found by the #14 fuzz test:
    frame 2's HR byte was read as SpO2)."""
    frames = hex_lines(PACKET)
    noisy = frames[:1] + [bytes.fromhex("11 22 33 44 55")] + frames[1:24]  # frame 25 pushed out
    codec = NoninDf7()
    codec.feed(hex_bytes(PACKET), 0.5)
    events = codec.feed(b"".join(noisy), 1.0) + codec.feed(frames[24] + hex_bytes(PACKET), 1.33)
    assert {(m.metric, m.value) for m in of_type(events, Measurement)} == {("pr", 150.0), ("spo2", 97.0)}
    assert len(of_type(events, Measurement)) == 2  # only the last, intact packet


def test_a_damaged_sync_frame_keeps_the_packet_in_step():
    """Frame 1 (SYNC, HR MSB) is damaged in the second packet: its slot is kept, so frame 3 is still
    read as SpO2 (and not as anything else), and the HR, which needs frame 1, is not reported."""
    frames = hex_lines(PACKET)
    second = list(frames)
    second[0] = bytes([frames[0][0], frames[0][1] ^ 0x10, *frames[0][2:]])
    codec = NoninDf7()
    first = codec.feed(b"".join(frames), 1.0)
    assert values(first) == {"pr": 150.0, "spo2": 97.0}
    assert values(codec.feed(b"".join(second) + frames[0], 1.33)) == {"spo2": 97.0}


def test_df7_recovers_on_the_next_good_packet_after_corruption():
    frames = hex_lines(PACKET)
    broken = frames[:10] + [b"\x82\x00"] + frames[12:]
    codec = NoninDf7()
    events = codec.feed(b"".join(broken) + hex_bytes(PACKET), now=1.0)
    # the broken packet's frames 1-3 were intact: their values count; nothing else is reported
    assert {(m.metric, m.value) for m in of_type(events, Measurement)} == {("pr", 150.0), ("spo2", 97.0)}
    assert len(of_type(events, Waveform)) == 1  # only the intact packet's pleth


def test_df7_sensor_off_is_a_device_state_not_a_value():
    frames = hex_lines(PACKET)
    off = []
    for f in frames:  # set SNSD (0x40) in every status byte and fix the checksum by hand: +0x40
        off.append(bytes([f[0] | 0x40, f[1], f[2], f[3], (f[4] + 0x40) & 0xFF]))
    codec = NoninDf7()
    events = codec.feed(b"".join(off), now=5.0)
    assert of_type(events, Measurement) == []
    status = of_type(events, DeviceStatus)
    assert [(s.condition, s.active) for s in status] == [("sensor_disconnected", True)]
    events = codec.feed(hex_bytes(PACKET), now=6.0)
    assert ("sensor_disconnected", False) in [(s.condition, s.active) for s in of_type(events, DeviceStatus)]
    assert values(events) == {"pr": 150.0, "spo2": 97.0}


# DF8: status1, HR bits 6-0, SpO2, status2. Worked by hand:
# HR 72 = 0b0_1001000 -> bits 8-7 = 0 -> status 0x80, LSB 0x48; SpO2 98 = 0x62.
DF8_HR72_SPO2_98 = bytes.fromhex("80 48 62 00")
# HR 200 = 0b1_1001000 -> bits 8-7 = 01 -> status 0x81, LSB 0x48; SpO2 95 = 0x5F.
DF8_HR200_SPO2_95 = bytes.fromhex("81 48 5F 00")
# Sensor disconnected (0x40) with missing HR 511 (bits 8-7 = 11) and missing SpO2 127.
DF8_SENSOR_OFF = bytes.fromhex("C3 7F 7F 00")


def test_golden_df8_frames():
    codec = NoninDf8()
    assert codec.feed(DF8_HR72_SPO2_98, 1.0) == []  # no checksum: held until the next frame confirms it
    assert values(codec.feed(DF8_HR72_SPO2_98, 2.0)) == {"pr": 72.0, "spo2": 98.0}
    assert values(codec.feed(DF8_HR200_SPO2_95, 3.0)) == {}  # changed: held a second
    assert values(codec.feed(DF8_HR200_SPO2_95, 4.0)) == {"pr": 200.0, "spo2": 95.0}


def test_df8_resynchronises_on_bit_7_after_noise_in_the_same_read():
    """Noise bytes with bit 7 clear just before a frame, in one read (found by an independent emulator
    written from Nonin's specification; before #14 the frame was never reported)."""
    codec = NoninDf8()
    frame = bytes.fromhex("80 68 63 20")  # pulse 104, SpO2 99, SmartPoint
    events = codec.feed(bytes.fromhex("18 5d 0e 36 09 6c") + frame, 1.0)
    events += codec.feed(frame, 2.0)
    assert values(events) == {"pr": 104.0, "spo2": 99.0}


def test_df8_noise_with_bit_7_set_before_a_frame_costs_only_the_noise():
    codec = NoninDf8()
    frame = bytes.fromhex("80 68 63 20")
    events = codec.feed(bytes.fromhex("c3 11 f0") + frame, 1.0) + codec.feed(b"\x05" + frame, 2.0)
    assert values(events) == {"pr": 104.0, "spo2": 99.0}


def test_df8_first_good_frame_after_a_bad_one_in_the_same_read_counts():
    """Before #14 a bad frame at a frame boundary dropped sync, so a good frame right behind it in the same
    read was skipped and the next one only re-established sync: no value for two seconds."""
    codec = NoninDf8()
    codec.feed(DF8_HR72_SPO2_98, 1.0)
    events = codec.feed(bytes.fromhex("80 48 E2 00") + DF8_HR200_SPO2_95, 2.0)
    events += codec.feed(DF8_HR200_SPO2_95, 3.0)
    assert [(m.t, m.metric, m.value) for m in of_type(events, Measurement)] == [
        (3.0, "pr", 200.0), (3.0, "spo2", 95.0)]


def test_df8_a_frame_damaged_into_the_next_value_is_not_reported_at_its_own_time():
    """Found by the fuzz test: a held frame confirmed by the next one must not be back-dated."""
    codec = NoninDf8()
    events = []
    for k, frame in enumerate(["80 48 62 00", "80 4a 62 00", "80 4a 62 00"]):  # 72, damaged 74, 74
        events += codec.feed(bytes.fromhex(frame), 1.0 + k)
    assert [(m.t, m.value) for m in of_type(events, Measurement) if m.metric == "pr"] == [(3.0, 74.0)]


def test_df8_a_flipped_value_bit_is_never_reported():
    codec = NoninDf8()
    flipped = bytes.fromhex("80 49 62 00")  # HR LSB bit 0 flipped: 73, a plausible number
    events = []
    for k, frame in enumerate([DF8_HR72_SPO2_98, flipped, DF8_HR72_SPO2_98, DF8_HR72_SPO2_98]):
        events += codec.feed(frame, 1.0 + k)
    assert {m.value for m in of_type(events, Measurement) if m.metric == "pr"} == {72.0}
    assert codec.stats.fields_bad >= 1


def test_df8_sensor_off_reports_state_and_no_value():
    codec = NoninDf8()
    codec.feed(DF8_SENSOR_OFF, 1.0)
    events = codec.feed(DF8_SENSOR_OFF, 2.0)
    assert of_type(events, Measurement) == []
    assert [s.condition for s in of_type(events, DeviceStatus)] == ["sensor_disconnected"]


def test_a_df8_frame_with_a_high_bit_in_a_data_byte_is_rejected_and_values_resume_after_resync():
    codec = NoninDf8()
    codec.feed(DF8_HR72_SPO2_98, 1.0)
    corrupt = bytes.fromhex("80 48 E2 00")  # SpO2 byte has bit 7 set: cannot be a DF8 frame
    assert codec.feed(corrupt, 2.0) == []
    assert codec.stats.frames_bad >= 1
    assert codec.feed(DF8_HR72_SPO2_98, 3.0) == []  # sync again first
    assert values(codec.feed(DF8_HR72_SPO2_98, 4.0)) == {"pr": 72.0, "spo2": 98.0}


def test_df7_stream_fed_to_the_df8_decoder_never_gives_a_value():
    codec = NoninDf8()
    stream = hex_bytes(PACKET) * 6
    events = []
    for k in range(0, len(stream), 40):  # continuous line, read every 50 ms as the transport does
        events += codec.feed(stream[k:k + 40], 1.0 + k / 40 * 0.05)
    assert of_type(events, Measurement) == []
