"""A Masimo oximeter that prints ASCII 1 lines once a second, following a clinical scenario.

Scenarios: `normal` (SpO2 96–99, pulse ~72 with breathing variation), `desaturation` (normal, then a
slow fall to ~84 % over a minute, a minute low, then recovery: what respiratory depression looks like),
`noisy` (normal values with line noise, broken lines and garbage between them, as a bad cable gives),
`dropout` (normal, then the sensor comes off for 20 s: dashes and the sensor-off exception).

What the device prints is averaged, as on a real one: the scenario gives the patient's value each second,
and each line carries the mean of the last `averaging_s` seconds, rounded to the precision the line
prints (SpO2 and pulse rate whole numbers, PI two decimals). Source: Radical-7 / Rad-97 operator's
manuals, "Additional Settings for SpO2": Averaging Time, "the length of time over which the system
calculates the average of all data points", factory default 8 seconds, choices 2-4, 4-6, 8, 10, 12, 14
or 16 s; "Additional Settings for PI": Averaging Time, default Long (Short or Long; the manual gives no
seconds). The manuals give pulse rate no averaging setting of its own. So the default comes from
resources/devices/masimo_ascii.toml ([simulator] averaging_s = 8) and this model applies it to all
three values (an assumption for PR and PI). Averaging does not make PI steady: with two decimals, a PI
that drifts by 0.05 per second still prints a new value nearly every line (see docs/benchmarks.md).
`averaging_s=1` prints each second's value unaveraged (no real device setting: a worst case for a
reader that needs a value twice). Sensor off (dashes) empties the average: it starts again when the
sensor is back.
"""
from __future__ import annotations

import math
import random
import time
from collections import deque

from device_drivers.simulators.base import DeviceModel

_PERIOD = 120.0  # seconds of one scenario cycle


class MasimoSimulator(DeviceModel):
    driver = "masimo-ascii"
    scenarios = ("normal", "desaturation", "noisy", "dropout")

    def __init__(self, scenario: str = "normal", start: float = 0.0, seed: int = 7,
                 serial_number: str = "0000123456", averaging_s: float | None = None) -> None:
        super().__init__(scenario, start)
        if averaging_s is None:
            import resources
            averaging_s = resources.load("devices/masimo_ascii.toml").section("simulator").number("averaging_s")
        self.averaging_s = float(averaging_s)
        #: the patient's (SpO2, pulse, PI) of the last seconds, newest last: what the average is taken over
        self._history: deque[tuple[float, float, float, float]] = deque()
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
            self._history.clear()
            return None, None, None, 0x0010, 0x000800 | 0x000020
        spo2, pr, pi = self._averaged(now, spo2, pr, pi)
        spo2 = self.override.get("spo2", spo2)
        pr = self.override.get("pr", pr)
        pi = self.override.get("pi", pi)
        return spo2, pr, pi, alarm, exc

    def _averaged(self, now: float, spo2: float, pr: float, pi: float) -> tuple[float, float, float]:
        """The mean of this second's values and those of the last `averaging_s` seconds before it."""
        history = self._history
        history.append((now, spo2, pr, pi))
        while history and history[0][0] <= now - self.averaging_s:
            history.popleft()
        n = len(history)
        return (sum(h[1] for h in history) / n, sum(h[2] for h in history) / n, sum(h[3] for h in history) / n)

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
