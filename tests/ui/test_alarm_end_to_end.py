"""The alarm system inside the running console: a low SpO2 line on a real pty becomes a red row in the
alarm bar and an alarm record in the audit log on disk; no sound player means a visible technical alarm."""
from __future__ import annotations

import dataclasses
import time

import pytest
from PySide6.QtCore import Qt

from console.alarm_wiring import pump_stopper
from console.alarms.alarm_config import load_defaults
from console.app import DeviceSpec, build_console
from device_drivers.pty_server import PtyServer
from device_drivers.events import Measurement
from device_drivers.simulators.masimo import MasimoSimulator


class Silent(MasimoSimulator):
    """An oximeter that sends only the lines the test writes."""

    def tick(self, now):
        return b""


def no_delay_config():
    config = load_defaults()
    spo2 = config.parameters["spo2"]
    params = {**config.parameters, "spo2": dataclasses.replace(spo2, low=dataclasses.replace(spo2.low, delay=0.0))}
    return dataclasses.replace(config, parameters=params)


@pytest.fixture
def make_bed(qtbot, tmp_path):
    """A bed with an oximeter on a pty, built by the composition root with these alarm options."""
    built = []

    def make(**alarm_options):
        model = Silent("normal")
        server = PtyServer(model).start()
        console = build_console(str(tmp_path / "data"), [DeviceSpec("oximeter", "masimo-ascii", server.port)],
                                demo=False, simulators=[server], **alarm_options)
        qtbot.addWidget(console.window)
        built.append(console)
        return console, server, model
    yield make
    for console in built:
        console.stop()


def line(model, spo2):
    model.override = {"spo2": spo2, "pr": 72.0, "pi": 3.5}
    return model.line(time.time())


def test_a_low_spo2_line_on_the_serial_port_becomes_a_red_alarm_row_and_a_record(qtbot, make_bed):
    console, server, model = make_bed(alarm_config=no_delay_config(), with_sound=False)
    alarms = console.alarms
    console.window.show()
    qtbot.waitUntil(lambda: console.window.devices.chips["oximeter"].property("state") == "connected", timeout=5000)
    server.write(line(model, 97))
    # ASCII 1 has no checksum: a value counts when two lines in a row carry it (#14), a second late
    server.write(line(model, 84))
    server.write(line(model, 84))
    row = alarms.bar.rows[0]
    qtbot.waitUntil(lambda: row.isVisible() and row.alarm.key == "limit:spo2:low", timeout=5000)
    assert row.tag.text() == "HIGH" and "SpO2 84 %" in row.text.text().replace("\u00a0", " ")  # a no-break space keeps value and unit together
    assert row.colours()[0] in ("#e8202a", "#1b2330")  # red, or its dark flash phase
    started = console.audit.events(kinds=["alarm_start"])
    assert started and started[-1].payload["key"] == "limit:spo2:low" and started[-1].payload["value"] == 84
    # 84 -> 97 in one line is a jump no averaged reading makes: a third line confirms it (masimo_ascii.toml
    # [consistency.jump])
    server.write(line(model, 97))
    server.write(line(model, 97))
    server.write(line(model, 97))
    qtbot.waitUntil(lambda: alarms.bar.rows[0].alarm is not None and alarms.bar.rows[0].alarm.latched, timeout=5000)
    qtbot.mouseClick(alarms.bar.ack_button, Qt.LeftButton)
    assert alarms.bar.quiet.isVisible()
    ack = console.audit.events(kinds=["alarm_ack"])[-1]
    assert ack.actor == "bedside user (not signed in)"


def test_with_no_sound_player_the_bar_says_alarms_are_visual_only(qtbot, make_bed, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    console, _, _ = make_bed(with_sound=True)
    alarms = console.alarms
    keys = [r.alarm.key for r in alarms.bar.rows if r.alarm is not None]
    assert keys == ["tech:no_audio"]
    assert "alarms are visual only" in alarms.bar.rows[0].text.text()


def test_the_interlock_stop_reaches_a_controllable_pump():
    class Pump:
        stopped = 0

        def stop(self):
            self.stopped += 1

    pump = Pump()
    intent = pump_stopper(pump)
    intent("release", "recovered")
    assert pump.stopped == 0
    intent("stop", "respiratory interlock")
    assert pump.stopped == 1


def test_a_physician_restarts_after_the_interlock_with_their_pin_and_a_nurse_cannot(qtbot, make_bed):
    from console.app import seed_demo_staff
    console, server, model = make_bed(with_sound=False)
    desk = console.session_panel.desk
    seed_demo_staff(desk.staff)
    desk.login("nurse", "2468")  # the alarm buttons are pressed by the nurse signed in at the panel
    alarms = console.alarms
    console.window.show()
    engine, now = alarms.engine, time.time()
    engine.set_pump(None, "manual")
    for i in range(11):
        for metric, value in (("spo2", 84), ("rr", 5)):
            engine.on_event(Measurement(now + i, "monitor", metric, value, ""), now + i)
    engine.confirm_pump_stopped("Nora Nurse (demo)", now + 11)
    for i in range(12, 15):
        for metric, value in (("spo2", 96), ("rr", 12)):
            engine.on_event(Measurement(now + i, "monitor", metric, value, ""), now + i)
    alarms.bar.show_alarms(engine.alarms())
    row = next(r for r in alarms.bar.rows if r.alarm is not None and r.alarm.key == "interlock:respiratory")
    assert row.resume_button.isVisible()
    qtbot.mouseClick(row.resume_button, Qt.LeftButton)
    dialog = alarms.resume_dialog
    dialog.username.setText("nurse")
    dialog.pin.setText("2468")
    dialog.reason.setText("looks fine")
    qtbot.mouseClick(dialog.ok, Qt.LeftButton)
    assert "needs a physician" in dialog.error.text() and engine.pump_held
    dialog.username.setText("doctor")
    dialog.pin.setText("1357")
    dialog.reason.setText("awake, SpO2 96 %, RR 12")
    qtbot.mouseClick(dialog.ok, Qt.LeftButton)
    assert not engine.pump_held and dialog.result() == dialog.DialogCode.Accepted
    resumed = console.audit.events(kinds=["interlock_resume"])[-1]
    assert resumed.actor == "Dr Paula Physician (demo)" and resumed.payload["reason"] == "awake, SpO2 96 %, RR 12"
    alarms.stop()
