"""Local-first replication of this console's records to the clinic's PostgreSQL (design.md, "Clinic scale").

The bed keeps writing its own SQLite; nothing here is on the session's path. A `Replicator` thread reads
the local file on its own connections, ships the append-only streams (audit events, ledger rows, patients,
weights, metric/source names, vitals) in order, and after the server's COMMIT moves that stream's
watermark in `replication_confirmed`. Rows are identified on the server by (console, local id) (and
events also by hash), inserted with ON CONFLICT DO NOTHING, so a resend after a crash, a cut cable or a
killed server never duplicates. An event the server holds under the same id with a different hash is a
conflict: the watermark stops there and the problem is reported, nothing is overwritten.

Staff accounts are the clinic's: a change made at this chair is pushed, an account created or changed
at another chair is pulled in (per-row hashes in `replication_staff` tell which side changed). Failure
counts and lockouts stay per chair.

Settings: `[records_server]` in clinic.toml (`server_settings`). The password is never in clinic.toml:
libpq reads it from `passfile` (mode 0600, owned by the console's user) or a service file.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from console.errors import UserError
from console.records.audit import GENESIS_HASH, event_hash
from console.records.database import Database, transaction

if TYPE_CHECKING:  # psycopg is imported where a server is used: not for the console's first frame without one
    import psycopg

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
OFFLINE_NOTE = "offline: this chair's records only"


class ReplicationConflict(RuntimeError):
    """The server holds a different row under one of this console's ids (restored file, or tampering)."""


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int = 5432
    dbname: str = "bedside"
    user: str = "bedside"
    passfile: str = ""
    service: str = ""
    sslmode: str = "verify-full"
    sslrootcert: str = ""
    interval_s: float = 2.0
    batch_rows: int = 5000
    connect_timeout_s: int = 5

    def conninfo(self) -> str:
        parts = {"host": self.host, "port": str(self.port), "dbname": self.dbname, "user": self.user,
                 "sslmode": self.sslmode, "connect_timeout": str(self.connect_timeout_s),
                 "application_name": "bedside-console"}
        if self.service:  # host, port, dbname, user, sslmode from pg_service.conf
            parts = {"service": self.service, "connect_timeout": str(self.connect_timeout_s),
                     "application_name": "bedside-console"}
        # a cable that goes dead without a reset is noticed within ~20 s, not the kernel's 2 h
        parts.update(keepalives="1", keepalives_idle="5", keepalives_interval="2", keepalives_count="3",
                     tcp_user_timeout="20000")
        if self.passfile:
            parts["passfile"] = self.passfile
        if self.sslrootcert:
            parts["sslrootcert"] = self.sslrootcert
        import psycopg
        return psycopg.conninfo.make_conninfo(**parts)


def load_server_settings(doc: Any) -> ServerSettings | None:
    """The `[records_server]` section of the (merged, validated) clinic document; None when `host` is empty."""
    from resources import ResourceError
    section = doc.section("records_server")
    host = section.text("host")
    if not host:
        return None
    passfile = section.text("passfile")
    service = section.text("service")
    if passfile:
        path = Path(passfile)
        if not path.is_file():
            raise ResourceError(doc.file, "records_server.passfile", f"{passfile} does not exist")
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ResourceError(doc.file, "records_server.passfile",
                                f"{passfile} must be readable only by its owner (chmod 600)")
    elif not service:
        raise ResourceError(doc.file, "records_server.passfile",
                            "is needed (a libpq password file, chmod 600), or name a `service`; "
                            "the password never goes in clinic.toml")
    return ServerSettings(
        host=host, port=int(section.number("port", min=1, max=65535)), dbname=section.text("dbname"),
        user=section.text("user"), passfile=passfile, service=service,
        sslmode=section.text("sslmode", choices=SSL_MODES), sslrootcert=section.text("sslrootcert"),
        interval_s=section.number("interval_s", min=0.2, max=3600),
        batch_rows=int(section.number("batch_rows", min=10, max=100_000)))


def server_settings(data_dir: Path | None) -> ServerSettings | None:
    """This clinic's records server from clinic.toml, or None when it names none."""
    from console.session.config import clinic_document
    return load_server_settings(clinic_document(data_dir))


