"""The records of a session driven through the real clinical workflow: ledger, report, FHIR, history."""
from __future__ import annotations

from pdf_reader import pdf_text

import json
from datetime import datetime, timezone

import pytest

from console import cli
from console.records.audit import AuditLog, verify_chain
from console.records.history import patient_history
from console.records.ledger import Ledger
from console.records.people import PeopleStore
from console.records.session_record import load_session
from console.session.config import load_config
from console.session.staff import Clinician
from console.session.workflow import ClinicalSession, PatientRef

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc).timestamp()
NINA = Clinician("nina", "Nina Nurse", "nurse")
NOAH = Clinician("noah", "Noah Nurse", "nurse")


def answer_checklist(session, t):
    for item in session.config.checklist:
        if item.kind == "confirm":
            session.answer(item.id, value=True, by=NINA, now=t)
        elif item.kind == "absent":
            session.answer(item.id, value=False, by=NINA, now=t)
        elif item.kind == "npo":
            session.answer(item.id, last_food_t=t - 8 * 3600, last_clear_fluid_t=t - 3 * 3600, by=NINA, now=t)
        elif item.kind == "vitals":
            session.answer(item.id, systolic=128, diastolic=82, hr=72, spo2=98, source="monitor", by=NINA, now=t)
        else:
            session.answer(item.id, nrs=7, by=NINA, now=t)


@pytest.fixture
def signed_session(database):
    """A 40-minute single infusion, 0.5 mg/kg for 70 kg, from patient to sign-off, with its ledger."""
    log, config, ledger = AuditLog(database), load_config(), Ledger(database)
    pid = PeopleStore(database).add_patient(mrn="MRN-0042", name="Pat Example", dob="1970-03-14",
                                            allergies="penicillin", t=T0, by="nina")
    patient = PatientRef(pid, "MRN-0042", "Pat Example", "1970-03-14", "penicillin")
    t = T0
    s = ClinicalSession.open(log, config, patient, by=NINA, now=t)
    s.accept_weight(70.0, datetime.fromtimestamp(t, timezone.utc).date(), previous_kg=69.0, by=NINA, now=t)
    answer_checklist(s, t)
    s.complete_checklist(by=NINA, now=t)
    s.place_order("single_40min", by=NINA, now=(t := t + 300))
    s.double_check(s.state.order["rate_ml_per_h"], checker=NOAH, now=(t := t + 60))
    ledger.record_draw(session_id=s.session_id, drug="ketamine", concentration_mg_per_ml=s.state.concentration,
                       lot="KX-1", expiry="2027-12-31", volume_ml=100.0, actor="nina", t=(t := t + 30))
    s.start(by=NINA, now=(t := t + 30))
    s.assess(nrs=5, sedation_scale="rass", sedation_score=0, side_effects=["dizziness"], by=NINA, now=(t := t + 900))
    s.assess(nrs=4, sedation_scale="rass", sedation_score=0, by=NINA, now=(t := t + 900))
    t += 600
    s.stop("infusion complete", by=NINA, now=t)
    given = s.state.delivered_mg(t)
    assert ledger.close_problem(s.session_id, given_mg=given) is not None  # 100 mL drawn, not all given
    ledger.record_waste(session_id=s.session_id, volume_ml=100.0 - given / s.state.concentration, actor="nina",
                        witness="noah", reason="remainder of bag", t=(t := t + 60))
    assert ledger.close_problem(s.session_id, given_mg=given) is None
    ledger.reconcile(s.session_id, actor="nina", given_mg=given, t=(t := t + 30))
    s.assess(nrs=3, sedation_score=0, by=NINA, now=(t := t + 900))
    s.begin_discharge(by=NINA, now=(t := t + 900))
    s.discharge_pain(3, by=NINA, now=t)
    s.discharge_score("aldrete", {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2},
                      by=NINA, now=t)
    s.confirm_escort("Sam Example (husband)", by=NINA, now=t)
    s.acknowledge_instructions(by=NINA, now=t)
    s.sign_off(by=NINA, now=(t := t + 60))
    return s, given


def test_the_record_agrees_with_the_session_on_the_dose_and_the_story(database, signed_session):
    session, given = signed_session
    record = load_session(AuditLog(database), session.session_id)
    assert record.status == "signed_off"
    assert record.delivered_mg() == pytest.approx(given) == pytest.approx(record.recorded_delivered_mg, abs=1e-3)
    assert (record.pain_before, record.pain_after) == (7, 3)
    assert record.side_effects == ["dizziness"]
    assert record.double_checks[0]["checker"] == "noah"
    assert Ledger(database).balance(session.session_id).balanced
    assert verify_chain(database).ok
    history = patient_history(database, patient_id=session.state.patient["patient_id"])
    assert [(h.pain_before, h.pain_after) for h in history] == [(7, 3)]
    assert history[0].given_mg == pytest.approx(given, abs=1e-3)


def test_the_report_and_the_bundle_of_a_real_session(database, data_dir, tmp_path, signed_session):
    session, given = signed_session
    pdf, bundle = tmp_path / "r.pdf", tmp_path / "b.json"
    assert cli.main(["export", "--data-dir", str(data_dir), "--session", session.session_id, "--format", "pdf",
                     "--out", str(pdf)]) == 0
    assert cli.main(["export", "--data-dir", str(data_dir), "--session", session.session_id, "--format", "fhir",
                     "--out", str(bundle)]) == 0
    text = pdf_text(pdf)
    for expected in ("Pat Example", "MRN-0042", f"{given:.1f} mg", f"{given / 70:.2f} mg/kg", "noah",
                     "dizziness", "ALDRETE", "lot KX-1", "ledger balanced", "signed the discharge"):
        assert expected in text, expected
    from fhir.resources.R4B.bundle import Bundle
    parsed = Bundle.model_validate(json.loads(bundle.read_text()))
    doses = [float(e.resource.dosage.dose.value) for e in parsed.entry
             if e.resource.__resource_type__ == "MedicationAdministration"]
    assert sum(doses) == pytest.approx(given, abs=0.01)
