"""Open the installation's SQLite file safely: check it, refuse what we must not touch, migrate it.

One file per installation (`bedside-console.sqlite`), WAL mode so the vitals recorder thread can write
while the screen reads, `synchronous=FULL` so a committed clinical event survives a power cut. A file
that fails the integrity check is never written to: the clinic's only record may be in it, so the
program stops and says how to restore from a backup.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


from console.errors import UserError
from console.records.migrations import latest_version, migrate

FILE_NAME = "bedside-console.sqlite"
BUSY_TIMEOUT_MS = 5000


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One BEGIN IMMEDIATE transaction on `conn` (the screen's connection or a writer thread's own):
    committed when the block ends, rolled back on any error, which is raised again."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class DatabaseDamaged(UserError):
    """The database file fails SQLite's integrity check or is not a database at all."""

    exit_code = 3


class DatabaseTooNew(UserError):
    """The file was written by a newer program version whose schema this version does not know."""

    exit_code = 4


class DatabaseMissing(UserError):
    """A read-only open (verify, backup) found no database where it looked."""


def restore_hint(path: Path) -> str:
    return (f"It has not been changed. Keep a copy of {path}, then restore the last good backup with "
            f"`bedside-console restore --from BACKUP_FILE --force`, or ask your support contact.")


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")


def _raw_connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
    _configure(conn)
    return conn


#: Tables whose check is left to the background at start-up: bulk numerics, by far the largest part of
#: the file (a year of 1 Hz vitals is ~2 GB, ~10 s to check), and not needed to resume a session safely.
#: Stored waves (schema 6) are the same kind of bulk (~6 MB per 4-hour session).
BACKGROUND_CHECKED = ("vitals", "wave_blocks")


def check_integrity(conn: sqlite3.Connection, *, full: bool = False,
                    skip: tuple[str, ...] = ()) -> list[str]:
    """Problems SQLite reports (empty when the file is sound). `full` runs integrity_check, else quick_check.

    With `skip`, every other table is checked on its own (`PRAGMA quick_check(table)`, with its indexes);
    the file-wide page accounting is then left to the complete check.
    """
    pragma = "integrity_check" if full else "quick_check"
    if not skip:
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
        return [] if rows == ["ok"] else rows
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
    problems = []
    for table in ["sqlite_master", *tables]:
        if table in skip:
            continue
        quoted = table.replace('"', '""')
        rows = [r[0] for r in conn.execute(f'PRAGMA {pragma}("{quoted}")').fetchall()]
        if rows != ["ok"]:
            problems.extend(rows)
    return problems


