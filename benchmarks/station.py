"""Central station: 12 and 50 simulated beds at 1 Hz with alarms, over a real Mosquitto on loopback.

The beds run in a separate process (as they would on separate machines): per bed a Masimo ASCII 1 line
is written into a pty's master side once a second (staggered across beds), read by the real SerialLink
thread, decoded by the real codec and handed to the bed's real StationPublisher, which publishes through
paho to Mosquitto. Every 10 s each bed's alarm list changes (an alarm starts or ends; QoS 1, retained).
The pulse rate carries a sequence number so each value is found again at the station.

Figures: byte written to the bed's pty -> that value set on the station window's tile (p50/p99; the
repaint that follows is not included); the station process's CPU per bed (getrusage over 30 s, as % of one
core); and after the broker is killed and restarted, the seconds until the station sees every bed online
again (the beds' reconnect backoff starts at 1 s, doubles, and is capped at 10 s; resources/station.toml).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.stats import percentiles_ms

MEASURE_S = 30


def beds_process(port: int, n: int, log_path: str, seconds: float) -> None:
    """(in the child process) n beds, each a pty + SerialLink + codec + publisher."""
    import threading
    from types import SimpleNamespace

    from console.station.publisher import StationPublisher
    from console.station.settings import BrokerSettings, load_timing
    from device_drivers import registry
    from device_drivers.pty_server import PtyServer
    from device_drivers.simulators.masimo import MasimoSimulator
    from device_drivers.transport import SerialLink

    class Silent(MasimoSimulator):
        def tick(self, now):
            return b""

    beds = []
    for i in range(n):
        model = Silent("normal")
        server = PtyServer(model).start()
        pub = StationPublisher(BrokerSettings("127.0.0.1", port, f"bench-{i + 1:02d}", "", "", "", "bed_only", False),
                               load_timing())
        link = SerialLink(server.port, registry.codec_class("masimo-ascii")("oximeter"),
                          lambda e, p=pub: p.measurement(e) if hasattr(e, "metric") else None)
        pub.session({"phase": "infusion", "patient": None, "infusion_left_s": 1800.0, "observation_left_s": None})
        pub.links({"oximeter": {"state": "connected", "detail": "bench"}})
        pub.start()
        link.start()
        beds.append((model, server, pub, link))
    log = open(log_path, "w")
    lock = threading.Lock()
    time.sleep(2.0)
    start = time.time()
    seq = 0
    tick = 0
    while time.time() - start < seconds:
        second = time.time()
        for i, (model, server, pub, link) in enumerate(beds):
            target = second + i / n  # staggered across the second, as independent beds would be
            delay = target - time.time()
            if delay > 0:
                time.sleep(delay)
            seq = seq % 150 + 1
            model.override = {"spo2": 96.0, "pr": 40.0 + seq, "pi": 3.5}
            data = model.line(time.time())
            t = time.time()
            server.write(data)
            with lock:
                log.write(json.dumps([pub.settings.bed, 40 + seq, t]) + "\n")
            if (tick + i) % 10 == 0:
                on = (tick // 10 + i) % 2 == 0
                alarm = SimpleNamespace(id=tick, priority="medium", text="SpO2 below limit", kind="physiological",
                                        parameter="spo2", started=t, condition_active=True, acknowledged_by=None,
                                        audible=lambda now: True)
                pub.alarms([alarm] if on else [], {"spo2": "medium"} if on else {})
        tick += 1
        log.flush()
        rest = second + 1 - time.time()
        if rest > 0:
            time.sleep(rest)
    log.close()
    for model, server, pub, link in beds:
        link.stop()
        pub.stop()
        server.stop()


def run(n: int) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from console.station.broker import LoopbackBroker
    from console.station.window import StationClient, StationWindow

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="bedside-station-bench-"))
    broker = LoopbackBroker(tmp).start()
    log_path = tmp / "writes.jsonl"
    window = StationWindow(StationClient("127.0.0.1", broker.port, station="bench"), with_sound=False)
    window.resize(1920, 1080)
    window.show()
    shown: dict[tuple[str, int], list[float]] = {}
    last_pr: dict[str, int] = {}
    original = window.on_message

    def on_message(topic, payload, received):
        original(topic, payload, received)
        if topic.endswith("/numerics"):
            bed = topic.split("/")[3]
            v = window.model.beds.get(bed)
            if v is not None and "pr" in v.values and bed in window.tiles:
                pr = int(v.values["pr"]["value"])
                if last_pr.get(bed) != pr:  # a new value on the tile (the 1 Hz repeats are not)
                    last_pr[bed] = pr
                    shown.setdefault((bed, pr), []).append(time.time())
    window.client.message.disconnect(original)
    window.client.message.connect(on_message)
    total = MEASURE_S + 45
    child = subprocess.Popen([sys.executable, "-c", f"from benchmarks.station import beds_process; "
                              f"beds_process({broker.port}, {n}, {str(log_path)!r}, {total})"],
                             cwd=Path(__file__).resolve().parents[1])

    def wait(predicate, timeout):
        """Qt's own event loop, as the station runs it (polling processEvents would cost CPU of its own)."""
        loop = QEventLoop()
        check = QTimer()
        check.timeout.connect(lambda: loop.quit() if predicate() else None)
        check.start(100)
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        if not predicate():
            loop.exec()
        check.stop()
        return predicate()

    def all_online():
        beds = window.model.beds
        return len(beds) == n and all(b.offline_since is None and b.values for b in beds.values())

    try:
        ok = wait(all_online, 60)
        wait(lambda: False, 3)  # settle
        shown.clear()
        measure_from = time.time()
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        wait(lambda: False, MEASURE_S)
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        measure_to = time.time()
        cpu = (usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime) / (measure_to - measure_from)
        latencies = []
        for line in log_path.read_text().splitlines():
            bed, pr, t = json.loads(line)
            if measure_from + 1 <= t <= measure_to - 1:
                # a sequence value repeats every 150 writes across beds; take the first shown after the write
                s = next((s for s in shown.get((bed, pr), []) if 0 <= s - t < 5), None)
                if s is not None:
                    latencies.append(s - t)
        expected = sum(1 for line in log_path.read_text().splitlines()
                       if measure_from + 1 <= json.loads(line)[2] <= measure_to - 1)
        broker.stop()
        wait(lambda: any(b.offline_since is not None for b in window.model.beds.values()), 10)
        time.sleep(2)
        restarted = time.time()
        broker.start()
        back = wait(all_online, 40)
        back_s = time.time() - restarted if back else None
    finally:
        child.terminate()
        child.wait(20)
        window.shutdown()
        window.close()
        broker.stop()
    return {"n": n, "online": ok, "latencies": latencies, "expected": expected, "cpu": cpu, "back_s": back_s}


def main() -> None:
    for n in (12, 50):
        r = run(n)
        if not r["latencies"]:
            print(f"{n} beds: no values measured (beds online: {r['online']})")
            continue
        print(f"{n} beds at 1 Hz: byte on the bed's pty -> value on the station's tile: {percentiles_ms(r['latencies'])}"
              f" ({len(r['latencies'])} of {r['expected']} writes matched)")
        print(f"{n} beds: station CPU {r['cpu'] * 100:.1f} % of one core = {r['cpu'] * 100 / n:.2f} % per bed "
              f"({r['cpu'] * 100 * 12 / n:.1f} % per 12 beds)")
        back = "not all back within 40 s" if r["back_s"] is None else f"{r['back_s']:.1f} s"
        print(f"{n} beds: broker killed, restarted after 2 s -> every bed online at the station again: {back}")


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
