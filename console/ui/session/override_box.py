"""A physician's PIN and reason to go on over a verdict the core allows to be overridden."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import (QFrame, QLabel, QVBoxLayout)

from console.ui import style
from console.ui.pin_dialog import SecondPersonBox
from console.ui.session_style import PLAIN_BUTTON

from console.ui.session.parts import (button, line, Page)


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
