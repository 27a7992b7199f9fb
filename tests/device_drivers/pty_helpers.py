"""Helpers for end-to-end tests: a simulator on a real pty, the real SerialLink, and a device that can go quiet."""
from __future__ import annotations

import threading
import time

from device_drivers.simulators.base import DeviceModel


class Switchable(DeviceModel):
    """Wraps a simulator; while `quiet` is set the device neither answers nor sends (a frozen device)."""

    def __init__(self, inner: DeviceModel) -> None:
        self.inner = inner
        self.driver = inner.driver
        self.scenario = inner.scenario
        self.start = inner.start
        self.quiet = threading.Event()

    def receive(self, data: bytes, now: float) -> bytes:
        if self.quiet.is_set():
            return b""
        return self.inner.receive(data, now)

    def tick(self, now: float) -> bytes:
        out = self.inner.tick(now)
        return b"" if self.quiet.is_set() else out


class Collector:
    """Thread-safe event sink with a wait-for-condition helper (a timeout fails the test, not a speed check)."""

    def __init__(self) -> None:
        self.events: list = []
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        with self._lock:
            self.events.append(event)

    def since(self, index: int) -> list:
        with self._lock:
            return list(self.events[index:])

    def mark(self) -> int:
        with self._lock:
            return len(self.events)

    def wait_for(self, predicate, since: int = 0, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.since(since):
                if predicate(event):
                    return event
            time.sleep(0.02)
        raise AssertionError(f"no matching event within {timeout:g} s; last events: {self.since(since)[-8:]}")


class NoisyDevice(DeviceModel):
    """Wraps a simulator; every byte it sends has `byte_error` chance of one flipped bit (seeded), as on a
    noisy cable. What the host sends arrives intact (as in the line fidelity harness)."""

    def __init__(self, inner: DeviceModel, byte_error: float, seed: int = 14) -> None:
        from device_drivers.simulators.fidelity import NoisyLine
        self.inner = inner
        self.driver = inner.driver
        self.scenario = inner.scenario
        self.start = inner.start
        self.line = NoisyLine(seed, byte_error, 0.0)
        self.bytes_sent = 0
        self.bytes_flipped = 0

    def _noisy(self, data: bytes) -> bytes:
        if not data:
            return data
        out, _intact = self.line(data)
        self.bytes_sent += len(data)
        self.bytes_flipped += len(self.line.flipped)
        return out

    def receive(self, data: bytes, now: float) -> bytes:
        return self._noisy(self.inner.receive(data, now))

    def tick(self, now: float) -> bytes:
        return self._noisy(self.inner.tick(now))
