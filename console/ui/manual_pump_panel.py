"""The nurse's keypad for a pump the console cannot talk to (driver "manual").

Most clinic pumps publish no serial protocol. The nurse programs the pump itself, then tells the console
what she did here: the rate, the volume to be infused, "Pump started", "Pump stopped", "Rate changed on
pump". Each tap goes to the `ManualPump` codec, and what it reports (rate, volume infused, state) is
posted like events from a connected pump, so the session's comparison with the order, the alarms, the
records and the trend all see it. Once a second the codec's computed volume infused is posted too.

Everything on this panel is the nurse's word, not a reading, and the screen says so. An entry nobody
signed is not kept: without a logged-in user every tap is refused. A refused entry changes nothing and
leaves what she typed in the field, so she can correct it rather than type it again.
"""
from __future__ import annotations

import math
import time
from datetime import datetime
from typing import Any, Callable

from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from device_drivers.events import DeviceEvent, Measurement
from device_drivers.manual_pump import Entry, ManualPump, entry_limits
from console.ui import style
from console.ui.session.parts import scroll
from console.ui.session_style import BIG_BUTTON, ERROR_TEXT, GO_BUTTON, SEVERITY, STOP_BUTTON

POLL_MS = 1000
MESSAGE_S = 20  # how long "Pump started — recorded ..." stays
#: The kind of the audit event written for every tap (when the panel is given an audit log); payload
#: {"device": str, "entries": [{"what": "rate"|"vtbi"|"start"|"stop", "value": mL/h, mL or null}]}.
ENTRY_KIND = "pump.manual_entry"
WHAT_TEXT = {"rate": "rate", "vtbi": "volume to be infused", "start": "pump started", "stop": "pump stopped"}


class EntryRefused(ValueError):
    """An entry that cannot be what the nurse programmed; the message says what to do."""


def ml(value: float) -> str:
    return f"{value:.1f}"


def unbroken_units(text: str) -> str:
    """Keep '52.5 mL/h' on one line: wrapped as 'mL/' and 'h' it reads as a different unit."""
    return text.replace(" mL/h", "\u00a0mL/\u2060h").replace(" mL", "\u00a0mL")


