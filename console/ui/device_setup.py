"""The biomed's device setup screen: find the port, pick the driver, see live why a device is silent, save.

Everything slow runs off the GUI thread: the connection test is the real transport on its own thread
(`LiveTest`), read by a 250 ms timer; Detect runs on a worker thread and hands its results back through a
queue. The screen shows, live: bytes received, frames decoded, checksum/framing errors, the last raw bytes
in hex, the decoded values, and after a few seconds a plain-language diagnosis.
"""
from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from console import device_config as dc
from console.device_test import LiveTest
from console.ui import style
from console.ui.session.parts import scroll
from device_drivers import registry
from device_drivers.codec import PARITY_NAMES, LinkSettings
from device_drivers.detect import detect
from device_drivers.ports import PortInfo, list_serial_ports

PORT_COLUMNS = ("Port", "Description", "USB VID:PID", "Serial number")
#: room left for the window manager's title bar when the dialog is sized to a small screen
TITLE_BAR_PX = 40
#: the port and saved-role tables' preferred height (a header and about three rows)
TABLE_PREFERRED_PX = 130

EXTRA_STYLE = f"""
QGroupBox {{ border: 1px solid #1f2937; border-radius: 8px; margin-top: 14px; padding: 10px; font-weight: bold; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {style.MUTED}; }}
QTableWidget {{ background: {style.PANEL}; gridline-color: #1f2937; font-size: 15px; }}
QHeaderView::section {{ background: #1f2937; color: {style.TEXT}; padding: 6px; border: none; }}
QLineEdit, QComboBox {{ background: {style.PANEL}; border: 1px solid #374151; border-radius: 6px;
                        padding: 6px; min-height: 30px; }}
QLabel#counter {{ font-size: 26px; font-weight: bold; }}
QLabel#hex {{ font-family: monospace; font-size: 14px; color: #93c5fd; }}
QLabel#diagnosis {{ font-size: 18px; padding: 8px; border-radius: 6px; background: {style.PANEL}; }}
QLabel#configError {{ color: black; background: {style.WARN}; padding: 6px; font-weight: bold; }}
QPushButton#primary {{ background: #1d4ed8; border-color: #3b82f6; font-weight: bold; }}
"""


