"""The live trend of the last N minutes: one pyqtgraph plot per row, clock times on the x axis.

Samples go into numpy ring buffers as they arrive; the curves are redrawn from those arrays by a timer
(`redraw()`), never once per sample, so the cost of drawing does not grow with the number of devices.
"""
from __future__ import annotations

import time

import pyqtgraph as pg

from console.metric_catalog import Catalog
from console.trend_buffer import RingBuffer
from console.ui import style

#: plot rows and the metrics drawn in each (metrics without data are simply empty)
ROWS = (("SpO₂ %", ("spo2",)), ("Pulse / HR bpm", ("pr", "hr")), ("NIBP mmHg · RR /min", ("nibp_sys", "nibp_dia", "rr")))


class TrendView(pg.GraphicsLayoutWidget):
    def __init__(self, catalog: Catalog, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(style.BACKGROUND)
        self.window_s = catalog.trend_minutes * 60
        self.buffers: dict[str, RingBuffer] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plots: list[pg.PlotItem] = []
        capacity = int(self.window_s * 4) + 16  # room for up to 4 Hz numerics
        for row, (title, metrics) in enumerate(ROWS):
            last = row == len(ROWS) - 1
            axes = {"bottom": pg.DateAxisItem(utcOffset=-time.localtime().tm_gmtoff)} if last else {}
            plot = self.addPlot(row=row, col=0, axisItems=axes)
            plot.setLabel("left", title, color=style.MUTED)
            # Axes are the costly part of a redraw (measured: ~0.1 s a frame with a time axis and a
            # full grid under every plot), so clock times only under the last plot, horizontal grid only.
            plot.showAxis("bottom", last)
            plot.showGrid(x=False, y=True, alpha=0.15)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            lows = [catalog.metrics[m].plot[0] for m in metrics if m in catalog.metrics]
            highs = [catalog.metrics[m].plot[1] for m in metrics if m in catalog.metrics]
            plot.setYRange(min(lows), max(highs), padding=0.02)
            for m in metrics:
                info = catalog.metrics[m]
                self.buffers[m] = RingBuffer(capacity)
                self.curves[m] = plot.plot(pen=pg.mkPen(info.colour, width=2), name=info.label,
                                           connect="finite")
            if self.plots:
                plot.setXLink(self.plots[0])
            self.plots.append(plot)
        self.redraws = 0

    def add(self, metric: str, t: float, value: float) -> None:
        buffer = self.buffers.get(metric)
        if buffer is not None:
            buffer.append(t, value)

    def redraw(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        since = now - self.window_s
        for metric, curve in self.curves.items():
            t, v = self.buffers[metric].view(since)
            curve.setData(t, v)
        self.plots[0].setXRange(since, now, padding=0)
        self.redraws += 1
