"""Shared start-up of the windowed console for `run` and `demo` (not a command itself)."""
from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from console.qt_check import check_display

NAME = None

#: set to S (seconds) to make the console fail on purpose after S s: the biomed's crash drill (user guide)
CRASH_DRILL = "BEDSIDE_CONSOLE_CRASH_DRILL"
#: set by the console when it restarts itself after a crash: the report of the crash it restarts from
RESTARTED_FROM = "BEDSIDE_CONSOLE_RESTARTED_FROM"
#: set (to anything) to measure start-up: at the first paint of the main window the console prints
#: `first-frame MONOTONIC CPU` (time.monotonic(), comparable across processes on Linux, and the process's
#: CPU seconds so far), then `plots-ready MONOTONIC CPU` when its trend (built after that frame) has painted,
#: and quits
FIRST_FRAME = "BEDSIDE_CONSOLE_FIRST_FRAME"
log = logging.getLogger("console")


def add_gui_arguments(parser) -> None:
    parser.add_argument("--seconds", type=float, metavar="S",
                        help="quit after S seconds (for scripted runs and screenshots)")
    parser.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the window just before quitting")


def configured_devices(directory: Path):
    """This bed's device list, or None when nothing is configured yet. A configuration file with any
    mistake stops the start with the field named: the console never runs on half a configuration."""
    from console import device_config
    from console.app import DeviceSpec

    config = device_config.load(directory)
    if config is None or not config.assignments:
        return None
    specs = [DeviceSpec(role, driver, url, link) for role, driver, url, link in device_config.links_to_open(config)]
    specs += [DeviceSpec(a.role, a.driver, None) for a in config.assignments.values() if not a.needs_link]
    return specs


def run_first_start(directory: Path) -> tuple[str | None, str]:
    """The first-start set-up window on this data directory (created now, with its records and logs).

    Returns the choice ("console", "demo" or None for later) and what is still missing, in words."""
    check_display()
    from PySide6.QtWidgets import QApplication

    from console import site_setup
    from console.diagnostics.logs import setup_logging
    from console.records.audit import AuditLog
    from console.records.database import open_database
    from console.records.people import PeopleStore
    from console.session.config import load_config
    from console.session.staff import StaffDirectory
    from console.ui.first_start import FirstStartWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Bedside Console")
    directory.mkdir(parents=True, exist_ok=True)
    setup_logging(directory)
    database = open_database(directory)
    try:
        audit = AuditLog(database)
        staff = StaffDirectory(PeopleStore(database), load_config(directory).clinic)
        window = FirstStartWindow(directory, database, audit, staff)
        window.exec()
        left = site_setup.missing(window.steps())
        return window.result_choice, "; ".join(s.title.lower() for s in left) or "nothing"
    finally:
        database.close()


def run_gui(args, *, data_dir: str | None, demo: bool, devices=None, early=None) -> int:
    if early is None and data_dir is not None:  # the clinical tables' check runs while Qt loads (EarlyCheck)
        from console.records.database import EarlyCheck
        early = EarlyCheck(Path(data_dir))
    check_display()
    from PySide6.QtWidgets import QApplication

    from console.app import build_console, demo_devices
    from console.diagnostics.crash import CrashGuard
    from console.diagnostics.logs import setup_logging

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Bedside Console")
    if data_dir is not None:
        setup_logging(Path(data_dir))
    guard = CrashGuard(Path(data_dir)) if data_dir is not None else None
    if guard is not None:
        guard.install()
    simulators = []
    if demo:
        devices, simulators = demo_devices(args.scenario)
    try:
        console = build_console(data_dir, devices, demo=demo, simulators=simulators, defer_plots=True,
                                early_check=early)
    except Exception:
        for sim in simulators:
            sim.stop()
        if guard is not None:
            guard.uninstall()
        raise
    if guard is None:  # the demo's throw-away directory exists only now
        setup_logging(console.data_dir)
        guard = CrashGuard(console.data_dir).install()
    if os.environ.get(RESTARTED_FROM):
        log.warning("restarted after a crash (report %s)", os.environ[RESTARTED_FROM])
    window = console.window
    window.setGeometry(app.primaryScreen().availableGeometry())  # the console owns the bedside screen
    if os.environ.get(FIRST_FRAME):
        _quit_at_first_frame(app, window)
    window.show()
    restart = _install_crash_notice(guard, console, app)
    _schedule_crash_drill()
    try:
        run_event_loop(app, window, args)
    finally:
        console.stop()
        guard.uninstall()
    if restart.get("report"):
        _restart_process(args, restart["report"])
    return 0


