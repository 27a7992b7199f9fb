"""Today's weight, as typed, judged by the core (plausible range, change since last visit)."""
from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QCheckBox, QDateEdit, QHBoxLayout, QLabel)

from console.session.dose import DoseError, fmt
from console.session.errors import NeedsConfirmation, SessionError
from console.session.staff import StaffError
from console.ui.number_edit import NumberEdit

from console.ui.session.parts import (button, heading, field, Page)


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
