"""What the nurses' station knows, built only from the beds' messages: no clinical record of its own.

Plain Python, no Qt, no MQTT, no clock: every input carries `now` (the station's receipt time), so the
offline and stale rules are tested with a fake clock. Malformed messages are counted and ignored.
Ages are measured on the station's clock plus the age the bed itself reported, so the beds' and the
station's clocks need not agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console.station import topics

RANK = {"high": 3, "medium": 2, "low": 1}


@dataclass
class Bed:
    name: str
    online: bool = False
    last_seen: float | None = None  # station time of the last message
    offline_since: float | None = None
    offline_why: str = ""
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # metric -> value, unit, age_at, alarm
    alarms: list[dict[str, Any]] = field(default_factory=list)
    session: dict[str, Any] = field(default_factory=dict)
    session_at: float | None = None
    links: dict[str, dict[str, str]] = field(default_factory=dict)

    def value_age(self, metric: str, now: float) -> float | None:
        v = self.values.get(metric)
        return None if v is None else v["age"] + (now - v["received"])

    def clock_left(self, key: str, now: float) -> float | None:
        left = self.session.get(key)
        if left is None or self.session_at is None:
            return None
        return max(0.0, left - (now - self.session_at))


@dataclass(frozen=True)
class StationAlarm:
    """One line of the station's alarm list: a bed's alarm, or the station's own technical alarm."""

    bed: str
    priority: str
    text: str
    started: float
    alarm_id: int | None  # the bed's alarm id; None for the station's own (offline) alarm
    audible: bool
    kind: str
    acknowledged_by: str | None = None

    @property
    def rank(self) -> int:
        return RANK[self.priority]


class StationModel:
    def __init__(self, offline_after: float, stale_after: float, offline_priority: str = "medium") -> None:
        self.offline_after, self.stale_after, self.offline_priority = offline_after, stale_after, offline_priority
        self.beds: dict[str, Bed] = {}
        self.malformed = 0
        self.last_malformed = ""

    def on_message(self, topic_name: str, payload: bytes, now: float) -> str | None:
        """Apply one message; returns the bed it changed, or None (malformed, counted, ignored)."""
        try:
            bed_name, kind = topics.split(topic_name)
            if kind == topics.ACK:
                return None  # the station's own acknowledgements echo back; not bed data
            if not payload:
                if kind == "status" and bed_name in self.beds:  # retained status cleared: bed removed
                    del self.beds[bed_name]
                    return bed_name
                return None
            d = topics.parse(kind, payload)
        except topics.BadPayload as exc:
            self.malformed += 1
            self.last_malformed = f"{topic_name[:80]}: {exc}"
            return None
        bed = self.beds.get(bed_name)
        if bed is None:
            bed = self.beds[bed_name] = Bed(bed_name)
        if kind == "status":
            if d["state"] == "online":
                bed.online, bed.last_seen, bed.offline_since, bed.offline_why = True, now, None, ""
            else:
                closed = d.get("reason") == "console closed"
                self._offline(bed, now, "the console was closed at the bed" if closed
                              else "the bed's connection ended (last will)")
            return bed_name
        if not bed.online and bed.offline_since is not None and kind == "numerics":
            bed.online, bed.offline_since, bed.offline_why = True, None, ""
        elif bed.last_seen is None and kind == "numerics":
            bed.online = True
        bed.last_seen = now if bed.online else bed.last_seen
        if kind == "numerics":
            sent = d["t"]
            bed.values = {m: {"value": v["value"], "unit": v["unit"], "alarm": v.get("alarm"),
                              "age": max(0.0, sent - v["t"]), "received": now} for m, v in d["values"].items()}
        elif kind == "alarms":
            bed.alarms = d["alarms"]
        elif kind == "session":
            bed.session, bed.session_at = d, now
        elif kind == "links":
            bed.links = d["links"]
        return bed_name

    def _offline(self, bed: Bed, now: float, why: str) -> None:
        if bed.offline_since is None:  # since when the station has not been able to hear this bed
            bed.offline_since = now
        bed.online, bed.offline_why = False, why

    def tick(self, now: float) -> list[str]:
        """A bed silent for offline_after seconds is offline; returns the beds that changed."""
        changed = []
        for bed in self.beds.values():
            if bed.online and bed.last_seen is not None and now - bed.last_seen > self.offline_after:
                self._offline(bed, now, f"no message for {now - bed.last_seen:.0f} s")
                changed.append(bed.name)
        return changed

    def alarms(self, now: float) -> list[StationAlarm]:
        """Every bed's alarms and the station's own, in IEC priority order, longest-standing first."""
        out = []
        for bed in self.beds.values():
            if bed.offline_since is not None:
                out.append(StationAlarm(bed.name, self.offline_priority,
                                        f"{bed.name} OFFLINE — alarms from this bed cannot reach the station "
                                        f"({bed.offline_why})", bed.offline_since, None, True, "station"))
                continue  # its last alarm list is not current: the offline alarm says so instead
            for a in bed.alarms:
                out.append(StationAlarm(bed.name, a["priority"], a["text"], a["started"], int(a["id"]),
                                        bool(a.get("audible")), a["kind"], a.get("acknowledged_by")))
        return sorted(out, key=lambda a: (-a.rank, a.started, a.bed))

    def audio(self, now: float) -> str | None:
        """The tone the station should sound: the highest audible priority (high/medium), or None."""
        audible = [a.rank for a in self.alarms(now) if a.audible and a.priority in ("high", "medium")]
        if not audible:
            return None
        return "high" if max(audible) == RANK["high"] else "medium"
