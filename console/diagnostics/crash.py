"""Crash reports and the restart budget.

An unhandled exception anywhere (GUI slot or worker thread) is a bug: it is logged, a report is written
for the biomed, and the console restarts into the open session (the session is a fold over durable
events, so a restart loses nothing that was recorded). The report holds the program's versions, the
traceback's code locations and the newest log lines, never an exception's text unless the clinic allows
it (resources/diagnostics.toml, crash.include_patient_data), since a message may quote a patient's name.
"""
from __future__ import annotations

import json
import logging
import os
import platform
import sys
import threading
import time
import traceback
from pathlib import Path

from console import __version__
from console.diagnostics.logs import last_lines, settings

CRASH_DIR = "crash-reports"
_RESTARTS = "restarts.json"
log = logging.getLogger("console.crash")


def crash_dir(data_dir: Path) -> Path:
    return Path(data_dir) / CRASH_DIR


def versions() -> dict[str, str]:
    found = {"bedside-console": __version__, "python": platform.python_version(),
             "platform": platform.platform()}
    for name in ("PySide6", "pyqtgraph", "numpy", "serial"):
        module = sys.modules.get(name)
        if module is not None:
            found[name] = str(getattr(module, "__version__", "?"))
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        found["Qt"] = qtcore.qVersion()
    return found


def write_crash_report(data_dir: Path, exc_type, exc, tb, *, thread: str = "MainThread",
                       now: float | None = None) -> Path:
    """Write one report; returns its path. Never raises: a failing report must not hide the crash."""
    conf = settings("crash")
    now = time.time() if now is None else now
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    directory = crash_dir(data_dir)
    path = directory / f"crash-{stamp}-{os.getpid()}.txt"
    n = 1
    while path.exists():  # a second crash within the same second gets its own report
        n += 1
        path = directory / f"crash-{stamp}-{os.getpid()}-{n}.txt"
    if conf.flag("include_patient_data"):
        message = f"{exc_type.__name__}: {exc}"
    else:
        message = (f"{exc_type.__name__} (its text is withheld: it may hold patient data; "
                   "resources/diagnostics.toml crash.include_patient_data)")
    frames = [f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line or ""}'
              for f in traceback.extract_tb(tb)]
    lines = ["Bedside Console crash report",
             f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z', time.localtime(now))}",
             f"thread: {thread}",
             *(f"{k}: {v}" for k, v in versions().items()),
             "", "exception: " + message, "traceback (most recent call last):", *frames,
             "", f"last log lines ({int(conf.number('log_lines', min=0))}):",
             *last_lines(data_dir, int(conf.number("log_lines", min=0)))]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc_write:
        log.error("could not write the crash report %s: %s", path, exc_write)
    return path


def may_restart(data_dir: Path, now: float | None = None) -> bool:
    """Whether another automatic restart is allowed; records this one when it is.

    A console that keeps crashing must stop and ask for the biomed instead of flickering at the nurse."""
    conf = settings("crash")
    now = time.time() if now is None else now
    window = conf.number("restart_window_s", min=1)
    path = crash_dir(data_dir) / _RESTARTS
    try:
        recent = [t for t in json.loads(path.read_text()) if now - float(t) < window]
    except (OSError, ValueError, TypeError):
        recent = []
    if len(recent) >= conf.number("max_restarts", min=0):
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([*recent, now]))
    except OSError:
        pass
    return True


class CrashGuard:
    """Catches what nothing else caught, on every thread; the first one per run is reported to `on_crash`.

    `on_crash(report_path)` is called on the thread that crashed: a GUI hands it over with a queued signal.
    Later exceptions of the same run (a timer slot failing every tick) are logged, not reported again."""

    def __init__(self, data_dir: Path, on_crash=None) -> None:
        self.data_dir = Path(data_dir)
        self.on_crash = on_crash
        self.reports: list[Path] = []
        self._lock = threading.Lock()
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> "CrashGuard":
        sys.excepthook = self._main_hook
        threading.excepthook = self._thread_hook
        return self

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def _main_hook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous[0](exc_type, exc, tb)
            return
        self.handle(exc_type, exc, tb, threading.current_thread().name)

    def _thread_hook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback,
                    args.thread.name if args.thread is not None else "?")

    def handle(self, exc_type, exc, tb, thread: str) -> None:
        with self._lock:
            first = not self.reports
            path = write_crash_report(self.data_dir, exc_type, exc, tb, thread=thread)
            self.reports.append(path)
        log.critical("unexpected error (%s) in thread %s; crash report %s", exc_type.__name__, thread, path)
        if first and self.on_crash is not None:
            self.on_crash(str(path))
