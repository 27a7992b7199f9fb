"""Every hard stop and refusal of the session, one by one."""
from __future__ import annotations

from datetime import timedelta

import pytest

from console.session.errors import (DoubleCheckMismatch, HardStop, NeedsConfirmation, NeedsReason, SessionError,
                                    WrongPhase)
from console.session.workflow import ClinicalSession
from session_helpers import answer_all_passing, today
from ledger_draws import draw_the_order


@pytest.fixture
def at_patient(log, config, people, patient, clock):
    return ClinicalSession.open(log, config, patient, by=people["nina"], now=clock())


@pytest.fixture
def at_checklist(at_patient, people, clock):
    at_patient.accept_weight(70.0, today(clock), previous_kg=70.0, by=people["nina"], now=clock())
    return at_patient


@pytest.mark.parametrize("kg", [0, -5, 19.9, 300.5])
def test_a_weight_outside_20_to_300_kg_cannot_be_used(at_patient, people, clock, kg):
    with pytest.raises(HardStop, match="outside"):
        at_patient.accept_weight(kg, today(clock), previous_kg=None, by=people["nina"], now=clock())
    assert at_patient.state.phase == "patient"


def test_a_weight_older_than_the_clinic_allows_cannot_be_used(at_patient, people, clock, config):
    old = today(clock) - timedelta(days=int(config.clinic.weight_max_age_days) + 1)
    with pytest.raises(HardStop, match="days old"):
        at_patient.accept_weight(70, old, previous_kg=None, by=people["nina"], now=clock())


def test_a_weight_change_over_10_percent_must_be_confirmed(at_patient, people, clock):
    with pytest.raises(NeedsConfirmation, match="changed by 14 %"):
        at_patient.accept_weight(80, today(clock), previous_kg=70, by=people["nina"], now=clock())
    at_patient.accept_weight(80, today(clock), previous_kg=70, confirm_change=True, by=people["nina"], now=clock())
    assert at_patient.events[-1].payload["change_confirmed"] is True


def test_a_weight_change_of_9_percent_needs_no_confirmation(at_patient, people, clock):
    at_patient.accept_weight(76.3, today(clock), previous_kg=70, by=people["nina"], now=clock())
    assert at_patient.state.phase == "checklist"


@pytest.mark.parametrize("item", [i for i in ("identity", "consent", "iv_access", "emergency_equipment")])
def test_an_unconfirmed_hard_stop_item_blocks_the_order(at_checklist, people, clock, item):
    answer_all_passing(at_checklist, people["nina"], clock)
    at_checklist.answer(item, value=False, by=people["nina"], now=clock())
    with pytest.raises(HardStop, match="hard stop"):
        at_checklist.complete_checklist(by=people["nina"], now=clock())
    with pytest.raises(HardStop, match="cannot be overridden"):
        at_checklist.override(item, "we are busy", physician=people["phil"], by=people["nina"], now=clock())
    assert at_checklist.state.phase == "checklist"


@pytest.mark.parametrize("item", ["intracranial_pressure", "unstable_heart_disease", "pregnancy",
                                  "active_psychosis"])
def test_a_hard_contraindication_cannot_be_overridden(at_checklist, people, clock, item):
    answer_all_passing(at_checklist, people["nina"], clock)
    assert at_checklist.answer(item, value=True, by=people["nina"], now=clock()) is False
    with pytest.raises(HardStop):
        at_checklist.override(item, "physician judgement", physician=people["phil"], by=people["nina"],
                              now=clock())
    with pytest.raises(HardStop):
        at_checklist.complete_checklist(by=people["nina"], now=clock())


