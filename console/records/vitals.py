"""Numerics on disk at their device rate, written off the GUI thread in batches.

The recorder owns a thread and its own connection (the loop is records/background_writer.py's, shared with
the wave recorder): `submit` only puts the sample on a queue, so a slow disk never stalls the screen or the
alarms. Batches commit at least every `interval` seconds (0.5 s by default), which bounds what a crash can
lose (design.md, "Records"). A write that fails keeps its rows for the next attempt and is reported through
`on_error`; it is never silently dropped.
"""
from __future__ import annotations

import math
import sqlite3
from typing import TYPE_CHECKING, Callable, Protocol

from console.records.background_writer import BackgroundWriter
from console.records.database import Database, transaction

if TYPE_CHECKING:  # numpy is imported where it is used: not before the console's first frame
    import numpy as np

#: Rows kept in memory while the disk refuses writes (about an hour of 6 metrics at 1 Hz per device pair).
MAX_PENDING_ROWS = 50_000


class MeasurementLike(Protocol):
    t: float
    device: str
    metric: str
    value: float
    unit: str


class VitalsRecorder(BackgroundWriter):
    """Batched, thread-owned writer of `Measurement`s into the `vitals` table."""

    thread_name = "vitals-recorder"

    def __init__(self, database: Database, *, interval: float = 0.5,
                 on_error: Callable[[str], None] | None = None) -> None:
        super().__init__(database, interval=interval, on_error=on_error)
        self._pending: list = []
        self._metric_ids: dict[str, int] = {}
        self._source_ids: dict[str, int] = {}
        self.rows_written = 0
        self.batches = 0

    # -- on the recorder thread (the loop is BackgroundWriter's) -------------------------------------------
    def _take(self, measurement) -> None:
        self._pending.append(measurement)

    def _write_held(self, conn: sqlite3.Connection) -> bool:
        ok = self._write(conn, self._pending)
        if ok:
            self._pending = []
        return ok

    def _shed(self) -> None:
        if len(self._pending) > MAX_PENDING_ROWS:
            dropped = len(self._pending) - MAX_PENDING_ROWS
            self._pending = self._pending[dropped:]
            self._report(f"vitals recording: {dropped} oldest samples discarded after repeated "
                         f"write failures; check the disk")

    def _stopped(self) -> None:
        if self._pending:
            self._report(f"vitals recording stopped with {len(self._pending)} samples not written")

    def _numbers(self, samples: list) -> list[tuple[float, str, str, str, float]]:
        """(t, metric, unit, device, value) of the samples that carry a finite number. A NaN is a device's
        "no reading" and is skipped; anything else that is not a number is reported, never retried."""
        rows, unusable = [], []
        for m in samples:
            try:
                t, value = float(m.t), float(m.value)
            except (TypeError, ValueError, AttributeError):
                unusable.append(m)
                continue
            if math.isfinite(value) and math.isfinite(t):
                rows.append((t, m.metric, m.unit, m.device, value))
            elif not math.isnan(value):
                unusable.append(m)
        if unusable:
            first = unusable[0]
            self._report(f"vitals recording: {len(unusable)} samples without a usable number were not recorded "
                         f"(e.g. {getattr(first, 'device', '?')} {getattr(first, 'metric', '?')} = "
                         f"{getattr(first, 'value', '?')!r})")
        return rows

    def _write(self, conn: sqlite3.Connection, samples: list) -> bool:
        if not samples:
            return True
        numbers = self._numbers(samples)
        try:
            with transaction(conn):
                rows = [(t, self._metric_id(conn, metric, unit), self._source_id(conn, device), value)
                        for t, metric, unit, device, value in numbers]
                conn.executemany("INSERT INTO vitals(t, metric_id, source_id, value) VALUES (?, ?, ?, ?)",
                                 rows)
        except sqlite3.Error as exc:
            self._metric_ids.clear()
            self._source_ids.clear()
            self._report(f"vitals recording failed ({exc}); {len(samples)} samples held for retry")
            return False
        self.rows_written += len(numbers)
        self.batches += 1
        return True

    def _metric_id(self, conn: sqlite3.Connection, name: str, unit: str) -> int:
        cached = self._metric_ids.get(name)
        if cached is None:
            conn.execute("INSERT OR IGNORE INTO metrics(name, unit) VALUES (?, ?)", (name, unit or ""))
            cached = conn.execute("SELECT id FROM metrics WHERE name = ?", (name,)).fetchone()[0]
            self._metric_ids[name] = cached
        return cached

    def _source_id(self, conn: sqlite3.Connection, name: str) -> int:
        return source_id(conn, self._source_ids, name)


def source_id(conn: sqlite3.Connection, cache: dict[str, int], name: str) -> int:
    """The `sources` row id of a device name (created on first use), cached in `cache` by the recorder's thread;
    shared by the vitals and wave recorders, which clear their cache when a transaction is rolled back."""
    cached = cache.get(name)
    if cached is None:
        conn.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)", (name,))
        cached = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()[0]
        cache[name] = cached
    return cached


def read_vitals(database: Database, metric: str, since: float | None = None, until: float | None = None,
                device: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Times and values of one metric, oldest first, as float arrays (empty when nothing matches)."""
    import numpy as np
    sql = ("SELECT v.t, v.value FROM vitals v JOIN metrics m ON m.id = v.metric_id "
           "WHERE m.name = ?")
    params: list = [metric]
    if since is not None:
        sql += " AND v.t >= ?"
        params.append(float(since))
    if until is not None:
        sql += " AND v.t <= ?"
        params.append(float(until))
    if device is not None:
        sql += " AND v.source_id = (SELECT id FROM sources WHERE name = ?)"
        params.append(device)
    sql += " ORDER BY v.t"
    with database.lock:
        rows = database.conn.execute(sql, params).fetchall()
    if not rows:
        return np.empty(0), np.empty(0)
    data = np.array(rows, dtype=float)
    return data[:, 0], data[:, 1]


def metric_units(database: Database) -> dict[str, str]:
    with database.lock:
        return dict(database.conn.execute("SELECT name, unit FROM metrics").fetchall())


def bulk_insert(database: Database, device: str, metric: str, unit: str, t: np.ndarray,
                values: np.ndarray) -> int:
    """Write a whole series at once (imports, synthetic sessions for tests and benchmarks)."""
    import numpy as np
    with database.write() as conn:
        conn.execute("INSERT OR IGNORE INTO metrics(name, unit) VALUES (?, ?)", (metric, unit))
        conn.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)", (device,))
        metric_id = conn.execute("SELECT id FROM metrics WHERE name = ?", (metric,)).fetchone()[0]
        source_id = conn.execute("SELECT id FROM sources WHERE name = ?", (device,)).fetchone()[0]
        conn.executemany("INSERT INTO vitals(t, metric_id, source_id, value) VALUES (?, ?, ?, ?)",
                         zip(np.asarray(t, dtype=float).tolist(), [metric_id] * len(t), [source_id] * len(t),
                             np.asarray(values, dtype=float).tolist()))
    return len(t)
