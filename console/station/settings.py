"""The `[station]` section of clinic.toml and the timings in resources/station.toml, validated.

Same rules as every clinic setting (console/session/config.py): a clinic file may change values but not
invent settings, and every value is checked with the field named in the error.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import resources
from resources import Doc, ResourceError
from console.station.topics import BED_NAME

PATIENT_DISPLAYS = ("initials_mrn", "bed_only")


@dataclass(frozen=True)
class Timing:
    interval: float
    coalesce: float
    keepalive: int
    reconnect_min: int
    reconnect_max: int
    max_queued: int
    offline_after: float
    stale_after: float
    offline_priority: str


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    bed: str
    username: str
    password_file: str
    ca_file: str
    patient_display: str
    allow_station_acknowledge: bool
    file: str = "clinic.toml"

    def password(self) -> str | None:
        """The password, read when connecting; refused when other accounts could read its file."""
        if not self.password_file:
            return None
        path = Path(self.password_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ResourceError(self.file, "station.password_file", f"cannot be read ({exc.strerror})") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ResourceError(self.file, "station.password_file",
                                f"{path} can be read by other accounts; chmod 600 it")
        return text


def load_timing() -> Timing:
    doc = resources.load("station.toml")
    p, s = doc.section("publish"), doc.section("station")
    rmin = int(p.number("reconnect_min_seconds", min=1, max=60))
    return Timing(interval=p.number("interval_seconds", min=0.2, max=10),
                  coalesce=p.number("coalesce_seconds", min=0, max=0.5),
                  keepalive=int(p.number("keepalive_seconds", min=2, max=120)),
                  reconnect_min=rmin, reconnect_max=int(p.number("reconnect_max_seconds", min=rmin, max=600)),
                  max_queued=int(p.number("max_queued", min=10, max=100_000)),
                  offline_after=s.number("offline_after_seconds", min=1, max=120),
                  stale_after=s.number("stale_after_seconds", min=1, max=120),
                  offline_priority=s.text("offline_priority", choices=("high", "medium", "low")))


def parse_station(doc: Doc) -> BrokerSettings | None:
    s = doc.section("station")
    host = s.text("host")
    if not host:
        return None
    bed = s.text("bed")
    if not BED_NAME.match(bed):
        raise ResourceError(doc.file, "station.bed", "must be 1-32 letters, digits, - or _")
    ca = s.text("ca_file")
    if not ca and host not in ("127.0.0.1", "localhost", "::1"):
        raise ResourceError(doc.file, "station.ca_file", "is required (TLS) for a broker that is not on this machine")
    if ca and not os.path.isfile(ca):
        raise ResourceError(doc.file, "station.ca_file", f"{ca} does not exist")
    flag = s.raw("allow_station_acknowledge")
    if not isinstance(flag, bool):
        raise ResourceError(doc.file, "station.allow_station_acknowledge", "must be true or false")
    return BrokerSettings(host=host, port=int(s.number("port", min=1, max=65535)), bed=bed,
                          username=s.text("username"), password_file=s.text("password_file"), ca_file=ca,
                          patient_display=s.text("patient_display", choices=PATIENT_DISPLAYS),
                          allow_station_acknowledge=flag, file=doc.file)


def load_station(data_dir: Path | None) -> BrokerSettings | None:
    """This bed's broker, or None when clinic.toml names none (the bed then publishes nothing)."""
    return parse_station(resources.load_with_overrides("clinic.toml", data_dir))
