"""What the clinic records server has confirmed: one watermark per replicated stream (schema version 5).

`replication_confirmed.last_id` is the highest local row id of that stream the server has committed; the
replicator sends rows after it and moves it only after the server's commit, so a crash in between resends
rows the server already has (they are ignored by id) and nothing is lost. `replication_staff` keeps the
hash of each staff row as last agreed with the server, so a change made here is told from one made at
another chair.
"""
from __future__ import annotations

import sqlite3

VERSION = 5


def apply(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE replication_confirmed (
        stream TEXT PRIMARY KEY,
        last_id INTEGER NOT NULL,
        confirmed_t REAL NOT NULL
    )""")
    conn.execute("""CREATE TABLE replication_staff (
        username TEXT PRIMARY KEY,
        row_hash TEXT NOT NULL
    )""")
