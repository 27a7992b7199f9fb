"""Typed events that codecs and the transport hand to the rest of the program.

Times are wall-clock seconds since the epoch (UTC), passed in by the caller: a codec never reads a clock,
so tests can replay any byte stream at any time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Union


def iso_time(t: float) -> str:
    """ISO 8601 with offset and milliseconds, in local time, as nurses and exports read it."""
    return datetime.fromtimestamp(t, timezone.utc).astimezone().isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Measurement:
    """One numeric value from a device. `metric` and `unit` follow design.md's naming contract."""

    t: float
    device: str
    metric: str
    value: float
    unit: str

    def to_json(self) -> dict[str, Any]:
        value: float | int = int(self.value) if float(self.value).is_integer() else self.value
        return {"t": iso_time(self.t), "device": self.device, "metric": self.metric, "value": value,
                "unit": self.unit}


@dataclass(frozen=True, slots=True)
class Waveform:
    """A block of samples of one wave (pleth, ECG), for display. `samples` is a tuple of floats."""

    t: float
    device: str
    wave: str
    samples: tuple[float, ...]
    rate_hz: float

    def to_json(self) -> dict[str, Any]:
        return {"t": iso_time(self.t), "device": self.device, "event": "waveform", "wave": self.wave,
                "samples": len(self.samples), "rate_hz": self.rate_hz}


@dataclass(frozen=True, slots=True)
class DeviceAlarm:
    """An alarm the device itself raised or cleared (it has its own limits). One event per change."""

    t: float
    device: str
    code: str
    text: str
    priority: str  # "high" | "medium" | "low"
    active: bool

    def to_json(self) -> dict[str, Any]:
        return {"t": iso_time(self.t), "device": self.device, "event": "device_alarm", "code": self.code,
                "text": self.text, "priority": self.priority, "active": self.active}


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device condition that is not a value: sensor off, searching, low perfusion, pump stalled.

    `technical` marks a condition that means the measurement cannot be trusted or is missing (the alarm
    engine raises a technical alarm for it); informational states (e.g. "Masimo SET active") are not.
    """

    t: float
    device: str
    condition: str
    text: str
    active: bool
    technical: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"t": iso_time(self.t), "device": self.device, "event": "device_status",
                "condition": self.condition, "text": self.text, "active": self.active,
                "technical": self.technical}


LINK_STATES = ("connecting", "connected", "silent", "reconnecting", "closed")


@dataclass(frozen=True, slots=True)
class LinkState:
    """State of the serial link, from the transport. `detail` says why, in words a biomed can act on."""

    t: float
    device: str
    state: str
    port: str
    detail: str = ""
    retry_in: float | None = None

    def to_json(self) -> dict[str, Any]:
        d = {"t": iso_time(self.t), "device": self.device, "event": "link", "state": self.state,
             "port": self.port, "detail": self.detail}
        if self.retry_in is not None:
            d["retry_in"] = round(self.retry_in, 1)
        return d


DeviceEvent = Union[Measurement, Waveform, DeviceAlarm, DeviceStatus, LinkState]


def event_dict(event: DeviceEvent) -> dict[str, Any]:
    return asdict(event)
