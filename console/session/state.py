"""The session's state as a pure fold over its events (see event_kinds.py for the vocabulary).

`fold(events)` gives the same state whether the events were just appended or replayed after a SIGKILL;
nothing here reads a clock. Questions that depend on the time (elapsed, remaining, overdue, delivered mg)
are methods that take `now`, and are answered from the recorded event times.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Iterable

from console.session import event_kinds as ek
from console.session.infusion_clock import Segment, delivered_ml, running_seconds, seconds_until_volume

PHASES = ("patient", "checklist", "order", "double_check", "infusion", "observation", "discharge", "closed")


@dataclass
class Answer:
    event_id: int
    t: float
    actor: str | None
    kind: str
    answer: dict[str, Any]
    passed: bool
    detail: str
    override: dict[str, Any] | None = None

    @property
    def settled(self) -> bool:
        return self.passed or self.override is not None


@dataclass
class SessionState:
    session_id: str | None = None
    phase: str = "patient"
    opened_t: float | None = None
    opened_by: str | None = None
    patient: dict[str, Any] = field(default_factory=dict)
    weight_kg: float | None = None
    weight_measured_on: str | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    order: dict[str, Any] | None = None
    order_event_id: int | None = None
    order_by: str | None = None
    order_t: float | None = None
    soft_reason: str | None = None
    observation_min: float = 0.0
    assessment_interval_min: float = 15.0
    double_checked_by: str | None = None
    double_check_failures: int = 0
    started_t: float | None = None
    paused: bool = False
    rate_ml_per_h: float | None = None
    segments: list[Segment] = field(default_factory=list)
    rate_history: list[dict[str, Any]] = field(default_factory=list)
    stopped_t: float | None = None
    assessments: list[dict[str, Any]] = field(default_factory=list)
    pump_mismatch: dict[str, dict[str, Any]] = field(default_factory=dict)
    discharge_started_t: float | None = None
    discharge_pain: dict[str, Any] | None = None
    discharge_scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    score_override: dict[str, Any] | None = None
    escort: str | None = None
    instructions_acknowledged: bool = False
    closed_t: float | None = None
    closed_reason: str | None = None
    corrections: list[dict[str, Any]] = field(default_factory=list)
    last_event_id: int = 0
    event_count: int = 0

    # --- questions answered from the record -------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self.phase == "closed"

    @property
    def started(self) -> bool:
        return self.started_t is not None

    @property
    def running(self) -> bool:
        return self.started and self.stopped_t is None and not self.paused

    @property
    def concentration(self) -> float:
        return float(self.order["concentration_mg_per_ml"]) if self.order else 0.0

    @property
    def volume_to_infuse_ml(self) -> float | None:
        return float(self.order["total_ml"]) if self.order else None

    @property
    def baseline_nrs(self) -> int | None:
        answer = self.answers.get("baseline_pain")
        return None if answer is None else answer.answer.get("nrs")

    @property
    def baseline_vitals(self) -> dict[str, Any] | None:
        answer = self.answers.get("baseline_vitals")
        return None if answer is None else answer.answer

    def infusion_seconds(self, now: float) -> float:
        """Time the pump has been running (pauses excluded)."""
        return running_seconds(self.segments, now)

    def delivered_ml(self, now: float) -> float:
        return delivered_ml(self.segments, now, self.volume_to_infuse_ml)

    def delivered_mg(self, now: float) -> float:
        return self.delivered_ml(now) * self.concentration

    def delivered_mg_per_kg(self, now: float) -> float:
        return self.delivered_mg(now) / self.weight_kg if self.weight_kg else 0.0

    def infusion_remaining_seconds(self, now: float) -> float | None:
        """Until the programmed volume is in at the current rate; None when paused, stopped or not started."""
        if not self.running or self.volume_to_infuse_ml is None:
            return None
        return seconds_until_volume(self.segments, now, self.volume_to_infuse_ml)

    def volume_complete(self, now: float) -> bool:
        return self.volume_to_infuse_ml is not None and self.started and (
            self.delivered_ml(now) >= self.volume_to_infuse_ml - 1e-6)

    def observation_remaining_seconds(self, now: float) -> float | None:
        if self.stopped_t is None:
            return None
        return max(0.0, self.stopped_t + self.observation_min * 60.0 - now)

    def next_assessment_due_t(self) -> float | None:
        """Assessments are due every interval from the start of the infusion until discharge begins."""
        if self.started_t is None or self.phase in ("discharge", "closed"):
            return None
        last = self.assessments[-1]["t"] if self.assessments else self.started_t
        return last + self.assessment_interval_min * 60.0

    def assessment_overdue_seconds(self, now: float) -> float:
        due = self.next_assessment_due_t()
        return max(0.0, now - due) if due is not None else 0.0

    def best_discharge_score(self) -> dict[str, Any] | None:
        scores = list(self.discharge_scores.values())
        return max(scores, key=lambda s: s["total"]) if scores else None

    def discharge_blockers(self) -> list[str]:
        """What still stands between this patient and sign-off, in words."""
        missing = []
        if self.discharge_pain is None:
            missing.append("reassess pain")
        best = self.best_discharge_score()
        if best is None:
            missing.append("score Aldrete or PADSS")
        elif not best["passed"] and self.score_override is None:
            missing.append(f"discharge score {best['total']} is below the minimum: physician override needed")
        if not self.escort:
            missing.append("confirm the escort")
        if not self.instructions_acknowledged:
            missing.append("discharge instructions acknowledged")
        return missing


def _apply_corrections(events: list[Any]) -> list[Any]:
    """Replace corrected fields in copies of the events they refer to; the originals stay in the log."""
    corrections = [e for e in events if e.kind == ek.CORRECTED and e.refers_to is not None]
    if not corrections:
        return events
    by_id = {}
    for c in corrections:
        by_id.setdefault(c.refers_to, []).append(c)
    out = []
    for e in events:
        if e.id in by_id:
            payload = dict(e.payload)
            for c in by_id[e.id]:
                payload[c.payload["field"]] = c.payload["value"]
            e = SimpleNamespace(id=e.id, t=e.t, kind=e.kind, session_id=e.session_id, actor=e.actor,
                                payload=payload, refers_to=e.refers_to)
        out.append(e)
    return out


def fold(events: Iterable[Any]) -> SessionState:
    """The state after these events, in order. Events of other sessions must not be passed in."""
    state = SessionState()
    for event in _apply_corrections(list(events)):
        apply(state, event)
    return state


def _close_segment(state: SessionState, t: float) -> None:
    if state.segments and state.segments[-1].end_t is None:
        last = state.segments[-1]
        state.segments[-1] = Segment(last.start_t, t, last.rate_ml_per_h)


def apply(state: SessionState, event: Any) -> SessionState:
    """Advance the state by one event. Unknown kinds are kept out of the fold but counted."""
    kind, p, t = event.kind, event.payload, event.t
    state.last_event_id = max(state.last_event_id, event.id)
    state.event_count += 1
    if kind == ek.OPENED:
        state.session_id = event.session_id
        state.phase = "patient"
        state.opened_t, state.opened_by = t, event.actor
        state.patient = {k: p.get(k) for k in ("patient_id", "mrn", "name", "dob", "allergies")}
    elif kind == ek.WEIGHT_ACCEPTED:
        state.weight_kg, state.weight_measured_on = float(p["weight_kg"]), p["measured_on"]
        state.phase = "checklist"
    elif kind in (ek.CHECKLIST_ANSWERED, ek.CHECKLIST_ANSWER_CHANGED):
        state.answers[p["item"]] = Answer(event.id, t, event.actor, p["kind"], dict(p["answer"]),
                                          bool(p["passed"]), p.get("detail", ""))
    elif kind == ek.CHECKLIST_OVERRIDDEN:
        answer = state.answers.get(p["item"])
        if answer is not None and answer.event_id == event.refers_to:
            answer.override = {"reason": p["reason"], "physician": p["physician"], "t": t, "by": event.actor}
    elif kind == ek.CHECKLIST_COMPLETED:
        state.phase = "order"
    elif kind == ek.ORDER_PLACED:
        state.order = dict(p["order"])
        state.order_event_id, state.order_by, state.order_t = event.id, event.actor, t
        state.soft_reason = p.get("soft_reason")
        state.observation_min = float(p["observation_min"])
        state.assessment_interval_min = float(p["assessment_interval_min"])
        state.double_checked_by = None
        state.double_check_failures = 0
        state.phase = "double_check"
    elif kind == ek.ORDER_WITHDRAWN:
        state.order = None
        state.order_event_id = state.order_by = None
        state.double_checked_by = None
        state.phase = "order"
    elif kind == ek.DOUBLE_CHECK_PASSED:
        state.double_checked_by = p["checker"]
        state.phase = "infusion"
    elif kind == ek.DOUBLE_CHECK_FAILED:
        state.double_check_failures += 1
    elif kind == ek.INFUSION_STARTED:
        state.started_t = t
        state.rate_ml_per_h = float(p["rate_ml_per_h"])
        state.segments.append(Segment(t, None, state.rate_ml_per_h))
        state.rate_history.append({"t": t, "rate_ml_per_h": state.rate_ml_per_h, "event": "start",
                                   "by": event.actor, "reason": None})
    elif kind == ek.INFUSION_PAUSED:
        _close_segment(state, t)
        state.paused = True
        state.rate_history.append({"t": t, "rate_ml_per_h": 0.0, "event": "pause", "by": event.actor,
                                   "reason": p.get("reason")})
    elif kind == ek.INFUSION_RESUMED:
        state.paused = False
        state.segments.append(Segment(t, None, state.rate_ml_per_h or 0.0))
        state.rate_history.append({"t": t, "rate_ml_per_h": state.rate_ml_per_h, "event": "resume",
                                   "by": event.actor, "reason": None})
    elif kind == ek.INFUSION_TITRATED:
        state.rate_ml_per_h = float(p["rate_ml_per_h"])
        if not state.paused and state.stopped_t is None:
            _close_segment(state, t)
            state.segments.append(Segment(t, None, state.rate_ml_per_h))
        state.rate_history.append({"t": t, "rate_ml_per_h": state.rate_ml_per_h, "event": "titrate",
                                   "by": event.actor, "reason": p.get("reason"),
                                   "rate_mg_per_kg_per_h": p.get("rate_mg_per_kg_per_h")})
    elif kind == ek.INFUSION_STOPPED:
        _close_segment(state, t)
        state.stopped_t = t
        state.paused = False
        state.phase = "observation"
        state.rate_history.append({"t": t, "rate_ml_per_h": 0.0, "event": "stop", "by": event.actor,
                                   "reason": p.get("reason")})
    elif kind == ek.PUMP_MISMATCH:
        state.pump_mismatch[p["metric"]] = {"t": t, **p}
    elif kind == ek.PUMP_MATCHED:
        state.pump_mismatch.pop(p["metric"], None)
    elif kind == ek.ASSESSMENT_RECORDED:
        state.assessments.append({"id": event.id, "t": t, "by": event.actor, **p})
    elif kind == ek.DISCHARGE_STARTED:
        state.discharge_started_t = t
        state.phase = "discharge"
    elif kind == ek.DISCHARGE_PAIN:
        state.discharge_pain = dict(p)
    elif kind == ek.DISCHARGE_SCORE:
        state.discharge_scores[p["scale"]] = dict(p)
    elif kind == ek.DISCHARGE_SCORE_OVERRIDDEN:
        state.score_override = {"t": t, **p}
    elif kind == ek.ESCORT_CONFIRMED:
        state.escort = p["escort"]
    elif kind == ek.INSTRUCTIONS_ACKNOWLEDGED:
        state.instructions_acknowledged = True
    elif kind in (ek.SIGNED_OFF, ek.CANCELLED):
        state.closed_t = t
        state.closed_reason = "signed off" if kind == ek.SIGNED_OFF else p.get("reason")
        state.phase = "closed"
    elif kind == ek.CORRECTED:
        state.corrections.append({"t": t, "by": event.actor, "refers_to": event.refers_to, **p})
    return state
