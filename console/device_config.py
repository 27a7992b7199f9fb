"""This bed's devices: which monitor, oximeter and pump, on which port, with which driver and settings.

Kept as `devices.toml` in the data directory, readable and editable by a biomed:

    [monitor]
    driver = "intellivue"
    port = "/dev/ttyUSB0"          # the path it had when it was set up
    usb_serial = "FT5Z8K2A"        # found again by this USB serial number wherever it is plugged in
    usb_vid_pid = "0403:6001"      # optional: narrows the match (or alone, if only one such adapter)

    [pump]
    driver = "manual"              # no port: the nurse keys in what she programmed

Link settings default to the driver's (`bedside-console drivers`); `baudrate`, `bytesize`, `parity`,
`stopbits`, `rtscts`, `xonxoff` in a role override them. The file is validated completely on load; any
error names the file and the field and nothing of it is used (the program never runs half-configured).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from console.errors import UserError
from device_drivers import registry
from device_drivers.codec import PARITY_NAMES, LinkSettings
from device_drivers.ports import PortInfo, list_serial_ports
from resources import Doc, ResourceError, load_path, parse

FILE_NAME = "devices.toml"
ROLES = ("monitor", "oximeter", "pump")

#: The driver a new set-up of a role gets when none is named. Pumps default to the NE-1000 family's
#: safe mode (CRC-16 on every reply, #14): basic mode has no checksum, so a bit flipped on the cable can
#: turn a volume or rate into another plausible number; the basic-mode driver guards against that by
#: asking twice, but a CRC tells for certain.
DEFAULT_DRIVER = {"pump": "ne1000-safe"}
SAFE_MODE_WHY = ("Safe mode (ne1000-safe) is the default for New Era pumps: every reply carries a CRC-16, "
                 "so a number damaged on the cable is never shown. Basic mode (ne1000) has no checksum; the "
                 "console then asks for every value twice and shows it only if both answers agree. Put the "
                 "pump in safe mode once at the pump (SAF setting) before choosing ne1000-safe.")
BAUD_RATES = (300, 600, 1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
LINK_KEYS = ("baudrate", "bytesize", "parity", "stopbits", "rtscts", "xonxoff")
PORT_KEYS = ("port", "usb_serial", "usb_vid_pid")
KNOWN_KEYS = ("driver",) + PORT_KEYS + LINK_KEYS


class DeviceConfigError(UserError):
    """The devices file (or a requested change) is not valid; the message names the field."""


@dataclass(frozen=True)
class DeviceAssignment:
    role: str
    driver: str
    port: str | None = None
    usb_serial: str | None = None
    usb_vid_pid: str | None = None
    #: only the link settings written in the file (the rest are the driver's defaults)
    link_overrides: dict = field(default_factory=dict)

    @property
    def needs_link(self) -> bool:
        return bool(getattr(registry.codec_class(self.driver), "needs_link", True))

    @property
    def link(self) -> LinkSettings:
        return replace(registry.codec_class(self.driver).link, **self.link_overrides)

    def where(self) -> str:
        """Where the device is expected, in words: path and/or USB identity."""
        if not self.needs_link:
            return "no port (manual entry)"
        parts = []
        if self.usb_serial:
            parts.append(f"USB serial {self.usb_serial}")
        if self.usb_vid_pid:
            parts.append(f"USB {self.usb_vid_pid}")
        if self.port:
            parts.append(("last seen at " if parts else "") + self.port)
        return ", ".join(parts)

    def resolve_port(self, ports: list[PortInfo] | None = None) -> str:
        """The device path now: the USB adapter with the configured serial number (and VID:PID) wherever it
        is plugged in, else the configured path. When the adapter is missing, a path that cannot be opened
        and says so, so the transport reports "no such port" and keeps retrying."""
        if self.usb_serial or self.usb_vid_pid:
            ports = list_serial_ports() if ports is None else ports
            found = [p for p in ports
                     if (not self.usb_serial or p.serial_number == self.usb_serial)
                     and (not self.usb_vid_pid or (p.vid_pid or "").upper() == self.usb_vid_pid.upper())]
            if len(found) == 1 or (found and self.usb_serial):
                return found[0].device
            if self.port:
                return self.port
            return f"<USB adapter {self.where()} not plugged in>"
        return self.port or ""

    def url_source(self) -> Callable[[], str]:
        """For SerialLink(url=...): re-resolved on every reconnect, so a re-plugged adapter is found."""
        return lambda: self.resolve_port()

    def to_json(self) -> dict:
        d = {"role": self.role, "driver": self.driver, "port": self.port, "usb_serial": self.usb_serial,
             "usb_vid_pid": self.usb_vid_pid, "needs_link": self.needs_link}
        if self.needs_link:
            d["link"] = self.link.to_json()
        return d


@dataclass(frozen=True)
class DeviceConfig:
    assignments: dict[str, DeviceAssignment] = field(default_factory=dict)

    def get(self, role: str) -> DeviceAssignment | None:
        return self.assignments.get(role)

    def with_assignment(self, a: DeviceAssignment) -> "DeviceConfig":
        return DeviceConfig({**self.assignments, a.role: a})

    def without(self, role: str) -> "DeviceConfig":
        return DeviceConfig({r: a for r, a in self.assignments.items() if r != role})


def config_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


# ---- validation --------------------------------------------------------------------------------------
def _fail(file: str, field_name: str, problem: str) -> DeviceConfigError:
    return DeviceConfigError(str(ResourceError(file, field_name, problem)))


def _assignment(role: str, doc: Doc) -> DeviceAssignment:
    file = doc.file
    for key in doc.keys():
        if key not in KNOWN_KEYS:
            raise _fail(file, f"{role}.{key}", f"is not a setting; allowed: {', '.join(KNOWN_KEYS)}")
    driver = doc.text("driver")
    try:
        cls = registry.codec_class(driver)
    except registry.UnknownDriver:
        raise _fail(file, f"{role}.driver", f"is {driver!r}; known drivers: {', '.join(registry.driver_names())}")
    except Exception as exc:  # a driver module that fails to import must not pass silently
        raise _fail(file, f"{role}.driver", f"driver {driver!r} cannot be loaded ({exc})")
    driver_role = getattr(cls, "role", "")
    if (role == "pump") != (driver_role == "pump"):
        article = "an" if driver_role[:1] in "aeiou" else "a"
        raise _fail(file, f"{role}.driver", f"{driver!r} drives {article} {driver_role}, not the {role}")
    values = {}
    for key in PORT_KEYS:
        if key in doc:
            text = doc.text(key).strip()
            if not text:
                raise _fail(file, f"{role}.{key}", "is empty; remove it or give a value")
            values[key] = text
    if "usb_vid_pid" in values:
        vp = values["usb_vid_pid"]
        parts = vp.split(":")
        if len(parts) != 2 or not all(len(p) == 4 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts):
            raise _fail(file, f"{role}.usb_vid_pid", f"is {vp!r}; write it as four hex digits, colon, four hex "
                                                     "digits, e.g. 0403:6001")
        values["usb_vid_pid"] = vp.upper()
    needs_link = bool(getattr(cls, "needs_link", True))
    if needs_link and not values:
        raise _fail(file, f"{role}.port", f"is missing: the {driver} driver needs a port (or usb_serial/usb_vid_pid)")
    overrides: dict = {}
    if "baudrate" in doc:
        baud = doc.number("baudrate")
        if baud not in BAUD_RATES:
            raise _fail(file, f"{role}.baudrate", f"is {baud:g}; use one of {', '.join(map(str, BAUD_RATES))}")
        overrides["baudrate"] = int(baud)
    if "bytesize" in doc:
        overrides["bytesize"] = int(doc.number("bytesize", min=5, max=8))
    if "parity" in doc:
        overrides["parity"] = doc.text("parity", choices=tuple(PARITY_NAMES)).upper()
    if "stopbits" in doc:
        stop = doc.number("stopbits")
        if stop not in (1, 1.5, 2):
            raise _fail(file, f"{role}.stopbits", f"is {stop:g}; use 1, 1.5 or 2")
        overrides["stopbits"] = int(stop) if stop.is_integer() else stop
    for flag in ("rtscts", "xonxoff"):
        if flag in doc:
            overrides[flag] = doc.flag(flag)
    if overrides and not needs_link:
        raise _fail(file, f"{role}.{next(iter(overrides))}", f"the {driver} driver has no port, so no link settings")
    return DeviceAssignment(role, driver, values.get("port"), values.get("usb_serial"), values.get("usb_vid_pid"),
                            overrides)


def from_doc(doc: Doc) -> DeviceConfig:
    assignments = {}
    for role in doc.keys():
        if role not in ROLES:
            raise _fail(doc.file, role, f"is not a device role; use {', '.join(ROLES)}")
        try:
            assignments[role] = _assignment(role, doc.section(role))
        except ResourceError as exc:
            raise DeviceConfigError(str(exc)) from None
    return DeviceConfig(assignments)


def parse_text(text: str, file: str = FILE_NAME) -> DeviceConfig:
    try:
        return from_doc(parse(text, file))
    except ResourceError as exc:
        raise DeviceConfigError(str(exc)) from None


def load(data_dir: Path) -> DeviceConfig | None:
    """The bed's configuration, or None when there is no file yet. Raises DeviceConfigError when invalid."""
    path = config_path(data_dir)
    if not path.exists():
        return None
    try:
        return from_doc(load_path(path))
    except ResourceError as exc:
        raise DeviceConfigError(f"{exc} -- fix {path} or set the device again with `bedside-console devices set`") from None


