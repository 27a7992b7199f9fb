"""A headless simulated bed for `station --demo N` and the benchmark: real simulators on ptys, the real
drivers, alarm engine and publisher; no window. Its session is a story (phase and clocks), since nobody
signs in at a headless bed. Every bed says SIMULATED in its patient label."""
from __future__ import annotations

import os
import signal
import sys
import time

#: (scenario of the simulated patient, session phase, minutes left, seconds until the bed goes offline)
STORIES = (
    ("desaturation", "infusion", 32, None),
    ("normal", "observation", 48, None),
    ("normal", "infusion", 21, 45),
    ("noisy", "infusion", 37, None),
    ("normal", "checklist", None, None),
    ("dropout", "infusion", 12, None),
)


def story_session(index: int, started: float):
    scenario, phase, left_min, _ = STORIES[index % len(STORIES)]
    initials = "ABCDEFGHJKLMNPRSTVW"

    def body(now: float) -> dict:
        left = None if left_min is None else max(0.0, left_min * 60 - (now - started))
        return {"phase": phase, "patient": f"{initials[index % 19]}{initials[(index * 7 + 3) % 19]} · SIM-{101 + index}",
                "infusion_left_s": left if phase == "infusion" else None,
                "observation_left_s": left if phase == "observation" else None}
    return body


def run_bed(port: int, bed: str, index: int, seconds: float | None = None, story: bool = True) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer

    from console.app import build_console, demo_devices
    from console.alarm_wiring import install_alarms
    from console.station.bed_link import install_station
    from console.station.settings import BrokerSettings

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    scenario, _, _, offline_after = STORIES[index % len(STORIES)] if story else ("normal", None, None, None)
    devices, sims = demo_devices(scenario)
    console = build_console(None, devices, demo=True, simulators=sims, with_window=False, with_sound=False)
    console.alarms = install_alarms(console, with_sound=False)
    settings = BrokerSettings(host="127.0.0.1", port=port, bed=bed, username="", password_file="", ca_file="",
                              patient_display="initials_mrn", allow_station_acknowledge=True)
    console.station = install_station(console, settings=settings, session_body=story_session(index, time.time()))
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    ticker = QTimer()
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    if offline_after:  # the story of a bed whose network goes: no goodbye, the broker's last will speaks
        QTimer.singleShot(int(offline_after * 1000), lambda: os._exit(0))
    if seconds:
        QTimer.singleShot(int(seconds * 1000), app.quit)
    try:
        app.exec()
    finally:
        console.stop()
    return 0
