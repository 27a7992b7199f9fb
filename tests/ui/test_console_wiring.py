"""The composition root puts the parts together the way a bed is set up: controllable pump, manual pump."""
from __future__ import annotations

import time
from datetime import date

import pytest
from checklist_answers import answer_all_passing

from console.app import DeviceSpec, build_console
from console.session.rules.verdict import NeedsOverride
from device_drivers.events import Measurement
from device_drivers.pty_server import PtyServer
from device_drivers.simulators.ne1000 import Ne1000Simulator
from ledger_draws import draw_the_order


@pytest.fixture
def pump_bed(qtbot, tmp_path):
    server = PtyServer(Ne1000Simulator("normal", start=time.time())).start()
    console = build_console(str(tmp_path / "data"), [DeviceSpec("pump", "ne1000", server.port)], demo=False)
    qtbot.addWidget(console.window)
    yield console, server
    console.stop()
    server.stop()


def run_session_to_infusion(desk, start: bool = True):
    """A nurse takes a 70 kg patient through checklist, order and double check, and starts the infusion."""
    now = desk.clock
    admin = desk.staff.create_first_admin("admin", "Ada Admin", "2580", now=now())
    desk.staff.create("nina", "Nina Nurse", "nurse", "4711", by=admin, now=now())
    desk.staff.create("noah", "Noah Nurse", "nurse", "5822", by=admin, now=now())
    desk.login("nina", "4711")
    desk.start_session(desk.create_patient("MRN-1", "Pat Pump", "1970-01-01", ""))
    desk.accept_weight(70.0, date.today())
    session, nurse = desk.session, desk.user
    answer_all_passing(session, nurse, now)
    session.complete_checklist(by=nurse, now=now())
    session.place_order("single_40min", by=nurse, now=now())
    session.double_check(52.5, checker=desk.second_person("noah", "5822"), now=now())
    draw_the_order(session, nurse, now())
    if start:
        session.start(by=nurse, now=now())


def test_a_controllable_pump_runs_at_the_rate_the_nurse_started(qtbot, pump_bed):
    console, server = pump_bed
    events = []
    console.hub.device_event.connect(events.append)
    desk = console.session_panel.desk
    run_session_to_infusion(desk, start=False)
    assert "the console sets the pump to 52.5 mL/h" in desk.next_step()[1]  # not "set the pump" for the nurse
    desk.session.start(by=desk.user, now=desk.clock())
    qtbot.waitUntil(lambda: any(getattr(e, "command", None) == "start" and e.ok for e in events), timeout=15000)
    results = {e.command: e for e in events if hasattr(e, "command")}
    assert results["set_rate"].ok and results["set_vtbi"].ok
    assert server.model.rate == pytest.approx(52.5)  # the simulated pump really was set, over the pty
    assert console.pump_follower.sent == ["set_vtbi 35", "set_rate 52.5", "start"]
    qtbot.waitUntil(lambda: len([e for e in console.audit.events() if e.kind == "pump_command"]) >= 3, timeout=5000)
    commands = [e.payload["command"] for e in console.audit.events() if e.kind == "pump_command"]
    assert {"set_vtbi", "set_rate", "start"} <= set(commands)
    desk = console.session_panel.desk
    desk.session.stop("planned end", by=desk.user, now=desk.clock())
    qtbot.waitUntil(lambda: any(getattr(e, "command", None) == "stop" and e.ok for e in events), timeout=15000)


def test_a_manual_pump_gets_the_nurses_entry_panel_and_no_port(qtbot, tmp_path):
    console = build_console(str(tmp_path / "data"), [DeviceSpec("pump", "manual", None)], demo=False)
    qtbot.addWidget(console.window)
    try:
        titles = [console.window.side.tabText(i) for i in range(console.window.side.count())]
        assert "Pump" in titles
        assert console.hub.links == []  # nothing to open: the nurse keys in what the pump shows
        assert console.pump_follower is None
    finally:
        console.stop()


