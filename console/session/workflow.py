"""The session's rules: each nurse action is checked against the state, appended to the audit log, folded.

`ClinicalSession` is the only writer of session events. An action first validates against the current
state and the clinic's data, then appends its event (durable before this returns), then folds it into the
state: so what the screen shows as done is on disk. `now` is always a parameter; the event's time is `now`,
and every clock is later computed from those recorded times.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Protocol

from console.session import event_kinds as ek
from console.session.config import Config
from console.session.dose import DoseError, check_weight, compute_order, compute_rate, fmt
from console.session.rules import action_reasons, draw_before_start, hard_stop_change, plausible_numbers
from console.session.errors import (DoubleCheckMismatch, HardStop, NeedsConfirmation, NeedsReason, ReadOnly,
                                    SessionError, WrongPhase)
from console.session.staff import Clinician
from console.session.state import SessionState, apply, fold
from console.session.bedside import no_devices
from console.session.rules.alarm_gate import alarm_gate, blocking_alarms
from console.session.rules.interlock_hold import interlock_hold
from console.session.rules.discharge_criteria import contradicted, discharge_criteria, measured_scores
from console.session.rules.rules_config import default_rules
from console.session.rules.verdict import NeedsOverride, Verdict


class EventLog(Protocol):
    """What the session needs from console.records.audit.AuditLog."""

    def append(self, kind: str, payload: dict, *, actor: str | None = None, session_id: str | None = None,
               refers_to: int | None = None, t: float | None = None) -> Any: ...

    def events(self, *, session_id: str | None = None, kinds: Iterable[str] | None = None,
               after_id: int = 0) -> list[Any]: ...


@dataclass(frozen=True)
class PatientRef:
    patient_id: int
    mrn: str
    name: str
    dob: str
    allergies: str = ""


def open_session_ids(log: EventLog) -> list[str]:
    """Sessions that were opened and neither signed off nor cancelled, oldest first."""
    opened: dict[str, float] = {}
    for e in log.events(kinds=[ek.OPENED, *ek.CLOSING]):
        if e.kind == ek.OPENED:
            opened[e.session_id] = e.t
        else:
            opened.pop(e.session_id, None)
    return sorted(opened, key=opened.get)


def _date_of(t: float) -> date:
    """The calendar date at the bedside (the machine's local time zone), the date nurses write down."""
    return datetime.fromtimestamp(t).date()


def _reason(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise NeedsReason(f"write a reason for {what}")
    return text.strip()


class ClinicalSession:
    def __init__(self, log: EventLog, config: Config, session_id: str, events: list[Any] | None = None) -> None:
        self.log, self.config, self.session_id = log, config, session_id
        self.events = list(events) if events is not None else log.events(session_id=session_id)
        self.state: SessionState = fold(self.events)
        #: Called with each event after it is durable (the alarm engine listens for pump mismatches).
        self.listeners: list = []
        #: Checks other parts add before sign-off, each `(session_id, delivered_mg, now) -> problem or None`
        #: (the controlled-substance ledger must balance before a session closes).
        self.sign_off_checks: list = []
        #: The bed now (active alarms, latest values): the desk hands in the alarm engine's and the hub's.
        self.bedside = no_devices
        self.rules = default_rules()

    # --- opening and resuming -----------------------------------------------------------------------
    @classmethod
    def open(cls, log: EventLog, config: Config, patient: PatientRef, *, by: Clinician, now: float
             ) -> "ClinicalSession":
        if open_session_ids(log):
            raise SessionError("another session is still open on this console; finish or cancel it first")
        session = cls(log, config, uuid.uuid4().hex, events=[])
        session._append(ek.OPENED, {"patient_id": patient.patient_id, "mrn": patient.mrn, "name": patient.name,
                                    "dob": patient.dob, "allergies": patient.allergies}, by=by, now=now)
        return session

    @classmethod
    def resume_open(cls, log: EventLog, config: Config) -> "ClinicalSession | None":
        """The open session after a restart, its state replayed from the log; None when there is none."""
        ids = open_session_ids(log)
        return cls(log, config, ids[-1]) if ids else None

    # --- plumbing -----------------------------------------------------------------------------------
    def _append(self, kind: str, payload: dict, *, by: Clinician, now: float, refers_to: int | None = None):
        event = self.log.append(kind, payload, actor=by.username, session_id=self.session_id,
                                refers_to=refers_to, t=now)
        self.events.append(event)
        if kind == ek.CORRECTED:
            self._refold()
        else:
            apply(self.state, event)
        for listener in list(self.listeners):
            listener(event)
        return event

    def _refold(self) -> None:
        self.state = fold(self.events)

    def _require(self, *phases: str) -> None:
        if self.state.closed:
            raise ReadOnly("this session is closed; only corrections can be added")
        if self.state.phase not in phases:
            raise WrongPhase(f"this belongs to the {' or '.join(phases)} step; the session is at "
                             f"{self.state.phase}")

    def _second_person(self, other: Clinician, by: Clinician, what: str, roles: tuple[str, ...]) -> None:
        if other.username == by.username:
            raise HardStop(f"{what} needs a second person: a different colleague must enter their PIN")
        if other.role not in roles:
            raise HardStop(f"{what} needs a {' or '.join(roles)}; {other.name} is {other.role}")

    # --- patient --------------------------------------------------------------------------------------
    def accept_weight(self, weight_kg: float, measured_on: date, *, previous_kg: float | None,
                      confirm_change: bool = False, by: Clinician, now: float) -> None:
        self._require("patient")
        clinic = self.config.clinic
        weight_kg = plausible_numbers.read("weight_kg", weight_kg, self.config)  # the typed value, unclipped
        try:
            check_weight(weight_kg, clinic)
        except DoseError as exc:
            raise HardStop(str(exc)) from None
        age_days = (_date_of(now) - measured_on).days
        if age_days < 0:
            raise HardStop("the weight's date is in the future; check the date measured")
        if age_days > clinic.weight_max_age_days:
            raise HardStop(f"this weight is {age_days} days old; the clinic allows "
                           f"{fmt(clinic.weight_max_age_days)} days: weigh the patient today")
        change = abs(weight_kg - previous_kg) / previous_kg if previous_kg else None
        if change is not None and change > clinic.weight_change_confirm_fraction and not confirm_change:
            raise NeedsConfirmation(f"weight changed by {change * 100:.0f} % since the last visit "
                                    f"({fmt(previous_kg, 1)} kg -> {fmt(weight_kg, 1)} kg): weigh again or "
                                    "confirm the new weight")
        self._append(ek.WEIGHT_ACCEPTED, {"weight_kg": float(weight_kg), "measured_on": measured_on.isoformat(),
                                          "previous_kg": previous_kg, "change_fraction": change,
                                          "change_confirmed": bool(confirm_change and change is not None and
                                                                   change > clinic.weight_change_confirm_fraction)},
                     by=by, now=now)

    # --- checklist ------------------------------------------------------------------------------------
    def answer(self, item_id: str, *, by: Clinician, now: float, change_reason: str | None = None,
               physician: Clinician | None = None, **answer: Any) -> bool:
        """Record one checklist answer; returns whether it passed. The kind decides which fields are needed:
        confirm/absent: value=bool; npo: last_food_t, last_clear_fluid_t; vitals: systolic, diastolic,
        hr, spo2, source; pain: nrs. Clearing a failed hard-stop answer needs `change_reason` (and, for
        items so marked, `physician`): rules/hard_stop_change.py."""
        self._require("checklist")
        try:
            item = self.config.checklist_item(item_id)
        except KeyError as exc:
            raise SessionError(str(exc.args[0])) from None
        clinic = self.config.clinic
        if item.kind in ("confirm", "absent"):
            value = answer.get("value")
            if not isinstance(value, bool):
                raise SessionError(f"answer yes or no to: {item.text}")
            passed = value if item.kind == "confirm" else not value
            detail = ("confirmed" if value else "not confirmed") if item.kind == "confirm" else (
                "reported present" if value else "not present")
            record = {"value": value}
        elif item.kind == "npo":
            food, fluid = answer.get("last_food_t"), answer.get("last_clear_fluid_t")
            if food is None or fluid is None:
                raise SessionError("enter the time of the last food and of the last clear fluid")
            if food > now or fluid > now:
                raise SessionError("a last food or drink time is in the future; check the time")
            food_h, fluid_h = (now - food) / 3600.0, (now - fluid) / 3600.0
            passed = food_h >= clinic.npo_food_min_hours and fluid_h >= clinic.npo_clear_fluids_min_hours
            detail = (f"food {food_h:.1f} h ago (minimum {fmt(clinic.npo_food_min_hours)} h), clear fluid "
                      f"{fluid_h:.1f} h ago (minimum {fmt(clinic.npo_clear_fluids_min_hours)} h)")
            record = {"last_food_t": food, "last_clear_fluid_t": fluid, "food_hours": round(food_h, 2),
                      "clear_fluid_hours": round(fluid_h, 2)}
        elif item.kind == "vitals":
            sys_, dia = answer.get("systolic"), answer.get("diastolic")
            if not isinstance(sys_, (int, float)) or not isinstance(dia, (int, float)) or not 30 <= dia < sys_ <= 300:
                raise SessionError("enter a plausible blood pressure (systolic above diastolic, mmHg)")
            passed = sys_ <= clinic.bp_systolic_max and dia <= clinic.bp_diastolic_max
            detail = (f"BP {fmt(sys_, 0)}/{fmt(dia, 0)} mmHg "
                      f"{'within' if passed else 'above'} the pre-dose gate {clinic.bp_gate_name}")
            record = {"systolic": sys_, "diastolic": dia, "hr": answer.get("hr"), "spo2": answer.get("spo2"),
                      "source": answer.get("source", "entered")}
        else:
            nrs = answer.get("nrs")
            scales = self.config.scales
            if not isinstance(nrs, int) or not scales.nrs_min <= nrs <= scales.nrs_max:
                raise SessionError(f"choose a pain score from {scales.nrs_min} to {scales.nrs_max}")
            passed, detail, record = True, f"baseline pain {nrs}/10", {"nrs": nrs}
        previous = self.state.answers.get(item.id)
        refusal = hard_stop_change.problem(item, previous, passed, reason=change_reason, physician=physician,
                                           by=by)
        if refusal is not None:
            raise (NeedsReason if not (change_reason or "").strip() else HardStop)(refusal)
        payload = {"item": item.id, "kind": item.kind, "answer": record, "passed": passed, "detail": detail}
        if hard_stop_change.needs_justification(item, previous, passed):
            payload.update(hard_stop_change.change_record(previous, reason=change_reason, physician=physician))
            self._append(ek.CHECKLIST_ANSWER_CHANGED, payload, by=by, now=now, refers_to=previous.event_id)
        else:
            self._append(ek.CHECKLIST_ANSWERED, payload, by=by, now=now)
        return passed

    def override(self, item_id: str, reason: str, *, physician: Clinician, by: Clinician, now: float) -> None:
        """A physician (a different person, PIN entered) accepts a failed overridable item with a reason."""
        self._require("checklist")
        item = self.config.checklist_item(item_id)
        answer = self.state.answers.get(item_id)
        if answer is None or answer.passed:
            raise SessionError(f"'{item.text}' has not failed; nothing to override")
        if item.stop == "hard":
            raise HardStop(f"'{item.text}' is a hard stop and cannot be overridden; the infusion cannot go "
                           "ahead today")
        reason = _reason(reason, "the override")
        self._second_person(physician, by, "an override", ("physician",))
        self._append(ek.CHECKLIST_OVERRIDDEN, {"item": item_id, "reason": reason, "physician": physician.username},
                     by=by, now=now, refers_to=answer.event_id)

    def checklist_open_items(self) -> list[str]:
        """Items not yet answered, or failed and not overridden, in checklist order."""
        return [i.id for i in self.config.checklist
                if i.id not in self.state.answers or not self.state.answers[i.id].settled]

    def complete_checklist(self, *, by: Clinician, now: float) -> None:
        self._require("checklist")
        texts = {i.id: i.text for i in self.config.checklist}
        open_items = self.checklist_open_items()
        failed = [i for i in open_items if i in self.state.answers]
        hard = [i for i in failed if self.config.checklist_item(i).stop == "hard"]
        if hard:
            raise HardStop("hard stop: " + "; ".join(texts[i] for i in hard) +
                           ". The infusion cannot go ahead; cancel the session")
        unanswered = [i for i in open_items if i not in self.state.answers]
        if unanswered:
            raise SessionError("still to answer: " + "; ".join(texts[i] for i in unanswered))
        if failed:
            raise SessionError("needs a physician override: " + "; ".join(texts[i] for i in failed))
        self._append(ek.CHECKLIST_COMPLETED, {}, by=by, now=now)

    # --- order and double check --------------------------------------------------------------------------
    def preview_order(self, protocol_id: str, *, amount: float | None = None, concentration: float | None = None,
                      duration_min: float | None = None):
        if self.state.weight_kg is None:
            raise SessionError("accept the patient's weight first")
        amount, concentration, duration_min = self._plausible_order_entries(protocol_id, amount, concentration,
                                                                            duration_min)
        try:
            return compute_order(self.config, protocol_id, self.state.weight_kg, amount=amount,
                                 concentration=concentration, duration_min=duration_min)
        except DoseError as exc:
            raise HardStop(str(exc)) from None

    def _plausible_order_entries(self, protocol_id, amount, concentration, duration_min):
        """Every typed number of the order through the plausible-numbers rule (None = the protocol's default)."""
        try:
            kind = self.config.protocol(protocol_id).kind
        except KeyError as exc:
            raise SessionError(str(exc.args[0])) from None
        read = plausible_numbers.read
        return (None if amount is None else read("dose_mg_per_kg" if kind == "dose" else "rate_mg_per_kg_per_h",
                                                 amount),
                None if concentration is None else read("concentration_mg_per_ml", concentration),
                None if duration_min is None else read("duration_min", duration_min))

    def place_order(self, protocol_id: str, *, amount: float | None = None, concentration: float | None = None,
                    duration_min: float | None = None, soft_reason: str | None = None, by: Clinician,
                    now: float) -> None:
        self._require("order")
        order = self.preview_order(protocol_id, amount=amount, concentration=concentration,
                                   duration_min=duration_min)
        if order.refused:
            raise HardStop("cannot be ordered: " + "; ".join(v.message for v in order.verdicts if v.level == "hard"))
        if order.needs_reason:
            soft_reason = _reason(soft_reason, "going past a soft limit (" + "; ".join(
                v.message for v in order.problems) + ")")
        protocol = self.config.protocol(protocol_id)
        self._append(ek.ORDER_PLACED, {"order": order.to_dict(), "soft_reason": soft_reason if order.needs_reason
                                       else None, "observation_min": protocol.observation_min,
                                       "assessment_interval_min": protocol.assessment_interval_min}, by=by, now=now)

    def withdraw_order(self, reason: str, *, by: Clinician, now: float) -> None:
        self._require("double_check", "infusion")
        if self.state.started:
            raise WrongPhase("the infusion has started; stop it instead of withdrawing the order")
        self._append(ek.ORDER_WITHDRAWN, {"reason": _reason(reason, "withdrawing the order")}, by=by, now=now,
                     refers_to=self.state.order_event_id)

    def double_check(self, entered_rate_ml_per_h: float, *, checker: Clinician, now: float) -> None:
        """The second clinician's own calculation; it must match the programmed rate to the pump's step."""
        self._require("double_check")
        orderer = Clinician(self.state.order_by or "", self.state.order_by or "", "nurse")
        self._second_person(checker, orderer, "the double check", ("nurse", "physician"))
        entered_rate_ml_per_h = plausible_numbers.read("rate_ml_per_h", entered_rate_ml_per_h)
        ordered = float(self.state.order["rate_ml_per_h"])
        step = float(self.state.order["pump_resolution_ml_per_h"])
        payload = {"checker": checker.username, "entered_rate_ml_per_h": float(entered_rate_ml_per_h),
                   "ordered_rate_ml_per_h": ordered}
        if abs(float(entered_rate_ml_per_h) - ordered) < step / 2:
            self._append(ek.DOUBLE_CHECK_PASSED, payload, by=checker, now=now, refers_to=self.state.order_event_id)
            return
        self._append(ek.DOUBLE_CHECK_FAILED, payload, by=checker, now=now, refers_to=self.state.order_event_id)
        raise DoubleCheckMismatch(f"the second calculation ({fmt(entered_rate_ml_per_h, 1)} mL/h) does not match "
                                  "the order; the infusion cannot start. Recalculate together, or withdraw the "
                                  "order")

    # --- infusion -----------------------------------------------------------------------------------------
    def start(self, *, by: Clinician, now: float, physician: Clinician | None = None,
              reason: str | None = None) -> None:
        self._require("infusion")
        if self.state.started:
            raise SessionError("the infusion is already started")
        if self.state.double_checked_by is None:
            raise HardStop("the independent double check has not passed")
        self.check_drawn(now)
        self._pass_alarm_gate("start", by=by, now=now, physician=physician, reason=reason)
        self._append(ek.INFUSION_STARTED, {"rate_ml_per_h": float(self.state.order["rate_ml_per_h"])},
                     by=by, now=now)

    def draw_problem(self, now: float) -> str | None:
        """The draw-before-start verdict in words (None: the draws cover the order); the screen shows it."""
        if self.state.order is None:
            return None
        ledger = self.log.events(session_id=self.session_id,
                                 kinds=[draw_before_start.DRAWN, draw_before_start.WASTED])
        drug = self.config.drugs[self.state.order["drug_id"]].drug
        return draw_before_start.problem(self.state.order, drug, ledger, _date_of(now))

    def check_drawn(self, now: float) -> None:
        refusal = self.draw_problem(now)
        if refusal is not None:
            raise HardStop(refusal)

    def _require_started(self) -> None:
        self._require("infusion")
        if not self.state.started:
            raise WrongPhase("start the infusion first")

    def pause(self, reason: str = "", *, by: Clinician, now: float) -> None:
        """Pausing and stopping never wait for typing: in a hurry the reason may come later (as a note)."""
        self._require_started()
        if self.state.paused:
            raise SessionError("the infusion is already paused")
        self._append(ek.INFUSION_PAUSED, {"reason": action_reasons.recorded("pause", reason)}, by=by, now=now)

    def resume(self, *, by: Clinician, now: float, physician: Clinician | None = None,
               reason: str | None = None) -> None:
        self._require_started()
        if not self.state.paused:
            raise SessionError("the infusion is not paused")
        self._pass_alarm_gate("resume", by=by, now=now, physician=physician, reason=reason)
        self._append(ek.INFUSION_RESUMED, {"rate_ml_per_h": self.state.rate_ml_per_h}, by=by, now=now)

    def preview_titration(self, mg_per_kg_per_h: float):
        mg_per_kg_per_h = plausible_numbers.read("rate_mg_per_kg_per_h", mg_per_kg_per_h)
        entry = self.config.drugs[self.state.order["drug_id"]]
        try:
            return compute_rate(entry, self.state.weight_kg, mg_per_kg_per_h)
        except DoseError as exc:
            raise HardStop(str(exc)) from None

    def titrate(self, mg_per_kg_per_h: float, reason: str, *, soft_reason: str | None = None, by: Clinician,
                now: float, physician: Clinician | None = None, override_reason: str | None = None) -> None:
        self._require_started()
        change = self.preview_titration(mg_per_kg_per_h)
        mg_per_kg_per_h = change.rate_mg_per_kg_per_h
        if change.verdict.level == "hard":
            raise HardStop(change.verdict.message)
        if (refusal := action_reasons.problem("rate change", reason)) is not None:
            raise NeedsReason(refusal)
        reason = reason.strip()
        if change.verdict.level == "soft":
            soft_reason = _reason(soft_reason, f"going past a soft limit ({change.verdict.message})")
        if change.rate_ml_per_h > (self.state.rate_ml_per_h or 0.0):
            self._pass_alarm_gate("raise", by=by, now=now, physician=physician, reason=override_reason)
        self._append(ek.INFUSION_TITRATED, {
            "rate_ml_per_h": change.rate_ml_per_h, "previous_rate_ml_per_h": self.state.rate_ml_per_h,
            "rate_mg_per_kg_per_h": mg_per_kg_per_h, "reason": reason, "verdict": change.verdict.level,
            "soft_reason": soft_reason if change.verdict.level == "soft" else None}, by=by, now=now)

    def stop(self, reason: str = "", *, by: Clinician, now: float) -> None:
        self._require_started()
        mg = self.state.delivered_mg(now)
        self._append(ek.INFUSION_STOPPED, {"reason": action_reasons.recorded("stop", reason), "delivered_mg": round(mg, 4),
                                           "delivered_mg_per_kg": round(mg / self.state.weight_kg, 5)},
                     by=by, now=now)

    def pump_reading(self, *, now: float, rate_ml_per_h: float | None = None,
                     volume_infused_ml: float | None = None, by: Clinician) -> list[str]:
        """Compare a connected pump with the order; appends an event only when agreement changes.

        Returns the metrics currently in mismatch. The pump's volume counter is assumed to start at 0 when
        this infusion started (the nurse clears it when programming)."""
        if self.state.closed or not self.state.started:
            return []
        clinic = self.config.clinic
        expected_rate = self.state.rate_ml_per_h if self.state.running else 0.0
        checks = []
        if rate_ml_per_h is not None:
            tol = max(clinic.pump_rate_tolerance_ml_per_h, clinic.pump_rate_tolerance_fraction * expected_rate)
            checks.append(("rate", expected_rate, float(rate_ml_per_h), tol))
        if volume_infused_ml is not None:
            expected_ml = self.state.delivered_ml(now)
            tol = max(clinic.pump_volume_tolerance_ml, clinic.pump_volume_tolerance_fraction * expected_ml)
            checks.append(("volume_infused", expected_ml, float(volume_infused_ml), tol))
        for metric, expected, actual, tol in checks:
            bad = abs(actual - expected) > tol + 1e-9
            was_bad = metric in self.state.pump_mismatch
            if bad and not was_bad:
                self._append(ek.PUMP_MISMATCH, {"metric": metric, "expected": round(expected, 3),
                                                "actual": actual, "tolerance": round(tol, 3)}, by=by, now=now)
            elif was_bad and not bad:
                self._append(ek.PUMP_MATCHED, {"metric": metric, "expected": round(expected, 3), "actual": actual},
                             by=by, now=now)
        return sorted(self.state.pump_mismatch)

    # --- assessments (infusion and observation) ----------------------------------------------------------
    def assess(self, *, nrs: int | None, sedation_scale: str = "rass", sedation_score: int | None = None,
               side_effects: Iterable[str] = (), cadss6: dict[int, int] | None = None, note: str = "",
               by: Clinician, now: float) -> None:
        self._require("infusion", "observation", "discharge")
        if not self.state.started:
            raise WrongPhase("assessments begin when the infusion starts")
        scales = self.config.scales
        # Every item is answered on purpose: a preset "alert and calm" would be recorded unless changed.
        if not (isinstance(nrs, int) and scales.nrs_min <= nrs <= scales.nrs_max):
            raise SessionError(f"choose a pain score from {scales.nrs_min} to {scales.nrs_max}")
        if sedation_scale not in scales.sedation:
            raise SessionError(f"unknown sedation scale {sedation_scale!r}")
        levels = {c.score for c in scales.sedation[sedation_scale][1]}
        if sedation_score is None:
            raise SessionError(f"choose the {scales.sedation[sedation_scale][0]} sedation level")
        if sedation_score not in levels:
            raise SessionError(f"{scales.sedation[sedation_scale][0]} has no level {sedation_score}")
        known = {sid for sid, _ in scales.side_effects}
        effects = list(side_effects)
        if set(effects) - known:
            raise SessionError(f"unknown side effect {sorted(set(effects) - known)[0]!r}")
        items = {c.score for c in scales.cadss_items}
        if cadss6 is not None:
            cadss6 = {int(k): v for k, v in cadss6.items()}
            if set(cadss6) != items or any(not (isinstance(v, int) and 0 <= v <= scales.cadss_item_max)
                                           for v in cadss6.values()):
                raise SessionError(f"CADSS-6 needs a 0-{scales.cadss_item_max} score for items "
                                   f"{', '.join(map(str, sorted(items)))}")
        self._append(ek.ASSESSMENT_RECORDED, {
            "nrs": nrs, "sedation_scale": sedation_scale, "sedation_score": sedation_score,
            "side_effects": effects, "cadss6": {str(k): v for k, v in cadss6.items()} if cadss6 else None,
            "note": note}, by=by, now=now)

    # --- observation and discharge -----------------------------------------------------------------------
    def begin_discharge(self, *, by: Clinician, now: float, reason: str | None = None,
                        physician: Clinician | None = None) -> None:
        self._require("observation")
        remaining = self.state.observation_remaining_seconds(now) or 0.0
        early = remaining > 0
        if early:
            if physician is None:
                raise NeedsReason(f"observation has {remaining / 60:.0f} min to go; an early discharge needs a "
                                  "physician's PIN and a reason")
            reason = _reason(reason, "ending observation early")
            self._second_person(physician, by, "an early discharge", ("physician",))
        self._append(ek.DISCHARGE_STARTED, {"early": early, "reason": reason if early else None,
                                            "physician": physician.username if early and physician else None},
                     by=by, now=now)

    def discharge_pain(self, nrs: int, *, by: Clinician, now: float) -> dict[str, Any]:
        self._require("discharge")
        scales, clinic = self.config.scales, self.config.clinic
        if not isinstance(nrs, int) or not scales.nrs_min <= nrs <= scales.nrs_max:
            raise SessionError(f"choose a pain score from {scales.nrs_min} to {scales.nrs_max}")
        base = self.state.baseline_nrs
        drop = None if base is None else base - nrs
        frac = None if base in (None, 0) else drop / base
        meaningful = None if drop is None else (drop >= clinic.meaningful_drop_points or
                                                (frac is not None and frac >= clinic.meaningful_drop_fraction))
        payload = {"nrs": nrs, "baseline_nrs": base, "drop_points": drop,
                   "drop_fraction": None if frac is None else round(frac, 4), "meaningful": meaningful}
        self._append(ek.DISCHARGE_PAIN, payload, by=by, now=now)
        return payload

    def discharge_score(self, scale: str, items: dict[str, int], *, by: Clinician, now: float) -> bool:
        self._require("discharge")
        if scale not in self.config.scales.discharge:
            raise SessionError(f"unknown discharge scale {scale!r}")
        label, defs = self.config.scales.discharge[scale]
        for d in defs:
            if items.get(d.id) not in {c.score for c in d.choices}:
                raise SessionError(f"{label}: choose a score for '{d.text}'")
        if set(items) - {d.id for d in defs}:
            raise SessionError(f"{label} has no item {sorted(set(items) - {d.id for d in defs})[0]!r}")
        wrong = contradicted(scale, items, self.bedside(), self.rules, now, self.state.baseline_vitals)
        if wrong is not None:
            raise HardStop(f"{label}: {wrong.message}")
        total = sum(items.values())
        passed = total >= self.config.clinic.discharge_min_score
        self._append(ek.DISCHARGE_SCORE, {"scale": scale, "items": dict(items), "total": total, "passed": passed},
                     by=by, now=now)
        return passed

    def override_discharge_score(self, reason: str, *, physician: Clinician, by: Clinician, now: float) -> None:
        self._require("discharge")
        best = self.state.best_discharge_score()
        if best is None or best["passed"]:
            raise SessionError("there is no failed discharge score to override")
        reason = _reason(reason, "discharging below the minimum score")
        self._second_person(physician, by, "a discharge below the minimum score", ("physician",))
        self._append(ek.DISCHARGE_SCORE_OVERRIDDEN, {"reason": reason, "physician": physician.username},
                     by=by, now=now)

    def confirm_escort(self, escort: str, *, by: Clinician, now: float) -> None:
        self._require("discharge")
        self._append(ek.ESCORT_CONFIRMED, {"escort": _reason(escort, "the escort's name")}, by=by, now=now)

    def acknowledge_instructions(self, *, by: Clinician, now: float) -> None:
        self._require("discharge")
        self._append(ek.INSTRUCTIONS_ACKNOWLEDGED, {}, by=by, now=now)

    def sign_off(self, *, by: Clinician, now: float, physician: Clinician | None = None,
                 reason: str | None = None) -> None:
        """Closes the session when every verdict allows it; the discharge criteria (alarms, live vitals)
        may be overridden by a physician with PIN and reason, recorded just before the sign-off."""
        self._require("discharge")
        mg = self.state.delivered_mg(now)
        verdicts = self.sign_off_verdicts(now)
        if any(not v.overridable for v in verdicts):
            raise HardStop("before sign-off: " + "; ".join(v.message for v in verdicts))
        if verdicts:
            self._override(verdicts, ek.DISCHARGE_CRITERIA_OVERRIDDEN, {}, "signing off", by=by, now=now,
                           physician=physician, reason=reason, prefix="before sign-off: ",
                           suffix=f" — a {' or '.join(verdicts[0].override_roles)} may sign off all the same with "
                                  "their PIN and a reason")
        self._append(ek.SIGNED_OFF, {"delivered_mg": round(mg, 4),
                                     "delivered_mg_per_kg": round(mg / self.state.weight_kg, 5)}, by=by, now=now)

    # --- bedside rules: the live patient (console/session/rules/) ----------------------------------------------
    def alarm_gate_verdict(self, action: str, now: float) -> Verdict:
        """May the nurse start / resume / raise the rate now? (What the screen shows, and what `start` asks.)"""
        return alarm_gate(action, self.bedside(), self.rules)

    def interlock_verdict(self, action: str, now: float) -> Verdict:
        """Does the respiratory interlock hold the pump? (No override: the physician releases the hold.)"""
        return interlock_hold(action, self.bedside())

    def sign_off_verdicts(self, now: float) -> list[Verdict]:
        """Everything that stands between this patient and sign-off, in the order to work through it."""
        if self.state.phase != "discharge":
            return []
        mg = self.state.delivered_mg(now)
        out = [Verdict("discharge_steps", False, text) for text in self.state.discharge_blockers()]
        out += [Verdict("ledger", False, p) for check in self.sign_off_checks if (p := check(self.session_id, mg, now))]
        return out + discharge_criteria(self.bedside(), self.rules, now)

    def measured_scores(self, scale: str, now: float) -> dict[str, tuple[int, float]]:
        """Discharge-score items a device measures now: {item: (score, live value)}, to pre-fill."""
        return measured_scores(scale, self.bedside(), self.rules, now, self.state.baseline_vitals)

    def _pass_alarm_gate(self, action: str, *, by: Clinician, now: float, physician: Clinician | None,
                         reason: str | None) -> None:
        held = self.interlock_verdict(action, now)
        if not held.ok:  # before the alarm gate: a physician's override of an alarm does not release the pump
            raise HardStop(held.message)
        verdict = self.alarm_gate_verdict(action, now)
        if verdict.ok:
            return
        alarms = [a.text for a in blocking_alarms(self.bedside(), self.rules)]
        self._override([verdict], ek.ALARM_GATE_OVERRIDDEN, {"action": action, "alarms": alarms},
                       "going on over the alarm", by=by, now=now, physician=physician, reason=reason)

    def _override(self, verdicts: list[Verdict], kind: str, payload: dict, what: str, *, by: Clinician,
                  now: float, physician: Clinician | None, reason: str | None, prefix: str = "",
                  suffix: str = "") -> None:
        """Refuse, or record a physician's decision to go on over these verdicts (their PIN was checked)."""
        message = prefix + "; ".join(v.message for v in verdicts)
        if physician is None:
            raise NeedsOverride(message + suffix, verdicts)
        roles = verdicts[0].override_roles
        reason = _reason(reason, what)
        self._second_person(physician, by, f"{what} ({message})", roles)
        self._append(kind, {**payload, "problems": [v.message for v in verdicts], "reason": reason,
                            "physician": physician.username}, by=by, now=now)

    def cancel(self, reason: str, *, by: Clinician, now: float) -> None:
        """End a session before any drug went in (e.g. a hard stop on the checklist)."""
        self._require("patient", "checklist", "order", "double_check", "infusion")
        if self.state.started:
            raise WrongPhase("the infusion has started: stop it, observe, and discharge")
        self._append(ek.CANCELLED, {"reason": _reason(reason, "cancelling")}, by=by, now=now)

    # --- corrections ----------------------------------------------------------------------------------------
    def correct(self, event_id: int, field: str, value: Any, reason: str, *, by: Clinician, now: float) -> None:
        """A new event that corrects one field of an earlier one; allowed on closed sessions too."""
        target = next((e for e in self.events if e.id == event_id), None)
        if target is None:
            raise SessionError(f"event {event_id} is not part of this session")
        if field not in ek.CORRECTABLE.get(target.kind, ()):
            raise SessionError(f"{field!r} of {target.kind} cannot be corrected; record a new entry instead")
        self._append(ek.CORRECTED, {"field": field, "value": value, "reason": _reason(reason, "the correction")},
                     by=by, now=now, refers_to=event_id)
