"""Check the records: the audit chain (nothing edited, deleted or reordered), the controlled-substance
ledger against the chain, and SQLite's own integrity.

Exits 0 with a one-line summary when both are sound; otherwise exits non-zero and names the first bad
event row and what is wrong with it. Reads only; never changes the database.
"""
from __future__ import annotations

import argparse

from console.paths import data_dir
from console.records.audit import verify_chain
from console.records.database import check_integrity, open_database
from console.records.ledger import cross_check

NAME = "verify-records"
HELP = "check the audit chain and the database integrity"

EXIT_BROKEN = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    database = open_database(data_dir(getattr(args, "data_dir", None)), readonly=True)
    try:
        problems = check_integrity(database.conn, full=True)
        report = verify_chain(database)
        ledger_problem = cross_check(database.conn) if report.ok and not problems else ""
    finally:
        database.close()
    if problems:
        print(f"records BROKEN: database integrity check failed: {'; '.join(problems[:3])} "
              f"({database.path})")
        return EXIT_BROKEN
    if not report.ok:
        print(f"records BROKEN: {report.summary()} ({database.path})")
        return EXIT_BROKEN
    if ledger_problem:
        print(f"records BROKEN: controlled-substance ledger does not match the audit chain: {ledger_problem} "
              f"({database.path})")
        return EXIT_BROKEN
    print(f"records OK: {report.summary()}; ledger matches; database integrity ok ({database.path})")
    return 0
