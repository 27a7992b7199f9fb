"""What the console may do with a pump: control it, only read it, or only take the nurse's word for it.

Clinical pumps in most clinics publish no serial protocol, so the program must never assume it can
command a pump. Every pump object answers `pump_control(obj)`; the session and the alarm interlock ask
it before offering "start"/"stop" buttons or an automatic stop, and fall back to telling the nurse.

Controllable pumps also verify every change they send by reading the pump back: the result is a
`PumpCommandResult` event (ok or not) and, on a mismatch or a refusal, a high-priority `DeviceAlarm`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from device_drivers.events import iso_time


class PumpControl(str, enum.Enum):
    CONTROLLABLE = "controllable"  # the console can set rate/volume and start/stop, and reads it back
    READ_ONLY = "read_only"        # the console reads rate/volume/state but never commands
    MANUAL = "manual"              # no link: the nurse keys in what she programmed on the pump


#: Values of the `state` Measurement of a pump (unit "state"): a number so it records like any metric.
PUMP_STATES: dict[str, int] = {
    "stopped": 0, "infusing": 1, "paused": 2, "alarm": 3, "withdrawing": 4, "waiting": 5, "purging": 6,
}
PUMP_STATE_NAMES = {v: k for k, v in PUMP_STATES.items()}
STATE_UNIT = "state"


def pump_control(obj: Any) -> PumpControl:
    """The control level of a pump codec/object (or its class). Anything that does not say is read-only."""
    value = getattr(obj, "control", None)
    return value if isinstance(value, PumpControl) else PumpControl.READ_ONLY


@dataclass(frozen=True, slots=True)
class PumpCommandResult:
    """Outcome of one change sent to a controllable pump, after reading it back.

    `requested` is what the console asked for, `readback` what the pump then reported ('' if it did not
    answer); `ok` only when the pump accepted the command and the read-back matches.
    """

    t: float
    device: str
    command: str      # "set_rate" | "set_vtbi" | "set_diameter" | "start" | "stop"
    requested: str
    readback: str
    ok: bool
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"t": iso_time(self.t), "device": self.device, "event": "pump_command", "command": self.command,
                "requested": self.requested, "readback": self.readback, "ok": self.ok, "detail": self.detail}


@runtime_checkable
class ControllablePump(Protocol):
    """Commands a controllable pump accepts. They are queued (safe from any thread) and carried out by the
    codec's own poll cycle; each produces a PumpCommandResult when read back."""

    def set_rate(self, ml_per_h: float) -> None: ...
    def set_vtbi(self, ml: float) -> None: ...
    def set_diameter(self, mm: float) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
