"""A bedside for alarm tests: an engine, an in-memory record of what it wrote, and a fake clock.

(A plain module, not conftest.py: tests import its helpers by name, and tests/conftest.py is another module
called conftest.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from console.alarms.engine import AlarmEngine
from device_drivers.events import DeviceAlarm, DeviceStatus, LinkState, Measurement

T0 = 1_780_000_000.0


@dataclass
class Clinician:
    name: str
    role: str


class Records:
    """Stands in for AuditLog.append: keeps (kind, payload, actor) in order."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict, str | None]] = []

    def __call__(self, kind: str, payload: dict, actor: str | None) -> None:
        self.rows.append((kind, payload, actor))

    def kinds(self) -> list[str]:
        return [k for k, _, _ in self.rows]

    def of(self, kind: str) -> list[tuple[dict, str | None]]:
        return [(p, a) for k, p, a in self.rows if k == kind]


@dataclass
class Bedside:
    engine: AlarmEngine
    records: Records
    now: float = T0
    pump_commands: list = field(default_factory=list)

    def advance(self, seconds: float, step: float = 1.0, **vitals: float) -> None:
        """Let time pass in steps, the monitor sending `vitals` (metric=value) now and at every step, ticking
        the engine: `advance(10, spo2=86)` is SpO2 86 held for 10 s."""
        end = self.now + seconds
        for metric, value in vitals.items():
            self.measure(metric, value)
        while self.now < end - 1e-9:
            self.now = min(end, self.now + step)
            for metric, value in vitals.items():
                self.measure(metric, value)
            self.engine.tick(self.now)

    def measure(self, metric: str, value: float, device: str = "monitor") -> None:
        self.engine.on_event(Measurement(self.now, device, metric, value, ""), self.now)

    def status(self, condition: str, active: bool, device: str = "monitor", text: str = "") -> None:
        self.engine.on_event(DeviceStatus(self.now, device, condition, text or condition, active), self.now)

    def device_alarm(self, code: str, priority: str, active: bool, device: str = "monitor", text: str = "") -> None:
        self.engine.on_event(DeviceAlarm(self.now, device, code, text or code, priority, active), self.now)

    def link(self, state: str, device: str = "monitor", detail: str = "") -> None:
        self.engine.on_event(LinkState(self.now, device, state, "/dev/pts/9", detail), self.now)

    def keys(self) -> list[str]:
        return [a.key for a in self.engine.alarms()]

    def alarm(self, key: str):
        found = [a for a in self.engine.alarms() if a.key == key]
        assert found, f"no alarm {key} on the bar; the bar has {self.keys()}"
        return found[0]


@pytest.fixture
def bedside() -> Bedside:
    records = Records()
    commands: list = []
    engine = AlarmEngine(record=records, pump_intent=lambda cmd, why: commands.append((cmd, why)))
    return Bedside(engine, records, pump_commands=commands)
