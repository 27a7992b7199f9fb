"""Pieces every page of the session panel uses: big buttons, headings, fields, choice rows, the Page base."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFrame, QGridLayout, QLabel,
                               QLineEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget)

from console.ui.session_style import (BIG_BUTTON, CHOICE_BUTTON, FIELD)

if TYPE_CHECKING:  # the panel imports every page; a page only names it
    from console.ui.session.panel import SessionPanel


STEPS = (("patient", "Patient"), ("checklist", "Checklist"), ("order", "Order"), ("double_check", "Check"),
         ("infusion", "Infusion"), ("observation", "Observe"), ("discharge", "Discharge"))


REFRESH_MS = 1000


MESSAGE_S = 20  # a confirmation ("Assessment recorded") stays this long


def button(text: str, css: str = BIG_BUTTON) -> QPushButton:
    b = QPushButton(text)
    b.setStyleSheet(css)
    return b


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 20px; font-weight: bold; color: #e5e7eb;")
    label.setWordWrap(True)
    return label


class QuietLabel(QLabel):
    """A label hidden while it has no text, so an empty message or preview takes no height on the page."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setVisible(bool(text))

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


def field(widget: QWidget) -> QWidget:
    widget.setStyleSheet(FIELD)
    if isinstance(widget, QComboBox):  # long choice texts must not widen the narrow side panel
        widget.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        widget.setMinimumContentsLength(8)
    return widget


def line(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setStyleSheet(FIELD)
    return edit


class Choices(QWidget):
    """A row of large exclusive buttons (pain 0-10, yes/no); `value` is the chosen data or None."""

    def __init__(self, options: list[tuple[str, Any]], parent: QWidget | None = None, columns: int = 6) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.data: dict[int, Any] = {}
        for n, (text, value) in enumerate(options):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setStyleSheet(CHOICE_BUTTON)
            self.group.addButton(b, n)
            self.data[n] = value
            grid.addWidget(b, n // columns, n % columns)

    @property
    def value(self) -> Any:
        checked = self.group.checkedId()
        return None if checked < 0 else self.data[checked]

    def clear(self) -> None:
        self.group.setExclusive(False)
        for b in self.group.buttons():
            b.setChecked(False)
        self.group.setExclusive(True)

    def choose(self, value: Any) -> None:
        for n, v in self.data.items():
            if v == value:
                self.group.button(n).setChecked(True)


def scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


class Page(QWidget):
    #: True for pages that put their content in their own scroll area (the panel wraps the others)
    scrolls_itself = False

    def __init__(self, panel: "SessionPanel") -> None:
        super().__init__()
        self.panel, self.desk = panel, panel.desk
        self.box = QVBoxLayout(self)
        self.box.setSpacing(10)

    def do(self, action: Callable[[], Any], done: str = "") -> Any:
        return self.panel.do(action, done)

    def refresh(self) -> None:
        """Bring the page up to date with the session (called each second and after every action)."""
