"""The composition root: builds the parts, wires their signals, owns their lifetimes.

The only module that knows all parts. Everything else gets what it needs passed in, so each part can be
built alone in a test.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from console.device_hub import DeviceHub
from console.metric_catalog import Catalog, load_catalog
from console.records.audit import AuditLog
from console.records.database import Database, open_database
from console.records.vitals import VitalsRecorder
from console.records.waves import WaveRecorder
from device_drivers import registry
from device_drivers.events import LinkState, Waveform
from console.pump_follower import PumpFollower
from console.session import event_kinds as ek
from device_drivers.pty_server import PtyServer
from device_drivers.pump import PumpCommandResult, PumpControl, pump_control
from device_drivers.transport import SerialLink


class StorageProblems:
    """Storage failures reported from any thread (the vitals recorder, the background integrity check).

    Never silent: each is logged at once (the log file and stderr) and kept; listeners (the alarm engine raises a
    technical alarm) get it too; they are called on the reporting thread and must hand over to their own.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.listeners: list = []

    def report(self, message: str) -> None:
        import logging
        self.messages.append(message)
        logging.getLogger("console.records").error("%s", message)
        for listener in list(self.listeners):
            listener(message)


@dataclass
class DeviceSpec:
    """One device to connect: which driver, on which port (a URL, or a callable that finds it)."""

    role: str
    driver: str
    port: object
    settings: object = None


@dataclass
class Console:
    data_dir: Path
    database: Database
    audit: AuditLog
    recorder: VitalsRecorder
    hub: DeviceHub
    catalog: Catalog
    demo: bool
    simulators: list[PtyServer] = field(default_factory=list)
    window: object = None
    session_panel: object = None
    records_panel: object = None
    codecs: dict = field(default_factory=dict)
    pump_follower: object = None
    alarms: object = None
    storage_problems: object = None
    temp_dir: str | None = None
    crash_notice: object = None
    replicator: object = None  # clinic records server (console/records/replication.py), or None
    records_status: object = None  # its chip on the device strip (console/ui/records_status.py), or None
    hl7_feed: object = None  # HL7 v2 feed to the EHR (console/integration/hl7.py), or None
    station: object = None
    wave_recorder: object = None  # WaveRecorder: every Waveform the drivers emit, stored in blocks
    _last_link: dict = field(default_factory=dict)

    def record_link(self, event) -> None:
        """Link state changes go into the audit trail: why a device was silent is part of the record."""
        if not isinstance(event, LinkState) or event.state == "connecting":
            return
        if self._last_link.get(event.device) == (event.state, event.detail.split(":")[0]):
            return
        self._last_link[event.device] = (event.state, event.detail.split(":")[0])
        self.audit.append("device_link", {"device": event.device, "state": event.state, "port": event.port,
                                          "detail": event.detail}, t=event.t)

    def record_pump_command(self, event) -> None:
        """What the console told the pump to do and what the pump answered: part of the infusion record."""
        if isinstance(event, PumpCommandResult):
            self.audit.append("pump_command", event.to_json(), t=event.t, actor="console")

    def stop(self) -> None:
        """Stop devices first, then storage; events still queued for the GUI are dropped, not half-written."""
        self.hub.blockSignals(True)
        if self.station is not None:
            self.station.stop()
        if self.session_panel is not None:
            self.session_panel.timer.stop()  # no refresh reads the database once it closes
            if "find" in self.session_panel.pages:  # built only once the nurse searched (or a server is set)
                self.session_panel.pages["find"].shutdown()
        if self.records_status is not None:
            self.records_status.stop()
        if self.alarms is not None:
            self.alarms.stop()
        if self.window is not None:
            self.window.shutdown()
        if self.records_panel is not None:
            self.records_panel.shutdown()
        self.hub.stop()
        for sim in self.simulators:
            sim.stop()
        self.recorder.stop()
        if self.wave_recorder is not None:
            self.wave_recorder.stop()
        for link in (self.replicator, self.hl7_feed):
            if link is not None:
                link.stop()
        self.database.close()
        if self.temp_dir:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


#: the demo's bed: role, driver, and the scenario each simulator plays for `demo --scenario S`
DEMO_BED = (("monitor", "intellivue"), ("oximeter", "masimo-ascii"), ("pump", "ne1000-safe"))  # the pump as a new set-up defaults to it: CRC-checked replies


def demo_devices(scenario: str) -> tuple[list[DeviceSpec], list[PtyServer]]:
    """Simulated devices on real ptys, so the demo exercises the same serial path as a real bed.

    Each simulator plays `scenario` when it knows it (the oximeter and monitor both desaturate), else normal."""
    specs, servers = [], []
    try:
        for role, driver in DEMO_BED:
            model_cls = registry.simulator_class(driver)
            model = model_cls(scenario if scenario in model_cls.scenarios else "normal", start=time.time())
            server = PtyServer(model).start()
            servers.append(server)
            specs.append(DeviceSpec(role, driver, server.port))
    except Exception:
        for server in servers:
            server.stop()
        raise
    return specs, servers


