"""The observation period after the stop, with its countdown."""
from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QLabel, QVBoxLayout, QWidget)

from console.session.desk import duration_text
from console.ui import style
from console.ui.pin_dialog import SecondPersonBox
from console.ui.restyle import set_style
from console.ui.session_style import GO_BUTTON

from console.ui.session.parts import (button, line, scroll, Page)
from console.ui.session.assessment_box import AssessmentBox


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
        set_style(self.countdown, f"font-size: 40px; font-weight: bold; color: {style.TEXT if left else style.OK};")
        self.early.setVisible(left > 0)
