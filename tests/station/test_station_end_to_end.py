"""From a console on ptys, through a real Mosquitto, to the station window; and the broker dying under it."""
from __future__ import annotations

import json
import time

import paho.mqtt.client as mqtt

from console.records.vitals import read_vitals
from console.station import topics
from tests.station.helpers import start_bed, start_station


def test_a_bed_on_ptys_appears_on_the_station_with_its_values(qtbot, tmp_path, broker):
    bed = start_bed(tmp_path, broker.port, "chair-1")
    station = start_station(qtbot, broker.port)
    try:
        chip = bed.window.devices.chips["station"]
        qtbot.waitUntil(lambda: chip.property("state") == "connected", timeout=8000)
        assert "NOT" not in chip.text()
        qtbot.waitUntil(lambda: "chair-1" in station.tiles, timeout=8000)
        tile = station.tiles["chair-1"]
        qtbot.waitUntil(lambda: tile.values["SpO2"].text().isdigit(), timeout=10000)
        spo2 = float(tile.values["SpO2"].text())
        assert 85 <= spo2 <= 100
        # the same value as the bed's own screen shows (the one source of truth)
        qtbot.waitUntil(lambda: bed.window.tiles["spo2"].state == "fresh", timeout=5000)
        bed_model = station.model.beds["chair-1"]
        assert station.model.malformed == 0, station.model.last_malformed
        assert bed_model.online and bed_model.session["phase"] in ("none", "patient")
        qtbot.waitUntil(lambda: bed_model.links.get("oximeter", {}).get("state") == "connected", timeout=5000)
        assert station.model.malformed == 0
    finally:
        station.shutdown()
        bed.stop()


def test_broker_killed_and_restarted_mid_session(qtbot, tmp_path, broker):
    bed = start_bed(tmp_path, broker.port, "chair-2")
    station = start_station(qtbot, broker.port)
    try:
        qtbot.waitUntil(lambda: "chair-2" in station.tiles and bool(station.model.beds["chair-2"].values), timeout=10000)
        assert bed.recorder.flush()
        before = len(read_vitals(bed.database, "spo2")[0])
        broker.kill()
        killed = time.time()
        chip = bed.window.devices.chips["station"]
        qtbot.waitUntil(lambda: "NOT CONNECTED" in chip.text(), timeout=5000)
        assert "lost the broker" in chip.text() or "cannot reach" in chip.text()
        qtbot.waitUntil(lambda: station.model.beds["chair-2"].offline_since is not None,
                        timeout=int((station.timing.offline_after + 3) * 1000))
        assert time.time() - killed <= station.timing.offline_after + 2
        assert any(a.bed == "chair-2" and "OFFLINE" in a.text for a in station.model.alarms(time.time()))
        assert "OFFLINE" in station.tiles["chair-2"].note.text()
        # the bed's own screen and records carry on while the broker is away
        qtbot.wait(2500)
        assert bed.window.tiles["spo2"].state == "fresh"
        assert bed.recorder.flush()
        during = len(read_vitals(bed.database, "spo2")[0])
        assert during > before
        broker.start()
        restarted = time.time()
        qtbot.waitUntil(lambda: bed.station.publisher.connected, timeout=35000)
        qtbot.waitUntil(lambda: station.model.beds["chair-2"].offline_since is None, timeout=35000)
        assert "NOT" not in chip.text()
        print(f"back after {time.time() - restarted:.1f} s")
        assert not any("OFFLINE" in a.text for a in station.model.alarms(time.time()))
        assert bed.recorder.flush()
        t, _ = read_vitals(bed.database, "spo2")
        gaps = [b - a for a, b in zip(t, t[1:])]
        assert max(gaps) < 3, f"the bed's record has a gap of {max(gaps):.1f} s while the broker was away"
    finally:
        station.shutdown()
        bed.stop()


def test_malformed_payloads_are_counted_and_ignored(qtbot, tmp_path, broker):
    station = start_station(qtbot, broker.port)
    try:
        qtbot.waitUntil(lambda: station.connected, timeout=8000)
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="prankster")
        pub.connect("127.0.0.1", broker.port)
        pub.loop_start()
        bad = [("bedside/v1/beds/bed-x/numerics", b"not json"),
               ("bedside/v1/beds/bed-x/numerics", b"[1,2]"),
               ("bedside/v1/beds/bed-x/numerics", json.dumps({"schema": 99, "kind": "numerics"}).encode()),
               ("bedside/v1/beds/bed-x/numerics", topics.encode("numerics", {"t": 1, "values": {"spo2": {"value": "x"}}})),
               ("bedside/v1/beds/bed-x/alarms", topics.encode("alarms", {"t": 1, "alarms": [{"id": 1, "priority": "urgent"}]})),
               ("bedside/v1/beds/bed-x/session", topics.encode("session", {"t": 1, "phase": "dancing"})),
               ("bedside/v1/beds/bed-x/status", b"\xff\xfe"),
               ("bedside/v1/beds/bed-x/extra/deep", b"{}"),
               ("bedside/v1/beds/bed-x/numerics", b"{" * 100000)]
        for t, p in bad:
            pub.publish(t, p, qos=1).wait_for_publish(5)
        good = topics.encode("numerics", {"t": time.time(), "values": {"spo2": {"value": 97, "unit": "%",
                                                                                "t": time.time()}}})
        pub.publish("bedside/v1/beds/bed-y/numerics", good, qos=1).wait_for_publish(5)
        qtbot.waitUntil(lambda: "bed-y" in station.tiles, timeout=5000)
        assert station.model.malformed == len(bad) - 1  # the deep topic is outside the subscription
        assert "bed-x" not in station.model.beds
        assert "malformed" in station.status.text()
        assert station.tiles["bed-y"].values["SpO2"].text() == "97"
        pub.loop_stop()
        pub.disconnect()
    finally:
        station.shutdown()
