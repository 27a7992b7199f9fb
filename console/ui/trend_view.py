"""The live trend of the last N minutes: one pyqtgraph plot per row, clock times on the x axis.

Samples go into numpy ring buffers as they arrive; the curves are redrawn from those arrays by a timer
(`redraw()`), never once per sample, so the cost of drawing does not grow with the number of devices.

In the main window the trend gets what the tiles, waves, alarm bar and session panel leave (about 50 px a
plot), so each plot's name is a horizontal label inside its top-left corner (a rotated axis title longer
than its plot ran into its neighbours' titles), and the value axis (`SparseAxis`) labels only as many
round values as fit without touching each other or the plots above and below.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGraphicsItem

from console.metric_catalog import Catalog
from console.trend_buffer import RingBuffer
from console.ui import style

#: plot rows and the metrics drawn in each (metrics without data are simply empty)
ROWS = (("SpO₂ %", ("spo2",)), ("Pulse / HR bpm", ("pr", "hr")), ("NIBP mmHg · RR /min", ("nibp_sys", "nibp_dia", "rr")))


class SparseAxis(pg.AxisItem):
    """A value axis whose labels never overlap: one level of round steps (1, 2, 5 x 10^n) at least 1.3
    text heights apart, none within half a text height of the plot's edges (where they would run into
    the next plot's labels)."""

    GAP = 1.3  # text heights from one label to the next (a little air between them)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The axis and its grid lines are drawn once into a pixmap and copied on each redraw of the plot:
        # replaying the axis (text shaping of every label, the grid across the plot) on every 1 Hz redraw
        # was the costliest part of the trend (docs/benchmarks.md, "Console CPU").
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)

    def setRange(self, mn: float, mx: float) -> None:  # noqa: N802 (pyqtgraph name)
        """The value range is fixed, but the linked view passes it again on every change of the time
        range; redrawing the axis then is wasted work (and would throw the cached picture away)."""
        if [mn, mx] != list(getattr(self, "range", ())):
            super().setRange(mn, mx)

    def text_height(self) -> float:
        return float(QFontMetrics(self.style.get("tickFont") or self.font()).height())

    def tickValues(self, minVal: float, maxVal: float, size: float):
        span = maxVal - minVal
        h = self.text_height()
        if not (span > 0 and size > h):
            return []
        wanted = span * self.GAP * h / size  # the value distance that is GAP text heights on screen
        magnitude = 10 ** math.floor(math.log10(wanted))
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= wanted)
        margin = span * (h / 2 + 1) / size
        first = math.ceil((minVal + margin) / step) * step
        values = np.arange(first, maxVal - margin + step * 1e-9, step)
        return [(step, [float(v) for v in values])]


class TrendView(pg.GraphicsLayoutWidget):
    def __init__(self, catalog: Catalog, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(style.BACKGROUND)
        self.window_s = catalog.trend_minutes * 60
        self.buffers: dict[str, RingBuffer] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plots: list[pg.PlotItem] = []
        self.titles: list[pg.LabelItem] = []
        capacity = int(self.window_s * 4) + 16  # room for up to 4 Hz numerics
        for row, (title, metrics) in enumerate(ROWS):
            last = row == len(ROWS) - 1
            axes = {"left": SparseAxis("left")}
            if last:
                axes["bottom"] = pg.DateAxisItem(utcOffset=-time.localtime().tm_gmtoff)
            plot = self.addPlot(row=row, col=0, axisItems=axes)
            plot.getAxis("left").setWidth(40)  # one width for the three plots, so their time axes line up
            label = pg.LabelItem(title, color=style.MUTED, size="9pt", justify="left")
            label.setParentItem(plot.vb)
            label.anchor(itemPos=(0, 0), parentPos=(0, 0), offset=(4, 0))
            self.titles.append(label)
            # Axes are the costly part of a redraw (measured: ~0.1 s a frame with a time axis and a
            # full grid under every plot), so clock times only under the last plot, horizontal grid only.
            plot.showAxis("bottom", last)
            plot.showGrid(x=False, y=True, alpha=0.15)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            lows = [catalog.metrics[m].plot[0] for m in metrics if m in catalog.metrics]
            highs = [catalog.metrics[m].plot[1] for m in metrics if m in catalog.metrics]
            plot.setYRange(min(lows), max(highs), padding=0.02)
            plot.disableAutoRange()  # both ranges are set here and in redraw(): no bounds walk per frame
            for side in ("left", "bottom", "right", "top"):
                plot.getAxis(side).enableAutoSIPrefix(False)  # no units to prefix; saves a label re-layout
            for m in metrics:
                info = catalog.metrics[m]
                self.buffers[m] = RingBuffer(capacity)
                self.curves[m] = plot.plot(pen=pg.mkPen(info.colour, width=2), name=info.label,
                                           connect="finite")
            if self.plots:
                plot.setXLink(self.plots[0])
            self.plots.append(plot)
        self.redraws = 0
        self._drawn: dict[str, int] = {}  # metric -> its buffer's sample count when last drawn

    def add(self, metric: str, t: float, value: float) -> None:
        buffer = self.buffers.get(metric)
        if buffer is not None:
            buffer.append(t, value)

    def redraw(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        since = now - self.window_s
        for metric, curve in self.curves.items():
            buffer = self.buffers[metric]
            if self._drawn.get(metric) == buffer.appended:
                continue  # no new sample (NIBP every few minutes, a device not connected): only the time
                          # axis moves; the older points slide out of the clipped view by themselves
            self._drawn[metric] = buffer.appended
            t, v = buffer.view(since)
            curve.setData(t, v)
        self.plots[0].setXRange(since, now, padding=0)
        self.redraws += 1
