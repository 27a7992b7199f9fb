"""The numbers of the named safety rules, from resources/session_rules.toml, validated once.

Freshness comes from resources/metrics.toml (fresh_s): the same limit that greys a stale tile decides
whether a value is live enough to fill in or to block a discharge score.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import resources
from resources import Doc, ResourceError

from console.alarms.alarm import KINDS  # the alarm system's names: the rules choose among them
from console.alarms.alarm_config import PRIORITIES


@dataclass(frozen=True)
class VitalRange:
    metric: str
    label: str
    unit: str
    min: float | None
    max: float | None


@dataclass(frozen=True)
class Band:
    score: int
    above: float | None = None
    at_least: float | None = None
    below: float | None = None

    def holds(self, value: float) -> bool:
        return ((self.above is None or value > self.above) and (self.at_least is None or value >= self.at_least)
                and (self.below is None or value < self.below))

    def words(self) -> str:
        parts = [f"above {self.above:g}" if self.above is not None else "",
                 f"at least {self.at_least:g}" if self.at_least is not None else "",
                 f"below {self.below:g}" if self.below is not None else ""]
        return " and ".join(p for p in parts if p)


@dataclass(frozen=True)
class MeasuredItem:
    scale: str
    item: str
    metric: str
    bands: tuple[Band, ...]
    #: None: the bands apply to the value itself; else the baseline-vitals field (checklist) the bands'
    #: numbers are a percent change from ("systolic": Aldrete circulation, BP vs baseline)
    relative_to: str | None = None


@dataclass(frozen=True)
class RulesConfig:
    gate_kinds: tuple[str, ...]
    gate_priorities: tuple[str, ...]
    gate_override_roles: tuple[str, ...]
    discharge_alarm_kinds: tuple[str, ...]
    discharge_alarm_priorities: tuple[str, ...]
    discharge_override_roles: tuple[str, ...]
    discharge_vitals: tuple[VitalRange, ...]
    measured_items: tuple[MeasuredItem, ...]
    fresh_s: dict[str, float]
    source: str


def _names(doc: Doc, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = doc.items(key)
    for n, v in enumerate(values):
        if v not in allowed:
            raise ResourceError(doc.file, f"{doc.prefix}.{key}[{n}]", f"is {v!r}; allowed: {', '.join(allowed)}")
    return tuple(values)


def _roles(doc: Doc, key: str) -> tuple[str, ...]:
    return _names(doc, key, ("physician", "nurse"))


def load_rules(doc: Doc, fresh_s: dict[str, float]) -> RulesConfig:
    gate, dc = doc.section("alarm_gate"), doc.section("discharge")
    vitals = []
    for metric, v in dc.sections("vitals"):
        if metric not in fresh_s:
            raise ResourceError(doc.file, f"discharge.vitals.{metric}", "is not a metric in metrics.toml")
        lo, hi = v.number("min", None), v.number("max", None)
        if lo is None and hi is None:
            raise ResourceError(doc.file, f"discharge.vitals.{metric}", "needs a min, a max or both")
        vitals.append(VitalRange(metric, v.text("label"), v.text("unit"), lo, hi))
    items = []
    for n, raw in enumerate(dc.items("measured_items")):
        it = Doc(raw, doc.file, f"discharge.measured_items[{n}]")
        bands = []
        for b_n, b_raw in enumerate(it.items("bands")):
            b = Doc(b_raw, doc.file, f"{it.prefix}.bands[{b_n}]")
            bands.append(Band(int(b.number("score")), b.number("above", None), b.number("at_least", None),
                              b.number("below", None)))
        metric = it.text("metric")
        if metric not in fresh_s:
            raise ResourceError(doc.file, f"{it.prefix}.metric", f"{metric!r} is not a metric in metrics.toml")
        relative = it.text("relative_to", None) if "relative_to" in it else None
        if relative is not None and relative not in ("systolic", "diastolic", "hr", "spo2"):
            raise ResourceError(doc.file, f"{it.prefix}.relative_to",
                                "must be a baseline vital: systolic, diastolic, hr or spo2")
        items.append(MeasuredItem(it.text("scale"), it.text("item"), metric, tuple(bands), relative))
    return RulesConfig(
        gate_kinds=_names(gate, "kinds", KINDS), gate_priorities=_names(gate, "priorities", PRIORITIES),
        gate_override_roles=_roles(gate, "override_roles"),
        discharge_alarm_kinds=_names(dc, "alarm_kinds", KINDS),
        discharge_alarm_priorities=_names(dc, "alarm_priorities", PRIORITIES),
        discharge_override_roles=_roles(dc, "override_roles"), discharge_vitals=tuple(vitals),
        measured_items=tuple(items), fresh_s=dict(fresh_s), source=doc.text("source"))


def _fresh() -> dict[str, float]:
    metrics = resources.load("metrics.toml")
    return {name: m.number("fresh_s", min=1) for name, m in metrics.sections("metrics")}


@lru_cache(maxsize=1)
def default_rules() -> RulesConfig:
    return load_rules(resources.load("session_rules.toml"), _fresh())


def rules_for(data_dir: Path | None) -> RulesConfig:
    """The shipped rules, changed by `session_rules.toml` in the clinic's data directory when there is one.

    Validated like clinic.toml: a clinic may change values but not invent settings, so a misspelt key fails
    loudly, naming the file and the field, instead of leaving the shipped number silently in force."""
    if resources.clinic_file(data_dir, "session_rules.toml") is None:
        return default_rules()
    return load_rules(resources.load_with_overrides("session_rules.toml", data_dir), _fresh())
