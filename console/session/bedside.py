"""What the session core knows of the bed right now: the active alarms, the latest device values, and
whether the respiratory interlock holds the pump.

The session rules must see the patient (no start over a desaturation alarm, no sign-off at SpO2 85 %), but
console/session stays free of Qt and of the alarm engine: the composition root hands the session a
provider that returns this plain snapshot, and a test builds one from a real alarm engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable


@dataclass(frozen=True)
class ActiveAlarm:
    """One alarm on the bar, as the rules need it: what kind, how urgent, on which value, in words."""

    key: str
    kind: str  # physiological / technical / device
    priority: str  # high / medium / low
    text: str
    parameter: str | None = None
    #: False when the condition has cleared and the alarm is only still listed because it latched.
    condition_active: bool = True

    @classmethod
    def of(cls, alarm: Any) -> "ActiveAlarm":
        """From the alarm engine's Alarm (or anything with the same attributes)."""
        return cls(str(alarm.key), str(alarm.kind), str(alarm.priority), str(alarm.text),
                   getattr(alarm, "parameter", None), bool(getattr(alarm, "condition_active", True)))


@dataclass(frozen=True)
class BedsideSnapshot:
    alarms: tuple[ActiveAlarm, ...] = ()
    #: metric -> (time received, value), the latest of each (design.md metric names).
    vitals: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: True while the respiratory interlock holds the pump stopped (until a physician releases it).
    interlock_holds: bool = False

    @classmethod
    def of(cls, alarms: Iterable[Any], vitals: dict[str, tuple[float, float]],
           interlock_holds: bool = False) -> "BedsideSnapshot":
        return cls(tuple(a if isinstance(a, ActiveAlarm) else ActiveAlarm.of(a) for a in alarms), dict(vitals),
                   bool(interlock_holds))

    def live(self, metric: str, now: float, fresh_s: float | None) -> float | None:
        """The metric's latest value if it is younger than its freshness limit, else None."""
        entry = self.vitals.get(metric)
        if entry is None or fresh_s is None or now - entry[0] > fresh_s:
            return None
        return float(entry[1])


def no_devices() -> BedsideSnapshot:
    """The snapshot of a session with nothing connected (tools, and tests of the pure workflow)."""
    return BedsideSnapshot()
