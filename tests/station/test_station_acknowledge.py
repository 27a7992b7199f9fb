"""Acknowledging from the station: audio only, applied and recorded by the bed, only where allowed."""
from __future__ import annotations

import time

from console.alarms.alarm import Condition
from tests.station.helpers import start_bed, start_station


def raise_alarm(bed) -> int:
    now = time.time()
    bed.alarms.engine.board.assert_condition(Condition(key="test:station-ack", kind="technical", priority="high",
                                                       text="Test alarm for the station"), now)
    bed.alarms.engine.board.tick(now)
    [alarm] = [a for a in bed.alarms.engine.alarms() if a.key == "test:station-ack"]
    bed.alarms.controller.alarms_changed.emit(bed.alarms.engine.alarms())
    return alarm.id


def pick(station, alarm_id):
    for i in range(station.alarm_list.count()):
        item = station.alarm_list.item(i)
        if item.data(0x0100) == ("chair-1", alarm_id):
            station.alarm_list.setCurrentItem(item)
            return item
    return None


def test_station_acknowledges_the_sound_and_the_bed_records_who_and_where(qtbot, tmp_path, broker):
    bed = start_bed(tmp_path, broker.port, "chair-1", allow_station_acknowledge=True)
    station = start_station(qtbot, broker.port)
    try:
        qtbot.waitUntil(lambda: bed.station.publisher.connected and station.connected, timeout=10000)
        alarm_id = raise_alarm(bed)
        qtbot.waitUntil(lambda: pick(station, alarm_id) is not None, timeout=5000)
        assert "HIGH" in pick(station, alarm_id).text() and "sound off" not in pick(station, alarm_id).text()
        station.ack_button.click()
        qtbot.waitUntil(lambda: not bed.alarms.engine.board.alarm(alarm_id).audible(time.time()), timeout=5000)
        still = [a for a in bed.alarms.engine.alarms() if a.id == alarm_id]
        assert still and still[0].acknowledged_by is None  # stays until handled at the bed
        [event] = [e for e in bed.audit.events(kinds=["alarm_pause"]) if e.payload.get("from_station")]
        assert event.payload["from_station"] == "desk" and event.payload["by"] == "nurse at desk"
        assert event.actor == "nurse at desk (from station desk)" and event.payload["alarm_ids"] == [alarm_id]
        qtbot.waitUntil(lambda: "sound off" in (pick(station, alarm_id).text() if pick(station, alarm_id) else ""),
                        timeout=5000)
    finally:
        station.shutdown()
        bed.stop()


def test_a_bed_refuses_and_records_an_acknowledgement_the_clinic_does_not_allow(qtbot, tmp_path, broker):
    bed = start_bed(tmp_path, broker.port, "chair-1")  # allow_station_acknowledge defaults to false
    station = start_station(qtbot, broker.port)
    try:
        qtbot.waitUntil(lambda: bed.station.publisher.connected and station.connected, timeout=10000)
        alarm_id = raise_alarm(bed)
        qtbot.waitUntil(lambda: pick(station, alarm_id) is not None, timeout=5000)
        station.ack_button.click()
        qtbot.waitUntil(lambda: bool(bed.audit.events(kinds=["station_ack_refused"])), timeout=5000)
        assert bed.alarms.engine.board.alarm(alarm_id).audible(time.time())
    finally:
        station.shutdown()
        bed.stop()
