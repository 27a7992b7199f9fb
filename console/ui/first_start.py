"""The first start of a clinic's chair: the steps that make it ready, each with what is still missing.

Every step can be left for later; the window says what is missing each time it opens. The console itself
starts only when this chair's devices are set (a bed without them would show nothing true); until then a
trainee can still run the demo from here.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import (QDialog, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QVBoxLayout, QWidget)

from console import site_setup
from console.session.staff import StaffError
from console.ui.dialog_parts import error_label

BIG = 54


class _Form(QDialog):
    """A small form: labelled line edits, an error line that clears as soon as anything is typed, OK/Cancel."""

    def __init__(self, title: str, fields: list[tuple[str, str, bool]], on_ok, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.on_ok = on_ok
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for key, label, secret in fields:
            edit = QLineEdit()
            edit.setMinimumHeight(40)
            if secret:
                edit.setEchoMode(QLineEdit.Password)
            edit.textChanged.connect(lambda _t: self.error.setText(""))
            form.addRow(label, edit)
            self.edits[key] = edit
        self.error = error_label()
        ok, cancel = QPushButton("Save"), QPushButton("Cancel")
        for b in (ok, cancel):
            b.setMinimumHeight(BIG)
        ok.clicked.connect(self._save)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(480)

    def values(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.edits.items()}

    def _save(self) -> None:
        problem = self.on_ok(self.values())
        if problem:
            self.error.setText(problem)
        else:
            self.accept()


class FirstStartWindow(QDialog):
    """`result_choice` after it closes: "console" (start this bed), "demo", or None (finish later)."""

    def __init__(self, data_dir: Path, database, audit, staff, *, open_devices=None, player=None,
                 clock=time.time, parent=None) -> None:
        super().__init__(parent)
        self.data_dir, self.database, self.audit, self.staff, self.clock = data_dir, database, audit, staff, clock
        self.open_devices = open_devices or self._open_device_setup
        self.player = player
        self.result_choice: str | None = None
        self.setWindowTitle("Bedside Console — set up this chair")
        layout = QVBoxLayout(self)
        head = QLabel("Set up this chair")
        head.setStyleSheet("font-size: 26px; font-weight: bold;")
        intro = QLabel(f"Records and settings will be kept in {data_dir}. Each step can be finished later: "
                       "this window opens again and says what is still missing.")
        intro.setWordWrap(True)
        layout.addWidget(head)
        layout.addWidget(intro)
        grid_box = QWidget()
        self.grid = QGridLayout(grid_box)
        self.grid.setColumnStretch(1, 1)
        layout.addWidget(grid_box)
        self.rows: dict[str, tuple[QLabel, QLabel, QPushButton]] = {}
        actions = {"site": ("Name…", self.name_site), "admin": ("Create…", self.create_admin),
                   "devices": ("Devices…", self.open_devices_and_refresh),
                   "sound": ("Play alarm…", self.test_sound), "backup": ("Choose folder…", self.choose_backup)}
        for row, step in enumerate(self.steps()):
            title, detail = QLabel(), QLabel()
            detail.setWordWrap(True)
            button = QPushButton(actions[step.key][0])
            button.setMinimumHeight(BIG)
            button.clicked.connect(actions[step.key][1])
            self.grid.addWidget(title, row, 0)
            self.grid.addWidget(detail, row, 1)
            self.grid.addWidget(button, row, 2)
            self.rows[step.key] = (title, detail, button)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 18px;")
        layout.addWidget(self.summary)
        bottom = QHBoxLayout()
        self.demo_button = QPushButton("Try the demo (simulated devices)")
        self.later_button = QPushButton("Finish later")
        self.start_button = QPushButton("Start the console")
        for b in (self.demo_button, self.later_button, self.start_button):
            b.setMinimumHeight(BIG)
            bottom.addWidget(b)
        self.demo_button.clicked.connect(lambda: self._close_with("demo"))
        self.later_button.clicked.connect(lambda: self._close_with(None))
        self.start_button.clicked.connect(self.start_console)
        layout.addLayout(bottom)
        self.setMinimumWidth(900)
        self.refresh()

    # ---- state --------------------------------------------------------------------------------------
    def steps(self) -> list[site_setup.Step]:
        return site_setup.setup_steps(self.data_dir, self.audit, self.staff)

    def refresh(self) -> None:
        steps = self.steps()
        for step in steps:
            title, detail, _button = self.rows[step.key]
            mark = "✔" if step.done else ("✖" if step.required else "○")
            colour = "#1b5e20" if step.done else ("#b71c1c" if step.required else "#6d4c00")
            title.setText(f"<span style='color:{colour}; font-size:20px'>{mark}</span> <b>{step.title}</b>")
            detail.setText(step.detail)
        blocking = site_setup.missing(steps, required_only=True)
        later = [s for s in site_setup.missing(steps) if not s.required]
        if blocking:
            self.summary.setText("Before this chair can look after a patient: "
                                 + "; ".join(s.title.lower() for s in blocking) + ".")
        else:
            self.summary.setText("This chair is ready." + (" Still to do when you can: "
                                 + "; ".join(s.title.lower() for s in later) + "." if later else ""))

    def _close_with(self, choice: str | None) -> None:
        self.result_choice = choice
        self.accept()

    def start_console(self) -> None:
        blocking = site_setup.missing(self.steps(), required_only=True)
        if blocking:
            self.summary.setText("The console cannot start yet. Still missing: "
                                 + "; ".join(s.title.lower() for s in blocking) + ".")
            return
        self._close_with("console")

    def _record(self, kind: str, payload: dict, actor: str | None = None) -> None:
        self.audit.append(kind, payload, actor=actor, t=self.clock())
        self.refresh()

    def _admin_name(self) -> str | None:
        members = [m for m in self.staff.members() if m.get("role") == "admin"]
        return members[0]["username"] if members else None

    # ---- steps --------------------------------------------------------------------------------------
    def name_site(self) -> None:
        def save(v: dict) -> str | None:
            if not v["clinic"] or not v["chair"]:
                return "Type both names: the clinic's, and this chair's (e.g. Chair 3)."
            self._record(site_setup.SITE_NAMED, {"clinic": v["clinic"], "chair": v["chair"]}, self._admin_name())
            return None
        _Form("Clinic and chair", [("clinic", "Clinic's name", False), ("chair", "This chair's name", False)],
              save, self).exec()

    def create_admin(self) -> None:
        def save(v: dict) -> str | None:
            if v["pin"] != v["repeat"]:
                return "The two PINs differ: type the same PIN twice."
            if not v["username"] or not v["name"]:
                return "Type a login name and the person's full name."
            try:
                self.staff.create_first_admin(v["username"], v["name"], v["pin"], now=self.clock())
            except StaffError as exc:
                return str(exc)
            self.refresh()
            return None
        _Form("The first administrator", [("username", "Login name", False), ("name", "Full name", False),
                                         ("pin", "PIN", True), ("repeat", "PIN again", True)], save, self).exec()

    def open_devices_and_refresh(self) -> None:
        self.open_devices()
        self.refresh()

    def _open_device_setup(self) -> None:
        from console.ui.device_setup import DeviceSetupDialog
        DeviceSetupDialog(self.data_dir, parent=self).exec()

    def test_sound(self) -> None:
        """Plays the high-priority alarm and asks whether it was heard; the answer is recorded either way."""
        from console.alarms.alarm_config import load_for
        from console.alarms.audio import SubprocessPlayer, write_sounds
        player = self.player or SubprocessPlayer()
        config, _source = load_for(self.data_dir)
        sounds = write_sounds(config, Path(tempfile.mkdtemp(prefix="bedside-sound-test-")))
        why_not = player.play(sounds["high"])
        if why_not:
            self._record(site_setup.SOUND_TESTED, {"heard": False, "detail": why_not}, self._admin_name())
            QMessageBox.warning(self, "Alarm sound test", f"No sound could be played: {why_not}. Alarms would be "
                                "visual only: install a sound player and connect a speaker, then test again.")
            return
        answer = QMessageBox.question(self, "Alarm sound test", "A high-priority alarm is playing. Did you hear "
                                      "it clearly at the chair?", QMessageBox.Yes | QMessageBox.No)
        player.stop()
        heard = answer == QMessageBox.Yes
        self._record(site_setup.SOUND_TESTED, {"heard": heard, "detail": "" if heard else "not heard"},
                     self._admin_name())

    def choose_backup(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where backups go")
        if folder:
            self.set_backup_folder(Path(folder))

    def set_backup_folder(self, folder: Path) -> str | None:
        problem = site_setup.check_backup_folder(folder)
        if problem:
            title, detail, _ = self.rows["backup"]
            detail.setText(f"{problem}: choose another folder.")
            return problem
        self._record(site_setup.BACKUP_FOLDER_SET, {"folder": str(folder)}, self._admin_name())
        return None
