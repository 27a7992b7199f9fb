"""A noisy line keeps its port; a silent device is reopened (issue #14, IntelliVue link reopened on noise).

A simulated IntelliVue on a real pseudo-terminal, its bytes through a seeded bit-flipping filter, read by the
real SerialLink and IntelliVue codec. On a 2 % line most frames arrive damaged (right header and length,
wrong FCS): the monitor is answering, so the transport must not close and reopen the port. A monitor that
sends nothing at all must still be reopened after `reopen_after`.
"""
from __future__ import annotations

import time

from device_drivers import intellivue_wire as w
from device_drivers.events import LinkState
from device_drivers.intellivue import IntelliVue
from device_drivers.pty_server import PtyServer
from device_drivers.registry import simulator_class
from device_drivers.transport import LinkWatch, SerialLink, link_timings
from tests.device_drivers.pty_helpers import Collector, NoisyDevice, Switchable


def states(sink: Collector, state: str) -> list[LinkState]:
    return [e for e in sink.since(0) if isinstance(e, LinkState) and e.state == state]


def test_a_noisy_intellivue_line_keeps_one_open_port():
    monitor = simulator_class("intellivue")()
    noisy = NoisyDevice(monitor, byte_error=0.02)
    sink = Collector()
    codec = IntelliVue()
    with PtyServer(noisy) as server:
        # short timings so the test sees many reopen windows: no sign of life for 1.5 s would reopen
        link = SerialLink(server.port, codec, sink, silent_after=0.5, reopen_after=1.5).start()
        try:
            sink.wait_for(lambda e: isinstance(e, LinkState) and e.state == "connected")
            deadline = time.monotonic() + 12.0
            time.sleep(max(0.0, deadline - time.monotonic()))  # ~8 reopen windows
        finally:
            link.stop()
    assert noisy.bytes_flipped > 0.01 * noisy.bytes_sent  # the line really was noisy
    damaged = codec.stats.frames_damaged
    assert damaged >= 30 and damaged > 2 * codec.stats.frames_ok  # most frames arrived damaged ...
    assert link.reopens == 0 and states(sink, "reconnecting") == []  # ... and the port stayed open
    assert len(states(sink, "connected")) >= 1
    silent = states(sink, "silent")
    assert all("damaged" in e.detail and "port stays open" in e.detail for e in silent)
    assert monitor.requests.count("associate") <= 2  # the session was not set up again and again


def test_a_silent_intellivue_behind_the_same_noisy_line_is_reopened():
    monitor = simulator_class("intellivue")()
    model = Switchable(NoisyDevice(monitor, byte_error=0.02))
    sink = Collector()
    with PtyServer(model) as server:
        link = SerialLink(server.port, IntelliVue(), sink, silent_after=0.5, reopen_after=1.5).start()
        try:
            sink.wait_for(lambda e: isinstance(e, LinkState) and e.state == "connected")
            time.sleep(1.0)
            model.quiet.set()  # the monitor sends nothing at all
            mark = sink.mark()
            event = sink.wait_for(lambda e: isinstance(e, LinkState) and e.state == "reconnecting", since=mark)
            assert "no sign of the device" in event.detail
            model.quiet.clear()
            mark = sink.mark()
            sink.wait_for(lambda e: isinstance(e, LinkState) and e.state == "connected", since=mark)
        finally:
            link.stop()
    assert link.reopens >= 1
    assert monitor.requests.count("associate") >= 2  # associated again on the reopened port


def test_link_watch_counts_damaged_frames_as_a_sign_of_life_but_not_as_data():
    codec = IntelliVue()
    watch = LinkWatch(codec, silent_after=5.0, reopen_after=15.0, now=0.0)
    good = w.frame(b"\xe1\x00\x00\x02" + b"\x00" * 8)
    damaged = bytearray(good)
    damaged[-3] ^= 0x01  # an FCS byte: header and length still right
    events = []
    for second in range(1, 60):
        codec.feed(bytes(damaged), float(second))
        events.append(watch.observe(float(second)))
    assert codec.stats.frames_damaged == 59 and codec.stats.frames_ok == 0
    assert events.count("silent") == 1 and "reopen" not in events  # silent (no values), never reopened
    assert watch.damaged_frames() == 59
    assert [watch.observe(59.0 + s) for s in (10.0, 14.0, 15.0)] == [None, None, "reopen"]  # then nothing: reopen


def test_the_timings_come_from_resources():
    timings = link_timings()
    assert timings.silent_after == 5.0 and timings.reopen_after == 15.0
    link = SerialLink("loop://", IntelliVue(), lambda e: None)
    assert (link.silent_after, link.reopen_after) == (5.0, 15.0)
    assert SerialLink("loop://", IntelliVue(), lambda e: None, silent_after=1.0).reopen_after == 3.0
