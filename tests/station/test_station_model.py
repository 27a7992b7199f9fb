"""The station's rules with a fake clock: offline after silence or last will, stale values, IEC order."""
from __future__ import annotations

from console.station import topics
from console.station.model import StationModel


def msg(model, bed, kind, now, **body):
    return model.on_message(topics.topic(bed, kind), topics.encode(kind, {"t": now, **body}), now)


def test_silence_makes_a_bed_offline_with_a_technical_alarm_and_a_message_brings_it_back():
    m = StationModel(offline_after=5, stale_after=3)
    msg(m, "chair-1", "status", 100, state="online")
    msg(m, "chair-1", "numerics", 100, values={"spo2": {"value": 97, "unit": "%", "t": 99.9}})
    m.tick(104.9)
    assert m.beds["chair-1"].offline_since is None and not m.alarms(104.9)
    m.tick(105.1)
    [alarm] = m.alarms(105.1)
    assert alarm.alarm_id is None and "OFFLINE" in alarm.text and "no message for 5 s" in alarm.text
    assert m.audio(105.1) == "medium"
    msg(m, "chair-1", "numerics", 110, values={"spo2": {"value": 97, "unit": "%", "t": 110}})
    assert m.beds["chair-1"].offline_since is None and not m.alarms(110)


def test_last_will_is_offline_at_once_and_the_old_alarm_list_is_not_shown_as_current():
    m = StationModel(offline_after=5, stale_after=3)
    msg(m, "chair-2", "status", 100, state="online")
    msg(m, "chair-2", "alarms", 100, alarms=[{"id": 1, "priority": "high", "text": "SpO2 low", "kind": "physiological",
                                              "started": 99, "audible": True}])
    msg(m, "chair-2", "status", 101, state="offline")
    [alarm] = m.alarms(101)
    assert "last will" in alarm.text and alarm.bed == "chair-2"


def test_alarms_across_beds_in_priority_order_then_longest_standing():
    m = StationModel(offline_after=5, stale_after=3)
    for bed, pri, started in (("a", "low", 1), ("b", "high", 5), ("c", "medium", 2), ("d", "high", 3)):
        msg(m, bed, "alarms", 10, alarms=[{"id": 1, "priority": pri, "text": "x", "kind": "technical",
                                           "started": started, "audible": False}])
    assert [a.bed for a in m.alarms(10)] == ["d", "b", "c", "a"]
    assert m.audio(10) is None  # nothing audible at the beds: the station does not sound either


def test_value_age_counts_the_beds_own_age_and_the_time_since_receipt():
    m = StationModel(offline_after=5, stale_after=3)
    msg(m, "chair-1", "numerics", 1000.0, values={"spo2": {"value": 97, "unit": "%", "t": 999.0}})
    assert abs(m.beds["chair-1"].value_age("spo2", 1002.0) - 3.0) < 1e-9


def test_malformed_never_raises_and_counts():
    m = StationModel(offline_after=5, stale_after=3)
    for payload in (b"", b"null", b"{}", b'{"schema":1,"kind":"numerics","t":"x","values":{}}',
                    topics.encode("numerics", {"t": 1, "values": {"spo2": {"value": float("nan"), "unit": "%", "t": 1}}}),
                    topics.encode("alarms", {"t": 1, "alarms": [{"id": True}]})):
        assert m.on_message(topics.topic("z", "numerics" if b"alarms" not in payload else "alarms"), payload, 1) is None
    assert m.malformed == 5 and "z" not in m.beds  # the empty payload is a cleared retained message, not malformed