class NibpSchedule:
    """From the infusion's start to the end of the session the monitor's NIBP is expected every cycle; a
    missed cycle is a technical alarm (resources/alarm_defaults.toml, technical.nibp_missed)."""

    def __init__(self, engine, desk) -> None:
        self.engine = engine
        minutes = float(engine.config.technical["nibp_missed"].extra.get("cycle_minutes", 0))
        self.interval = minutes * 60 if minutes > 0 else None

    def begin(self, now: float) -> None:
        self.engine.set_nibp_schedule(self.interval, now)

    def __call__(self, event) -> None:
        if event.kind == ek.INFUSION_STARTED:
            self.begin(event.t)
        elif event.kind in (ek.SIGNED_OFF, ek.CANCELLED):
            self.engine.set_nibp_schedule(None, event.t)


def install_console_alarms(console: "Console", desk, *, config=None, with_sound: bool = True) -> None:
    """The alarm engine, fed by the hub, the session and storage failures; its bar and history in the window.

    With a controllable pump the respiratory interlock stops it itself; with any other it tells the nurse to."""
    from PySide6.QtCore import QObject, Signal

    from console.alarm_wiring import install_alarms, pump_stopper

    pump = console.codecs.get("pump")
    controllable = pump is not None and pump_control(pump) is PumpControl.CONTROLLABLE
    alarms = install_alarms(console, user=lambda: desk.user.name if desk.user else None,
                            session_id=lambda: desk.session.session_id if desk.session else None,
                            verify_pin=lambda u, p: desk.staff.authenticate(u, p, now=time.time()),
                            pump_intent=pump_stopper(pump) if controllable else None, config=config,
                            with_sound=with_sound)
    if pump is not None:
        alarms.engine.set_pump(pump.device, pump_control(pump))
    desk.session_listeners.append(alarms.engine.on_session_event)
    desk.active_alarms = alarms.engine.alarms  # the session rules judge start and sign-off against the bar
    desk.interlock_holds = lambda: alarms.engine.pump_held  # and refuse start/resume/raise while it holds
    if console.session_panel is not None:  # the NEXT line follows a trip or a release at once, not a tick later
        from PySide6.QtCore import QTimer
        panel = console.session_panel

        def refresh_soon(_change) -> None:
            QTimer.singleShot(0, panel, lambda: panel.refresh() if panel.timer.isActive() else None)
        alarms.engine.subscribe(refresh_soon)
    desk.session_listeners.append(NibpSchedule(alarms.engine, desk))
    if desk.session is not None and desk.session.state.started and not desk.session.state.closed:
        NibpSchedule(alarms.engine, desk).begin(time.time())  # a resumed infusion is watched again

    class _StorageRelay(QObject):  # storage failures arrive on worker threads; the engine lives on the GUI's
        failed = Signal(str)

    relay = _StorageRelay(console.window)
    relay.failed.connect(lambda message: alarms.engine.storage_failed(time.time(), message))
    console.storage_problems.listeners.append(relay.failed.emit)
    console.alarms = alarms


def open_device_setup(console: "Console") -> None:
    """The biomed's device set-up, for this bed's configuration file; changes apply at the next start."""
    from console.ui.device_setup import DeviceSetupDialog
    dialog = DeviceSetupDialog(console.data_dir, parent=console.window)
    dialog.setWindowTitle("Devices — changes apply when the console is next started")
    dialog.exec()


def seed_demo_staff(staff) -> str:
    """Demo accounts (resources/demo.toml) so a trainee can run a session at once; returns them as text."""
    import resources
    doc = resources.load("demo.toml")
    now = time.time()
    people = doc.items("staff")
    admin = staff.create_first_admin(people[0]["username"], people[0]["name"], people[0]["pin"], now=now)
    for p in people[1:]:
        staff.create(p["username"], p["name"], p["role"], p["pin"], by=admin, now=now)
    return ", ".join(f"{p['username']} {p['pin']}" for p in people[1:])


