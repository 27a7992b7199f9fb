"""Alarm latency: from the byte that carries a limit-crossing value to the alarm on the GUI thread.

The whole console path, for real: raw Masimo ASCII 1 lines are written into a pty's master side (the
time is taken just before the write of the line whose SpO2 is below the limit), read by the real
SerialLink thread, decoded, queued to the GUI thread by the DeviceHub, fed to the alarm engine by the Qt
adapter, recorded in the audit log on disk, and shown in the alarm bar of a real MainWindow (which is
also redrawing its tiles and trend, as in use). Two figures per crossing: until the engine raised the
alarm on the GUI thread, and until the alarm bar held its row.

The SpO2 delay is set to 0 for the run (the configured delay, 10 s by default, adds to these figures
exactly: the engine's tick resolves it to within one tick, 250 ms) and latching is off so each crossing
ends when the next normal line arrives. The next crossing is written only after the previous alarm has
ended, with a random 5-30 ms pause so the writes do not lock onto the GUI timers.
"""
from __future__ import annotations

import dataclasses
import random
import tempfile
import threading
import time

from benchmarks.stats import percentiles_ms

CROSSINGS = 250


def bench_config():
    from console.alarms.alarm_config import load_defaults
    config = load_defaults()
    spo2 = config.parameters["spo2"]
    params = dict(config.parameters)
    params["spo2"] = dataclasses.replace(spo2, low=dataclasses.replace(spo2.low, delay=0.0))
    return dataclasses.replace(config, parameters=params, latching_priorities=())


def run(crossings: int = CROSSINGS) -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.app import DeviceSpec, build_console
    from device_drivers.pty_server import PtyServer
    from device_drivers.simulators.masimo import MasimoSimulator

    class Silent(MasimoSimulator):
        """Writes only what the benchmark writes."""

        def tick(self, now):
            return b""

    app = QApplication.instance() or QApplication([])
    model = Silent("normal")
    server = PtyServer(model).start()
    data_dir = tempfile.mkdtemp(prefix="bedside-bench-")
    console = build_console(data_dir, [DeviceSpec("oximeter", "masimo-ascii", server.port)], demo=False,
                            simulators=[server], alarm_config=bench_config(), with_sound=False)
    alarms = console.alarms
    console.window.show()

    sent: list[float] = []
    raised: list[float] = []
    shown: list[float] = []
    started, ended = threading.Event(), threading.Event()
    done = threading.Event()

    def on_started(alarm) -> None:
        if alarm.key == "limit:spo2:low":
            raised.append(time.perf_counter())

    def on_changed(current) -> None:
        has = any(a.key == "limit:spo2:low" for a in current)
        if has and len(shown) < len(raised) and any(
                r.isVisible() and r.alarm is not None and r.alarm.key == "limit:spo2:low" for r in alarms.bar.rows):
            shown.append(time.perf_counter())
            started.set()
        if not has:
            ended.set()

    alarms.controller.alarm_started.connect(on_started)
    alarms.controller.alarms_changed.connect(on_changed)  # after the bar's own slot: the row is there

    def line(spo2: float) -> bytes:
        model.override = {"spo2": spo2, "pr": 72.0, "pi": 3.5}
        return model.line(time.time())

    def writer() -> None:
        rng = random.Random(5)
        time.sleep(1.0)  # the link opens and settles
        server.write(line(97))
        time.sleep(0.2)
        for _ in range(crossings):
            started.clear()
            low = line(84)
            sent.append(time.perf_counter())
            server.write(low)
            if not started.wait(5):
                break
            ended.clear()
            server.write(line(97))
            if not ended.wait(5):
                break
            time.sleep(rng.uniform(0.005, 0.03))
        done.set()

    thread = threading.Thread(target=writer, daemon=True)
    watcher = QTimer()
    watcher.timeout.connect(lambda: app.quit() if done.is_set() else None)
    watcher.start(50)
    thread.start()
    app.exec()
    watcher.stop()
    thread.join(5)
    alarms.stop()
    console.window.close()
    console.stop()
    n = min(len(sent), len(raised), len(shown))
    return {"n": n, "raised": [raised[i] - sent[i] for i in range(n)],
            "shown": [shown[i] - sent[i] for i in range(n)], "wanted": crossings}


def main() -> None:
    result = run()
    print(f"limit crossing written to the pty -> alarm raised by the engine on the GUI thread: "
          f"{percentiles_ms(result['raised'])}")
    print(f"limit crossing written to the pty -> alarm row in the alarm bar:                  "
          f"{percentiles_ms(result['shown'])}")
    print("  (SpO2 delay set to 0 for the run; with the default 10 s delay add 10 s and at most one 250 ms tick)")
    if result["n"] < result["wanted"]:
        print(f"  warning: only {result['n']} of {result['wanted']} crossings completed")


if __name__ == "__main__":
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
