"""The only place that opens a port: read on a thread, feed the codec, watch for silence, reconnect.

`SerialLink` opens any `serial.serial_for_url` URL (/dev/ttyUSB0, COM3, /dev/pts/N, socket://host:port,
loop://) with the driver's link settings and reports what happens as `LinkState` events, in words a biomed
can act on:

- connecting / connected: port opened (connected again after silence once valid data flows);
- silent: no valid frame for `silent_after` seconds, saying whether frames arrive damaged (noisy cable),
  bytes arrive but no frame (wrong settings or driver) or nothing arrives (device off, cable, wrong port);
- reconnecting: the port could not be opened or was lost (USB adapter pulled); retried with backoff
  0.5 s, 1 s, 2 s ... up to 10 s; a port with no sign of life for `reopen_after` is closed and opened
  again, which clears adapters that wedge. A sign of life is an intact frame or, for a codec that can tell
  (`Codec.alive_at`), a frame the device sent and the line damaged: on a noisy cable the device and the
  adapter work, and reopening the port would only cost the session (`LinkWatch`);
- closed: `stop()` was called.

The timings are data: resources/devices/transport.toml, with their reasons.

`url` may be a callable, so a configuration that follows a USB adapter by serial number can find it again
under a new device path on every reconnect.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import serial

from device_drivers.codec import Codec, CodecStats, LinkSettings
from device_drivers.events import DeviceEvent, LinkState
from resources import load

EventSink = Callable[[DeviceEvent], None]


@dataclass(frozen=True)
class LinkTimings:
    """resources/devices/transport.toml [link]."""

    silent_after: float
    reopen_after: float
    backoff_first: float
    backoff_max: float
    read_timeout: float


@lru_cache(maxsize=1)
def link_timings() -> LinkTimings:
    link = load("devices/transport.toml").section("link")
    silent = link.number("silent_after_s", min=0.5, max=120)
    first = link.number("backoff_first_s", min=0.05, max=60)
    return LinkTimings(silent, link.number("reopen_after_s", min=silent, max=3600), first,
                       link.number("backoff_max_s", min=first, max=600),
                       link.number("read_timeout_s", min=0.001, max=0.1))


class LinkWatch:
    """Decides, from what the codec has seen, when a link is silent and when its port must be reopened.

    Fed after every read with the monotonic time and the codec: an intact frame (`stats.frames_ok` grew)
    ends a silence; a sign of life (`codec.alive_at` changed: an intact frame or one the line damaged)
    holds off the reopen. So a noisy line (most frames damaged) is reported silent while no intact frame
    arrives, with a hint that says so, but keeps its port; a device that sends nothing is reopened after
    `reopen_after` as before. Only changes are compared, so the codec's clock and the watch's need not
    be the same."""

    def __init__(self, codec: Codec, silent_after: float, reopen_after: float, now: float) -> None:
        self.codec = codec
        self.silent_after = silent_after
        self.reopen_after = reopen_after
        stats = codec.stats
        self.last_valid = self.last_alive = now
        self._frames = stats.frames_ok
        self._alive = codec.alive_at
        self._bytes_at_valid = stats.bytes_in
        self._damaged_at_valid = stats.frames_damaged
        self.silent = False
        self.got_data = False

    def observe(self, now: float) -> str | None:
        """'valid' (data again after a silence), 'silent', 'reopen' or None (nothing to report)."""
        stats: CodecStats = self.codec.stats
        report = None
        if stats.frames_ok != self._frames:
            self._frames = stats.frames_ok
            self._bytes_at_valid = stats.bytes_in
            self._damaged_at_valid = stats.frames_damaged
            self.last_valid = self.last_alive = now
            self.got_data = True
            if self.silent:
                self.silent = False
                report = "valid"
        if self.codec.alive_at != self._alive:
            self._alive = self.codec.alive_at
            self.last_alive = now
        if not self.silent and now - self.last_valid >= self.silent_after:
            self.silent = True
            report = "silent"
        if now - self.last_alive >= self.reopen_after:
            report = "reopen"
        return report

    def quiet(self, now: float) -> float:
        """Seconds since the last intact frame."""
        return now - self.last_valid

    def unheard(self, now: float) -> float:
        """Seconds since the last sign of life."""
        return now - self.last_alive

    def stray_bytes(self) -> int:
        return self.codec.stats.bytes_in - self._bytes_at_valid

    def damaged_frames(self) -> int:
        return self.codec.stats.frames_damaged - self._damaged_at_valid


class SerialLink:
    def __init__(self, url: str | Callable[[], str], codec: Codec, on_event: EventSink, *,
                 settings: LinkSettings | None = None, silent_after: float | None = None,
                 reopen_after: float | None = None, clock: Callable[[], float] = time.time) -> None:
        """`silent_after` / `reopen_after` default to resources/devices/transport.toml; a `silent_after`
        given alone (probe, tests) keeps the file's ratio of the two."""
        timings = link_timings()
        self._url = url
        self.codec = codec
        self.on_event = on_event
        self.settings = settings or codec.link
        self.silent_after = silent_after if silent_after is not None else timings.silent_after
        if reopen_after is None:
            reopen_after = self.silent_after * timings.reopen_after / timings.silent_after
        self.reopen_after = reopen_after
        self.backoff_first = timings.backoff_first
        self.backoff_max = timings.backoff_max
        self.read_timeout = timings.read_timeout
        self.clock = clock
        self.state = "closed"
        self.port = url if isinstance(url, str) else ""
        self.reconnects = 0
        #: port reopens because the device showed no sign of life for `reopen_after` (benchmarks, tests)
        self.reopens = 0
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
        backoff = self.backoff_first
        while not self._stop.is_set():
            self.port = self._url() if callable(self._url) else self._url
            self._emit_state("connecting", f"opening {self.port} at {self.settings.describe()}")
            try:
                self._serial = serial.serial_for_url(self.port, timeout=self.read_timeout,
                                                     **self.settings.serial_kwargs())
            except (serial.SerialException, OSError, ValueError) as exc:
                self._emit_state("reconnecting", f"cannot open {self.port}: {_reason(exc)}", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max)
                self.reconnects += 1
                continue
            try:
                got_data = self._serve()
            finally:
                self._close_port()
            if got_data:
                backoff = self.backoff_first
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max)
                self.reconnects += 1
        self._emit_state("closed", "link stopped")

    def _serve(self) -> bool:
        """Read until stopped, lost, or silent too long. Returns whether valid data arrived."""
        ser = self._serial
        assert ser is not None
        for event in self.codec.connected(self.clock()):
            self.on_event(event)
        self._emit_state("connected", f"{self.port} open at {self.settings.describe()}")
        watch = LinkWatch(self.codec, self.silent_after, self.reopen_after, time.monotonic())
        while not self._stop.is_set():
            try:
                self._write(ser)
                data = ser.read(max(1, min(ser.in_waiting, 65536)))
            except (serial.SerialException, OSError) as exc:
                self._emit_state("reconnecting", f"lost {self.port}: {_reason(exc)}", self.backoff_first)
                return watch.got_data
            now = self.clock()
            events = self.codec.feed(data, now) if data else []
            events += self.codec.poll(now)
            for event in events:
                self.on_event(event)
            mono = time.monotonic()
            report = watch.observe(mono)
            if report == "valid":
                self._emit_state("connected", "valid data again")
            elif report == "silent":
                self._emit_state("silent", self._silence_hint(watch, mono))
            elif report == "reopen":
                self.reopens += 1
                self._emit_state("reconnecting", f"no sign of the device for {watch.unheard(mono):.0f} s: "
                                 f"reopening {self.port}", self.backoff_first)
                return watch.got_data
        try:
            self.codec.closing(self.clock())
            self._write(ser)
        except (serial.SerialException, OSError):
            pass
        return watch.got_data

    def _silence_hint(self, watch: LinkWatch, now: float) -> str:
        quiet, stray_bytes, damaged = watch.quiet(now), watch.stray_bytes(), watch.damaged_frames()
        if damaged:
            return (f"{damaged} frames in {quiet:.0f} s arrived damaged (wrong checksum), none intact: noisy "
                    f"cable or interference? The device is answering; the port stays open "
                    f"(last error: {self.codec.stats.last_error})")
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
