"""The bedside screen: vitals tiles and trend, the device strip, and slots for the alarm bar and side panels.

The trend and the live waves are pyqtgraph plots; importing pyqtgraph and building them is most of what the
console does before its first frame (docs/benchmarks.md, "Start-up to the first frame"). With
`defer_plots=True` (the console's start) the window first shows plain placeholders of the same size, and
builds the plots just after its first paint; what arrives meanwhile (numerics, wave blocks) is kept and
handed to them, so nothing is lost and nothing on screen moves.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QMainWindow, QPushButton, QSizePolicy,
                               QTabWidget, QVBoxLayout, QWidget)

from console.metric_catalog import Catalog
from console.ui import style
from console.ui.device_strip import DeviceStrip
from console.ui.steady_label import SteadyLabel
from console.ui.vital_tile import VitalTile
from device_drivers.events import LinkState, Measurement, Waveform

TILE_COLUMNS = 5  # two rows for the eight usual tiles: the trend keeps its height under a full alarm bar
TREND_MIN_HEIGHT = 100  # three plots, each still showing its curve, on a 1366x768 screen with a full alarm bar
ROOMY_HEIGHT = 960  # from this window height on, larger tile type and taller waves (a 1080-line screen)
SHORT_HEIGHT = 820  # below this window height (a 768-line screen) the alarm bar shows its most urgent row
                    # and the count line, and the session panel's header compacts: during an infusion with
                    # alarms, Pause, Stop and the rate change stay on screen without scrolling
SIDE_MIN_WIDTH = 520  # the session panel's widest page (weight and date side by side) and its big buttons
REFRESH_MS = 200  # tiles refresh at 5 Hz, whatever the sample rate (design: never per sample)
TREND_EVERY = 5   # the trend redraws every 5th refresh (1 Hz): numerics arrive at 1 Hz, and a redraw is
                  # the costliest thing on the GUI thread, where alarms are raised
PLOTS_AT_THE_LATEST_MS = 5000  # deferred plots are built by then even if the window has not painted
PENDING_WAVE_EVENTS = 400  # wave blocks kept for the strip until it exists (a few seconds of every wave)


class _PendingTrend(QWidget):
    """Stands where the trend will be until it is built: the same size, the window's background, and it
    keeps every numeric it is given for the trend."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: list[tuple[str, float, float]] = []
        self.redraws = 0

    def add(self, metric: str, t: float, value: float) -> None:
        self.samples.append((metric, t, value))

    def redraw(self, now: float | None = None) -> None:
        pass


