"""One session read back from the audit log as a record: what the report, exports, ledger and history show.

The session is event-sourced (console/session/event_kinds.py is the vocabulary); this module folds one
session's events into plain data that answers clinical-reference.md §5 "What a good session record
answers afterwards": who the patient was, the weight and order, who ordered and double-checked, every rate
change, the dose given, assessments and side effects, alarms and who acknowledged them, discharge scores,
pain before and after, and who signed what when. Corrections are applied on top of the original values,
and the record says so.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from console.records.audit import AuditEvent, AuditLog

# Event kinds, as defined in console/session/event_kinds.py.
OPENED = "session.opened"
WEIGHT_ACCEPTED = "session.weight_accepted"
CHECKLIST_ANSWERED = "session.checklist_answered"
CHECKLIST_ANSWER_CHANGED = "session.checklist_answer_changed"
CHECKLIST_OVERRIDDEN = "session.checklist_overridden"
CHECKLIST_COMPLETED = "session.checklist_completed"
ORDER_PLACED = "session.order_placed"
ORDER_WITHDRAWN = "session.order_withdrawn"
DOUBLE_CHECK_PASSED = "session.double_check_passed"
DOUBLE_CHECK_FAILED = "session.double_check_failed"
INFUSION_STARTED = "session.infusion_started"
INFUSION_PAUSED = "session.infusion_paused"
INFUSION_RESUMED = "session.infusion_resumed"
INFUSION_TITRATED = "session.infusion_titrated"
INFUSION_STOPPED = "session.infusion_stopped"
ASSESSMENT_RECORDED = "session.assessment_recorded"
DISCHARGE_STARTED = "session.discharge_started"
DISCHARGE_PAIN = "session.discharge_pain"
DISCHARGE_SCORE = "session.discharge_score"
DISCHARGE_SCORE_OVERRIDDEN = "session.discharge_score_overridden"
ESCORT_CONFIRMED = "session.escort_confirmed"
INSTRUCTIONS_ACKNOWLEDGED = "session.instructions_acknowledged"
SIGNED_OFF = "session.signed_off"
CANCELLED = "session.cancelled"
CORRECTED = "session.corrected"
CLOSING = (SIGNED_OFF, CANCELLED)

#: Alarm events are recorded by the alarm board ("alarm_start", "alarm_ack", ...).
ALARM_PREFIX = "alarm"

#: What each signature line in the report says the person did.
SIGNATURE_ROLES = {
    OPENED: "opened the session", WEIGHT_ACCEPTED: "accepted the dosing weight",
    CHECKLIST_COMPLETED: "completed the checklist", ORDER_PLACED: "placed the order",
    INFUSION_STARTED: "started the infusion",
    INFUSION_STOPPED: "stopped the infusion", DISCHARGE_STARTED: "began the discharge assessment",
    SIGNED_OFF: "signed the discharge", CANCELLED: "cancelled the session",
}


@dataclass(frozen=True)
class RateSegment:
    """The pump ran at `rate_ml_per_h` from `start` to `end` (end None = still running)."""

    start: float
    end: float | None
    rate_ml_per_h: float


#: RateChange.what values that change a running infusion's rate (not its start or stop).
RATE_CHANGE_KINDS = ("titrated", "paused", "resumed")


@dataclass(frozen=True)
class RateChange:
    t: float
    what: str  # started / titrated / paused / resumed / stopped
    rate_ml_per_h: float
    actor: str | None
    reason: str = ""


@dataclass
class Signature:
    t: float
    user: str
    role: str


@dataclass
class AlarmRecord:
    alarm_id: Any
    text: str
    priority: str
    started: float
    acknowledged_by: str | None = None
    acknowledged_t: float | None = None
    ended: float | None = None


@dataclass
class SessionRecord:
    session_id: str
    events: list[AuditEvent]
    opened_t: float | None = None
    closed_t: float | None = None
    status: str = "open"  # open / signed_off / cancelled
    patient: dict[str, Any] = field(default_factory=dict)
    weight: dict[str, Any] = field(default_factory=dict)
    checklist: dict[str, dict[str, Any]] = field(default_factory=dict)  # item -> latest answer (+override)
    #: hard-stop answers changed (session.checklist_answer_changed payloads + by, t), in order
    checklist_changes: list[dict[str, Any]] = field(default_factory=list)
    order: dict[str, Any] | None = None
    order_event: AuditEvent | None = None
    double_checks: list[dict[str, Any]] = field(default_factory=list)
    rate_changes: list[RateChange] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    discharge_pain: dict[str, Any] | None = None
    discharge_scores: list[dict[str, Any]] = field(default_factory=list)
    discharge: dict[str, Any] = field(default_factory=dict)
    signatures: list[Signature] = field(default_factory=list)
    alarms: list[AlarmRecord] = field(default_factory=list)
    corrections: list[AuditEvent] = field(default_factory=list)
    recorded_delivered_mg: float | None = None
    #: Alarm events recorded without a session id while this session was open (the board's own events).
    alarm_events: list[AuditEvent] = field(default_factory=list)

    # ---- derived figures ------------------------------------------------------------------------------
    @property
    def concentration_mg_per_ml(self) -> float | None:
        return None if self.order is None else float(self.order["concentration_mg_per_ml"])

    @property
    def weight_kg(self) -> float | None:
        if self.weight.get("weight_kg") is not None:
            return float(self.weight["weight_kg"])
        return None if self.order is None else float(self.order["weight_kg"])

    @property
    def drug_label(self) -> str:
        if self.order is None:
            return ""
        return str(self.order.get("drug_label") or self.order.get("drug_id") or "")

    def segments(self, until: float | None = None) -> list[RateSegment]:
        return rate_segments(self.rate_changes, until)

    def delivered_mg(self, until: float | None = None) -> float:
        """mg given: the rate history integrated over time, times the concentration (0 before an order).

        Capped at the order's volume, as the session computes it (console/session/infusion_clock.py): the
        pump is programmed with that volume and stops there even if nobody pressed stop.
        """
        conc = self.concentration_mg_per_ml
        if conc is None:
            return 0.0
        ml = delivered_ml(self.segments(until), until)
        cap = (self.order or {}).get("total_ml")
        return (min(ml, float(cap)) if cap is not None else ml) * conc

    def delivered_mg_per_kg(self, until: float | None = None) -> float | None:
        weight = self.weight_kg
        return None if not weight else self.delivered_mg(until) / weight

    @property
    def real_rate_changes(self) -> list[RateChange]:
        """Changes of a running infusion's rate (titrations, pauses, resumptions): what a report counts
        as "Rate changes". The infusion's start and stop are in `rate_changes` too but are not changes."""
        return [c for c in self.rate_changes if c.what in RATE_CHANGE_KINDS]

    @property
    def infusion_start(self) -> float | None:
        return next((c.t for c in self.rate_changes if c.what == "started"), None)

    @property
    def infusion_stop(self) -> float | None:
        return next((c.t for c in self.rate_changes if c.what == "stopped"), None)

    @property
    def pain_before(self) -> int | None:
        for answer in self.checklist.values():
            if answer.get("kind") == "pain":
                value = (answer.get("answer") or {}).get("nrs")
                if value is not None:
                    return int(value)
        if self.discharge_pain and self.discharge_pain.get("baseline_nrs") is not None:
            return int(self.discharge_pain["baseline_nrs"])
        return None

    @property
    def pain_after(self) -> int | None:
        if self.discharge_pain and self.discharge_pain.get("nrs") is not None:
            return int(self.discharge_pain["nrs"])
        return None

    @property
    def side_effects(self) -> list[str]:
        seen: list[str] = []
        for a in self.assessments:
            for effect in a.get("side_effects") or []:
                if effect not in seen:
                    seen.append(effect)
        return seen

    def all_events(self) -> list[AuditEvent]:
        """The session's own events and the untagged alarm events of its time, in recorded order."""
        return sorted([*self.events, *self.alarm_events], key=lambda e: e.id)

    def vitals_window(self) -> tuple[float, float | None]:
        """Which vitals belong to this session: from its opening to its close (no end while it is open,
        so an export of a running session has every sample recorded so far)."""
        start = self.opened_t if self.opened_t is not None else self.events[0].t
        return start, self.closed_t

    @property
    def end_t(self) -> float | None:
        return self.closed_t if self.closed_t is not None else (self.events[-1].t if self.events else None)


