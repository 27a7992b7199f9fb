"""The alarm bar: the most urgent active alarms in IEC colours, and a count of the others.

IEC 60601-1-8 visual signals: high priority red flashing at 1.4-2.8 Hz, medium yellow at 0.4-0.8 Hz,
low cyan steady (rates and colours from resources/alarm_defaults.toml). Which alarms get the rows is
decided in console/alarms/alarm.py (`bar_view`): priority, then unacknowledged before acknowledged, then a
patient alarm before a technical one, then newest (never a technical alarm first over a patient alarm of its
priority); a technical alarm keeps the last row only when it displaces nothing more urgent; the respiratory
interlock's alarm keeps a row while it holds the pump, whatever its priority. The count line
says how many more there are and how many of them are unacknowledged. The two big buttons are the
nurse's: acknowledge and audio pause; the interlock's row carries its own "pump stopped" confirmation.
"""
from __future__ import annotations

import re
import time
from typing import Callable

from PySide6.QtCore import QObject, QRectF, QTimer, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.alarms.alarm import Alarm, bar_view
from console.alarms.alarm_config import AlarmConfig, VisualSignal
from console.alarms.interlock import KEY as INTERLOCK_KEY
from console.ui import style
from console.ui.steady_label import SteadyLabel

MAX_ROWS = 2  # the most urgent two (see console.alarms.alarm.bar_view); the rest are counted below and
              # listed in the alarm history. More rows would squeeze the vitals on a 1080-line screen.
SHORT_ROWS = 1  # on a short screen (768 lines) the most urgent one and the count line: the session's
                # controls below must stay on screen during an infusion with alarms (MainWindow.SHORT_HEIGHT)
ROW_HEIGHT = 76  # every row (and the quiet line): an alarm and its instruction, four lines at the smallest TEXT_SIZES
MORE_HEIGHT = 22  # the "+ N more alarms" line
TEXT_SIZES = ((18, 16), (16, 14), (15, 13), (14, 12))  # (alarm, what to do) px, largest first: see fit_text
STATE_PX, STATE_LINES = 13, 3  # the row's state (age, cleared, ack, audio paused): small, one fact a line
DARK = "#1b2330"
RADIUS = 6  # the row's rounded corners (px)
TAGS = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW"}


