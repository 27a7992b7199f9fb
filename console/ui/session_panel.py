"""The guided session panel beside the live vitals: one phase at a time, the next thing always on top.

Every button calls the SessionDesk (console/session/desk.py); the rules and the arithmetic live there and
in console/session/. A refusal is shown in words in red at the top and nothing is half-done: the record is
written before the screen moves on. The panel refreshes once a second, and every clock on it is computed
from the recorded times, so after a restart it shows exactly what it showed before.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable

from PySide6.QtCore import QDate, QEvent, QObject, QSize, QTimer, Qt, Signal
from PySide6.QtWidgets import (QApplication, QButtonGroup, QCheckBox, QComboBox, QDateEdit,
                               QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QScrollArea, QSpinBox, QStackedWidget, QTimeEdit,
                               QVBoxLayout, QWidget)

from console.session.desk import CLINICAL_ROLES, SessionDesk, clock_text, duration_text
from console.session.dose import DoseError, describe, fmt
from console.session.errors import NeedsConfirmation, SessionError
from console.session.staff import StaffError
from console.ui import style
from console.ui.pin_dialog import PinPad, SecondPersonBox
from console.ui.ledger_box import LedgerBox
from console.ui.number_edit import NumberEdit
from console.ui.session_style import (BIG_BUTTON, CHOICE_BUTTON, ERROR_TEXT, FAIL_MARK, FIELD, GO_BUTTON,
                                      OPEN_MARK, PASS_MARK, PLAIN_BUTTON, SEVERITY, STOP_BUTTON)

STEPS = (("patient", "Patient"), ("checklist", "Checklist"), ("order", "Order"), ("double_check", "Check"),
         ("infusion", "Infusion"), ("observation", "Observe"), ("discharge", "Discharge"))
REFRESH_MS = 1000
MESSAGE_S = 20  # a confirmation ("Assessment recorded") stays this long


def button(text: str, css: str = BIG_BUTTON) -> QPushButton:
    b = QPushButton(text)
    b.setStyleSheet(css)
    return b


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 20px; font-weight: bold; color: #e5e7eb;")
    label.setWordWrap(True)
    return label


def field(widget: QWidget) -> QWidget:
    widget.setStyleSheet(FIELD)
    if isinstance(widget, QComboBox):  # long choice texts must not widen the narrow side panel
        widget.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        widget.setMinimumContentsLength(8)
    return widget


def line(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setStyleSheet(FIELD)
    return edit


class Choices(QWidget):
    """A row of large exclusive buttons (pain 0-10, yes/no); `value` is the chosen data or None."""

    def __init__(self, options: list[tuple[str, Any]], parent: QWidget | None = None, columns: int = 6) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.data: dict[int, Any] = {}
        for n, (text, value) in enumerate(options):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setStyleSheet(CHOICE_BUTTON)
            self.group.addButton(b, n)
            self.data[n] = value
            grid.addWidget(b, n // columns, n % columns)

    @property
    def value(self) -> Any:
        checked = self.group.checkedId()
        return None if checked < 0 else self.data[checked]

    def clear(self) -> None:
        self.group.setExclusive(False)
        for b in self.group.buttons():
            b.setChecked(False)
        self.group.setExclusive(True)

    def choose(self, value: Any) -> None:
        for n, v in self.data.items():
            if v == value:
                self.group.button(n).setChecked(True)


def scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


class Page(QWidget):
    #: True for pages that put their content in their own scroll area (the panel wraps the others)
    scrolls_itself = False

    def __init__(self, panel: "SessionPanel") -> None:
        super().__init__()
        self.panel, self.desk = panel, panel.desk
        self.box = QVBoxLayout(self)
        self.box.setSpacing(10)

    def do(self, action: Callable[[], Any], done: str = "") -> Any:
        return self.panel.do(action, done)

    def refresh(self) -> None:
        """Bring the page up to date with the session (called each second and after every action)."""


# --- lock and patient -------------------------------------------------------------------------------------
class LockPage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        self.title = heading("")
        self.first = QWidget()
        f = QVBoxLayout(self.first)
        f.addWidget(heading("First start: create the administrator account"))
        self.admin_user, self.admin_name, self.admin_pin = line("username"), line("full name"), line("PIN (digits)")
        self.admin_pin.setEchoMode(QLineEdit.Password)
        for w in (self.admin_user, self.admin_name, self.admin_pin):
            f.addWidget(w)
        make = button("Create administrator")
        make.clicked.connect(self._create_admin)
        f.addWidget(make)
        self.pad = PinPad(self.desk.staff.members(), button_label="Unlock")
        self.pad.submitted.connect(self._login)
        inner = QWidget()  # scrolls like every other page, so a full alarm bar cannot push the keypad off screen
        lay = QVBoxLayout(inner)
        lay.addWidget(self.title)
        lay.addWidget(self.first)
        lay.addWidget(self.pad)
        lay.addStretch(1)
        self.box.addWidget(scroll(inner))

    def _create_admin(self):
        def act():
            self.desk.staff.create_first_admin(self.admin_user.text(), self.admin_name.text(),
                                               self.admin_pin.text(), now=self.desk.clock())
            self.admin_pin.clear()
            self.pad.set_staff(self.desk.staff.members())
        self.do(act, "Administrator created: log in with your PIN")

    def _login(self, username, pin):
        if self.do(lambda: self.desk.login(username, pin)) is not None:
            self.panel.touch()

    def refresh(self):
        first = self.desk.staff.needs_first_admin()
        self.first.setVisible(first)
        self.pad.setVisible(not first)
        self.title.setText("Screen locked — choose your name and enter your PIN" if not first else "")
        if self.pad.who.count() != len(self.desk.staff.members()):
            self.pad.set_staff(self.desk.staff.members())


class FindPage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        inner = QWidget()
        outer_box, page_box = self.box, QVBoxLayout(inner)
        outer_box.addWidget(scroll(inner))
        self.patient_part = QWidget()
        self.box = QVBoxLayout(self.patient_part)
        self.box.setContentsMargins(0, 0, 0, 0)
        page_box.addWidget(self.patient_part)
        self.box.addWidget(heading("Find the patient"))
        self.search = line("MRN or name")
        self.search.textChanged.connect(self._search)
        self.results = QListWidget()
        self.results.setStyleSheet("font-size: 20px;")
        self.results.setMinimumHeight(150)
        start = button("Start session for the selected patient")
        start.clicked.connect(self._start_selected)
        self.box.addWidget(self.search)
        self.box.addWidget(self.results)
        self.box.addWidget(start)
        self.box.addWidget(heading("Or add a new patient"))
        self.mrn, self.name = line("MRN"), line("full name")
        self.dob, self.allergies = line("date of birth YYYY-MM-DD"), line("allergies (leave empty if none known)")
        for w in (self.mrn, self.name, self.dob, self.allergies):
            self.box.addWidget(w)
        add = button("Add patient and start session")
        add.clicked.connect(self._add)
        self.box.addWidget(add)
        self.staff_box = StaffBox(self)
        page_box.addWidget(self.staff_box)
        page_box.addStretch(1)

    def refresh(self):
        user = self.desk.user
        self.staff_box.setVisible(user is not None and user.role == "admin")
        self.patient_part.setVisible(user is not None and user.role in CLINICAL_ROLES)

    def _search(self, text):
        self.results.clear()
        for row in self.desk.find_patients(text):
            item = QListWidgetItem(f"{row['name']}   ·   {row['mrn']}   ·   born {row['dob']}")
            item.setData(Qt.UserRole, row)
            item.setSizeHint(QSize(0, 52))
            self.results.addItem(item)
        if self.results.count() == 1:
            self.results.setCurrentRow(0)

    def _start_selected(self):
        item = self.results.currentItem()
        if item is None:
            self.panel.show_error("choose the patient in the list first (check name and date of birth)")
            return
        self.do(lambda: self.desk.start_session(item.data(Qt.UserRole)))

    def _add(self):
        def act():
            row = self.desk.create_patient(self.mrn.text(), self.name.text(), self.dob.text(), self.allergies.text())
            self.desk.start_session(row)
            for w in (self.mrn, self.name, self.dob, self.allergies):
                w.clear()
        self.do(act)


class StaffBox(QFrame):
    """Accounts, for an administrator: each person gets their own PIN (never shared)."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.setObjectName("tile")
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Staff accounts (administrator)"))
        self.members = QLabel("")
        self.members.setWordWrap(True)
        lay.addWidget(self.members)
        self.username, self.name, self.pin = line("username"), line("full name"), line("their first PIN (digits)")
        self.pin.setEchoMode(QLineEdit.Password)
        self.role = field(QComboBox())
        for role in ("nurse", "physician", "biomed", "admin"):
            self.role.addItem(role, role)
        for w in (self.username, self.name, self.role, self.pin):
            lay.addWidget(w)
        create = button("Create account", PLAIN_BUTTON)
        create.clicked.connect(self._create)
        lay.addWidget(create)

    def show_members(self) -> None:
        self.members.setText("Accounts: " + ", ".join(f"{m['name']} ({m['role']})"
                                                      for m in self.page.desk.staff.members()))

    def showEvent(self, event):  # noqa: N802 (Qt name)
        self.show_members()
        super().showEvent(event)

    def _create(self):
        desk = self.page.desk

        def act():
            person = desk.create_staff(self.username.text(), self.name.text(), self.role.currentData(),
                                       self.pin.text())
            for w in (self.username, self.name, self.pin):
                w.clear()
            self.show_members()
            return person
        self.page.do(act, "Account created")


