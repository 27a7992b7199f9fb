"""A patient's infusion history on screen: a pain chart across the series and a table of past sessions.

The chart shows pain before (hollow) and after (filled) each session joined by a line, so the nurse and
the physician see at a glance whether the series helps and whether relief lasts until the next visit.
Boosters are drawn in another colour. Data comes from console.records.history; this widget only shows it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from console.records.history import PastSession
from console.ui import style

COLUMNS = ("Date", "Protocol", "Dose", "mg/kg", "Pain before", "Pain after", "Side effects", "Status")
BOOSTER_WORDS = ("booster", "bolus")


def is_booster(s: PastSession) -> bool:
    text = f"{s.kind} {s.protocol}".lower()
    return any(w in text for w in BOOSTER_WORDS)


class HistoryView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        layout = QVBoxLayout(self)
        self.title = QLabel("No patient selected")
        self.title.setStyleSheet("font-size: 20px; font-weight: bold;")
        layout.addWidget(self.title)
        self.plot = pg.PlotWidget(background=style.BACKGROUND)
        self.plot.setMinimumHeight(260)
        self.plot.setYRange(0, 10, padding=0.05)
        self.plot.setLabel("left", "Pain (NRS 0-10)")
        self.plot.setLabel("bottom", "Session date")
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(style.PANEL))
        layout.addWidget(self.plot, 2)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setStyleSheet(f"QTableWidget {{ gridline-color: #1f2937; }} QHeaderView::section {{ "
                                 f"background: {style.PANEL}; color: {style.TEXT}; padding: 6px; "
                                 f"border: none; font-weight: bold; }}")
        layout.addWidget(self.table, 3)
        self.sessions: list[PastSession] = []

    def show_history(self, patient_label: str, sessions: Sequence[PastSession]) -> None:
        self.sessions = list(sessions)
        n = len(self.sessions)
        self.title.setText(f"{patient_label} — {n} session{'s' if n != 1 else ''}")
        self._fill_table()
        self._draw_chart()

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.sessions))
        for row, s in enumerate(reversed(self.sessions)):  # newest first
            cells = (datetime.fromtimestamp(s.t).strftime("%Y-%m-%d"), s.protocol or "—",
                     f"{s.given_mg:.0f} mg", f"{s.given_mg_per_kg:.2f}" if s.given_mg_per_kg is not None else "—",
                     "—" if s.pain_before is None else str(s.pain_before),
                     "—" if s.pain_after is None else str(s.pain_after),
                     ", ".join(e.replace("_", " ") for e in s.side_effects) or "none",
                     s.status.replace("_", " "))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (2, 3, 4, 5):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if col == 6 and s.side_effects:
                    item.setForeground(pg.mkColor(style.WARN))
                self.table.setItem(row, col, item)

    def _draw_chart(self) -> None:
        self.plot.clear()
        if not self.sessions:
            return
        x = np.arange(1, len(self.sessions) + 1, dtype=float)
        before = np.array([np.nan if s.pain_before is None else s.pain_before for s in self.sessions], dtype=float)
        after = np.array([np.nan if s.pain_after is None else s.pain_after for s in self.sessions], dtype=float)
        for xi, b, a in zip(x, before, after):
            if not (np.isnan(b) or np.isnan(a)):
                self.plot.plot([xi, xi], [b, a], pen=pg.mkPen("#4b5563", width=3))
        boosters = np.array([is_booster(s) for s in self.sessions])
        self.plot.plot(x, before, pen=pg.mkPen("#93c5fd", width=1, style=Qt.DashLine), symbol="o",
                       symbolSize=14, symbolBrush=style.BACKGROUND, symbolPen=pg.mkPen("#93c5fd", width=2),
                       name="pain before", connect="finite")
        self.plot.plot(x, after, pen=pg.mkPen(style.OK, width=2), symbol="o", symbolSize=14,
                       symbolBrush=style.OK, symbolPen=None, name="pain after", connect="finite")
        if boosters.any():
            self.plot.plot(x[boosters], after[boosters], pen=None, symbol="d", symbolSize=18,
                           symbolBrush=style.WARN, symbolPen=None, name="booster")
        labels = [(xi, datetime.fromtimestamp(s.t).strftime("%d %b")) for xi, s in zip(x, self.sessions)]
        self.plot.getAxis("bottom").setTicks([labels])
        self.plot.setXRange(0.5, len(self.sessions) + 0.5, padding=0)
        self.plot.setYRange(0, 10, padding=0.05)
