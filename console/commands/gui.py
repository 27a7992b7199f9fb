"""Shared start-up of the windowed console for `run` and `demo` (not a command itself)."""
from __future__ import annotations

import signal
import sys
from pathlib import Path

from console.qt_check import check_display

NAME = None


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


def run_gui(args, *, data_dir: str | None, demo: bool, devices=None) -> int:
    check_display()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.app import build_console, demo_devices

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Bedside Console")
    simulators = []
    if demo:
        devices, simulators = demo_devices(args.scenario)
    try:
        console = build_console(data_dir, devices, demo=demo, simulators=simulators)
    except Exception:
        for sim in simulators:
            sim.stop()
        raise
    window = console.window
    window.setGeometry(app.primaryScreen().availableGeometry())  # the console owns the bedside screen
    window.show()
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    ticker = QTimer()  # lets Python see Ctrl-C while Qt's loop runs
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    if args.seconds:
        def finish() -> None:
            if args.screenshot:
                window.grab().save(args.screenshot)
            app.quit()
        QTimer.singleShot(int(args.seconds * 1000), finish)
    try:
        app.exec()
    finally:
        console.stop()
    return 0
