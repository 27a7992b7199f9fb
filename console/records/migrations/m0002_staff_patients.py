"""Staff accounts, patients and their weights (the session's people), added in schema version 2.

PINs are stored only as scrypt hashes with a per-user salt and the KDF parameters used, so the cost can be
raised later without invalidating existing PINs. Weights keep the date they were measured because dosing
refuses a weight older than the clinic allows.
"""
from __future__ import annotations

import sqlite3

VERSION = 2

STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS staff (
        username TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('nurse', 'physician', 'biomed', 'admin')),
        pin_hash TEXT NOT NULL,
        pin_salt TEXT NOT NULL,
        kdf TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until REAL,
        active INTEGER NOT NULL DEFAULT 1,
        created_t REAL NOT NULL,
        created_by TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS patients (
        id INTEGER PRIMARY KEY,
        mrn TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        dob TEXT NOT NULL,
        allergies TEXT NOT NULL DEFAULT '',
        created_t REAL NOT NULL,
        created_by TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS patients_name ON patients (name COLLATE NOCASE)",
    """CREATE TABLE IF NOT EXISTS weights (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id),
        weight_kg REAL NOT NULL,
        measured_on TEXT NOT NULL,
        recorded_t REAL NOT NULL,
        recorded_by TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS weights_patient ON weights (patient_id, recorded_t)",
)


def apply(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
