"""The bridge from link threads to the GUI thread, and the owner of the device links.

Links call `post()` on their own threads. Thread-side sinks (the vitals recorder) get the event right
there, so storage never waits for the GUI; the GUI gets it through a queued Qt signal. That is a change
from design.md's flow (recorder behind the hub on the GUI thread): a busy or frozen GUI can then never
delay or lose vitals, and the recorder's "≤ 1 s at risk" holds whatever the screen does.
"""
from __future__ import annotations

import threading
from typing import Callable

from PySide6.QtCore import QObject, Signal

from device_drivers.events import DeviceEvent, LinkState, Measurement
from device_drivers.transport import SerialLink


class DeviceHub(QObject):
    measurement = Signal(object)
    device_event = Signal(object)  # everything that is not a Measurement: link states, device alarms ...

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.links: list[SerialLink] = []
        self._sinks: list[Callable[[DeviceEvent], None]] = []
        self._lock = threading.Lock()
        self.link_states: dict[str, LinkState] = {}

    def add_thread_sink(self, sink: Callable[[DeviceEvent], None]) -> None:
        """`sink` is called on the link's thread for every event: keep it short and thread-safe."""
        with self._lock:
            self._sinks.append(sink)

    def post(self, event: DeviceEvent) -> None:
        with self._lock:
            sinks = list(self._sinks)
        for sink in sinks:
            sink(event)
        if isinstance(event, Measurement):
            self.measurement.emit(event)
        else:
            if isinstance(event, LinkState):
                self.link_states[event.device] = event
            self.device_event.emit(event)

    def add_link(self, link: SerialLink) -> SerialLink:
        link.on_event = self.post
        self.links.append(link)
        return link

    def start(self) -> None:
        for link in self.links:
            link.start()

    def stop(self) -> None:
        for link in self.links:
            link.stop()
