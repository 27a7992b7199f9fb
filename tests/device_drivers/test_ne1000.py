"""New Era pump codec: every change is read back; a pump that says otherwise raises an alarm."""
from __future__ import annotations

import pytest

from device_drivers.events import DeviceAlarm, DeviceStatus, Measurement
from device_drivers.ne1000 import Ne1000, Ne1000Safe, crc16_xmodem, format_number, parse_reply, safe_packet
from device_drivers.pump import PUMP_STATES, PumpCommandResult, PumpControl, pump_control
from tests.device_drivers.golden import hex_lines, of_type, values

STX, ETX = b"\x02", b"\x03"


def reply(text: str) -> bytes:
    return STX + text.encode() + ETX


def exchange(codec, pairs, now):
    """Answer the codec's requests in turn: [(expected request, reply text)]; returns the events."""
    events = []
    for k, (request, text) in enumerate(pairs):
        assert codec.take_output() == request
        events += codec.feed(reply(text), now + k * 0.001)
    return events


def connected_codec(cls=Ne1000):
    codec = cls()
    codec.connected(0.0)
    assert codec.take_output() == b""  # connecting changes nothing on the pump
    return codec


def test_crc16_xmodem_matches_the_manual_and_the_catalogue_check_value():
    # The manual's "return to basic mode" packet: (0x2)(0x8) SAF0 (0x55)(0x43)(0x3)
    assert safe_packet(b"SAF0") == bytes.fromhex("02 08 53 41 46 30 55 43 03")
    assert crc16_xmodem(b"123456789") == 0x31C3  # CRC-16/XMODEM catalogue check value


def test_golden_replies_parse_to_status_data_alarm_and_error():
    rate, dis, alarm, oor = (line[1:-1].decode() for line in hex_lines("ne1000_replies.txt"))
    assert parse_reply(rate) == parse_reply("00S3.000MH")
    r = parse_reply(dis)
    assert (r.prompt, r.data) == ("I", "I0.150W0.000ML")
    r = parse_reply(alarm)
    assert (r.prompt, r.alarm) == ("A", "S")
    r = parse_reply(oor)
    assert (r.prompt, r.error) == ("S", "OOR")
    assert parse_reply("00Q12") is None and parse_reply("x") is None


def test_numbers_are_sent_with_four_significant_digits():
    assert [format_number(v) for v in (1234.4, 123.44, 12.3456, 1.23456, 0.15)] == \
        ["1234", "123.4", "12.35", "1.235", "0.150"]


def test_ne1000_is_controllable_and_an_unknown_object_is_read_only():
    assert pump_control(Ne1000) is PumpControl.CONTROLLABLE
    assert pump_control(object()) is PumpControl.READ_ONLY


def test_poll_cycle_reads_state_volume_and_rate():
    """Basic mode has no checksum: each poll is asked twice and counts only if both replies agree."""
    codec = connected_codec()
    codec.poll(1.0)
    events = exchange(codec, [(b"DIS\r", "00II0.150W0.000ML")] * 2 + [(b"RAT\r", "00I3.000MH")] * 2, 1.01)
    assert values(events) == {"state": PUMP_STATES["infusing"], "volume_infused": 0.15, "rate": 3.0}


def test_basic_mode_two_replies_that_differ_give_no_value():
    """A stopped pump with 0.000 mL whose reply has a flipped bit (0x30 -> 0x34: '4') once (#14: it was
    read as 4.0 and 8.0 mL)."""
    codec = connected_codec()
    codec.poll(1.0)
    events = exchange(codec, [(b"DIS\r", "00SI0.000W0.000ML"), (b"DIS\r", "00SI4.000W0.000ML"),
                              (b"RAT\r", "00S3.000MH"), (b"RAT\r", "00S3.000MH")], 1.01)
    assert "volume_infused" not in values(events)
    assert codec.stats.frames_bad == 1 and "differ" in codec.stats.last_error


