"""The guided session panel beside the live vitals: one phase at a time, the next thing always on top.

Every button calls the SessionDesk (console/session/desk.py); the rules and the arithmetic live there and
in console/session/. A refusal is shown in words in red at the top and nothing is half-done: the record is
written before the screen moves on. The panel refreshes once a second, and every clock on it is computed
from the recorded times, so after a restart it shows exactly what it showed before.

The pages are one module each beside this one, in workflow order: lock_page, patient_page, weight_page,
checklist_page, order_page, double_check_page, infusion_page (with assessment_box, override_box),
observation_page, discharge_page, closed_page; parts holds what they share.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QMouseEvent, QTouchEvent
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout,
                               QWidget)

from console.session.desk import SessionDesk, clock_text, duration_text
from console.session.dose import DoseError, fmt
from console.session.errors import SessionError
from console.session.staff import StaffError
from console.ui import style
from console.ui.restyle import set_style
from console.ui.steady_label import SteadyLabel
from console.ui.session_style import (ERROR_TEXT, PLAIN_BUTTON, SEVERITY)

from console.ui.session.parts import (STEPS, REFRESH_MS, MESSAGE_S, QuietLabel, button, scroll, Page)
from console.ui.session.lock_page import LockPage
from console.ui.session.patient_page import FindPage
from console.ui.session.weight_page import WeightPage
from console.ui.session.checklist_page import ChecklistPage
from console.ui.session.order_page import OrderPage
from console.ui.session.double_check_page import DoubleCheckPage
from console.ui.session.infusion_page import InfusionPage
from console.ui.session.observation_page import ObservationPage
from console.ui.session.discharge_page import DischargePage
from console.ui.session.closed_page import ClosedPage


# --- the panel ------------------------------------------------------------------------------------------
_INPUT = (QMouseEvent, QKeyEvent, QTouchEvent)


class _ActivityFilter(QObject):
    def __init__(self, panel: "SessionPanel") -> None:
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        # Installed on the top-level windows (QWindow), which see each input event of their widgets
        # first, and otherwise only their own few events (expose, update requests): no longer every event
        # of every widget of the application. The isinstance test is still cheap, while event.type()
        # builds a Python enum each call.
        if isinstance(event, _INPUT) and event.type() in (QEvent.MouseButtonPress, QEvent.KeyPress,
                                                            QEvent.TouchBegin):
            self.panel.touch()
        return False


class _Pages(dict):
    """The panel's pages by name, each built the first time it is shown or asked for: at start-up only the
    page the panel opens on, the others when the session reaches them (or a caller needs one). Ten pages
    nobody sees yet were a tenth of the console's CPU before its first frame (docs/benchmarks.md,
    start-up). `name in pages` says whether a page has been built."""

    def __init__(self, panel: "SessionPanel", classes) -> None:
        super().__init__()
        self.panel, self.classes = panel, dict(classes)

    def __missing__(self, name: str) -> Page:
        page = self.classes[name](self.panel)  # KeyError for a name that is no page
        self[name] = page
        self.panel._contain(name, page)
        return page


class SessionPanel(QWidget):
    """The whole guided workflow; put it beside the vitals with MainWindow.add_side_panel(panel, "Session")."""

    #: The patient line (name, MRN, DOB, weight, allergies) whenever it changes, for the window's header.
    patient_changed = Signal(str)

    def __init__(self, desk: SessionDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setStyleSheet(style.STYLESHEET)  # dark and large on its own, not only inside the main window
        self.last_activity = desk.clock()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.user_label = QLabel("")
        self.user_label.setStyleSheet("font-size: 16px;")
        self.lock_button = button("Lock", PLAIN_BUTTON)
        self.lock_button.clicked.connect(self.lock)
        top.addWidget(self.user_label, 1)
        top.addWidget(self.lock_button)
        outer.addLayout(top)
        self.short = False  # a short (768-line) screen: see set_short
        self.steps_box = QWidget()
        steps = QHBoxLayout(self.steps_box)
        steps.setContentsMargins(0, 0, 0, 0)
        steps.setSpacing(2)
        self.step_labels = {}
        for phase, text in STEPS:
            label = QLabel(text)
            label.setAlignment(Qt.AlignCenter)
            self.step_labels[phase] = label
            steps.addWidget(label)
        outer.addWidget(self.steps_box)
        self.patient = QLabel("")
        self.patient.setWordWrap(True)
        self.patient.setStyleSheet("font-size: 18px; font-weight: bold;")
        outer.addWidget(self.patient)
        self.next = QLabel("")
        self.next.setWordWrap(True)
        outer.addWidget(self.next)
        self.status = SteadyLabel("")  # its clocks tick every second: no relayout (console/ui/steady_label.py)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.RichText)
        outer.addWidget(self.status.holder)
        self.message = QuietLabel()  # the refusal or confirmation: no height while empty
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_TEXT)
        outer.addWidget(self.message)
        self.stack = QStackedWidget()
        self.containers: dict[str, QWidget] = {}
        self.pages = _Pages(self, (("lock", LockPage), ("find", FindPage), ("patient", WeightPage),
                                   ("checklist", ChecklistPage), ("order", OrderPage),
                                   ("double_check", DoubleCheckPage), ("infusion", InfusionPage),
                                   ("observation", ObservationPage), ("discharge", DischargePage),
                                   ("closed", ClosedPage)))
        outer.addWidget(self.stack, 1)
        self._filter = _ActivityFilter(self)
        self._watching = False  # the filter is installed only while someone is logged in (refresh())
        self._watched: set = set()  # the top-level windows it is installed on
        self.set_short(False)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        self.refresh()

    def _contain(self, name: str, page: Page) -> None:
        # every page scrolls, so the window fits a 1080-line screen even with a full alarm bar
        self.containers[name] = page if page.scrolls_itself else scroll(page)
        self.stack.addWidget(self.containers[name])

    def set_short(self, short: bool) -> None:
        """On a short screen (MainWindow.SHORT_HEIGHT) the header gives its height to the page: no step
        row (NEXT and the tab say where the session is), NEXT and the status box in smaller type."""
        self.short = short
        self.layout().setContentsMargins(*((4, 2, 4, 2) if short else (8, 8, 8, 8)))
        self.layout().setSpacing(3 if short else 6)
        self.steps_box.setVisible(not short)
        self.lock_button.setStyleSheet(PLAIN_BUTTON + (" min-height: 36px;" if short else ""))
        self.status.setStyleSheet(f"background: {style.PANEL}; padding: {4 if short else 8}px; "
                                  f"font-size: {16 if short else 18}px;")
        self.refresh()

    # --- actions ---------------------------------------------------------------------------------------
    def do(self, action: Callable[[], Any], done: str = "") -> Any:
        """Run one user action; a refusal becomes the red message, success moves the screen on."""
        try:
            result = action()
        except (SessionError, StaffError, DoseError) as exc:
            self.show_error(str(exc))
            return None
        self.after_action(done)
        return result if result is not None else True

    def after_action(self, done: str = "") -> None:
        self.show_error(done, severity="ok") if done else self.message.clear()
        self.refresh()

    def show_error(self, text: str, severity: str = "bad") -> None:
        """A refusal stays until the next action; a confirmation fades after MESSAGE_S (it is history)."""
        text = text[:1].upper() + text[1:] if text else text
        self.message_expires = self.desk.clock() + MESSAGE_S if severity == "ok" else None
        # what NEXT said when this was confirmed: a confirmation given beside a red NEXT stays its time
        self.confirmed_under = self.desk.next_step()[0] if severity == "ok" else None
        self.message.setText(text)
        # smaller on a short screen, as NEXT: a two-line refusal must leave the page's controls on screen
        self.message.setStyleSheet(f"color: {SEVERITY[severity]}; font-size: {16 if self.short else 18}px; "
                                   "font-weight: bold;")

    def clear_refusal(self, *_) -> None:
        """The nurse is changing the input a refusal was about: the red words no longer apply, clear them
        (a green confirmation stays its MESSAGE_S)."""
        if getattr(self, "message_expires", None) is None and self.message.text():
            self.message.clear()

    def touch(self) -> None:
        self.last_activity = self.desk.clock()

    def _watch_activity(self, on: bool) -> None:
        """Watch the nurse's touches and keys (for the idle lock) only while someone is logged in, on the
        application's top-level windows (the console's, and a dialog or keypad opened over it). A touch
        or a key reaches the window (QWindow) before the widget under it, so a filter there sees every
        input of that window and little else. An application-wide filter saw every event of every widget
        (each paint, timer and queued device signal), each one a call into Python: ~15 % of the GUI
        thread's time with nobody logged in, ~6 % with a nurse logged in (docs/benchmarks.md, "Console
        CPU"). A login counts as activity. While watching, each refresh (1 s) adds windows opened since."""
        if QGuiApplication.instance() is None:
            return
        windows = QGuiApplication.topLevelWindows()
        if on:
            for window in windows:
                if window not in self._watched:
                    window.installEventFilter(self._filter)
                    self._watched.add(window)
                    window.destroyed.connect(lambda *_, w=window: self._watched.discard(w))
            if not self._watching:
                self.touch()
        elif self._watching:
            for window in list(self._watched):
                try:
                    window.removeEventFilter(self._filter)
                except RuntimeError:  # its C++ object is gone (a closed dialog)
                    pass
            self._watched.clear()
        self._watching = on

    def lock(self) -> None:
        self.desk.lock()
        self.message.clear()
        self.refresh()

    # --- showing -------------------------------------------------------------------------------------------
    def current_page_name(self) -> str:
        if self.desk.user is None:
            return "lock"
        s = self.desk.session
        if s is None:
            return "find"
        return s.state.phase

    def refresh(self) -> None:
        self._watch_activity(self.desk.user is not None)  # a new login is activity, before the idle check
        now = self.desk.clock()
        if getattr(self, "message_expires", None) is not None and now > self.message_expires:
            self.message.clear()
            self.message_expires = None
        if self.desk.user is not None and now - self.last_activity > self.desk.config.clinic.idle_lock_minutes * 60:
            self.desk.lock()
        name = self.current_page_name()
        page = self.pages[name]
        if self.stack.currentWidget() is not self.containers[name]:
            self.stack.setCurrentWidget(self.containers[name])
        page.refresh()
        user = self.desk.user
        self._watch_activity(user is not None)
        self.user_label.setText(f"Logged in: {user.name} ({user.role})" if user else "Locked")
        self.lock_button.setVisible(user is not None)
        s = self.desk.session
        phase = s.state.phase if s is not None else None
        order = [p for p, _ in STEPS]
        for p, label in self.step_labels.items():
            if phase == p:
                css = "background: #2563eb; color: white; font-weight: bold;"
            elif phase in order and order.index(p) < order.index(phase) or phase == "closed":
                css = f"color: {style.OK};"
            else:
                css = f"color: {style.MUTED};"
            set_style(label, css + " font-size: 13px; padding: 4px 1px; border-radius: 4px;")
        if s is None or user is None:
            self.patient.setText("")
        else:
            st = s.state
            p = st.patient
            weight = f" · {fmt(st.weight_kg, 1)} kg" if st.weight_kg else ""
            allergy = p.get("allergies") or "none known"
            self.patient.setText(f"{p['name']} · {p['mrn']} · born {p['dob']}{weight} · Allergies: {allergy}")
        if self.patient.text() != getattr(self, "_announced", None):
            self._announced = self.patient.text()
            self.patient_changed.emit(self._announced)
        severity, text = self.desk.next_step()
        if getattr(self, "message_expires", None) is not None:
            # a green confirmation ("Rate changed: the console is setting the pump") is history once something
            # comes to stand in the way (the interlock holds the pump, the pump differs from the order): it
            # must not read as the state of the pump beside a red NEXT. One given while NEXT was already red
            # (the pump not yet read back) stays until NEXT has been clear and turns red again.
            if severity == "bad" and self.confirmed_under != "bad":
                self.message.clear()
                self.message_expires = None
            else:
                self.confirmed_under = severity
        self.next.setText("NEXT: " + text)
        set_style(self.next, f"font-size: {19 if self.short else 22}px; font-weight: bold; "
                             f"color: {SEVERITY[severity]}; border: 2px solid {SEVERITY[severity]}; "
                             f"border-radius: 8px; padding: {2 if self.short else 8}px;")
        self.status.setText(self.status_text(now))
        self.status.setVisible(bool(self.status.text()) and user is not None)

    def status_text(self, now: float) -> str:
        s = self.desk.session
        if s is None or not s.state.started:
            return ""
        st = s.state
        rows = []
        if st.phase == "infusion":
            held = s.interlock_verdict("resume", now)  # the core's verdict: the pump is stopped and held
            state = ("PAUSED" if st.paused else "volume complete" if st.volume_complete(now) else "running")
            if not held.ok:  # never "running": the pump is stopped and held whatever the session last set
                # one line on a 768-line screen (it wrapped): NEXT above says what holds it
                held_words = "PAUSED, pump HELD" if st.paused else "Pump STOPPED, HELD"
                state = f"<span style='color:{style.BAD}'><b>{held_words}</b></span>"
            remaining = st.infusion_remaining_seconds(now)
            rows.append(f"{'Infusion ' if held.ok else ''}{state} · {duration_text(st.infusion_seconds(now))} elapsed" +
                        (f" · {duration_text(remaining)} left" if remaining is not None else ""))
            rows.append(f"Rate <b>{fmt(st.rate_ml_per_h, 1)} mL/h</b> = "
                        f"{fmt(st.rate_ml_per_h * st.concentration / st.weight_kg, 3)} mg/kg/h")
        elif st.phase == "observation":
            left = st.observation_remaining_seconds(now)
            rows.append(f"Observation · {duration_text(left)} left" if left else "Observation complete")
        rows.append(f"{'Given in total' if st.phase in ('discharge', 'closed') else 'Given so far'} <b>{fmt(st.delivered_mg(now), 1)} mg</b> = "
                    f"{fmt(st.delivered_mg_per_kg(now), 3)} mg/kg of {fmt(st.order['total_mg'], 3)} mg ordered")
        due = st.next_assessment_due_t()
        if due is not None:
            overdue = st.assessment_overdue_seconds(now)
            rows.append(f"<span style='color:{style.BAD}'><b>Assessment OVERDUE by {duration_text(overdue)}</b>"
                        "</span>" if overdue else f"Next assessment at {clock_text(due)} "
                                                  f"(in {duration_text(due - now)})")
        return "<br>".join(rows)


def build_session_panel(database, audit, *, hub=None, data_dir=None, window=None, clock=None) -> SessionPanel:
    """The panel wired to the records and (optionally) the device hub; for the composition root (app.py):
    `window.add_side_panel(build_session_panel(db, audit, hub=hub, data_dir=path, window=window), "Session")`;
    with `window`, its header shows the session's patient."""
    from pathlib import Path

    from console.session.config import load_config

    import time
    from console.session.rules.rules_config import rules_for
    desk = SessionDesk(database, audit, load_config(Path(data_dir) if data_dir else None),
                       rules=rules_for(Path(data_dir) if data_dir else None), clock=clock or time.time)
    panel = SessionPanel(desk)
    if hub is not None:
        hub.measurement.connect(desk.on_measurement)
    if window is not None:
        label = window.patient_label
        idle = label.text()
        panel.patient_changed.connect(lambda text: label.setText(text or idle))
        panel.refresh()
    return panel