def build_console(data_dir: str | None, devices: list[DeviceSpec], *, demo: bool,
                  simulators: list[PtyServer] | None = None, with_window: bool = True,
                  alarm_config=None, with_sound: bool = True, session_clock=time.time,
                  defer_plots: bool = False, early_check=None) -> Console:
    """Everything for one bed. `alarm_config` replaces the clinic's alarm settings (tests, benchmarks).
    `defer_plots`: the window builds its trend and waves just after its first frame (the console's start:
    console/ui/main_window.py); else at once.
    `session_clock` is the clinical session's clock (infusion, observation, assessments, ledger times):
    a whole-session test advances it instead of waiting 40 minutes; devices and alarms keep real time.
    `early_check`: the start-up check of the records (console/records/database.py, EarlyCheck), already
    running; it is waited for before the records are opened."""
    temp_dir = None
    if data_dir is None:
        temp_dir = tempfile.mkdtemp(prefix="bedside-demo-")
        data_dir = temp_dir
    path = Path(data_dir)
    # the bulk vitals and waves are checked in the background; the rest now, or by the early check
    database = open_database(path, defer_vitals_check=True, early=early_check)
    audit = AuditLog(database)
    problems = StorageProblems()
    recorder = VitalsRecorder(database, on_error=problems.report)
    hub = DeviceHub()
    catalog = load_catalog()
    console = Console(path, database, audit, recorder, hub, catalog, demo, simulators or [], None, temp_dir)
    console.storage_problems = problems
    from console.records.records_config import records_config
    # the whole file's check waits until the window is up (records.toml [integrity])
    database.check_in_background(problems.report, delay_s=records_config().background_check_delay_s)
    hub.add_thread_sink(lambda e: recorder.submit(e) if hasattr(e, "metric") else None)
    # waves go to disk from the link threads too, never through the GUI queue (≤ 1 s at risk, like vitals)
    console.wave_recorder = WaveRecorder(database, on_error=problems.report)
    hub.add_thread_sink(lambda e: console.wave_recorder.submit(e) if isinstance(e, Waveform) else None)
    hub.device_event.connect(console.record_link)
    hub.device_event.connect(console.record_pump_command)
    for spec in devices:
        codec = registry.codec_class(spec.driver)(spec.role)
        console.codecs[spec.role] = codec
        if getattr(codec, "needs_link", True):
            hub.add_link(SerialLink(spec.port, codec, hub.post, settings=spec.settings))
    if with_window:
        from console.ui.main_window import MainWindow
        window = MainWindow(catalog, demo=demo, defer_plots=defer_plots)
        console.window = window
        if temp_dir is None and demo:
            window.demo_banner.set_parts(where=f"records kept in {path}")
        for spec in devices:
            title = f"{spec.role.capitalize()} · {spec.driver}"
            window.devices.add_device(spec.role, title)
            if not getattr(console.codecs[spec.role], "needs_link", True):
                window.devices.show_keyed_in(spec.role)  # no link will ever connect: say what is true
        hub.measurement.connect(window.on_measurement)
        hub.device_event.connect(window.on_device_event)
        from console.ui.session.panel import build_session_panel
        panel = build_session_panel(database, audit, hub=hub, data_dir=path, window=window,
                                    clock=session_clock)
        if demo and panel.desk.staff.needs_first_admin():
            logins = seed_demo_staff(panel.desk.staff)
            window.demo_banner.set_parts(warning=f"{window.demo_banner.warning} — demo logins: {logins}")
            panel.refresh()
        window.add_side_panel(panel, "Session")
        # the window's header shows the same patient line, whichever tab is open; twice would take the
        # session page's room on a 1366x768 screen (two or three wrapped lines above NEXT)
        panel.patient.setVisible(False)
        console.session_panel = panel
        pump = console.codecs.get("pump")
        if pump is not None and pump_control(pump) is PumpControl.CONTROLLABLE:
            desk = panel.desk
            follower = PumpFollower(pump, lambda: desk.session.state.order["total_ml"]
                                    if desk.session and desk.session.state.order else None)
            desk.session_listeners.append(follower.on_session_event)
            desk.pump_programs_itself = True
            console.pump_follower = follower
        elif pump is not None and pump_control(pump) is PumpControl.MANUAL:
            from console.ui.manual_pump_panel import ManualPumpPanel
            desk = panel.desk
            window.add_side_panel(ManualPumpPanel(
                pump, hub.post, user=lambda: desk.user.name if desk.user else None, audit=audit,
                session_id=lambda: desk.session.session_id if desk.session else None), "Pump")
        from console.ui.records_panel import RecordsPanel
        console.records_panel = RecordsPanel(database, export_dir=path / "exports", clock=session_clock)
        window.add_side_panel(console.records_panel, "Records")
        install_console_alarms(console, panel.desk, config=alarm_config, with_sound=with_sound)
        window.add_header_button("Devices…", lambda: open_device_setup(console))
        # central station (issue #11): publishes this bed when clinic.toml names a broker; never waited on
        from console.station.bed_link import install_station
        console.station = install_station(console)
    recorder.start()
    # clinic records server: ships this chair's records on its own thread when clinic.toml names one
    from console.records.replication import start_replicator
    console.replicator = start_replicator(database, path, problems.report)
    if console.replicator is not None and console.records_panel is not None:  # history across chairs
        console.records_panel.server_settings = console.replicator.settings
    if console.replicator is not None and console.session_panel is not None:  # patient search across chairs
        console.session_panel.pages["find"].server_settings = console.replicator.settings
    from console.ui.records_status import install_records_status  # the 'Records server' chip and its alarm
    console.records_status = install_records_status(console)
    from console.integration.hl7 import start_hl7_feed
    console.hl7_feed = start_hl7_feed(console)
    hub.start()
    return console