def rate_segments(changes: Iterable[RateChange], until: float | None = None) -> list[RateSegment]:
    """Running intervals from the rate history; a pause is a gap, a stop ends the last interval."""
    segments: list[RateSegment] = []
    current: tuple[float, float] | None = None  # (since, rate)
    for change in sorted(changes, key=lambda c: c.t):
        if until is not None and change.t > until:
            break
        if current is not None:
            segments.append(RateSegment(current[0], change.t, current[1]))
            current = None
        if change.what in ("started", "titrated", "resumed") and change.rate_ml_per_h > 0:
            current = (change.t, change.rate_ml_per_h)
    if current is not None:
        segments.append(RateSegment(current[0], until, current[1]))
    return segments


def delivered_ml(segments: Iterable[RateSegment], until: float | None = None) -> float:
    total = 0.0
    for s in segments:
        end = s.end if s.end is not None else until
        if end is None:
            continue
        total += s.rate_ml_per_h * max(0.0, end - s.start) / 3600.0
    return total


def given_mg(record: SessionRecord, now: float | None = None) -> float:
    """mg given: the figure the session recorded when the infusion stopped, else the rate history so far."""
    if record.recorded_delivered_mg is not None:
        return record.recorded_delivered_mg
    return record.delivered_mg(until=now if now is not None else time.time())