def validate(assignment: DeviceAssignment) -> DeviceAssignment:
    """Check one assignment as if it were loaded from the file (the same messages)."""
    return parse_text(_role_text(assignment)).assignments[assignment.role]


# ---- writing -----------------------------------------------------------------------------------------
def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _role_text(a: DeviceAssignment) -> str:
    lines = [f"[{a.role}]", f"driver = {_toml_value(a.driver)}"]
    for key in PORT_KEYS:
        value = getattr(a, key)
        if value:
            lines.append(f"{key} = {_toml_value(value)}")
    for key in LINK_KEYS:
        if key in a.link_overrides:
            lines.append(f"{key} = {_toml_value(a.link_overrides[key])}")
    return "\n".join(lines) + "\n"


def to_text(config: DeviceConfig) -> str:
    head = ("# Bedside Console: devices of this bed (roles monitor, oximeter, pump).\n"
            "# Edit with care or use `bedside-console devices set`; the file is checked completely on start.\n"
            "# port: device path; usb_serial / usb_vid_pid: find the USB adapter wherever it is plugged in.\n"
            "# Link settings (baudrate, bytesize, parity, stopbits, rtscts, xonxoff) default to the driver's.\n")
    body = "\n".join(_role_text(config.assignments[r]) for r in ROLES if r in config.assignments)
    return head + ("\n" + body if body else "")


