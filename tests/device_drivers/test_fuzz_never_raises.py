"""Whatever arrives on the line, a codec never raises: an exception would stop the reader thread."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers import intellivue_wire as w
from device_drivers.ne1000 import safe_packet
from device_drivers.registry import codec_class, driver_names
from tests.device_drivers.test_intellivue import polling_codec


@pytest.mark.parametrize("driver", driver_names())
@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.binary(max_size=300), max_size=8))
def test_random_bytes_never_raise(driver, chunks):
    codec = codec_class(driver)()
    codec.connected(0.0)
    t = 0.0
    for chunk in chunks:
        t += 0.1
        codec.feed(chunk, t)
        codec.poll(t)
        codec.take_output()


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_intellivue_well_framed_nonsense_never_raises(user):
    codec = polling_codec()
    codec.feed(w.frame(user), 1.0)
    codec.feed(w.frame(b"\xe1\x00" + user), 1.1)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=60))
def test_intellivue_mutated_poll_reply_never_raises(tail):
    codec = polling_codec()
    head = bytes.fromhex("E1 00 00 02 00 02") + len(tail).to_bytes(2, "big")
    codec.feed(w.frame(head + tail), 1.0)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_ne1000_safe_packet_with_any_text_never_raises(text):
    codec = codec_class("ne1000-safe")()
    codec.connected(0.0)
    codec.poll(1.0)
    codec.feed(safe_packet(text.encode("utf-8", "replace")[:240]), 1.0)


@pytest.mark.parametrize("driver", ["nonin-df7", "nonin-df8", "intellivue", "ne1000", "ne1000-safe"])
@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.binary(max_size=200), max_size=6))
def test_simulators_survive_whatever_the_host_sends(driver, chunks):
    from device_drivers.registry import simulator_class
    model = simulator_class(driver)(start=1000.0)
    for i, chunk in enumerate(chunks):
        model.receive(chunk, 1000.0 + i)
        model.receive(w.frame(chunk), 1000.0 + i)
        model.tick(1000.0 + i)
