"""Detect names the driver a port speaks; the diagnosis says in words why a port is silent."""
from __future__ import annotations

import pytest

from device_drivers.codec import CodecStats, LinkSettings
from device_drivers.detect import detect, diagnose
from device_drivers.pty_server import PtyServer
from device_drivers.registry import simulator_class


@pytest.mark.parametrize("simulated, others, seconds", [
    ("nonin-df8", ["nonin-df7", "masimo-ascii"], 2.5),   # 1 frame/s: needs two frames to sync
    ("intellivue", ["nonin-df7", "ne1000"], 1.0)])
def test_detect_names_the_driver_of_a_simulated_device(simulated, others, seconds):
    with PtyServer(simulator_class(simulated)()) as server:
        results = detect(server.port, seconds=seconds, drivers=[simulated] + others)
    assert results[0].driver == simulated and results[0].decodes
    assert not any(r.decodes for r in results[1:])


def test_detect_reports_a_port_that_cannot_be_opened():
    results = detect("/dev/does-not-exist", seconds=0.2, drivers=["nonin-df8"])
    assert results[0].error and not results[0].decodes


def stats(bytes_in=0, ok=0, bad=0):
    s = CodecStats()
    s.bytes_in, s.frames_ok, s.frames_bad = bytes_in, ok, bad
    return s


def test_diagnosis_in_plain_words():
    link = LinkSettings(9600)
    assert diagnose(stats(), 5, 0, "Nonin", link).startswith("No bytes at all")
    text = diagnose(stats(bytes_in=480), 5, 0, "Nonin", link)
    assert "bytes arrive" in text.lower() and "wrong baud rate or wrong driver" in text
    assert "damaged" in diagnose(stats(900, 10, 5), 5, 3, "Nonin", link)
    assert "no values" in diagnose(stats(900, 10, 0), 5, 0, "Nonin", link)
    assert diagnose(stats(900, 10, 0), 5, 20, "Nonin", link).startswith("Working")


def test_diagnosis_tells_a_noisy_cable_from_wrong_settings():
    from device_drivers import intellivue_wire as w
    from device_drivers.intellivue import IntelliVue
    codec = IntelliVue()
    frame = bytearray(w.frame(b"\xe1\x00\x00\x02" + b"\x00" * 8))
    frame[-3] ^= 0x01  # the checksum spoiled on the line: header and length still right
    for n in range(6):
        codec.feed(bytes(frame), float(n))
    assert codec.stats.frames_damaged == 6 and codec.stats.to_json()["frames_damaged"] == 6
    text = diagnose(codec.stats, 5, 0, codec.title, codec.link)
    assert "arrived damaged" in text and "check the cable" in text and "baud" not in text
    some_intact = stats(900, 10, 8)
    some_intact.frames_damaged = 6
    assert "6 of them sent by the device and damaged on the line" in diagnose(some_intact, 5, 3, "IntelliVue",
                                                                              codec.link)
