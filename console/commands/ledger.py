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

NAME = "ledger"
HELP = "the controlled-substance ledger for a day"

EXIT_DISCREPANCY = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    parser.add_argument("--day", metavar="YYYY-MM-DD", help="the day to report (default: today)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from console.records.database import open_database
    from console.records.ledger import Ledger
    try:
        day = date.fromisoformat(args.day) if args.day else date.today()
    except ValueError:
        raise UserError(f"--day {args.day!r} is not a date; use YYYY-MM-DD") from None
    from console.records.clinic_reads import daily_ledger
    from console.records.replication import server_settings
    directory = data_dir(getattr(args, "data_dir", None))
    settings = server_settings(directory)  # with a clinic records server: every chair's ledger
    with open_database(directory, readonly=True, defer_vitals_check=True) as db:
        if "ledger_draws" not in db.db.table_names():
            raise UserError("these records have no ledger yet; start the console once to upgrade them")
        answer = daily_ledger(settings, db, day) if settings is not None else None
        report = answer.value if answer is not None else Ledger(db).daily_report(day)
    if args.json:
        out = report.to_dict()
        if answer is not None:
            out["source"] = answer.source
        print(json.dumps(out, ensure_ascii=False))
    else:
        if answer is not None:
            print(answer.source + (f" ({answer.reason})" if answer.offline else ""))
        print(report.to_text())
    return EXIT_DISCREPANCY if report.discrepancies else 0
