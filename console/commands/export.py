"""Export one session: the PDF report, a CSV of vitals and events, or a FHIR R4 JSON Bundle.

The database is opened read-only; the export is written to --out (a file or a folder), by default
session-ID.pdf|.csv|.json in the current folder.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from console.paths import data_dir

NAME = "export"
HELP = "export a session as a PDF report, CSV, FHIR JSON, or its stored waves as CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.cli import add_data_dir
    from console.records.exports import FORMATS
    parser.add_argument("--session", required=True, metavar="ID", help="the session to export")
    parser.add_argument("--format", required=True, choices=tuple(FORMATS), help="pdf, csv, fhir, or waves (every stored wave sample, CSV)")
    parser.add_argument("--out", metavar="PATH", type=Path, help="file or folder to write (default: current folder)")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from console.records.database import open_database
    from console.records.exports import export_session
    database = open_database(data_dir(getattr(args, "data_dir", None)), readonly=True, defer_vitals_check=True)
    try:
        path, what = export_session(database, args.session, args.format, args.out)
    finally:
        database.close()
    print(f"wrote {path} ({what})")
    return 0
