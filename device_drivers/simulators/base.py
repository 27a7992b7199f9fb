"""The device side of a protocol, as a pure state machine; `PtyServer` (pty_server.py) gives it a port."""
from __future__ import annotations

import abc
from typing import ClassVar


class DeviceModel(abc.ABC):
    """A simulated device. Like a codec it never touches a port or a clock.

    `receive(data, now)` takes bytes the host sent and returns the device's replies; `tick(now)` is called
    at least every 50 ms and returns bytes the device sends on its own (a monitor's line each second).
    `scenario` picks a clinical story (normal, desaturation, ...); `scenarios` lists the ones it knows.
    """

    driver: ClassVar[str]
    scenarios: ClassVar[tuple[str, ...]] = ("normal",)

    def __init__(self, scenario: str = "normal", start: float = 0.0) -> None:
        if scenario not in self.scenarios:
            raise ValueError(f"unknown scenario {scenario!r}; choose one of: {', '.join(self.scenarios)}")
        self.scenario = scenario
        self.start = start

    def receive(self, data: bytes, now: float) -> bytes:
        return b""

    @abc.abstractmethod
    def tick(self, now: float) -> bytes:
        """Bytes the device sends by itself up to `now`."""
