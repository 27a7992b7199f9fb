"""The console itself starts the replicator when clinic.toml names a records server."""
from __future__ import annotations

from console.app import build_console
from tests.records.replication_helpers import server_rows, wait_for
from tests.records.test_records_server_command import write_clinic_toml


def test_a_console_with_a_records_server_ships_its_events(tmp_path, clinic_server):
    server, dbname = clinic_server
    write_clinic_toml(tmp_path / "bed", server, dbname, "interval_s = 0.2\n")
    console = build_console(str(tmp_path / "bed"), [], demo=False, with_window=False)
    try:
        assert console.replicator is not None
        for i in range(3):
            console.audit.append("note", {"i": i})
        wait_for(lambda: server_rows(server, dbname, "SELECT count(*) FROM events")[0][0] == 3, what="3 events")
    finally:
        console.stop()
    assert console.replicator._thread is None  # stopped with the console


def test_without_a_records_server_nothing_is_started(tmp_path):
    console = build_console(str(tmp_path / "bed"), [], demo=False, with_window=False)
    try:
        assert console.replicator is None
    finally:
        console.stop()


def test_a_console_with_an_hl7_receiver_sends_numerics(tmp_path):
    from device_drivers.events import Measurement
    from tests.records.test_hl7_feed import MllpListener
    listener = MllpListener().start()
    bed = tmp_path / "bed"
    bed.mkdir()
    (bed / "clinic.toml").write_text(f'[hl7]\nhost = "127.0.0.1"\nport = {listener.port}\ninterval_s = 1\n')
    console = build_console(str(bed), [], demo=False, with_window=False)
    try:
        assert console.hl7_feed is not None
        console.hl7_feed.on_measurement(Measurement(1.0, "monitor", "spo2", 97.0, "%"))
        wait_for(lambda: len(listener.received) >= 1, what="a numerics message")
        assert str(listener.received[0].segments("OBX")[0][5]) == "97", [str(m) for m in listener.received]
    finally:
        console.stop()
        listener.stop()


def test_the_window_searches_the_clinic_and_shows_the_records_chip(qtbot, tmp_path, clinic_server):
    server, dbname = clinic_server
    write_clinic_toml(tmp_path / "bed", server, dbname, "interval_s = 0.2\n")
    console = build_console(str(tmp_path / "bed"), [], demo=False)
    qtbot.addWidget(console.window)
    try:
        assert console.session_panel.pages["find"].server_settings == console.replicator.settings
        chip = console.window.devices.chips["records"]
        qtbot.waitUntil(lambda: "up to date" in chip.text(), timeout=20_000)
        assert "Records server" in chip.text()
    finally:
        console.stop()
