"""The records side panel: recent sessions, export (PDF/CSV/FHIR), patient history, backup and its reminder.

Exports and backups run on a worker thread with their own read-only connection, so the screen and the
running session never wait for a report to be drawn or a file to be copied; the result comes back to
the panel as a signal. The panel only calls console.records; it holds no SQL.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from console.errors import UserError
from console.records.backup import backup_reminder, backup_to
from console.records.database import Database
from console.records.exports import FORMATS, default_path, export_session
from console.records.history import SessionListing, patient_history, recent_sessions
from console.ui import style

REMINDER_CHECK_MS = 60 * 60 * 1000


class RecordsPanel(QWidget):
    #: (ok, message) from the worker thread, delivered on the GUI thread.
    finished = Signal(bool, str)
    #: (session listing, clinic_reads.Answer) read across chairs on the worker thread
    history_ready = Signal(object, object)
    #: the clinic records server (replication.ServerSettings) when there is one: history reads every chair
    server_settings = None

    def __init__(self, database: Database, *, export_dir: Path | None = None,
                 ask_save_path: Callable[[str, Path], Path | None] | None = None,
                 ask_backup_folder: Callable[[], Path | None] | None = None,
                 clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.export_dir = export_dir or Path.home()
        self.ask_save_path = ask_save_path or self._dialog_save_path
        self.ask_backup_folder = ask_backup_folder or self._dialog_backup_folder
        self.clock = clock
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="records-export")
        self.busy = False
        layout = QVBoxLayout(self)
        self.reminder = QLabel()
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet(f"background: {style.WARN}; color: black; font-weight: bold; padding: 8px; "
                                    f"border-radius: 6px;")
        layout.addWidget(self.reminder)
        self.backup_button = QPushButton("Back up now…")
        layout.addWidget(self.backup_button)
        layout.addWidget(QLabel("Recent sessions"))
        self.sessions = QListWidget()
        self.sessions.setSelectionMode(QAbstractItemView.SingleSelection)
        self.sessions.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.sessions.setWordWrap(True)
        self.sessions.setStyleSheet("QListWidget::item { min-height: 52px; padding: 6px; border-bottom: 1px solid #1f2937; } "
                                    "QListWidget::item:selected { background: #1e3a5f; }")
        layout.addWidget(self.sessions, 1)
        row = QHBoxLayout()
        self.export_buttons = {}
        for fmt, label in (("pdf", "PDF report"), ("csv", "CSV"), ("fhir", "FHIR")):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, f=fmt: self.export_selected(f))
            row.addWidget(button)
            self.export_buttons[fmt] = button
        layout.addLayout(row)
        self.history_button = QPushButton("Patient history")
        layout.addWidget(self.history_button)
        self.waves_button = QPushButton("Review waves")
        layout.addWidget(self.waves_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.backup_button.clicked.connect(self.backup_now)
        self.history_button.clicked.connect(self.show_history)
        self.waves_button.clicked.connect(self.review_waves)
        self.sessions.currentRowChanged.connect(lambda _: self._update_buttons())
        self.finished.connect(self._done)
        self.listing: list[SessionListing] = []
        self.history_dialog: QDialog | None = None
        self.waves_dialog: QDialog | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh_reminder)
        self.timer.start(REMINDER_CHECK_MS)
        self.refresh()

    # ---- state ----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.listing = recent_sessions(self.database)
        self.sessions.clear()
        for s in self.listing:
            when = datetime.fromtimestamp(s.t).strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(f"{s.name}  ({s.mrn})\n{when} · {s.status}")
            item.setData(Qt.UserRole, s.session_id)
            self.sessions.addItem(item)
        if self.listing:
            self.sessions.setCurrentRow(0)
        self.refresh_reminder()
        self._update_buttons()

    def showEvent(self, event):  # noqa: N802 (Qt name)
        """The list is read again each time the tab is opened: a session signed off since shows at once."""
        if not self.busy:
            self.refresh()
        super().showEvent(event)

    def refresh_reminder(self) -> None:
        message = backup_reminder(self.database, self.clock())
        self.reminder.setText(message or "")
        self.reminder.setVisible(bool(message))

    def selected(self) -> SessionListing | None:
        row = self.sessions.currentRow()
        return self.listing[row] if 0 <= row < len(self.listing) else None

    def _update_buttons(self) -> None:
        has = self.selected() is not None and not self.busy
        for button in self.export_buttons.values():
            button.setEnabled(has)
        self.history_button.setEnabled(has)
        self.waves_button.setEnabled(has)
        self.backup_button.setEnabled(not self.busy)

    # ---- actions --------------------------------------------------------------------------------------
    def export_selected(self, fmt: str) -> None:
        session = self.selected()
        if session is None:
            return
        path = self.ask_save_path(fmt, self.export_dir / default_path(session.session_id, fmt))
        if path is None:
            return
        self._run(f"Writing {fmt.upper()} for {session.name}…",
                  lambda db: "Saved " + "{} ({})".format(*export_session(db, session.session_id, fmt, path)))

    def backup_now(self) -> None:
        folder = self.ask_backup_folder()
        if folder is None:
            return
        now = self.clock()

        def job(db: Database) -> str:
            result = backup_to(db, folder, now=now)
            return f"Backed up {result.events} events to {result.path} (verified)"

        self._run("Backing up…", job, remember_backup=now)

    def _run(self, what: str, job: Callable[[Database], str], *, remember_backup: float | None = None) -> None:
        self.busy = True
        self._update_buttons()
        self.status.setText(what)
        self.status.setStyleSheet(f"color: {style.TEXT};")
        self._remember_backup = remember_backup

        def work() -> None:
            reader = self.database.reader()
            try:
                message = job(reader)
            except UserError as exc:
                self.finished.emit(False, str(exc))
                return
            except Exception as exc:  # a bug must still reach the screen, not vanish in a thread
                self.finished.emit(False, f"{type(exc).__name__}: {exc}")
                return
            finally:
                reader.close()
            self.finished.emit(True, message)

        self.worker.submit(work)

    def _done(self, ok: bool, message: str) -> None:
        self.busy = False
        if ok and self._remember_backup is not None:
            from console.records.backup import LAST_BACKUP
            self.database.set_meta(LAST_BACKUP, repr(self._remember_backup))
            self.refresh_reminder()
        self.status.setText(message)
        self.status.setStyleSheet(f"color: {style.OK if ok else style.BAD}; font-weight: bold;")
        self._update_buttons()

    def show_history(self) -> None:
        session = self.selected()
        if session is None:
            return
        if self.server_settings is not None:  # the network is never waited for on the screen's thread
            from console.records import clinic_reads
            settings = self.server_settings
            if not getattr(self, "_history_connected", False):
                self.history_ready.connect(self._open_history)
                self._history_connected = True
            self.worker.submit(lambda: self.history_ready.emit(session, clinic_reads.patient_history(
                settings, self.database, mrn=session.mrn, local_patient_id=session.patient_id)))
            return
        if session.patient_id is not None:
            sessions = patient_history(self.database, patient_id=session.patient_id)
        else:
            sessions = patient_history(self.database, mrn=session.mrn)
        self._open_history(session, sessions)

    def _open_history(self, session: SessionListing, sessions) -> None:
        source = None
        if hasattr(sessions, "source"):  # an answer from clinic_reads: say where it came from
            source, sessions = sessions, sessions.value
        shown = []
        if source is not None:
            self.history_source = QLabel(source.source)
            self.history_source.setStyleSheet(f"color: {style.WARN if source.offline else style.OK}; "
                                              f"font-weight: bold;")
            shown.append(self.history_source)
        from console.ui.history_view import HistoryView  # pyqtgraph: not imported before the first frame
        view = HistoryView()
        view.show_history(f"{session.name} ({session.mrn})", sessions)
        self.history_dialog = self._open_dialog(f"History — {session.name}", shown + [view], (1000, 720),
                                                styled=True)

    def review_waves(self) -> None:
        """The selected session's stored waves with its trend and alarms (console/ui/wave_review.py)."""
        from console.ui.wave_review import WaveReview
        session = self.selected()
        if session is None:
            return
        self.wave_review = WaveReview(self.database, session.session_id)
        self.waves_dialog = self._open_dialog(f"Waves — {session.name} ({session.mrn})", [self.wave_review],
                                              (1366, 768))

    def _open_dialog(self, title: str, widgets: list[QWidget], size: tuple[int, int], *,
                     styled: bool = False) -> QDialog:
        """A non-modal window over the records: the widgets, one above the other, and a Close button."""
        dialog = QDialog(self)
        dialog.setWindowTitle(title)
        if styled:
            dialog.setStyleSheet(style.STYLESHEET)
        box = QVBoxLayout(dialog)
        for widget in widgets:
            box.addWidget(widget)
        close = QPushButton("Close")
        close.clicked.connect(dialog.accept)
        box.addWidget(close)
        dialog.resize(*size)
        dialog.show()
        return dialog

    def shutdown(self) -> None:
        self.worker.shutdown(wait=True)

    # ---- default dialogs ------------------------------------------------------------------------------
    def _dialog_save_path(self, fmt: str, suggested: Path) -> Path | None:
        ext = FORMATS[fmt]
        name, _ = QFileDialog.getSaveFileName(self, f"Export {fmt.upper()}", str(suggested), f"*{ext}")
        return Path(name) if name else None

    def _dialog_backup_folder(self) -> Path | None:
        name = QFileDialog.getExistingDirectory(self, "Back up the records to (a USB drive or network folder)")
        return Path(name) if name else None