def test_from_the_infusion_start_a_missed_nibp_cycle_raises_a_technical_alarm(qtbot, tmp_path):
    console = build_console(str(tmp_path / "data"), [], demo=False, with_sound=False)
    qtbot.addWidget(console.window)
    try:
        engine = console.alarms.engine
        assert engine.technical.nibp_due is None  # no session, no schedule
        run_session_to_infusion(console.session_panel.desk)
        started = console.session_panel.desk.session.state.started_t
        cycle = engine.config.technical["nibp_missed"].extra["cycle_minutes"] * 60
        assert engine.technical.nibp_due == pytest.approx(started + cycle)
        grace = engine.config.technical["nibp_missed"].extra["grace_seconds"]
        engine.tick(started + cycle + grace - 1)
        assert "tech:nibp_missed" not in [a.key for a in engine.alarms()]
        engine.tick(started + cycle + grace + 1)
        assert "tech:nibp_missed" in [a.key for a in engine.alarms()]
    finally:
        console.stop()


def test_a_manual_pump_is_shown_as_keyed_in_by_the_nurse_not_connecting_forever(qtbot, tmp_path):
    console = build_console(str(tmp_path / "data"), [DeviceSpec("pump", "manual", None)], demo=False,
                            with_sound=False)
    qtbot.addWidget(console.window)
    try:
        chip = console.window.devices.chips["pump"]
        assert "keyed in by the nurse" in chip.text() and "connecting" not in chip.text()
        qtbot.wait(300)  # nothing comes later to say otherwise
        assert "keyed in by the nurse" in chip.text()
    finally:
        console.stop()


def test_the_session_core_is_given_the_alarms_on_the_bar(qtbot, tmp_path):
    """The composition root hands the desk the alarm engine's alarms: a desaturation on the hub holds the start."""
    import dataclasses

    from console.alarms.alarm_config import load_defaults
    config = load_defaults()  # the 10 s SpO2 delay off, so one reading raises the alarm now
    spo2 = config.parameters["spo2"]
    config = dataclasses.replace(config, parameters={
        **config.parameters, "spo2": dataclasses.replace(spo2, low=dataclasses.replace(spo2.low, delay=0.0))})
    console = build_console(str(tmp_path / "data"), [], demo=False, with_sound=False, alarm_config=config)
    qtbot.addWidget(console.window)
    try:
        desk = console.session_panel.desk
        run_session_to_infusion(desk, start=False)
        desk.ledger.record_draw(session_id=desk.session.session_id, drug="ketamine", concentration_mg_per_ml=1.0,
                                lot="KX-1", expiry="2099-01-01", volume_ml=35, actor="nina", t=time.time())
        console.hub.post(Measurement(time.time(), "oximeter", "spo2", 86, "%"))
        qtbot.waitUntil(lambda: any(a.priority == "high" for a in console.alarms.engine.alarms()), timeout=5000)
        with pytest.raises(NeedsOverride, match="SpO2 86"):
            desk.session.start(by=desk.user, now=desk.clock())
        assert not desk.session.state.started
    finally:
        console.stop()


def test_the_oximeters_pleth_wave_is_stored_from_the_link_thread(qtbot, tmp_path):
    """A real Nonin DF7 simulator over a pty: its pleth reaches wave_blocks without the GUI doing anything."""
    from console.records.waves import read_wave, stored_waves
    from device_drivers.simulators.nonin import NoninSimulator
    server = PtyServer(NoninSimulator("normal", start=time.time())).start()
    console = build_console(str(tmp_path / "data"), [DeviceSpec("oximeter", "nonin-df7", server.port)], demo=False)
    qtbot.addWidget(console.window)
    try:
        start = time.time()
        qtbot.waitUntil(lambda: any(s.wave == "pleth" and s.samples >= 150 for s in stored_waves(console.database)),
                        timeout=15000)
        t, v = read_wave(console.database, "pleth", start - 5, time.time() + 5, source="oximeter")
        assert len(v) >= 150 and v.max() > v.min() and abs(t[-1] - time.time()) < 5
    finally:
        console.stop()
        server.stop()
