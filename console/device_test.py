"""A running connection test: the biomed's "Test connection" (setup screen) and `devices test` (CLI).

Runs the real transport and driver on the chosen port and keeps what a biomed needs to see, as a
snapshot that any thread may read: bytes received, frames decoded, framing/checksum errors, the last raw
bytes in hex, the latest decoded values, the link state, and after `diagnose_after` seconds a
plain-language diagnosis when nothing decodes.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from device_drivers import registry
from device_drivers.codec import LinkSettings
from device_drivers.detect import diagnose
from device_drivers.events import DeviceAlarm, DeviceStatus, LinkState, Measurement
from device_drivers.transport import SerialLink

DIAGNOSE_AFTER = 4.0


@dataclass
class Snapshot:
    elapsed: float
    bytes_in: int
    frames_ok: int
    frames_bad: int
    last_hex: str
    last_error: str
    values: dict[str, str]
    link_state: str
    link_detail: str
    diagnosis: str
    events: list[str] = field(default_factory=list)
    #: of frames_bad, frames the device sent and the line damaged (CodecStats.frames_damaged): a noisy cable
    frames_damaged: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


class LiveTest:
    def __init__(self, url: str | Callable[[], str], driver: str, settings: LinkSettings | None = None,
                 diagnose_after: float = DIAGNOSE_AFTER, silent_after: float = 3.0) -> None:
        self.driver = driver
        self.codec = registry.codec_class(driver)()
        self.settings = settings or self.codec.link
        self.diagnose_after = diagnose_after
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._notes: list[str] = []
        self._values_seen = 0
        self._link = ("connecting", "")
        self._open_error = ""
        self._started = time.monotonic()
        self.link = SerialLink(url, self.codec, self._on_event, settings=self.settings, silent_after=silent_after)

    def start(self) -> "LiveTest":
        self._started = time.monotonic()
        self.link.start()
        return self

    def stop(self) -> None:
        self.link.stop()

    def _on_event(self, event) -> None:
        with self._lock:
            if isinstance(event, Measurement):
                value = int(event.value) if float(event.value).is_integer() else round(event.value, 2)
                self._values[event.metric] = f"{value} {event.unit}"
                self._values_seen += 1
            elif isinstance(event, LinkState):
                self._link = (event.state, event.detail)
                if event.state == "reconnecting" and event.detail.startswith("cannot open"):
                    self._open_error = event.detail
                elif event.state == "connected":
                    self._open_error = ""
            elif isinstance(event, (DeviceStatus, DeviceAlarm)):
                what = getattr(event, "condition", None) or getattr(event, "code", "")
                self._notes.append(f"{what}: {event.text} ({'on' if event.active else 'off'})")
                del self._notes[:-20]

    def snapshot(self) -> Snapshot:
        stats = self.codec.stats
        elapsed = time.monotonic() - self._started
        with self._lock:
            values = dict(self._values)
            notes = list(self._notes)
            link_state, link_detail = self._link
            seen, open_error = self._values_seen, self._open_error
        text = ""
        if elapsed >= self.diagnose_after or open_error:
            text = diagnose(stats, elapsed, seen, self.codec.title, self.settings, open_error)
        return Snapshot(elapsed, stats.bytes_in, stats.frames_ok, stats.frames_bad, stats.last_hex(),
                        stats.last_error, values, link_state, link_detail, text, notes,
                        frames_damaged=stats.frames_damaged)

    @property
    def working(self) -> bool:
        return self.codec.stats.frames_ok > 0 and self._values_seen > 0
