"""Find or add the patient; the administrator's staff accounts."""
from __future__ import annotations


from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (QComboBox, QFrame, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from console.session.desk import CLINICAL_ROLES
from console.ui.session_style import PLAIN_BUTTON

from console.ui.session.parts import (button, heading, field, line, scroll, Page)


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
