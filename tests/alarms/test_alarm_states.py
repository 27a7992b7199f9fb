"""Delays, latching, acknowledgement, audio pause and escalation, with a fake clock."""
from __future__ import annotations

import pytest

from console.errors import UserError
from alarm_bedside import bedside  # noqa: F401 (a fixture)


def test_a_desaturation_alarms_only_after_it_has_lasted_its_delay(bedside):
    bedside.advance(9, spo2=86)
    assert bedside.keys() == []
    bedside.advance(1, spo2=86)
    alarm = bedside.alarm("limit:spo2:low")
    assert (alarm.priority, alarm.kind, alarm.value, alarm.limit) == ("high", "physiological", 86, 90)
    start, _ = bedside.records.of("alarm_start")[0]
    assert start["condition_since"] == pytest.approx(start["t"] - 10)


def test_a_single_motion_artefact_does_not_alarm(bedside):
    bedside.advance(5, spo2=97)
    bedside.advance(3, spo2=70)
    bedside.advance(30, spo2=97)
    assert bedside.keys() == []
    assert "alarm_start" not in bedside.records.kinds()


def test_a_blood_pressure_reading_above_the_limit_alarms_at_once(bedside):
    bedside.measure("nibp_sys", 195)
    alarm = bedside.alarm("limit:nibp_sys:high")
    assert alarm.priority == "medium" and "195" in alarm.text and "180" in alarm.text


def test_a_medium_alarm_ends_when_its_condition_clears(bedside):
    bedside.advance(12, hr=130)
    assert "limit:hr:high" in bedside.keys()
    bedside.advance(1, hr=100)
    assert bedside.keys() == []
    end, actor = bedside.records.of("alarm_end")[0]
    assert end["key"] == "limit:hr:high" and end["worst"] == 130 and actor is None


def test_a_high_alarm_stays_latched_until_acknowledged_after_the_condition_clears(bedside):
    bedside.advance(12, spo2=85)
    bedside.advance(5, spo2=97)
    alarm = bedside.alarm("limit:spo2:low")
    assert alarm.latched and not alarm.condition_active
    assert not alarm.audible(bedside.now)
    assert bedside.records.of("alarm_change")[-1][0]["change"] == "latched"
    bedside.engine.acknowledge(alarm.id, "nurse Ada", bedside.now)
    assert bedside.keys() == []
    ack, actor = bedside.records.of("alarm_ack")[0]
    assert actor == "nurse Ada" and ack["condition_active"] is False
    assert bedside.records.of("alarm_end")[0][0]["worst"] == 85


def test_a_latched_alarm_that_comes_back_is_the_same_alarm_again(bedside):
    bedside.advance(12, spo2=85)
    first = bedside.alarm("limit:spo2:low")
    bedside.advance(3, spo2=97)
    bedside.advance(12, spo2=84)
    again = bedside.alarm("limit:spo2:low")
    assert again.id == first.id and again.condition_active and not again.latched and again.worst == 84
    assert bedside.records.of("alarm_change")[-1][0]["change"] == "recurred"


def test_an_acknowledged_alarm_is_quiet_and_reminds_the_nurse_if_still_active(bedside):
    bedside.advance(12, spo2=86)
    alarm = bedside.alarm("limit:spo2:low")
    assert bedside.engine.audio_demand(bedside.now).priority == "high"
    bedside.engine.acknowledge(alarm.id, "nurse Ada", bedside.now)
    assert bedside.engine.audio_demand(bedside.now).priority is None
    assert bedside.alarm("limit:spo2:low").acknowledged_by == "nurse Ada"
    bedside.advance(119, spo2=86)
    assert bedside.engine.audio_demand(bedside.now).priority is None
    bedside.advance(1, spo2=86)
    assert bedside.alarm("limit:spo2:low").acknowledged_by is None
    assert bedside.engine.audio_demand(bedside.now).priority == "high"
    assert bedside.records.kinds().count("alarm_reminder") == 1


