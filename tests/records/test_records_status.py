"""The 'Records server' chip on the device strip and the technical alarm when this chair's records have not
reached the clinic server for too long: a real DeviceStrip, a real replicator, a real alarm engine."""
from __future__ import annotations

import dataclasses
import time
from datetime import datetime

from console.alarms.engine import AlarmEngine
from console.records.records_config import records_config
from console.records.replication import ReplicationStatus
from console.ui.device_strip import DeviceStrip
from console.ui.records_status import RecordsStatus, status_line
from tests.records.replication_helpers import Chair, server_rows, settings_for, wait_for

NOW = datetime(2026, 12, 2, 14, 30).timestamp()


def test_the_words_for_each_state():
    up = ReplicationStatus(online=True, last_sync_t=NOW)
    assert status_line(up, NOW)[:2] == ("ok", "up to date")
    busy = dataclasses.replace(up, pending_rows=42, oldest_pending_t=NOW - 185)
    assert status_line(busy, NOW)[:2] == ("waiting", "42 rows waiting (oldest 3 min)")
    sending = dataclasses.replace(up, pending_rows=11, oldest_pending_t=NOW - 3)  # the last seconds' vitals
    assert status_line(sending, NOW)[:2] == ("ok", "up to date") and "11 rows waiting" in status_line(sending, NOW)[2]
    down = ReplicationStatus(online=False, offline_since=datetime(2026, 12, 2, 14, 2).timestamp(),
                             last_error="connection refused", pending_rows=7, oldest_pending_t=NOW - 7200)
    state, words, tip = status_line(down, NOW)
    assert state == "down" and tip == "7 rows waiting (oldest 2 h 00 min)\nconnection refused"
    assert words == "NOT REACHABLE since 14:02 — records are safe on this chair"
    assert status_line(ReplicationStatus(conflict="event 5 differs"), NOW)[0] == "conflict"


def test_the_alarm_threshold_and_priority_come_from_records_toml():
    config = records_config()
    assert config.replication_alarm_after_s == 30 * 60 and config.replication_alarm_priority == "low"


def test_chip_and_alarm_follow_the_replicator(qtbot, tmp_path, clinic_server):
    server, dbname = clinic_server
    chair = Chair(tmp_path / "a", "a")
    pid = chair.people.add_patient(mrn="S-1", name="Sam Status", dob="1980-01-01", allergies="", t=time.time(),
                                   by="n")
    chair.session(pid, "S-1", "Sam Status", t=time.time(), pain_before=6, pain_after=2, sid="s-1")
    strip = DeviceStrip()
    qtbot.addWidget(strip)
    strip.show()
    engine = AlarmEngine()
    clock = [time.time()]
    dead = chair.replicator(server, dbname)
    dead.settings = dataclasses.replace(settings_for(server, dbname), port=1)  # nothing listens there
    dead.start()
    status = RecordsStatus(dead.snapshot, strip, engine=engine, after_s=1800, priority="low",
                           clock=lambda: clock[0])
    try:
        wait_for(lambda: dead.snapshot().offline_since is not None, what="the replicator to give up")
        status.update()
        chip = strip.chips["records"].text()
        since = datetime.fromtimestamp(dead.snapshot().offline_since).strftime("%H:%M")
        assert f"NOT REACHABLE since {since} — records are safe on this chair" in chip
        assert "rows waiting" in strip.chips["records"].toolTip()
        strip.resize(520, strip.height())  # little room: the first words stay, the rest is in the tooltip
        status.update()
        assert f"NOT REACHABLE since {since}" in strip.chips["records"].text()
        assert "records are safe on this chair" in strip.chips["records"].toolTip()
        assert status.state == "down" and not engine.alarms()

        clock[0] += 31 * 60  # half an hour later, still cut off: the clinic's ledger is diverging
        status.update()
        [alarm] = engine.alarms()
        assert alarm.kind == "technical" and alarm.priority == "low" and "Records not sent" in alarm.text
        assert "31 min" in alarm.text or "32 min" in alarm.text
        dead.stop()

        live = chair.replicator(server, dbname)
        live.sync_once()  # the link is back: everything arrives
        status.snapshot = live.snapshot
        clock[0] = time.time()
        status.update()
        assert status.state == "ok" and "up to date" in strip.chips["records"].text()
        assert engine.alarms() == []  # low priority does not latch: cleared when the rows are confirmed
        assert server_rows(server, dbname, "SELECT count(*) FROM events")[0][0] == chair.count("events")
        live.stop()
    finally:
        status.stop()
        dead.stop()
        chair.close()
