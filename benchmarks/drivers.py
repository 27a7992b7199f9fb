"""Driver figures: decoder throughput as a multiple of each line's rate, and the IntelliVue poll cycle.

Throughput is measured in CPU time of this process (time.process_time), so that other programs on a
shared machine do not distort the decoder's own cost. Each simulator's own byte stream (minutes of device output, recorded in-process) is fed to a
fresh codec in 256-byte chunks, best of 3 runs; bytes decoded per second divided by what the line can
carry (baud / 10 bytes per second for 8N1). The goal is at least 1000x: decoding must never be the
reason a console falls behind its devices.

Poll cycle: the IntelliVue simulator on a real pty, the real SerialLink and codec; the time from queuing
a numerics poll request to decoding its reply, per cycle (p50/p99), with polls every 0.25 s.
"""
from __future__ import annotations

import queue
import time

from benchmarks.stats import percentiles_ms
from device_drivers.events import Measurement
from device_drivers.intellivue import IntelliVue
from device_drivers.masimo_ascii import MasimoAscii
from device_drivers.ne1000 import Ne1000
from device_drivers.nonin import NoninDf7, NoninDf8
from device_drivers.pty_server import PtyServer
from device_drivers.simulators.intellivue import IntelliVueSimulator
from device_drivers.simulators.masimo import MasimoSimulator
from device_drivers.simulators.ne1000 import Ne1000Simulator
from device_drivers.simulators.nonin import NoninDf8Simulator, NoninSimulator
from device_drivers.transport import SerialLink

T0 = 1_800_000_000.0
CHUNK = 256


def _streamed(model, seconds: float, step: float) -> bytes:
    out = bytearray()
    t = T0
    while t < T0 + seconds:
        out += model.tick(t)
        t += step
    return bytes(out)


class _TimedCodec:
    """Wraps a codec so that only the time spent in feed() is counted (the device model is not timed)."""

    def __init__(self, codec) -> None:
        self.codec, self.seconds, self.bytes, self.events = codec, 0.0, 0, 0

    def feed(self, data: bytes, now: float):
        start = time.process_time()
        events = self.codec.feed(data, now)
        self.seconds += time.process_time() - start
        self.bytes += len(data)
        self.events += len(events)
        return events


def _conversation(codec, model, seconds: float, step: float) -> _TimedCodec:
    """Run host codec and device model together, timing the codec's decoding of what the device sent."""
    timed = _TimedCodec(codec)
    t = T0
    codec.connected(t)
    while t < T0 + seconds:
        codec.poll(t)
        out = codec.take_output()
        while out:
            timed.feed(model.receive(out, t), t)
            out = codec.take_output()
        tick = model.tick(t)
        if tick:
            timed.feed(tick, t)
        t += step
    return timed


def streams() -> dict[str, tuple[type, bytes]]:
    """Devices that talk unasked: their recorded output, replayed into a fresh codec."""
    return {
        "masimo-ascii": (MasimoAscii, _streamed(MasimoSimulator("noisy", start=T0), 3600, 0.5)),
        "nonin-df7": (NoninDf7, _streamed(NoninSimulator(start=T0), 300, 0.05)),
        "nonin-df8": (NoninDf8, _streamed(NoninDf8Simulator(start=T0), 7200, 0.5)),
    }


def conversations() -> dict[str, tuple[type, _TimedCodec]]:
    """Devices that answer requests: decoded during a live (in-process) session, best of 3."""
    out = {}
    for name, cls, make, seconds, step in (
            ("intellivue", IntelliVue, lambda: IntelliVueSimulator(start=T0), 120, 0.05),
            ("ne1000", Ne1000, lambda: Ne1000Simulator(start=T0), 600, 0.1)):
        runs = [_conversation(cls(), make(), seconds, step) for _ in range(3)]
        out[name] = (cls, max(runs, key=lambda r: r.bytes / r.seconds))
    return out


def throughput(cls, data: bytes, runs: int = 3) -> tuple[float, int]:
    """Best bytes/s over `runs` decodes of `data`, and how many events one decode gave."""
    best, events = 0.0, 0
    for _ in range(runs):
        codec = cls()
        codec.connected(T0)
        codec.take_output()
        count = 0
        start = time.process_time()
        for i in range(0, len(data), CHUNK):
            # one read every 10 ms of line time: keeps time-based framing (DF8 pauses) as on a real line
            count += len(codec.feed(data[i:i + CHUNK], T0 + i / 100.0 if cls is not NoninDf8 else T0 + i / 4))
        elapsed = time.process_time() - start
        best = max(best, len(data) / elapsed)
        events = count
    return best, events


def poll_latency(cycles: int = 40, interval: float = 0.25) -> list[float]:
    codec = IntelliVue()
    codec.poll_interval = interval
    latencies: list[float] = []
    events: queue.Queue = queue.Queue()
    with PtyServer(IntelliVueSimulator(start=time.time())) as server:
        link = SerialLink(server.port, codec, events.put).start()
        try:
            deadline = time.monotonic() + cycles * interval + 15
            last = None
            while len(latencies) < cycles and time.monotonic() < deadline:
                try:
                    event = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                if isinstance(event, Measurement) and event.metric == "hr":
                    latency = codec.last_latency.get("numerics")
                    if latency is not None and latency is not last:
                        latencies.append(latency)
                        last = latency
        finally:
            link.stop()
    return latencies


def main() -> None:
    print(f"{'driver':<14}{'bytes':>10}{'events':>8}{'decoded/s':>14}{'line/s':>9}{'x line rate':>13}")
    rows = []
    for name, (cls, data) in streams().items():
        rate, events = throughput(cls, data)
        rows.append((name, cls, len(data), events, rate))
    for name, (cls, timed) in conversations().items():
        rows.append((name, cls, timed.bytes, timed.events, timed.bytes / timed.seconds))
    for name, cls, size, events, rate in rows:
        line = cls.link.baudrate / 10
        print(f"{name:<14}{size:>10}{events:>8}{rate:>12.0f} B{line:>9.0f}{rate / line:>12.0f}x")
    lat = poll_latency()
    print(f"IntelliVue numerics poll, request -> decoded values through a pty: {percentiles_ms(lat)}")


if __name__ == "__main__":
    main()