class WeightPage(Page):
    def __init__(self, panel):
        super().__init__(panel)
        self.box.addWidget(heading("Weight for dosing"))
        self.last = QLabel("")
        self.last.setWordWrap(True)
        self.last.setStyleSheet("font-size: 18px;")
        self.kg = NumberEdit("kg, e.g. 72.5", "kg")  # no range clipping: the core reads what was typed
        self.kg.textChanged.connect(panel.clear_refusal)
        self.on = field(QDateEdit())
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.confirm = QCheckBox("I weighed again: the change is real")
        self.confirm.setStyleSheet("font-size: 18px; min-height: 40px;")
        self.confirm.setVisible(False)
        use = button("Use this weight")
        use.clicked.connect(self._use)
        row = QHBoxLayout()
        row.addWidget(QLabel("Weight"))
        row.addWidget(self.kg, 1)
        row.addWidget(QLabel("measured on"))
        row.addWidget(self.on, 1)
        self.box.addWidget(self.last)
        self.box.addLayout(row)
        self.box.addWidget(self.confirm)
        self.box.addWidget(use)
        self.box.addStretch(1)
        self._session = None

    def refresh(self):
        s = self.desk.session
        if s is not None and self._session != s.session_id:
            self._session = s.session_id
            today = datetime.fromtimestamp(self.desk.clock()).date()
            self.on.setDate(QDate(today.year, today.month, today.day))
            last = self.desk.last_weight()
            self.kg.clear()
            self.confirm.setChecked(False)
            self.confirm.setVisible(False)
            self.last.setText("No weight on record: weigh the patient." if last is None else
                              f"Last weight on record: {fmt(last['weight_kg'], 1)} kg, measured {last['measured_on']}.")

    def _use(self):
        d = self.on.date()
        try:
            self.desk.accept_weight(self.kg.typed(), date(d.year(), d.month(), d.day()),
                                    confirm_change=self.confirm.isChecked())
        except NeedsConfirmation as exc:
            self.confirm.setVisible(True)
            self.panel.show_error(str(exc), severity="warn")
            return
        except (SessionError, StaffError, DoseError) as exc:
            self.panel.show_error(str(exc))
            return
        self.panel.after_action()


# --- checklist --------------------------------------------------------------------------------------------
#: The checklist's yes/no and pain buttons: still a finger's size, small enough that most of the 17 items
#: fit a 1080-line screen at once (a tester saw two at a time).
COMPACT_CHOICE = CHOICE_BUTTON.replace("min-height: 52px", "min-height: 34px").replace("font-size: 20px",
                                                                                      "font-size: 18px")