class Database:
    """An open records database.

    `conn` is in autocommit mode (isolation_level=None): every statement outside `write()` commits on its
    own, so nothing sits uncommitted by accident. Group related writes with `with database.write() as c:`,
    which serialises writers on this connection (the lock) and across processes (BEGIN IMMEDIATE).
    `conn` may be used from several threads under that lock; a thread that writes continuously (the
    vitals recorder) takes its own connection from `connect()`.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, *, readonly: bool = False) -> None:
        self.path = path
        self.conn = conn
        self.readonly = readonly
        self._db = None
        self.lock = threading.RLock()
        self._closed = threading.Event()  # ends a background check still waiting to start

    @property
    def db(self):
        """A sqlite_utils view of the connection (table_names ...), made on first use: its import is not
        paid at start-up."""
        if self._db is None:
            import sqlite_utils
            self._db = sqlite_utils.Database(self.conn)
        return self._db

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def connect(self) -> sqlite3.Connection:
        """A new connection to the same file, configured like this one (for another thread)."""
        return _raw_connect(self.path, readonly=self.readonly)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One durable transaction: committed (and fsynced) when the block ends, rolled back on error."""
        with self.lock, transaction(self.conn) as conn:
            yield conn

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def reader(self) -> "Database":
        """A read-only handle on its own connection, for a worker thread (exports, backups): no checks,
        no migrations, nothing it does can hold up the screen's connection."""
        return Database(self.path, _raw_connect(self.path, readonly=True), readonly=True)

    def check_in_background(self, on_problem: Callable[[str], None], *, delay_s: float = 0.0) -> threading.Thread:
        """The complete quick_check on its own connection and thread; `on_problem(message)` if it fails
        (the console shows it like a technical alarm: the records need attention, the session goes on).

        `delay_s`: the check starts this many seconds later (the console's start-up: a 9 GB year takes
        a core for tens of seconds, which must not compete with the first frame); closing the database
        before then skips it."""
        def run() -> None:
            if self._closed.wait(delay_s):
                return
            try:
                conn = self.connect()
                try:
                    problems = check_integrity(conn)
                finally:
                    conn.close()
            except sqlite3.Error as exc:
                problems = [str(exc)]
            if problems:
                on_problem(f"The records database {self.path} is damaged: {'; '.join(problems[:3])}. "
                           f"Finish the session on paper if needed; {restore_hint(self.path)}")

        thread = threading.Thread(target=run, name="records-check", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._closed.set()
        with self.lock:
            self.conn.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_file(conn: sqlite3.Connection, path: Path, skip: tuple[str, ...] = ()) -> None:
    try:
        problems = check_integrity(conn, skip=skip)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseDamaged(f"The records database {path} is damaged or is not a database ({exc}). "
                              f"{restore_hint(path)}") from None
    if problems:
        conn.close()
        shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
        raise DatabaseDamaged(f"The records database {path} is damaged: {shown}. {restore_hint(path)}")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    known = latest_version()
    if version > known:
        conn.close()
        raise DatabaseTooNew(f"The records database {path} has schema version {version}, written by a newer "
                             f"version of Bedside Console (this one knows up to {known}). It has not been "
                             f"changed; install the newer version to use it.")


class EarlyCheck:
    """The console's start-up check of the clinical tables (every table but BACKGROUND_CHECKED, and the
    schema version), on its own thread, started first thing so that Python's and Qt's imports and the window's
    building overlap with it; `open_database(..., early=check)` waits for it (`result`) before the file is
    opened for writing or any record read, and raises what it found: a damaged or too new file still stops the
    console, with the same message, before any clinical use.

    Why it costs: with a year of records the clinical tables' pages (the events table and its indexes, ~24 MB)
    lie scattered through the whole file, so from a cold file cache the check is thousands of random reads
    (0.47 s cold against 0.04 s warm on the test machine: docs/benchmarks.md, "Cold start"). When the check
    is not done after `prefetch_after_s` (a warm cache never waits that long), `prefetch` more connections
    read the events table's parts and its indexes in parallel, so the disk gets those reads together rather
    than one after another, and the check finds the pages in the file cache.

    A data directory without a database yet has nothing to check; `open_database` creates the file. Nothing
    here creates the database or writes a record (SQLite may create its -shm/-wal side files, as any open does)."""

    def __init__(self, data_dir: Path, *, prefetch: int = 4, prefetch_after_s: float = 0.05) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self.prefetch = prefetch
        self.prefetch_after_s = prefetch_after_s
        self.existed: bool | None = None  # whether there was a file to check (known once the check ran)
        self.prefetched = False
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="records-early-check", daemon=True)
        self._thread.start()

    def _connect(self, mode: str) -> sqlite3.Connection:
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)

    def _run(self) -> None:
        helper = None
        try:
            self.existed = self.path.is_file()
            if not self.existed:
                return
            try:
                conn = self._connect("rw")
                _configure(conn)
            except sqlite3.DatabaseError as exc:
                raise DatabaseDamaged(f"The records database {self.path} cannot be opened ({exc}). "
                                      f"{restore_hint(self.path)}") from None
            except sqlite3.Error as exc:
                raise UserError(f"cannot open the records database {self.path} ({exc})") from None
            if self.prefetch > 0:
                helper = threading.Thread(target=self._prefetch, name="records-prefetch", daemon=True)
                helper.start()
            try:
                _check_file(conn, self.path, BACKGROUND_CHECKED)
            finally:
                conn.close()
        except BaseException as exc:  # handed to the thread that opens the database
            self._error = exc
        finally:
            self._done.set()
            if helper is not None:
                helper.join()

    def _prefetch(self) -> None:
        """If the check is still running after `prefetch_after_s`: read the events table in `prefetch` parts
        and each of its indexes, each on its own connection and thread, all at once. Only reads; any error is
        left to the check, which reports what is wrong."""
        if self._done.wait(self.prefetch_after_s):
            return
        try:
            conn = self._connect("ro")
            try:
                last = conn.execute("SELECT max(id) FROM events").fetchone()[0] or 0
                indexes = [r[0] for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")]
            finally:
                conn.close()
        except sqlite3.Error:
            return
        step = last // self.prefetch + 1
        jobs = [("SELECT max(length(payload)) FROM events WHERE id >= ? AND id < ?", (i * step, (i + 1) * step))
                for i in range(self.prefetch)]
        jobs += [('SELECT count(*) FROM events INDEXED BY "%s"' % name.replace('"', '""'), ()) for name in indexes]

        def read(sql: str, args: tuple) -> None:
            try:
                reader = self._connect("ro")
                try:
                    reader.execute(sql, args).fetchall()
                finally:
                    reader.close()
            except sqlite3.Error:
                pass

        readers = [threading.Thread(target=read, args=job, name="records-prefetch", daemon=True) for job in jobs]
        self.prefetched = True
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()

    def result(self) -> None:
        """Wait for the check; raise what it found (DatabaseDamaged, DatabaseTooNew, UserError)."""
        self._thread.join()
        if self._error is not None:
            raise self._error


def open_database(data_dir: Path, *, readonly: bool = False, defer_vitals_check: bool = False,
                  early: EarlyCheck | None = None) -> Database:
    """Open (creating if needed) the database in `data_dir`: integrity check, version check, migrations.

    `readonly` opens an existing file without creating, migrating or writing anything (verify, backup).
    `defer_vitals_check` (the console's start-up) checks every table except the bulk vitals now, and
    leaves the complete check to `Database.check_in_background`, so a year of vitals does not delay the
    screen by seconds. `early`: that check, already started (`EarlyCheck` on the same directory), is waited
    for here in place of checking again.
    """
    data_dir = Path(data_dir)
    path = data_dir / FILE_NAME
    if readonly:
        if not path.is_file():
            raise DatabaseMissing(f"no records database at {path}; check --data-dir or $BEDSIDE_CONSOLE_DATA")
    else:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the data directory {data_dir} ({exc.strerror or exc}); "
                            f"choose another with --data-dir") from None
    checked = early is not None and early.path == path
    if checked:
        early.result()  # raises what it found, before the file is opened here
    try:
        conn = _raw_connect(path, readonly=readonly)
    except sqlite3.DatabaseError as exc:
        raise DatabaseDamaged(f"The records database {path} cannot be opened ({exc}). "
                              f"{restore_hint(path)}") from None
    except sqlite3.Error as exc:
        raise UserError(f"cannot open the records database {path} ({exc})") from None
    if not checked or not early.existed:  # (a file that appeared after the early check looked is checked now)
        _check_file(conn, path, BACKGROUND_CHECKED if defer_vitals_check or checked else ())
    if not readonly:
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise UserError(f"the records database {path} cannot use WAL mode (got {mode}); "
                                f"put the data directory on a local disk")
            migrate(conn)
        except sqlite3.OperationalError as exc:
            conn.close()
            raise UserError(f"cannot prepare the records database {path} ({exc}); is another copy of "
                            f"Bedside Console holding it?") from None
    return Database(path, conn, readonly=readonly)
