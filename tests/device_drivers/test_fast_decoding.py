"""The decoders' fast paths (C-level CRCs, whole-frame scanning) accept and refuse exactly what a plain
byte-by-byte reading of the protocol documents accepts and refuses: speed never weakens a check."""
from __future__ import annotations

import struct

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers import intellivue_wire as w
from device_drivers.codec import CodecStats
from device_drivers.events import DeviceAlarm, Measurement, Waveform
from device_drivers.ne1000 import Reply, ReplyFramer, crc16_xmodem, parse_reply, safe_packet
from tests.device_drivers.golden import of_type
from tests.device_drivers.test_intellivue import polling_codec


def x25_bitwise(data: bytes) -> int:
    """CRC-16/X-25 as RFC 1662 describes it: reflected polynomial 0x8408, init FFFF, one's complement."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def xmodem_bitwise(data: bytes) -> int:
    """CRC-16/XMODEM bit by bit: polynomial 0x1021, init 0, not reflected, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def reference_deframe(stream: bytes) -> tuple[list[bytes], int]:
    """IntelliVue MIB/RS232 frames read one byte at a time, straight from the framing rules: C0 starts
    a frame (cutting short an open one), C1 ends it, 7D escapes the next byte (XOR 20), 7D C1 aborts.
    Returns the user data of the frames that pass every check, and how many frames were refused."""
    frames: list[bytes] = []
    bad = 0
    body: bytearray | None = None
    escaped = broken = False
    for byte in stream:
        if byte == 0xC0:
            if body is not None:
                bad += 1
            body, escaped, broken = bytearray(), False, False
        elif body is None:
            continue
        elif byte == 0xC1:
            if escaped or broken:
                bad += 1
            elif (len(body) >= 6 and body[0] == 0x11 and body[1] == 0x01
                  and (body[2] << 8 | body[3]) == len(body) - 6
                  and x25_bitwise(bytes(body[:-2])) == body[-2] | body[-1] << 8):
                frames.append(bytes(body[4:-2]))
            else:
                bad += 1
            body = None
        elif escaped:
            if byte == 0x7D:
                broken = True
            body.append(byte ^ 0x20)
            escaped = False
        elif byte == 0x7D:
            escaped = True
        else:
            body.append(byte)
    return frames, bad


def reference_reply(text: str) -> Reply | None:
    """A pump reply read step by step as the NE-1000 manual lays it out: two address digits, a prompt
    letter or `A?` and the alarm type, then either `?` and an error code or the data."""
    if len(text) < 3 or not text[:2].isdigit():
        return None
    address, rest = int(text[:2]), text[2:]
    alarm = None
    if rest.startswith("A?"):
        if len(rest) < 3:
            return None
        prompt, alarm, rest = "A", rest[2], rest[3:]
    elif rest[0] in "IWSPTUX":
        prompt, rest = rest[0], rest[1:]
    else:
        return None
    if rest.startswith("?"):
        error = rest[1:] or "?"
        return Reply(address, prompt, alarm, error, "") if error in ("?", "NA", "OOR", "COM", "IGN") else None
    return Reply(address, prompt, alarm, None, rest)


def reference_replies(stream: bytes, safe: bool) -> list[str]:
    """NE-1000 replies found step by step: from each STX, a basic reply runs to the next ETX (a new STX
    first cuts it short); a safe packet is kept only when its end byte and CRC are right, else the
    search goes on from the byte after its STX. A packet still arriving ends the search."""
    out: list[str] = []
    i = 0
    while (start := stream.find(b"\x02", i)) >= 0:
        if safe:
            if start + 1 == len(stream):
                break
            total = stream[start + 1] + 1
            if total >= 5 and start + total > len(stream):
                break  # the rest of the packet has not arrived yet
            packet = stream[start:start + total]
            if total >= 5 and packet[-1] == 0x03 \
                    and xmodem_bitwise(packet[2:-3]) == packet[-3] << 8 | packet[-2]:
                out.append(packet[2:-3].decode("ascii", "replace"))
                i = start + total
            else:
                i = start + 1
        else:
            end = stream.find(b"\x03", start + 1)
            if end < 0:
                break
            nested = stream.find(b"\x02", start + 1, end)
            if nested >= 0:
                i = nested
                continue
            out.append(stream[start + 1:end].decode("ascii", "replace"))
            i = end + 1
    return out


def deframe(stream: bytes, cuts: list[int]) -> tuple[list[bytes], int]:
    stats = CodecStats()
    deframer = w.Deframer(stats)
    out: list[bytes] = []
    start = 0
    for cut in sorted(c % (len(stream) + 1) for c in cuts) + [len(stream)]:
        out += deframer.feed(stream[start:cut])
        start = max(start, cut)
    return out, stats.frames_bad