def test_a_relative_contraindication_needs_a_different_physician_and_a_reason(at_checklist, people, clock):
    nina, phil = people["nina"], people["phil"]
    answer_all_passing(at_checklist, nina, clock)
    at_checklist.answer("substance_abuse", value=True, by=nina, now=clock())
    with pytest.raises(SessionError, match="physician override"):
        at_checklist.complete_checklist(by=nina, now=clock())
    with pytest.raises(NeedsReason):
        at_checklist.override("substance_abuse", " ", physician=phil, by=nina, now=clock())
    with pytest.raises(HardStop, match="physician"):
        at_checklist.override("substance_abuse", "in remission 10 y", physician=people["noah"], by=nina, now=clock())
    with pytest.raises(HardStop, match="second person"):
        at_checklist.override("substance_abuse", "in remission 10 y", physician=phil, by=phil, now=clock())
    at_checklist.override("substance_abuse", "in remission 10 y", physician=phil, by=nina, now=clock())
    at_checklist.complete_checklist(by=nina, now=clock())
    assert at_checklist.state.answers["substance_abuse"].override["physician"] == "phil"


def test_npo_hours_are_computed_and_too_few_fail(at_checklist, people, clock, config):
    now = clock()
    passed = at_checklist.answer("npo", last_food_t=now - 5 * 3600, last_clear_fluid_t=now - 3 * 3600,
                                 by=people["nina"], now=now)
    assert not passed
    assert "food 5.0 h ago (minimum 6 h)" in at_checklist.state.answers["npo"].detail
    assert at_checklist.answer("npo", last_food_t=now - 6.5 * 3600, last_clear_fluid_t=now - 2 * 3600,
                               by=people["nina"], now=now)


def test_a_later_answer_supersedes_and_drops_an_old_override(at_checklist, people, clock):
    nina = people["nina"]
    answer_all_passing(at_checklist, nina, clock)
    at_checklist.answer("baseline_vitals", systolic=172, diastolic=95, by=nina, now=clock())
    at_checklist.override("baseline_vitals", "white coat, known", physician=people["phil"], by=nina, now=clock())
    at_checklist.answer("baseline_vitals", systolic=175, diastolic=98, by=nina, now=clock.advance(minutes=10))
    assert "baseline_vitals" in at_checklist.checklist_open_items()


def test_blood_pressure_above_the_gate_fails_and_the_alternative_gate_is_stricter(at_checklist, people, clock,
                                                                                  tmp_path):
    assert not at_checklist.answer("baseline_vitals", systolic=161, diastolic=90, by=people["nina"], now=clock())
    assert at_checklist.answer("baseline_vitals", systolic=150, diastolic=95, by=people["nina"], now=clock())
    from console.session.config import load_config
    (tmp_path / "clinic.toml").write_text('[bp_gate]\nselected = "140/90"\n')
    strict = load_config(tmp_path)
    assert (strict.clinic.bp_systolic_max, strict.clinic.bp_diastolic_max) == (140, 90)


def test_an_order_above_the_hard_limit_is_impossible(session_at_order, people, clock):
    with pytest.raises(HardStop, match="hard limit"):
        session_at_order.place_order("bolus", amount=1.6, soft_reason="because", by=people["nina"], now=clock())
    assert session_at_order.state.phase == "order"


def test_an_order_above_a_soft_limit_needs_a_logged_reason(session_at_order, people, clock):
    with pytest.raises(NeedsReason):
        session_at_order.place_order("titrated", amount=0.6, by=people["nina"], now=clock())
    session_at_order.place_order("titrated", amount=0.6, soft_reason="tolerated 0.6 last 3 visits",
                                 by=people["nina"], now=clock())
    assert session_at_order.events[-1].payload["soft_reason"] == "tolerated 0.6 last 3 visits"


def test_the_double_check_must_be_a_different_clinician(session_at_order, people, clock):
    s = session_at_order
    s.place_order("single_40min", by=people["nina"], now=clock())
    with pytest.raises(HardStop, match="second person"):
        s.double_check(52.5, checker=people["nina"], now=clock())
    with pytest.raises(HardStop, match="nurse or physician"):
        s.double_check(52.5, checker=people["bob"], now=clock())


