"""The clinic records server's schema (PostgreSQL), numbered migrations like the local ones.

Every replicated table carries the console it came from (`console_id`, the console's installation id) and
that console's own row id: the pair is the row's identity, so a resend after a crash or a cut cable hits
`ON CONFLICT DO NOTHING` and never makes a duplicate, and two chairs never collide. Events also keep their
hash (unique across the clinic). Patients are the clinic's, keyed by MRN; staff accounts by username.
`schema_version` holds the last version applied; each migration runs in its own transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class ServerMigration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[ServerMigration, ...] = (
    ServerMigration(1, "events_and_ledger", (
        """CREATE TABLE consoles (
            console_id TEXT PRIMARY KEY,
            num SERIAL UNIQUE,
            first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
            last_seen TIMESTAMPTZ NOT NULL DEFAULT now()
        )""",
        """CREATE TABLE events (
            console_id TEXT NOT NULL REFERENCES consoles(console_id),
            id BIGINT NOT NULL,
            t DOUBLE PRECISION NOT NULL,
            kind TEXT NOT NULL,
            session_id TEXT,
            actor TEXT,
            payload TEXT NOT NULL,
            refers_to BIGINT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            received_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (console_id, id)
        )""",
        "CREATE INDEX events_session ON events(session_id)",
        "CREATE INDEX events_kind ON events(kind)",
        """CREATE TABLE ledger_draws (
            console_id TEXT NOT NULL, id BIGINT NOT NULL, event_id BIGINT NOT NULL,
            t DOUBLE PRECISION NOT NULL, session_id TEXT NOT NULL, drug TEXT NOT NULL,
            concentration_mg_per_ml DOUBLE PRECISION NOT NULL, lot TEXT NOT NULL, expiry TEXT NOT NULL,
            volume_ml DOUBLE PRECISION NOT NULL, amount_mg DOUBLE PRECISION NOT NULL, drawn_by TEXT NOT NULL,
            PRIMARY KEY (console_id, id),
            FOREIGN KEY (console_id, event_id) REFERENCES events(console_id, id)
        )""",
        """CREATE TABLE ledger_waste (
            console_id TEXT NOT NULL, id BIGINT NOT NULL, event_id BIGINT NOT NULL,
            t DOUBLE PRECISION NOT NULL, session_id TEXT NOT NULL, draw_id BIGINT NOT NULL,
            volume_ml DOUBLE PRECISION NOT NULL, amount_mg DOUBLE PRECISION NOT NULL,
            wasted_by TEXT NOT NULL, witness TEXT NOT NULL, reason TEXT NOT NULL,
            PRIMARY KEY (console_id, id),
            FOREIGN KEY (console_id, event_id) REFERENCES events(console_id, id),
            FOREIGN KEY (console_id, draw_id) REFERENCES ledger_draws(console_id, id)
        )""",
        """CREATE TABLE ledger_reconciliations (
            console_id TEXT NOT NULL, id BIGINT NOT NULL, event_id BIGINT NOT NULL,
            t DOUBLE PRECISION NOT NULL, session_id TEXT NOT NULL, drawn_mg DOUBLE PRECISION NOT NULL,
            given_mg DOUBLE PRECISION NOT NULL, wasted_mg DOUBLE PRECISION NOT NULL,
            discrepancy_mg DOUBLE PRECISION NOT NULL, balanced INTEGER NOT NULL, reconciled_by TEXT NOT NULL,
            PRIMARY KEY (console_id, id),
            FOREIGN KEY (console_id, event_id) REFERENCES events(console_id, id)
        )""",
        "CREATE INDEX ledger_draws_t ON ledger_draws(t)",
        "CREATE INDEX ledger_waste_t ON ledger_waste(t)",
        "CREATE INDEX ledger_reconciliations_t ON ledger_reconciliations(t)",
    )),
    ServerMigration(2, "people_and_vitals", (
        """CREATE TABLE staff (
            username TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, pin_hash TEXT NOT NULL,
            pin_salt TEXT NOT NULL, kdf TEXT NOT NULL, active INTEGER NOT NULL, created_t DOUBLE PRECISION NOT NULL,
            created_by TEXT, changed_by_console TEXT NOT NULL, changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""",
        """CREATE TABLE patients (
            mrn TEXT PRIMARY KEY, name TEXT NOT NULL, dob TEXT NOT NULL, allergies TEXT NOT NULL,
            created_t DOUBLE PRECISION NOT NULL, created_by TEXT, console_id TEXT NOT NULL, local_id BIGINT NOT NULL
        )""",
        "CREATE INDEX patients_name ON patients (lower(name))",
        """CREATE TABLE patient_ids (
            console_id TEXT NOT NULL, local_id BIGINT NOT NULL, mrn TEXT NOT NULL REFERENCES patients(mrn),
            PRIMARY KEY (console_id, local_id)
        )""",
        """CREATE TABLE weights (
            console_id TEXT NOT NULL, id BIGINT NOT NULL, mrn TEXT NOT NULL, weight_kg DOUBLE PRECISION NOT NULL,
            measured_on TEXT NOT NULL, recorded_t DOUBLE PRECISION NOT NULL, recorded_by TEXT,
            PRIMARY KEY (console_id, id)
        )""",
        """CREATE TABLE metrics (
            console_num INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL,
            PRIMARY KEY (console_num, id)
        )""",
        """CREATE TABLE sources (
            console_num INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (console_num, id)
        )""",
        # Compact: the console's number (not its 36-character id) and its own metric/source ids.
        """CREATE TABLE vitals (
            console_num INTEGER NOT NULL, rowid BIGINT NOT NULL, t DOUBLE PRECISION NOT NULL,
            metric_id SMALLINT NOT NULL, source_id SMALLINT NOT NULL, value DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (console_num, rowid)
        )""",
    )),
)


def latest_server_version() -> int:
    return MIGRATIONS[-1].version


def server_version(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT to_regclass('schema_version')").fetchone()
    if row[0] is None:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate_server(conn: psycopg.Connection, *, target: int | None = None) -> list[int]:
    """Bring the server schema up to `target` (default newest), one transaction per migration.

    Concurrent consoles: an advisory lock makes the second wait, then find the work done.
    """
    applied = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(727201)")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                     "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        current = server_version(conn)
        if current > latest_server_version():
            raise RuntimeError(f"the records server's schema is version {current}, newer than this console "
                               f"knows ({latest_server_version()}); update this console")
        for migration in MIGRATIONS:
            if migration.version <= current or (target is not None and migration.version > target):
                continue
            with conn.transaction():
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version(version, name) VALUES (%s, %s)",
                             (migration.version, migration.name))
            applied.append(migration.version)
    return applied
