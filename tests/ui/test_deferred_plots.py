"""The console's start: the window's first frame comes before the trend and the waves (pyqtgraph) exist; they
are built right after it, in their placeholders' places, with what arrived meanwhile (issue #14)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from console.metric_catalog import load_catalog
from console.ui.main_window import MainWindow
from device_drivers.events import Measurement, Waveform

ROOT = Path(__file__).resolve().parents[2]

#: a real demo console (simulators on ptys, its records on disk) in a fresh process, so that the modules
#: imported before the first frame are the console's own, not what other tests imported
_FRESH_CONSOLE = r"""
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from console.app import build_console, demo_devices

app = QApplication([])
devices, sims = demo_devices("normal")
console = build_console(sys.argv[1], devices, demo=True, simulators=sims, defer_plots=True)
window = console.window
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "first_paint" not in seen and obj.window() is window:
            seen["first_paint"] = {"pyqtgraph_imported": "pyqtgraph" in sys.modules,
                                   "numpy_imported": "numpy" in sys.modules,
                                   "plots_pending": window.plots_pending,
                                   "trend_class": type(window.trend).__name__}
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
window.plots_built.connect(lambda: seen.setdefault("built_at", time.monotonic()))
window.show()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    app.processEvents()
    trend = window.trend
    if (not window.plots_pending and trend.buffers["spo2"].count >= 2
            and len(window.waves.curves) >= 2 and trend.redraws >= 2):
        break
    time.sleep(0.02)
seen["after"] = {"trend_class": type(window.trend).__name__, "spo2_samples": window.trend.buffers["spo2"].count,
                 "waves": sorted(f"{d}:{w}" for d, w in window.waves.curves), "trend_visible": window.trend.isVisible(),
                 "trend_height": window.trend.height()}
print(json.dumps(seen), flush=True)
console.stop()
"""


def test_the_first_frame_is_painted_before_pyqtgraph_and_numpy_are_imported_then_the_plots_come_and_get_live_data(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    out = subprocess.run([sys.executable, "-c", _FRESH_CONSOLE, str(tmp_path / "data")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    # neither pyqtgraph nor numpy (the alarm tones are made in plain Python: tests/alarms/test_alarm_audio.py)
    assert seen["first_paint"] == {"pyqtgraph_imported": False, "numpy_imported": False, "plots_pending": True,
                                   "trend_class": "_PendingTrend"}
    assert "built_at" in seen
    after = seen["after"]
    assert after["trend_class"] == "TrendView" and after["trend_visible"] and after["trend_height"] >= 100
    assert after["spo2_samples"] >= 2  # the simulated oximeter's SpO2 reaches the trend built after the frame
    assert {"monitor:ecg", "monitor:pleth"} <= set(after["waves"])  # the IntelliVue's live waves


def test_what_arrives_before_the_plots_exist_is_handed_to_them_and_nothing_moves(qtbot):
    catalog = load_catalog()
    window = MainWindow(catalog, defer_plots=True)
    qtbot.addWidget(window)
    now = time.time()
    window.on_measurement(Measurement(now - 2, "oximeter", "spo2", 97.0, "%"))
    window.on_measurement(Measurement(now - 1, "oximeter", "spo2", 96.0, "%"))
    window.on_device_event(Waveform(now - 1, "oximeter", "pleth", tuple(float(i % 50) for i in range(150)), 75.0))
    assert window.plots_pending  # not shown yet: nothing painted, nothing built
    window.resize(1366, 768)
    window.show()
    assert window.plots_pending  # shown, laid out, but not painted yet: the placeholders have their places
    before = window.trend.geometry()
    assert before.height() >= 100
    qtbot.waitUntil(lambda: not window.plots_pending, timeout=10000)
    trend, waves = window.trend, window.waves
    assert type(trend).__name__ == "TrendView" and type(waves).__name__ == "WaveStrip"
    t, v = trend.buffers["spo2"].view(now - 60)
    assert list(v) == [97.0, 96.0]
    assert ("oximeter", "pleth") in waves.curves and len(waves.waves[("oximeter", "pleth")].samples) == 150
    qtbot.waitUntil(lambda: waves.isVisible(), timeout=3000)
    # the trend takes the placeholder's place (the strip above it, now with a wave, takes its height off the top)
    qtbot.waitUntil(lambda: trend.geometry().bottom() == before.bottom(), timeout=3000)  # the next layout pass
    assert trend.geometry().width() == before.width() and trend.geometry().left() == before.left()
    window.on_measurement(Measurement(now, "oximeter", "spo2", 95.0, "%"))  # and live data goes to it now
    assert list(trend.buffers["spo2"].view(now - 60)[1]) == [97.0, 96.0, 95.0]


def test_a_window_that_never_paints_still_gets_its_plots(qtbot):
    from console.ui.main_window import PLOTS_AT_THE_LATEST_MS

    window = MainWindow(load_catalog(), defer_plots=True)  # never shown: no first paint to wait for
    qtbot.addWidget(window)
    window.on_measurement(Measurement(time.time(), "monitor", "hr", 72.0, "bpm"))
    assert window.plots_pending
    qtbot.waitUntil(lambda: not window.plots_pending, timeout=PLOTS_AT_THE_LATEST_MS + 3000)
    assert window.trend.buffers["hr"].count == 1  # what it was given meanwhile is not lost
