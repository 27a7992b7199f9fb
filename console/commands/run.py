"""Start the console with this bed's configured devices; with none configured yet, start the demo.

(`bedside-console` with no command does this.)
"""
from __future__ import annotations

import sys

from console.commands import gui
from console.paths import data_dir

NAME = "run"
HELP = "start the console (the default; the demo when no device is configured)"


def add_arguments(parser) -> None:
    gui.add_gui_arguments(parser)
    parser.add_argument("--scenario", default="desaturation", help="demo scenario when no device is configured")


def run(args) -> int:
    directory = data_dir(args.data_dir)
    devices = gui.configured_devices(directory)
    if devices is None:
        print("No devices configured for this bed: starting the demo with simulated devices. "
              "A biomed sets them up with `bedside-console devices ...` or the Devices… button.",
              file=sys.stderr)
        return gui.run_gui(args, data_dir=None, demo=True)
    return gui.run_gui(args, data_dir=str(directory), demo=False, devices=devices)