class _PendingWaves(QWidget):
    """Stands where the wave strip will be: hidden and 0 px high, as the strip is before its first wave;
    keeps the latest wave blocks for it."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list = []
        self.roomy: bool | None = None
        self.setVisible(False)
        self.setFixedHeight(0)

    def on_event(self, event) -> None:
        self.events.append(event)
        del self.events[:-PENDING_WAVE_EVENTS]

    def set_roomy(self, roomy: bool) -> None:
        self.roomy = roomy

    def redraw(self) -> None:
        pass


class _AfterFirstPaint(QObject):
    """Calls `then` from the event loop once the widget it watches has painted for the first time."""

    def __init__(self, widget: QWidget, then) -> None:
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self.then)
        return False



class DemoBanner(QLabel):
    """The demo's warning on one line, whatever the window's width or the records' path.

    Word-wrapped, a long data directory made it three or four lines at 1366 px and took the height the
    session page's controls need; two lines could be squeezed into one line's height on a full 1080-line
    window. One line: the warning and the demo logins whole, then where the records go, the path shortened
    in the middle ("/tmp/…/data") to the room left; the whole text is in the tooltip. The banner never asks
    the window to be wider than it is."""

    def __init__(self, warning: str, where: str) -> None:
        super().__init__()
        self.setObjectName("demoBanner")
        self.setAlignment(Qt.AlignCenter)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)  # its width never widens the window
        self.warning, self.where = warning, where
        self._fit()

    def set_parts(self, warning: str | None = None, where: str | None = None) -> None:
        self.warning = self.warning if warning is None else warning
        self.where = self.where if where is None else where
        self._fit()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        width = max(80, self.contentsRect().width() - 12)
        head = f"{self.warning} — "
        room = width - metrics.horizontalAdvance(head)
        text = (head + metrics.elidedText(self.where, Qt.ElideMiddle, room) if room > 160
                else metrics.elidedText(head + self.where, Qt.ElideRight, width))
        if text != self.text():
            self.setText(text)
        self.setToolTip(f"{self.warning}\n{self.where}")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 (the style sheet's font arrives after construction)
        super().changeEvent(event)
        self._fit()


class MainWindow(QMainWindow):
    #: the trend and the wave strip exist (at once, or after the first frame with defer_plots=True)
    plots_built = Signal()

    def __init__(self, catalog: Catalog, *, demo: bool = False, defer_plots: bool = False) -> None:
        super().__init__()
        self.catalog = catalog
        self.setWindowTitle("Bedside Console" + (" — DEMO" if demo else ""))
        self.setStyleSheet(style.STYLESHEET)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)
        self.demo_banner = DemoBanner("SIMULATED DEVICES — NOT A PATIENT", "records thrown away on exit")
        self.demo_banner.setVisible(demo)
        outer.addWidget(self.demo_banner)
        self.alarm_slot = QVBoxLayout()
        outer.addLayout(self.alarm_slot)

        self.short_parts: list[QWidget] = []  # the alarm bar and side panels that compact on a short screen
        self.metric_source: dict[str, tuple[str, float]] = {}
        #: metric -> the device an active alarm on it is about: the tile shows that device's value meanwhile
        self.alarm_source: dict[str, str] = {}
        #: (metric, device) -> (t, value), the latest from each source (for a switch to the alarm's source)
        self.source_values: dict[tuple[str, str], tuple[float, float]] = {}
        self.metric_devices: dict[str, set[str]] = {}  # metric -> every device that has sent it
        header = self.header = QHBoxLayout()
        self.patient_label = QLabel("No patient — start a session from the panel on the right")
        self.patient_label.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.patient_label.setWordWrap(True)  # a long name and allergies wrap; they are never cut off
        self.clock = SteadyLabel()  # a new text every second: no relayout (console/ui/steady_label.py)
        self.clock.setStyleSheet("font-size: 22px; font-weight: bold;")
        header.addWidget(self.patient_label, 1)
        header.addWidget(self.clock.holder)

        body = QHBoxLayout()
        self.plots_pending = True
        self.trend = _PendingTrend()
        vitals = self.vitals_column = QVBoxLayout()  # numbers first (what the nurse reads at a glance), the trend beneath
        tiles_box = QWidget()
        self.tiles_grid = QGridLayout(tiles_box)
        self.tiles_grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: dict[str, VitalTile] = {}
        self.tile_for_metric: dict[str, VitalTile] = {}
        for spec in catalog.tiles:
            tile = VitalTile(spec, catalog.metrics, tiles_box)  # parented now: never a stray top-level window
            self.tiles[spec.name] = tile
            for m in spec.metrics:
                self.tile_for_metric[m] = tile
            tile.setVisible(spec.always_shown)
        self._relayout_tiles()
        self.trend.setMinimumHeight(TREND_MIN_HEIGHT)
        # the patient line heads the vitals column, so the side panel reaches up to the alarm bar: on a
        # 1366x768 screen that line's height is the session page's, not a row across the whole window
        vitals.addLayout(header)
        vitals.addWidget(tiles_box, 0)
        self.waves = _PendingWaves()
        vitals.addWidget(self.waves, 0)
        vitals.addWidget(self.trend, 1)
        body.addLayout(vitals, 7)
        self.side = QTabWidget()
        self.side.setVisible(False)
        self.side.setMinimumWidth(SIDE_MIN_WIDTH)
        body.addWidget(self.side, 4)
        outer.addLayout(body, 1)

        self.devices = DeviceStrip()
        outer.addWidget(self.devices)
        self.setCentralWidget(central)
        self.resize(1440, 900)

        self._refreshes = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        self.refresh()
        if defer_plots:
            self._after_first_paint = _AfterFirstPaint(self.clock, self.build_plots)
            QTimer.singleShot(PLOTS_AT_THE_LATEST_MS, self.build_plots)  # a window never painted gets them too
        else:
            self.build_plots()

    def build_plots(self) -> None:
        """The trend and the wave strip in their placeholders' places, given what the placeholders kept."""
        if not self.plots_pending:
            return
        from console.ui.trend_view import TrendView
        from console.ui.wave_strip import WaveStrip

        pending_trend, pending_waves = self.trend, self.waves
        trend = TrendView(self.catalog)
        trend.setMinimumHeight(TREND_MIN_HEIGHT)
        waves = WaveStrip(self.catalog)
        if getattr(self, "roomy", None) is not None:
            waves.set_roomy(self.roomy)
        self.vitals_column.replaceWidget(pending_waves, waves)  # the same place and stretch
        self.vitals_column.replaceWidget(pending_trend, trend)
        for placeholder in (pending_waves, pending_trend):
            placeholder.hide()
            placeholder.deleteLater()
        self.trend, self.waves = trend, waves
        self.plots_pending = False
        for metric, t, value in pending_trend.samples:
            trend.add(metric, t, value)
        for event in pending_waves.events:
            waves.on_event(event)
        trend.redraw()
        self.plots_built.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Compact on a 1366x768 screen, larger type and waves on a 1080-line one. The roomy layout's own
        minimum height is well under ROOMY_HEIGHT, so the switch cannot flip back and forth."""
        super().resizeEvent(event)
        roomy = event.size().height() >= ROOMY_HEIGHT
        if roomy != getattr(self, "roomy", None):
            self.roomy = roomy
            for tile in self.tiles.values():
                tile.set_roomy(roomy)
            self.waves.set_roomy(roomy)
        short = event.size().height() < SHORT_HEIGHT
        if short != getattr(self, "short", None):
            self.short = short
            for part in self.short_parts:
                part.set_short(short)

    def _relayout_tiles(self) -> None:
        """Tiles fill rows of TILE_COLUMNS in screen order; a group tile (NIBP sys/dia (mean)) takes two cells."""
        visible = [t for t in self.tiles.values() if not t.isHidden()]
        for tile in self.tiles.values():
            self.tiles_grid.removeWidget(tile)
        row = col = 0
        for tile in visible:
            span = 2 if len(tile.spec.metrics) > 1 else 1
            if col + span > TILE_COLUMNS:
                row, col = row + 1, 0
            self.tiles_grid.addWidget(tile, row, col, 1, span)
            col += span

    def shutdown(self) -> None:
        """Stop every timer of the window and its panels, before the records they read are closed."""
        for timer in self.findChildren(QTimer):
            timer.stop()
        self.close()

    # --- slots other parts plug into
    def set_alarm_bar(self, widget: QWidget) -> None:
        self.alarm_slot.addWidget(widget)
        self._follow_height(widget)

    def _follow_height(self, widget: QWidget) -> None:
        """A part with `set_short(bool)` is told now and on every change whether the window is short."""
        if hasattr(widget, "set_short"):
            self.short_parts.append(widget)
            if getattr(self, "short", None) is not None:
                widget.set_short(self.short)

    def add_side_panel(self, widget: QWidget, title: str) -> None:
        """A tab beside the vitals. Panels scroll their own long pages (a second scroll area around them
        would give the nurse two scroll bars), so the window stays within a 1080-line screen."""
        self.side.addTab(widget, title)
        self.side.setVisible(True)
        self._follow_height(widget)

    # --- data in (GUI thread)
    def on_measurement(self, m: Measurement) -> None:
        self.source_values[(m.metric, m.device)] = (m.t, m.value)
        devices = self.metric_devices.get(m.metric)
        if devices is None or m.device not in devices:
            self.metric_devices.setdefault(m.metric, set()).add(m.device)
        if not self._from_shown_source(m):
            return
        tile = self.tile_for_metric.get(m.metric)
        if tile is not None:
            tile.set_value(m.metric, m.value, m.t)
            if len(tile.spec.metrics) == 1 and len(self.metric_devices[m.metric]) > 1:
                tile.set_source(m.device)  # two devices send it: say whose value this is
            if tile.isHidden():
                tile.setVisible(True)
                self._relayout_tiles()
        self.trend.add(m.metric, m.t, m.value)

    def _from_shown_source(self, m: Measurement) -> bool:
        """One device per metric on screen (a monitor and an oximeter both send SpO2): the first to send it
        keeps it while its value is fresh; if it goes stale, another device's value takes over. Every
        source is still recorded and checked by the alarm engine."""
        alarmed = self.alarm_source.get(m.metric)
        if alarmed is not None:
            return m.device == alarmed
        current = self.metric_source.get(m.metric)
        info = self.catalog.metrics.get(m.metric)
        if current is not None and current[0] != m.device and info is not None and m.t - current[1] < info.fresh_s:
            return False
        self.metric_source[m.metric] = (m.device, m.t)
        return True

    def show_alarm_source(self, metric: str, device: str | None) -> None:
        """While an alarm on `metric` is active, its tile shows the value of the device the alarm is about
        (the console calls this on every alarm change). Reported: the SpO2 tile showed the monitor's 97 in
        a red frame while the alarm bar said "SpO2 84 % below limit 90" from the finger oximeter; a
        normal number inside the alarm's frame reads as "artefact, ignore it". The tile names its source
        whenever two devices send the metric, so the other probe's reading is not mistaken for this one."""
        if device is None:
            self.alarm_source.pop(metric, None)
            return
        if self.alarm_source.get(metric) == device:
            return
        self.alarm_source[metric] = device
        latest = self.source_values.get((metric, device))
        if latest is None:
            return
        t, value = latest
        self.metric_source[metric] = (device, t)
        tile = self.tile_for_metric.get(metric)
        if tile is not None and len(tile.spec.metrics) == 1:
            tile.set_value(metric, value, t)
            tile.set_source(device)
            tile.refresh()

    def add_header_button(self, text: str, callback) -> QPushButton:
        button = QPushButton(text)
        button.setStyleSheet("min-height: 24px; padding: 2px 12px;")  # the biomed's, not a touch target
        button.clicked.connect(callback)
        self.header.insertWidget(self.header.count() - 1, button)
        return button

    def on_device_event(self, event) -> None:
        if isinstance(event, Waveform):
            self.waves.on_event(event)
        elif isinstance(event, LinkState):
            self.devices.show_state(event)

    def refresh(self) -> None:
        now = time.time()
        self.clock.setText(time.strftime("%H:%M:%S", time.localtime(now)))
        for tile in self.tiles.values():
            if tile.needs_refresh(now):
                tile.refresh(now)
        self._refreshes += 1
        if self._refreshes % TREND_EVERY == 1:
            self.trend.redraw(now)