class ChecklistRow(QFrame):
    def __init__(self, page: "ChecklistPage", item) -> None:
        super().__init__()
        self.page, self.item = page, item
        self.setObjectName("tile")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 1, 6, 1)
        lay.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(6)
        self.mark = QLabel(OPEN_MARK)
        self.mark.setFixedWidth(26)
        self.mark.setStyleSheet("font-size: 22px;")
        self.text = QLabel(item.text)
        self.text.setWordWrap(True)
        self.text.setStyleSheet("font-size: 16px;")
        self.text.setMinimumWidth(200)
        top.addWidget(self.mark)
        top.addWidget(self.text, 1)
        lay.addLayout(top)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet(f"color: {style.MUTED}; font-size: 15px;")
        controls = QHBoxLayout()
        desk = page.desk
        if item.kind in ("confirm", "absent"):
            self.yes_no = Choices([("Yes", True), ("No", False)], columns=2)
            for b in self.yes_no.group.buttons():
                b.setStyleSheet(COMPACT_CHOICE)
                b.setMinimumWidth(64)
            self.yes_no.group.idClicked.connect(lambda _: self.answer(value=self.yes_no.value))
            top.addWidget(self.yes_no)  # on the question's own line: one line per item
        elif item.kind == "npo":
            self.food, self.fluid = field(QTimeEdit()), field(QTimeEdit())
            grid = QGridLayout()
            for c, (label, w) in enumerate((("Last food at", self.food), ("Last clear fluid at", self.fluid))):
                w.setDisplayFormat("HH:mm")
                grid.addWidget(QLabel(label), 0, c)
                grid.addWidget(w, 1, c)
            save = button("Save", PLAIN_BUTTON)
            save.clicked.connect(self._save_npo)
            grid.addWidget(save, 1, 2)  # beside the times, not below: the checklist stays compact
            controls.addLayout(grid)
        elif item.kind == "vitals":
            self.sys_, self.dia, self.hr = (field(QSpinBox()) for _ in range(3))
            grid = QGridLayout()
            for n, (label, w, hi) in enumerate((("Systolic", self.sys_, 300), ("Diastolic", self.dia, 200),
                                                ("Heart rate", self.hr, 250))):
                w.setRange(0, hi)
                grid.addWidget(QLabel(label), 0, n)
                grid.addWidget(w, 1, n)
            monitor = button("Take from monitor", PLAIN_BUTTON)
            monitor.clicked.connect(self._from_monitor)
            save = button("Save entered values", PLAIN_BUTTON)
            save.clicked.connect(lambda: self.answer(systolic=self.sys_.value(), diastolic=self.dia.value(),
                                                     hr=self.hr.value() or None, source="entered"))
            buttons = QHBoxLayout()
            buttons.addWidget(monitor)
            buttons.addWidget(save)
            grid.addLayout(buttons, 2, 0, 1, 3)
            controls.addLayout(grid)
        else:
            scale = desk.config.scales
            self.pain = Choices([(str(n), n) for n in range(scale.nrs_min, scale.nrs_max + 1)])
            for b in self.pain.group.buttons():
                b.setStyleSheet(COMPACT_CHOICE)
            self.pain.group.idClicked.connect(lambda _: self.answer(nrs=self.pain.value))
            controls.addWidget(self.pain)
        if controls.count():
            lay.addLayout(controls)
        lay.addWidget(self.detail)
        self.detail.setVisible(False)
        self.change_box = self._change_box(desk, item)
        self.override_box = QWidget()
        ob = QVBoxLayout(self.override_box)
        ob.setContentsMargins(0, 0, 0, 0)
        self.reason = line("reason for the override")
        self.physician = SecondPersonBox(desk.staff.members(), "Physician:", ("physician",))
        do = button("Physician override", PLAIN_BUTTON)
        do.clicked.connect(self._override)
        ob.addWidget(self.reason)
        ob.addWidget(self.physician)
        ob.addWidget(do)
        self.override_box.setVisible(False)
        lay.addWidget(self.override_box)

    def _change_box(self, desk, item) -> QWidget | None:
        """Changing a failed hard-stop answer: a reason, and a physician's PIN where checklist.toml says so.
        The core (rules/hard_stop_change.py) refuses the change without them whatever this box shows."""
        if item.stop != "hard" or item.kind not in ("confirm", "absent"):
            return None
        box = QWidget()
        cb = QVBoxLayout(box)
        cb.setContentsMargins(0, 0, 0, 0)
        self.change_reason = line("reason for changing this answer (required)")
        self.change_reason.textChanged.connect(self.page.panel.clear_refusal)
        cb.addWidget(self.change_reason)
        self.change_physician = None
        if item.change_needs_physician:
            self.change_physician = SecondPersonBox(desk.staff.members(), "Physician:", ("physician",))
            cb.addWidget(self.change_physician)
        self.change_button = button("Change answer", PLAIN_BUTTON)
        self.change_button.clicked.connect(self._change)
        cb.addWidget(self.change_button)
        box.setVisible(False)
        self.layout().addWidget(box)
        return box

    def _change(self) -> None:
        desk = self.page.desk
        previous = desk.session.state.answers.get(self.item.id)
        if previous is None:
            return

        def act():
            physician = None
            if self.change_physician is not None:
                who, pin = self.change_physician.take()
                physician = desk.second_person(who, pin, roles=("physician",)) if pin else None
            desk.session.answer(self.item.id, value=not previous.answer.get("value"),
                                change_reason=self.change_reason.text(), physician=physician,
                                by=desk.require_user(), now=desk.clock())
            self.change_reason.clear()
        self.page.do(act, "Answer changed; the first answer and your reason are kept in the record")

    def answer(self, **kwargs) -> None:
        desk = self.page.desk
        self.page.do(lambda: desk.session.answer(self.item.id, by=desk.require_user(), now=desk.clock(), **kwargs))

    def _time_before_now(self, edit: QTimeEdit) -> float:
        """A clock time at or before now (a time later than now means yesterday)."""
        now = datetime.fromtimestamp(self.page.desk.clock())
        t = edit.time()
        when = now.replace(hour=t.hour(), minute=t.minute(), second=0, microsecond=0)
        if when > now:
            when -= timedelta(days=1)
        return when.timestamp()

    def _save_npo(self):
        self.answer(last_food_t=self._time_before_now(self.food), last_clear_fluid_t=self._time_before_now(self.fluid))

    def _from_monitor(self):
        vitals = self.page.desk.monitor_vitals()
        if vitals is None:
            self.page.panel.show_error("no blood pressure from the monitor in the last 10 min: start a NIBP "
                                       "measurement, or enter the values")
            return
        self.answer(**{k: v for k, v in vitals.items() if k != "measured_t"})

    def _override(self):
        desk = self.page.desk
        def act():
            who, pin = self.physician.take()
            physician = desk.second_person(who, pin, roles=("physician",))
            desk.session.override(self.item.id, self.reason.text(), physician=physician, by=desk.require_user(),
                                  now=desk.clock())
        self.page.do(act)

    def refresh(self) -> None:
        answer = self.page.desk.session.state.answers.get(self.item.id)
        if answer is None:
            mark, colour, detail, show_override = OPEN_MARK, style.MUTED, "", False
        elif answer.passed:
            mark, colour, detail, show_override = PASS_MARK, style.OK, answer.detail, False
        elif answer.override is not None:
            mark, colour = PASS_MARK, style.WARN
            detail = f"{answer.detail} — overridden by {answer.override['physician']}: {answer.override['reason']}"
            show_override = False
        else:
            mark, colour, show_override = FAIL_MARK, style.BAD, self.item.stop == "override"
            detail = answer.detail + (" — HARD STOP: the infusion cannot go ahead" if self.item.stop == "hard"
                                      else " — needs a physician override")
        self.mark.setText(mark)
        self.mark.setStyleSheet(f"font-size: 26px; color: {colour};")
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.detail.setStyleSheet(f"color: {colour if answer and not answer.passed else style.MUTED}; font-size: 15px;")
        self.override_box.setVisible(show_override)
        if self.change_box is not None:
            failed_hard = answer is not None and not answer.passed
            self.change_box.setVisible(failed_hard)
            if failed_hard:
                self.change_button.setText(f"Change answer to {'No' if answer.answer.get('value') else 'Yes'}")
        if self.item.kind == "pain" and answer is not None:
            self.pain.choose(answer.answer.get("nrs"))
        if self.item.kind in ("confirm", "absent") and answer is not None:
            self.yes_no.choose(answer.answer.get("value"))


class ChecklistPage(Page):
    def __init__(self, panel):
        super().__init__(panel)
        self.summary = heading("")
        self.box.setSpacing(4)  # the list gets the height: most of the 17 items in view on a 1080-line screen
        self.box.setContentsMargins(0, 4, 0, 0)
        self.rows: list[ChecklistRow] = []
        self.area = scroll(QWidget())
        self.box.addWidget(self.summary)
        self.box.addWidget(self.area, 1)
        self.done = button("Checklist complete", GO_BUTTON)
        self.done.setMinimumHeight(0)
        self.done.clicked.connect(lambda: self.do(lambda: self.desk.session.complete_checklist(
            by=self.desk.require_user(), now=self.desk.clock())))
        self.box.addWidget(self.done)
        bottom = QHBoxLayout()
        self.cancel_reason = line("reason to cancel the session")
        cancel = button("Cancel session", STOP_BUTTON.replace("min-height: 56px", "min-height: 44px"))
        cancel.clicked.connect(self._cancel)
        bottom.addWidget(self.cancel_reason, 2)
        bottom.addWidget(cancel, 1)
        self.box.addLayout(bottom)
        self._session = None

    def _cancel(self):
        self.do(lambda: self.desk.session.cancel(self.cancel_reason.text(), by=self.desk.require_user(),
                                                 now=self.desk.clock()))

    def refresh(self):
        s = self.desk.session
        if s is None:
            return
        if self._session != s.session_id:
            self._session = s.session_id
            self._shown_open = None
            inner = QWidget()  # a new session gets fresh rows in a fresh container (no stale answers)
            rows_box = QVBoxLayout(inner)
            rows_box.setSpacing(3)
            rows_box.setContentsMargins(0, 0, 0, 0)
            self.rows = [ChecklistRow(self, item) for item in self.desk.config.checklist]
            for row in self.rows:
                rows_box.addWidget(row)
            self.area.setWidget(inner)
        members = self.desk.staff.members()
        for row in self.rows:
            row.physician.set_staff(members)
            if row.change_box is not None and row.change_physician is not None:
                row.change_physician.set_staff(members)
            row.refresh()
        open_items = s.checklist_open_items()
        hard = [i for i in open_items if i in s.state.answers and self.desk.config.checklist_item(i).stop == "hard"]
        total = len(self.rows)
        answered = sum(1 for r in self.rows if r.item.id in s.state.answers)
        ready = not open_items  # green and "complete" only when it is (the core checks again on the tap)
        self.done.setEnabled(not hard)
        self.done.setStyleSheet(GO_BUTTON if ready else PLAIN_BUTTON + f" color: {style.MUTED};")
        wanted = hard or open_items
        first_open = next((r for r in self.rows if r.item.id in wanted), None)
        if first_open is not None and first_open.item.id != getattr(self, "_shown_open", None):
            self._shown_open = first_open.item.id  # bring the next question into view, once
            self.area.ensureWidgetVisible(first_open, 0, 40)
        failed = [i for i in open_items if i in s.state.answers]
        self.summary.setText(f"Pre-infusion checklist: {answered} of {total} answered" +
                             (f" · {len(failed)} need attention" if failed else ""))