def load_session(audit: AuditLog, session_id: str) -> SessionRecord:
    """The session's record from its events (and the alarms raised while it was open)."""
    events = audit.events(session_id=session_id)
    if not events:
        raise KeyError(session_id)
    record = fold(session_id, events)
    record.alarms = _alarms(audit, record)
    return record


def fold(session_id: str, events: list[AuditEvent]) -> SessionRecord:
    record = SessionRecord(session_id=session_id, events=events)
    corrections: dict[int, dict[str, Any]] = {}
    for e in events:
        if e.kind == CORRECTED and e.refers_to is not None:
            corrections.setdefault(e.refers_to, {})[e.payload.get("field")] = e.payload.get("value")
            record.corrections.append(e)
    last_rate = 0.0
    for e in events:
        p = dict(e.payload)
        if e.id in corrections:
            p.update(corrections[e.id])
        if e.kind in SIGNATURE_ROLES and e.actor:
            record.signatures.append(Signature(e.t, e.actor, SIGNATURE_ROLES[e.kind]))
        if e.kind == OPENED:
            record.opened_t = e.t
            record.patient = p
        elif e.kind == WEIGHT_ACCEPTED:
            record.weight = {**p, "by": e.actor, "t": e.t}
        elif e.kind in (CHECKLIST_ANSWERED, CHECKLIST_ANSWER_CHANGED):
            item = p.get("item", "?")
            record.checklist[item] = {**p, "by": e.actor, "t": e.t, "event_id": e.id}
            if e.kind == CHECKLIST_ANSWER_CHANGED:  # a hard stop cleared: the report shows first answer, who, why
                record.checklist_changes.append({**p, "by": e.actor, "t": e.t, "event_id": e.id})
                record.signatures.append(Signature(e.t, e.actor or "?", f"changed the hard-stop answer to {item}"))
                if p.get("physician"):
                    record.signatures.append(Signature(e.t, p["physician"],
                                                       f"agreed to change the hard-stop answer to {item}"))
        elif e.kind == CHECKLIST_OVERRIDDEN:
            item = p.get("item", "?")
            entry = record.checklist.setdefault(item, {"item": item})
            entry["override"] = {"reason": p.get("reason"), "physician": p.get("physician") or e.actor,
                                 "t": e.t}
            record.signatures.append(Signature(e.t, p.get("physician") or e.actor or "?",
                                               f"overrode checklist item {item}"))
        elif e.kind == ORDER_PLACED:
            record.order = dict(p.get("order") or {})
            record.order["soft_reason"] = p.get("soft_reason")
            record.order["observation_min"] = p.get("observation_min")
            record.order["ordered_by"] = e.actor
            record.order["t"] = e.t
            record.order_event = e
        elif e.kind == ORDER_WITHDRAWN:
            record.order = None
            record.order_event = None
        elif e.kind in (DOUBLE_CHECK_PASSED, DOUBLE_CHECK_FAILED):
            record.double_checks.append({**p, "passed": e.kind == DOUBLE_CHECK_PASSED, "t": e.t})
            if e.kind == DOUBLE_CHECK_PASSED and p.get("checker"):
                record.signatures.append(Signature(e.t, p["checker"], "independently double-checked the rate"))
        elif e.kind == INFUSION_STARTED:
            last_rate = float(p.get("rate_ml_per_h", 0.0))
            record.rate_changes.append(RateChange(e.t, "started", last_rate, e.actor))
        elif e.kind == INFUSION_TITRATED:
            last_rate = float(p.get("rate_ml_per_h", 0.0))
            record.rate_changes.append(RateChange(e.t, "titrated", last_rate, e.actor, p.get("reason") or ""))
        elif e.kind == INFUSION_PAUSED:
            record.rate_changes.append(RateChange(e.t, "paused", 0.0, e.actor, p.get("reason") or ""))
        elif e.kind == INFUSION_RESUMED:
            last_rate = float(p.get("rate_ml_per_h", last_rate))
            record.rate_changes.append(RateChange(e.t, "resumed", last_rate, e.actor))
        elif e.kind == INFUSION_STOPPED:
            record.rate_changes.append(RateChange(e.t, "stopped", 0.0, e.actor, p.get("reason") or ""))
            if p.get("delivered_mg") is not None:
                record.recorded_delivered_mg = float(p["delivered_mg"])
        elif e.kind == ASSESSMENT_RECORDED:
            record.assessments.append({**p, "by": e.actor, "t": e.t, "event_id": e.id,
                                       "corrected": e.id in corrections})
        elif e.kind == DISCHARGE_PAIN:
            record.discharge_pain = {**p, "by": e.actor, "t": e.t}
        elif e.kind == DISCHARGE_SCORE:
            record.discharge_scores.append({**p, "by": e.actor, "t": e.t})
        elif e.kind == DISCHARGE_SCORE_OVERRIDDEN:
            record.discharge["score_override"] = {**p, "t": e.t}
            record.signatures.append(Signature(e.t, p.get("physician") or e.actor or "?",
                                               "allowed discharge below the minimum score"))
        elif e.kind == DISCHARGE_STARTED:
            record.discharge["started"] = {**p, "by": e.actor, "t": e.t}
        elif e.kind == ESCORT_CONFIRMED:
            record.discharge["escort"] = {**p, "by": e.actor, "t": e.t}
        elif e.kind == INSTRUCTIONS_ACKNOWLEDGED:
            record.discharge["instructions"] = {"by": e.actor, "t": e.t}
        elif e.kind in CLOSING:
            record.closed_t = e.t
            record.status = "signed_off" if e.kind == SIGNED_OFF else "cancelled"
            if e.kind == CANCELLED:
                record.discharge["cancel_reason"] = p.get("reason")
    return record