def test_audio_pause_lasts_two_minutes_then_the_tone_returns(bedside):
    bedside.advance(12, hr=130)
    paused = bedside.engine.pause_audio("nurse Ada", bedside.now)
    assert [a.key for a in paused] == ["limit:hr:high"]
    assert bedside.engine.audio_demand(bedside.now).priority is None
    payload, actor = bedside.records.of("alarm_pause")[0]
    assert actor == "nurse Ada" and payload["seconds"] == 120 and payload["until"] == bedside.now + 120
    bedside.advance(119, hr=130)
    assert bedside.engine.audio_demand(bedside.now).priority is None
    bedside.advance(1, hr=130)
    assert bedside.engine.audio_demand(bedside.now).priority == "medium"
    assert "alarm_pause_end" in bedside.records.kinds()


def test_an_alarm_that_starts_during_a_pause_still_sounds(bedside):
    bedside.advance(12, hr=130)
    bedside.engine.pause_audio("nurse Ada", bedside.now)
    bedside.advance(12, hr=130, spo2=85)
    assert bedside.engine.audio_demand(bedside.now).priority == "high"


def test_an_unacknowledged_high_alarm_escalates_and_runs_the_escalation_action(bedside):
    escalated = []
    bedside.engine.set_escalation_action(escalated.append)
    bedside.advance(10, spo2=86)
    started = bedside.now
    bedside.advance(59, spo2=86)
    assert not bedside.alarm("limit:spo2:low").escalated and escalated == []
    bedside.advance(1, spo2=86)
    assert bedside.alarm("limit:spo2:low").escalated
    assert [a.key for a in escalated] == ["limit:spo2:low"]
    assert bedside.engine.audio_demand(bedside.now).escalated
    payload, _ = bedside.records.of("alarm_escalate")[0]
    assert payload["unacknowledged_for"] == pytest.approx(bedside.now - started)
    bedside.advance(60, spo2=86)
    assert len(escalated) == 1


def test_an_acknowledged_high_alarm_does_not_escalate(bedside):
    escalated = []
    bedside.engine.set_escalation_action(escalated.append)
    bedside.advance(10, spo2=86)
    bedside.engine.acknowledge(bedside.alarm("limit:spo2:low").id, "nurse Ada", bedside.now)
    bedside.advance(100, spo2=86)
    assert escalated == [] and "alarm_escalate" not in bedside.records.kinds()


def test_a_medium_alarm_does_not_escalate(bedside):
    bedside.advance(200, hr=130)
    assert not bedside.alarm("limit:hr:high").escalated


def test_alarms_are_listed_by_priority_then_age(bedside):
    bedside.measure("nibp_dia", 110)
    bedside.advance(2)
    bedside.measure("nibp_sys", 200)
    bedside.advance(12, spo2=85)
    assert bedside.keys() == ["limit:spo2:low", "limit:nibp_dia:high", "limit:nibp_sys:high"]


def test_acknowledge_all_takes_the_name_and_records_each_alarm(bedside):
    bedside.measure("nibp_sys", 200)
    bedside.advance(12, spo2=85)
    acked = bedside.engine.acknowledge_all("nurse Ada", bedside.now)
    assert {a.key for a in acked} == {"limit:spo2:low", "limit:nibp_sys:high"}
    assert [a for _, a in bedside.records.of("alarm_ack")] == ["nurse Ada", "nurse Ada"]
    with pytest.raises(UserError):
        bedside.engine.acknowledge_all("", bedside.now)


def test_change_notifications_tell_the_display_what_happened(bedside):
    seen = []
    bedside.engine.subscribe(lambda change: seen.append((change.event, change.alarm.key)))
    bedside.advance(12, hr=130)
    bedside.advance(1, hr=80)
    assert seen[0] == ("started", "limit:hr:high") and seen[-1] == ("ended", "limit:hr:high")


def test_the_session_history_keeps_every_alarm_with_its_end(bedside):
    bedside.advance(12, hr=130)
    bedside.measure("hr", 80)
    back_at = bedside.now
    bedside.advance(5)
    bedside.measure("nibp_sys", 200)
    history = bedside.engine.history()
    assert [a.key for a in history] == ["limit:hr:high", "limit:nibp_sys:high"]
    assert history[0].ended == back_at and history[1].ended is None