def clock_text(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M")


def parse_number(text: str, what: str, unit: str) -> float | None:
    """The number the nurse typed ('52.5' or '52,5'); None for an empty field."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise EntryRefused(f"{what}: '{text}' is not a number — type it in {unit}, e.g. 52.5") from None
    if not math.isfinite(value):
        raise EntryRefused(f"{what}: '{text}' is not a number — type it in {unit}, e.g. 52.5")
    return value


def check_rate(value: float | None, *, starting: bool) -> float:
    limits = entry_limits()
    if value is None:
        raise EntryRefused("type the rate you programmed on the pump (mL/h) first")
    if value < 0:
        raise EntryRefused(f"rate {value:g} mL/h is negative: type the rate shown on the pump")
    if value == 0 and starting:
        raise EntryRefused("a pump started at 0 mL/h gives nothing: type the rate you programmed (mL/h)")
    if value > limits.rate_max_ml_per_h:
        raise EntryRefused(f"rate {value:g} mL/h is above {limits.rate_max_ml_per_h:g} mL/h, more than a pump "
                           "can be set to: check the pump and type its rate again")
    steps = value / limits.rate_step_ml_per_h
    if abs(steps - round(steps)) > 1e-6:
        raise EntryRefused(f"rate {value:g} mL/h: the pump is set in steps of {limits.rate_step_ml_per_h:g} mL/h "
                           "— type exactly what it shows")
    return value


def check_vtbi(value: float | None, infused: float) -> float | None:
    limits = entry_limits()
    if value is None:
        return None
    if value <= 0:
        raise EntryRefused(f"volume to be infused {value:g} mL: it must be more than 0 mL "
                           "(leave the field empty if you set none)")
    if value > limits.vtbi_max_ml:
        raise EntryRefused(f"volume to be infused {value:g} mL is above {limits.vtbi_max_ml:g} mL, more than "
                           "any bag here: check the pump and type it again")
    if value < infused - 1e-9:
        raise EntryRefused(f"volume to be infused {value:g} mL is less than the {ml(infused)} mL already "
                           "infused: type the total for this infusion")
    return value


def last_report(events: list[DeviceEvent]) -> list[DeviceEvent]:
    """One report per tap: the last value of each metric (earlier ones are halfway states of the same tap,
    e.g. 'rate entered, not yet started', which would look like a stopped pump) and every other event."""
    latest: dict[str, Measurement] = {}
    others: list[DeviceEvent] = []
    for event in events:
        if isinstance(event, Measurement):
            latest.pop(event.metric, None)
            latest[event.metric] = event
        else:
            others.append(event)
    return [*latest.values(), *others]


def big_label(css: str) -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet(css)
    return label


#: room kept for the status box (its longest text) on a roomy and on a short screen
STATUS_MIN_PX = {False: 130, True: 104}


class ManualPumpPanel(QWidget):
    """The keypad; wire it with `ManualPumpPanel(pump, hub.post, user=lambda: desk.user.name if desk.user
    else None, audit=audit, session_id=lambda: desk.session.session_id if desk.session else None)` and put
    it beside the vitals with `window.add_side_panel(panel, "Pump")`."""

    def __init__(self, pump: ManualPump, post: Callable[[DeviceEvent], None], clock: Callable[[], float] = time.time,
                 user: Callable[[], str | None] | None = None, *, audit: Any = None,
                 session_id: Callable[[], str | None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pump, self.post, self.clock = pump, post, clock
        self.user = user if user is not None else (lambda: None)
        self.audit, self.session_id = audit, session_id
        self.message_expires: float | None = None
        self.setStyleSheet(style.STYLESHEET)
        outer = QVBoxLayout(self)  # the panel scrolls its own page: its height never sets the window's
        outer.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        outer.addWidget(scroll(content))
        box = QVBoxLayout(content)
        box.setContentsMargins(8, 8, 8, 8)
        box.setSpacing(10)

        self.box = box
        self.title = QLabel("Pump — keyed in by the nurse")
        self.title.setStyleSheet("font-size: 22px; font-weight: bold;")
        box.addWidget(self.title)
        self.reminder = big_label(f"font-size: 17px; color: {SEVERITY['info']}; border: 2px solid {SEVERITY['info']}; "
                                  "border-radius: 8px; padding: 8px;")
        self.reminder.setText("These are YOUR ENTRIES, not readings: the console cannot see this pump. "
                              "Enter every change you make on the pump, and check the pump itself.")
        box.addWidget(self.reminder)

        self.status_box = QFrame()
        status_lay = QVBoxLayout(self.status_box)
        self.status = big_label("")
        self.status_detail = big_label("")
        status_lay.addWidget(self.status)
        status_lay.addWidget(self.status_detail)
        self.status_box.setMinimumHeight(STATUS_MIN_PX[False])  # the longest status: the buttons never jump
        box.addWidget(self.status_box)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        self.rate = self._field("e.g. 52.5")
        self.vtbi = self._field("e.g. 35")
        for row, (text, edit, unit) in enumerate((("Rate on the pump", self.rate, "mL/h"),
                                                  ("Volume to be infused", self.vtbi, "mL"))):
            label = QLabel(text)
            label.setStyleSheet("font-size: 20px;")
            units = QLabel(unit)
            units.setStyleSheet("font-size: 20px; font-weight: bold;")
            grid.addWidget(label, row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(units, row, 2)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)
        self.unsaved = big_label(f"font-size: 17px; font-weight: bold; color: {style.WARN};")
        box.addWidget(self.unsaved)
        for edit in (self.rate, self.vtbi):
            edit.textChanged.connect(self.refresh)

        self.start_button = self._button("Pump started", GO_BUTTON, self.started)
        self.stop_button = self._button("Pump stopped", STOP_BUTTON, self.stopped)
        self.change_button = self._button("Rate changed on pump", BIG_BUTTON, self.rate_changed)
        row = QHBoxLayout()
        row.addWidget(self.start_button, 1)
        row.addWidget(self.stop_button, 1)
        box.addLayout(row)
        box.addWidget(self.change_button)

        self.message = big_label(ERROR_TEXT)
        box.addWidget(self.message)
        self.last = big_label(f"font-size: 16px; color: {style.TEXT};")
        box.addWidget(self.last)
        box.addStretch(1)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(POLL_MS)
        self.refresh()

    def set_short(self, short: bool) -> None:
        """On a short screen (1366x768) the page's buttons fit unscrolled: no title (the tab says "Pump"),
        less room kept for the status, tighter spacing."""
        self.title.setVisible(not short)
        self.status_box.setMinimumHeight(STATUS_MIN_PX[short])
        self.box.setSpacing(6 if short else 10)

    def _field(self, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setStyleSheet("font-size: 26px; font-weight: bold; min-height: 56px; padding: 0 8px;")
        edit.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        return edit

    def _button(self, text: str, css: str, action: Callable[[], None]) -> QPushButton:
        b = QPushButton(text)
        b.setStyleSheet(css)
        b.clicked.connect(action)
        return b

    # --- what the nurse taps ---------------------------------------------------------------------------
    def started(self) -> None:
        def act(now: float, by: str) -> list[tuple[str, float | None]]:
            rate = check_rate(parse_number(self.rate.text(), "rate", "mL/h"), starting=True)
            vtbi = check_vtbi(parse_number(self.vtbi.text(), "volume to be infused", "mL"),
                              self.pump.volume_infused(now))
            if self.pump.running and not self.pump.vtbi_reached(now):
                raise EntryRefused("the pump is already recorded as running: to change its rate, tap "
                                   "'Rate changed on pump'")
            if vtbi is not None and vtbi <= self.pump.volume_infused(now) + 1e-9:
                raise EntryRefused(f"{ml(vtbi)} mL are already infused: enter the new volume to be infused "
                                   "(total for this infusion) you programmed")
            steps = self._changes(rate, vtbi)
            if self.pump.running:  # the volume was reached and the nurse restarts it: a stop, then a start
                steps.insert(0, ("stop", None))
            return steps + [("start", None)]
        self._do(act, "pump started")

    def stopped(self) -> None:
        def act(now: float, by: str) -> list[tuple[str, float | None]]:
            if not self.pump.running:
                raise EntryRefused("the pump is already recorded as stopped")
            return [("stop", None)]
        self._do(act, "pump stopped")

    def rate_changed(self) -> None:
        def act(now: float, by: str) -> list[tuple[str, float | None]]:
            rate = check_rate(parse_number(self.rate.text(), "rate", "mL/h"), starting=self.pump.running)
            vtbi = check_vtbi(parse_number(self.vtbi.text(), "volume to be infused", "mL"),
                              self.pump.volume_infused(now))
            steps = self._changes(rate, vtbi)
            if not steps:
                raise EntryRefused(f"the rate is already {rate:g} mL/h: type the new rate you set on the pump")
            return steps
        self._do(act, "change recorded")

    def _changes(self, rate: float, vtbi: float | None) -> list[tuple[str, float | None]]:
        steps: list[tuple[str, float | None]] = []
        if rate != self.pump.rate or not self.pump.entries:
            steps.append(("rate", rate))
        if vtbi != self.pump.vtbi:
            steps.append(("vtbi", vtbi))
        return steps

    def _do(self, act: Callable[[float, str], list[tuple[str, float | None]]], done: str) -> None:
        """Check everything first, then record and apply it all: a refused tap changes nothing."""
        now = self.clock()
        by = self.user()
        try:
            if not by:
                raise EntryRefused("log in first: every pump entry is signed with your name")
            steps = act(now, by)
        except EntryRefused as exc:
            self.say(str(exc), "bad")
            return
        try:
            self._record(now, by, steps)
        except Exception as exc:  # the record could not be written: nothing is applied, and she is told
            self.say(f"not recorded ({exc}): nothing was changed — tap again", "bad")
            return
        events: list[DeviceEvent] = []
        for what, value in steps:
            if what == "rate":
                events += self.pump.enter_rate(value, now, by=by)
            elif what == "vtbi":
                events += self.pump.enter_vtbi(value, now, by=by)
            elif what == "start":
                events += self.pump.start(now, by=by)
            else:
                events += self.pump.stop(now, by=by)
        for event in last_report(events):
            self.post(event)
        self.say(f"{done[:1].upper()}{done[1:]} — recorded at {clock_text(now)} by {by}", "ok")
        self.refresh()

    def _record(self, now: float, by: str, steps: list[tuple[str, float | None]]) -> None:
        """One audit event per tap (all its entries or none), written before the pump is changed."""
        if self.audit is None:
            return
        payload = {"device": self.pump.device,
                   "entries": [{"what": what, "value": value} for what, value in steps]}
        self.audit.append(ENTRY_KIND, payload, actor=by, t=now,
                          session_id=self.session_id() if self.session_id else None)

    # --- once a second ---------------------------------------------------------------------------------
    def tick(self) -> None:
        for event in self.pump.poll(self.clock()):
            self.post(event)
        self.refresh()

    def say(self, text: str, severity: str) -> None:
        """A refusal stays until the next tap; a confirmation fades after MESSAGE_S, so an old 'Pump started'
        is never read beside a pump that has since reached its volume."""
        self.message_expires = self.clock() + MESSAGE_S if severity == "ok" else None
        text = text[:1].upper() + text[1:]
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {SEVERITY[severity]}; font-size: 18px; font-weight: bold;")

    def status_text(self, now: float) -> tuple[str, str, str]:
        """(severity, headline, detail) of the big status box."""
        pump = self.pump
        infused = pump.volume_infused(now)
        of = f"{ml(infused)} of {ml(pump.vtbi)} mL" if pump.vtbi is not None else f"{ml(infused)} mL"
        computed = f"{of} infused (computed from your entries)"
        if pump.running and pump.vtbi_reached(now):
            return "warn", "Volume to be infused reached — check the pump", computed
        if pump.running:
            tail = "" if pump.vtbi is not None else " · no volume to be infused entered"
            return "ok", f"Pump running at {pump.rate:.1f} mL/h", computed + tail
        if not pump.entries:
            return "info", "Pump stopped", "Type the rate you programmed on the pump, then tap 'Pump started'"
        return "info", "Pump stopped", computed

    def status_line(self) -> str:
        """The status as one line, as a screen reader or a test reads it."""
        _, headline, detail = self.status_text(self.clock())
        return f"{headline} · {detail}"

    def refresh(self) -> None:
        now = self.clock()
        if self.message_expires is not None and now > self.message_expires:
            self.message.clear()
            self.message_expires = None
        severity, headline, detail = self.status_text(now)
        colour = {"ok": style.OK, "warn": style.WARN, "info": style.TEXT}[severity]
        self.status.setText(unbroken_units(headline))
        self.status.setStyleSheet(f"font-size: 26px; font-weight: bold; color: {colour};")
        self.status_detail.setText(unbroken_units(detail))
        self.status_detail.setStyleSheet(f"font-size: 19px; color: {colour};")
        self.status_box.setStyleSheet(f"QFrame {{ background: {style.PANEL}; border: 2px solid {colour}; "
                                      "border-radius: 8px; } QLabel { border: none; }")
        self.last.setText(self.last_entry_text())
        self.unsaved.setText(self.unsaved_text())

    def unsaved_text(self) -> str:
        """Warn when a field shows a figure the console has not recorded, so it is not read as the pump's."""
        pending = []
        for edit, what, recorded in ((self.rate, "rate", self.pump.rate if self.pump.entries else None),
                                     (self.vtbi, "volume to be infused", self.pump.vtbi)):
            text = edit.text().strip().replace(",", ".")
            try:
                same = (float(text) if text else None) == recorded
            except ValueError:
                same = False
            if not same and (text or recorded is not None):
                pending.append(what)
        if not pending:
            return ""
        return f"The {' and '.join(pending)} typed above {'is' if len(pending) == 1 else 'are'} NOT recorded yet"

    def last_entry_text(self) -> str:
        if not self.pump.entries:
            return "No entries yet."
        e: Entry = self.pump.entries[-1]
        value = ""
        if e.what == "rate":
            value = f" {e.value:g} mL/h"
        elif e.what == "vtbi":
            value = " none" if e.value is None else f" {e.value:g} mL"
        who = f" by {e.by}" if e.by else ""
        return f"Last entry: {WHAT_TEXT[e.what]}{value} at {clock_text(e.t)}{who}"
