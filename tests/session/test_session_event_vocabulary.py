"""The event vocabulary is a contract with the records helper: every event the session writes is listed in
event_kinds.py with exactly the payload fields it documents."""
from __future__ import annotations

from console.session import event_kinds as ek
from session_helpers import answer_all_passing, today
from console.session.workflow import ClinicalSession
from ledger_draws import draw_the_order


def test_every_written_event_matches_its_documented_fields(log, config, people, patient, clock):
    nina, noah, phil = people["nina"], people["noah"], people["phil"]
    s = ClinicalSession.open(log, config, patient, by=nina, now=clock())
    s.accept_weight(70, today(clock), previous_kg=72, by=nina, now=clock())
    s.answer("pregnancy", value=True, by=nina, now=clock())
    s.answer("pregnancy", value=False, change_reason="misheard: the patient said no", physician=phil, by=nina,
             now=clock())
    answer_all_passing(s, nina, clock)
    s.answer("substance_abuse", value=True, by=nina, now=clock())
    s.override("substance_abuse", "remote history", physician=phil, by=nina, now=clock())
    s.complete_checklist(by=nina, now=clock())
    s.place_order("titrated", amount=0.6, soft_reason="tolerated before", by=nina, now=clock())
    s.withdraw_order("wrong protocol", by=nina, now=clock())
    s.place_order("single_40min", by=nina, now=clock())
    try:
        s.double_check(50, checker=noah, now=clock())
    except Exception:
        pass
    s.double_check(52.5, checker=noah, now=clock())
    draw_the_order(s, nina, clock())
    s.start(by=nina, now=clock())
    s.pause("bathroom", by=nina, now=clock.advance(minutes=5))
    s.resume(by=nina, now=clock.advance(minutes=3))
    s.titrate(0.6, "pain", by=nina, now=clock.advance(minutes=5))
    s.pump_reading(now=clock.advance(seconds=10), rate_ml_per_h=99, by=nina)
    s.pump_reading(now=clock.advance(seconds=10), rate_ml_per_h=42, by=nina)
    s.assess(nrs=4, sedation_score=0, cadss6={1: 0, 2: 1, 6: 0, 7: 0, 15: 0, 22: 0}, by=nina, now=clock())
    s.stop("complete", by=nina, now=clock.advance(minutes=30))
    s.begin_discharge(by=nina, now=clock.advance(minutes=1), reason="ride waiting", physician=phil)
    s.discharge_pain(2, by=nina, now=clock())
    s.discharge_score("aldrete", {"activity": 2, "respiration": 2, "circulation": 1, "consciousness": 1,
                                  "spo2": 2}, by=nina, now=clock())
    s.override_discharge_score("baseline", physician=phil, by=nina, now=clock())
    s.confirm_escort("Sam", by=nina, now=clock())
    s.acknowledge_instructions(by=nina, now=clock())
    s.sign_off(by=nina, now=clock())
    s.correct(s.events[0].id, "allergies", "penicillin, latex", "latex added", by=nina, now=clock())

    written = [e for e in log.events(session_id=s.session_id) if e.kind.startswith("session.")]  # not ledger.*
    kinds = {e.kind for e in written}
    # the physician overrides of the bedside rules need a live alarm: test_session_bedside_rules.py writes them
    assert kinds == set(ek.KINDS) - {ek.CANCELLED, ek.ALARM_GATE_OVERRIDDEN, ek.DISCHARGE_CRITERIA_OVERRIDDEN}
    for e in written:
        assert set(e.payload) == set(ek.KINDS[e.kind].fields), e.kind
        assert e.actor and e.session_id == s.session_id
    assert ClinicalSession(log, config, s.session_id).state.patient["allergies"] == "penicillin, latex"


def test_a_cancel_matches_its_documented_fields(log, config, people, patient, clock):
    s = ClinicalSession.open(log, config, patient, by=people["nina"], now=clock())
    s.cancel("patient unwell today", by=people["nina"], now=clock())
    e = log.events(session_id=s.session_id)[-1]
    assert e.kind == ek.CANCELLED and set(e.payload) == set(ek.KINDS[ek.CANCELLED].fields)
