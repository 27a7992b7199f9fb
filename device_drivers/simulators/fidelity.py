"""Does a driver report what the device sent, all of it and nothing else, on a clean and a noisy line?

Each driver's simulator runs against its codec in-process (seeded, simulated time). Every reading the
device puts on the line is recorded from the simulator's own state (not by decoding its bytes), with the
time it was sent and whether the bytes that carry it arrived unaltered. The device's output then goes
through a noisy line:

- `byte_error`: the share of bytes that get one bit flipped (0.01 = 1 %), each independently;
- `bursts`: bursts of 1–12 random bytes per second of line time, at random (Poisson) times, each put
  before the next device message (a cable moved, a ground loop): noise that adds bytes.

Two figures come out, per driver:

- **share reported**: of the *good* readings (their bytes arrived intact), how many the codec reported,
  with the same value, within `window` seconds after they were sent. A decoder that needs a reading
  twice (no checksum) may report it a second late and still count;
- **false values**: reported values that the device did not send for that metric in the `window`
  seconds before (or at) the time stamp of the report. Must be 0.

Host-to-device bytes are not corrupted (the reported values are what this measures; a lost request
only costs a reading, which the share counts).
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Callable

from device_drivers.events import Measurement

T0 = 1_800_000_000.0
WINDOW = 2.5  # s: a reading confirmed by the next one (1 s later) is reported within this


@dataclass
class Reading:
    t: float
    metric: str
    value: float
    intact: bool


@dataclass
class Fidelity:
    driver: str
    readings: list[Reading] = field(default_factory=list)
    reported: list[Measurement] = field(default_factory=list)
    #: how many times the host asked the device for a session (IntelliVue association requests)
    associations: int = 0

    def _sent(self) -> dict[str, list[tuple[float, float]]]:
        out: dict[str, list[tuple[float, float]]] = {}
        for r in self.readings:
            out.setdefault(r.metric, []).append((r.t, r.value))
        return out

    @property
    def good(self) -> int:
        return sum(r.intact for r in self.readings)

    @property
    def share(self) -> float:
        """Share of intact readings reported with their value within WINDOW s after they were sent."""
        by_metric: dict[str, list[tuple[float, float]]] = {}
        for m in self.reported:
            by_metric.setdefault(m.metric, []).append((m.t, m.value))
        hit = 0
        for r in self.readings:
            if r.intact and any(r.t - 1e-9 <= t <= r.t + WINDOW and _same(v, r.value)
                                for t, v in by_metric.get(r.metric, ())):
                hit += 1
        return hit / self.good if self.good else 1.0

    @property
    def false_values(self) -> list[Measurement]:
        sent = self._sent()
        return [m for m in self.reported
                if not any(m.t - WINDOW <= t <= m.t + 1e-9 and _same(m.value, v) for t, v in sent.get(m.metric, ()))]


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


class NoisyLine:
    """Flips one bit in a share of bytes and puts bursts of random bytes on the line (seeded)."""

    def __init__(self, seed: int, byte_error: float, bursts: float) -> None:
        self.rng, self.byte_error, self.bursts = random.Random(seed), byte_error, bursts
        self.next_burst = T0 + (self.rng.expovariate(bursts) if bursts else math.inf)
        #: positions in the last message whose byte was altered
        self.flipped: list[int] = []

    def __call__(self, message: bytes, now: float = 0.0) -> tuple[bytes, bool]:
        """(what arrives, whether `message` itself arrived unaltered); `flipped` says where it did not."""
        rng = self.rng
        out = bytearray(message)
        self.flipped = []
        if self.byte_error:
            for i in range(len(out)):
                if rng.random() < self.byte_error:
                    out[i] ^= 1 << rng.randrange(8)
                    self.flipped.append(i)
        intact = not self.flipped
        if now >= self.next_burst:
            out[:0] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 13)))
            self.next_burst = now + rng.expovariate(self.bursts)
        return bytes(out), intact


# ---- devices that talk unasked --------------------------------------------------------------------

def _nonin(fmt: int, seconds: float, line: NoisyLine) -> Fidelity:
    from device_drivers.nonin import NoninDf7, NoninDf8
    from device_drivers.simulators.nonin import NoninDf8Simulator, NoninSimulator, vitals_at
    sim = NoninDf8Simulator(start=T0) if fmt == 8 else NoninSimulator(start=T0)
    codec = NoninDf8() if fmt == 8 else NoninDf7()
    result = Fidelity(codec.name)
    pending: list[bytes] = []
    df7_ok: dict[int, bool] = {}

    def truth(t: float) -> tuple[int | None, int | None]:
        hr, spo2, on = vitals_at(sim.scenario, t - sim.start)
        return (hr, spo2) if on else (None, None)

    if fmt == 8:
        make = sim.df8

        def df8(t: float) -> bytes:
            clean = make(t)
            noisy, intact = line(clean, t)
            hr, spo2 = truth(t)
            for metric, value in (("pr", hr), ("spo2", spo2)):
                if value is not None:
                    result.readings.append(Reading(t, metric, float(value), intact))
            pending.append(noisy)
            return clean
        sim.df8 = df8  # type: ignore[method-assign]
    else:
        make7 = sim.df7_frame

        def df7(t: float) -> bytes:
            index = sim._frame_index
            clean = make7(t)
            noisy, intact = line(clean, t)
            df7_ok[index] = intact
            hr, spo2 = truth(t)
            if index == 1 and hr is not None:
                result.readings.append(Reading(t, "pr", float(hr), df7_ok.get(0, False) and intact))
            if index == 2 and spo2 is not None:
                result.readings.append(Reading(t, "spo2", float(spo2), intact))
            pending.append(noisy)
            return clean
        sim.df7_frame = df7  # type: ignore[method-assign]
    step = 0.05
    codec.connected(T0)
    t = T0
    while t < T0 + seconds:
        sim.tick(t)
        if pending:
            data = b"".join(pending)
            pending.clear()
            cut = line.rng.randrange(len(data) + 1)  # a read boundary anywhere
            result.reported += [e for e in codec.feed(data[:cut], t) + codec.feed(data[cut:], t)
                                if isinstance(e, Measurement)]
        t += step
    return result


_MASIMO_FIELD = {"spo2": re.compile(rb"SPO2=(\d+)%"), "pr": re.compile(rb"BPM=(\d+) "),
                 "pi": re.compile(rb"PI=(\d+\.\d+)%")}


def _confirmed_precision(codec, metric: str, text: bytes) -> float:
    """What the device sent, at the decimals the codec confirms it at (PI: the text cut after 1 decimal,
    resources/devices/masimo_ascii.toml [consistency.confirm_decimals]); the other metrics as printed."""
    decimals = codec._confirm_decimals.get(metric)
    if decimals is not None and b"." in text:
        point = text.index(b".")
        text = text[: point + 1 + decimals] if decimals else text[:point]
    return float(text)


def _masimo(seconds: float, line: NoisyLine, averaging_s: float | None = None,
            every_line: str | None = None) -> Fidelity:
    """A reading is carried by its `KEY=value` field and the spaces around it: intact when none of
    those bytes was altered (the codec confirms field by field). `averaging_s` sets the simulated
    device's averaging time (None: its default); `every_line` names a metric forced to a new value on
    every line (the worst case for a reader that needs a value twice)."""
    from device_drivers.masimo_ascii import MasimoAscii
    from device_drivers.simulators.masimo import MasimoSimulator
    sim = MasimoSimulator("normal", start=T0, seed=line.rng.randrange(1000), averaging_s=averaging_s)
    codec = MasimoAscii()
    result = Fidelity(codec.name)
    make = sim.line
    pending: list[bytes] = []
    count = 0

    def one_line(now: float) -> bytes:
        nonlocal count
        if every_line:  # 70, 71, ... 79, 70, ...: never the same twice running
            count += 1
            sim.override[every_line] = {"spo2": 90.0, "pr": 70.0, "pi": 2.0}[every_line] \
                + (count % 10) * (0.1 if every_line == "pi" else 1)  # PI: new at the decimal it is confirmed at
        clean = make(now)
        noisy, _ = line(clean, now)
        for metric, pattern in _MASIMO_FIELD.items():  # the simulator's own formatting, read back
            m = pattern.search(clean)
            if m and float(m.group(1)) != 0:
                a, b = m.start() - 1, m.end() + (metric != "pr")  # BPM's pattern ends with its space
                intact = not any(a <= i < b for i in line.flipped)
                result.readings.append(Reading(now, metric, _confirmed_precision(codec, metric, m.group(1)), intact))
        pending.append(noisy)
        return clean
    sim.line = one_line  # type: ignore[method-assign]
    codec.connected(T0)
    t = T0
    while t < T0 + seconds:
        sim.tick(t)
        for data in pending:
            cut = line.rng.randrange(len(data) + 1)
            result.reported += [e for e in codec.feed(data[:cut], t) + codec.feed(data[cut:], t)
                                if isinstance(e, Measurement)]
        pending.clear()
        t += 0.25
    return result


def per_metric(result: Fidelity) -> dict[str, tuple[int, int]]:
    """metric -> (good readings reported, good readings), as `Fidelity.share` counts them."""
    by_metric: dict[str, list[tuple[float, float]]] = {}
    for m in result.reported:
        by_metric.setdefault(m.metric, []).append((m.t, m.value))
    out: dict[str, tuple[int, int]] = {}
    for r in result.readings:
        if r.intact:
            hit, good = out.get(r.metric, (0, 0))
            hit += any(r.t - 1e-9 <= t <= r.t + WINDOW and _same(v, r.value) for t, v in by_metric.get(r.metric, ()))
            out[r.metric] = (hit, good + 1)
    return out


def measure_masimo(seconds: float, byte_error: float = 0.0, bursts: float = 0.0, seed: int = 1,
                   averaging_s: float | None = None, every_line: str | None = None) -> Fidelity:
    """`measure("masimo-ascii", ...)` with the simulated device's averaging time set, or one metric
    changed on every line (see _masimo)."""
    return _masimo(seconds, NoisyLine(seed, byte_error, bursts), averaging_s, every_line)


# ---- devices that answer requests -----------------------------------------------------------------

def _conversation(codec, sim, seconds: float, line: NoisyLine, step: float,
                  truth: Callable[[bytes, bytes, float], list[tuple[str, float, tuple[int, int]]]],
                  script: Callable[[object, float], None] | None = None) -> Fidelity:
    """`truth(request, reply, t)` gives the readings in the device's reply, each with the span of reply
    bytes that carries it: a reading is intact when no byte of its span was altered."""
    result = Fidelity(codec.name)
    codec.connected(T0)
    t = T0
    while t < T0 + seconds:
        if script is not None:
            script(sim, t)
        codec.poll(t)
        out = codec.take_output()
        while out:
            clean = sim.receive(out, t)
            noisy, _ = line(clean, t)
            result.readings += [Reading(t, m, v, not any(a <= i < b for i in line.flipped))
                                for m, v, (a, b) in truth(out, clean, t)]
            result.reported += [e for e in codec.feed(noisy, t) if isinstance(e, Measurement)]
            out = codec.take_output()
        tick = sim.tick(t)
        if tick:
            result.reported += [e for e in codec.feed(line(tick, t)[0], t) if isinstance(e, Measurement)]
        t += step
    return result


def _ne1000(safe: bool, seconds: float, line: NoisyLine) -> Fidelity:
    from device_drivers.ne1000 import Ne1000, Ne1000Safe
    from device_drivers.pump import PUMP_STATES
    from device_drivers.simulators.ne1000 import Ne1000Simulator
    from resources import load
    prompts = {k: load("devices/ne1000.toml").section("prompts").text(k)
               for k in load("devices/ne1000.toml").section("prompts").keys()}
    sim = Ne1000Simulator(start=T0, safe=safe)
    codec = Ne1000Safe() if safe else Ne1000()

    def split(data: bytes, replies: bool) -> list[str]:
        """Requests or replies one by one (the host may send two requests in one write)."""
        out, i = [], 0
        while i < len(data):
            if safe:
                end = i + data[i + 1] + 1 if i + 1 < len(data) else len(data)
                out.append(data[i + 2:end - 3].decode("latin-1"))
            elif replies:
                end = data.find(b"\x03", i) + 1 or len(data)
                out.append(data[i + 1:end - 1].decode("latin-1"))
            else:
                end = data.find(b"\r", i) + 1 or len(data)
                out.append(data[i:end - 1].decode("latin-1"))
            i = end
        return out

    def truth(request: bytes, reply: bytes, t: float) -> list[tuple[str, float, tuple[int, int]]]:
        """Readings of the reply; a reply to two requests counts as one span (both must be intact)."""
        readings: list[tuple[str, float]] = []
        for req, text in zip(split(request, False), split(reply, True)):
            if len(text) < 3 or req not in ("DIS", "RAT"):
                continue
            status, data = text[2], text[3:]
            if status == "A":
                readings += [("state", float(PUMP_STATES["alarm"]))] if req == "DIS" else []
                continue
            state = float(PUMP_STATES[prompts[status]])
            if req == "DIS":
                m = re.fullmatch(r"I([\d.]+)W[\d.]+ML", data)
                readings += [("state", state)] + ([("volume_infused", float(m.group(1)))] if m else [])
            else:
                m = re.fullmatch(r"([\d.]+)MH", data)
                readings += [("rate", float(m.group(1)) if status == "I" else 0.0)] if m else []
        return [(metric, value, (0, len(reply))) for metric, value in readings]

    def script(pump, t: float) -> None:
        """A stopped pump with 0.000 mL for 20 s (the case #14 measured), then infusions at changing
        rates with pauses: 12 mL/h, paused, 30 mL/h."""
        elapsed = t - T0
        phase = "S" if elapsed < 20 else "I" if elapsed % 120 < 90 else "P"
        rate = 12.0 if elapsed % 240 < 120 else 30.0
        if pump.prompt != phase or pump.rate != rate:
            pump._advance(t)
            pump.rate, pump.prompt = rate, phase
    return _conversation(codec, sim, seconds, line, 0.05, truth, script)


def _intellivue(seconds: float, line: NoisyLine) -> Fidelity:
    """The readings are the values the monitor put in its numerics replies (the vitals it computed for
    that reply, not those its wave or alarm replies used), each carried by the bytes of its own reply
    frame: a numerics frame that arrives intact is a good reading even when the alarms reply sent with
    it was damaged."""
    from device_drivers.intellivue import IntelliVue
    from device_drivers.simulators.intellivue import IntelliVueSimulator
    sim = IntelliVueSimulator(start=T0)
    replies: list[tuple[bytes, dict | None]] = []  # what each host message was answered with, in order
    numerics: list[dict] = []
    vitals, numeric_objects, message = sim.vitals, sim._numeric_objects, sim._message

    def recording_numerics(now: float) -> list:
        numerics.append(vitals(now))  # vitals() is a function of time: the values this reply carries
        return numeric_objects(now)

    def recording_message(user: bytes, now: float) -> bytes:
        numerics.clear()
        out = message(user, now)
        replies.append((out, numerics[-1] if numerics else None))
        return out
    sim._numeric_objects = recording_numerics  # type: ignore[method-assign]
    sim._message = recording_message  # type: ignore[method-assign]

    def truth(request: bytes, reply: bytes, t: float) -> list[tuple[str, float, tuple[int, int]]]:
        out: list[tuple[str, float, tuple[int, int]]] = []
        assert b"".join(r for r, _ in replies) == reply, "a reply the harness did not see being built"
        at = 0
        for data, v in replies:
            span = (at, at + len(data))
            at += len(data)
            if v is None:
                continue
            for metric in ("hr", "spo2", "pr", "rr", "etco2", "temp"):
                if v.get(metric) is not None:
                    out.append((metric, float(v[metric]), span))
            if v.get("nibp"):
                out += [(m, float(x), span) for m, x in zip(("nibp_sys", "nibp_dia", "nibp_mean"), v["nibp"])]
        replies.clear()
        return out
    result = _conversation(IntelliVue(), sim, seconds, line, 0.05, truth)
    result.associations = sim.requests.count("associate")
    return result


DRIVERS: dict[str, Callable[[float, NoisyLine], Fidelity]] = {
    "intellivue": _intellivue,
    "nonin-df7": lambda s, line: _nonin(7, s, line),
    "nonin-df8": lambda s, line: _nonin(8, s, line),
    "masimo-ascii": _masimo,
    "ne1000": lambda s, line: _ne1000(False, s, line),
    "ne1000-safe": lambda s, line: _ne1000(True, s, line),
}


def measure(driver: str, seconds: float, byte_error: float = 0.0, bursts: float = 0.0,
            seed: int = 1) -> Fidelity:
    """Run `driver`'s simulator for `seconds` of simulated time through a (noisy) line."""
    return DRIVERS[driver](seconds, NoisyLine(seed, byte_error, bursts))
