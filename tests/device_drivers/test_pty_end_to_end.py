"""Simulator → real pty → transport → codec → measurements, including a port that vanishes and returns."""
from __future__ import annotations

import queue
import time

import pytest

from device_drivers.events import LinkState, Measurement
from device_drivers.masimo_ascii import MasimoAscii
from device_drivers.pty_server import PtyServer
from device_drivers.simulators.masimo import MasimoSimulator
from device_drivers.transport import SerialLink


def wait_for(events: queue.Queue, predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(event)
        if predicate(event):
            return event, seen
    raise AssertionError(f"timed out; saw: {[type(e).__name__ + ':' + getattr(e, 'state', getattr(e, 'metric', '')) for e in seen]}")


@pytest.fixture
def oximeter(tmp_path):
    server = PtyServer(MasimoSimulator("normal", start=time.time()), link_path=str(tmp_path / "ttyOXI")).start()
    yield server
    server.stop()


def test_values_flow_from_the_simulator_through_a_real_pty(oximeter):
    events: queue.Queue = queue.Queue()
    link = SerialLink(oximeter.port, MasimoAscii("oximeter"), events.put).start()
    try:
        spo2, _ = wait_for(events, lambda e: isinstance(e, Measurement) and e.metric == "spo2")
        assert 90 <= spo2.value <= 100 and spo2.unit == "%" and spo2.device == "oximeter"
        wait_for(events, lambda e: isinstance(e, Measurement) and e.metric == "pr")
    finally:
        link.stop()
    assert link.state == "closed"


def test_a_port_that_vanishes_and_returns_recovers_without_restart(oximeter):
    events: queue.Queue = queue.Queue()
    link = SerialLink(oximeter.port, MasimoAscii("oximeter"), events.put).start()
    try:
        wait_for(events, lambda e: isinstance(e, Measurement))
        oximeter.vanish()  # the USB adapter is pulled out
        lost, _ = wait_for(events, lambda e: isinstance(e, LinkState) and e.state == "reconnecting")
        assert "lost" in lost.detail or "cannot open" in lost.detail
        time.sleep(1.0)
        oximeter.restore()  # ... and plugged back in: a new pty behind the same name
        wait_for(events, lambda e: isinstance(e, LinkState) and e.state == "connected", timeout=15)
        value, _ = wait_for(events, lambda e: isinstance(e, Measurement), timeout=10)
        assert value.metric in ("spo2", "pr", "pi")
        assert link.reconnects >= 1
    finally:
        link.stop()


def test_garbage_only_is_reported_as_silence_with_a_hint(tmp_path):
    class Garbage(MasimoSimulator):
        def tick(self, now):
            return bytes(range(128, 160)) if now >= self.next_line else b""
    server = PtyServer(Garbage("normal", start=time.time())).start()
    events: queue.Queue = queue.Queue()
    link = SerialLink(server.port, MasimoAscii(), events.put, silent_after=1.0).start()
    try:
        silent, _ = wait_for(events, lambda e: isinstance(e, LinkState) and e.state == "silent")
        assert "no valid frame" in silent.detail and "wrong baud rate" in silent.detail
    finally:
        link.stop()
        server.stop()


def test_a_silent_device_is_reported_then_recovers_when_lines_resume(oximeter):
    events: queue.Queue = queue.Queue()
    link = SerialLink(oximeter.port, MasimoAscii(), events.put, silent_after=1.5, reopen_after=60).start()
    try:
        wait_for(events, lambda e: isinstance(e, Measurement))
        oximeter.model.interval = 3600.0  # the device stops talking
        oximeter.model.next_line = time.time() + 3600
        silent, _ = wait_for(events, lambda e: isinstance(e, LinkState) and e.state == "silent")
        assert "no bytes" in silent.detail
        oximeter.model.interval = 1.0
        oximeter.model.next_line = time.time()
        back, _ = wait_for(events, lambda e: isinstance(e, LinkState) and e.state == "connected")
        assert back.detail == "valid data again"
    finally:
        link.stop()
