"""This patient's alarm limits: each one movable only within the clinic's bounds, and only with a reason.

The spin boxes cannot leave the clinic's bounds, so a nurse sees the allowed range as she types; the
engine checks again and records each change with her name and the reason.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractSpinBox, QDialog, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout)

from console.alarms.alarm_config import AlarmConfig
from console.ui import style
from console.ui.dialog_parts import confirm_buttons, error_label


class AlarmLimitsDialog(QDialog):
    def __init__(self, config: AlarmConfig, current: Callable[[str, str], float | None],
                 apply: Callable[[str, str, float, str], None], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Alarm limits for this patient")
        self.apply = apply
        self.boxes: dict[tuple[str, str], QDoubleSpinBox] = {}
        self.start: dict[tuple[str, str], float] = {}
        grid = QGridLayout()
        for col, head in enumerate(("", "low", "high", "allowed")):
            label = QLabel(f"<b>{head}</b>")
            grid.addWidget(label, 0, col)
        for row, p in enumerate(config.parameters.values(), start=1):
            grid.addWidget(QLabel(f"{p.label} ({p.unit})"), row, 0)
            allowed = []
            for col, side in ((1, "low"), (2, "high")):
                s = p.side(side)
                if s is None:
                    grid.addWidget(QLabel("—"), row, col)
                    continue
                box = QDoubleSpinBox()
                box.setDecimals(0)
                box.setRange(s.min, s.max)
                box.setValue(current(p.name, side) or s.default)
                box.setButtonSymbols(QAbstractSpinBox.NoButtons)  # big − and + beside it instead, for fingers
                box.setMinimumSize(90, 44)
                box.setAlignment(Qt.AlignCenter)
                font = box.font()
                font.setPointSize(14)
                box.setFont(font)
                self.boxes[(p.name, side)] = box
                self.start[(p.name, side)] = box.value()
                cell = QHBoxLayout()
                cell.addWidget(self._step_button("−", box.stepDown))
                cell.addWidget(box)
                cell.addWidget(self._step_button("+", box.stepUp))
                grid.addLayout(cell, row, col)
                allowed.append(f"{side} {s.min:g}–{s.max:g}")
            grid.addWidget(QLabel(f"<span style='color:{style.MUTED}'>{', '.join(allowed)}</span>"), row, 3)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why these limits suit this patient (recorded)")
        self.reason.setMinimumHeight(44)
        self.error = error_label()
        self.ok, buttons = confirm_buttons(self, "Save limits", self.submit)
        self.reason.setObjectName("reason")
        self.setStyleSheet(style.STYLESHEET + f"QLineEdit#reason {{ background: {style.PANEL}; "
                           "border: 1px solid #4b5563; border-radius: 6px; padding: 2px; font-size: 18px; }")
        box = QVBoxLayout(self)
        box.addLayout(grid)
        box.addWidget(QLabel("Reason"))
        box.addWidget(self.reason)
        box.addWidget(self.error)
        box.addLayout(buttons)

    @staticmethod
    def _step_button(text: str, step: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setFixedSize(48, 44)
        button.setStyleSheet("padding: 0; font-size: 22px; font-weight: bold;")
        button.setAutoRepeat(True)
        button.clicked.connect(step)
        return button

    def changes(self) -> list[tuple[str, str, float]]:
        return [(name, side, box.value()) for (name, side), box in self.boxes.items()
                if box.value() != self.start[(name, side)]]

    def submit(self) -> None:
        changes = self.changes()
        if not changes:
            self.reject()
            return
        if not self.reason.text().strip():
            self.error.setText("Write why these limits suit this patient; the reason is recorded with your name.")
            return
        for name, side, value in changes:
            try:
                self.apply(name, side, value, self.reason.text())
            except Exception as exc:  # the engine's refusal, in words
                self.error.setText(str(exc))
                return
            self.start[(name, side)] = value
        self.accept()
