"""A closed session, and corrections recorded as new events."""
from __future__ import annotations


from PySide6.QtWidgets import (QComboBox, QFrame, QLabel, QVBoxLayout)

from console.session.desk import clock_text
from console.session.dose import fmt
from console.ui.session_style import (GO_BUTTON, PLAIN_BUTTON)

from console.ui.session.parts import (button, heading, field, line, Choices, Page)


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
