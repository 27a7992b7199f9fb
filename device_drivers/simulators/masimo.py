"""A Masimo oximeter that prints ASCII 1 lines once a second, following a clinical scenario.

Scenarios: `normal` (SpO2 96–99, pulse ~72 with breathing variation), `desaturation` (normal, then a
slow fall to ~84 % over a minute, a minute low, then recovery: what respiratory depression looks like),
`noisy` (normal values with line noise, broken lines and garbage between them, as a bad cable gives),
`dropout` (normal, then the sensor comes off for 20 s: dashes and the sensor-off exception).
"""
from __future__ import annotations

import math
import random
import time

from device_drivers.simulators.base import DeviceModel

_PERIOD = 120.0  # seconds of one scenario cycle


class MasimoSimulator(DeviceModel):
    driver = "masimo-ascii"
    scenarios = ("normal", "desaturation", "noisy", "dropout")

    def __init__(self, scenario: str = "normal", start: float = 0.0, seed: int = 7,
                 serial_number: str = "0000123456") -> None:
        super().__init__(scenario, start)
        self.rng = random.Random(seed)
        self.serial_number = serial_number
        self.next_line = start
        self.interval = 1.0
        #: Set by tests and the benchmark to force the next lines' values.
        self.override: dict[str, float | None] = {}

    def values(self, now: float) -> tuple[float | None, float | None, float | None, int, int]:
        """SpO2, pulse, PI, ALARM word, EXC word at `now` for this scenario."""
        t = (now - self.start) % _PERIOD
        spo2 = 97.5 + 1.2 * math.sin(now / 17.0) + self.rng.uniform(-0.6, 0.6)
        pr = 72 + 4 * math.sin(now / 5.0) + self.rng.uniform(-1.5, 1.5)
        pi = 3.5 + 0.6 * math.sin(now / 11.0)
        alarm, exc = 0x0000, 0x000800
        if self.scenario == "desaturation" and t >= 30:
            depth = min(1.0, (t - 30) / 40) if t < 100 else max(0.0, 1 - (t - 100) / 15)
            spo2 -= 13.5 * depth
            pr -= 10 * depth
            if spo2 < 90:
                alarm |= 0x0002 | 0x0010
        if self.scenario == "dropout" and 60 <= t < 80:
            return None, None, None, 0x0010, 0x000800 | 0x000020
        spo2 = self.override.get("spo2", spo2)
        pr = self.override.get("pr", pr)
        pi = self.override.get("pi", pi)
        return spo2, pr, pi, alarm, exc

    def line(self, now: float) -> bytes:
        spo2, pr, pi, alarm, exc = self.values(now)
        stamp = time.strftime("%m/%d/%y %H:%M:%S", time.localtime(now))
        spo2_s = "---" if spo2 is None else f"{round(spo2):03d}"
        pr_s = "---" if pr is None else f"{round(pr):03d}"
        pi_s = "--.--" if pi is None else f"{pi:05.2f}"
        return (f"{stamp} SN={self.serial_number} SPO2={spo2_s}% BPM={pr_s} PI={pi_s}% SPCO=--.-% "
                f"SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM={alarm:04X} EXC={exc:06X}\r\n").encode()

    def tick(self, now: float) -> bytes:
        out = bytearray()
        if now - self.next_line > 5 * self.interval:  # first tick, or the host clock jumped: no backlog
            self.next_line = now
        while now >= self.next_line:
            line = self.line(self.next_line)
            if self.scenario == "noisy":
                line = self._spoil(line)
            out += line
            self.next_line += self.interval
        return bytes(out)

    def _spoil(self, line: bytes) -> bytes:
        roll = self.rng.random()
        if roll < 0.15:  # a burst of noise before the line
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(3, 40))) + b"\r\n" + line
        if roll < 0.25:  # a flipped byte inside the line
            i = self.rng.randrange(18, len(line) - 2)
            return line[:i] + bytes([self.rng.randrange(0x80, 0x100)]) + line[i + 1:]
        if roll < 0.32:  # a line cut short
            return line[: self.rng.randrange(10, len(line) - 10)] + b"\r\n"
        return line
