"""Review a past session's stored waves: the whole session's trend and alarms above, the waves below.

A monitor's full-disclosure review: the trend (HR, SpO2) over the whole session shows where to look, each
alarm is a line on it (red: high priority), and the shaded window on the trend is what the wave plots show
(10 s to start with). Drag the window along the trend or pan/zoom the wave plots with the mouse (their time
axes are linked and the window follows); the "Previous/Next alarm" buttons jump to the alarms. Samples are
read from the records for the visible span only (decoding a few blocks), never the whole session at once.
Stored blocks that follow each other are drawn as one curve and a real gap as a gap (records.toml [waves]
join_s); each wave's axis label and unit come from resources/metrics.toml [waves].
"""
from __future__ import annotations

from datetime import datetime

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.records.audit import AuditLog
from console.records.database import Database
from console.records.session_record import load_session
from console.records.vitals import read_vitals
from console.metric_catalog import load_wave_info, wave_info
from console.records.records_config import records_config
from console.records.waves import read_wave_runs, runs_for_plot, stored_waves
from console.ui import style

WAVE_COLORS = {"ecg": "#22c55e", "pleth": "#38bdf8"}
#: the window the review opens with (s), as the PDF's alarm recall; wider windows are drawn with pyqtgraph's peak downsampling
START_SPAN_S = 10.0


def primary_source(database: Database, metric: str, since: float, until: float) -> str | None:
    """The device that sent the most samples of `metric` in [since, until]."""
    with database.lock:
        row = database.conn.execute(
            "SELECT s.name FROM vitals v JOIN metrics m ON m.id = v.metric_id JOIN sources s ON s.id = v.source_id "
            "WHERE m.name = ? AND v.t >= ? AND v.t <= ? GROUP BY s.name ORDER BY COUNT(*) DESC LIMIT 1",
            (metric, since, until)).fetchone()
    return row[0] if row else None


class _ClockAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph name)
        fmt = "%H:%M:%S" if spacing < 60 else "%H:%M"
        return [datetime.fromtimestamp(v).strftime(fmt) if v > 0 else "" for v in values]


