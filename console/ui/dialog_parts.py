"""Pieces every confirming dialog shares, so each one looks and behaves the same under a tired hand."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton

from console.ui import style

BUTTON_SIZE = (160, 52)


def error_label() -> QLabel:
    """Where a refusal is said, in red, in words."""
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {style.BAD}; font-weight: bold;")
    return label


def confirm_buttons(dialog: QDialog, ok_text: str, on_ok) -> tuple[QPushButton, QHBoxLayout]:
    """Cancel and the confirming button, large, on the right, the confirming one last."""
    ok, cancel = QPushButton(ok_text), QPushButton("Cancel")
    for b in (ok, cancel):
        b.setMinimumSize(*BUTTON_SIZE)
    ok.clicked.connect(on_ok)
    cancel.clicked.connect(dialog.reject)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(cancel)
    row.addWidget(ok)
    return ok, row
