"""Per-patient limits: a nurse moves them within the clinic's bounds, and the record says who and why."""
from __future__ import annotations

import pytest

from console.alarms.alarm_limits import LimitError
from alarm_bedside import bedside  # noqa: F401 (a fixture)


def test_the_session_starts_from_the_clinic_defaults(bedside):
    spo2 = bedside.engine.limits_for("spo2")
    hr = bedside.engine.limits_for("pr")
    assert (spo2.low, spo2.high, spo2.unit) == (90, None, "%")
    assert (hr.low, hr.high) == (50, 120)
    assert bedside.engine.limits_for("pi") is None


def test_a_nurse_lowers_the_spo2_limit_within_bounds_and_it_is_recorded(bedside):
    change = bedside.engine.set_limit("spo2", "low", 88, actor="nurse Ada", reason="COPD, baseline 89 %",
                                      now=bedside.now)
    assert (change.old, change.new) == (90, 88)
    payload, actor = bedside.records.of("alarm_limit_change")[0]
    assert actor == "nurse Ada"
    assert payload == {"t": bedside.now, "parameter": "spo2", "side": "low", "old": 90, "new": 88,
                       "reason": "COPD, baseline 89 %", "bounds": [85, 95]}
    bedside.advance(15, spo2=89)
    assert bedside.keys() == []


def test_a_limit_outside_the_clinic_bounds_is_refused_and_nothing_changes(bedside):
    with pytest.raises(LimitError, match="outside the clinic's bounds 85-95 %"):
        bedside.engine.set_limit("spo2", "low", 80, actor="nurse Ada", reason="keeps alarming", now=bedside.now)
    assert bedside.engine.limits_for("spo2").low == 90
    assert bedside.records.of("alarm_limit_change") == []


def test_a_limit_change_needs_a_reason_and_a_name(bedside):
    with pytest.raises(LimitError, match="say why"):
        bedside.engine.set_limit("heart_rate", "high", 130, actor="nurse Ada", reason="  ", now=bedside.now)
    with pytest.raises(LimitError, match="name"):
        bedside.engine.set_limit("heart_rate", "high", 130, actor="", reason="athlete", now=bedside.now)


def test_limits_cannot_cross_each_other_or_be_invented(bedside):
    with pytest.raises(LimitError, match="no high limit"):
        bedside.engine.set_limit("spo2", "high", 99, actor="nurse Ada", reason="x", now=bedside.now)
    with pytest.raises(LimitError, match="no alarm limit for 'glucose'"):
        bedside.engine.set_limit("glucose", "low", 4, actor="nurse Ada", reason="x", now=bedside.now)


def test_raising_a_limit_above_the_current_value_alarms_after_the_delay(bedside):
    bedside.advance(5, hr=55)
    bedside.engine.set_limit("heart_rate", "low", 58, actor="nurse Ada", reason="beta-blocker stopped", now=bedside.now)
    bedside.advance(10, hr=55)
    alarm = bedside.alarm("limit:hr:low")
    assert alarm.limit == 58 and "58" in alarm.text


def test_widening_a_limit_clears_the_alarm_it_caused(bedside):
    bedside.advance(12, hr=125)
    assert "limit:hr:high" in bedside.keys()
    bedside.engine.set_limit("heart_rate", "high", 130, actor="nurse Ada", reason="anxious, known tachycardia",
                             now=bedside.now)
    assert bedside.keys() == []


def test_a_new_session_starts_again_from_the_clinic_defaults(bedside):
    bedside.engine.set_limit("spo2", "low", 88, actor="nurse Ada", reason="COPD", now=bedside.now)
    bedside.engine.begin_session(bedside.now, actor="nurse Ben")
    assert bedside.engine.limits_for("spo2").low == 90
    assert bedside.records.of("alarm_limits_reset")[0][1] == "nurse Ben"