@dataclass(frozen=True)
class Stream:
    name: str
    select: str  # local SQL: key first; params (after, limit)
    table: str  # server table
    columns: tuple[str, ...]  # server columns, after the console key column
    key_column: str = "console_id"  # or console_num


STREAMS: tuple[Stream, ...] = (
    Stream("events", "SELECT id, t, kind, session_id, actor, payload, refers_to, prev_hash, hash FROM events "
           "WHERE id > ? ORDER BY id LIMIT ?", "events",
           ("id", "t", "kind", "session_id", "actor", "payload", "refers_to", "prev_hash", "hash")),
    Stream("ledger_draws", "SELECT id, event_id, t, session_id, drug, concentration_mg_per_ml, lot, expiry, "
           "volume_ml, amount_mg, drawn_by FROM ledger_draws WHERE id > ? ORDER BY id LIMIT ?", "ledger_draws",
           ("id", "event_id", "t", "session_id", "drug", "concentration_mg_per_ml", "lot", "expiry", "volume_ml",
            "amount_mg", "drawn_by")),
    Stream("ledger_waste", "SELECT id, event_id, t, session_id, draw_id, volume_ml, amount_mg, wasted_by, witness, "
           "reason FROM ledger_waste WHERE id > ? ORDER BY id LIMIT ?", "ledger_waste",
           ("id", "event_id", "t", "session_id", "draw_id", "volume_ml", "amount_mg", "wasted_by", "witness",
            "reason")),
    Stream("ledger_reconciliations", "SELECT id, event_id, t, session_id, drawn_mg, given_mg, wasted_mg, "
           "discrepancy_mg, balanced, reconciled_by FROM ledger_reconciliations WHERE id > ? ORDER BY id LIMIT ?",
           "ledger_reconciliations", ("id", "event_id", "t", "session_id", "drawn_mg", "given_mg", "wasted_mg",
                                      "discrepancy_mg", "balanced", "reconciled_by")),
    Stream("patients", "SELECT id, mrn, name, dob, allergies, created_t, created_by FROM patients "
           "WHERE id > ? ORDER BY id LIMIT ?", "patients", ()),
    Stream("weights", "SELECT w.id, p.mrn, w.weight_kg, w.measured_on, w.recorded_t, w.recorded_by FROM weights w "
           "JOIN patients p ON p.id = w.patient_id WHERE w.id > ? ORDER BY w.id LIMIT ?", "weights",
           ("id", "mrn", "weight_kg", "measured_on", "recorded_t", "recorded_by")),
    Stream("metrics", "SELECT id, name, unit FROM metrics WHERE id > ? ORDER BY id LIMIT ?", "metrics",
           ("id", "name", "unit"), "console_num"),
    Stream("sources", "SELECT id, name FROM sources WHERE id > ? ORDER BY id LIMIT ?", "sources",
           ("id", "name"), "console_num"),
    Stream("vitals", "SELECT rowid, t, metric_id, source_id, value FROM vitals WHERE rowid > ? ORDER BY rowid "
           "LIMIT ?", "vitals", ("rowid", "t", "metric_id", "source_id", "value"), "console_num"),
)

STAFF_COLUMNS = ("username", "name", "role", "pin_hash", "pin_salt", "kdf", "active", "created_t", "created_by")


def _staff_hash(row: tuple) -> str:
    return hashlib.sha256(json.dumps(list(row), separators=(",", ":")).encode()).hexdigest()


def explain_connect_error(exc: BaseException, settings: "ServerSettings | None" = None) -> str:
    """A connection failure in words an IT person can act on (libpq's own text kept at the end)."""
    raw = " ".join(str(exc).split())[:300] or type(exc).__name__
    low = raw.lower()
    ca = f" ({settings.sslrootcert})" if settings is not None and settings.sslrootcert else ""
    if "certificate verify failed" in low or "self-signed certificate" in low or "unable to get local issuer" in low:
        return (f"the records server's certificate is not signed by the CA this chair trusts{ca}: put the "
                f"clinic's CA file in clinic.toml `sslrootcert` (libpq: {raw})")
    if "does not match host name" in low or "server certificate for" in low:
        return (f"the records server's certificate is for another name than `host` in clinic.toml: use the "
                f"name in the certificate, or have IT issue one for this name (libpq: {raw})")
    if "root certificate file" in low and "does not exist" in low:
        return f"the CA file named in clinic.toml `sslrootcert` does not exist{ca}: copy the clinic's CA there ({raw})"
    if "password authentication failed" in low:
        return f"the records server refused the password: check the passfile named in clinic.toml ({raw})"
    return raw


