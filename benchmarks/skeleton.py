"""The walking skeleton's path: Masimo decoder throughput, and pty → GUI-thread latency.

Throughput: a realistic stream (the simulator's lines, 10 % of them spoilt by noise) fed in 64-byte reads,
as the transport reads them; reported as bytes/s and as a multiple of what a 9600-baud 8N1 line can carry
(960 bytes/s). Latency: a line written into the pty's master side (time taken just before the write) until
the SpO2 `Measurement` arrives in a slot on the GUI thread through the real SerialLink and DeviceHub.
"""
from __future__ import annotations

import time

from benchmarks.stats import percentiles_ms
from device_drivers.masimo_ascii import MasimoAscii
from device_drivers.simulators.masimo import MasimoSimulator

LINE_RATE_9600 = 9600 / 10  # bytes/s: 8N1 is 10 bits a byte


def decoder_throughput(lines: int = 20000) -> None:
    sim = MasimoSimulator("noisy", start=0.0, seed=11)
    stream = b"".join(sim.tick(float(s)) for s in range(lines))
    chunks = [stream[i:i + 64] for i in range(0, len(stream), 64)]
    best = float("inf")
    for _ in range(3):
        codec = MasimoAscii()
        start = time.perf_counter()
        for chunk in chunks:
            codec.feed(chunk, 0.0)
        best = min(best, time.perf_counter() - start)
    rate = len(stream) / best
    print(f"masimo-ascii decoder: {len(stream)} bytes ({codec.stats.frames_ok} good lines, "
          f"{codec.stats.frames_bad} bad) in {best * 1000:.1f} ms = {rate / 1e6:.2f} MB/s "
          f"= {rate / LINE_RATE_9600:,.0f}x the 9600-baud line rate")


def pty_to_gui_latency(samples: int = 600, gap: float = 0.02) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.device_hub import DeviceHub
    from device_drivers.pty_server import PtyServer
    from device_drivers.transport import SerialLink

    class Quiet(MasimoSimulator):
        def tick(self, now):
            return b""

    app = QApplication.instance() or QApplication([])
    model = Quiet("normal")
    server = PtyServer(model).start()
    hub = DeviceHub()
    hub.add_link(SerialLink(server.port, MasimoAscii("oximeter"), hub.post))
    sent: list[float] = []
    arrived: list[float] = []
    line = model.line(time.time())

    def on_measurement(m) -> None:
        if m.metric == "spo2":
            arrived.append(time.perf_counter())

    hub.measurement.connect(on_measurement)
    hub.start()
    time.sleep(0.5)

    def send() -> None:
        if len(sent) >= samples:
            return
        sent.append(time.perf_counter())
        server.write(line)

    timer = QTimer()
    timer.timeout.connect(send)
    timer.start(int(gap * 1000))
    deadline = time.monotonic() + samples * gap * 3 + 10
    while len(arrived) < samples and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.0005)
    timer.stop()
    hub.stop()
    server.stop()
    n = min(len(sent), len(arrived))
    print(f"pty -> GUI thread latency (one line every {gap * 1000:.0f} ms): "
          f"{percentiles_ms([arrived[i] - sent[i] for i in range(n)])}")
    if n < samples:
        print(f"  warning: {samples - n} lines did not arrive")


def main() -> None:
    decoder_throughput()
    pty_to_gui_latency()
