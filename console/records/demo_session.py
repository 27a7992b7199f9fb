"""A complete synthetic session written in the session's own event vocabulary, with vitals and ledger.

Tests of the exports and the ledger, the benchmarks and the demo's "export a report" all need a realistic
session without a nurse at the keyboard; this writes one the way the session and the recorder would:
identified patient, checklist with an override, weight-based order and double check, infusion with a
titration and a pause, assessments with a side effect, an SpO2 alarm acknowledged, observation, discharge
scores and pain, vial drawn and the rest wasted with a witness, a balanced reconciliation, sign-off.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from console.records.audit import AuditLog
from console.records.database import Database
from console.records.ledger import Ledger
from console.records.session_record import fold, given_mg
from console.records.vitals import bulk_insert

NURSE, CHECKER, PHYSICIAN = "nurse.adams", "nurse.brown", "dr.chen"


@dataclass(frozen=True)
class DemoPatient:
    patient_id: int = 1
    mrn: str = "MRN-004217"
    name: str = "Maria Keller"
    dob: str = "1971-03-14"
    allergies: str = "penicillin"
    weight_kg: float = 72.0


def write_demo_session(database: Database, session_id: str, start_t: float, *,
                       patient: DemoPatient = DemoPatient(), infusion_min: float = 40.0,
                       observation_min: float = 60.0, vitals: bool = True, ledger: bool = True,
                       pain_before: int = 7, pain_after: int = 3, seed: int = 1,
                       side_effects: tuple[str, ...] = ("dizziness",), alarm_priority: str = "medium") -> float:
    """Append the session's events (and vitals) starting at `start_t`; returns the sign-off time."""
    audit = AuditLog(database)
    rng = np.random.default_rng(seed)
    t = start_t

    def ev(kind, payload, dt=30.0, actor=NURSE, **kw):
        nonlocal t
        t += max(dt, 1.0)  # the story stays in time order even when two marks fall close together
        return audit.append(kind, payload, actor=actor, session_id=session_id, t=t, **kw)

    ev("session.opened", {"patient_id": patient.patient_id, "mrn": patient.mrn, "name": patient.name,
                          "dob": patient.dob, "allergies": patient.allergies}, dt=0)
    ev("session.weight_accepted", {"weight_kg": patient.weight_kg, "measured_on": "2026-11-20",
                                   "previous_kg": patient.weight_kg + 0.5, "change_fraction": 0.007,
                                   "change_confirmed": False})
    answers = [("identity", "confirm", {"value": True}, True, "confirmed"),
               ("consent", "confirm", {"value": True}, True, "confirmed"),
               ("npo", "npo", {"last_food_t": start_t - 3 * 3600, "last_clear_fluid_t": start_t - 1.5 * 3600,
                               "food_hours": 3.0, "clear_fluid_hours": 1.5}, False,
                "last food 3.0 h ago; clinic requires 6 h"),
               ("escort", "confirm", {"value": True}, True, "confirmed"),
               ("baseline_vitals", "vitals", {"systolic": 128, "diastolic": 79, "hr": 74, "spo2": 98,
                                              "source": "monitor"}, True, "within the pre-dose gate"),
               ("baseline_pain", "pain", {"nrs": pain_before}, True, "recorded")]
    for item, kind, answer, passed, detail in answers:
        answered = ev("session.checklist_answered", {"item": item, "kind": kind, "answer": answer,
                                                     "passed": passed, "detail": detail}, dt=20)
        if not passed:
            ev("session.checklist_overridden", {"item": item, "reason": "light breakfast only; low aspiration "
                                                "risk with sub-anaesthetic dosing", "physician": PHYSICIAN},
               dt=60, actor=PHYSICIAN, refers_to=answered.id)
    ev("session.checklist_completed", {})
    rate_mg_kg_h = 0.5
    rate = round(rate_mg_kg_h * patient.weight_kg, 1)  # 1 mg/mL
    order = {"protocol_id": "single_infusion", "protocol_label": "Single infusion", "kind": "infusion",
             "drug_id": "ketamine_1mg_ml", "drug_label": "Ketamine 1 mg/mL", "concentration_mg_per_ml": 1.0,
             "weight_kg": patient.weight_kg, "dose_mg_per_kg": rate_mg_kg_h * infusion_min / 60,
             "rate_mg_per_kg_per_h": rate_mg_kg_h, "duration_min": infusion_min,
             "total_mg": rate_mg_kg_h * patient.weight_kg * infusion_min / 60,
             "total_ml": rate_mg_kg_h * patient.weight_kg * infusion_min / 60, "rate_ml_per_h_exact": rate,
             "rate_ml_per_h": rate, "verdicts": []}
    ev("session.order_placed", {"order": order, "soft_reason": None, "observation_min": observation_min,
                                "assessment_interval_min": 15.0}, actor=PHYSICIAN, dt=120)
    ev("session.double_check_passed", {"checker": CHECKER, "entered_rate_ml_per_h": rate,
                                       "ordered_rate_ml_per_h": rate}, dt=90)
    books = Ledger(database, audit) if ledger else None
    bag_ml = 100.0 if order["total_ml"] <= 90 else 250.0 * np.ceil(order["total_ml"] * 1.3 / 250.0)
    if books is not None:
        t += 30
        books.record_draw(session_id=session_id, drug="ketamine", concentration_mg_per_ml=1.0,
                          lot="KX24-0917", expiry="2027-06-30", volume_ml=float(bag_ml), actor=NURSE, t=t)
    infusion_start = t + 60
    ev("session.infusion_started", {"rate_ml_per_h": rate}, dt=60)
    end = infusion_start + infusion_min * 60
    titrate_at = infusion_start + min(20 * 60, infusion_min * 60 / 3)
    pause_at = infusion_start + infusion_min * 60 / 2
    assessment_times = list(np.arange(infusion_start + 15 * 60, end + observation_min * 60, 15 * 60))
    marks = sorted([(titrate_at, "titrate"), (pause_at, "pause"), (pause_at + 300, "resume"),
                    (pause_at + 420, "alarm")] +
                   [(a, "assess") for a in assessment_times if a < end])
    new_rate = round(0.6 * patient.weight_kg, 1)
    n = 0  # assessments so far: the second one finds the side effects and the dissociation
    for when, what in marks:
        dt = when - t
        if what == "titrate":
            ev("session.infusion_titrated", {"rate_ml_per_h": new_rate, "previous_rate_ml_per_h": rate,
                                             "rate_mg_per_kg_per_h": 0.6, "reason": "pain still 6/10",
                                             "verdict": "ok", "soft_reason": None}, dt=dt)
        elif what == "pause":
            ev("session.infusion_paused", {"reason": "patient asked for a break (nausea)"}, dt=dt)
        elif what == "resume":
            ev("session.infusion_resumed", {"rate_ml_per_h": new_rate}, dt=dt)
        elif what == "alarm":
            ev("alarm_start", {"alarm_id": 1, "key": "limit:spo2:low", "kind": "limit", "priority": alarm_priority,
                               "text": "SpO2 low 89 %", "started": when, "parameter": "spo2", "value": 89,
                               "limit": 90}, dt=dt, actor=None)
            ev("alarm_ack", {"alarm_id": 1, "key": "limit:spo2:low", "priority": alarm_priority,
                             "text": "SpO2 low 89 %", "started": when, "condition_active": True}, dt=25)
            ev("alarm_end", {"alarm_id": 1, "key": "limit:spo2:low", "priority": alarm_priority,
                             "text": "SpO2 low 89 %", "started": when}, dt=40, actor=None)
        else:
            effects = list(side_effects) if n == 1 else []
            cadss = {"1": 1, "2": 1, "6": 0, "7": 1, "15": 0, "22": 0} if n == 1 else None
            ev("session.assessment_recorded", {"nrs": max(pain_after, pain_before - 1 - n // 2),
                                               "sedation_scale": "rass", "sedation_score": -1 if n == 1 else 0,
                                               "side_effects": effects, "cadss6": cadss, "note": ""}, dt=dt)
            n += 1
    record = fold(session_id, audit.events(session_id=session_id))
    delivered = record.delivered_mg(until=end)
    ev("session.infusion_stopped", {"reason": "order complete", "delivered_mg": delivered,
                                    "delivered_mg_per_kg": delivered / patient.weight_kg}, dt=end - t)
    for when in assessment_times:
        if when > end:
            ev("session.assessment_recorded", {"nrs": pain_after, "sedation_scale": "rass", "sedation_score": 0,
                                               "side_effects": [], "cadss6": None, "note": "comfortable"},
               dt=when - t)
    ev("session.discharge_started", {"early": False, "reason": None, "physician": None},
       dt=max(30.0, end + observation_min * 60 - t))
    ev("session.discharge_pain", {"nrs": pain_after, "baseline_nrs": pain_before,
                                  "drop_points": pain_before - pain_after,
                                  "drop_fraction": (pain_before - pain_after) / pain_before if pain_before else None,
                                  "meaningful": pain_before - pain_after >= 2})
    ev("session.discharge_score", {"scale": "aldrete", "items": {"activity": 2, "respiration": 2,
                                   "circulation": 2, "consciousness": 2, "spo2": 2}, "total": 10, "passed": True})
    ev("session.escort_confirmed", {"escort": "Thomas Keller"})
    ev("session.instructions_acknowledged", {})
    if books is not None:
        record = fold(session_id, audit.events(session_id=session_id))
        t += 30
        books.record_waste(session_id=session_id, volume_ml=bag_ml - given_mg(record) / 1.0, actor=NURSE,
                           witness=CHECKER, reason="unused remainder of bag", t=t)
        t += 30
        books.reconcile(session_id, actor=NURSE, t=t)
    signed = ev("session.signed_off", {"delivered_mg": delivered,
                                       "delivered_mg_per_kg": delivered / patient.weight_kg})
    if vitals:
        write_demo_vitals(database, start_t, signed.t, rng, dip_at=pause_at + 420)
    return signed.t


def write_demo_vitals(database: Database, start: float, end: float, rng: np.random.Generator, *,
                      dip_at: float | None = None, device: str = "monitor") -> int:
    """1 Hz hr, spo2, pr, rr, pi and etco2 and a blood pressure every 5 minutes, with a brief SpO2 dip."""
    t = np.arange(start, end, 1.0)
    n = len(t)
    drift = np.sin(np.linspace(0, 3 * np.pi, n))
    spo2 = np.clip(97 + rng.normal(0, 0.6, n).round(), 85, 100)
    if dip_at is not None:
        dip = (t >= dip_at - 20) & (t < dip_at + 50)
        spo2[dip] = 89
    series = {
        "hr": ("bpm", np.round(74 + 6 * drift + rng.normal(0, 1.5, n))),
        "pr": ("bpm", np.round(74 + 6 * drift + rng.normal(0, 1.5, n))),
        "spo2": ("%", spo2),
        "rr": ("/min", np.round(14 + rng.normal(0, 1, n))),
        "pi": ("%", np.round(3.5 + 0.5 * drift + rng.normal(0, 0.2, n), 1)),
        "etco2": ("mmHg", np.round(37 + rng.normal(0, 1, n))),
    }
    written = 0
    for metric, (unit, values) in series.items():
        written += bulk_insert(database, device, metric, unit, t, values)
    bp_t = t[::300]
    bp_drift = np.sin(np.linspace(0, 3 * np.pi, len(bp_t)))
    sys_ = np.round(128 + 8 * bp_drift + rng.normal(0, 3, len(bp_t)))
    dia = np.round(79 + 4 * bp_drift + rng.normal(0, 2, len(bp_t)))
    written += bulk_insert(database, device, "nibp_sys", "mmHg", bp_t, sys_)
    written += bulk_insert(database, device, "nibp_dia", "mmHg", bp_t, dia)
    written += bulk_insert(database, device, "nibp_mean", "mmHg", bp_t, np.round((sys_ + 2 * dia) / 3))
    temp_t = t[::600]
    written += bulk_insert(database, device, "temp", "°C", temp_t, np.round(36.7 + rng.normal(0, 0.1, len(temp_t)), 1))
    return written