@dataclass
class ReplicationStatus:
    online: bool = False
    last_error: str = ""
    last_sync_t: float | None = None
    confirmed: dict[str, int] = field(default_factory=dict)
    shipped_rows: int = 0
    conflict: str = ""
    #: rows written on this chair the server has not confirmed yet, and the time of the oldest of them
    pending_rows: int = 0
    oldest_pending_t: float | None = None
    #: when the server stopped answering (None while it answers)
    offline_since: float | None = None

    def summary(self) -> str:
        if self.conflict:
            return f"records server: CONFLICT — {self.conflict}"
        if self.online:
            return f"records server: connected, confirmed events up to {self.confirmed.get('events', 0)}"
        return f"records server: {OFFLINE_NOTE} ({self.last_error or 'not connected yet'})"


class Replicator:
    """Ships this console's records to the clinic server on its own thread; see the module docstring."""

    def __init__(self, database: Database, settings: ServerSettings, *,
                 on_status: Callable[[ReplicationStatus], None] | None = None) -> None:
        self.database = database
        self.settings = settings
        self.console_id = console_id(database)
        self.on_status = on_status
        self.status = ReplicationStatus()
        self._pg: psycopg.Connection | None = None
        self._console_num: int | None = None
        self._local: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()  # one sync at a time (thread or a direct sync_once call)
        self._status_lock = threading.Lock()  # `status` is written by the thread, read by the screen

    def snapshot(self) -> ReplicationStatus:
        """A copy of the status, safe to read on any thread."""
        import copy
        with self._status_lock:
            return copy.deepcopy(self.status)

    # -- thread
    def start(self) -> "Replicator":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="records-replicator", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Ship now rather than at the next interval (e.g. after a session event)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close()

    def _run(self) -> None:
        backoff = self.settings.interval_s
        while not self._stop.is_set():
            try:
                self.sync_once()
                backoff = self.settings.interval_s
            except Exception as exc:  # never let the thread die: the bed goes on, the status says why
                self._offline(exc)
                backoff = min(max(backoff * 2, self.settings.interval_s), 30.0)
            self._wake.wait(backoff)
            self._wake.clear()

    def _offline(self, exc: BaseException) -> None:
        self._close_pg()
        backlog = self._backlog_or_none()
        with self._status_lock:
            if self.status.online or self.status.offline_since is None:
                self.status.offline_since = time.time()
            self.status.online = False
            self.status.last_error = explain_connect_error(exc, self.settings)
            if isinstance(exc, ReplicationConflict):
                self.status.conflict = str(exc)
            if backlog is not None:
                self.status.pending_rows, self.status.oldest_pending_t = backlog
        self._notify()

    def _backlog_or_none(self) -> tuple[int, float | None] | None:
        try:
            local, _ = self._locals()
            return pending_backlog(local)
        except sqlite3.Error:
            return None

    def _notify(self) -> None:
        if self.on_status is not None:
            try:
                self.on_status(self.status)
            except Exception:
                pass

    # -- connections
    def _close_pg(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()
            except Exception:
                pass
        self._pg = None

    def _close(self) -> None:
        self._close_pg()
        for conn in (self._local, self._writer):
            if conn is not None:
                conn.close()
        self._local = self._writer = None

    def _server(self) -> psycopg.Connection:
        if self._pg is None or self._pg.closed or self._pg.broken:
            self._close_pg()
            import psycopg

            from console.records.server_schema import migrate_server
            conn = psycopg.connect(self.settings.conninfo())
            try:
                conn.execute("SET statement_timeout = '60s'")
                conn.commit()
                migrate_server(conn)
                conn.commit()
                with conn.transaction():
                    conn.execute("INSERT INTO consoles(console_id) VALUES (%s) ON CONFLICT (console_id) "
                                 "DO UPDATE SET last_seen = now()", (self.console_id,))
                    self._console_num = conn.execute("SELECT num FROM consoles WHERE console_id = %s",
                                                     (self.console_id,)).fetchone()[0]
            except BaseException:
                conn.close()
                raise
            self._pg = conn
        return self._pg

    def _locals(self) -> tuple[sqlite3.Connection, sqlite3.Connection]:
        if self._local is None:
            self._local = self.database.connect()
            self._writer = self.database.connect()
        return self._local, self._writer

    # -- one pass
    def sync_once(self) -> dict[str, int]:
        """Ship everything committed locally so far; returns rows sent per stream. Raises when offline."""
        with self.lock:
            pg = self._server()
            local, writer = self._locals()
            sent: dict[str, int] = {}
            local.execute("BEGIN")  # one snapshot: a ledger row's event is shipped before it
            try:
                confirmed = dict(local.execute("SELECT stream, last_id FROM replication_confirmed").fetchall())
                for stream in STREAMS:
                    after = confirmed.get(stream.name, 0)
                    while True:
                        rows = local.execute(stream.select, (after, self.settings.batch_rows)).fetchall()
                        if not rows:
                            break
                        self._ship(pg, stream, rows)
                        after = rows[-1][0]
                        with transaction(writer):
                            writer.execute("INSERT INTO replication_confirmed(stream, last_id, confirmed_t) "
                                           "VALUES (?, ?, ?) ON CONFLICT(stream) DO UPDATE SET "
                                           "last_id = excluded.last_id, confirmed_t = excluded.confirmed_t",
                                           (stream.name, after, time.time()))
                        sent[stream.name] = sent.get(stream.name, 0) + len(rows)
                        with self._status_lock:
                            self.status.shipped_rows += len(rows)
                        if len(rows) < self.settings.batch_rows:
                            break
                    confirmed[stream.name] = after
                self._sync_staff(pg, local, writer)
            finally:
                local.execute("COMMIT")
            with pg.transaction():
                pg.execute("UPDATE consoles SET last_seen = now() WHERE console_id = %s", (self.console_id,))
            backlog = pending_backlog(local)
            with self._status_lock:
                self.status.online, self.status.last_error, self.status.offline_since = True, "", None
                self.status.last_sync_t = time.time()
                self.status.confirmed = confirmed
                self.status.pending_rows, self.status.oldest_pending_t = backlog
            self._notify()
            return sent

    def _ship(self, pg: psycopg.Connection, stream: Stream, rows: list[tuple]) -> None:
        key = self.console_id if stream.key_column == "console_id" else self._console_num
        with pg.transaction():
            if stream.name == "patients":
                with pg.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO patients (mrn, name, dob, allergies, created_t, created_by, console_id, "
                        "local_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (mrn) DO NOTHING",
                        [(*r[1:], key, r[0]) for r in rows])
                    cur.executemany("INSERT INTO patient_ids (console_id, local_id, mrn) VALUES (%s, %s, %s) "
                                    "ON CONFLICT DO NOTHING", [(key, r[0], r[1]) for r in rows])
                return
            cols = (stream.key_column, *stream.columns)
            temp = f"incoming_{stream.table}"
            pg.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} (LIKE {stream.table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
            with pg.cursor() as cur:
                with cur.copy(f"COPY {temp} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((key, *row))
                # a weight copied here from the server with its patient (clinic_reads.patient_record) is the
                # same measurement, not a new one: it is not stored twice
                same = (f" WHERE NOT EXISTS (SELECT 1 FROM weights s WHERE s.mrn = {temp}.mrn AND s.recorded_t = "
                        f"{temp}.recorded_t AND s.weight_kg = {temp}.weight_kg)" if stream.name == "weights" else "")
                pg.execute(f"INSERT INTO {stream.table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {temp}"
                           f"{same} ON CONFLICT DO NOTHING")
                if stream.name == "events":
                    bad = cur.execute(f"SELECT s.id, s.hash, i.hash FROM {temp} i JOIN events s ON "
                                      f"s.console_id = i.console_id AND s.id = i.id WHERE s.hash <> i.hash "
                                      f"ORDER BY s.id LIMIT 1").fetchone()
                    if bad is not None:
                        raise ReplicationConflict(
                            f"the records server holds a different event {bad[0]} for this console "
                            f"(server hash {bad[1][:12]}, local {bad[2][:12]}); nothing was overwritten — "
                            f"run `bedside-console verify-records --server`")

    def _sync_staff(self, pg: psycopg.Connection, local: sqlite3.Connection, writer: sqlite3.Connection) -> None:
        cols = ", ".join(STAFF_COLUMNS)
        mine = {r[0]: r for r in local.execute(f"SELECT {cols} FROM staff").fetchall()}
        agreed = dict(local.execute("SELECT username, row_hash FROM replication_staff").fetchall())
        changed = [r for u, r in mine.items() if agreed.get(u) != _staff_hash(r)]
        with pg.transaction():
            if changed:
                updates = ", ".join(f"{c} = excluded.{c}" for c in STAFF_COLUMNS[1:])
                with pg.cursor() as cur:
                    cur.executemany(f"INSERT INTO staff ({cols}, changed_by_console) VALUES "
                                    f"({', '.join(['%s'] * (len(STAFF_COLUMNS) + 1))}) ON CONFLICT (username) "
                                    f"DO UPDATE SET {updates}, changed_by_console = excluded.changed_by_console, "
                                    f"changed_at = now()", [(*r, self.console_id) for r in changed])
            theirs = {r[0]: tuple(r) for r in pg.execute(f"SELECT {cols} FROM staff").fetchall()}
        with transaction(writer):
            for r in changed:
                writer.execute("INSERT OR REPLACE INTO replication_staff(username, row_hash) VALUES (?, ?)",
                               (r[0], _staff_hash(r)))
            for username, row in theirs.items():
                h = _staff_hash(row)
                local_row = mine.get(username)
                if local_row is None:
                    writer.execute(f"INSERT INTO staff ({cols}) VALUES ({', '.join('?' * len(STAFF_COLUMNS))})", row)
                elif _staff_hash(local_row) == h or any(r[0] == username for r in changed):
                    continue
                else:
                    sets = ", ".join(f"{c} = ?" for c in STAFF_COLUMNS[1:])
                    writer.execute(f"UPDATE staff SET {sets} WHERE username = ?", (*row[1:], username))
                writer.execute("INSERT OR REPLACE INTO replication_staff(username, row_hash) VALUES (?, ?)",
                               (username, h))


#: streams whose rows carry a time: (stream, local SQL of the time of the first row after the watermark)
_TIMED = (("events", "SELECT t FROM events WHERE id > ? ORDER BY id LIMIT 1"),
          ("ledger_draws", "SELECT t FROM ledger_draws WHERE id > ? ORDER BY id LIMIT 1"),
          ("ledger_waste", "SELECT t FROM ledger_waste WHERE id > ? ORDER BY id LIMIT 1"),
          ("ledger_reconciliations", "SELECT t FROM ledger_reconciliations WHERE id > ? ORDER BY id LIMIT 1"),
          ("patients", "SELECT created_t FROM patients WHERE id > ? ORDER BY id LIMIT 1"),
          ("weights", "SELECT recorded_t FROM weights WHERE id > ? ORDER BY id LIMIT 1"),
          ("vitals", "SELECT t FROM vitals WHERE rowid > ? ORDER BY rowid LIMIT 1"))


def pending_backlog(local: sqlite3.Connection) -> tuple[int, float | None]:
    """(rows not yet confirmed by the server, time of the oldest of them) from this chair's file.

    Counts use the streams' integer keys (one index step per stream), so this is cheap even after a day
    offline; it runs on the replicator's thread, never the screen's."""
    confirmed = dict(local.execute("SELECT stream, last_id FROM replication_confirmed").fetchall())
    total, oldest = 0, None
    for stream in STREAMS:
        key = "rowid" if stream.name == "vitals" else "id"
        table = stream.select.split(" FROM ", 1)[1].split()[0]
        total += local.execute(f"SELECT count(*) FROM {table} WHERE {key} > ?",
                               (confirmed.get(stream.name, 0),)).fetchone()[0]
    for name, sql in _TIMED:
        row = local.execute(sql, (confirmed.get(name, 0),)).fetchone()
        if row is not None and row[0] is not None and (oldest is None or row[0] < oldest):
            oldest = float(row[0])
    return total, oldest


def console_id(database: Database) -> str:
    """This console's identity on the server (its installation id, made by the first migration)."""
    value = database.get_meta("installation_id")
    if not value:
        raise UserError(f"the records database {database.path} has no installation id")
    return value


def confirmed_watermarks(database: Database) -> dict[str, int]:
    with database.lock:
        return dict(database.conn.execute("SELECT stream, last_id FROM replication_confirmed").fetchall())


# -- verification on the server

@dataclass(frozen=True)
class ServerChainReport:
    console_id: str
    ok: bool
    count: int
    bad_id: int | None = None
    problem: str = ""

    def summary(self) -> str:
        if self.ok:
            return f"console {self.console_id}: server chain intact, {self.count} events"
        return f"console {self.console_id}: server chain broken at event row {self.bad_id}: {self.problem}"


def verify_server_chains(conninfo: str, *, expect: dict[str, int] | None = None) -> list[ServerChainReport]:
    """Walk every console's chain on the server; name the first bad row of each.

    `expect` maps a console id to the last event id it has seen confirmed: a server chain ending before
    it has lost rows.
    """
    reports = []
    import psycopg
    with psycopg.connect(conninfo) as conn:
        consoles = [r[0] for r in conn.execute("SELECT console_id FROM consoles ORDER BY num").fetchall()]
        for cid in consoles:
            reports.append(_verify_one(conn, cid, (expect or {}).get(cid)))
    return reports


def _verify_one(conn: psycopg.Connection, cid: str, expected_last: int | None) -> ServerChainReport:
    prev_hash, expected_id, count = GENESIS_HASH, 1, 0
    with conn.cursor(name=f"chain_{abs(hash(cid))}") as cur:
        cur.execute("SELECT id, t, kind, session_id, actor, payload, refers_to, prev_hash, hash FROM events "
                    "WHERE console_id = %s ORDER BY id", (cid,))
        for id_, t, kind, session_id, actor, payload_text, refers_to, stored_prev, stored_hash in cur:
            try:
                payload = json.loads(payload_text)
                own = event_hash(id=id_, t=t, kind=kind, session_id=session_id, actor=actor, payload=payload,
                                 refers_to=refers_to, prev_hash=stored_prev)
            except (TypeError, ValueError) as exc:
                return ServerChainReport(cid, False, count, id_, f"edited: its fields cannot be hashed ({exc})")
            if own != stored_hash:
                return ServerChainReport(cid, False, count, id_,
                                         f"edited: its contents no longer match its hash (kind {kind!r}, "
                                         f"session {session_id!r})")
            if id_ != expected_id:
                return ServerChainReport(cid, False, count, id_,
                                         f"deleted: event row(s) {expected_id}-{id_ - 1} before it are missing")
            if stored_prev != prev_hash:
                return ServerChainReport(cid, False, count, id_,
                                         "bad link: its previous-hash does not match the event before it")
            prev_hash, expected_id, count = stored_hash, id_ + 1, count + 1
    if expected_last is not None and expected_last > count:
        return ServerChainReport(cid, False, count, count + 1,
                                 f"deleted: this console had {expected_last} events confirmed, the server has "
                                 f"{count}")
    return ServerChainReport(cid, True, count)


def start_replicator(database: Database, data_dir: Path, report: Callable[[str], None]) -> Replicator | None:
    """The console's replicator when clinic.toml names a records server (None otherwise), started.

    Going offline and coming back are printed once each; a conflict is reported through `report` (it needs
    someone to look). The bed never waits for any of it."""
    import sys
    settings = server_settings(data_dir)
    if settings is None:
        return None
    last: dict[str, object] = {"online": None, "conflict": ""}

    def on_status(status: ReplicationStatus) -> None:
        if status.conflict and status.conflict != last["conflict"]:
            last["conflict"] = status.conflict
            report(status.conflict)
        if status.online != last["online"]:
            last["online"] = status.online
            print(f"bedside-console: {status.summary()}", file=sys.stderr, flush=True)
    return Replicator(database, settings, on_status=on_status).start()
