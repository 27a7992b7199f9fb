"""The nurses' station window: one tile per bed, one alarm list across beds, and the station's own
technical alarm when a bed cannot be heard. Secondary information: the bed is the authority."""
from __future__ import annotations

import re
import ssl
import time
from typing import Callable

import paho.mqtt.client as mqtt
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QMainWindow, QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget)

from console.alarms.alarm_config import load_defaults
from console.station import topics
from console.station.model import RANK, Bed, StationModel
from console.station.settings import Timing, load_timing

#: tile rows: label, metrics (shown "a/b" when two), and which one carries the alarm colour
TILE_VALUES = (("SpO2", ("spo2",), "%"), ("Pulse", ("pr", "hr"), "/min"), ("RR", ("rr",), "/min"),
               ("NIBP", ("nibp_sys", "nibp_dia"), "mmHg"), ("EtCO2", ("etco2",), "mmHg"))
PHASE_TEXT = {"none": "no session", "patient": "choosing patient", "checklist": "checklist", "order": "order",
              "double_check": "double check", "infusion": "INFUSION", "observation": "OBSERVATION",
              "discharge": "discharge", "closed": "session closed"}
MUTED, OFFLINE_BG = "#8a8f98", "#3a3f47"
SIDE_MIN, SIDE_MAX = 280, 440  # the alarm list beside the tiles (at 1920 three tile columns stay)


