"""Check the records: the audit chain (nothing edited, deleted or reordered), the controlled-substance
ledger against the chain, and SQLite's own integrity.

Exits 0 with a one-line summary when both are sound; otherwise exits non-zero and names the first bad
event row and what is wrong with it. Reads only; never changes the database.
"""
from __future__ import annotations

import argparse

from console.paths import data_dir

NAME = "verify-records"
HELP = "check the audit chain and the database integrity"

EXIT_BROKEN = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    parser.add_argument("--server", action="store_true",
                        help="check every console's audit chain on the clinic records server (clinic.toml "
                             "[records_server]) instead of this chair's file")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from console.records.audit import verify_chain
    from console.records.database import check_integrity, open_database
    from console.records.ledger import cross_check
    if getattr(args, "server", False):
        return _run_server(args)
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


def _run_server(args: argparse.Namespace) -> int:
    from console.records.database import open_database
    import psycopg

    from console.errors import UserError
    from console.records.replication import confirmed_watermarks, console_id, server_settings, \
        verify_server_chains
    directory = data_dir(getattr(args, "data_dir", None))
    settings = server_settings(directory)
    if settings is None:
        raise UserError(f"clinic.toml in {directory} names no records server ([records_server] host)")
    expect = {}
    try:  # what this chair saw confirmed must still be there
        with open_database(directory, readonly=True, defer_vitals_check=True) as db:
            if "replication_confirmed" in db.db.table_names():
                expect[console_id(db)] = confirmed_watermarks(db).get("events", 0)
    except UserError:
        pass
    try:
        reports = verify_server_chains(settings.conninfo(), expect=expect)
    except psycopg.Error as exc:
        from console.records.replication import explain_connect_error
        raise UserError(f"cannot reach the records server {settings.host}:{settings.port}: "
                        f"{explain_connect_error(exc, settings)}") from None
    for report in reports:
        print(("records OK: " if report.ok else "records BROKEN: ") + report.summary())
    if not reports:
        print(f"records server {settings.host}: no console has replicated yet")
    return 0 if all(r.ok for r in reports) else EXIT_BROKEN
