"""The console's SpO2 low alarm starts exactly its configured delay after the first low sample, with a
monitor and an oximeter both on real pseudo-terminals (issue 10 item 10).

What was wrong: the engine kept one latest value per metric, so with the monitor reading 85 % and the
finger oximeter still 93 %, each source's sample replaced the other's and the condition was cleared and
re-asserted every second: the 10 s delay restarted at each oximeter line, and the console's alarm came
only once the oximeter had also been below 90 for 10 s (34 s after the monitor's own alarm in the demo).
"""
from __future__ import annotations

import threading
import time

import pytest

from console.alarms.alarm_config import load_defaults
from console.app import DeviceSpec, build_console
from device_drivers.pty_server import PtyServer
from device_drivers.simulators.intellivue import IntelliVueSimulator
from device_drivers.simulators.masimo import MasimoSimulator

CONFIG = load_defaults()
LIMIT = CONFIG.parameters["spo2"].low.default
DELAY = CONFIG.parameters["spo2"].low.delay  # from resources/alarm_defaults.toml, not restated here


class Monitor(IntelliVueSimulator):
    """An IntelliVue whose SpO2 the test sets; it notes when it first sends a value below the limit (its
    own desaturation alarm goes with it, as in the `desaturation` scenario)."""

    def __init__(self) -> None:
        super().__init__("desaturation")
        self.spo2 = 97.0
        self.first_low_sent: float | None = None
        self.lock = threading.Lock()

    def vitals(self, now):
        v = super().vitals(now)
        v["spo2"] = self.spo2
        return v

    def _numeric_objects(self, now):
        with self.lock:
            if self.spo2 < LIMIT and self.first_low_sent is None:
                self.first_low_sent = time.time()
        return super()._numeric_objects(now)


@pytest.fixture
def bed(qtbot, tmp_path):
    monitor = Monitor()
    oximeter = MasimoSimulator("normal")
    oximeter.override = {"spo2": 93.0}  # the finger probe has not caught up: above the limit throughout
    servers = [PtyServer(monitor).start(), PtyServer(oximeter).start()]
    console = build_console(str(tmp_path / "data"),
                            [DeviceSpec("monitor", "intellivue", servers[0].port),
                             DeviceSpec("oximeter", "masimo-ascii", servers[1].port)],
                            demo=False, simulators=servers, with_sound=False)
    qtbot.addWidget(console.window)
    console.window.show()
    yield console, monitor
    console.stop()


def test_the_spo2_alarm_starts_its_configured_delay_after_the_first_low_sample(qtbot, bed):
    console, monitor = bed
    engine = console.alarms.engine
    chips = console.window.devices.chips
    qtbot.waitUntil(lambda: all(chips[r].property("state") == "connected" for r in ("monitor", "oximeter"))
                    and engine.latest("spo2") is not None, timeout=15000)
    qtbot.wait(2500)  # both sources are reporting SpO2 (monitor 97, oximeter 93)
    assert not console.audit.events(kinds=["alarm_start"]) or all(
        e.payload["key"] != "limit:spo2:low" for e in console.audit.events(kinds=["alarm_start"]))
    monitor.spo2 = 85.0

    def started():
        return [e for e in console.audit.events(kinds=["alarm_start"]) if e.payload["key"] == "limit:spo2:low"]

    qtbot.waitUntil(lambda: bool(started()), timeout=int((DELAY + 8) * 1000))
    alarm = started()[0].payload
    waited = alarm["t"] - monitor.first_low_sent
    assert abs(waited - DELAY) <= 1.5, f"alarm {waited:.2f} s after the first low sample; configured {DELAY} s"
    assert alarm["value"] == 85 and alarm["device"] == "monitor"
    rows = console.alarms.bar.rows
    qtbot.waitUntil(lambda: any(r.isVisible() and r.alarm is not None and r.alarm.key == "limit:spo2:low"
                                for r in rows), timeout=3000)