def flip(data: bytes, index: int, bit: int) -> bytes:
    out = bytearray(data)
    out[index % len(out)] ^= 1 << bit
    return bytes(out)


# user data rich in the bytes that must be escaped
_user = st.binary(max_size=40).map(lambda b: bytes(x if x % 5 else (0xC0, 0xC1, 0x7D)[x % 3] for x in b))
_piece = st.one_of(
    _user.map(w.frame),
    st.tuples(_user, st.integers(0, 1000), st.integers(0, 7)).map(lambda t: flip(w.frame(t[0]), t[1], t[2])),
    st.binary(max_size=12),
    st.sampled_from([b"\x7d\xc1", b"\xc0\x7d\xc1", b"\x7d\x7d", b"\xc0\x11\x01\x00\x00\x7d\x7d\x00\x00\xc1"]),
)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_intellivue_fcs_equals_the_bit_by_bit_crc(data):
    assert w.fcs16(data) == x25_bitwise(data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), st.integers(0, 0xFFFF))
def test_the_fcs_residue_check_accepts_exactly_the_right_fcs(data, fcs):
    """Checking data + FCS against the good residue accepts the bit-by-bit CRC and refuses any other."""
    good = x25_bitwise(data)
    assert w.fcs_ok(data + bytes((good & 0xFF, good >> 8)))
    assert w.fcs_ok(data + bytes((fcs & 0xFF, fcs >> 8))) == (fcs == good)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_ne1000_safe_mode_crc_equals_the_bit_by_bit_crc(data):
    assert crc16_xmodem(data) == xmodem_bitwise(data)


@settings(max_examples=250, deadline=None)
@given(st.lists(_piece, max_size=12), st.lists(st.integers(0, 10_000), max_size=8))
def test_intellivue_deframer_keeps_and_refuses_the_same_frames_as_a_byte_by_byte_reading(pieces, cuts):
    stream = b"".join(pieces) + b"\xc1"  # a final end byte closes whatever frame is still open
    frames, bad = reference_deframe(stream)
    kept, refused = deframe(stream, cuts)
    assert (kept, refused) == deframe(stream, [])
    # the deframer counts a run of frame starts cut short by one another as one refusal
    assert kept == frames and (refused > 0) == (bad > 0)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([b"00S3.000MH", b"00II0.150W0.000ML", b"00A?S", b"00S?OOR"]), max_size=6),
       st.lists(st.integers(0, 500), max_size=6), st.booleans())
def test_ne1000_replies_come_out_whole_however_the_reads_are_cut(texts, cuts, safe):
    stream = b"".join(safe_packet(t) if safe else b"\x02" + t + b"\x03" for t in texts)
    stats = CodecStats()
    framer = ReplyFramer(safe, stats)
    out: list[str] = []
    start = 0
    for cut in sorted(c % (len(stream) + 1) for c in cuts) + [len(stream)]:
        out += framer.feed(stream[start:cut])
        start = max(start, cut)
    assert out == [t.decode() for t in texts] and stats.frames_bad == 0


def test_the_last_bytes_window_shows_the_newest_64_bytes_across_reads():
    stats = CodecStats()
    stream = bytes(range(256)) * 2
    for i in range(0, len(stream), 100):
        stats.note_bytes(stream[i:i + 100])
    assert bytes(stats.last_bytes) == stream[-64:] and stats.bytes_in == len(stream)
    stats.note_bytes(b"\x01\x02")
    assert bytes(stats.last_bytes) == stream[-62:] + b"\x01\x02"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=150), max_size=10))
def test_the_last_bytes_window_equals_the_tail_of_everything_received(reads):
    stats = CodecStats()
    for read in reads:
        stats.note_bytes(bytearray(read))  # a serial port may hand over a bytearray
    assert stats.last_hex() == b"".join(reads)[-64:].hex(" ")


_reply_text = st.text(alphabet="0123456789AIWSPTUX?.MHLNORCGE\n", max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_reply_text, st.from_regex(r"[0-9]{2}(A\?.|[IWSPTUX])(\?(NA|OOR|COM|IGN|..?)?|[0-9.A-Z]*)",
                                             fullmatch=True)))
def test_ne1000_reply_parser_agrees_with_a_step_by_step_reading(text):
    assert parse_reply(text) == reference_reply(text)


