"""A whole ketamine session, patient to discharge, and what the record says afterwards."""
from __future__ import annotations

import pytest

from console.session import event_kinds as ek
from console.session.errors import ReadOnly
from console.session.workflow import ClinicalSession
from session_helpers import today
from ledger_draws import draw_the_order


def test_a_single_infusion_from_patient_to_sign_off(log, config, people, patient, clock):
    nina, noah, phil = people["nina"], people["noah"], people["phil"]
    s = ClinicalSession.open(log, config, patient, by=nina, now=clock())
    assert s.state.phase == "patient"
    s.accept_weight(70.0, today(clock), previous_kg=69.0, by=nina, now=clock())
    assert s.state.phase == "checklist"

    from session_helpers import answer_all_passing
    answer_all_passing(s, nina, clock)
    s.complete_checklist(by=nina, now=clock())
    assert s.state.phase == "order"

    s.place_order("single_40min", by=nina, now=clock.advance(minutes=5))
    assert s.state.order["rate_ml_per_h"] == 52.5 and s.state.phase == "double_check"
    s.double_check(52.5, checker=noah, now=clock.advance(minutes=1))
    assert s.state.phase == "infusion" and s.state.double_checked_by == "noah"
    draw_the_order(s, nina, clock())
    s.start(by=nina, now=clock.advance(minutes=1))

    clock.advance(minutes=15)
    assert s.state.infusion_seconds(clock()) == 15 * 60
    assert s.state.delivered_mg(clock()) == pytest.approx(52.5 * 0.25)
    s.assess(nrs=5, sedation_scale="rass", sedation_score=0, side_effects=["dizziness"], by=nina, now=clock())
    clock.advance(minutes=15)
    s.assess(nrs=4, sedation_scale="moaas", sedation_score=5,
             cadss6={1: 1, 2: 0, 6: 0, 7: 1, 15: 0, 22: 0}, by=nina, now=clock())
    clock.advance(minutes=10)
    assert s.state.volume_complete(clock())
    s.stop("infusion complete", by=nina, now=clock())
    assert s.state.phase == "observation"
    assert s.state.delivered_mg(clock()) == pytest.approx(35.0)

    clock.advance(minutes=15)
    s.assess(nrs=3, sedation_score=0, by=nina, now=clock())
    clock.advance(minutes=15)
    assert s.state.observation_remaining_seconds(clock()) == 0
    s.begin_discharge(by=nina, now=clock())
    pain = s.discharge_pain(3, by=nina, now=clock())
    assert pain["drop_points"] == 4 and pain["drop_fraction"] == pytest.approx(4 / 7, abs=1e-4) and pain["meaningful"]
    assert s.discharge_score("aldrete", {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2,
                                         "spo2": 2}, by=nina, now=clock())
    s.confirm_escort("Sam Example (husband)", by=nina, now=clock())
    s.acknowledge_instructions(by=nina, now=clock())
    s.sign_off(by=nina, now=clock())
    assert s.state.closed

    kinds = [e.kind for e in log.events(session_id=s.session_id)]
    assert kinds[0] == ek.OPENED and kinds[-1] == ek.SIGNED_OFF
    assert all(e.actor for e in log.events(session_id=s.session_id))
    signed = log.events(session_id=s.session_id, kinds=[ek.SIGNED_OFF])[0]
    assert signed.payload["delivered_mg"] == pytest.approx(35.0)
    assert signed.payload["delivered_mg_per_kg"] == pytest.approx(0.5)
    assert ClinicalSession.resume_open(log, config) is None


def test_a_closed_session_is_read_only_but_takes_corrections(running_session, people, clock, log, config):
    s = running_session
    nina = people["nina"]
    s.assess(nrs=5, sedation_score=0, by=nina, now=clock.advance(minutes=15))
    wrong = s.events[-1]
    s.stop("complete", by=nina, now=clock.advance(minutes=25))
    s.begin_discharge(by=nina, now=clock.advance(minutes=30))
    s.discharge_pain(2, by=nina, now=clock())
    s.discharge_score("padss", {"vital_signs": 2, "ambulation": 2, "nausea": 2, "pain": 2, "iv_site": 1},
                      by=nina, now=clock())
    s.confirm_escort("Sam", by=nina, now=clock())
    s.acknowledge_instructions(by=nina, now=clock())
    s.sign_off(by=nina, now=clock())
    with pytest.raises(ReadOnly):
        s.assess(nrs=1, by=nina, now=clock())
    s.correct(wrong.id, "nrs", 6, "entered 5 for 6 by mistake", by=nina, now=clock.advance(minutes=1))
    replayed = ClinicalSession(log, config, s.session_id)
    assert replayed.state.assessments[0]["nrs"] == 6
    assert log.events(session_id=s.session_id)[wrong.id - 1].payload["nrs"] == 5
    assert replayed.state.corrections[0]["refers_to"] == wrong.id


def test_a_session_stopped_by_a_hard_stop_is_cancelled_before_any_drug(log, config, people, patient, clock):
    s = ClinicalSession.open(log, config, patient, by=people["nina"], now=clock())
    s.accept_weight(70.0, today(clock), previous_kg=None, by=people["nina"], now=clock())
    s.answer("pregnancy", value=True, by=people["nina"], now=clock())
    s.cancel("pregnancy test positive", by=people["nina"], now=clock())
    assert s.state.closed and s.state.closed_reason == "pregnancy test positive"