def _alarms(audit: AuditLog, record: SessionRecord) -> list[AlarmRecord]:
    """Alarm events of this session: tagged with its id, or untagged but raised while it was open."""
    start = record.opened_t if record.opened_t is not None else record.events[0].t
    end = record.end_t
    found: dict[Any, AlarmRecord] = {}
    for e in audit.events(after_id=record.events[0].id - 1, until_id=record.events[-1].id):
        if not e.kind.startswith(ALARM_PREFIX):
            continue
        if e.session_id not in (None, record.session_id):
            continue
        if e.session_id is None and (e.t < start or (end is not None and e.t > end)):
            continue
        if e.session_id is None:
            record.alarm_events.append(e)
        p = e.payload
        key = p.get("alarm_id", p.get("key"))
        alarm = found.get(key)
        if e.kind == "alarm_start" or alarm is None:
            if e.kind != "alarm_start" and alarm is None and key is None:
                continue
            alarm = found.setdefault(key, AlarmRecord(key, str(p.get("text", "")), str(p.get("priority", "")),
                                                      float(p.get("started", e.t))))
        if e.kind == "alarm_ack":
            alarm.acknowledged_by = e.actor or p.get("by")
            alarm.acknowledged_t = e.t
        elif e.kind == "alarm_end":
            alarm.ended = e.t
    return list(found.values())