_ne_piece = st.one_of(
    st.sampled_from([b"00S3.000MH", b"00II0.150W0.000ML", b"00A?S", b"00S?OOR"]).map(safe_packet),
    st.sampled_from([b"00S3.000MH", b"00A?S"]).map(lambda t: b"\x02" + t + b"\x03"),
    st.tuples(st.sampled_from([b"00S3.000MH", b"00A?S"]), st.integers(0, 100), st.integers(0, 7))
    .map(lambda t: flip(safe_packet(t[0]), t[1], t[2])),
    st.binary(max_size=6),
)


@settings(max_examples=250, deadline=None)
@given(st.lists(_ne_piece, max_size=8), st.lists(st.integers(0, 500), max_size=6), st.booleans())
def test_ne1000_framer_keeps_the_same_replies_as_a_byte_by_byte_reading_of_a_noisy_line(pieces, cuts, safe):
    stream = b"".join(pieces)
    framer = ReplyFramer(safe, CodecStats())
    out: list[str] = []
    start = 0
    for cut in sorted(c % (len(stream) + 1) for c in cuts) + [len(stream)]:
        out += framer.feed(stream[start:cut])
        start = max(start, cut)
    # a basic reply still open at the end of the line is not a reply yet
    assert out == reference_replies(stream, safe)


def pleth_block(samples: list[int], significant_bits: int, scale: tuple[float, float, int, int] | None) -> bytes:
    """A monitor's wave poll reply: one pleth object at 125 Hz with its spec and the samples."""
    avas = [(w.NOM_ATTR_SA_SPECN, struct.pack(">HBBH", len(samples), 16, significant_bits, 0)),
            (w.NOM_ATTR_TIME_PD_SAMP, struct.pack(">I", w.RELATIVE_TIME_PER_S // 125))]
    if scale:
        lo_abs, hi_abs, lo, hi = scale
        avas.append((w.NOM_ATTR_SCALE_SPECN_I16, struct.pack(">IIHH", w.encode_float_type(lo_abs, 2),
                                                               w.encode_float_type(hi_abs, 2), lo, hi)))
    avas.append((w.NOM_ATTR_SA_VAL_OBS, struct.pack(">HHH", 0x4BB4, 0, 2 * len(samples))
                 + struct.pack(f">{len(samples)}H", *samples)))
    body = w.poll_result_body(w.NOM_ACT_POLL_MDIB_DATA_EXT, 1, w.NOM_MOC_VMO_METRIC_SA_RT, 0, 0, [(0x0201, avas)])
    return w.frame(w.rors(1, w.CMD_CONFIRMED_ACTION, body))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=200), st.integers(1, 16),
       st.one_of(st.none(), st.tuples(st.integers(-500, 0), st.integers(1, 500), st.integers(0, 100),
                                      st.integers(101, 4095))))
def test_wave_samples_from_the_lookup_table_equal_the_formula(samples, bits, scale):
    """Each sample: its `bits` low bits, scaled linearly from the scaled range onto the absolute one."""
    if scale:
        scale = (scale[0] / 100, scale[1] / 100, scale[2], scale[3])
    codec = polling_codec()
    [wave] = of_type(codec.feed(pleth_block(samples, bits, scale), 5.0), Waveform)
    k, base = 1.0, 0.0
    if scale:
        lo_abs, hi_abs, lo, hi = scale
        # the range as the monitor sends it (FLOAT-Type, two decimals) and the codec reads it
        lo_abs, hi_abs = (w.float_type(w.encode_float_type(v, 2)) for v in (lo_abs, hi_abs))
        k = (hi_abs - lo_abs) / (hi - lo)
        base = lo_abs - lo * k
    assert wave.samples == tuple(base + (x & ((1 << bits) - 1)) * k for x in samples)
    assert (wave.wave, wave.rate_hz) == ("pleth", 125.0)


def test_a_wave_spec_claiming_more_bits_than_a_sample_has_keeps_all_16_and_never_crashes():
    samples = [1, 2, 0xFFFF] * 40  # a long block (the old numpy path overflowed on a 200-bit mask)
    codec = polling_codec()
    [wave] = of_type(codec.feed(pleth_block(samples, 200, None), 5.0), Waveform)
    assert wave.samples == tuple(float(x) for x in samples) and codec.stats.frames_bad == 0


def numerics_reply(observations: list[tuple[int, int, int, int]]) -> bytes:
    """A numerics poll reply with one NuObsValue per object (physio id, state, unit code, FLOAT-Type)."""
    objects = [(0x0101 + i, [(w.NOM_ATTR_NU_VAL_OBS, w.NU_OBS.pack(*obs))]) for i, obs in enumerate(observations)]
    body = w.poll_result_body(w.NOM_ACT_POLL_MDIB_DATA_EXT, 1, w.NOM_MOC_VMO_METRIC_NU, 0, 0, objects)
    return w.frame(w.rors(1, w.CMD_CONFIRMED_ACTION, body))


_PHYSIO = st.sampled_from([0x4182, 0x4BB8, 0x4A05, 0x4B48, 0x1234])
_STATE = st.sampled_from([0, 0x0400, 0x8000, 0x0800, 0x0001])
_UNIT = st.sampled_from([0x0AA0, 0x0220, 0x0F20, 0x0F03, 0x17A0, 0x1140, 0x0000])
_RAW = st.one_of(st.sampled_from(sorted(w.FLOAT_SPECIAL)), st.integers(0, 0xFFFFFFFF))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_PHYSIO, _STATE, _UNIT, _RAW), min_size=1, max_size=8))
def test_a_repeated_numeric_value_means_exactly_what_it_meant_the_first_time(observations):
    """The codec remembers what a NuObsValue's bytes mean, and what the last numerics reply said; a repeat
    (from memory) gives the same events, device states and refused-unit counts as a codec reading those
    bytes for the first time."""
    frame = numerics_reply(observations)
    remembering, forgetting = polling_codec(), polling_codec()
    assert remembering.feed(frame, 5.0) == forgetting.feed(frame, 5.0)
    forgetting._decoded.clear()  # reads the bytes afresh, with the same history of device states
    forgetting._numerics_info = b""
    assert remembering.feed(frame, 6.0) == forgetting.feed(frame, 6.0)
    assert remembering.stats.to_json() == forgetting.stats.to_json()


