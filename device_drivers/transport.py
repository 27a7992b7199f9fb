"""The only place that opens a port: read on a thread, feed the codec, watch for silence, reconnect.

`SerialLink` opens any `serial.serial_for_url` URL (/dev/ttyUSB0, COM3, /dev/pts/N, socket://host:port,
loop://) with the driver's link settings and reports what happens as `LinkState` events, in words a biomed
can act on:

- connecting / connected: port opened (connected again after silence once valid data flows);
- silent: no valid frame for `silent_after` seconds, saying whether bytes arrive at all (wrong settings or
  driver) or nothing arrives (device off, cable, wrong port);
- reconnecting: the port could not be opened or was lost (USB adapter pulled); retried with backoff
  0.5 s, 1 s, 2 s ... up to 10 s; a port silent for `reopen_after` is closed and opened again, which
  clears adapters that wedge;
- closed: `stop()` was called.

`url` may be a callable, so a configuration that follows a USB adapter by serial number can find it again
under a new device path on every reconnect.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import serial

from device_drivers.codec import Codec, LinkSettings
from device_drivers.events import DeviceEvent, LinkState

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 10.0
READ_TIMEOUT = 0.05

EventSink = Callable[[DeviceEvent], None]


class SerialLink:
    def __init__(self, url: str | Callable[[], str], codec: Codec, on_event: EventSink, *,
                 settings: LinkSettings | None = None, silent_after: float = 5.0,
                 reopen_after: float | None = None, clock: Callable[[], float] = time.time) -> None:
        self._url = url
        self.codec = codec
        self.on_event = on_event
        self.settings = settings or codec.link
        self.silent_after = silent_after
        self.reopen_after = reopen_after if reopen_after is not None else 3 * silent_after
        self.clock = clock
        self.state = "closed"
        self.port = url if isinstance(url, str) else ""
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._serial: serial.SerialBase | None = None

    @property
    def device(self) -> str:
        return self.codec.device

    def start(self) -> "SerialLink":
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"link-{self.device}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _emit_state(self, state: str, detail: str = "", retry_in: float | None = None) -> None:
        self.state = state
        self.on_event(LinkState(self.clock(), self.device, state, self.port, detail, retry_in))

    def _run(self) -> None:
        backoff = BACKOFF_FIRST
        while not self._stop.is_set():
            self.port = self._url() if callable(self._url) else self._url
            self._emit_state("connecting", f"opening {self.port} at {self.settings.describe()}")
            try:
                self._serial = serial.serial_for_url(self.port, timeout=READ_TIMEOUT,
                                                     **self.settings.serial_kwargs())
            except (serial.SerialException, OSError, ValueError) as exc:
                self._emit_state("reconnecting", f"cannot open {self.port}: {_reason(exc)}", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                self.reconnects += 1
                continue
            try:
                got_data = self._serve()
            finally:
                self._close_port()
            if got_data:
                backoff = BACKOFF_FIRST
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                self.reconnects += 1
        self._emit_state("closed", "link stopped")

    def _serve(self) -> bool:
        """Read until stopped, lost, or silent too long. Returns whether valid data arrived."""
        ser = self._serial
        assert ser is not None
        for event in self.codec.connected(self.clock()):
            self.on_event(event)
        self._emit_state("connected", f"{self.port} open at {self.settings.describe()}")
        last_valid = time.monotonic()
        frames_seen = self.codec.stats.frames_ok
        bytes_at_valid = self.codec.stats.bytes_in
        got_data = False
        silent = False
        while not self._stop.is_set():
            try:
                self._write(ser)
                data = ser.read(max(1, min(ser.in_waiting, 65536)))
            except (serial.SerialException, OSError) as exc:
                self._emit_state("reconnecting", f"lost {self.port}: {_reason(exc)}", BACKOFF_FIRST)
                return got_data
            now = self.clock()
            events = self.codec.feed(data, now) if data else []
            events += self.codec.poll(now)
            for event in events:
                self.on_event(event)
            mono = time.monotonic()
            if self.codec.stats.frames_ok != frames_seen:
                frames_seen = self.codec.stats.frames_ok
                bytes_at_valid = self.codec.stats.bytes_in
                last_valid = mono
                got_data = True
                if silent:
                    silent = False
                    self._emit_state("connected", "valid data again")
            quiet = mono - last_valid
            if not silent and quiet >= self.silent_after:
                silent = True
                self._emit_state("silent", self._silence_hint(quiet, self.codec.stats.bytes_in - bytes_at_valid))
            if quiet >= self.reopen_after:
                self._emit_state("reconnecting", f"no valid data for {quiet:.0f} s: reopening {self.port}",
                                 BACKOFF_FIRST)
                return got_data
        try:
            self.codec.closing(self.clock())
            self._write(ser)
        except (serial.SerialException, OSError):
            pass
        return got_data

    def _silence_hint(self, quiet: float, stray_bytes: int) -> str:
        if stray_bytes:
            return (f"{stray_bytes} bytes in {quiet:.0f} s but no valid frame: wrong baud rate or wrong "
                    f"driver? (expected {self.codec.title} at {self.settings.describe()}; last bytes: "
                    f"{self.codec.stats.last_hex()[-47:]})")
        return f"no bytes for {quiet:.0f} s: device off, cable unplugged, or wrong port?"

    def _write(self, ser: serial.SerialBase) -> None:
        out = self.codec.take_output()
        if out:
            ser.write(out)

    def _close_port(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass
            self._serial = None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if "No such file or directory" in text:
        return "no such port (unplugged, or a typo in the path?)"
    if "Permission denied" in text:
        return "permission denied (add the user to the 'dialout' group, see packaging/udev)"
    if "Device or resource busy" in text or "multiple access" in text:
        return "the port is gone or in use by another program"
    return text.splitlines()[0]