def natural(name: str) -> list:
    """chair-2 before chair-10, as the beds stand in the room."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def minutes(seconds: float | None) -> str:
    """Whole minutes, rounded up: the desk plans in minutes ("1 min" until the clock reaches 0)."""
    if seconds is None:
        return ""
    return f"{int(-(-seconds // 60))} min"


class StationClient(QObject):
    """The station's MQTT subscriber; paho's thread hands every message to the GUI thread."""

    message = Signal(str, bytes, float)
    state = Signal(bool, str)

    def __init__(self, host: str, port: int, *, username: str = "", password: str | None = None,
                 ca_file: str = "", station: str = "station", keepalive: int = 5) -> None:
        super().__init__()
        self.station, self.host, self.port, self.keepalive = station, host, port, keepalive
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"station-{station}-{id(self) & 0xffff:x}",
                        protocol=mqtt.MQTTv311)
        if username:
            c.username_pw_set(username, password)
        if ca_file:
            c.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        c.reconnect_delay_set(1, 30)
        c.on_connect = self._connected
        self.refused = ""
        c.on_disconnect = lambda *a: self.state.emit(False, self.refused or f"lost the broker ({a[3]}); retrying")
        c.on_connect_fail = lambda *a: self.state.emit(False, f"cannot reach {host}:{port}; retrying")
        c.on_message = lambda cl, ud, msg: self.message.emit(msg.topic, bytes(msg.payload), time.time())
        self.client = c

    def start(self) -> "StationClient":
        self.client.connect_async(self.host, self.port, keepalive=self.keepalive)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.refused = f"refused by the broker: {reason_code}; retrying"
            self.state.emit(False, self.refused)
            return
        self.refused = ""
        client.subscribe(f"{topics.ROOT}/+/+", qos=1)
        self.state.emit(True, "")

    def acknowledge(self, bed: str, alarm_id: int, by: str) -> None:
        self.client.publish(topics.topic(bed, topics.ACK),
                            topics.encode(topics.ACK, {"t": time.time(), "alarm_id": alarm_id, "by": by,
                                                       "station": self.station}), qos=1)


def _text_width(text: str, pixels: int, bold: bool = False) -> int:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return QFontMetrics(font).horizontalAdvance(text)


VALUE_PX, NAME_PX = 30, 13  # a tile's value and column-name type (the styles below use the same sizes)
SPACING, MARGIN = 6, 10


def tile_width() -> int:
    """The width a tile needs for its widest values ("188/112", "150") and its column names in one row:
    computed from the fonts, so the station never lays tiles narrower than what they show."""
    columns = 0
    for label, metrics, unit in TILE_VALUES:
        widest = "888/888" if len(metrics) == 2 and label == "NIBP" else "888"
        columns += max(_text_width(widest, VALUE_PX, bold=True) + 4, _text_width(label, NAME_PX) + 4,
                       _text_width(unit, NAME_PX) + 4)
    return columns + SPACING * (len(TILE_VALUES) - 1) + 2 * MARGIN + 8  # + the 4 px border each side


class BedTile(QFrame):
    MIN_WIDTH = 320  # a floor; the real minimum is tile_width() for the fonts in use

    def __init__(self, name: str, colours: dict[str, tuple[str, str]]) -> None:
        super().__init__()
        self.colours = colours
        self.setObjectName("bedTile")
        self.setMinimumSize(max(self.MIN_WIDTH, tile_width()), 180)
        box = QVBoxLayout(self)
        box.setContentsMargins(MARGIN, 8, MARGIN, 8)
        box.setSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(f"<b>{name}</b>")
        self.title.setStyleSheet("font-size: 20px;")
        self.patient = QLabel()
        self.patient.setStyleSheet("font-size: 15px;")
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.patient)
        box.addLayout(head)
        self.phase = QLabel()
        self.phase.setStyleSheet("font-size: 15px;")
        box.addWidget(self.phase)
        grid = QGridLayout()
        grid.setHorizontalSpacing(SPACING)
        grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        for i, (label, _, unit) in enumerate(TILE_VALUES):
            # name over unit: the column is as wide as its value, not as "EtCO2 mmHg"
            name_label = QLabel(f"{label}<br><span style='color:{MUTED}'>{unit}</span>")
            name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            name_label.setStyleSheet(f"font-size: {NAME_PX}px;")
            value = QLabel("—")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            value.setMinimumHeight(40)
            widest = "888/888" if label == "NIBP" else "888"
            value.setMinimumWidth(_text_width(widest, VALUE_PX, bold=True) + 4)
            grid.setColumnStretch(i, 2 if label == "NIBP" else 1)
            grid.addWidget(name_label, 0, i, alignment=Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(value, 1, i)
            self.values[label] = value
        box.addLayout(grid)
        self._shown: dict[int, tuple] = {}
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("font-size: 14px;")
        box.addWidget(self.note)

    def _set(self, label: QLabel, text: str, style: str | None = None) -> None:
        """Qt re-lays out and re-polishes on every setText/setStyleSheet: only touch what changed."""
        key = (text, style)
        if self._shown.get(id(label)) == key:
            return
        self._shown[id(label)] = key
        label.setText(text)
        if style is not None:
            label.setStyleSheet(style)

    def show_bed(self, bed: Bed, now: float, stale_after: float) -> None:
        offline = bed.offline_since is not None
        top = None if offline else min(bed.alarms, key=lambda a: (-RANK[a["priority"]], a["started"]), default=None)
        border = "#f2c200" if offline else (self.colours[top["priority"]][0] if top else "#1f2329")
        style = (f"#bedTile {{ background: {OFFLINE_BG if offline else '#1f2329'}; border-radius: 8px;"
                 f" border: 4px solid {border}; }} QLabel {{ color: #f0f0f0; }}")
        if style != self.styleSheet():
            self.setStyleSheet(style)
        self._set(self.patient, bed.session.get("patient") or "")
        phase = bed.session.get("phase", "none")
        text = PHASE_TEXT.get(phase, phase)
        if phase == "infusion":
            text += f" — {minutes(bed.clock_left('infusion_left_s', now))} left"
        elif phase == "observation":
            text += f" — {minutes(bed.clock_left('observation_left_s', now))} left"
        self._set(self.phase, text)
        for label, metrics, _ in TILE_VALUES:
            widget = self.values[label]
            shown = [m for m in metrics if m in bed.values][:2] if label == "NIBP" else \
                [m for m in metrics if m in bed.values][:1]
            if not shown:
                self._set(widget, "—", f"font-size: {VALUE_PX}px; color: {MUTED};")
                continue
            ages = [bed.value_age(m, now) or 0 for m in shown]
            stale = offline or max(ages) > stale_after
            age_text = f"{max(ages):.0f} s" if max(ages) < 60 else f"{max(ages) / 60:.0f} min"
            text = "/".join(f"{bed.values[m]['value']:.0f}" for m in shown)
            alarm = next((bed.values[m].get("alarm") for m in shown if bed.values[m].get("alarm")), None)
            if stale:
                self._set(widget, f"<span style='font-size:26px'>{text}</span><br>"
                                  f"<span style='font-size:12px'>stale {age_text}</span>",
                          f"color: {MUTED}; background: transparent;")
            elif alarm:
                bg, fg = self.colours[alarm]
                self._set(widget, text, f"font-size: {VALUE_PX}px; font-weight: bold; color: {fg}; background: {bg};"
                                        " border-radius: 4px;")
            else:
                self._set(widget, text, f"font-size: {VALUE_PX}px; font-weight: bold; color: #f0f0f0; background: transparent;")
        if offline:
            self._set(self.note, f"<b style='color:#f2c200'>OFFLINE</b> since "
                      f"{time.strftime('%H:%M:%S', time.localtime(bed.offline_since))} — {bed.offline_why}")
        else:
            lines = []
            if top is not None:
                more = f" (+{len(bed.alarms) - 1} more)" if len(bed.alarms) > 1 else ""
                lines.append(f"<b>{top['priority'].upper()}</b>: {top['text']}{more}")
            down = [f"{d} {v['state']}" for d, v in bed.links.items() if v.get("state") != "connected"]
            if down:
                lines.append(f"<span style='color:#f2c200'>devices: {', '.join(down)}</span>")
            self._set(self.note, "<br>".join(lines))


class StationWindow(QMainWindow):
    def __init__(self, client: StationClient | None, *, timing: Timing | None = None, user: str = "station",
                 with_sound: bool = True, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.timing = timing or load_timing()
        self.client, self.user, self.clock = client, user, clock
        self.model = StationModel(self.timing.offline_after, self.timing.stale_after, self.timing.offline_priority)
        config = load_defaults()
        self.colours = {p: (d.colour, d.text_colour) for p, d in config.display.items()}
        self.setWindowTitle("Bedside Console — nurses' station")
        self.setStyleSheet("QMainWindow, QWidget#stationRoot { background: #121417; } QLabel { color: #f0f0f0; }")
        root = QWidget()
        root.setObjectName("stationRoot")
        outer = QVBoxLayout(root)
        self.banner = QLabel("Nurses' station — SECONDARY INFORMATION. Each bed is the authority for its alarms "
                             "and keeps the records; this station keeps none.")
        self.banner.setStyleSheet("color: #c8ccd2; font-size: 14px;")
        self.banner.setWordWrap(True)
        outer.addWidget(self.banner)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.tiles_host = QWidget()
        self.tiles_host.setObjectName("tilesHost")
        self.tiles_host.setStyleSheet("#tilesHost { background: #121417; }")
        self.grid = QGridLayout(self.tiles_host)
        self.grid.setSpacing(10)
        self.grid.setContentsMargins(6, 6, 6, 6)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.tiles_host)
        scroll.setStyleSheet("QScrollArea { border: none; background: #121417; }")
        split.addWidget(scroll)
        side = QWidget()
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Alarms, all beds</b> (highest priority first)")
        heading.setStyleSheet("font-size: 16px;")
        heading.setWordWrap(True)  # a narrow side at 800x600
        side_box.addWidget(heading)
        self.alarm_list = QListWidget()
        self.alarm_list.setStyleSheet("QListWidget { background: #1b1e23; color: #f0f0f0; font-size: 16px; }"
                                      " QListWidget::item { padding: 6px; margin: 2px; }")
        self.alarm_list.setWordWrap(True)
        self.alarm_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # wrap, never hide text
        self.alarm_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        side_box.addWidget(self.alarm_list, 1)
        self.ack_button = QPushButton("Acknowledge sound\n(alarm stays at the bed)")  # two lines: a narrow side
        self.ack_button.setMinimumHeight(48)
        self.ack_button.setStyleSheet("font-size: 15px;")
        self.ack_button.setToolTip("Pauses this alarm's sound at the bed, where the clinic allows it; the bed "
                                   "records who acknowledged from here. The alarm stays until handled at the bed.")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        side_box.addWidget(self.ack_button)
        split.addWidget(side)
        side.setMinimumWidth(SIDE_MIN)
        side.setMaximumWidth(560)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.scroll, self.split = scroll, split
        outer.addWidget(split, 1)
        self.status = QLabel("Broker: connecting")
        self.status.setStyleSheet("color: #c8ccd2; font-size: 13px;")
        outer.addWidget(self.status)
        self.setCentralWidget(root)
        self.tiles: dict[str, BedTile] = {}
        self.connected, self.why = False, "connecting"
        self.sounder = None
        if with_sound:
            from console.alarms.audio import AlarmSounder, SubprocessPlayer
            self.sounder = AlarmSounder(config, SubprocessPlayer(), self._audio_report)
        self.audio_note = ""
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(1000)  # offline and stale are judged to the second
        if client is not None:
            client.message.connect(self.on_message)
            client.state.connect(self.on_state)
            client.start()  # after connecting: the retained state arrives right after subscribing

    # ---- in --------------------------------------------------------------------------------------------
    def on_message(self, topic_name: str, payload: bytes, received: float) -> None:
        bad = self.model.malformed
        bed = self.model.on_message(topic_name, payload, received)
        if bed is not None:
            self.show_bed(bed)
            if not topic_name.endswith("/numerics"):  # only status and alarm messages change the list
                self.show_alarms()
        elif self.model.malformed != bad:
            self.show_status()

    def on_state(self, connected: bool, why: str) -> None:
        self.connected, self.why = connected, why
        self.show_status()

    def _audio_report(self, ok: bool, detail: str) -> None:
        self.audio_note = "" if ok else f" · No audio device — alarms are visual only ({detail[:60]})"

    def tick(self) -> None:
        now = self.clock()
        self.model.tick(now)
        for name in list(self.tiles):
            self.show_bed(name)
        self.show_alarms()
        self.show_status()
        if self.sounder is not None:
            from console.alarms.alarm import AudioDemand
            self.sounder.update(AudioDemand(self.model.audio(now)), now)

    # ---- out -------------------------------------------------------------------------------------------
    def show_bed(self, name: str) -> None:
        bed = self.model.beds.get(name)
        if bed is None:  # retained status cleared: the bed was taken out of service
            tile = self.tiles.pop(name, None)
            if tile is not None:
                tile.setParent(None)
                self._relayout()
            return
        tile = self.tiles.get(name)
        if tile is None:
            tile = self.tiles[name] = BedTile(name, self.colours)
            self._relayout()
        tile.show_bed(bed, self.clock(), self.timing.stale_after)

    def side_width(self) -> int:
        """The alarm list's share: 28 % of the window between SIDE_MIN and SIDE_MAX (at 800x600 the tiles
        keep the room for a whole tile)."""
        return max(SIDE_MIN, min(SIDE_MAX, int(self.width() * 0.28)))

    def _relayout(self) -> None:
        width = self.width() - self.side_width() - 40  # margins, spacing, the scroll bar
        tile = max(BedTile.MIN_WIDTH, tile_width())
        columns = max(1, min(4, width // (tile + self.grid.spacing())))
        for i, name in enumerate(sorted(self.tiles, key=natural)):
            self.grid.addWidget(self.tiles[name], i // columns, i % columns)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        side = self.side_width()
        self.split.setSizes([self.width() - side, side])
        self._relayout()

    def show_alarms(self) -> None:
        alarms = self.model.alarms(self.clock())
        rows = [(a.bed, a.alarm_id, a.priority, a.text, a.audible, a.acknowledged_by) for a in alarms]
        if rows == getattr(self, "_rows", None):
            return
        self._rows = rows
        selected = self.alarm_list.currentItem().data(Qt.ItemDataRole.UserRole) if self.alarm_list.currentItem() else None
        self.alarm_list.clear()
        for a in alarms:
            bg, fg = self.colours[a.priority]
            sound = "" if a.audible else "  (sound off)"
            item = QListWidgetItem(f"{a.priority.upper()}  {a.bed}  ·  {a.text}{sound}")
            item.setBackground(Qt.GlobalColor.transparent)
            from PySide6.QtGui import QBrush, QColor
            item.setBackground(QBrush(QColor(bg)))
            item.setForeground(QBrush(QColor(fg)))
            item.setData(Qt.ItemDataRole.UserRole, (a.bed, a.alarm_id))
            self.alarm_list.addItem(item)
            if selected == (a.bed, a.alarm_id):
                self.alarm_list.setCurrentItem(item)

    def show_status(self) -> None:
        broker = "connected" if self.connected else f"NOT CONNECTED ({self.why})"
        online = sum(1 for b in self.model.beds.values() if b.offline_since is None)
        bad = f" · {self.model.malformed} malformed messages ignored" if self.model.malformed else ""
        text = f"Broker: {broker} · beds online {online}/{len(self.model.beds)}{bad}{self.audio_note}"
        if text != self.status.text():
            self.status.setText(text)

    def acknowledge_selected(self) -> None:
        item = self.alarm_list.currentItem()
        if item is None or self.client is None:
            return
        bed, alarm_id = item.data(Qt.ItemDataRole.UserRole)
        if alarm_id is not None:
            self.client.acknowledge(bed, alarm_id, self.user)

    def shutdown(self) -> None:
        self.timer.stop()
        if self.sounder is not None:
            self.sounder.close()
        if self.client is not None:
            self.client.stop()