def test_a_monitor_sending_a_unit_that_cannot_be_converted_is_counted_at_every_reply():
    codec = polling_codec()
    frame = numerics_reply([(0x4182, 0, 0x0220, 74)])  # heart rate in percent
    for t in (5.0, 6.0, 7.0):
        assert of_type(codec.feed(frame, t), Measurement) == []
    assert codec.stats.fields_bad == 3 and "unit code 0x0220" in codec.stats.last_error


def wave_reply(samples: list[int], state: int, scale_hi: int, physio: int, damage: tuple[int, int] | None) -> bytes:
    """A pleth and an ECG block as the monitor streams them; `damage` (offset, XOR) changes one byte of the
    user data before framing (a valid frame with a structure the monitor never sent)."""
    objects = []
    for handle, pid in ((0x0201, physio), (0x0202, 0x0102)):
        array = struct.pack(f">{len(samples)}H", *samples)
        objects.append((handle, [
            (w.NOM_ATTR_SA_SPECN, struct.pack(">HBBH", len(samples), 16, 12, 0)),
            (w.NOM_ATTR_SCALE_SPECN_I16, struct.pack(">IIHH", w.encode_float_type(-1.0, 2),
                                                     w.encode_float_type(1.0, 2), 0, scale_hi)),
            (w.NOM_ATTR_TIME_PD_SAMP, struct.pack(">I", w.RELATIVE_TIME_PER_S // 125)),
            (w.NOM_ATTR_SA_VAL_OBS, struct.pack(">HHH", pid, state, 2 * len(samples)) + array)]))
    body = w.poll_result_body(w.NOM_ACT_POLL_MDIB_DATA_EXT, 1, w.NOM_MOC_VMO_METRIC_SA_RT, 0, 0, objects, 1)
    user = bytearray(w.rorls(1, 1, 1, w.CMD_CONFIRMED_ACTION, body))
    if damage:
        offset, xor = damage
        user[offset % len(user)] ^= xor
    return w.frame(bytes(user))


_WAVE_REPLIES = st.lists(st.tuples(
    st.lists(st.integers(0, 0xFFFF), min_size=0, max_size=40).filter(lambda s: len(s) != 1),
    st.sampled_from([0, 0, 0, 0x8000]), st.sampled_from([4095, 4095, 2047]), st.sampled_from([0x4BB4, 0x4BB4, 0x1234]),
    st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 400), st.integers(1, 255)))), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(_WAVE_REPLIES, st.booleans())
def test_wave_replies_laid_out_like_the_last_one_decode_exactly_as_when_read_in_full(replies, same_length):
    """The codec keeps where the samples of a wave reply lie; a reply is read by that layout only when
    all of its bytes but the samples match. A stream of replies -- some repeating the layout, some with
    another state, scale, wave, length, or a byte the monitor never sent -- gives exactly the events
    and counts of a codec that reads every reply in full."""
    keeping, reading = polling_codec(), polling_codec()
    for t, (samples, state, scale_hi, physio, damage) in enumerate(replies):
        if same_length:
            samples = (samples * 20 + [0] * 20)[:20]
        frame = wave_reply(samples, state, scale_hi, physio, damage)
        reading._wave_layout = None
        assert keeping.feed(frame, 5.0 + t) == reading.feed(frame, 5.0 + t)
    assert keeping.stats.to_json() == reading.stats.to_json()


