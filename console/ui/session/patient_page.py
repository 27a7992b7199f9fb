"""Find or add the patient; the administrator's staff accounts."""
from __future__ import annotations


from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFrame, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from console.session.desk import CLINICAL_ROLES
from console.ui.session_style import PLAIN_BUTTON
from console.ui import style

from console.ui.session.parts import (button, heading, field, line, scroll, Page)


#: after the last key, wait this long before asking the clinic records server (typing stays local and fast)
SEARCH_DEBOUNCE_MS = 300
#: the search gives up on an unreachable server after this long (libpq's minimum); the screen never waits
SEARCH_CONNECT_TIMEOUT_S = 2


class FindPage(Page):
    scrolls_itself = True
    #: (generation, clinic_reads.Answer) from the worker thread
    found = Signal(int, object)
    #: (the patient on the server or None, or the error text) for "start session" of another chair's patient
    record_ready = Signal(object, str)
    #: the clinic records server (replication.ServerSettings) when clinic.toml names one; set by the app
    server_settings = None

    def __init__(self, panel):
        super().__init__(panel)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patient-search")
        self._generation = 0  # the newest search; an answer for an older one is dropped
        self._busy = False  # one server search at a time: a dead server never queues up a backlog
        self._asked = ""  # text of the server search in flight
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._ask_server)
        self.found.connect(self._server_answer)
        self.record_ready.connect(self._start_copied)
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
        self.source = QLabel("")
        self.source.setWordWrap(True)
        self.source.setObjectName("searchSource")
        self.results = QListWidget()
        self.results.setStyleSheet("font-size: 20px;")
        self.results.setMinimumHeight(150)
        start = button("Start session for the selected patient")
        start.clicked.connect(self._start_selected)
        self.box.addWidget(self.search)
        self.box.addWidget(self.source)
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
        """This chair's matches at once; the clinic's (all chairs) a moment after the last key, off this thread."""
        self._generation += 1
        self._show(self.desk.find_patients(text))
        if self.server_settings is None or not text.strip():
            self.source.setText("")
            return
        self._say("searching the clinic records (all chairs)…", style.MUTED)
        self._debounce.start()

    def _say(self, text: str, colour: str) -> None:
        self.source.setText(f"<span style='color:{colour}'>{text}</span>")

    def _ask_server(self) -> None:
        if self._busy:  # asked again when the search in flight answers
            return
        from console.records import clinic_reads
        text, generation = self.search.text(), self._generation
        if not text.strip():
            return
        self._busy, self._asked = True, text
        settings = replace(self.server_settings, connect_timeout_s=SEARCH_CONNECT_TIMEOUT_S)
        database = self.desk.people.database

        def work() -> None:
            try:
                answer = clinic_reads.find_patients(settings, database, text)
            except Exception as exc:  # never lose the answer: the screen must leave "searching"
                answer = clinic_reads.Answer([], clinic_reads.OFFLINE, f"{type(exc).__name__}: {exc}")
            self.found.emit(generation, answer)
        self._worker.submit(work)

    def _server_answer(self, generation: int, answer) -> None:
        self._busy = False
        if self.search.text() != self._asked:  # typed on meanwhile: ask for what is there now
            self._debounce.start()
            return
        if generation != self._generation:
            return
        if answer.offline:
            self._say(f"{answer.source} — the clinic records server did not answer", style.WARN)
            self.source.setToolTip(answer.reason)
            return  # this chair's matches are already listed
        self._say("clinic records: all chairs", style.OK)
        self.source.setToolTip("")
        rows = []
        for row in answer.value:
            here = self.desk.people.patient_by_mrn(row["mrn"])
            same = here is not None and here["name"] == row["name"] and here["dob"] == row["dob"]
            rows.append(here if same else {**row, "elsewhere": True})
        self._show(rows)

    def _show(self, rows) -> None:
        self.results.clear()
        for row in rows:
            text = f"{row['name']}  ·  {row['mrn']}  ·  born {row['dob']}"
            if row.get("elsewhere"):  # on its own line, so a narrow screen never cuts it (or the birth date) off
                text += "\n(from another chair: copied here at start)"
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, row)
            item.setSizeHint(QSize(0, 80 if row.get("elsewhere") else 52))
            self.results.addItem(item)
        if self.results.count() == 1:
            self.results.setCurrentRow(0)

    def _start_selected(self):
        item = self.results.currentItem()
        if item is None:
            self.panel.show_error("choose the patient in the list first (check name and date of birth)")
            return
        row = item.data(Qt.UserRole)
        if "id" in row:
            self.do(lambda: self.desk.start_session(row))
            return
        # known only at another chair: their record (with weights) comes from the server, off this thread
        from console.records import clinic_reads
        settings = replace(self.server_settings, connect_timeout_s=SEARCH_CONNECT_TIMEOUT_S)
        mrn = row["mrn"]
        self.panel.show_error(f"copying {row['name']} ({mrn}) from the clinic records…", severity="info")

        def work() -> None:
            try:
                record = clinic_reads.patient_record(settings, mrn)
                self.record_ready.emit(record, "" if record is not None else
                                       f"the clinic records server no longer has MRN {mrn}; search again")
            except Exception as exc:
                from console.records.replication import explain_connect_error
                self.record_ready.emit(None, "the clinic records server stopped answering, so this patient "
                                             "cannot be copied to this chair now: try again in a minute, or "
                                             f"call IT ({explain_connect_error(exc, settings)[:160]})")
        self._worker.submit(work)

    def _start_copied(self, record, problem: str) -> None:
        if record is None:
            self.panel.show_error(problem)
            return
        self.do(lambda: self.desk.start_session(self.desk.adopt_patient(record)))

    def shutdown(self) -> None:
        self._debounce.stop()
        self._worker.shutdown(wait=False, cancel_futures=True)

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
