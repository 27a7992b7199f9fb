"""Core schema: the hash-chained event log, compact vitals, and installation metadata.

Events are append-only by construction: triggers abort any UPDATE or DELETE, so a correction can only be
a new event that refers to the old one. (Someone with the file and a plain sqlite3 shell can drop the
triggers; the hash chain is what catches that, see audit.verify_chain.)
"""
from __future__ import annotations

import sqlite3
import time
import uuid

VERSION = 1

_STATEMENTS = (
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        t REAL NOT NULL,
        kind TEXT NOT NULL,
        session_id TEXT,
        actor TEXT,
        payload TEXT NOT NULL,
        refers_to INTEGER REFERENCES events(id),
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
    )""",
    "CREATE INDEX events_session ON events(session_id, id)",
    "CREATE INDEX events_kind ON events(kind, id)",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction as a new event'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only and cannot be deleted'); END""",
    "CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE metrics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT NOT NULL)",
    """CREATE TABLE vitals (
        t REAL NOT NULL,
        metric_id INTEGER NOT NULL REFERENCES metrics(id),
        source_id INTEGER NOT NULL REFERENCES sources(id),
        value REAL NOT NULL
    )""",
    "CREATE INDEX vitals_metric_t ON vitals(metric_id, t)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
)


def apply(conn: sqlite3.Connection) -> None:
    for statement in _STATEMENTS:
        conn.execute(statement)
    conn.execute("INSERT INTO meta(key, value) VALUES ('installation_id', ?), ('created_t', ?)",
                 (str(uuid.uuid4()), repr(time.time())))