def test_the_second_of_two_identically_laid_out_wave_replies_is_read_by_its_layout():
    codec = polling_codec()
    first = of_type(codec.feed(wave_reply([100] * 32, 0, 4095, 0x4BB4, None), 5.0), Waveform)
    layout = codec._wave_layout
    second = of_type(codec.feed(wave_reply([4000] * 32, 0, 4095, 0x4BB4, None), 5.25), Waveform)
    assert codec._wave_layout is layout
    assert [w_.samples[0] for w_ in first] == [pytest.approx(-1 + 200 / 4095)] * 2
    assert [w_.samples[0] for w_ in second] == [pytest.approx(-1 + 8000 / 4095)] * 2
    third = of_type(codec.feed(wave_reply([4000] * 32, 0x8000, 4095, 0x4BB4, None), 5.5), Waveform)
    assert third == [] and codec._wave_layout is not layout  # invalid samples: read in full, never shown


def alarms_reply(alarms: list[tuple[int, int, int]]) -> bytes:
    """An alarm monitor poll reply with these (source, code, alert type) patient alarms, no text."""
    entries = b"".join(struct.pack(">HHHH", source, code, al_type, 0) + struct.pack(">HHH", 0, 0, 0)
                       + struct.pack(">HH", 0, 0) for source, code, al_type in alarms)
    objects = [(0x0001, [(w.NOM_ATTR_AL_MON_P_AL_LIST, struct.pack(">HH", len(alarms), len(entries)) + entries),
                         (w.NOM_ATTR_AL_MON_T_AL_LIST, struct.pack(">HH", 0, 0))])]
    body = w.poll_result_body(w.NOM_ACT_POLL_MDIB_DATA_EXT, 1, w.NOM_MOC_VMO_AL_MON, w.NOM_ATTR_GRP_AL_MON, 0, objects)
    return w.frame(w.rors(1, w.CMD_CONFIRMED_ACTION, body))


_ALARM_LISTS = [[], [(0x4BB8, 0x0C02, 0x0400)], [(0x4BB8, 0x0C02, 0x0400), (0x4182, 0x0C03, 0x0200)],
                [(0x4182, 0x0C03, 0x0200)]]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(range(len(_ALARM_LISTS))), st.just("abort"), st.just("numerics")),
                min_size=1, max_size=15))
def test_an_unchanged_alarm_list_gives_exactly_what_reading_it_in_full_gives(steps):
    """The codec skips an alarm reply identical to the last one (no alarm came or went); across aborted
    associations and other replies, its alarms raised and cleared equal those of a codec reading every
    reply in full."""
    keeping, reading = polling_codec(), polling_codec()
    for t, step in enumerate(steps):
        if step == "abort":
            frame = w.frame(bytes([w.AB_SPDU, 0]))
        elif step == "numerics":
            frame = numerics_reply([(0x4182, 0, 0x0AA0, 74)])
        else:
            frame = alarms_reply(_ALARM_LISTS[step])
        reading._alarms_info = b""
        assert keeping.feed(frame, 5.0 + t) == reading.feed(frame, 5.0 + t)
        if step == "abort":  # the console associates again; the monitor's alarms are sent anew
            for codec in (keeping, reading):
                codec.feed(w.frame(bytes([w.AC_SPDU, 0])), 5.5 + t)
                codec.feed(w.frame(w.roiv(1, w.CMD_CONFIRMED_EVENT_REPORT, w.MDS_OBJECT
                                          + bytes.fromhex("00 00 00 00 0D 06 00 00"))), 5.6 + t)
    assert keeping.stats.to_json() == reading.stats.to_json()


def test_an_alarm_still_sounding_after_the_association_was_lost_is_raised_again():
    codec = polling_codec()
    frame = alarms_reply(_ALARM_LISTS[1])
    assert [a.active for a in of_type(codec.feed(frame, 5.0), DeviceAlarm)] == [True]
    assert codec.feed(frame, 6.0) == []
    assert [a.active for a in of_type(codec.feed(w.frame(bytes([w.AB_SPDU, 0])), 7.0), DeviceAlarm)] == [False]
    assert [a.active for a in of_type(codec.feed(frame, 8.0), DeviceAlarm)] == [True]
