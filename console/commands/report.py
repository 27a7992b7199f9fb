"""Bundle the logs and crash reports, with the program's versions and a records check, into one zip file
for the biomed or the vendor's support.

Holds no patient data: the logs and reports keep none (crash reports withhold exception texts unless the
clinic allows them), the configuration files name devices and settings only, and the database is not in it.
"""
from __future__ import annotations

import argparse
import time
import zipfile
from pathlib import Path

from console.errors import UserError
from console.paths import data_dir

NAME = "report"
HELP = "bundle logs and crash reports into a zip file for the biomed"

CONFIG_FILES = ("devices.toml", "clinic.toml", "alarms.toml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    parser.add_argument("--out", type=Path, metavar="ZIP",
                        help="the zip file to write (default: bedside-report-DATE-TIME.zip here)")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from console.diagnostics.crash import crash_dir, versions
    from console.diagnostics.logs import log_dir
    directory = data_dir(getattr(args, "data_dir", None))
    if not directory.is_dir():
        raise UserError(f"no data directory at {directory}: give the console's --data-dir")
    out = args.out or Path(f"bedside-report-{time.strftime('%Y%m%d-%H%M%S')}.zip")
    files = [p for folder in (log_dir(directory), crash_dir(directory)) if folder.is_dir()
             for p in sorted(folder.iterdir()) if p.is_file()]
    files += [directory / name for name in CONFIG_FILES if (directory / name).is_file()]
    summary = [f"{k}: {v}" for k, v in versions().items()]
    summary += [f"data directory: {directory}", f"records check: {_records_verdict(directory)}",
                f"crash reports: {sum(1 for p in files if p.parent.name == crash_dir(directory).name and p.suffix == '.txt')}"]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("summary.txt", "\n".join(summary) + "\n")
            for path in files:
                bundle.write(path, str(path.relative_to(directory)))
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}; choose another --out") from None
    print(f"wrote {out} ({len(files)} files: logs, crash reports and configuration; no patient data)")
    return 0


def _records_verdict(directory: Path) -> str:
    """The one-line verdict of the records check, or why it could not run (a report never fails on it)."""
    from console.records.audit import verify_chain
    from console.records.database import check_integrity, open_database
    try:
        database = open_database(directory, readonly=True)
    except Exception as exc:  # a broken or missing database is itself what the biomed must read here
        return f"could not open the database ({exc})"
    try:
        problems = check_integrity(database.conn, full=False)
        chain = verify_chain(database)
        return "; ".join(problems[:3]) if problems else chain.summary() if chain.ok else f"BROKEN: {chain.summary()}"
    finally:
        database.close()