# --- order and double check ------------------------------------------------------------------------------
class OrderPage(Page):
    def __init__(self, panel):
        super().__init__(panel)
        cfg = self.desk.config
        self.box.addWidget(heading("Order"))
        self.protocol = field(QComboBox())
        for p in cfg.protocols.values():
            self.protocol.addItem(p.label, p.id)
        self.concentration = field(QComboBox())
        self.amount = NumberEdit("", "mg/kg")  # typed text goes to the core unclipped (rules/plausible_numbers)
        self.duration = NumberEdit("minutes", "min")
        grid = QGridLayout()
        self.amount_label = QLabel("Dose")
        # the protocol's whole name, wrapped: a combo box cuts "…0.5 mg/kg over 40 min" at a 520 px panel
        self.protocol_full = QLabel("")
        self.protocol_full.setWordWrap(True)
        self.protocol_full.setStyleSheet("font-size: 18px; font-weight: bold;")
        grid.addWidget(QLabel("Protocol"), 0, 0, 1, 2)
        grid.addWidget(self.protocol, 1, 0, 1, 2)
        grid.addWidget(self.protocol_full, 2, 0, 1, 2)
        for r, (label, w) in enumerate((("Concentration", self.concentration), (self.amount_label, self.amount),
                                        ("Duration (min)", self.duration)), start=3):
            grid.addWidget(label if isinstance(label, QLabel) else QLabel(label), r, 0)
            grid.addWidget(w, r, 1)
        grid.setColumnStretch(1, 1)
        self.box.addLayout(grid)
        self.pump_big = QLabel("")
        self.pump_big.setWordWrap(True)
        self.pump_big.setStyleSheet("font-size: 28px; font-weight: bold;")
        self.box.addWidget(self.pump_big)
        self.preview = QLabel("")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.RichText)
        self.preview.setStyleSheet(f"background: {style.PANEL}; padding: 10px; font-size: 17px;")
        self.box.addWidget(self.preview)
        self.reason = line("reason for going past the soft limit (required)")
        self.box.addWidget(self.reason)
        place = button("Place order", GO_BUTTON)
        place.clicked.connect(self._place)
        self.box.addWidget(place)
        self.box.addStretch(1)
        self.protocol.currentIndexChanged.connect(self._protocol_changed)
        for signal in (self.concentration.currentIndexChanged, self.amount.textChanged, self.duration.textChanged,
                       self.protocol.currentIndexChanged):
            signal.connect(self.update_preview)
            signal.connect(panel.clear_refusal)
        self._protocol_changed()

    def _protocol_changed(self):
        cfg = self.desk.config
        p = cfg.protocol(self.protocol.currentData())
        drug = cfg.drugs[p.drug].drug
        for w in (self.concentration, self.amount, self.duration):
            w.blockSignals(True)
        self.concentration.clear()
        for entry in cfg.drugs.values():
            if entry.drug == drug:
                self.concentration.addItem(entry.label, entry.concentration_mg_per_ml)
        self.concentration.setCurrentIndex(self.concentration.findData(cfg.drugs[p.drug].concentration_mg_per_ml))
        self.amount_label.setText("Dose (mg/kg)" if p.kind == "dose" else "Rate (mg/kg/h)")
        self.amount.setValue(p.default_amount)
        self.duration.setValue(p.duration_min)
        self.protocol_full.setText(p.label)
        for w in (self.concentration, self.amount, self.duration):
            w.blockSignals(False)
        self.update_preview()

    def _args(self) -> dict:
        return {"amount": self.amount.typed(), "concentration": self.concentration.currentData(),
                "duration_min": self.duration.typed()}

    def update_preview(self):
        s = self.desk.session
        if s is None or s.state.weight_kg is None:
            return
        try:
            order = s.preview_order(self.protocol.currentData(), **self._args())
        except SessionError as exc:
            self.preview.setText(f"<span style='color:{style.BAD}'>{exc}</span>")
            self.pump_big.setText("")
            self.reason.setVisible(False)
            return
        colours = {"Limit ok": style.OK, "SOFT LIMIT": style.WARN, "HARD LIMIT": style.BAD}
        rows = []
        for label, text in describe(order):
            colour = colours.get(label, style.TEXT)
            weight = "bold" if label in ("Pump rate", "HARD LIMIT", "SOFT LIMIT") else "normal"
            rows.append(f"<tr><td style='color:{style.MUTED}; padding-right:10px'>{label}</td>"
                        f"<td style='color:{colour}; font-weight:{weight}'>{text}</td></tr>")
        self.preview.setText("<table>" + "".join(rows) + "</table>")
        colour = style.BAD if order.refused else style.WARN if order.needs_reason else style.TEXT
        # the pump rate is rounded to the pump's steps; mg and mL are shown exactly (36.25 mg, not 36.2)
        self.pump_big.setText(f"Pump {fmt(order.rate_ml_per_h, 1)} mL/h · {fmt(order.total_ml, 3)} mL · "
                              f"{fmt(order.total_mg, 3)} mg")
        self.pump_big.setStyleSheet(f"font-size: 28px; font-weight: bold; color: {colour};")
        self.reason.setVisible(order.needs_reason and not order.refused)

    def refresh(self):
        self.update_preview()

    def _place(self):
        self.do(lambda: self.desk.session.place_order(self.protocol.currentData(), soft_reason=self.reason.text(),
                                                      by=self.desk.require_user(), now=self.desk.clock(),
                                                      **self._args()))


