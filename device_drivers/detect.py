"""Which driver is on this port? Try each driver's usual link settings for a few seconds; name those that decode.

Also `diagnose()`: the plain-language reading of a test's counters ("bytes arrive but no valid frame:
wrong baud rate or wrong driver?"), shared by the setup screen and `bedside-console devices test`.

Drivers that only listen and share link settings (Masimo ASCII, Nonin DF7/DF8 at 9600 8N1) are tried
together on one capture, since their devices talk unasked; drivers that must ask first (IntelliVue,
New Era) get the port to themselves, because a pump or monitor must not receive another protocol's
requests in the middle of its own session.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import serial

from device_drivers import registry
from device_drivers.codec import Codec, CodecStats, LinkSettings
from device_drivers.events import DeviceStatus, Measurement

POLLED_DRIVERS = ("intellivue", "ne1000", "ne1000-safe")


@dataclass
class DetectResult:
    driver: str
    settings: LinkSettings
    bytes_in: int = 0
    frames_ok: int = 0
    frames_bad: int = 0
    values: dict = field(default_factory=dict)
    error: str = ""

    @property
    def decodes(self) -> bool:
        return self.frames_ok > 0 and self.frames_ok > self.frames_bad and bool(self.values)

    def to_json(self) -> dict:
        return {"driver": self.driver, "link": self.settings.describe(), "bytes_in": self.bytes_in,
                "frames_ok": self.frames_ok, "frames_bad": self.frames_bad, "values": self.values,
                "decodes": self.decodes, "error": self.error}


def diagnose(stats: CodecStats, seconds: float, values: int, title: str, settings: LinkSettings,
             link_error: str = "") -> str:
    """What a test of `seconds` tells a biomed, in one or two sentences."""
    if link_error:
        return f"Cannot use the port: {link_error}."
    if stats.bytes_in == 0:
        return (f"No bytes at all in {seconds:.0f} s: is the device on, its serial output enabled, the cable "
                f"(null-modem?) in this port? A polled device also stays silent if it does not hear us.")
    if stats.frames_ok == 0 and stats.frames_damaged:
        return (f"The device answers ({stats.frames_damaged} frames with its header and length) but every "
                f"frame arrived damaged (wrong checksum): a noisy or badly shielded cable, or interference. "
                f"The settings are right; check the cable.")
    if stats.frames_ok == 0:
        return (f"Bytes arrive ({stats.bytes_in}) but no valid frame: wrong baud rate or wrong driver? "
                f"Expected {title} at {settings.describe()}. Try Detect.")
    total = stats.frames_ok + stats.frames_bad
    if stats.frames_bad * 10 > total:
        on_line = (f" ({stats.frames_damaged} of them sent by the device and damaged on the line)"
                   if stats.frames_damaged else "")
        return (f"Frames decode but {100 * stats.frames_bad // total} % are damaged{on_line}: check the cable "
                f"and its shielding, or a baud rate that is close but not right.")
    if values == 0:
        return "The device talks but sends no values yet: sensor off the patient, or no measurement running?"
    return f"Working: {stats.frames_ok} frames and {values} values in {seconds:.0f} s."


def _groups(drivers: list[str]) -> list[list[str]]:
    """Passive drivers with identical link settings share a capture; polled ones go alone."""
    groups: dict[LinkSettings, list[str]] = {}
    alone = []
    for name in drivers:
        cls = registry.codec_class(name)
        if not getattr(cls, "needs_link", True):
            continue
        if name in POLLED_DRIVERS:
            alone.append([name])
        else:
            groups.setdefault(cls.link, []).append(name)
    return list(groups.values()) + alone


def try_drivers(url: str, names: list[str], seconds: float,
                clock: Callable[[], float] = time.time) -> list[DetectResult]:
    """Open `url` once with the group's link settings and run all the group's codecs on what arrives."""
    codecs: list[Codec] = [registry.codec_class(n)() for n in names]
    settings = codecs[0].link
    results = [DetectResult(n, settings) for n in names]
    try:
        port = serial.serial_for_url(url, timeout=0.05, **settings.serial_kwargs())
    except (serial.SerialException, OSError, ValueError) as exc:
        for r in results:
            r.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return results
    try:
        now = clock()
        for c in codecs:
            c.connected(now)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for c in codecs:
                out = c.take_output()
                if out:
                    port.write(out)
            data = port.read(max(1, min(port.in_waiting, 65536)))
            now = clock()
            for c, r in zip(codecs, results):
                events = (c.feed(data, now) if data else []) + c.poll(now)
                for e in events:
                    if isinstance(e, Measurement):
                        r.values[e.metric] = e.value
                    elif isinstance(e, DeviceStatus) and e.active:
                        r.values.setdefault("status", e.condition)
        for c in codecs:
            c.closing(clock())
            out = c.take_output()
            if out:
                port.write(out)
    except (serial.SerialException, OSError) as exc:
        for r in results:
            r.error = str(exc).splitlines()[0]
    finally:
        port.close()
    for c, r in zip(codecs, results):
        r.bytes_in, r.frames_ok, r.frames_bad = c.stats.bytes_in, c.stats.frames_ok, c.stats.frames_bad
    return results


def detect(url: str, seconds: float = 3.0, drivers: list[str] | None = None,
           progress: Callable[[str], None] | None = None) -> list[DetectResult]:
    """Try every driver (or `drivers`) on `url`; results best first (those that decode lead)."""
    names = drivers or registry.driver_names()
    results: list[DetectResult] = []
    for group in _groups(names):
        if progress:
            progress(f"trying {', '.join(group)} at {registry.codec_class(group[0]).link.describe()}")
        results += try_drivers(url, group, seconds)
    results.sort(key=lambda r: (not r.decodes, -(r.frames_ok - r.frames_bad), r.driver))
    return results
