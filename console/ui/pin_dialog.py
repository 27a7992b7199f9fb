"""PIN entry: the lock screen with a big keypad, a compact second-person box, and a modal PIN dialog.

Gloved fingers and tired eyes: keypad buttons are large, the PIN is never shown, and the name list saves
typing a username. A second person always enters their own PIN on this screen; nothing is remembered.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from console.ui.session_style import BIG_BUTTON, ERROR_TEXT


class PinPad(QWidget):
    """Who (a name list) and a PIN typed on a large keypad or the keyboard; emits submitted(username, pin)."""

    submitted = Signal(str, str)

    def __init__(self, staff: list[dict], *, button_label: str = "Unlock", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.who = QComboBox()
        self.who.setMinimumHeight(52)
        self.who.setStyleSheet("font-size: 20px;")
        self.set_staff(staff)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.Password)
        self.pin.setPlaceholderText("PIN")
        self.pin.setAlignment(Qt.AlignCenter)
        self.pin.setMinimumHeight(56)
        self.pin.setStyleSheet("font-size: 28px; letter-spacing: 8px;")
        self.pin.returnPressed.connect(self._submit)
        layout.addWidget(self.who)
        layout.addWidget(self.pin)
        grid = QGridLayout()
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "⌫"]
        for n, key in enumerate(keys):
            b = QPushButton(key)
            b.setMinimumSize(88, 50)  # about 13 mm on a 96-dpi screen: a sure touch target
            b.setStyleSheet("font-size: 26px;")
            b.setFocusPolicy(Qt.NoFocus)
            b.clicked.connect(lambda _=False, k=key: self._key(k))
            grid.addWidget(b, n // 3, n % 3)
        layout.addLayout(grid)
        self.ok = QPushButton(button_label)
        self.ok.setStyleSheet(BIG_BUTTON)
        self.ok.clicked.connect(self._submit)
        layout.addWidget(self.ok)

    def set_staff(self, staff: list[dict]) -> None:
        wanted = [(f"{row['name']} ({row['role']})", row["username"]) for row in staff if row.get("active", 1)]
        if wanted == [(self.who.itemText(i), self.who.itemData(i)) for i in range(self.who.count())]:
            return
        self.who.clear()
        for text, username in wanted:
            self.who.addItem(text, username)

    def _key(self, key: str) -> None:
        if key == "Clear":
            self.pin.clear()
        elif key == "⌫":
            self.pin.backspace()
        else:
            self.pin.insert(key)

    def select(self, username: str) -> None:
        index = self.who.findData(username)
        if index >= 0:
            self.who.setCurrentIndex(index)

    def _submit(self) -> None:
        pin = self.pin.text()
        self.pin.clear()
        self.submitted.emit(self.who.currentData() or "", pin)


class SecondPersonBox(QWidget):
    """A colleague's name and PIN inline (double check, override, early discharge)."""

    def __init__(self, staff: list[dict], caption: str, roles: tuple[str, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.roles = roles
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(caption)
        label.setWordWrap(True)
        self.who = QComboBox()
        self.who.setMinimumHeight(48)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.Password)
        self.pin.setPlaceholderText("their PIN")
        self.pin.setMinimumHeight(48)
        self.pin.setMaximumWidth(140)
        layout.addWidget(label, 2)
        layout.addWidget(self.who, 3)
        layout.addWidget(self.pin, 2)
        self.set_staff(staff)

    def set_staff(self, staff: list[dict]) -> None:
        """Fill the name list; unchanged lists are left alone so a choice being made is not reset."""
        wanted = [(row["name"], row["username"]) for row in staff
                  if row.get("active", 1) and row["role"] in self.roles]
        if wanted == [(self.who.itemText(i), self.who.itemData(i)) for i in range(self.who.count())]:
            return
        self.who.clear()
        for name, username in wanted:
            self.who.addItem(name, username)

    def take(self) -> tuple[str, str]:
        """The entered username and PIN; the PIN field is cleared so it is never left on screen."""
        pin = self.pin.text()
        self.pin.clear()
        return self.who.currentData() or "", pin


class PinDialog(QDialog):
    """A modal PIN prompt; `verify(username, pin)` returns the person or raises with a message to show."""

    def __init__(self, title: str, staff: list[dict], verify: Callable[[str, str], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.verify, self.person = verify, None
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 22px; font-weight: bold;")
        self.error = QLabel("")
        self.error.setStyleSheet(ERROR_TEXT)
        self.error.setWordWrap(True)
        self.pad = PinPad(staff, button_label="Confirm")
        self.pad.submitted.connect(self._check)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        for w in (heading, self.pad, self.error, cancel):
            layout.addWidget(w)

    def _check(self, username: str, pin: str) -> None:
        try:
            self.person = self.verify(username, pin)
        except Exception as exc:  # the verifier's refusal is the message for the user
            self.error.setText(str(exc))
            return
        self.accept()