class _Table(QTableWidget):
    """A table that asks for the height of a few rows and takes more when the dialog has it: Qt sizes a
    dialog with wrapping text by the tables' preferred heights, which made it taller than a 768-line screen."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        hint.setHeight(TABLE_PREFERRED_PX)
        return hint


class DeviceSetupDialog(QDialog):
    detect_seconds = 3.0

    def __init__(self, data_dir: Path, *, ports: Callable[[], list[PortInfo]] = list_serial_ports,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Devices of this bed")
        self.setStyleSheet(style.STYLESHEET + EXTRA_STYLE)
        self.data_dir = Path(data_dir)
        self._ports_source = ports
        self._ports: list[PortInfo] = []
        self._test: LiveTest | None = None
        self._detect_results: queue.Queue = queue.Queue()
        self._detecting = False
        self.config_error = ""
        try:
            self.config = dc.load(self.data_dir) or dc.DeviceConfig()
        except dc.DeviceConfigError as exc:
            self.config = dc.DeviceConfig()
            self.config_error = str(exc)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        content.setObjectName("setupContent")
        outer.addWidget(scroll(content))  # a screen shorter than the dialog's least height scrolls it, never cuts it off
        root = QVBoxLayout(content)
        root.setContentsMargins(12, 6, 12, 8)
        root.setSpacing(4)
        title = QLabel("Devices of this bed")
        title.setStyleSheet("font-size: 22px; font-weight: bold;")
        root.addWidget(title)
        if self.config_error:
            err = QLabel(f"The saved device file is not valid and is not used: {self.config_error}")
            err.setObjectName("configError")
            err.setWordWrap(True)
            root.addWidget(err)

        top = QHBoxLayout()
        root.addLayout(top, 4)
        left = QVBoxLayout()  # the saved roles under the port list: the dialog fits a 768-line screen
        left.addWidget(self._build_ports(), 3)
        left.addWidget(self._build_configured(), 2)
        top.addLayout(left, 5)
        top.addWidget(self._build_assignment(), 4)
        root.addWidget(self._build_test(), 3)
        self._fit_to_screen(parent)

        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._refresh_live)
        self._timer.start()
        self.refresh_ports()
        self._role_changed()
        self._show_configured()

    def _fit_to_screen(self, parent: QWidget | None) -> None:
        """1180 x 860 where the screen allows; on a smaller one (1366 x 768), the screen's available area
        less room for the window's title bar."""
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        width, height = 1180, 860
        if screen is not None:
            area = screen.availableGeometry()
            width, height = min(width, area.width() - 16), min(height, area.height() - TITLE_BAR_PX)
        self.resize(width, height)

    # ---- building --------------------------------------------------------------------------------
    def _build_ports(self) -> QGroupBox:
        box = QGroupBox("Serial ports on this computer")
        lay = QVBoxLayout(box)
        self.port_table = _Table(0, len(PORT_COLUMNS))
        self.port_table.setHorizontalHeaderLabels(PORT_COLUMNS)
        header = self.port_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.port_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.port_table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.port_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.port_table.verticalHeader().setVisible(False)
        self.port_table.itemSelectionChanged.connect(self._port_selected)
        lay.addWidget(self.port_table)
        row = QHBoxLayout()
        self.port_edit = QLineEdit()
        self.port_edit.setPlaceholderText("or type a port / URL: /dev/ttyUSB0, COM3, socket://host:4001")
        row.addWidget(QLabel("Port"))
        row.addWidget(self.port_edit, 1)
        refresh = QPushButton("Refresh list")
        refresh.clicked.connect(self.refresh_ports)
        row.addWidget(refresh)
        lay.addLayout(row)
        return box

    def _build_assignment(self) -> QGroupBox:
        box = QGroupBox("Role, driver and line settings")
        outer = QVBoxLayout(box)
        form = QFormLayout()
        outer.addLayout(form)
        self.role_combo = QComboBox()
        self.role_combo.addItems(dc.ROLES)
        self.role_combo.currentTextChanged.connect(self._role_changed)
        form.addRow("Role", self.role_combo)
        self.driver_combo = QComboBox()
        self.driver_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.driver_combo.setMinimumContentsLength(18)
        self.driver_combo.currentIndexChanged.connect(self._driver_changed)
        form.addRow("Driver", self.driver_combo)
        #: why the pump defaults to safe mode (shown for New Era pump drivers)
        self.driver_note = QLabel(dc.SAFE_MODE_WHY)
        self.driver_note.setObjectName("driverNote")
        self.driver_note.setWordWrap(True)
        self.driver_note.setVisible(False)
        form.addRow("", self.driver_note)
        self.baud_combo = QComboBox()
        self.baud_combo.addItems([str(b) for b in dc.BAUD_RATES])
        form.addRow("Baud rate", self.baud_combo)
        self.format_combo = QComboBox()
        for bits in (8, 7):
            for parity in PARITY_NAMES:
                for stop in (1, 2):
                    self.format_combo.addItem(f"{bits}{parity}{stop}", (bits, parity, stop))
        form.addRow("Data/parity/stop", self.format_combo)
        self.flow_combo = QComboBox()
        self.flow_combo.addItems(["none", "RTS/CTS", "XON/XOFF"])
        form.addRow("Flow control", self.flow_combo)
        buttons = QGridLayout()
        buttons.setSpacing(10)
        buttons.setContentsMargins(0, 8, 0, 0)
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("primary")
        self.test_button.clicked.connect(self.toggle_test)
        self.detect_button = QPushButton("Detect")
        self.detect_button.clicked.connect(self.start_detect)
        self.save_button = QPushButton("Save for this role")
        self.save_button.clicked.connect(self.save_role)
        self.remove_button = QPushButton("Remove role")
        self.remove_button.clicked.connect(self.remove_role)
        for button in (self.test_button, self.detect_button, self.save_button, self.remove_button):
            button.setMinimumHeight(48)
        buttons.addWidget(self.test_button, 0, 0)
        buttons.addWidget(self.detect_button, 0, 1)
        buttons.addWidget(self.save_button, 1, 0)
        buttons.addWidget(self.remove_button, 1, 1)
        outer.addLayout(buttons)
        outer.addStretch(1)
        return box

    def _counter(self, grid: QGridLayout, col: int, caption: str) -> QLabel:
        label = QLabel("0")
        label.setObjectName("counter")
        cap = QLabel(caption)
        cap.setStyleSheet(f"color: {style.MUTED};")
        grid.addWidget(label, 0, col)
        grid.addWidget(cap, 1, col)
        return label

    def _build_test(self) -> QGroupBox:
        box = QGroupBox("Connection test")
        lay = QVBoxLayout(box)
        grid = QGridLayout()
        self.bytes_label = self._counter(grid, 0, "bytes received")
        self.frames_label = self._counter(grid, 1, "frames decoded")
        self.errors_label = self._counter(grid, 2, "checksum / framing errors")
        self.errors_label.setToolTip("In brackets: frames the device sent that the line damaged (its header and "
                                     "length right, the checksum wrong). Many of them: a noisy cable or "
                                     "interference, not wrong settings.")
        self.link_label = QLabel("not testing")
        self.link_label.setObjectName("counter")
        grid.addWidget(self.link_label, 0, 3)
        cap = QLabel("link")
        cap.setStyleSheet(f"color: {style.MUTED};")
        grid.addWidget(cap, 1, 3)
        lay.addLayout(grid)
        form = QFormLayout()
        self.values_label = QLabel("-")
        self.values_label.setStyleSheet("font-size: 20px;")
        self.values_label.setWordWrap(True)
        form.addRow("Decoded values", self.values_label)
        self.hex_label = QLabel("-")
        self.hex_label.setObjectName("hex")
        self.hex_label.setWordWrap(True)
        self.hex_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form.addRow("Last bytes (hex)", self.hex_label)
        lay.addLayout(form)
        self.diagnosis_label = QLabel("Choose a port, a role and a driver, then Test connection or Detect.")
        self.diagnosis_label.setObjectName("diagnosis")
        self.diagnosis_label.setWordWrap(True)
        lay.addWidget(self.diagnosis_label)
        return box

    def _build_configured(self) -> QGroupBox:
        box = QGroupBox("Saved for this bed")
        lay = QVBoxLayout(box)
        self.config_table = _Table(0, 4)
        self.config_table.setHorizontalHeaderLabels(("Role", "Driver", "Where", "Line"))
        self.config_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.config_table.verticalHeader().setVisible(False)
        self.config_table.setMaximumHeight(150)
        self.config_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        lay.addWidget(self.config_table)
        return box

    # ---- ports, role, driver ---------------------------------------------------------------------
    def refresh_ports(self) -> None:
        self._ports = self._ports_source()
        self.port_table.setRowCount(len(self._ports))
        for i, p in enumerate(self._ports):
            for j, text in enumerate((p.device, p.description or "-", p.vid_pid or "-", p.serial_number or "-")):
                self.port_table.setItem(i, j, QTableWidgetItem(text))

    def _port_selected(self) -> None:
        rows = self.port_table.selectionModel().selectedRows()
        if rows:
            self.port_edit.setText(self._ports[rows[0].row()].device)

    def _role_changed(self) -> None:
        role = self.role_combo.currentText()
        self.driver_combo.blockSignals(True)
        self.driver_combo.clear()
        for name in registry.driver_names():
            cls = registry.codec_class(name)
            if (cls.role == "pump") == (role == "pump"):
                self.driver_combo.addItem(f"{name} - {cls.title}", name)
        current = self.config.get(role)
        if current is not None:
            self.driver_combo.setCurrentIndex(max(0, self.driver_combo.findData(current.driver)))
            if current.port:
                self.port_edit.setText(current.port)
        elif role in dc.DEFAULT_DRIVER:  # a new set-up: the checked mode where the device has one (#14)
            self.driver_combo.setCurrentIndex(max(0, self.driver_combo.findData(dc.DEFAULT_DRIVER[role])))
        self.driver_combo.blockSignals(False)
        self._driver_changed()
        if current is not None and current.link_overrides:
            self._show_link(current.link)

    def _driver_changed(self) -> None:
        name = self.driver
        if not name:
            return
        cls = registry.codec_class(name)
        self.driver_note.setVisible(name.startswith("ne1000"))
        self._show_link(cls.link)
        needs = getattr(cls, "needs_link", True)
        for w in (self.baud_combo, self.format_combo, self.flow_combo, self.test_button):
            w.setEnabled(needs)

    def _show_link(self, link: LinkSettings) -> None:
        self.baud_combo.setCurrentText(str(link.baudrate))
        idx = self.format_combo.findText(f"{link.bytesize}{link.parity}{int(link.stopbits)}")
        if idx >= 0:
            self.format_combo.setCurrentIndex(idx)
        self.flow_combo.setCurrentIndex(1 if link.rtscts else 2 if link.xonxoff else 0)

    @property
    def driver(self) -> str:
        return self.driver_combo.currentData() or ""

    def set_driver(self, name: str) -> None:
        idx = self.driver_combo.findData(name)
        if idx >= 0:
            self.driver_combo.setCurrentIndex(idx)

    def link_settings(self) -> LinkSettings:
        bits, parity, stop = self.format_combo.currentData()
        flow = self.flow_combo.currentIndex()
        return LinkSettings(int(self.baud_combo.currentText()), bits, parity, stop, flow == 1, flow == 2)

    def _overrides(self) -> dict:
        default = registry.codec_class(self.driver).link
        chosen = self.link_settings()
        return {k: v for k, v in chosen.serial_kwargs().items() if getattr(default, k) != v}

    # ---- test ------------------------------------------------------------------------------------
    def toggle_test(self) -> None:
        if self._test is not None:
            self.stop_test()
            return
        port = self.port_edit.text().strip()
        if not port:
            self._say("Choose a port in the list, or type one, first.", style.WARN)
            return
        self._test = LiveTest(port, self.driver, self.link_settings()).start()
        self.test_button.setText("Stop test")
        self._say(f"Listening on {port} with {self.driver} at {self.link_settings().describe()} ...", style.TEXT)

    def stop_test(self) -> None:
        if self._test is not None:
            self._test.stop()
            self._test = None
        self.test_button.setText("Test connection")

    def _refresh_live(self) -> None:
        self._collect_detect()
        if self._test is None:
            return
        snap = self._test.snapshot()
        self.bytes_label.setText(str(snap.bytes_in))
        self.frames_label.setText(str(snap.frames_ok))
        # frames damaged on the line (right header, wrong checksum) point at the cable, not the settings
        self.errors_label.setText(f"{snap.frames_bad} ({snap.frames_damaged} damaged)" if snap.frames_damaged
                                  else str(snap.frames_bad))
        colour = {"connected": style.OK, "silent": style.WARN, "reconnecting": style.BAD}.get(snap.link_state, style.TEXT)
        self.link_label.setText(snap.link_state)
        self.link_label.setStyleSheet(f"color: {colour};")
        self.values_label.setText("   ".join(f"{k} {v}" for k, v in snap.values.items()) or "-")
        self.hex_label.setText(snap.last_hex or "-")
        if snap.diagnosis:
            self._say(snap.diagnosis, style.OK if self._test.working else style.WARN)

    def _say(self, text: str, colour: str) -> None:
        self.diagnosis_label.setText(text)
        self.diagnosis_label.setStyleSheet(f"color: {colour};")

    # ---- detect ----------------------------------------------------------------------------------
    def start_detect(self) -> None:
        port = self.port_edit.text().strip()
        if not port or self._detecting:
            if not port:
                self._say("Choose a port to detect on.", style.WARN)
            return
        self.stop_test()
        self._detecting = True
        self.detect_button.setEnabled(False)
        role = self.role_combo.currentText()
        names = [n for n in registry.driver_names()
                 if (registry.codec_class(n).role == "pump") == (role == "pump")]
        self._say(f"Detecting on {port}: trying {', '.join(names)} ...", style.TEXT)
        seconds = self.detect_seconds

        def work() -> None:
            try:
                self._detect_results.put(("ok", detect(port, seconds=seconds, drivers=names)))
            except Exception as exc:  # reported on the screen, never lost on a thread
                self._detect_results.put(("error", str(exc)))

        threading.Thread(target=work, name="detect", daemon=True).start()

    def _collect_detect(self) -> None:
        try:
            kind, payload = self._detect_results.get_nowait()
        except queue.Empty:
            return
        self._detecting = False
        self.detect_button.setEnabled(True)
        if kind == "error":
            self._say(f"Detect failed: {payload}", style.BAD)
            return
        found = [r for r in payload if r.decodes]
        if not found:
            errors = {r.error for r in payload if r.error}
            why = f" ({errors.pop()})" if errors else ""
            seen = max((r.bytes_in for r in payload), default=0)
            self._say(f"No driver decodes this port{why}. " + (
                f"{seen} bytes arrived: check the device's output format and baud rate." if seen
                else "No bytes arrived: device off, cable, or wrong port?"), style.WARN)
            return
        best = found[0]
        self.set_driver(best.driver)
        self._show_link(best.settings)
        vals = ", ".join(f"{k} {v}" for k, v in best.values.items())
        others = f" (also decodes as {', '.join(r.driver for r in found[1:])})" if found[1:] else ""
        self._say(f"Found {best.driver} at {best.settings.describe()}: {vals}{others}. "
                  "Save to use it for this role.", style.OK)

    # ---- save ------------------------------------------------------------------------------------
    def save_role(self) -> None:
        role, driver = self.role_combo.currentText(), self.driver
        port = self.port_edit.text().strip()
        try:
            if getattr(registry.codec_class(driver), "needs_link", True):
                a = dc.assignment_for_port(role, driver, port, ports=self._ports, link_overrides=self._overrides())
            else:
                a = dc.validate(dc.DeviceAssignment(role, driver))
            self.config = self.config.with_assignment(a)
            path = dc.save(self.data_dir, self.config)
        except dc.DeviceConfigError as exc:
            self._say(f"Not saved: {exc}", style.BAD)
            return
        self._show_configured()
        self._say(f"Saved: {role} = {driver}, {a.where()} (in {path}).", style.OK)

    def remove_role(self) -> None:
        role = self.role_combo.currentText()
        if self.config.get(role) is None:
            return
        self.config = self.config.without(role)
        dc.save(self.data_dir, self.config)
        self._show_configured()
        self._say(f"{role} removed.", style.TEXT)

    def _show_configured(self) -> None:
        rows = [self.config.get(r) for r in dc.ROLES if self.config.get(r) is not None]
        self.config_table.setRowCount(len(rows))
        for i, a in enumerate(rows):
            line = a.link.describe() if a.needs_link else "-"
            for j, text in enumerate((a.role, a.driver, a.where(), line)):
                self.config_table.setItem(i, j, QTableWidgetItem(text))

    def done(self, result: int) -> None:
        self.stop_test()
        self._timer.stop()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.stop_test()
        super().closeEvent(event)
