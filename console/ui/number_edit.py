"""A number field that hands on exactly what the nurse typed.

A QSpinBox/QDoubleSpinBox clips to its range while typing: a tester's "700" kg in a 0-400 box became "70",
a plausible and wrong weight that the session never saw. This line edit has no range and no validator; the
session core reads the text with its plausible-numbers rule (console/session/rules/plausible_numbers.py) and
refuses, in words, what is not a number or out of range. `typed()` is the text for the core; `value()` is
only for live previews.
"""
from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from console.session.dose import fmt
from console.session.rules.plausible_numbers import parse
from console.ui.session_style import FIELD


class NumberEdit(QLineEdit):
    def __init__(self, placeholder: str = "", unit: str = "", parent=None) -> None:
        super().__init__(parent)
        self.unit = unit
        self.setPlaceholderText(placeholder or unit)
        self.setStyleSheet(FIELD)

    def typed(self) -> str:
        """What is in the field, unchanged (the core parses it and says what is wrong)."""
        return self.text()

    def value(self) -> float | None:
        """The typed number for a preview, or None when the text is not a number."""
        return parse(self.text())

    def setValue(self, value: float, places: int = 3) -> None:  # noqa: N802 (the spin box's name, kept)
        self.setText(fmt(float(value), places))
