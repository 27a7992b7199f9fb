"""A session read back from its events answers what happened: dose, rates, pain, alarms, who signed."""
from __future__ import annotations

from datetime import datetime

import pytest

from console.records.audit import AuditLog
from console.records.demo_session import CHECKER, NURSE, PHYSICIAN, DemoPatient, write_demo_session
from console.records.session_record import RateChange, delivered_ml, load_session, rate_segments

T0 = datetime(2026, 11, 20, 9, 0).timestamp()


def test_a_pause_gives_nothing_and_a_titration_changes_the_rate_from_its_moment():
    changes = [RateChange(0, "started", 36.0, NURSE), RateChange(600, "titrated", 72.0, NURSE),
               RateChange(1200, "paused", 0.0, NURSE), RateChange(1500, "resumed", 72.0, NURSE),
               RateChange(2100, "stopped", 0.0, NURSE)]
    segments = rate_segments(changes)
    assert [(s.start, s.end, s.rate_ml_per_h) for s in segments] == [
        (0, 600, 36.0), (600, 1200, 72.0), (1500, 2100, 72.0)]
    assert delivered_ml(segments) == pytest.approx(6 + 12 + 12)
    assert delivered_ml(rate_segments(changes, until=900), until=900) == pytest.approx(6 + 6)


def test_the_demo_session_reads_back_as_the_story_it_tells(database):
    write_demo_session(database, "S1", T0, patient=DemoPatient(weight_kg=80.0), vitals=False)
    record = load_session(AuditLog(database), "S1")
    assert record.status == "signed_off" and record.patient["mrn"] == "MRN-004217"
    assert record.weight_kg == 80.0 and record.order["ordered_by"] == PHYSICIAN
    assert record.double_checks[0]["checker"] == CHECKER and record.double_checks[0]["passed"]
    assert [c.what for c in record.rate_changes] == ["started", "titrated", "paused", "resumed", "stopped"]
    assert record.delivered_mg() == pytest.approx(record.recorded_delivered_mg)
    assert record.delivered_mg_per_kg() == pytest.approx(record.delivered_mg() / 80.0)
    assert (record.pain_before, record.pain_after) == (7, 3)
    assert record.side_effects == ["dizziness"]
    assert record.checklist["npo"]["override"]["physician"] == PHYSICIAN
    assert [(a.text, a.acknowledged_by) for a in record.alarms] == [("SpO2 low 89 %", NURSE)]
    roles = {(s.user, s.role) for s in record.signatures}
    assert (CHECKER, "independently double-checked the rate") in roles
    assert (NURSE, "signed the discharge") in roles


def test_a_correction_shows_the_corrected_value_and_keeps_the_original(database, audit):
    audit.append("session.opened", {"mrn": "M1", "name": "P"}, session_id="S1", t=T0)
    original = audit.append("session.assessment_recorded", {"nrs": 8, "side_effects": []}, session_id="S1",
                            t=T0 + 60, actor=NURSE)
    audit.append("session.corrected", {"field": "nrs", "value": 3, "reason": "typed 8 for 3"},
                 session_id="S1", t=T0 + 90, actor=NURSE, refers_to=original.id)
    record = load_session(audit, "S1")
    assert record.assessments[0]["nrs"] == 3 and record.assessments[0]["corrected"]
    assert audit.get(original.id).payload["nrs"] == 8
    assert record.corrections[0].payload["reason"] == "typed 8 for 3"


def test_alarms_of_another_session_are_not_in_this_record(database, audit):
    audit.append("session.opened", {"mrn": "M1"}, session_id="S1", t=T0)
    audit.append("alarm_start", {"alarm_id": 7, "text": "HR high", "priority": "high", "started": T0 + 5},
                 session_id="S2", t=T0 + 5)
    audit.append("alarm_start", {"alarm_id": 8, "text": "SpO2 low", "priority": "medium", "started": T0 + 6},
                 t=T0 + 6)
    audit.append("session.cancelled", {"reason": "patient unwell"}, session_id="S1", t=T0 + 10, actor=NURSE)
    record = load_session(audit, "S1")
    assert [a.alarm_id for a in record.alarms] == [8]
    assert record.status == "cancelled" and record.delivered_mg() == 0.0


def test_an_unknown_session_is_a_key_error(audit):
    with pytest.raises(KeyError):
        load_session(audit, "nope")


def test_a_session_left_running_shows_no_more_than_the_ordered_volume(audit):
    order = {"concentration_mg_per_ml": 1.0, "weight_kg": 70.0, "total_ml": 35.0}
    audit.append("session.opened", {"mrn": "M"}, session_id="S1", t=T0)
    audit.append("session.order_placed", {"order": order}, session_id="S1", t=T0 + 10)
    audit.append("session.infusion_started", {"rate_ml_per_h": 35.0}, session_id="S1", t=T0 + 60)
    record = load_session(audit, "S1")
    assert record.delivered_mg(until=T0 + 60 + 1800) == pytest.approx(17.5)
    assert record.delivered_mg(until=T0 + 60 + 3 * 3600) == pytest.approx(35.0)