class DoubleCheckPage(Page):
    def __init__(self, panel):
        super().__init__(panel)
        self.box.addWidget(heading("Independent double check"))
        self.facts = QLabel("")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.RichText)
        self.facts.setStyleSheet(f"background: {style.PANEL}; padding: 10px; font-size: 18px;")
        self.box.addWidget(self.facts)
        self.checker = SecondPersonBox(self.desk.staff.members(), "Second clinician:", ("nurse", "physician"))
        self.rate = NumberEdit("mL/h", "mL/h")
        self.rate.textChanged.connect(panel.clear_refusal)
        self.box.addWidget(self.checker)
        row = QHBoxLayout()
        row.addWidget(QLabel("Pump rate YOU calculated"))
        row.addWidget(self.rate, 1)
        self.box.addLayout(row)
        confirm = button("Confirm double check", GO_BUTTON)
        confirm.clicked.connect(self._check)
        self.box.addWidget(confirm)
        self.withdraw_reason = line("reason to withdraw the order")
        withdraw = button("Withdraw order", STOP_BUTTON)
        withdraw.clicked.connect(lambda: self.do(lambda: self.desk.session.withdraw_order(
            self.withdraw_reason.text(), by=self.desk.require_user(), now=self.desk.clock())))
        self.box.addStretch(1)
        self.box.addWidget(self.withdraw_reason)
        self.box.addWidget(withdraw)

    def refresh(self):
        self.checker.set_staff(self.desk.staff.members())
        st = self.desk.session.state
        o = st.order
        if o is None:
            return
        what = (f"{fmt(o['dose_mg_per_kg'], 3)} mg/kg over {fmt(o['duration_min'])} min" if o["kind"] == "dose"
                else f"{fmt(o['rate_mg_per_kg_per_h'], 3)} mg/kg/h for {fmt(o['duration_min'])} min")
        self.facts.setText(
            f"Calculate the pump rate yourself from:<br><b>{o['protocol_label']}</b><br>"
            f"Weight <b>{fmt(st.weight_kg, 1)} kg</b> · {what}<br>"
            f"{o['drug_label']} (<b>{fmt(o['concentration_mg_per_ml'])} mg/mL</b>) · pump steps "
            f"{fmt(o['pump_resolution_ml_per_h'])} mL/h<br>"
            f"<span style='color:{style.MUTED}'>Ordered by {st.order_by}. The ordered rate is hidden until "
            f"your check matches.</span>"
            + (f"<br><span style='color:{style.BAD}'><b>{st.double_check_failures} check(s) did not match.</b>"
               "</span>" if st.double_check_failures else ""))

    def _check(self):
        def act():
            who, pin = self.checker.take()
            checker = self.desk.second_person(who, pin)
            self.desk.session.double_check(self.rate.typed(), checker=checker, now=self.desk.clock())
        self.do(act)


# --- infusion, assessments, observation -----------------------------------------------------------------
class OverrideBox(QFrame):
    """A physician goes on over a rule's refusal: the refusal in words, a reason, the physician's own PIN.

    Shown for comfort when the core's verdict refuses; the core checks the PIN's role and the reason, and
    records the decision, whatever this box shows."""

    def __init__(self, page: Page, label: str, action: Callable[[Any, str], Any]) -> None:
        super().__init__()
        self.page, self.action = page, action
        self.setObjectName("tile")
        lay = QVBoxLayout(self)
        # the refusal itself is on the NEXT line and in the red message; this box says who may decide
        self.why = QLabel("Only a physician may decide to go on over this: their PIN and a reason, recorded.")
        self.why.setWordWrap(True)
        self.why.setStyleSheet(f"color: {style.WARN}; font-size: 16px;")
        self.reason = line("physician's reason (required)")
        self.physician = SecondPersonBox(page.desk.staff.members(), "Physician:", ("physician",))
        self.go = button(label, PLAIN_BUTTON)
        self.go.clicked.connect(self._go)
        for w in (self.why, self.reason, self.physician, self.go):
            lay.addWidget(w)
        self.setVisible(False)

    def show_verdicts(self, verdicts) -> None:
        """Visible with the overridable refusals' words; hidden when there are none."""
        refusals = [v for v in verdicts if not v.ok and v.overridable]
        self.setVisible(bool(refusals))
        if refusals:
            self.why.setToolTip("; ".join(v.message for v in refusals))
            self.physician.set_staff(self.page.desk.staff.members())

    def _go(self) -> None:
        desk = self.page.desk

        def act():
            who, pin = self.physician.take()
            physician = desk.second_person(who, pin, roles=("physician",))
            self.action(physician, self.reason.text())
            self.reason.clear()
        self.page.do(act)