class Flasher(QObject):
    """One timer per flashing priority; `toggled(priority, lit)` every half period (at the configured duty)."""

    toggled = Signal(str, bool)

    def __init__(self, display: dict[str, VisualSignal], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.display = display
        self.lit: dict[str, bool] = {p: True for p in display}
        self.timers: dict[str, QTimer] = {}
        for priority, signal in display.items():
            if signal.flash_hz <= 0:
                continue
            timer = QTimer(self)
            timer.setTimerType(Qt.PreciseTimer)
            timer.timeout.connect(lambda p=priority: self._toggle(p))
            self.timers[priority] = timer
            timer.start(self.interval_ms(priority, lit=True))

    def interval_ms(self, priority: str, *, lit: bool) -> int:
        s = self.display[priority]
        period = 1000.0 / s.flash_hz
        return round(period * (s.duty if lit else 1.0 - s.duty))

    def _toggle(self, priority: str) -> None:
        self.lit[priority] = not self.lit[priority]
        self.timers[priority].setInterval(self.interval_ms(priority, lit=self.lit[priority]))
        self.toggled.emit(priority, self.lit[priority])


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


#: a value and its unit ("5 /min", "84 %", "62 mmHg"): kept on one line in a row (at 1366 "Resp. rate
#: low: 5 /" ended one line and "min" began the next)
_VALUE_UNIT = re.compile(r"(\d) ([%/°]\S*|bpm\b|mmHg\b)")


def _keep_units(text: str) -> str:
    """`text` with a no-break space between each value and its unit, and a word joiner after a unit's
    leading "/" (a line may break after a slash)."""
    return _VALUE_UNIT.sub(lambda m: m.group(1) + "\u00a0" + m.group(2).replace("/", "/\u2060", 1), text)


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class _Tint:
    """A label's text colour (the flash's phase) as its own one-rule style sheet. A palette would be
    cheaper but is not what a label under a style sheet paints with. Only this label is re-polished, and
    as a steady label (console/ui/steady_label.py) it does not re-lay out the window."""

    def set_tint(self, colour: str) -> None:
        css = f"color: {colour};"
        if self.styleSheet() != css:
            self.setStyleSheet(css)


class _TintLabel(_Tint, SteadyLabel):
    pass


class AlarmRow(QFrame):
    """One alarm: its priority tag, its words and what to do, its state, and its buttons.

    The flash is painted, not styled: the row's style sheet is set once, its background (the priority's
    colour when lit, dark when not) is filled in paintEvent, and the labels' text colour is their palette.
    Restyling the row on every flash re-polished it and its children and re-laid out the window, 4 times a
    second for a high alarm (docs/benchmarks.md, "Console CPU"); now a flash is one repaint of the row."""

    acknowledge = Signal(int)
    confirm_stop = Signal()
    resume = Signal()

    def __init__(self, config: AlarmConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmRow")
        self.config = config
        self.alarm: Alarm | None = None
        self.lit = True
        self._painted: tuple[str, str] | None = None  # (background, text) shown: see paint()
        self.tag = _TintLabel()
        self.tag.holder.setMinimumWidth(110)
        self.tag.setAlignment(Qt.AlignCenter)
        self.text = _TintLabel()
        self.text.setWordWrap(True)
        self.state = _TintLabel()  # its age ticks every second: no relayout (console/ui/steady_label.py)
        self.state.setObjectName("alarmState")  # smaller type (see paint): its lines must fit the row's height
        self.state.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.stop_button = QPushButton("Pump is stopped")
        self.stop_button.setMinimumSize(170, 48)
        self.stop_button.clicked.connect(self.confirm_stop.emit)
        self.resume_button = QPushButton("Restart (PIN)…")
        self.resume_button.setMinimumSize(170, 48)
        self.resume_button.clicked.connect(self.resume.emit)
        self.ack_button = QPushButton("Ack")
        self.ack_button.setMinimumSize(72, 48)
        self.ack_button.clicked.connect(lambda: self.alarm and self.acknowledge.emit(self.alarm.id))
        self.setFixedHeight(ROW_HEIGHT)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.tag.holder)
        row.addWidget(self.text.holder, 1)
        row.addWidget(self.state.holder)
        row.addWidget(self.stop_button)
        row.addWidget(self.resume_button)
        row.addWidget(self.ack_button)
        # set once: the flash changes only what paintEvent fills and the labels' palettes (see paint)
        self.setStyleSheet(f"QFrame#alarmRow {{ background: transparent; border: none; }}"
                           f"QFrame#alarmRow QLabel {{ background: transparent; font-size: 18px; }}"
                           f"QFrame#alarmRow QLabel#alarmState {{ font-size: {STATE_PX}px; }}"
                           f"QFrame#alarmRow QPushButton {{ color: {style.TEXT}; }}")

    def show_alarm(self, alarm: Alarm, now: float) -> None:
        self.alarm = alarm
        kind = {"technical": " · TECH", "device": " · DEVICE"}.get(alarm.kind, "")
        self.tag.setText(f"{TAGS[alarm.priority]}{kind}")
        self.words = (alarm.text, alarm.instruction)
        first = _age(now - alarm.started) + (" · ESCALATED" if alarm.escalated else "")
        bits = [first]
        if alarm.latched:
            bits.append(f"cleared {_clock(alarm.cleared_at or now)}")
        if alarm.acknowledged_by:
            bits.append(f"ack {alarm.acknowledged_by}")
        if alarm.audio_paused_until and alarm.audio_paused_until > now:
            # the Audio pause button counts the bar's pause down too: this row's own only when there is room
            bits.append(f"audio paused {_age(alarm.audio_paused_until - now)}")
        # one fact a line, three at most: narrow, so the alarm's own words keep the row's width
        self.state.setText("<br>".join(bits[:STATE_LINES]))
        interlock = alarm.key == INTERLOCK_KEY
        self.stop_button.setVisible(interlock and "STOP THE PUMP" in alarm.instruction)
        self.resume_button.setVisible(interlock and "Pump stopped by" in alarm.instruction)
        self.ack_button.setVisible(alarm.acknowledged_by is None or alarm.latched)
        # fitted once the buttons and state column are set: they decide the words' width (the interlock's
        # restart button appearing left its reason fitted to the wider label, cut at 1366x768)
        self.layout().activate()
        self.fit_text()
        self.paint()

    def fit_text(self) -> None:
        """The alarm's words and what to do, in the largest of TEXT_SIZES whose lines fit the row's height
        at the label's width (a long interlock alarm on a 1366 screen wraps to four lines at full size)."""
        if self.alarm is None:
            return
        width = self.text.holder.width()  # the layout's width for it, even before a hidden row got its resize
        key = (self.words, width, self.height())
        if key == getattr(self, "_fitted", None):
            return  # the ages tick every second; the words and the room rarely change
        self._fitted = key
        room = self.contentsRect().height() - self.layout().contentsMargins().top() \
            - self.layout().contentsMargins().bottom()
        alarm_text, instruction = self.words
        for title_px, instruction_px in TEXT_SIZES:
            text = f"<span style='font-size: {title_px}px'><b>{_keep_units(alarm_text)}</b></span>"
            if instruction:
                text += f"<br><span style='font-size: {instruction_px}px'>{instruction}</span>"
            self.text.setText(text)
            if self.text.heightForWidth(max(1, width)) <= room:
                break

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.fit_text()

    def set_lit(self, lit: bool) -> None:
        self.lit = lit
        self.paint()

    def colours(self) -> tuple[str, str]:
        """(background, text) for the current phase: the priority colour when lit, dark when not."""
        signal = self.config.display[self.alarm.priority] if self.alarm else None
        if signal is None:
            return DARK, style.TEXT
        if self.lit or signal.flash_hz <= 0:
            return signal.colour, signal.text_colour
        return DARK, signal.colour

    def paint(self) -> None:
        """Show the current phase's colours: a repaint of the row, no restyling (see the class)."""
        colours = self.colours()
        if colours == self._painted:
            return
        self._painted = colours
        self._tint_labels()
        self.update()

    def _tint_labels(self) -> None:
        for label in (self.tag, self.text, self.state):
            label.set_tint(self._painted[1])

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self._painted is not None:
            painter = QPainter(self)
            painter.setRenderHint(QPainter.Antialiasing)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(self._painted[0]))
            painter.drawRoundedRect(QRectF(self.rect()), RADIUS, RADIUS)
            painter.end()
        super().paintEvent(event)


