"""The independent double check by a second person, blind to the first entry."""
from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel)

from console.session.dose import fmt
from console.ui import style
from console.ui.pin_dialog import SecondPersonBox
from console.ui.number_edit import NumberEdit
from console.ui.session_style import (GO_BUTTON, STOP_BUTTON)

from console.ui.session.parts import (button, heading, line, Page)


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
