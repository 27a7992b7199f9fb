"""Live waves (pleth, ECG) under the tiles: the last few seconds, drawn by a timer, never per block.

A wave appears the first time a device sends it. Each wave keeps a numpy buffer of its last WINDOW_S
seconds; the plot has no axes (a wave's shape is what the nurse reads, not its units), which also keeps
its redraw cheap on the GUI thread, where alarms are raised.

The timer draws a wave only when new samples came since its last frame: the newest sample is always at
the right edge, so the picture changes only when a block arrives (an IntelliVue sends a block every
256 ms, a Nonin a frame every 13 ms); redrawing an unchanged picture 25 times a second was most of the
console's CPU (docs/benchmarks.md, "Console CPU"). The vertical range is set from the data (no pyqtgraph
auto-range, which walks every item's bounds each frame), and only when it changes. A wave with more
samples than its plot has pixels (ECG: 3000 samples on ~1200 px) is drawn from each pixel column's lowest
and highest sample (pyqtgraph's "peak" downsampling: no QRS spike is lost), which halves the wide-pen
line segments Qt has to stroke. The titles are drawn once into a cached pixmap.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGraphicsItem

from console.metric_catalog import Catalog
from console.ui import style
from device_drivers.events import Waveform

WINDOW_S = 6.0
REDRAW_MS = 40  # 25 Hz (design: at most 30 Hz)
WAVE_HEIGHT = 36  # pixels a wave: the whole screen must fit 1366x768 with a full alarm area
ROOMY_WAVE_HEIGHT = 48  # on a 1080-line screen
#: wave -> the metric whose colour it is drawn in, and its label
WAVES = {"pleth": ("spo2", "Pleth"), "ecg": ("hr", "ECG")}


class _Wave:
    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        self.samples = np.empty(0)
        self.fresh = False  # new samples since the last frame
        self.finite = True  # every sample in the window is a number (pyqtgraph may skip its own check)
        self._x = np.empty(0)

    def extend(self, samples: tuple[float, ...]) -> None:
        keep = int(WINDOW_S * self.rate_hz)
        self.samples = np.concatenate((self.samples, np.asarray(samples, dtype=float)))[-keep:]
        self.fresh = True

    def x(self) -> np.ndarray:
        """Seconds before now of each sample, newest at 0 (the same array while the length stays)."""
        n = len(self.samples)
        if len(self._x) != n:
            self._x = (np.arange(n) - n) / self.rate_hz
        return self._x


class WaveStrip(pg.GraphicsLayoutWidget):
    def __init__(self, catalog: Catalog, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(style.BACKGROUND)
        self.catalog = catalog
        self.waves: dict[tuple[str, str], _Wave] = {}
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.setVisible(False)
        self.setFixedHeight(0)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.redraw)
        self.redraws = 0
        self.wave_height = WAVE_HEIGHT

    def set_roomy(self, roomy: bool) -> None:
        self.wave_height = ROOMY_WAVE_HEIGHT if roomy else WAVE_HEIGHT
        if self.curves:
            self.setFixedHeight(self.wave_height * len(self.curves))

    def on_event(self, event) -> None:
        if not isinstance(event, Waveform) or event.wave not in WAVES or not event.samples:
            return
        key = (event.device, event.wave)
        wave = self.waves.get(key)
        if wave is None or wave.rate_hz != event.rate_hz:
            wave = self.waves[key] = _Wave(event.rate_hz)
            if key not in self.curves:
                self._add_plot(key)
        wave.extend(event.samples)

    def _add_plot(self, key: tuple[str, str]) -> None:
        device, name = key
        metric, label = WAVES[name]
        colour = self.catalog.metrics[metric].colour if metric in self.catalog.metrics else style.TEXT
        plot = self.addPlot(row=len(self.curves), col=0)
        for side in ("left", "bottom"):
            plot.hideAxis(side)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setXRange(-WINDOW_S, 0, padding=0)
        title = pg.TextItem(f"{label} · {device}", color=style.MUTED, anchor=(0, 0))
        title.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # text laid out once, not every frame
        plot.addItem(title)
        plot.disableAutoRange()
        self._ranges = getattr(self, "_ranges", {})
        self._ranges[key] = None
        self.curves[key] = plot.plot(pen=pg.mkPen(colour, width=2))
        self._titles = getattr(self, "_titles", {})
        self._titles[key] = (plot, title)
        self.setFixedHeight(self.wave_height * len(self.curves))
        self.setVisible(True)
        if not self.timer.isActive():
            self.timer.start(REDRAW_MS)

    def redraw(self) -> None:
        drawn = False
        for key, curve in self.curves.items():
            wave = self.waves[key]
            if not wave.fresh or not len(wave.samples):
                continue
            wave.fresh = False
            samples = wave.samples
            finite = bool(np.isfinite(samples).all())
            low, high = (float(samples.min()), float(samples.max())) if finite else (None, None)
            plot, title = self._titles[key]
            ds = int(2 * len(samples) / max(1.0, plot.vb.width()))  # peak keeps 2 points per bin
            ds = ds if ds >= 3 else 1
            if curve.opts["downsample"] != ds:
                curve.setDownsampling(ds=ds, method="peak")
            curve.setData(wave.x(), samples, skipFiniteCheck=finite)
            if finite and self._ranges[key] != (low, high):
                self._ranges[key] = (low, high)
                span = high - low or 1
                plot.setYRange(low, high + 0.05 * span, padding=0.05)
                title.setPos(-WINDOW_S, high + 0.05 * span)
            drawn = True
        if drawn:
            self.redraws += 1
