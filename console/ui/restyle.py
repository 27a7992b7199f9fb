"""Set a widget's style sheet only when it changes.

Qt re-polishes a widget (and its children) on every setStyleSheet call, even with the same text: the
costliest part of a panel refresh that runs every second whether or not anything changed
(docs/benchmarks.md, "Console CPU"). QLabel.setText already ignores an unchanged text.
"""
from __future__ import annotations

from PySide6.QtWidgets import QWidget


def set_style(widget: QWidget, css: str) -> None:
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)
