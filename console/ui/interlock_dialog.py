"""Restarting after the respiratory interlock: a physician's name, PIN and reason, then the engine decides.

The dialog only collects; `verify(username, pin)` (the staff directory) says who it is, and
`resume(person, reason)` (the alarm engine) checks the role, that the signs are gone and that the pump
was confirmed stopped, and records it. Any refusal is shown in the dialog, which stays open.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from console.ui import style
from console.ui.dialog_parts import confirm_buttons, error_label


class InterlockResumeDialog(QDialog):
    def __init__(self, verify: Callable[[str, str], object], resume: Callable[[object, str], None],
                 roles: tuple[str, ...], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restart after the respiratory interlock")
        self.verify, self.resume = verify, resume
        intro = QLabel(f"The pump stays stopped until a {' or '.join(roles)} has seen the patient and "
                       "enters their PIN.")
        intro.setWordWrap(True)
        self.username = QLineEdit()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.Password)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. awake, SpO2 96 % on 2 L O2, RR 12")
        for field in (self.username, self.pin, self.reason):
            field.setMinimumHeight(44)
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("PIN", self.pin)
        form.addRow("Why it is safe", self.reason)
        self.error = error_label()
        self.ok, buttons = confirm_buttons(self, "Allow restart", self.submit)
        self.setStyleSheet(style.STYLESHEET + f"QLineEdit {{ background: {style.PANEL}; border: 1px solid #4b5563; "
                           "border-radius: 6px; padding: 6px; font-size: 18px; }")
        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addLayout(form)
        box.addWidget(self.error)
        box.addLayout(buttons)

    def submit(self) -> None:
        try:
            person = self.verify(self.username.text(), self.pin.text())
            self.resume(person, self.reason.text())
        except Exception as exc:  # wrong PIN, locked out, wrong role, signs still present: all said in words
            self.pin.clear()
            self.error.setText(str(exc))
            return
        self.accept()
