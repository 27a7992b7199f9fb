"""The named safety rules in console/session/rules/, driven through the session core as the screen drives it.

Each test is one unsafe path a tester found at the real window; the core must refuse it in words whatever the
screen shows (plausible numbers, draw before start, a reason per action, a hard-stop answer changed).
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from console.records import ledger as records_ledger
from console.records.ledger import Ledger
from console.session import event_kinds as ek
from console.session.errors import HardStop, NeedsReason, SessionError
from console.session.rules import draw_before_start, plausible_numbers
from console.session.workflow import ClinicalSession
from ledger_draws import draw_the_order
from session_helpers import MemoryEvent, answer_all_passing, today


@pytest.fixture
def at_patient(log, config, people, patient, clock):
    return ClinicalSession.open(log, config, patient, by=people["nina"], now=clock())


@pytest.fixture
def checked(session_at_order, people, clock):
    """Order placed and double-checked, nothing drawn yet."""
    s = session_at_order
    s.place_order("single_40min", by=people["nina"], now=clock())
    s.double_check(52.5, checker=people["noah"], now=clock())
    return s


# --- plausible numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", [700, "700", " 700 kg"])
def test_a_weight_typed_as_700_is_refused_naming_the_range_and_what_was_typed(at_patient, people, clock, typed):
    with pytest.raises(HardStop) as refused:
        at_patient.accept_weight(typed, today(clock), previous_kg=None, by=people["nina"], now=clock())
    assert "700 kg" in str(refused.value) and "20-300 kg" in str(refused.value)
    assert at_patient.state.phase == "patient" and at_patient.state.weight_kg is None


def test_a_weight_that_is_not_a_number_is_refused_in_words(at_patient, people, clock):
    with pytest.raises(HardStop, match="'7o' is not a number"):
        at_patient.accept_weight("7o", today(clock), previous_kg=None, by=people["nina"], now=clock())


def test_a_typed_weight_reaches_the_core_unchanged_and_is_recorded_exactly(at_patient, people, clock):
    at_patient.accept_weight("72,5", today(clock), previous_kg=72.0, by=people["nina"], now=clock())
    assert at_patient.state.weight_kg == 72.5


def test_the_weight_change_question_still_comes_after_the_range(at_patient, people, clock):
    from console.session.errors import NeedsConfirmation
    with pytest.raises(NeedsConfirmation, match="changed by"):
        at_patient.accept_weight("90", today(clock), previous_kg=70, by=people["nina"], now=clock())


@pytest.mark.parametrize("field, typed, words", [
    ("amount", 35, "35 mg/kg, is outside 0.01-5 mg/kg"),
    ("amount", "0.5x", "'0.5x' is not a number"),
    ("duration_min", 40000, "40000 min, is outside 1-4320 min"),
    ("concentration", 500, "500 mg/mL, is outside 0.1-100 mg/mL"),
])
def test_every_number_of_the_order_is_checked_against_its_plausible_range(session_at_order, people, clock,
                                                                          field, typed, words):
    with pytest.raises(HardStop) as refused:
        session_at_order.place_order("bolus", **{field: typed}, by=people["nina"], now=clock())
    assert words in str(refused.value)
    assert session_at_order.state.order is None


def test_a_titration_typed_as_35_mg_per_kg_per_h_is_refused_naming_the_range(running_session, people, clock):
    with pytest.raises(HardStop, match=r"35 mg/kg/h, is outside 0.01-5 mg/kg/h"):
        running_session.titrate(35, "pain", by=people["nina"], now=clock())


def test_the_double_check_rate_is_checked_for_plausibility(session_at_order, people, clock):
    s = session_at_order
    s.place_order("single_40min", by=people["nina"], now=clock())
    with pytest.raises(HardStop, match=r"5250 mL/h, is outside 0.1-999 mL/h"):
        s.double_check(5250, checker=people["noah"], now=clock())
    assert s.state.double_check_failures == 0  # a slipped digit is not a failed calculation


def test_the_plausible_ranges_come_from_resources_with_a_source():
    import resources
    assert "drug library" in resources.load("plausible.toml").text("source")
    assert set(plausible_numbers.ranges()) >= {"dose_mg_per_kg", "rate_mg_per_kg_per_h", "duration_min",
                                                "concentration_mg_per_ml", "rate_ml_per_h", "volume_ml"}


# --- draw before start -------------------------------------------------------------------------------------
def test_the_infusion_cannot_start_with_nothing_drawn(checked, people, clock):
    with pytest.raises(HardStop, match="nothing is drawn yet"):
        checked.start(by=people["nina"], now=clock())
    assert not checked.state.started


def test_a_draw_that_does_not_cover_the_dose_does_not_allow_the_start(checked, people, clock):
    draw_the_order(checked, people["nina"], clock(), volume_ml=20)  # 20 mg of 35 mg ordered
    with pytest.raises(HardStop, match="hold 20 mg .* needs 35 mg"):
        checked.start(by=people["nina"], now=clock())
    draw_the_order(checked, people["nina"], clock(), lot="L-2", volume_ml=20)
    checked.start(by=people["nina"], now=clock())
    assert checked.state.started


def test_a_draw_of_another_concentration_does_not_count(checked, people, clock):
    Ledger(checked.log.database, checked.log).record_draw(
        session_id=checked.session_id, drug="ketamine", concentration_mg_per_ml=2.0, lot="L-9",
        expiry="2099-01-01", volume_ml=100, actor="nina", t=clock())
    with pytest.raises(HardStop, match="not the ordered ketamine 1 mg/mL"):
        checked.start(by=people["nina"], now=clock())


def test_waste_recorded_before_the_start_is_taken_off_the_draw(checked, people, clock):
    draw_the_order(checked, people["nina"], clock(), volume_ml=40)
    Ledger(checked.log.database, checked.log).record_waste(session_id=checked.session_id, volume_ml=10,
                                                           actor="nina", witness="noah", t=clock())
    with pytest.raises(HardStop, match="hold 30 mg"):
        checked.start(by=people["nina"], now=clock())


def test_a_vial_that_expired_since_it_was_drawn_does_not_allow_the_start(clock):
    order = {"concentration_mg_per_ml": 1.0, "total_mg": 35.0}
    draw = MemoryEvent(7, clock(), draw_before_start.DRAWN, "S", "nina",
                       {"drug": "ketamine", "concentration_mg_per_ml": 1.0, "lot": "L-OLD",
                        "expiry": (today(clock) - timedelta(days=1)).isoformat(), "volume_ml": 100,
                        "amount_mg": 100.0})
    verdict = draw_before_start.problem(order, "ketamine", [draw], today(clock))
    assert verdict is not None and "lot L-OLD expired on" in verdict
    fresh = MemoryEvent(7, clock(), draw_before_start.DRAWN, "S", "nina", {**draw.payload, "expiry": "2099-01-01"})
    assert draw_before_start.problem(order, "ketamine", [fresh], today(clock)) is None


def test_the_rule_reads_the_ledgers_own_event_kinds():
    assert (draw_before_start.DRAWN, draw_before_start.WASTED) == (records_ledger.DRAWN, records_ledger.WASTED)


# --- a reason per action -------------------------------------------------------------------------------------
def test_a_rate_change_without_its_own_reason_is_refused(running_session, people, clock):
    with pytest.raises(NeedsReason, match="reason for the rate change"):
        running_session.titrate(0.6, "  ", by=people["nina"], now=clock())


def test_each_action_records_its_own_reason(running_session, people, clock):
    s, nina = running_session, people["nina"]
    s.titrate(0.6, "pain 8/10", by=nina, now=clock.advance(minutes=5))
    s.pause("", by=nina, now=clock.advance(minutes=1))
    s.resume(by=nina, now=clock.advance(minutes=1))
    s.stop("patient asked to stop", by=nina, now=clock.advance(minutes=1))
    reasons = {e.kind: e.payload["reason"] for e in s.events if "reason" in e.payload}
    assert reasons == {ek.INFUSION_TITRATED: "pain 8/10", ek.INFUSION_PAUSED: "not given",
                       ek.INFUSION_STOPPED: "patient asked to stop"}


# --- a hard-stop answer changed ------------------------------------------------------------------------------
@pytest.fixture
def pregnant_yes(at_patient, people, clock):
    at_patient.accept_weight(70.0, today(clock), previous_kg=70.0, by=people["nina"], now=clock())
    answer_all_passing(at_patient, people["nina"], clock)
    assert at_patient.answer("pregnancy", value=True, by=people["nina"], now=clock()) is False
    return at_patient


def test_a_hard_stop_is_not_undone_by_one_tap(pregnant_yes, people, clock):
    with pytest.raises(NeedsReason, match="write the reason for the change and a physician enters their PIN"):
        pregnant_yes.answer("pregnancy", value=False, by=people["nina"], now=clock())
    assert not pregnant_yes.state.answers["pregnancy"].passed
    with pytest.raises(HardStop):
        pregnant_yes.complete_checklist(by=people["nina"], now=clock())


@pytest.mark.parametrize("who, words", [(None, "needs a physician's PIN"), ("noah", "needs a physician"),
                                        ("nina", "needs a physician")])
def test_changing_a_contraindication_needs_a_different_physician(pregnant_yes, people, clock, who, words):
    physician = people[who] if who else None
    with pytest.raises(HardStop, match=words):
        pregnant_yes.answer("pregnancy", value=False, change_reason="misheard", physician=physician,
                            by=people["nina"], now=clock())
    assert not pregnant_yes.state.answers["pregnancy"].passed


def test_a_physician_nurse_cannot_agree_with_herself(pregnant_yes, people, clock):
    with pytest.raises(HardStop, match="different physician"):
        pregnant_yes.answer("pregnancy", value=False, change_reason="misheard", physician=people["phil"],
                            by=people["phil"], now=clock())


def test_a_justified_change_is_recorded_with_the_first_answer_who_and_why(pregnant_yes, people, clock):
    s = pregnant_yes
    first = s.state.answers["pregnancy"]
    assert s.answer("pregnancy", value=False, change_reason="patient misheard; test negative today",
                    physician=people["phil"], by=people["nina"], now=clock()) is True
    e = s.events[-1]
    assert e.kind == ek.CHECKLIST_ANSWER_CHANGED and e.refers_to == first.event_id
    assert e.payload["changed_from"]["answer"] == {"value": True} and e.payload["changed_from"]["by"] == "nina"
    assert e.payload["reason"] == "patient misheard; test negative today" and e.payload["physician"] == "phil"
    s.complete_checklist(by=people["nina"], now=clock())
    assert ClinicalSession(s.log, s.config, s.session_id).state.answers["pregnancy"].passed  # replays


def test_a_hard_stop_the_nurse_fixes_herself_needs_only_a_reason(at_patient, people, clock, config):
    assert not config.checklist_item("iv_access").change_needs_physician
    assert config.checklist_item("pregnancy").change_needs_physician
    at_patient.accept_weight(70.0, today(clock), previous_kg=70.0, by=people["nina"], now=clock())
    at_patient.answer("iv_access", value=False, by=people["nina"], now=clock())
    with pytest.raises(NeedsReason):
        at_patient.answer("iv_access", value=True, by=people["nina"], now=clock())
    assert at_patient.answer("iv_access", value=True, change_reason="second cannula placed", by=people["nina"],
                             now=clock())


def test_the_report_shows_the_first_answer_the_change_who_and_why(pregnant_yes, people, clock, database, tmp_path):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "records"))
    from pdf_reader import pdf_text

    from console.records.export_pdf import write_report
    s = pregnant_yes
    s.answer("pregnancy", value=False, change_reason="patient misheard the question", physician=people["phil"],
             by=people["nina"], now=clock())
    s.cancel("test only", by=people["nina"], now=clock())
    out = tmp_path / "report.pdf"
    write_report(database, s.session_id, out)
    text = " ".join(pdf_text(out).split())
    for expected in ("Hard-stop answers changed", "changed from yes", "reported present", "patient misheard the question",
                     "phil", "nina"):
        assert expected in text, expected