def test_basic_mode_a_volume_that_jumps_or_goes_down_is_not_reported():
    codec = connected_codec()
    got = []
    # stopped pump; the same flip in both replies; then the total cleared on the pump (5.000 -> 0)
    volumes = ["0.000", "0.000", "8.000", "0.000", "0.000"]
    for k, volume in enumerate(volumes):
        codec.poll(1.0 + k)
        got += exchange(codec, [(b"DIS\r", f"00SI{volume}W0.000ML")] * 2 + [(b"RAT\r", "00S3.000MH")] * 2,
                        1.01 + k)
        if k == 0:
            exchange(codec, [(b"VOL\r", "00S0.000ML")] * 2 + [(b"DIR\r", "00SINF")] * 2, 1.02)
    assert [m.value for m in of_type(got, Measurement) if m.metric == "volume_infused"] == [0.0] * 4
    assert codec.stats.frames_bad == 1 and "faster than the pump can" in codec.stats.last_error


def test_basic_mode_a_volume_cleared_on_the_pump_is_reported_once_it_repeats():
    codec = connected_codec()
    got = []
    for k, volume in enumerate(["5.000", "0.000", "0.000"]):
        codec.poll(1.0 + k)
        got += exchange(codec, [(b"DIS\r", f"00SI{volume}W0.000ML")] * 2 + [(b"RAT\r", "00S3.000MH")] * 2,
                        1.01 + k)
        if k == 0:
            exchange(codec, [(b"VOL\r", "00S0.000ML")] * 2 + [(b"DIR\r", "00SINF")] * 2, 1.02)
    assert [m.value for m in of_type(got, Measurement) if m.metric == "volume_infused"] == [5.0, 0.0]
    assert "went down" in codec.stats.last_error


def test_set_rate_is_read_back_and_confirmed():
    codec = connected_codec()
    codec.set_rate(12.5)
    codec.poll(1.0)
    assert codec.take_output() == b"RAT12.50MH\r"
    assert codec.feed(reply("00S"), 1.01) == []
    assert codec.take_output() == b"RAT\r"
    events = codec.feed(reply("00S12.50MH"), 1.02)
    result = of_type(events, PumpCommandResult)[0]
    assert result.ok and result.command == "set_rate" and result.readback == "12.50MH"
    assert of_type(events, DeviceAlarm) == []


def test_a_read_back_that_differs_is_a_high_priority_alarm():
    codec = connected_codec()
    codec.set_rate(12.5)
    codec.poll(1.0)
    codec.take_output()
    codec.feed(reply("00S"), 1.01)
    codec.take_output()
    events = codec.feed(reply("00S13.75MH"), 1.02)
    assert not of_type(events, PumpCommandResult)[0].ok
    alarm = of_type(events, DeviceAlarm)[0]
    assert alarm.code == "command_failed" and alarm.priority == "high" and alarm.active
    assert "13.75" in alarm.text


def test_a_refused_command_is_not_read_back_and_raises_an_alarm():
    codec = connected_codec()
    codec.set_rate(5000)
    codec.poll(1.0)
    assert codec.take_output() == b"RAT5000MH\r"
    events = codec.feed(reply("00S?OOR"), 1.01)
    assert "out of range" in of_type(events, PumpCommandResult)[0].detail
    assert of_type(events, DeviceAlarm)[0].active
    assert codec.take_output() == b""  # the read-back step of the refused command was dropped


def test_a_command_the_pump_never_answers_is_reported_failed_not_assumed():
    codec = connected_codec()
    codec.start()
    codec.poll(1.0)
    assert codec.take_output() == b"RUN\r"
    events = codec.poll(2.5)
    assert not of_type(events, PumpCommandResult)[0].ok
    assert codec.stats.frames_bad == 1


def test_start_is_confirmed_by_the_infusing_prompt():
    codec = connected_codec()
    codec.start()
    codec.poll(1.0)
    codec.take_output()
    codec.feed(reply("00I"), 1.01)
    assert codec.take_output() == b"DIS\r"
    events = codec.feed(reply("00II0.000W0.000ML"), 1.02)
    assert of_type(events, PumpCommandResult)[0].ok


