"""A Nonin oximeter (OEM III module) streaming data format 7 or 8, for the demo and tests.

It answers the format-select command `02 70 02 02 <fmt> 03` with ACK (06) and switches format, as the
module does, so `detect` and a host that configures the module both work against it.
"""
from __future__ import annotations

import math

from device_drivers.simulators.base import DeviceModel

ACK, NAK = b"\x06", b"\x15"


def vitals_at(scenario: str, elapsed: float) -> tuple[int | None, int | None, bool]:
    """(pulse rate, SpO2, sensor connected) for a scenario, `elapsed` seconds in."""
    hr = 72 + round(4 * math.sin(elapsed / 20))
    spo2 = 97 + (1 if int(elapsed / 7) % 3 == 0 else 0)
    if scenario == "desaturation" and elapsed > 20:
        dip = min(1.0, (elapsed - 20) / 30)
        spo2 = round(97 - 11 * dip)
        hr = 72 + round(18 * dip)
    if scenario == "sensor_off" and 15 < elapsed % 60 < 30:
        return None, None, False
    return hr, spo2, True


class NoninSimulator(DeviceModel):
    """Streams DF7 (75 frames/s) or DF8 (1/s) depending on `fmt`."""

    driver = "nonin-df7"
    scenarios = ("normal", "desaturation", "sensor_off")
    fmt = 7

    def __init__(self, scenario: str = "normal", start: float = 0.0) -> None:
        super().__init__(scenario, start)
        self._next: float | None = None
        self._frame_index = 0
        self._rx = bytearray()

    def receive(self, data: bytes, now: float) -> bytes:
        self._rx.extend(data)
        out = b""
        while len(self._rx) >= 6:
            start = self._rx.find(b"\x02\x70")
            if start < 0:
                self._rx.clear()
                break
            del self._rx[:start]
            if len(self._rx) < 6:
                break
            cmd = bytes(self._rx[:6])
            del self._rx[:6]
            if cmd[2:4] == b"\x02\x02" and cmd[5] == 0x03 and cmd[4] in (2, 7, 8):
                self.fmt = cmd[4]
                self._frame_index = 0
                out += ACK
            else:
                out += NAK
        return out

    def tick(self, now: float) -> bytes:
        if not self.start:
            self.start = now
        if self._next is None:
            self._next = now
        out = bytearray()
        period = 1 / 75 if self.fmt != 8 else 1.0
        # after a long pause (a stopped process) send no backlog older than a second
        if now - self._next > 1.0:
            self._next = now - 1.0
        while self._next <= now:
            out += self.df8(self._next) if self.fmt == 8 else self.df7_frame(self._next)
            self._next += period
        return bytes(out)

    def df8(self, t: float) -> bytes:
        hr, spo2, on = vitals_at(self.scenario, t - self.start)
        status = 0x80
        if not on:
            status |= 0x40
            hr, spo2 = 511, 127
        status |= (hr >> 7) & 0x03
        return bytes([status, hr & 0x7F, spo2 & 0x7F, 0x00])

    def df7_frame(self, t: float) -> bytes:
        i = self._frame_index
        self._frame_index = (i + 1) % 25
        hr, spo2, on = vitals_at(self.scenario, t - self.start)
        if not on:
            hr, spo2 = 511, 127
        status = 0x80 | (0x01 if i == 0 else 0) | (0x02 if on else 0) | (0x40 if not on else 0)
        data = {0: (hr >> 7) & 0x03, 1: hr & 0x7F, 2: spo2 & 0x7F, 3: 0x35, 8: spo2 & 0x7F}.get(i, 0)
        phase = ((t - self.start) * (hr if on and hr < 400 else 60) / 60) % 1.0
        pleth = int(20000 + 15000 * math.exp(-((phase - 0.25) ** 2) / 0.01)) if on else 0
        b = [status, pleth >> 8, pleth & 0xFF, data]
        return bytes(b + [sum(b) & 0xFF])


class NoninDf8Simulator(NoninSimulator):
    driver = "nonin-df8"
    fmt = 8
