"""The manual pump: no link, the nurse keys in what she programmed on the clinic's own pump.

Most clinical infusion pumps publish no serial protocol. In manual mode the console still keeps the
infusion clock, the volume infused and the records: it integrates the rates the nurse entered over the
time the pump was running, stops counting at the volume to be infused (VTBI, where the real pump stops
or drops to KVO), and emits the same `rate`, `volume_infused` and `state` measurements as a connected
pump, so the rest of the program treats it as a pump it can read but not control.

It is a `Codec` only so that it sits in the driver registry beside the others; it has no port
(`needs_link = False`) and ignores bytes. Every figure it reports is what the nurse entered or what
follows from it arithmetically; it knows nothing the pump did not tell the nurse.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import resources
from device_drivers.codec import Codec, LinkSettings
from device_drivers.events import DeviceEvent, DeviceStatus, Measurement
from device_drivers.pump import PUMP_STATES, STATE_UNIT, PumpControl


@dataclass(frozen=True)
class Entry:
    """One thing the nurse keyed in, with the time it took effect."""
    t: float
    what: str      # "rate" | "vtbi" | "start" | "stop"
    value: float | None = None
    by: str | None = None   # who keyed it in


@dataclass(frozen=True)
class EntryLimits:
    """What a pump can be programmed to (resources/devices/manual_pump.toml): beyond it, a typing error."""
    rate_max_ml_per_h: float
    rate_step_ml_per_h: float
    vtbi_max_ml: float


@lru_cache(maxsize=1)
def entry_limits() -> EntryLimits:
    doc = resources.load("devices/manual_pump.toml").section("entry")
    return EntryLimits(doc.number("rate_max_ml_per_h", min=1, max=10000),
                       doc.number("rate_step_ml_per_h", min=0.001, max=10),
                       doc.number("vtbi_max_ml", min=1, max=100000))


class ManualPump(Codec):
    name = "manual"
    title = "Manual pump (nurse enters rate and volume; no connection)"
    role = "pump"
    link = LinkSettings()
    metrics = ("rate", "volume_infused", "state")
    control = PumpControl.MANUAL
    needs_link = False
    report_every = 1.0

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        self.entries: list[Entry] = []
        self.rate = 0.0
        self.vtbi: float | None = None
        self.running = False
        self._since: float | None = None   # start of the current running stretch
        self._done = 0.0                   # mL infused in finished stretches
        self._last_report = float("-inf")
        self._vtbi_reported = False

    # ---- what the nurse enters --------------------------------------------------------------------
    def enter_rate(self, ml_per_h: float, now: float, by: str | None = None) -> list[DeviceEvent]:
        top = entry_limits().rate_max_ml_per_h
        if not (isinstance(ml_per_h, (int, float)) and math.isfinite(ml_per_h) and 0 <= ml_per_h <= top):
            raise ValueError(f"rate {ml_per_h} mL/h is not a pump rate (0 to {top:g} mL/h)")
        self._close_stretch(now)
        self.rate = float(ml_per_h)
        self.entries.append(Entry(now, "rate", self.rate, by))
        return self._report(now, force=True)

    def enter_vtbi(self, ml: float | None, now: float, by: str | None = None) -> list[DeviceEvent]:
        top = entry_limits().vtbi_max_ml
        if ml is not None and not (isinstance(ml, (int, float)) and math.isfinite(ml) and 0 < ml <= top):
            raise ValueError(f"the volume to be infused must be more than 0 and at most {top:g} mL (or none)")
        self._close_stretch(now)
        self.vtbi = None if ml is None else float(ml)
        self._vtbi_reported = False
        self.entries.append(Entry(now, "vtbi", self.vtbi, by))
        return self._report(now, force=True)

    def start(self, now: float, by: str | None = None) -> list[DeviceEvent]:
        if not self.running:
            self.running = True
            self._since = now
            self.entries.append(Entry(now, "start", by=by))
        return self._report(now, force=True)

    def stop(self, now: float, by: str | None = None) -> list[DeviceEvent]:
        self._close_stretch(now)
        if self.running:
            self.running = False
            self.entries.append(Entry(now, "stop", by=by))
        return self._report(now, force=True)

    # ---- arithmetic ------------------------------------------------------------------------------
    def _close_stretch(self, now: float) -> None:
        if self.running and self._since is not None:
            self._done = self._capped(self._done + self.rate * max(0.0, now - self._since) / 3600.0)
            self._since = now

    def _capped(self, ml: float) -> float:
        return min(ml, self.vtbi) if self.vtbi is not None else ml

    def volume_infused(self, now: float) -> float:
        if self.running and self._since is not None:
            return self._capped(self._done + self.rate * max(0.0, now - self._since) / 3600.0)
        return self._done

    def vtbi_reached(self, now: float) -> bool:
        return self.vtbi is not None and self.volume_infused(now) >= self.vtbi - 1e-9

    def state(self, now: float) -> str:
        return "infusing" if self.running and not self.vtbi_reached(now) else "stopped"

    # ---- codec interface ------------------------------------------------------------------------
    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        self.stats.note_bytes(data)
        self.stats.garbage_bytes += len(data)
        return []

    def poll(self, now: float) -> list[DeviceEvent]:
        return self._report(now)

    def _report(self, now: float, force: bool = False) -> list[DeviceEvent]:
        if not force and now - self._last_report < self.report_every:
            return []
        self._last_report = now
        state = self.state(now)
        events: list[DeviceEvent] = [
            Measurement(now, self.device, "rate", self.rate if state == "infusing" else 0.0, "mL/h"),
            Measurement(now, self.device, "volume_infused", round(self.volume_infused(now), 3), "mL"),
            Measurement(now, self.device, "state", float(PUMP_STATES[state]), STATE_UNIT),
        ]
        if self.running and self.vtbi_reached(now) and not self._vtbi_reported:
            self._vtbi_reported = True
            events.append(DeviceStatus(now, self.device, "vtbi_reached",
                                       "Volume to be infused reached: check the pump has stopped", True, False))
        return events
