"""Clocks and totals come from the recorded rate history: elapsed, remaining, mg, overdue, countdown."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.session import event_kinds as ek
from console.session.infusion_clock import Segment, delivered_ml
from console.session.state import fold
from session_helpers import MemoryEvent


def test_pauses_do_not_count_and_titrations_change_the_slope(running_session, people, clock):
    s, nina = running_session, people["nina"]
    start = clock()
    clock.advance(minutes=10)
    s.pause("patient to bathroom", by=nina, now=clock())
    clock.advance(minutes=5)
    assert s.state.infusion_seconds(clock()) == 600
    assert s.state.infusion_remaining_seconds(clock()) is None
    s.resume(by=nina, now=clock())
    clock.advance(minutes=10)
    s.titrate(0.5, "nausea", by=nina, now=clock())  # 35 mL/h at 70 kg, 1 mg/mL
    clock.advance(minutes=6)
    expected_ml = 52.5 * 20 / 60 + 35.0 * 6 / 60
    assert s.state.delivered_ml(clock()) == pytest.approx(expected_ml)
    assert s.state.delivered_mg_per_kg(clock()) == pytest.approx(expected_ml / 70)
    assert s.state.infusion_seconds(clock()) == 26 * 60
    assert s.state.infusion_remaining_seconds(clock()) == pytest.approx((35 - expected_ml) / 35 * 3600)
    assert clock() - start == 31 * 60


def test_the_pump_stops_at_the_volume_to_be_infused(running_session, clock):
    clock.advance(minutes=90)
    assert running_session.state.delivered_mg(clock()) == pytest.approx(35.0)
    assert running_session.state.volume_complete(clock())
    assert running_session.state.infusion_remaining_seconds(clock()) == 0


def test_an_assessment_is_due_every_interval_and_overdue_shows(running_session, people, clock):
    s = running_session
    due = s.state.next_assessment_due_t()
    assert due == clock() + 15 * 60
    clock.advance(minutes=18)
    assert s.state.assessment_overdue_seconds(clock()) == 180
    s.assess(nrs=4, sedation_score=0, by=people["nina"], now=clock())
    assert s.state.assessment_overdue_seconds(clock()) == 0
    assert s.state.next_assessment_due_t() == clock() + 15 * 60


def test_observation_counts_down_from_the_recorded_stop(running_session, people, clock):
    s = running_session
    s.stop("complete", by=people["nina"], now=clock.advance(minutes=40))
    clock.advance(minutes=12)
    assert s.state.observation_remaining_seconds(clock()) == 18 * 60
    assert s.state.next_assessment_due_t() is not None


def test_a_pump_disagreeing_with_the_order_is_an_event_once_and_clears(running_session, people, clock):
    s, nina = running_session, people["nina"]
    clock.advance(minutes=10)
    assert s.pump_reading(rate_ml_per_h=52.5, volume_infused_ml=8.75, by=nina, now=clock()) == []
    assert s.pump_reading(rate_ml_per_h=60.0, by=nina, now=clock.advance(seconds=5)) == ["rate"]
    assert s.pump_reading(rate_ml_per_h=60.0, by=nina, now=clock.advance(seconds=5)) == ["rate"]
    mismatches = [e for e in s.events if e.kind == ek.PUMP_MISMATCH]
    assert len(mismatches) == 1 and mismatches[0].payload["expected"] == 52.5
    assert s.pump_reading(rate_ml_per_h=52.5, by=nina, now=clock.advance(seconds=5)) == []
    assert s.events[-1].kind == ek.PUMP_MATCHED
    s.pause("line check", by=nina, now=clock())
    assert s.pump_reading(rate_ml_per_h=52.5, by=nina, now=clock.advance(seconds=5)) == ["rate"]
    assert s.pump_reading(volume_infused_ml=30.0, by=nina, now=clock()) == ["rate", "volume_infused"]


rate_steps = st.lists(st.tuples(st.sampled_from(["run", "pause", "titrate"]),
                                st.floats(min_value=1, max_value=3600),
                                st.floats(min_value=0.1, max_value=200)), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(steps=rate_steps, tail=st.floats(min_value=0, max_value=3600))
def test_the_folded_dose_equals_a_sum_over_a_simulated_pump(steps, tail):
    """An independent pump simulation, second by second of rate x time, against the fold of the events."""
    t, rate, running = 1000.0, 10.0, True
    events = [MemoryEvent(1, 0.0, ek.ORDER_PLACED, "s", "n", {
        "order": {"concentration_mg_per_ml": 2.0, "total_ml": 1e9, "rate_ml_per_h": 10.0},
        "observation_min": 30, "assessment_interval_min": 15}),
        MemoryEvent(2, t, ek.INFUSION_STARTED, "s", "n", {"rate_ml_per_h": rate})]
    pumped_ml = 0.0
    for action, seconds, new_rate in steps:
        pumped_ml += rate * seconds / 3600 if running else 0.0
        t += seconds
        if action == "pause" and running:
            events.append(MemoryEvent(len(events) + 1, t, ek.INFUSION_PAUSED, "s", "n", {"reason": "x"}))
            running = False
        elif action == "pause":
            events.append(MemoryEvent(len(events) + 1, t, ek.INFUSION_RESUMED, "s", "n", {"rate_ml_per_h": rate}))
            running = True
        elif action == "titrate":
            rate = new_rate
            events.append(MemoryEvent(len(events) + 1, t, ek.INFUSION_TITRATED, "s", "n", {
                "rate_ml_per_h": new_rate, "reason": "x"}))
    pumped_ml += rate * tail / 3600 if running else 0.0
    state = fold(events)
    assert state.delivered_ml(t + tail) == pytest.approx(pumped_ml, rel=1e-9, abs=1e-9)
    assert state.delivered_mg(t + tail) == pytest.approx(2.0 * pumped_ml, rel=1e-9, abs=1e-9)


def test_segments_in_the_future_add_nothing():
    assert delivered_ml([Segment(100, None, 60)], now=50) == 0


def test_pause_and_stop_take_one_tap_even_without_a_reason(running_session, people, clock):
    s = running_session
    s.pause("", by=people["nina"], now=clock.advance(minutes=1))
    s.resume(by=people["nina"], now=clock.advance(minutes=1))
    s.stop(by=people["nina"], now=clock.advance(minutes=1))
    assert s.state.phase == "observation" and s.events[-1].payload["reason"] == "not given"
