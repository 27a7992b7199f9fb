"""A session as one CSV file: every vital sample and every recorded event, one row each, in time order.

Spreadsheets and statistics packages read it as is; times are ISO 8601 with the local offset (so the
reader never guesses the time zone) and also as epoch seconds for exact arithmetic. Events keep their
payload as canonical JSON in `detail`, so nothing recorded is left out.
"""
from __future__ import annotations

import csv
import heapq
import io
from pathlib import Path
from typing import Iterator, TextIO

from console.records.audit import AuditLog, canonical_json
from console.records.database import Database
from console.records.session_record import SessionRecord, load_session
from device_drivers.events import iso_time

COLUMNS = ("time", "epoch_s", "type", "session_id", "source", "name", "value", "unit", "event_id",
           "refers_to", "detail")


def vitals_rows(database: Database, record: SessionRecord) -> Iterator[tuple]:
    """Every sample recorded while the session was open, in time order (read in one indexed query)."""
    start, end = record.vitals_window()
    with database.lock:
        rows = database.conn.execute(
            "SELECT v.t, s.name, m.name, v.value, m.unit FROM vitals v JOIN metrics m ON m.id = v.metric_id "
            "JOIN sources s ON s.id = v.source_id WHERE v.t >= ? AND v.t <= ? ORDER BY v.t, m.name",
            (start, end if end is not None else float("inf"))).fetchall()
    for t, source, metric, value, unit in rows:
        shown = int(value) if float(value).is_integer() else value
        yield (t, "vital", source, metric, shown, unit, "", "", "")


def event_rows(record: SessionRecord) -> Iterator[tuple]:
    for e in record.all_events():
        yield (e.t, "event", e.actor or "", e.kind, "", "", e.id, e.refers_to or "", canonical_json(e.payload))


def wave_rows(database: Database, record: SessionRecord) -> Iterator[tuple]:
    """One row per stored wave of the session saying where its samples are: the samples themselves (millions
    of rows) are a separate export, so this file stays one a spreadsheet opens."""
    from console.records.waves import HOW_TO_EXPORT, stored_waves
    start, end = record.vitals_window()
    for w in stored_waves(database, start, end):
        detail = {"rate_hz": w.rate_hz, "samples": w.samples, "first_t": w.first_t, "last_t": w.last_t,
                  "stored_in": f"{database.path.name}, table wave_blocks",
                  "export_with": HOW_TO_EXPORT.format(session=record.session_id)}
        yield (w.first_t, "waves", w.source, w.wave, w.samples, "samples", "", "", canonical_json(detail))


def write_csv(database: Database, session_id: str, out: TextIO) -> int:
    """Write the session to `out`; returns the number of data rows."""
    record = load_session(AuditLog(database), session_id)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for row in heapq.merge(event_rows(record), vitals_rows(database, record), wave_rows(database, record),
                           key=lambda r: r[0]):
        t, kind, source, name, value, unit, event_id, refers_to, detail = row
        writer.writerow((iso_time(t), repr(float(t)), kind, session_id, source, name, value, unit, event_id,
                         refers_to, detail))
        n += 1
    return n


def export_csv(database: Database, session_id: str, path: Path) -> int:
    with open(path, "w", encoding="utf-8", newline="") as out:
        return write_csv(database, session_id, out)


def csv_text(database: Database, session_id: str) -> str:
    buf = io.StringIO()
    write_csv(database, session_id, buf)
    return buf.getvalue()