class WaveReview(QWidget):
    def __init__(self, database: Database, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waveReview")
        self.database = database
        self.join_s = records_config().wave_join_s
        waves_known = load_wave_info()
        record = load_session(AuditLog(database), session_id)
        self.t0, end = record.vitals_window()
        self.waves = stored_waves(database, self.t0, end)
        last = max([w.last_t for w in self.waves] + [record.end_t or self.t0 + 600])
        self.t1 = end if end is not None else last
        self.alarms = sorted(record.alarms, key=lambda a: a.started)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        who = " · ".join(x for x in (record.patient.get("name", ""), record.patient.get("mrn", "")) if x)
        when = datetime.fromtimestamp(self.t0).strftime("%Y-%m-%d %H:%M")
        self.title = QLabel(f"{who or 'Session ' + session_id} · {when} · {len(self.waves)} stored waves · "
                            f"{len(self.alarms)} alarm{'' if len(self.alarms) == 1 else 's'}")
        self.title.setStyleSheet("font-size: 18px; font-weight: bold;")
        head.addWidget(self.title, 1)
        self.prev_button, self.next_button = QPushButton("◀ Previous alarm"), QPushButton("Next alarm ▶")
        self.prev_button.clicked.connect(lambda: self.jump_alarm(-1))
        self.next_button.clicked.connect(lambda: self.jump_alarm(+1))
        head.addWidget(self.prev_button)
        head.addWidget(self.next_button)
        layout.addLayout(head)

        self.trend = pg.PlotWidget(background=style.BACKGROUND, axisItems={"bottom": _ClockAxis("bottom")})
        self.trend.setMouseEnabled(x=False, y=False)
        # the legend on the right: the first alarm's text is on the left, where the review opens
        self.trend.addLegend(offset=(-10, 5), brush=pg.mkBrush(style.PANEL))
        self.trend.setMaximumHeight(200)
        lows, highs = [], []
        for metric, label, color in (("hr", "HR bpm", "#ef4444"), ("spo2", "SpO2 %", "#38bdf8")):
            # one device per line (a monitor and an oximeter both send SpO2: mixed, they draw a zigzag)
            source = primary_source(database, metric, self.t0, self.t1)
            t, v = read_vitals(database, metric, since=self.t0, until=self.t1, device=source)
            if t.size:
                self.trend.plot(t, v, pen=pg.mkPen(color, width=1.5), name=f"{label} ({source})")
                lows.append(float(v.min()))
                highs.append(float(v.max()))
        if lows:  # a flat line is not drawn on the plot's edge, under the legend
            span = max(highs) - min(lows)
            self.trend.setYRange(min(lows) - 0.1 * span - 2, max(highs) + 0.35 * span + 5, padding=0)
        shown = 0
        for a in self.alarms:
            color = style.BAD if a.priority == "high" else style.WARN
            text = a.text if a.priority == "high" else None
            line = pg.InfiniteLine(a.started, angle=90, pen=pg.mkPen(color, width=2), label=text,
                                   labelOpts={"position": (0.92, 0.78, 0.64)[shown % 3], "color": color})
            shown += text is not None  # alarms close together: their texts on three heights, not on one another
            self.trend.addItem(line)
        self.trend.setXRange(self.t0, self.t1, padding=0.01)
        start = self.alarms[0].started - 6 if self.alarms else self.t0
        self.region = pg.LinearRegionItem((start, start + START_SPAN_S), brush=pg.mkBrush(255, 255, 255, 40))
        self.trend.addItem(self.region)
        layout.addWidget(self.trend, 2)

        self.plots: list[tuple[pg.PlotWidget, object, object]] = []
        for n, w in enumerate(self.waves):
            plot = pg.PlotWidget(background=style.BACKGROUND, axisItems={"bottom": _ClockAxis("bottom")})
            plot.setMouseEnabled(x=True, y=False)
            info = wave_info(w.wave, waves_known)
            plot.setLabel("left", f"{w.source} {info.label}", units=info.unit or None)  # "monitor ECG (mV)"
            plot.getAxis("left").enableAutoSIPrefix(False)  # the driver's values, not "(x0.001)"
            for a in self.alarms:  # the onset on the waves too, as on the trend
                plot.addItem(pg.InfiniteLine(a.started, angle=90, pen=pg.mkPen(
                    style.BAD if a.priority == "high" else style.WARN, width=1, style=pg.QtCore.Qt.DashLine)))
            plot.showGrid(x=True, y=False, alpha=0.2)
            curve = plot.plot(pen=pg.mkPen(WAVE_COLORS.get(w.wave.lower(), style.TEXT), width=1.5))
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            if self.plots:
                plot.setXLink(self.plots[0][0])
            self.plots.append((plot, curve, w))
            layout.addWidget(plot, 2)
        if not self.waves:
            layout.addWidget(QLabel("No waves were stored for this session."))
        self.region.sigRegionChanged.connect(self._region_moved)
        if self.plots:
            self.plots[0][0].sigXRangeChanged.connect(self._plots_moved)
        self._syncing = False
        self.show_window(start, start + START_SPAN_S)

    def show_window(self, a: float, b: float) -> None:
        """Show [a, b] in the wave plots and shade it on the trend."""
        self._syncing = True
        try:
            self.region.setRegion((a, b))
            for plot, curve, w in self.plots:
                runs = read_wave_runs(self.database, w.wave, a, b, source=w.source, join_s=self.join_s)
                t, v = runs_for_plot(runs)  # a NaN between runs: a real gap is not bridged
                curve.setData(t, v, connect="finite")
                plot.setXRange(a, b, padding=0)
                if runs:
                    low = min(float(r[1].min()) for r in runs)
                    high = max(float(r[1].max()) for r in runs)
                    pad = max(1e-6, high - low) * 0.08
                    plot.setYRange(low - pad, high + pad, padding=0)
        finally:
            self._syncing = False

    def window(self) -> tuple[float, float]:
        a, b = self.region.getRegion()
        return float(a), float(b)

    def jump_alarm(self, step: int) -> None:
        if not self.alarms:
            return
        a, b = self.window()
        centre = (a + b) / 2
        onsets = [al.started for al in self.alarms]
        targets = [t for t in onsets if (t > centre + 1 if step > 0 else t < centre - 1)]
        if targets:
            t = targets[0] if step > 0 else targets[-1]
            span = b - a
            self.show_window(t - span * 0.6, t + span * 0.4)

    def _region_moved(self) -> None:
        if not self._syncing:
            self.show_window(*self.window())

    def _plots_moved(self, _view, rng) -> None:
        if not self._syncing:
            self.show_window(float(rng[0]), float(rng[1]))
