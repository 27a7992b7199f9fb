"""What the nurse sees when the console meets a bug: plain words, what is safe, and what happens next."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout


class CrashNotice(QDialog):
    """Counts down to the restart (nobody may be at the chair to press a button); 'Restart now' is offered.

    Without a restart (too many in a row) it says to call the biomed and stays until closed."""

    def __init__(self, report_path, *, restart_after_s: int | None, on_restart, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Bedside Console — unexpected error")
        self.setModal(True)
        self.on_restart = on_restart
        self.remaining = restart_after_s
        layout = QVBoxLayout(self)
        head = QLabel("The console met an unexpected error.")
        head.setStyleSheet("font-size: 22px; font-weight: bold;")
        body = QLabel("Every record made so far is kept. The monitor and the pump keep working on their own: "
                      "watch the patient on the monitor until the console is back.")
        body.setWordWrap(True)
        self.countdown = QLabel()
        self.countdown.setStyleSheet("font-size: 18px;")
        self.countdown.setWordWrap(True)
        where = QLabel(f"For the biomed: crash report {report_path} (bedside-console report collects it).")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextSelectableByMouse)
        for w in (head, body, self.countdown, where):
            layout.addWidget(w)
        self.button = QPushButton("Restart now" if restart_after_s is not None else "Close the console")
        self.button.setMinimumHeight(54)
        self.button.clicked.connect(self._restart if restart_after_s is not None else self.accept)
        layout.addWidget(self.button)
        self.setMinimumWidth(560)
        self.timer = QTimer(self)
        if restart_after_s is None:
            self.countdown.setText("It has restarted several times in a short while, so it stays stopped: "
                                   "call the biomed.")
        else:
            self._tick()
            self.timer.timeout.connect(self._tick)
            self.timer.start(1000)

    def _tick(self) -> None:
        if self.remaining <= 0:
            self._restart()
            return
        self.countdown.setText(f"It restarts by itself in {self.remaining} s and returns to the open session.")
        self.remaining -= 1

    def _restart(self) -> None:
        self.timer.stop()
        self.accept()
        self.on_restart()
