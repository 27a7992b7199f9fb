"""Controlled-substance ledger: what was drawn, wasted (with a witness) and reconciled, per session.

Each row points at the audit event that records the same action, written in the same transaction; the
tables exist so a day's ledger across sessions is one indexed query. Like events, rows are append-only.
"""
from __future__ import annotations

import sqlite3

VERSION = 4

_TABLES = {
    "ledger_draws": """CREATE TABLE ledger_draws (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL UNIQUE REFERENCES events(id),
        t REAL NOT NULL,
        session_id TEXT NOT NULL,
        drug TEXT NOT NULL,
        concentration_mg_per_ml REAL NOT NULL,
        lot TEXT NOT NULL,
        expiry TEXT NOT NULL,
        volume_ml REAL NOT NULL,
        amount_mg REAL NOT NULL,
        drawn_by TEXT NOT NULL
    )""",
    "ledger_waste": """CREATE TABLE ledger_waste (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL UNIQUE REFERENCES events(id),
        t REAL NOT NULL,
        session_id TEXT NOT NULL,
        draw_id INTEGER NOT NULL REFERENCES ledger_draws(id),
        volume_ml REAL NOT NULL,
        amount_mg REAL NOT NULL,
        wasted_by TEXT NOT NULL,
        witness TEXT NOT NULL,
        reason TEXT NOT NULL,
        CHECK (witness <> wasted_by)
    )""",
    "ledger_reconciliations": """CREATE TABLE ledger_reconciliations (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL UNIQUE REFERENCES events(id),
        t REAL NOT NULL,
        session_id TEXT NOT NULL,
        drawn_mg REAL NOT NULL,
        given_mg REAL NOT NULL,
        wasted_mg REAL NOT NULL,
        discrepancy_mg REAL NOT NULL,
        balanced INTEGER NOT NULL,
        reconciled_by TEXT NOT NULL
    )""",
}


def apply(conn: sqlite3.Connection) -> None:
    for table, ddl in _TABLES.items():
        conn.execute(ddl)
        conn.execute(f"CREATE INDEX {table}_t ON {table}(t)")
        conn.execute(f"CREATE INDEX {table}_session ON {table}(session_id)")
        conn.execute(f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a correction instead'); END""")
        conn.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only and cannot be deleted'); END""")