def run_event_loop(app, window, args) -> None:
    """Qt's loop until the window is closed, SIGTERM/SIGINT arrive, or `--seconds` pass (then the
    `--screenshot` is saved): the same for the console and the station window."""
    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    ticker = QTimer()  # lets Python see Ctrl-C while Qt's loop runs
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    if getattr(args, "seconds", None):
        def finish() -> None:
            if getattr(args, "screenshot", None):
                window.grab().save(args.screenshot)
            app.quit()
        QTimer.singleShot(int(args.seconds * 1000), finish)
    app.exec()


def _install_crash_notice(guard, console, app) -> dict:
    """A crash on any thread shows the nurse the notice on the GUI thread, then restarts (when allowed).

    Returns a dict that holds the report path once a restart is chosen; the restart happens after the
    console has stopped cleanly (devices closed, the last vitals written)."""
    from PySide6.QtCore import QObject, Signal

    from console.diagnostics.crash import may_restart
    from console.diagnostics.logs import settings
    from console.ui.crash_notice import CrashNotice

    restart: dict = {}

    class _Relay(QObject):
        crashed = Signal(str)

    def show(report: str) -> None:
        allowed = may_restart(console.data_dir)
        if console.temp_dir:  # the demo's records and this report outlive the crash
            log.warning("demo records and crash report kept in %s", console.temp_dir)
            console.temp_dir = None

        def go() -> None:
            restart["report"] = report
            app.quit()

        notice = CrashNotice(report, restart_after_s=int(settings("crash").number("restart_after_s", min=0))
                             if allowed else None, on_restart=go, parent=console.window)
        console.crash_notice = notice
        notice.show()

    relay = _Relay(console.window)
    relay.crashed.connect(show)
    guard.on_crash = relay.crashed.emit
    return restart


def _quit_at_first_frame(app, window) -> None:
    """The start-up benchmark's end point: the first paint of anything in the main window, then (after the
    event loop has finished that frame) the time is printed; then, when the window builds its trend and
    waves after that frame, `plots-ready MONOTONIC CPU` once they are built and painted; then it quits."""
    import time

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    class _FirstPaint(QObject):
        seen = False
        waiting_for_plots = False

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
            if (event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and obj.window() is window):
                if not self.seen:
                    self.seen = True
                    QTimer.singleShot(0, self.done)
                elif self.waiting_for_plots and window.trend in (obj, obj.parent()):  # the plot or its viewport
                    self.waiting_for_plots = False
                    QTimer.singleShot(0, lambda: self.stamp("plots-ready", quit_after=True))
            return False

        def stamp(self, what: str, *, quit_after: bool) -> None:
            print(f"{what} {time.monotonic():.6f} {time.process_time():.3f}", flush=True)
            if quit_after:
                app.removeEventFilter(self)
                app.quit()

        def done(self) -> None:
            pending = getattr(window, "plots_pending", False)
            self.waiting_for_plots = pending
            self.stamp("first-frame", quit_after=not pending)

    window._first_paint = _FirstPaint(window)
    app.installEventFilter(window._first_paint)


def _schedule_crash_drill() -> None:
    seconds = os.environ.get(CRASH_DRILL)
    if not seconds:
        return
    from PySide6.QtCore import QTimer

    def fail() -> None:
        raise RuntimeError("crash drill (BEDSIDE_CONSOLE_CRASH_DRILL)")

    log.warning("crash drill: the console will fail on purpose in %s s", seconds)
    QTimer.singleShot(int(float(seconds) * 1000), fail)


def _restart_process(args, report: str) -> None:
    """Start this same command again in place of this process; the open session resumes from its events."""
    env = {k: v for k, v in os.environ.items() if k != CRASH_DRILL}
    env[RESTARTED_FROM] = report
    argv = [sys.executable, "-m", "console", *getattr(args, "argv", sys.argv[1:])]
    log.warning("restarting: %s", " ".join(argv))
    logging.shutdown()
    os.execve(sys.executable, argv, env)
