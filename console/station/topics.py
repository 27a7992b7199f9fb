"""Topic layout and payloads (JSON, schema version 1) between beds and the station: docs/station-topics.md.

Kept free of MQTT and Qt so the bed, the station and the tests agree on one definition, and the station's
`parse()` can refuse anything malformed with a reason instead of crashing.
"""
from __future__ import annotations

import json
import re
from typing import Any

SCHEMA = 1
ROOT = "bedside/v1/beds"
KINDS = ("status", "numerics", "alarms", "session", "links")
ACK = "ack"  # station -> bed
BED_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PRIORITIES = ("high", "medium", "low")
PHASES = ("none", "patient", "checklist", "order", "double_check", "infusion", "observation", "discharge",
          "closed")


class BadPayload(ValueError):
    """A message on a station topic that does not follow this schema."""


def topic(bed: str, kind: str) -> str:
    return f"{ROOT}/{bed}/{kind}"


def split(topic_name: str) -> tuple[str, str]:
    """(bed, kind) of a topic under ROOT, or BadPayload."""
    parts = topic_name.split("/")
    if len(parts) != 5 or "/".join(parts[:3]) != ROOT or not BED_NAME.match(parts[3]) \
            or parts[4] not in KINDS + (ACK,):
        raise BadPayload(f"not a station topic: {topic_name[:80]!r}")
    return parts[3], parts[4]


def encode(kind: str, body: dict[str, Any]) -> bytes:
    return json.dumps({"schema": SCHEMA, "kind": kind, **body}, separators=(",", ":")).encode()


def _num(d: dict, key: str, *, optional: bool = False) -> float | None:
    v = d.get(key)
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        raise BadPayload(f"{key} must be a number")
    return float(v)


def _text(d: dict, key: str, *, optional: bool = False, choices: tuple[str, ...] | None = None) -> str | None:
    v = d.get(key)
    if v is None and optional:
        return None
    if not isinstance(v, str) or len(v) > 300:
        raise BadPayload(f"{key} must be text")
    if choices and v not in choices:
        raise BadPayload(f"{key} must be one of {', '.join(choices)}")
    return v


def parse(kind: str, raw: bytes) -> dict[str, Any]:
    """Check one payload against the schema; returns the dict or raises BadPayload saying what is wrong."""
    if len(raw) > 64_000:
        raise BadPayload("payload too large")
    try:
        d = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload(f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(d, dict):
        raise BadPayload("not a JSON object")
    if d.get("schema") != SCHEMA:
        raise BadPayload(f"schema {d.get('schema')!r}, expected {SCHEMA}")
    if d.get("kind") != kind:
        raise BadPayload(f"kind {d.get('kind')!r} on a {kind} topic")
    _num(d, "t")
    if kind == "status":
        _text(d, "state", choices=("online", "offline"))
    elif kind == "numerics":
        values = d.get("values")
        if not isinstance(values, dict):
            raise BadPayload("values must be an object")
        for metric, v in values.items():
            if not isinstance(v, dict):
                raise BadPayload(f"values.{metric} must be an object")
            _num(v, "value"), _num(v, "t"), _text(v, "unit")
            _text(v, "alarm", optional=True, choices=PRIORITIES)
    elif kind == "alarms":
        alarms = d.get("alarms")
        if not isinstance(alarms, list):
            raise BadPayload("alarms must be a list")
        for a in alarms:
            if not isinstance(a, dict):
                raise BadPayload("an alarm must be an object")
            _num(a, "id"), _num(a, "started")
            _text(a, "priority", choices=PRIORITIES), _text(a, "text"), _text(a, "kind")
            _text(a, "parameter", optional=True), _text(a, "acknowledged_by", optional=True)
            if not isinstance(a.get("audible", False), bool) or not isinstance(a.get("active", True), bool):
                raise BadPayload("audible and active must be true or false")
    elif kind == "session":
        _text(d, "phase", choices=PHASES), _text(d, "patient", optional=True)
        _num(d, "infusion_left_s", optional=True), _num(d, "observation_left_s", optional=True)
    elif kind == "links":
        links = d.get("links")
        if not isinstance(links, dict):
            raise BadPayload("links must be an object")
        for device, v in links.items():
            if not isinstance(v, dict):
                raise BadPayload(f"links.{device} must be an object")
            _text(v, "state"), _text(v, "detail", optional=True)
    elif kind == ACK:
        _num(d, "alarm_id"), _text(d, "by"), _text(d, "station")
    return d
