"""Reads across chairs: patient search, a patient's series history and the day's ledger from the clinic
records server, with this chair's own records as the fallback when the server cannot be reached.

The server's rows of the sessions asked about are copied into a private in-memory database with the local
schema (ids renumbered, since each chair counts its own), and the same code that reads a chair's file
(history.patient_history, Ledger.daily_report) reads it: one set of rules, whichever records it sees.
Every answer says where it came from: `CLINIC` or `OFFLINE` ("offline: this chair's records only").
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

import psycopg

from console.records.database import Database
from console.records.migrations import migrate
from console.records.replication import OFFLINE_NOTE, ServerSettings

CLINIC = "clinic records server: all chairs"
OFFLINE = OFFLINE_NOTE
T = TypeVar("T")

_EVENT_COLS = "console_id, id, t, kind, session_id, actor, payload, refers_to, prev_hash, hash"


@dataclass(frozen=True)
class Answer(Generic[T]):
    value: T
    source: str  # CLINIC or OFFLINE
    reason: str = ""  # why offline

    @property
    def offline(self) -> bool:
        return self.source == OFFLINE


def with_fallback(settings: ServerSettings | None, from_server: Callable[[psycopg.Connection], T],
                  from_local: Callable[[], T]) -> Answer[T]:
    """`from_server` on the clinic server when it is configured and answers, else `from_local`, labelled."""
    if settings is None:
        return Answer(from_local(), OFFLINE, "no records server configured")
    try:
        with psycopg.connect(settings.conninfo()) as conn:
            return Answer(from_server(conn), CLINIC)
    except psycopg.Error as exc:
        return Answer(from_local(), OFFLINE, " ".join(str(exc).split())[:200])


def _view(conn: psycopg.Connection, session_ids: list[str]) -> Database:
    """The server's events and ledger rows of these sessions in a private local-schema database."""
    mem = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    migrate(mem)
    db = Database(Path(":memory:"), mem)
    if not session_ids:
        return db
    events = conn.execute(f"SELECT {_EVENT_COLS} FROM events WHERE session_id = ANY(%s) ORDER BY t, console_id, id",
                          (session_ids,)).fetchall()
    new_id: dict[tuple[str, int], int] = {}
    with db.write() as c:
        for n, (cid, id_, t, kind, sid, actor, payload, refers_to, prev_hash, hash_) in enumerate(events, 1):
            new_id[(cid, id_)] = n
            ref = new_id.get((cid, refers_to)) if refers_to is not None else None
            c.execute("INSERT INTO events (id, t, kind, session_id, actor, payload, refers_to, prev_hash, hash) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (n, t, kind, sid, actor, payload, ref, prev_hash, hash_))
        draw_ids: dict[tuple[str, int], int] = {}
        for table, cols in (("ledger_draws", "t, session_id, drug, concentration_mg_per_ml, lot, expiry, volume_ml, "
                                             "amount_mg, drawn_by"),
                            ("ledger_waste", "t, session_id, draw_id, volume_ml, amount_mg, wasted_by, witness, "
                                             "reason"),
                            ("ledger_reconciliations", "t, session_id, drawn_mg, given_mg, wasted_mg, "
                                                       "discrepancy_mg, balanced, reconciled_by")):
            rows = conn.execute(f"SELECT console_id, id, event_id, {cols} FROM {table} WHERE session_id = ANY(%s) "
                                f"ORDER BY t, console_id, id", (session_ids,)).fetchall()
            names = [c.strip() for c in cols.split(",")]
            for cid, id_, event_id, *values in rows:
                if table == "ledger_waste":
                    values[names.index("draw_id")] = draw_ids[(cid, values[names.index("draw_id")])]
                marks = ", ".join("?" * (len(names) + 1))
                rowid = c.execute(f"INSERT INTO {table} (event_id, {cols}) VALUES ({marks})",
                                  (new_id[(cid, event_id)], *values)).lastrowid
                if table == "ledger_draws":
                    draw_ids[(cid, id_)] = rowid
    return db


def patient_history(settings: ServerSettings | None, local: Database, *, mrn: str,
                    local_patient_id: object = None) -> Answer[list]:
    """A patient's sessions at every chair, oldest first (history.PastSession)."""
    from console.records import history

    def server(conn: psycopg.Connection) -> list:
        sids = [r[0] for r in conn.execute(
            "SELECT session_id FROM events WHERE kind = 'session.opened' AND payload::jsonb->>'mrn' = %s "
            "ORDER BY t", (mrn,)).fetchall()]
        view = _view(conn, sids)
        try:
            return history.patient_history(view, mrn=mrn)
        finally:
            view.close()

    def offline() -> list:
        if local_patient_id is not None:
            return history.patient_history(local, patient_id=local_patient_id)
        return history.patient_history(local, mrn=mrn)
    return with_fallback(settings, server, offline)


def find_patients(settings: ServerSettings | None, local: Database, text: str, limit: int = 20) -> Answer[list]:
    """Patients whose MRN is `text` or whose name contains it: the clinic's register, else this chair's."""
    from console.records.people import PeopleStore
    cols = ("mrn", "name", "dob", "allergies")

    def server(conn: psycopg.Connection) -> list[dict[str, Any]]:
        rows = conn.execute("SELECT mrn, name, dob, allergies FROM patients WHERE mrn = %s OR name ILIKE %s "
                            "ORDER BY name LIMIT %s", (text.strip(), f"%{text.strip()}%", limit)).fetchall()
        return [dict(zip(cols, r)) for r in rows]

    def offline() -> list[dict[str, Any]]:
        return [{c: p[c] for c in cols} for p in PeopleStore(local).find_patients(text, limit)]
    return with_fallback(settings, server, offline)


def patient_record(settings: ServerSettings, mrn: str) -> dict[str, Any] | None:
    """One patient as the clinic server holds them, with every chair's weights and the console that first
    recorded them; None when the server does not know the MRN. Raises psycopg.Error when unreachable
    (call it off the screen's thread)."""
    with psycopg.connect(settings.conninfo()) as conn:
        row = conn.execute("SELECT mrn, name, dob, allergies, created_t, created_by, console_id FROM patients "
                           "WHERE mrn = %s", (mrn,)).fetchone()
        if row is None:
            return None
        weights = conn.execute("SELECT weight_kg, measured_on, recorded_t, recorded_by, console_id FROM weights "
                               "WHERE mrn = %s ORDER BY recorded_t, console_id, id", (mrn,)).fetchall()
    keys = ("mrn", "name", "dob", "allergies", "created_t", "created_by", "from_console")
    record = dict(zip(keys, row))
    record["weights"] = [dict(zip(("weight_kg", "measured_on", "recorded_t", "recorded_by", "console_id"), w))
                         for w in weights]
    return record


def daily_ledger(settings: ServerSettings | None, local: Database, day: date) -> Answer:
    """The day's controlled-substance ledger across every chair (ledger.DailyLedger)."""
    from console.records.ledger import Ledger
    from console.records.session_record import INFUSION_STARTED

    def server(conn: psycopg.Connection):
        start = datetime.combine(day, datetime.min.time()).astimezone()
        since, until = start.timestamp(), (start + timedelta(days=1)).timestamp()
        sids = [r[0] for r in conn.execute(
            "SELECT session_id FROM ledger_draws WHERE t >= %s AND t < %s UNION "
            "SELECT session_id FROM ledger_waste WHERE t >= %s AND t < %s UNION "
            "SELECT session_id FROM events WHERE kind = %s AND t >= %s AND t < %s",
            (since, until, since, until, INFUSION_STARTED, since, until)).fetchall()]
        view = _view(conn, sids)
        try:
            return Ledger(view).daily_report(day)
        finally:
            view.close()
    return with_fallback(settings, server, lambda: Ledger(local).daily_report(day))
