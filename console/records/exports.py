"""One entry point for the export formats, used by the command line and the screen alike.

Writes to a temporary file next to the target and renames it into place, so a reader never sees half a
report and an earlier export is not destroyed by a failed one.
"""
from __future__ import annotations

import os
from pathlib import Path

from console.errors import UserError
from console.records.audit import AuditLog
from console.records.database import Database

FORMATS = {"pdf": ".pdf", "csv": ".csv", "fhir": ".json", "waves": ".waves.csv"}


def default_path(session_id: str, fmt: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in session_id)
    return Path(f"session-{safe}{FORMATS[fmt]}")


def export_session(database: Database, session_id: str, fmt: str, out: Path | None = None) -> tuple[Path, str]:
    """Write the export; returns the path written and a few words on what is in it."""
    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not AuditLog(database).events(session_id=session_id, after_id=0)[:1]:
        known = AuditLog(database).session_ids()[-5:]
        hint = f"; recent sessions: {', '.join(known)}" if known else "; there are no sessions in these records"
        raise UserError(f"no session {session_id!r} in the records at {database.path}{hint}")
    target = Path(out) if out is not None else default_path(session_id, fmt)
    if target.is_dir():
        target = target / default_path(session_id, fmt)
    if not target.parent.exists():
        raise UserError(f"cannot write {target}: the folder {target.parent} does not exist")
    tmp = target.with_name(f".{target.name}.partial")
    try:
        if fmt == "pdf":
            from console.records.export_pdf import write_report
            what = f"{write_report(database, session_id, tmp)} pages"
        elif fmt == "csv":
            from console.records.export_csv import export_csv
            what = f"{export_csv(database, session_id, tmp)} rows"
        elif fmt == "waves":
            from console.records.session_record import load_session
            from console.records.waves import write_waves_csv
            start, end = load_session(AuditLog(database), session_id).vitals_window()
            with open(tmp, "w", encoding="utf-8", newline="") as out:
                what = f"{write_waves_csv(database, start, end, out)} wave samples"
        else:
            from console.records.export_fhir import export_fhir
            from console.records.records_config import records_config
            what = (f"{export_fhir(database, session_id, tmp, vitals_interval_s=records_config().fhir_vitals_interval_s)}"
                    f" resources")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {target} ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target, what
