"""Backup and restore of the records file, and the reminder when the last backup is too old.

Backup uses SQLite's online backup API from a separate connection, so it is safe while a session is
running: the copy is one consistent snapshot, writers carry on. Every backup is checked (integrity and
audit chain) before it is called done. Restore never destroys anything: it verifies the backup first,
refuses to replace live records unless told to (--force), and keeps the replaced file aside.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from console.errors import UserError
from console.records.audit import ChainReport, verify_chain
from console.records.database import FILE_NAME, Database, check_integrity, open_database
from console.records.migrations import latest_version
from console.records.records_config import RecordsConfig, records_config

LAST_BACKUP = "last_backup_t"
LAST_BACKUP_PATH = "last_backup_path"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    events: int
    bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    events: int
    kept_aside: Path | None


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%Y%m%d-%H%M%S")


def check_backup_file(path: Path) -> ChainReport:
    """Open a backup read-only and check SQLite integrity, schema version and the audit chain."""
    if not path.is_file():
        raise UserError(f"no backup file at {path}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"cannot open the backup {path} ({exc})") from None
    try:
        try:
            problems = check_integrity(conn, full=True)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            has_events = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{path} is not a usable records backup ({exc})") from None
        if problems:
            raise UserError(f"the backup {path} is damaged: {'; '.join(problems[:3])}")
        if version > latest_version():
            raise UserError(f"the backup {path} comes from a newer version of Bedside Console "
                            f"(schema {version}); install that version to restore it")
        if not has_events:
            raise UserError(f"{path} is not a Bedside Console records backup (no events table)")
        report = verify_chain(conn)
    finally:
        conn.close()
    if not report.ok:
        raise UserError(f"the backup {path} fails verification: {report.summary()}")
    return report


def backup_to(database: Database, dest: Path, *, now: float | None = None) -> BackupResult:
    """Copy the live records to `dest` (a file, or a folder to put a dated file in) and check the copy."""
    started = time.monotonic()
    now = time.time() if now is None else now
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"bedside-console-{_stamp(now)}.sqlite"
    if dest.exists():
        raise UserError(f"{dest} already exists; choose a new file name or a folder")
    if not dest.parent.is_dir():
        raise UserError(f"cannot write the backup: the folder {dest.parent} does not exist")
    if dest.resolve() == database.path.resolve():
        raise UserError("the backup must not be the live records file itself")
    partial = dest.with_name(f".{dest.name}.partial")
    source = database.connect()
    try:
        target = sqlite3.connect(partial)
        try:
            # One step: in WAL mode the copy is a read transaction, so writers carry on meanwhile; copying in
            # small steps would restart every time the recorder commits and might never finish.
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            target.close()
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"backup to {dest} failed ({exc}); nothing was changed") from None
    finally:
        source.close()
    try:
        report = check_backup_file(partial)
    except UserError:
        partial.unlink(missing_ok=True)
        raise
    with open(partial, "rb") as f:
        os.fsync(f.fileno())
    os.replace(partial, dest)
    if not database.readonly:
        database.set_meta(LAST_BACKUP, repr(now))
        database.set_meta(LAST_BACKUP_PATH, str(dest))
    return BackupResult(dest, report.count, dest.stat().st_size, time.monotonic() - started)


def record_backup(data_dir: Path, result: BackupResult, now: float) -> None:
    """Remember a backup made through a read-only handle (the CLI) in the live database."""
    with open_database(data_dir) as db:
        db.set_meta(LAST_BACKUP, repr(now))
        db.set_meta(LAST_BACKUP_PATH, str(result.path))


def restore_from(data_dir: Path, source: Path, *, force: bool = False, now: float | None = None) -> RestoreResult:
    """Put a verified backup in place of the records in `data_dir`; the old file is kept aside."""
    now = time.time() if now is None else now
    source = Path(source)
    report = check_backup_file(source)
    data_dir = Path(data_dir)
    live = data_dir / FILE_NAME
    kept: Path | None = None
    if live.exists():
        if not force:
            raise UserError(f"there are records at {live} already; restoring would replace them. Run again "
                            f"with --force to replace them (the current file is kept aside, not deleted)")
        _settle_live_file(live)
        kept = live.with_name(f"{FILE_NAME}.replaced-{_stamp(now)}")
        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{live}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept}{suffix}"))
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = live.with_name(f".{FILE_NAME}.restoring")
    shutil.copyfile(source, partial)
    with open(partial, "rb") as f:
        os.fsync(f.fileno())
    os.replace(partial, live)
    with open_database(data_dir) as db:  # migrates an older backup to this version's schema
        restored = verify_chain(db)
        db.set_meta("restored_from", f"{source} at {now!r}")
    if not restored.ok or restored.count != report.count:
        raise UserError(f"the restored records at {live} do not verify ({restored.summary()}); the previous "
                        f"file is at {kept}")
    return RestoreResult(live, restored.count, kept)


def _settle_live_file(live: Path) -> None:
    """Make sure nobody is using the records being replaced, and fold their WAL into the file kept aside.

    Leaving WAL mode needs every other connection closed, so it doubles as the "is the console still
    running?" check. A damaged file is left exactly as it is.
    """
    try:
        conn = sqlite3.connect(live, timeout=0.5)
    except sqlite3.Error:
        return
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise UserError(f"the records at {live} are in use (is the console still running?); close it, "
                            f"then restore") from None
        return
    except sqlite3.DatabaseError:
        return
    finally:
        conn.close()
    if mode.lower() != "delete":
        raise UserError(f"the records at {live} are in use (is the console still running?); close it, then restore")


def backup_reminder(database: Database, now: float, config: RecordsConfig | None = None) -> str | None:
    """A reminder for the screen when the last backup is older than the clinic's limit (None: all fine)."""
    config = config or records_config()
    limit_s = config.backup_remind_after_days * 86400
    last = database.get_meta(LAST_BACKUP)
    if last is None:
        created = float(database.get_meta("created_t") or now)
        if now - created < limit_s:
            return None
        return "These records have never been backed up. Back them up today (a USB drive or network folder)."
    age_days = (now - float(last)) / 86400
    if age_days < config.backup_remind_after_days:
        return None
    return (f"The last backup was {age_days:.0f} days ago (clinic policy: every "
            f"{config.backup_remind_after_days:g} days). Back up the records today.")
