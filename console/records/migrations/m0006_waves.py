"""Stored waveforms (schema version 6): pleth, ECG and any other wave a driver emits, in compressed blocks.

One row per block of a few seconds of one wave from one source (see resources/records.toml [waves]).
Samples are quantised to int16 as `value = offset + scale * q`, stored as wrapping int16 first differences
and zlib-compressed: a 4-hour session of pleth + ECG stays a few MB instead of the ~100 MB a row per sample
would take. Like vitals, blocks belong to a session through time (SessionRecord.vitals_window), so a wave
recorded before a session was opened is not lost. `wave_blocks_wave_t` serves the reader's time-range query.
"""
from __future__ import annotations

import sqlite3

VERSION = 6


def apply(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE wave_blocks (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        wave TEXT NOT NULL,
        t0 REAL NOT NULL,
        rate_hz REAL NOT NULL,
        n INTEGER NOT NULL,
        scale REAL NOT NULL,
        offset REAL NOT NULL,
        codec TEXT NOT NULL,
        data BLOB NOT NULL
    )""")
    conn.execute("CREATE INDEX wave_blocks_wave_t ON wave_blocks(wave, t0)")