def test_a_stall_alarm_is_raised_once_and_cleared():
    codec = connected_codec()
    codec.poll(1.0)
    events = exchange(codec, [(b"DIS\r", "00A?SI0.100W0.000ML")] * 2, 1.01)
    assert [(a.code, a.active) for a in of_type(events, DeviceAlarm)] == [("pump_stalled", True)]
    events = exchange(codec, [(b"RAT\r", "00A?S3.000MH")] * 2 + [(b"VOL\r", "00A?S0.000ML")] * 2
                      + [(b"DIR\r", "00A?SINF")] * 2, 1.02)
    assert of_type(events, DeviceAlarm) == []
    codec.poll(2.1)
    events = exchange(codec, [(b"DIS\r", "00SI0.100W0.000ML")] * 2, 2.2)
    assert [(a.code, a.active) for a in of_type(events, DeviceAlarm)] == [("pump_stalled", False)]


def test_safe_mode_frames_commands_and_rejects_a_corrupt_reply():
    codec = Ne1000Safe()
    codec.connected(0.0)
    codec.poll(1.0)
    assert codec.take_output() == safe_packet(b"DIS")
    corrupt = bytearray(safe_packet(b"00II9.999W0.000ML"))
    corrupt[5] ^= 0x01
    events = codec.feed(bytes(corrupt), 1.01)
    assert of_type(events, Measurement) == [] and codec.stats.frames_bad == 1
    events = codec.feed(safe_packet(b"00II0.150W0.000ML"), 1.02)
    assert values(events)["volume_infused"] == 0.15


def test_a_pump_set_to_withdraw_is_a_technical_state():
    codec = connected_codec()
    codec.poll(1.0)
    exchange(codec, [(b"DIS\r", "00SI0.000W0.000ML")] * 2 + [(b"RAT\r", "00S1.000MH")] * 2
             + [(b"VOL\r", "00S0.000ML")] * 2, 1.01)
    events = exchange(codec, [(b"DIR\r", "00SWDR")] * 2, 1.02)
    status = of_type(events, DeviceStatus)[0]
    assert status.condition == "direction_withdraw" and status.active and status.technical


def test_set_vtbi_sets_millilitres_first_and_reads_the_volume_back():
    codec = connected_codec()
    codec.set_vtbi(20)
    codec.poll(1.0)
    sent = []
    for answer in ("00S", "00S", "00S20.00ML"):
        sent.append(codec.take_output())
        events = codec.feed(reply(answer), 1.01)
    assert sent == [b"VOLML\r", b"VOL20.00\r", b"VOL\r"]
    assert of_type(events, PumpCommandResult)[0].ok


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, 1e6])
def test_nonsense_from_the_screen_is_refused_before_it_reaches_the_pump(bad):
    codec = connected_codec()
    with pytest.raises(ValueError):
        codec.set_rate(bad)
    codec.poll(1.0)
    assert codec.take_output() == b"DIS\r"  # only the normal poll went out


def test_a_stopped_pump_reports_zero_rate_even_though_a_rate_is_programmed():
    codec = connected_codec()
    codec.poll(1.0)
    events = exchange(codec, [(b"DIS\r", "00PI1.000W0.000ML")] * 2  # paused after STP
                      + [(b"RAT\r", "00P12.50MH")] * 2, 1.01)
    assert values(events)["rate"] == 0.0 and values(events)["state"] == PUMP_STATES["paused"]
    assert codec.rate == 12.5


def test_a_late_reply_is_never_taken_for_the_answer_to_a_newer_request():
    """Found by the #14 fuzz test: noise with an STX and a large safe-mode length byte held a DIS reply in
    the buffer past the request's time-out; it then completed and was taken as the answer to the next
    DIS, a volume seconds old reported as current."""
    codec = Ne1000Safe()
    codec.connected(0.0)
    codec.poll(1.0)
    assert codec.take_output() == safe_packet(b"DIS")
    assert codec.feed(b"\x02\x40" + safe_packet(b"00II0.014W0.000ML"), 1.01) == []  # waits for 64 bytes
    codec.poll(2.2)  # no reply within 1 s: counted, and the next request goes out
    assert codec.take_output() == safe_packet(b"RAT")
    events = codec.feed(bytes(60), 2.21) + codec.feed(safe_packet(b"00I12.00MH"), 2.22)
    assert "volume_infused" not in values(events)
    assert values(events)["rate"] == 12.0
