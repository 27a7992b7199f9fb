"""The pre-infusion checklist, compact, with the hard-stop change box."""
from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QSpinBox,
                               QTimeEdit, QVBoxLayout, QWidget)

from console.ui import style
from console.ui.pin_dialog import SecondPersonBox
from console.ui.session_style import (CHOICE_BUTTON, FAIL_MARK, GO_BUTTON, OPEN_MARK, PASS_MARK, PLAIN_BUTTON,
                                      STOP_BUTTON)

from console.ui.session.parts import (button, heading, field, line, Choices, scroll, Page)


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
