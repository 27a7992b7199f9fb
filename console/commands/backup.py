"""Copy the records to a backup file (safe while a session is running), then check the copy.

--to may name a new file or an existing folder (a dated file is created in it). The copy's integrity and
audit chain are verified before the backup is reported done, and the time is remembered for the
console's backup reminder.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from console.paths import data_dir

NAME = "backup"
HELP = "copy the records to a backup file and verify it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    parser.add_argument("--to", required=True, type=Path, metavar="PATH", help="backup file or folder")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from console.records.backup import backup_to, record_backup
    from console.records.database import open_database
    directory = data_dir(getattr(args, "data_dir", None))
    now = time.time()
    with open_database(directory, readonly=True, defer_vitals_check=True) as db:  # the copy gets the full check
        result = backup_to(db, args.to, now=now)
    record_backup(directory, result, now)
    print(f"backed up {result.events} events to {result.path} ({result.bytes / 1e6:.1f} MB, verified, "
          f"{result.seconds:.1f} s)")
    return 0
