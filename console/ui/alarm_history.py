"""The session's alarm history: every alarm since the session began, with its end and who acknowledged it.

The bar shows what needs attention now; a nurse handing over, or a clinician after an interlock stop,
needs what happened: when each alarm started and ended, how bad it got, and who saw it.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from console.alarms.alarm import Alarm
from console.alarms.alarm_config import AlarmConfig

COLUMNS = ("When", "Priority", "Alarm", "Ack by")


def _clock(t: float | None) -> str:
    return "" if t is None else time.strftime("%H:%M:%S", time.localtime(t))


class AlarmHistoryView(QWidget):
    def __init__(self, config: AlarmConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.title = QLabel("Alarms this session")
        self.title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Alarm"), QHeaderView.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.ElideNone)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.table, 1)
        self._acks: dict[int, str] = {}
        self._shown: dict[int, tuple[str, ...]] = {}  # alarm id -> the cell texts on screen
        self._order: list[int] = []  # alarm ids, top row first

    def show_history(self, history: list[Alarm]) -> None:
        """Newest first. Rows are added and updated in place (a long session has hundreds of alarms and
        this runs on the GUI thread). Acknowledgements are remembered even after a reminder clears them."""
        for a in history:
            if a.acknowledged_by:
                self._acks[a.id] = a.acknowledged_by
            values = self._values(a)
            if self._shown.get(a.id) == values:
                continue
            if a.id not in self._shown:
                self.table.insertRow(0)
                self._order.insert(0, a.id)
            row = self._order.index(a.id)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == COLUMNS.index("Priority"):
                    signal = self.config.display[a.priority]
                    item.setBackground(QColor(signal.colour))
                    item.setForeground(QColor(signal.text_colour))
                    item.setTextAlignment(Qt.AlignCenter)
                self.table.setItem(row, c, item)
            self.table.resizeRowToContents(row)
            self._shown[a.id] = values
        self.title.setText(f"Alarms this session: {len(self._order)}")

    def _values(self, a: Alarm) -> tuple[str, ...]:
        ended = _clock(a.ended) if a.ended else ("latched" if a.latched else "active")
        priority = a.priority.upper() + {"technical": "\ntech", "device": "\ndevice"}.get(a.kind, "")
        text = a.text if a.worst is None or a.worst == a.value else f"{a.text} (worst {a.worst:g})"
        return (f"{_clock(a.started)}\n{ended}", priority, text, self._acks.get(a.id, ""))
