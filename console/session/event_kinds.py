"""The session's event vocabulary: every kind of event a clinical session appends to the audit log.

The session is event-sourced: `console/session/state.py` folds these events into the session's state, and
the records helpers (exports, controlled-substance ledger) read the same events. This module is the
contract between them, so each kind lists its payload fields with their units. All events of one session
carry the same `session_id`; `actor` is the username of the logged-in person who did it (or "console" for
what the console records by itself: pump comparisons); `t` is epoch
seconds (UTC) and is the time every clock is computed from. Events are never changed: a correction is a
new `session.corrected` event whose `refers_to` is the id of the event it corrects.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventKind:
    name: str
    summary: str
    fields: dict[str, str]


def _kind(name: str, summary: str, /, **fields: str) -> str:
    KINDS[name] = EventKind(name, summary, fields)
    return name


KINDS: dict[str, EventKind] = {}

OPENED = _kind(
    "session.opened", "A session begins for an identified patient (phase: patient).",
    patient_id="int, the patients table row", mrn="text, medical record number", name="text, full name",
    dob="text, date of birth YYYY-MM-DD", allergies="text, as entered ('' = none known)")
WEIGHT_ACCEPTED = _kind(
    "session.weight_accepted", "The dosing weight is accepted (phase: patient -> checklist).",
    weight_kg="float, kg", measured_on="text, date the weight was measured YYYY-MM-DD",
    previous_kg="float or null, the last weight on record before this one",
    change_fraction="float or null, |weight - previous| / previous",
    change_confirmed="bool, the nurse confirmed a change above the clinic's threshold")
CHECKLIST_ANSWERED = _kind(
    "session.checklist_answered", "One pre-infusion checklist item answered (a later answer supersedes).",
    item="text, checklist.toml item id", kind="text, confirm/absent/npo/vitals/pain",
    answer="object: confirm/absent {value: bool}; npo {last_food_t, last_clear_fluid_t, food_hours, "
           "clear_fluid_hours}; vitals {systolic, diastolic (mmHg), hr (bpm, or null), spo2 (%, or null), "
           "source: monitor/entered}; pain {nrs: 0-10}",
    passed="bool, the verdict at the time of answering (clinic settings of that moment)",
    detail="text, the reason for the verdict in words")
CHECKLIST_ANSWER_CHANGED = _kind(
    "session.checklist_answer_changed", "A failed hard-stop answer changed so that it passes (the new answer, "
    "like checklist_answered, plus why); refers_to = the answer it replaces. console/session/rules/"
    "hard_stop_change.py", item="text, checklist item id", kind="text, as checklist_answered",
    answer="object, the new answer (as checklist_answered)", passed="bool, the new verdict",
    detail="text, the new verdict in words",
    changed_from="object {event_id, answer, passed, detail, by (username), t}: the answer replaced",
    reason="text, why the answer changed", physician="text or null, the physician who agreed (PIN given)")
CHECKLIST_OVERRIDDEN = _kind(
    "session.checklist_overridden", "A physician overrides a failed, overridable item; refers_to = the answer.",
    item="text, checklist item id", reason="text", physician="text, username of the physician (PIN given)")
CHECKLIST_COMPLETED = _kind(
    "session.checklist_completed", "Every item passed or was overridden (phase: checklist -> order).")
ORDER_PLACED = _kind(
    "session.order_placed", "The weight-based order (phase: order -> double_check).",
    order="object, console.session.dose.DoseOrder.to_dict(): protocol_id, drug_id, concentration_mg_per_ml, "
          "weight_kg, dose_mg_per_kg, rate_mg_per_kg_per_h, duration_min, total_mg, total_ml, "
          "rate_ml_per_h (programmed), rate_ml_per_h_exact, verdicts",
    soft_reason="text or null, the reason given for exceeding a soft limit",
    observation_min="float, the protocol's observation period",
    assessment_interval_min="float, minutes between assessments")
ORDER_WITHDRAWN = _kind(
    "session.order_withdrawn", "The order is withdrawn before the infusion starts (phase -> order).",
    reason="text")
DOUBLE_CHECK_PASSED = _kind(
    "session.double_check_passed", "A second clinician's independently calculated rate matches "
    "(phase: double_check -> infusion, not yet started).",
    checker="text, username of the second clinician (a different person, PIN given)",
    entered_rate_ml_per_h="float", ordered_rate_ml_per_h="float")
DOUBLE_CHECK_FAILED = _kind(
    "session.double_check_failed", "The second clinician's rate does not match; the start stays blocked.",
    checker="text", entered_rate_ml_per_h="float", ordered_rate_ml_per_h="float")
INFUSION_STARTED = _kind(
    "session.infusion_started", "The pump is started at the ordered rate.", rate_ml_per_h="float")
INFUSION_PAUSED = _kind("session.infusion_paused", "The pump is paused.", reason="text")
INFUSION_RESUMED = _kind("session.infusion_resumed", "The pump runs again at the last rate.",
                         rate_ml_per_h="float")
INFUSION_TITRATED = _kind(
    "session.infusion_titrated", "The rate is changed within the drug library's limits.",
    rate_ml_per_h="float, new programmed rate", previous_rate_ml_per_h="float",
    rate_mg_per_kg_per_h="float, new rate per kg", reason="text, clinical reason",
    verdict="text, ok/soft", soft_reason="text or null")
INFUSION_STOPPED = _kind(
    "session.infusion_stopped", "The infusion ends (phase: infusion -> observation; observation starts at t).",
    reason="text", delivered_mg="float, computed from the rate history at t",
    delivered_mg_per_kg="float")
PUMP_MISMATCH = _kind(
    "session.pump_mismatch", "The connected pump's reading differs from the order (the alarm engine makes "
    "it loud).", metric="text, rate or volume_infused", expected="float (mL/h or mL)",
    actual="float", tolerance="float")
PUMP_MATCHED = _kind("session.pump_matched", "The pump agrees with the order again.",
                     metric="text", expected="float", actual="float")
ALARM_GATE_OVERRIDDEN = _kind(
    "session.alarm_gate_overridden", "A physician lets the infusion start, resume or go faster over an active "
    "high-priority alarm (console/session/rules/alarm_gate.py); written just before that action's event.",
    action="text, start/resume/raise", alarms="list of text, the blocking alarms as shown on the bar",
    problems="list of text, the rule's refusal in words", reason="text",
    physician="text, username of the physician (a different person, PIN given)")
ASSESSMENT_RECORDED = _kind(
    "session.assessment_recorded", "A scheduled (or extra) assessment during infusion or observation.",
    nrs="int 0-10 or null", sedation_scale="text, rass or moaas", sedation_score="int or null",
    side_effects="list of side-effect ids from scales.toml", cadss6="object {item number: 0-4} or null",
    note="text")
DISCHARGE_STARTED = _kind(
    "session.discharge_started", "Discharge assessment begins (phase: observation -> discharge).",
    early="bool, before the observation period ended", reason="text or null (early only)",
    physician="text or null, who allowed the early start")
DISCHARGE_PAIN = _kind(
    "session.discharge_pain", "Pain before leaving, compared with the checklist baseline.",
    nrs="int 0-10", baseline_nrs="int or null", drop_points="int or null",
    drop_fraction="float or null (of baseline)", meaningful="bool or null")
DISCHARGE_SCORE = _kind(
    "session.discharge_score", "A discharge readiness score.", scale="text, aldrete or padss",
    items="object {item id: score}", total="int", passed="bool, total >= the clinic's minimum")
DISCHARGE_SCORE_OVERRIDDEN = _kind(
    "session.discharge_score_overridden", "A physician allows discharge below the minimum score.",
    reason="text", physician="text")
ESCORT_CONFIRMED = _kind("session.escort_confirmed", "The escort is here to take the patient home.",
                         escort="text, name of the escort")
INSTRUCTIONS_ACKNOWLEDGED = _kind(
    "session.instructions_acknowledged", "The patient acknowledged the discharge instructions.")
DISCHARGE_CRITERIA_OVERRIDDEN = _kind(
    "session.discharge_criteria_overridden", "A physician signs off although an alarm is active or a live vital "
    "is outside the discharge criteria (console/session/rules/discharge_criteria.py); written just before "
    "session.signed_off.", problems="list of text, each criterion not met, in words", reason="text",
    physician="text, username of the physician (a different person, PIN given)")
SIGNED_OFF = _kind("session.signed_off", "Discharge signed; the session is closed and read-only.",
                   delivered_mg="float", delivered_mg_per_kg="float")
CANCELLED = _kind("session.cancelled", "The session ends before any drug was given (closed).",
                  reason="text")
CORRECTED = _kind(
    "session.corrected", "A correction of an earlier event (refers_to = its id); the original stays.",
    field="text, the payload field corrected", value="the corrected value", reason="text")

#: Which fields of which kinds may be corrected after the fact. Events that drive the state machine
#: (times, rates, orders) are not correctable: their consequences happened.
CORRECTABLE: dict[str, tuple[str, ...]] = {
    ASSESSMENT_RECORDED: ("nrs", "sedation_score", "side_effects", "cadss6", "note"),
    ESCORT_CONFIRMED: ("escort",),
    OPENED: ("allergies",),
}

#: Kinds that end a session.
CLOSING = (SIGNED_OFF, CANCELLED)
