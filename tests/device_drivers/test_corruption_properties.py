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
def test_nonin_df7_packet_with_one_flipped_bit_gives_no_false_value(index, bit):
    """Each frame has its own checksum: the damaged frame's value is lost, the other frames' values are
    the true ones (HR 150 from frames 1-2, SpO2 97 from frame 3)."""
    codec = NoninDf7()
    codec.feed(DF7_PACKET, 0.5)  # a good packet first fixes the packet boundary, as on a live line
    got = of_type(codec.feed(flip(DF7_PACKET, index, bit), 1.0) + codec.feed(DF7_PACKET, 1.33)
                  + codec.feed(DF7_PACKET[:5], 1.66), Measurement)
    assert {(m.metric, m.value) for m in got} <= {("pr", 150.0), ("spo2", 97.0)}
    lost = {0: "pr", 1: "pr", 2: "spo2"}.get(index // 5)
    assert [m.metric for m in got].count("pr") == (1 if lost == "pr" else 2)
    assert [m.metric for m in got].count("spo2") == (1 if lost == "spo2" else 2)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=len(NE_REPLY) - 1), st.integers(0, 7))
def test_ne1000_safe_mode_reply_with_one_flipped_bit_gives_no_value(index, bit):
    codec = Ne1000Safe()
    codec.connected(0.0)
    codec.poll(1.0)
    codec.take_output()
    assert of_type(codec.feed(flip(NE_REPLY, index, bit), 1.01), Measurement) == []