class AlarmBar(QWidget):
    acknowledge = Signal(int)
    acknowledge_all = Signal()
    pause_audio = Signal()
    confirm_pump_stopped = Signal()
    #: The interlock row's restart button: the console asks for a physician's PIN, then calls the engine.
    resume_after_interlock = Signal()

    def __init__(self, config: AlarmConfig, clock: Callable[[], float] = time.time,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.clock = clock
        self.flasher = Flasher(config.display, self)
        self.flasher.toggled.connect(self._flash)
        self.alarms: list[Alarm] = []
        self.rows: list[AlarmRow] = []
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        self.quiet = QLabel("No active alarms")
        self.quiet.setStyleSheet(f"color: {style.MUTED}; font-size: 18px; padding: 8px;")
        self.quiet.setFixedHeight(ROW_HEIGHT)
        self.more = QLabel()
        self.more.setStyleSheet(f"color: {style.TEXT}; font-size: 16px; font-weight: bold;")
        self.rows_box.addWidget(self.quiet)
        for _ in range(MAX_ROWS):
            row = AlarmRow(config)
            row.acknowledge.connect(self.acknowledge.emit)
            row.confirm_stop.connect(self.confirm_pump_stopped.emit)
            row.resume.connect(self.resume_after_interlock.emit)
            row.setVisible(False)
            self.rows.append(row)
            self.rows_box.addWidget(row)
        self.rows_box.addWidget(self.more)
        self.rows_box.addStretch(1)
        self.more.setFixedHeight(MORE_HEIGHT)
        self.set_short(False)
        self.ack_button = QPushButton("Acknowledge\nalarms")
        self.pause_button = QPushButton(f"Audio pause\n{_age(config.audio_pause_seconds)}")
        for b in (self.ack_button, self.pause_button):
            b.setMinimumSize(170, 80)
            b.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.ack_button.clicked.connect(self.acknowledge_all.emit)
        self.pause_button.clicked.connect(self.pause_audio.emit)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.rows_box, 1)
        outer.addWidget(self.ack_button, 0, Qt.AlignTop)
        outer.addWidget(self.pause_button, 0, Qt.AlignTop)
        self.ages = QTimer(self)
        self.ages.timeout.connect(self.refresh)
        self.ages.start(1000)
        self.show_alarms([])

    def set_short(self, short: bool) -> None:
        """On a short screen one row (the most urgent alarm) and the count line, else MAX_ROWS rows.

        The bar keeps one height whatever it shows, like a monitor's alarm area: alarms that come and go
        never move the tiles and trend beneath (a moving screen misleads the eye, and a relayout costs the
        GUI thread the time in which the next alarm should be raised); only the window's size changes it."""
        self.row_count = SHORT_ROWS if short else MAX_ROWS
        self.setFixedHeight(self.row_count * (ROW_HEIGHT + self.rows_box.spacing()) + MORE_HEIGHT)
        if hasattr(self, "ages"):
            self.refresh()

    def visible_alarms(self) -> list[Alarm]:
        """What fits in the rows, chosen by `bar_view` (the ordering is the alarm system's, not the widget's)."""
        return bar_view(self.alarms, self.row_count, keep=(INTERLOCK_KEY,)).shown

    def show_alarms(self, alarms: list[Alarm]) -> None:
        self.alarms = list(alarms)
        self.refresh()

    def refresh(self) -> None:
        now = self.clock()
        view = bar_view(self.alarms, self.row_count, keep=(INTERLOCK_KEY,))
        shown = view.shown
        for row, alarm in zip(self.rows, shown):
            row.lit = self.flasher.lit.get(alarm.priority, True)
            row.show_alarm(alarm, now)
            row.setVisible(True)
        for row in self.rows[len(shown):]:
            row.alarm = None
            row.setVisible(False)
        self.quiet.setVisible(not shown)
        hidden = view.hidden
        self.more.setText(view.more_text())
        self.more.setVisible(hidden > 0)
        paused = [a.audio_paused_until for a in self.alarms if a.audio_paused_until and a.audio_paused_until > now]
        self.pause_button.setText(f"Audio paused\n{_age(max(paused) - now)}" if paused
                                  else f"Audio pause\n{_age(self.config.audio_pause_seconds)}")
        self.ack_button.setEnabled(any(a.acknowledged_by is None or a.latched for a in self.alarms))

    def _flash(self, priority: str, lit: bool) -> None:
        for row in self.rows:
            if row.alarm is not None and row.alarm.priority == priority and row.isVisible():
                row.set_lit(lit)
