"""Puts a StationPublisher into a running console: what it reads from the hub, the alarm engine and the
session, and the 'Station' chip on the device strip. Called from one block in console/app.py.

Everything here runs on the GUI thread except the hub's thread sink (numerics go straight from the link
threads to the publisher, like they go to the recorder) and paho's callbacks, which are handed to the GUI
thread through a queued signal.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from console.station.settings import BrokerSettings, load_station, load_timing

if TYPE_CHECKING:  # paho is imported when a broker is configured, not for every start-up
    from console.station.publisher import StationPublisher

LINK_STATES = ("connected", "connecting", "silent", "reconnecting", "closed")


def patient_label(patient: dict | None, display: str) -> str | None:
    """What the station shows of the patient: initials and MRN, or nothing (bed only), as the clinic chose."""
    if not patient or display == "bed_only":
        return None
    initials = "".join(w[0].upper() for w in str(patient.get("name") or "").replace(",", " ").split() if w)
    return f"{initials} · {patient.get('mrn') or ''}".strip(" ·")


def desk_session(desk, display: str) -> Callable[[float], dict[str, Any]]:
    """The session topic's body from the bed's session desk: phase, clocks, patient as configured."""
    def body(now: float) -> dict[str, Any]:
        s = desk.session if desk is not None else None
        if s is None:
            return {"phase": "none", "patient": None, "infusion_left_s": None, "observation_left_s": None}
        st = s.state
        return {"phase": st.phase, "patient": patient_label(st.patient, display),
                "infusion_left_s": st.infusion_remaining_seconds(now) if st.phase == "infusion" else None,
                "observation_left_s": st.observation_remaining_seconds(now) if st.phase == "observation" else None}
    return body


class _Relay(QObject):
    state = Signal(bool, str)
    ack = Signal(object)


class BedLink:
    """The publisher and its feeds for one bed; `stop()` says goodbye to the station."""

    def __init__(self, publisher: StationPublisher, relay: _Relay, timer: QTimer) -> None:
        self.publisher, self.relay, self.timer = publisher, relay, timer
        self.acks: list[dict] = []

    def stop(self) -> None:
        self.timer.stop()
        self.publisher.stop()


def install_station(console, *, session_body: Callable[[float], dict] | None = None,
                    settings: BrokerSettings | None = None, strip=None) -> BedLink | None:
    """Publish this bed when clinic.toml names a station broker; None (and nothing started) when it does not."""
    from console.errors import UserError
    from resources import ResourceError
    try:  # a wrong station setting stops the start with the field named, like every clinic setting
        settings = settings or load_station(console.data_dir)
        if settings is None:
            return None
        settings.password()
    except ResourceError as exc:
        raise UserError(str(exc)) from None
    desk = getattr(getattr(console, "session_panel", None), "desk", None)
    session_body = session_body or desk_session(desk, settings.patient_display)
    from console.station.publisher import StationPublisher
    relay = _Relay()
    publisher = StationPublisher(settings, load_timing(), on_state=relay.state.emit, on_ack=relay.ack.emit)
    alarms = console.alarms
    window = getattr(console, "window", None)
    strip = strip or (window.devices if window is not None else None)
    link = BedLink(publisher, relay, QTimer())

    def show_state(connected: bool, why: str) -> None:
        if strip is None:
            return
        from device_drivers.events import LinkState
        where = f"{settings.host}:{settings.port}"
        strip.show_state(LinkState(time.time(), "station", "connected" if connected else "reconnecting", where,
                                   why or "connected"))

    if strip is not None:
        strip.add_device("station", "Station")
    relay.state.connect(show_state)

    def on_alarms(current) -> None:
        metric_alarm = {}
        for a in current:  # display order: the first alarm on a metric is its highest priority
            if a.parameter and a.parameter not in metric_alarm:
                metric_alarm[a.parameter] = a.priority
        publisher.alarms(current, metric_alarm)

    def on_link(event) -> None:
        from device_drivers.events import LinkState
        if isinstance(event, LinkState):
            publish_links()

    def publish_links() -> None:
        publisher.links({d: {"state": e.state if e.state in LINK_STATES else "closed", "detail": e.detail[:200]}
                         for d, e in console.hub.link_states.items()})

    def on_ack(ack: dict) -> None:
        from console.station.acknowledge import apply_station_ack
        link.acks.append(ack)
        apply_station_ack(alarms, ack, allowed=settings.allow_station_acknowledge)

    relay.ack.connect(on_ack)
    alarms.controller.alarms_changed.connect(on_alarms)
    console.hub.add_thread_sink(lambda e: publisher.measurement(e) if hasattr(e, "metric") else None)
    console.hub.device_event.connect(on_link)
    link.timer.timeout.connect(lambda: publisher.session(session_body(time.time())))
    link.timer.start(int(load_timing().interval * 1000))
    on_alarms(alarms.engine.alarms())
    publish_links()
    publisher.session(session_body(time.time()))
    publisher.start()
    return link