class AssessmentBox(QFrame):
    """Pain, sedation, side effects, optional CADSS-6: one tap each, then Record."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.setObjectName("tile")
        scales = page.desk.config.scales
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Assessment"))
        lay.addWidget(QLabel("Pain now (NRS)"))
        self.nrs = Choices([(str(n), n) for n in range(scales.nrs_min, scales.nrs_max + 1)])
        lay.addWidget(self.nrs)
        sed = QHBoxLayout()
        self.scale = field(QComboBox())
        for sid, (label, _) in scales.sedation.items():
            self.scale.addItem(label, sid)
        self.level = field(QComboBox())
        self.scale.currentIndexChanged.connect(self._levels)
        sed.addWidget(self.scale)
        sed.addWidget(self.level, 1)
        lay.addLayout(sed)
        lay.addWidget(QLabel("Side effects (tap all present)"))
        grid = QGridLayout()
        self.effects: dict[str, QPushButton] = {}
        for n, (eid, text) in enumerate(scales.side_effects):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setStyleSheet(CHOICE_BUTTON.replace("font-size: 20px", "font-size: 16px"))
            self.effects[eid] = b
            grid.addWidget(b, n // 2, n % 2)
        lay.addLayout(grid)
        self.with_cadss = QCheckBox("Add CADSS-6 (dissociation)")
        self.with_cadss.setStyleSheet("font-size: 18px; min-height: 40px;")
        self.cadss_box = QWidget()
        cg = QGridLayout(self.cadss_box)
        self.cadss: dict[int, QSpinBox] = {}
        for n, item in enumerate(scales.cadss_items):
            spin = field(QSpinBox())
            spin.setRange(-1, scales.cadss_item_max)  # -1 shows "—": not scored yet (the core refuses it)
            spin.setSpecialValueText("—")
            spin.setValue(-1)
            self.cadss[item.score] = spin
            cg.addWidget(QLabel(item.text), n // 2, (n % 2) * 2)
            cg.addWidget(spin, n // 2, (n % 2) * 2 + 1)
        self.cadss_box.setVisible(False)
        self.with_cadss.toggled.connect(self.cadss_box.setVisible)
        lay.addWidget(self.with_cadss)
        lay.addWidget(self.cadss_box)
        self.note = line("note (optional)")
        lay.addWidget(self.note)
        record = button("Record assessment")
        record.clicked.connect(self._record)
        lay.addWidget(record)
        self._levels()

    def _levels(self):
        self.level.clear()
        _, levels = self.page.desk.config.scales.sedation[self.scale.currentData()]
        self.level.addItem("— choose the sedation level —", None)  # no clinical value is chosen for the nurse
        for c in levels:
            self.level.addItem(f"{c.score:+d}  {c.text}" if self.scale.currentData() == "rass" else
                               f"{c.score}  {c.text}", c.score)
        self.level.setCurrentIndex(0)

    def _record(self):
        desk = self.page.desk
        if self.nrs.value is None:
            self.page.panel.show_error("tap the patient's pain score (0-10) first")
            return
        cadss = {k: s.value() for k, s in self.cadss.items()} if self.with_cadss.isChecked() else None
        effects = [eid for eid, b in self.effects.items() if b.isChecked()]

        def act():
            desk.session.assess(nrs=self.nrs.value, sedation_scale=self.scale.currentData(),
                                sedation_score=self.level.currentData(), side_effects=effects, cadss6=cadss,
                                note=self.note.text(), by=desk.require_user(), now=desk.clock())
            self.nrs.clear()
            for b in self.effects.values():
                b.setChecked(False)
            self.note.clear()
            self.with_cadss.setChecked(False)
            self.level.setCurrentIndex(0)
            for spin in self.cadss.values():
                spin.setValue(-1)
        self.page.do(act, "Assessment recorded")


class InfusionPage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        self.start_box = QWidget()
        sb = QVBoxLayout(self.start_box)
        self.program = heading("")
        start = self.start_button = button("Start infusion", GO_BUTTON)
        start.clicked.connect(lambda: self.do(lambda: self.desk.session.start(by=self.desk.require_user(),
                                                                             now=self.desk.clock())))
        sb.addWidget(self.program)
        sb.addWidget(start)
        self.start_override = OverrideBox(self, "Start with physician override", lambda physician, reason:
                                          self.desk.session.start(by=self.desk.require_user(), now=self.desk.clock(),
                                                                  physician=physician, reason=reason))
        sb.addWidget(self.start_override)
        lay.addWidget(self.start_box)
        self.ledger = LedgerBox(self.desk, self.desk.ledger)  # record the vial drawn before starting
        lay.addWidget(self.ledger)
        self.run_box = QWidget()
        rb = QVBoxLayout(self.run_box)
        # each action asks its own reason, every time, and clears it once used (rules/action_reasons.py)
        self.pause_reason = line("reason for the pause")
        self.stop_reason = line("reason for stopping")
        controls = QGridLayout()
        self.pause = button("Pause", PLAIN_BUTTON)
        self.pause.clicked.connect(self._pause_resume)
        stop = button("Stop infusion", STOP_BUTTON)
        stop.clicked.connect(self._stop)
        controls.addWidget(self.pause_reason, 0, 0)
        controls.addWidget(self.pause, 0, 1)
        controls.addWidget(self.stop_reason, 1, 0)
        controls.addWidget(stop, 1, 1)
        controls.setColumnStretch(0, 1)
        rb.addLayout(controls)
        self.run_override = OverrideBox(self, "Go on with physician override", self._run_override)
        rb.addWidget(self.run_override)
        titrate = QFrame()
        titrate.setObjectName("tile")
        tl = QGridLayout(titrate)
        self.new_rate = NumberEdit("mg/kg/h", "mg/kg/h")
        self.new_rate.textChanged.connect(self._titration_preview)
        self.new_rate.textChanged.connect(panel.clear_refusal)
        self.rate_reason = line("reason for the rate change (required)")
        self.rate_preview = QLabel("")
        self.rate_preview.setWordWrap(True)
        self.soft_reason = line("reason for going past the soft limit")
        change = button("Change rate", PLAIN_BUTTON)
        change.clicked.connect(self._titrate)
        tl.addWidget(QLabel("New rate (mg/kg/h)"), 0, 0)
        tl.addWidget(self.new_rate, 0, 1)
        tl.addWidget(self.rate_preview, 1, 0, 1, 2)
        tl.addWidget(self.rate_reason, 2, 0, 1, 2)
        tl.addWidget(self.soft_reason, 3, 0, 1, 2)
        tl.addWidget(change, 4, 0, 1, 2)
        self.assessment = AssessmentBox(self)
        rb.addWidget(self.assessment)
        rb.addWidget(titrate)
        lay.addWidget(self.run_box)
        lay.addStretch(1)
        self.box.addWidget(scroll(inner))

    def _pause_resume(self):
        s, user = self.desk.session, self.desk.require_user()
        if s.state.paused:
            self.do(lambda: s.resume(by=user, now=self.desk.clock()))
        elif self.do(lambda: s.pause(self.pause_reason.text(), by=user, now=self.desk.clock())) is not None:
            self.pause_reason.clear()

    def _stop(self):
        s = self.desk.session
        reason = self.stop_reason.text() or ("volume complete" if s.state.volume_complete(self.desk.clock()) else "")
        if self.do(lambda: s.stop(reason, by=self.desk.require_user(), now=self.desk.clock())) is not None:
            self.stop_reason.clear()

    def _run_override(self, physician, reason: str) -> None:
        """Resume when paused, else the rate change typed above, over the alarm gate."""
        s, user = self.desk.session, self.desk.require_user()
        if s.state.paused:
            s.resume(by=user, now=self.desk.clock(), physician=physician, reason=reason)
        else:
            s.titrate(self.new_rate.typed(), self.rate_reason.text(), soft_reason=self.soft_reason.text() or None,
                      by=user, now=self.desk.clock(), physician=physician, override_reason=reason)

    def _titration_preview(self):
        s = self.desk.session
        if s is None or s.state.order is None or (self.new_rate.value() or 0) <= 0:
            self.rate_preview.setText("")
            self.soft_reason.setVisible(False)
            return
        try:
            change = s.preview_titration(self.new_rate.value())
        except SessionError as exc:
            self.rate_preview.setText(str(exc))
            return
        colour = {"ok": style.OK, "soft": style.WARN, "hard": style.BAD}[change.verdict.level]
        verb = "The pump will be set to" if self.desk.pump_programs_itself else "Set the pump to"
        self.rate_preview.setText(f"{verb} <b>{fmt(change.rate_ml_per_h, 1)} mL/h</b> "
                                  f"(now {fmt(s.state.rate_ml_per_h, 1)} mL/h).<br>"
                                  f"<span style='color:{colour}'>{change.verdict.message}</span>")
        self.soft_reason.setVisible(change.verdict.level == "soft")

    def _titrate(self):
        if self.do(lambda: self.desk.session.titrate(self.new_rate.typed(), self.rate_reason.text(),
                                                     soft_reason=self.soft_reason.text() or None,
                                                     by=self.desk.require_user(), now=self.desk.clock()),
                   "Rate changed: the console is setting the pump (it reads it back)"
                   if self.desk.pump_programs_itself else "Rate changed: set the pump to the new rate now") is not None:
            self.rate_reason.clear()
            self.soft_reason.clear()

    def refresh(self):
        st = self.desk.session.state
        # the draw is logged before the start; once the pump runs, the assessments come first on this page
        # (waste and reconciliation are on the discharge page)
        self.ledger.setVisible(not st.started)
        if not st.started:
            self.ledger.refresh()
        self.start_box.setVisible(not st.started)
        self.run_box.setVisible(st.started)
        if st.order is not None and not st.started:
            what = (f"{fmt(st.order['rate_ml_per_h'], 1)} mL/h, volume to infuse {fmt(st.order['total_ml'], 1)} mL."
                    f"\nDouble-checked by {st.double_checked_by}.")
            self.program.setText(f"Start sets the connected pump to {what}" if self.desk.pump_programs_itself
                                 else f"Program the pump: {what}")
        self.pause.setText("Resume" if st.paused else "Pause")
        self.pause.setStyleSheet(GO_BUTTON if st.paused else PLAIN_BUTTON)
        s, now = self.desk.session, self.desk.clock()
        gate = s.alarm_gate_verdict("start", now)
        held = s.interlock_verdict("resume" if st.started else "start", now)  # no override: a physician releases it
        self.start_override.show_verdicts([] if st.started or not held.ok else [gate])
        self.start_button.setStyleSheet(GO_BUTTON if gate.ok and held.ok else PLAIN_BUTTON)  # comfort: the core decides
        if st.paused and not held.ok:
            self.pause.setStyleSheet(PLAIN_BUTTON)
        if st.started:
            self.run_override.show_verdicts([] if not held.ok else
                                            [s.alarm_gate_verdict("resume" if st.paused else "raise", now)])
            self.run_override.go.setText("Resume with physician override" if st.paused else
                                         "Raise the rate with physician override")
        if st.started and not self.new_rate.text() and st.weight_kg:
            self.new_rate.setValue(round(st.rate_ml_per_h * st.concentration / st.weight_kg, 2), 2)


class ObservationPage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        self.countdown = QLabel("")
        self.countdown.setAlignment(Qt.AlignCenter)
        self.countdown.setStyleSheet("font-size: 44px; font-weight: bold;")
        lay.addWidget(self.countdown)
        self.assessment = AssessmentBox(self)
        lay.addWidget(self.assessment)
        begin = button("Begin discharge", GO_BUTTON)
        begin.clicked.connect(self._begin)
        lay.addWidget(begin)
        self.early = QFrame()
        self.early.setObjectName("tile")
        el = QVBoxLayout(self.early)
        el.addWidget(QLabel("Early discharge needs a physician and a reason"))
        self.reason = line("reason for ending observation early")
        self.physician = SecondPersonBox(self.desk.staff.members(), "Physician:", ("physician",))
        el.addWidget(self.reason)
        el.addWidget(self.physician)
        lay.addWidget(self.early)
        lay.addStretch(1)
        self.box.addWidget(scroll(inner))

    def _begin(self):
        desk = self.desk
        st = desk.session.state

        def act():
            if (st.observation_remaining_seconds(desk.clock()) or 0) > 0:
                who, pin = self.physician.take()
                physician = desk.second_person(who, pin, roles=("physician",)) if pin else None
                desk.session.begin_discharge(by=desk.require_user(), now=desk.clock(), reason=self.reason.text(),
                                             physician=physician)
            else:
                desk.session.begin_discharge(by=desk.require_user(), now=desk.clock())
        self.do(act)

    def refresh(self):
        self.physician.set_staff(self.desk.staff.members())
        left = self.desk.session.state.observation_remaining_seconds(self.desk.clock()) or 0
        self.countdown.setText(f"Observation: {duration_text(left)} left" if left > 0 else "Observation complete")
        self.countdown.setStyleSheet(f"font-size: 40px; font-weight: bold; color: {style.TEXT if left else style.OK};")
        self.early.setVisible(left > 0)


# --- discharge and closed ------------------------------------------------------------------------------
class DischargePage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        cfg = self.desk.config
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(heading("Pain before leaving (NRS)"))
        self.pain = Choices([(str(n), n) for n in range(cfg.scales.nrs_min, cfg.scales.nrs_max + 1)])
        self.pain.group.idClicked.connect(lambda _: self.do(lambda: self.desk.session.discharge_pain(
            self.pain.value, by=self.desk.require_user(), now=self.desk.clock())))
        self.pain_result = QLabel("")
        self.pain_result.setWordWrap(True)
        self.pain_result.setStyleSheet("font-size: 18px;")
        lay.addWidget(self.pain)
        lay.addWidget(self.pain_result)
        lay.addWidget(heading("Discharge score"))
        self.scale = field(QComboBox())
        for sid, (label, _) in cfg.scales.discharge.items():
            self.scale.addItem(label, sid)
        self.scale.currentIndexChanged.connect(self._items)
        lay.addWidget(self.scale)
        self.items_box = QWidget()
        self.items_grid = QGridLayout(self.items_box)
        lay.addWidget(self.items_box)
        self.total = QLabel("")
        self.total.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.total.setWordWrap(True)  # "Total: 8 / 10 — below the minimum" must not widen the narrow panel
        save = button("Save score", PLAIN_BUTTON)
        save.clicked.connect(self._save_score)
        row = QHBoxLayout()
        row.addWidget(self.total, 1)
        row.addWidget(save)
        lay.addLayout(row)
        self.override = QFrame()
        self.override.setObjectName("tile")
        ol = QVBoxLayout(self.override)
        self.override_reason = line("reason to discharge below the minimum score")
        self.physician = SecondPersonBox(self.desk.staff.members(), "Physician:", ("physician",))
        do = button("Physician override", PLAIN_BUTTON)
        do.clicked.connect(self._override)
        for w in (self.override_reason, self.physician, do):
            ol.addWidget(w)
        lay.addWidget(self.override)
        lay.addWidget(heading("Going home"))
        esc = QHBoxLayout()
        self.escort = line("escort's name")
        here = button("Escort is here", PLAIN_BUTTON)
        here.clicked.connect(lambda: self.do(lambda: self.desk.session.confirm_escort(
            self.escort.text(), by=self.desk.require_user(), now=self.desk.clock())))
        esc.addWidget(self.escort, 1)
        esc.addWidget(here)
        lay.addLayout(esc)
        self.instructions = button("Discharge instructions given and understood", PLAIN_BUTTON)
        self.instructions.clicked.connect(lambda: self.do(lambda: self.desk.session.acknowledge_instructions(
            by=self.desk.require_user(), now=self.desk.clock())))
        lay.addWidget(self.instructions)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("font-size: 18px;")
        lay.addWidget(self.status)
        self.ledger = LedgerBox(self.desk, self.desk.ledger)  # waste with a witness, then reconcile
        lay.addWidget(self.ledger)
        sign = button("Sign off and close the session", GO_BUTTON)
        sign.clicked.connect(lambda: self.do(lambda: self.desk.session.sign_off(by=self.desk.require_user(),
                                                                               now=self.desk.clock())))
        lay.addWidget(sign)
        self.sign_override = OverrideBox(self, "Sign off with physician override", lambda physician, reason:
                                         self.desk.session.sign_off(by=self.desk.require_user(),
                                                                    now=self.desk.clock(), physician=physician,
                                                                    reason=reason))
        lay.addWidget(self.sign_override)
        lay.addStretch(1)
        self.box.addWidget(scroll(inner))
        self.combos: dict[str, QComboBox] = {}
        self.measured = QLabel("")
        self.measured.setWordWrap(True)
        self.measured.setStyleSheet(f"color: {style.MUTED}; font-size: 16px;")
        lay.insertWidget(lay.indexOf(self.items_box) + 1, self.measured)
        self._items()

    def _items(self):
        while self.items_grid.count():
            self.items_grid.takeAt(0).widget().setParent(None)
        self.combos = {}
        self._prefilled: dict[str, int] = {}
        _, items = self.desk.config.scales.discharge[self.scale.currentData()]
        for r, item in enumerate(items):
            combo = field(QComboBox())
            combo.addItem("— choose —", None)
            for c in item.choices:
                combo.addItem(f"{c.score}  {c.text}", c.score)
            combo.currentIndexChanged.connect(self._total)
            self.combos[item.id] = combo
            self.items_grid.addWidget(QLabel(item.text), r, 0)
            self.items_grid.addWidget(combo, r, 1)
        self._total()

    def _total(self):
        scores = [c.currentData() for c in self.combos.values()]
        if None in scores:
            self.total.setText(f"Total: {sum(s for s in scores if s is not None)} so far")
        else:
            ok = sum(scores) >= self.desk.config.clinic.discharge_min_score
            self.total.setText(f"Total: {sum(scores)} / 10 — {'ready' if ok else 'below the minimum'}")
            self.total.setStyleSheet(f"font-size: 20px; font-weight: bold; color: {style.OK if ok else style.BAD};")

    def _save_score(self):
        self.do(lambda: self.desk.session.discharge_score(
            self.scale.currentData(), {k: c.currentData() for k, c in self.combos.items()},
            by=self.desk.require_user(), now=self.desk.clock()))

    def _override(self):
        def act():
            who, pin = self.physician.take()
            physician = self.desk.second_person(who, pin, roles=("physician",))
            self.desk.session.override_discharge_score(self.override_reason.text(), physician=physician,
                                                       by=self.desk.require_user(), now=self.desk.clock())
        self.do(act)

    def _fill_measured(self) -> None:
        """Items a device measures take the core's score from the live value, unless the nurse changed it;
        a typed score the monitor contradicts is refused by the core all the same."""
        live = self.desk.session.measured_scores(self.scale.currentData(), self.desk.clock())
        notes = []
        for item, (score, value) in live.items():
            combo = self.combos.get(item)
            if combo is None:
                continue
            if combo.currentData() is None or combo.currentData() == self._prefilled.get(item):
                combo.setCurrentIndex(combo.findData(score))
                self._prefilled[item] = score
            notes.append(f"{item.upper() if item == 'spo2' else item}: monitor shows {fmt(value)} now")
        self.measured.setText(("From the monitor — " + "; ".join(notes)) if notes else "")
        self.measured.setVisible(bool(notes))

    def refresh(self):
        self.ledger.refresh()
        self.physician.set_staff(self.desk.staff.members())
        self._fill_measured()
        self.sign_override.show_verdicts(self.desk.session.sign_off_verdicts(self.desk.clock()))
        st = self.desk.session.state
        p = st.discharge_pain
        if p is None:
            self.pain_result.setText(f"Baseline before the infusion: {st.baseline_nrs}/10")
        elif p["drop_points"] is None:
            self.pain_result.setText(f"Pain now {p['nrs']}/10 (no baseline recorded)")
        else:
            drop = p["drop_points"]
            pct = "" if p["drop_fraction"] is None else f" ({abs(p['drop_fraction']) * 100:.0f} %)"
            change = (f"{drop} points{pct} lower" if drop > 0 else f"{-drop} points{pct} higher" if drop < 0
                      else "unchanged")
            verdict = "a meaningful improvement" if p["meaningful"] else "not a meaningful improvement"
            self.pain_result.setText(f"Pain {p['baseline_nrs']} → {p['nrs']}: {change} — {verdict}")
        best = st.best_discharge_score()
        self.override.setVisible(best is not None and not best["passed"] and st.score_override is None)
        done = []
        if best is not None:
            done.append(f"{PASS_MARK if best['passed'] or st.score_override else FAIL_MARK} {best['scale']} "
                        f"{best['total']}" + (" (physician override)" if st.score_override else ""))
        if st.escort:
            done.append(f"{PASS_MARK} escort: {st.escort}")
        if st.instructions_acknowledged:
            done.append(f"{PASS_MARK} instructions acknowledged")
        self.status.setText("   ".join(done))


class CorrectionBox(QFrame):
    """Correct an assessment's pain score after the fact: a new event that refers to the old one."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.setObjectName("tile")
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Correct an assessment"))
        self.which = field(QComboBox())
        lay.addWidget(self.which)
        lay.addWidget(QLabel("Correct pain score"))
        scales = page.desk.config.scales
        self.nrs = Choices([(str(n), n) for n in range(scales.nrs_min, scales.nrs_max + 1)])
        lay.addWidget(self.nrs)
        self.reason = line("reason for the correction")
        lay.addWidget(self.reason)
        add = button("Add correction", PLAIN_BUTTON)
        add.clicked.connect(self._correct)
        lay.addWidget(add)

    def fill(self) -> None:
        st = self.page.desk.session.state
        wanted = [(a["id"], f"{clock_text(a['t'])}  pain {a['nrs']}  by {a['by']}") for a in st.assessments]
        if [self.which.itemData(i) for i in range(self.which.count())] != [w[0] for w in wanted] or any(
                self.which.itemText(i) != w[1] for i, w in enumerate(wanted)):
            self.which.clear()
            for event_id, text in wanted:
                self.which.addItem(text, event_id)
        self.setVisible(bool(wanted))

    def _correct(self):
        desk = self.page.desk
        if self.nrs.value is None:
            self.page.panel.show_error("tap the correct pain score first")
            return
        def act():
            desk.session.correct(self.which.currentData(), "nrs", self.nrs.value, self.reason.text(),
                                 by=desk.require_user(), now=desk.clock())
            self.nrs.clear()
            self.reason.clear()
        self.page.do(act, "Correction added; the original entry is kept")


