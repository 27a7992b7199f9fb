"""Start the console with this bed's configured devices. With none configured yet, the first-start set-up
opens (clinic and chair, administrator, devices, alarm sound test, backups), from which the demo can also be
tried; a scripted run (--seconds) with nothing configured starts the demo, since nobody is there to answer.

(`bedside-console` with no command does this.)
"""
from __future__ import annotations

import sys

from console.commands import gui
from console.paths import data_dir

NAME = "run"
HELP = "start the console (the default; the first-start set-up, which offers the demo, when nothing is configured)"


def add_arguments(parser) -> None:
    gui.add_gui_arguments(parser)
    parser.add_argument("--scenario", default="desaturation", help="demo scenario when no device is configured")


def run(args) -> int:
    directory = data_dir(args.data_dir)
    # the records' start-up check runs while the device configuration, Python and Qt load (EarlyCheck); it only
    # reads, and is waited for before the console opens the records
    from console.records.database import EarlyCheck
    early = EarlyCheck(directory)
    devices = gui.configured_devices(directory)
    if devices is None and args.seconds:
        print("No devices configured for this bed: starting the demo with simulated devices for this scripted "
              "run. A biomed sets them up with `bedside-console devices ...` or the Devices… button.",
              file=sys.stderr)
        return gui.run_gui(args, data_dir=None, demo=True)
    if devices is None:
        choice, still_missing = gui.run_first_start(directory)
        if choice == "demo":
            return gui.run_gui(args, data_dir=None, demo=True)
        if choice != "console":
            print(f"Set-up of this chair not finished (kept in {directory}); still missing: {still_missing}. "
                  "`bedside-console` opens the set-up again.", file=sys.stderr)
            return 0
        devices = gui.configured_devices(directory)
        early = None  # the set-up has written the records since: checked again when opened
    return gui.run_gui(args, data_dir=str(directory), demo=False, devices=devices, early=early)
