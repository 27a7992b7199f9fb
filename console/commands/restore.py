"""Restore the records from a backup file made by `bedside-console backup`.

The backup is verified first (integrity and audit chain). Existing records are only replaced with
--force, and even then the replaced file is kept aside next to it, never deleted. Close the console
before restoring.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from console.paths import data_dir

NAME = "restore"
HELP = "restore the records from a verified backup"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    parser.add_argument("--from", dest="source", required=True, type=Path, metavar="PATH", help="backup file")
    parser.add_argument("--force", action="store_true", help="replace existing records (kept aside)")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from console.records.backup import restore_from
    result = restore_from(data_dir(getattr(args, "data_dir", None)), args.source, force=args.force)
    aside = f"; the previous records are kept at {result.kept_aside}" if result.kept_aside else ""
    print(f"restored {result.events} events to {result.path} (chain verified){aside}")
    return 0
