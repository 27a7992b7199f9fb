"""Property: a frame with any single bit flipped never yields a value (checksum/CRC-protected protocols)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers import intellivue_wire as w
from device_drivers.events import Measurement
from device_drivers.ne1000 import Ne1000Safe, safe_packet
from device_drivers.nonin import NoninDf7
from tests.device_drivers.golden import hex_bytes, of_type
from tests.device_drivers.test_intellivue import polling_codec

IV_FRAME = w.frame(hex_bytes("intellivue_numerics_reply.txt"))
DF7_PACKET = hex_bytes("nonin_df7_packet_hr150_spo2_97.txt")
NE_REPLY = safe_packet(b"00II0.150W0.000ML")


def flip(data: bytes, index: int, bit: int) -> bytes:
    out = bytearray(data)
    out[index % len(out)] ^= 1 << bit
    return bytes(out)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=len(IV_FRAME) - 2), st.integers(0, 7))
def test_intellivue_frame_with_one_flipped_bit_gives_no_value(index, bit):
    codec = polling_codec()
    assert of_type(codec.feed(flip(IV_FRAME, index, bit), 5.0), Measurement) == []


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(DF7_PACKET) - 1), st.integers(0, 7))
def test_nonin_df7_packet_with_one_flipped_bit_gives_no_value(index, bit):
    assert of_type(NoninDf7().feed(flip(DF7_PACKET, index, bit), 1.0), Measurement) == []


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=len(NE_REPLY) - 1), st.integers(0, 7))
def test_ne1000_safe_mode_reply_with_one_flipped_bit_gives_no_value(index, bit):
    codec = Ne1000Safe()
    codec.connected(0.0)
    codec.poll(1.0)
    codec.take_output()
    assert of_type(codec.feed(flip(NE_REPLY, index, bit), 1.01), Measurement) == []
