"""Start the console with simulated devices on real pseudo-terminals: for training, trying, and showing.

Records go to a throw-away directory unless --data-dir (or $BEDSIDE_CONSOLE_DATA) names one. The screen
says SIMULATED DEVICES in a banner at all times.
"""
from __future__ import annotations

import os

from console.commands import gui

NAME = "demo"
HELP = "start with simulated devices (records thrown away unless --data-dir)"


def add_arguments(parser) -> None:
    gui.add_gui_arguments(parser)
    parser.add_argument("--scenario", default="desaturation",
                        help="what the simulated patient does: normal, desaturation, noisy, dropout (default desaturation)")


def run(args) -> int:
    data_dir = args.data_dir or os.environ.get("BEDSIDE_CONSOLE_DATA")
    return gui.run_gui(args, data_dir=data_dir, demo=True)