class ClosedPage(Page):
    def __init__(self, panel):
        super().__init__(panel)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 20px;")
        self.box.addWidget(self.summary)
        new = button("New session", GO_BUTTON)
        new.clicked.connect(self._new)
        self.box.addWidget(new)
        self.correction = CorrectionBox(self)
        self.box.addWidget(self.correction)
        self.box.addStretch(1)

    def _new(self):
        self.desk.close_view()
        self.panel.after_action()

    def refresh(self):
        st = self.desk.session.state
        when = clock_text(st.closed_t) if st.closed_t else ""
        if st.started:
            mg = st.delivered_mg(st.closed_t)
            self.summary.setText(f"Session closed at {when} ({st.closed_reason}).\n{st.patient['name']}: "
                                 f"{fmt(mg, 1)} mg ketamine = {fmt(mg / st.weight_kg, 3)} mg/kg.\n"
                                 "The record is read-only; corrections are added as new entries.")
        else:
            self.summary.setText(f"Session closed at {when} before any drug was given: {st.closed_reason}.")
        self.correction.fill()


# --- the panel ------------------------------------------------------------------------------------------
class _ActivityFilter(QObject):
    def __init__(self, panel: "SessionPanel") -> None:
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        if event.type() in (QEvent.MouseButtonPress, QEvent.KeyPress, QEvent.TouchBegin):
            self.panel.touch()
        return False


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
        steps = QHBoxLayout()
        steps.setSpacing(2)
        self.step_labels = {}
        for phase, text in STEPS:
            label = QLabel(text)
            label.setAlignment(Qt.AlignCenter)
            self.step_labels[phase] = label
            steps.addWidget(label)
        outer.addLayout(steps)
        self.patient = QLabel("")
        self.patient.setWordWrap(True)
        self.patient.setStyleSheet("font-size: 18px; font-weight: bold;")
        outer.addWidget(self.patient)
        self.next = QLabel("")
        self.next.setWordWrap(True)
        outer.addWidget(self.next)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.RichText)
        self.status.setStyleSheet(f"background: {style.PANEL}; padding: 8px; font-size: 18px;")
        outer.addWidget(self.status)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_TEXT)
        outer.addWidget(self.message)
        self.stack = QStackedWidget()
        self.containers: dict[str, QWidget] = {}
        self.pages: dict[str, Page] = {}
        for name, cls in (("lock", LockPage), ("find", FindPage), ("patient", WeightPage),
                          ("checklist", ChecklistPage), ("order", OrderPage), ("double_check", DoubleCheckPage),
                          ("infusion", InfusionPage), ("observation", ObservationPage),
                          ("discharge", DischargePage), ("closed", ClosedPage)):
            page = cls(self)
            self.pages[name] = page
            # every page scrolls, so the window fits a 1080-line screen even with a full alarm bar
            self.containers[name] = page if page.scrolls_itself else scroll(page)
            self.stack.addWidget(self.containers[name])
        outer.addWidget(self.stack, 1)
        self._filter = _ActivityFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._filter)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
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
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {SEVERITY[severity]}; font-size: 18px; font-weight: bold;")

    def clear_refusal(self, *_) -> None:
        """The nurse is changing the input a refusal was about: the red words no longer apply, clear them
        (a green confirmation stays its MESSAGE_S)."""
        if getattr(self, "message_expires", None) is None and self.message.text():
            self.message.clear()

    def touch(self) -> None:
        self.last_activity = self.desk.clock()

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
            label.setStyleSheet(css + " font-size: 13px; padding: 4px 1px; border-radius: 4px;")
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
        self.next.setText("NEXT: " + text)
        self.next.setStyleSheet(f"font-size: 22px; font-weight: bold; color: {SEVERITY[severity]}; "
                                f"border: 2px solid {SEVERITY[severity]}; border-radius: 8px; padding: 8px;")
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
                state = (f"<span style='color:{style.BAD}'><b>{'PAUSED, ' if st.paused else ''}pump STOPPED and "
                         "HELD by the respiratory interlock</b></span>")
            remaining = st.infusion_remaining_seconds(now)
            rows.append(f"Infusion {state} · {duration_text(st.infusion_seconds(now))} elapsed" +
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
