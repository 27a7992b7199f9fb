"""Print the controlled-substance ledger for one day: every session's draws, witnessed waste and balance.

Exits non-zero when any session of the day does not balance (drawn = given + wasted), so a nightly job
can raise the alarm. --json prints one object for other tools.
"""
from __future__ import annotations

import argparse
import json
from datetime import date

from console.errors import UserError
from console.paths import data_dir
from console.records.database import open_database
from console.records.ledger import Ledger

NAME = "ledger"
HELP = "the controlled-substance ledger for a day"

EXIT_DISCREPANCY = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    parser.add_argument("--day", metavar="YYYY-MM-DD", help="the day to report (default: today)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.day) if args.day else date.today()
    except ValueError:
        raise UserError(f"--day {args.day!r} is not a date; use YYYY-MM-DD") from None
    with open_database(data_dir(getattr(args, "data_dir", None)), readonly=True, defer_vitals_check=True) as db:
        if "ledger_draws" not in db.db.table_names():
            raise UserError("these records have no ledger yet; start the console once to upgrade them")
        report = Ledger(db).daily_report(day)
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else report.to_text())
    return EXIT_DISCREPANCY if report.discrepancies else 0