def save(data_dir: Path, config: DeviceConfig) -> Path:
    """Write atomically (a crash leaves the old file or the new one, never half of one), after checking that
    what is written loads back to the same configuration."""
    text = to_text(config)
    if parse_text(text) != config:
        raise DeviceConfigError("internal error: the configuration would not load back as written; nothing saved")
    path = config_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def assignment_for_port(role: str, driver: str, port: str, ports: list[PortInfo] | None = None,
                        link_overrides: dict | None = None) -> DeviceAssignment:
    """An assignment for a port chosen by path; a USB adapter's serial number and VID:PID are recorded too,
    so the device is found again when the adapter comes back under another path."""
    ports = list_serial_ports() if ports is None else ports
    info = next((p for p in ports if p.device == port), None)
    return validate(DeviceAssignment(role, driver, port, info.serial_number if info else None,
                                     info.vid_pid if info else None, dict(link_overrides or {})))


def links_to_open(config: DeviceConfig) -> list[tuple[str, str, Callable[[], str], LinkSettings]]:
    """(role, driver, url source, link settings) for every configured device that has a port, in role
    order: what the composition root hands to SerialLink. Manual pumps have no link and are not listed."""
    return [(a.role, a.driver, a.url_source(), a.link)
            for role in ROLES if (a := config.get(role)) is not None and a.needs_link]
