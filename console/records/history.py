"""A patient's past sessions: dose, pain before and after, side effects, so the next order is informed.

Ketamine for chronic pain is given as a series of infusions and boosters; whether it is working is the
trend of pain scores across them, and whether it is tolerated is the side effects. Sessions are found by
the patient's id (or MRN) in their `session.opened` event, then read back like any session record.
"""
from __future__ import annotations

from dataclasses import dataclass

from console.records.audit import AuditLog
from console.records.database import Database
from console.records.session_record import CANCELLED, CLOSING, OPENED, SIGNED_OFF, fold, given_mg


@dataclass(frozen=True)
class PastSession:
    session_id: str
    t: float
    status: str
    protocol: str
    kind: str  # the order's kind, e.g. infusion / bolus; "" when no order was placed
    given_mg: float
    given_mg_per_kg: float | None
    weight_kg: float | None
    pain_before: int | None
    pain_after: int | None
    side_effects: tuple[str, ...]

    @property
    def pain_change(self) -> int | None:
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before


@dataclass(frozen=True)
class PatientSummary:
    patient_id: object
    mrn: str
    name: str
    sessions: int
    last_t: float


def _opened(database: Database) -> list[tuple[str, float, dict]]:
    import json
    with database.lock:
        rows = database.conn.execute("SELECT session_id, t, payload FROM events WHERE kind = ? ORDER BY id",
                                     (OPENED,)).fetchall()
    return [(sid, t, json.loads(payload)) for sid, t, payload in rows]


def patients(database: Database) -> list[PatientSummary]:
    """Everyone with at least one session, most recently seen first."""
    found: dict[object, PatientSummary] = {}
    for _, t, p in _opened(database):
        key = p.get("patient_id", p.get("mrn"))
        prev = found.get(key)
        found[key] = PatientSummary(key, str(p.get("mrn", "")), str(p.get("name", "")),
                                    (prev.sessions if prev else 0) + 1, t)
    return sorted(found.values(), key=lambda s: -s.last_t)


def patient_history(database: Database, *, patient_id: object = None, mrn: str | None = None,
                    now: float | None = None) -> list[PastSession]:
    """The patient's sessions, oldest first. Give `patient_id` (preferred) or `mrn`."""
    if patient_id is None and mrn is None:
        raise ValueError("say whose history: patient_id or mrn")
    audit = AuditLog(database)
    out = []
    for sid, t, p in _opened(database):
        if patient_id is not None and p.get("patient_id") != patient_id:
            continue
        if patient_id is None and p.get("mrn") != mrn:
            continue
        record = fold(sid, audit.events(session_id=sid))
        mg = given_mg(record, now if now is not None else record.end_t)
        weight = record.weight_kg
        order = record.order or {}
        out.append(PastSession(sid, t, record.status, str(order.get("protocol_label") or order.get("protocol_id") or ""),
                               str(order.get("kind") or ""), mg, mg / weight if weight else None, weight,
                               record.pain_before, record.pain_after, tuple(record.side_effects)))
    return out


@dataclass(frozen=True)
class SessionListing:
    session_id: str
    t: float
    patient_id: object
    mrn: str
    name: str
    status: str


def recent_sessions(database: Database, limit: int = 50) -> list[SessionListing]:
    """The latest sessions, newest first, for the records screen (one indexed query, no folding)."""
    import json
    with database.lock:
        opened = database.conn.execute(
            "SELECT session_id, t, payload FROM events WHERE kind = ? ORDER BY id DESC LIMIT ?",
            (OPENED, limit)).fetchall()
        ids = [r[0] for r in opened]
        closing = dict(database.conn.execute(
            f"SELECT session_id, kind FROM events WHERE kind IN (?, ?) AND session_id IN "
            f"({','.join('?' * len(ids))})", (*CLOSING, *ids)).fetchall()) if ids else {}
    out = []
    for sid, t, payload in opened:
        p = json.loads(payload)
        status = {SIGNED_OFF: "signed off", CANCELLED: "cancelled"}.get(closing.get(sid), "open")
        out.append(SessionListing(sid, t, p.get("patient_id"), str(p.get("mrn", "")), str(p.get("name", "")),
                                  status))
    return out
