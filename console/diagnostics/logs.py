"""Rotating log files in the data directory, with Qt's own messages and hard faults routed into them.

A console beside a chair runs for weeks without anyone reading its terminal: what it says must land in a
file the biomed can collect (`bedside-console report`), bounded in size so a chatty fault cannot fill the disk
the records live on. Warnings still reach stderr for whoever started it from a terminal.
"""
from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
from pathlib import Path

import resources

LOG_DIR = "logs"
LOG_FILE = "console.log"
FAULT_FILE = "faults.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_state: dict = {}


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR


def settings(section: str):
    """resources/diagnostics.toml: log sizes, crash report and restart settings."""
    return resources.load("diagnostics.toml").section(section)


def setup_logging(data_dir: Path, *, with_qt: bool = True) -> Path:
    """Log to `<data_dir>/logs/console.log` (rotated), warnings to stderr, Qt's messages and faults too.

    Calling it again for another directory moves the file handler there (tests build several consoles)."""
    directory = log_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in _state.pop("handlers", []):
        root.removeHandler(handler)
        handler.close()
    conf = settings("logs")
    to_file = logging.handlers.RotatingFileHandler(directory / LOG_FILE,
                                                   maxBytes=int(conf.number("max_bytes", min=10_000)),
                                                   backupCount=int(conf.number("files_kept", min=1)),
                                                   encoding="utf-8")
    to_file.setFormatter(logging.Formatter(_FORMAT))
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(logging.WARNING)
    to_stderr.setFormatter(logging.Formatter("bedside-console: %(name)s: %(message)s"))
    # Qt's warnings (the offscreen plugin's size hints, font look-ups) are for the file, not the terminal
    to_stderr.addFilter(lambda record: record.name != "qt" or record.levelno >= logging.ERROR)
    for handler in (to_file, to_stderr):
        root.addHandler(handler)
    _state["handlers"] = [to_file, to_stderr]
    _enable_faulthandler(directory / FAULT_FILE)
    if with_qt:
        _route_qt_messages()
    logging.getLogger("console").info("logging to %s", directory / LOG_FILE)
    return directory / LOG_FILE


def _enable_faulthandler(path: Path) -> None:
    """A segfault in Qt or a C extension leaves the Python stacks of every thread in faults.log."""
    old = _state.pop("fault_file", None)
    fault_file = open(path, "a", encoding="utf-8")  # kept open: faulthandler writes with no allocation
    faulthandler.enable(file=fault_file, all_threads=True)
    _state["fault_file"] = fault_file
    if old is not None:
        old.close()


def _route_qt_messages() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}
    qt_log = logging.getLogger("qt")

    def handler(kind, context, message) -> None:
        where = f" ({context.file}:{context.line})" if context is not None and context.file else ""
        qt_log.log(levels.get(kind, logging.WARNING), "%s%s", message, where)

    _state["qt_handler"] = handler  # kept alive: Qt holds only a pointer to it
    qInstallMessageHandler(handler)


def last_lines(data_dir: Path, count: int) -> list[str]:
    """The newest `count` lines of the current log file (for crash reports)."""
    path = log_dir(data_dir) / LOG_FILE
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()[-count:]
    except OSError:
        return []