def test_a_double_check_mismatch_blocks_the_start(session_at_order, people, clock):
    s = session_at_order
    s.place_order("single_40min", by=people["nina"], now=clock())
    with pytest.raises(DoubleCheckMismatch):
        s.double_check(35.0, checker=people["noah"], now=clock())
    assert s.state.phase == "double_check" and s.state.double_check_failures == 1
    with pytest.raises(WrongPhase):
        s.start(by=people["nina"], now=clock())
    s.double_check(52.5, checker=people["noah"], now=clock())
    draw_the_order(s, people["nina"], clock())
    s.start(by=people["nina"], now=clock())
    assert s.state.running


def test_titration_beyond_the_hard_limit_is_impossible_and_needs_a_reason(running_session, people, clock):
    s, nina = running_session, people["nina"]
    with pytest.raises(HardStop, match="hard limit"):
        s.titrate(2.5, "pain 8/10", by=nina, now=clock())
    with pytest.raises(NeedsReason):
        s.titrate(0.5, "", by=nina, now=clock())
    with pytest.raises(NeedsReason, match="soft limit"):
        s.titrate(1.2, "pain 8/10", by=nina, now=clock())
    s.titrate(0.5, "dizzy", by=nina, now=clock())
    assert s.state.rate_ml_per_h == 35.0


def test_discharge_before_the_observation_ends_needs_a_physician(running_session, people, clock):
    s, nina = running_session, people["nina"]
    s.stop("complete", by=nina, now=clock.advance(minutes=40))
    with pytest.raises(NeedsReason, match="30 min to go"):
        s.begin_discharge(by=nina, now=clock.advance(seconds=1))
    s.begin_discharge(by=nina, now=clock(), reason="transport waiting, stable", physician=people["phil"])
    assert s.events[-1].payload["early"] is True


def test_sign_off_needs_score_escort_instructions_and_pain(running_session, people, clock):
    s, nina = running_session, people["nina"]
    s.stop("complete", by=nina, now=clock.advance(minutes=40))
    s.begin_discharge(by=nina, now=clock.advance(minutes=30))
    with pytest.raises(HardStop, match="reassess pain.*Aldrete or PADSS.*escort.*instructions"):
        s.sign_off(by=nina, now=clock())
    s.discharge_pain(5, by=nina, now=clock())
    assert not s.discharge_score("aldrete", {"activity": 2, "respiration": 2, "circulation": 1,
                                             "consciousness": 1, "spo2": 2}, by=nina, now=clock())
    s.confirm_escort("Sam", by=nina, now=clock())
    s.acknowledge_instructions(by=nina, now=clock())
    with pytest.raises(HardStop, match="below the minimum"):
        s.sign_off(by=nina, now=clock())
    s.override_discharge_score("baseline consciousness 1 (known)", physician=people["phil"], by=nina, now=clock())
    s.sign_off(by=nina, now=clock())
    assert s.state.closed


def test_cancelling_after_the_drug_started_is_refused(running_session, people, clock):
    with pytest.raises(WrongPhase):
        running_session.cancel("changed mind", by=people["nina"], now=clock())


def test_only_one_session_at_a_time(session_at_order, log, config, patient, people, clock):
    with pytest.raises(SessionError, match="another session"):
        ClinicalSession.open(log, config, patient, by=people["nina"], now=clock())


def test_the_weights_date_is_the_bedside_calendar_date_not_utc(log, config, people, patient, monkeypatch):
    """At 08:30 in Sydney it is still yesterday in UTC; a weight taken this morning is not 'in the future'."""
    import time as _time
    from datetime import date as _date, datetime as _dt, timezone as _tz
    monkeypatch.setenv("TZ", "Australia/Sydney")
    _time.tzset()
    try:
        now = _dt(2026, 11, 25, 21, 30, tzinfo=_tz.utc).timestamp()  # 08:30 on the 26th in Sydney
        s = ClinicalSession.open(log, config, patient, by=people["nina"], now=now)
        s.accept_weight(70, _date(2026, 11, 26), previous_kg=None, by=people["nina"], now=now)
        assert s.state.weight_measured_on == "2026-11-26"
    finally:
        monkeypatch.delenv("TZ")
        _time.tzset()
