"""The session's clinical data (drug library, protocols, checklist, scales, clinic settings) as typed objects.

Loaded from resources/*.toml and validated once, so the rules never meet a missing or mistyped number at
the bedside. A clinic may override clinic.toml values with `clinic.toml` in its data directory; that file is
validated with the same ranges and may only name settings that exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import resources
from resources import Doc, ResourceError

LIMIT_UNITS = ("mg_per_kg", "mg_per_kg_per_h", "total_mg")
UNIT_LABELS = {"mg_per_kg": "mg/kg", "mg_per_kg_per_h": "mg/kg/h", "total_mg": "mg total"}


@dataclass(frozen=True)
class Limit:
    soft_min: float | None = None
    soft_max: float | None = None
    hard_min: float | None = None
    hard_max: float | None = None


@dataclass(frozen=True)
class DrugEntry:
    id: str
    drug: str
    label: str
    concentration_mg_per_ml: float
    container_volumes_ml: tuple[float, ...]
    default_container_ml: float
    pump_resolution_ml_per_h: float
    limits: dict[str, Limit]


@dataclass(frozen=True)
class Protocol:
    id: str
    label: str
    kind: str  # "dose" or "rate"
    drug: str
    default_amount: float  # mg/kg for "dose", mg/kg/h for "rate"
    range_min: float
    range_max: float
    duration_min: float
    max_duration_min: float
    observation_min: float
    assessment_interval_min: float

    @property
    def amount_unit(self) -> str:
        return "mg_per_kg" if self.kind == "dose" else "mg_per_kg_per_h"


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    order: int
    kind: str  # confirm / absent / npo / vitals / pain
    stop: str  # hard / override
    text: str
    #: changing a failed hard-stop answer needs a physician's PIN as well as a reason (rules/hard_stop_change.py)
    change_needs_physician: bool = False


@dataclass(frozen=True)
class Choice:
    score: int
    text: str


@dataclass(frozen=True)
class ScoreItem:
    id: str
    text: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Scales:
    nrs_min: int
    nrs_max: int
    nrs_prompt: str
    sedation: dict[str, tuple[str, tuple[Choice, ...]]]  # scale id -> (label, levels)
    cadss_items: tuple[Choice, ...]  # score field holds the CADSS item number
    cadss_item_max: int
    discharge: dict[str, tuple[str, tuple[ScoreItem, ...]]]
    side_effects: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Clinic:
    weight_max_age_days: float
    weight_min_kg: float
    weight_max_kg: float
    weight_change_confirm_fraction: float
    npo_food_min_hours: float
    npo_clear_fluids_min_hours: float
    bp_gate_name: str
    bp_systolic_max: float
    bp_diastolic_max: float
    pin_min_length: int
    pin_max_length: int
    max_failures: int
    lockout_minutes: float
    idle_lock_minutes: float
    pump_rate_tolerance_ml_per_h: float
    pump_rate_tolerance_fraction: float
    pump_volume_tolerance_ml: float
    pump_volume_tolerance_fraction: float
    discharge_min_score: float
    meaningful_drop_points: float
    meaningful_drop_fraction: float


@dataclass(frozen=True)
class Config:
    drugs: dict[str, DrugEntry]
    protocols: dict[str, Protocol]
    checklist: tuple[ChecklistItem, ...]
    scales: Scales
    clinic: Clinic
    sources: dict[str, str] = field(default_factory=dict)

    def protocol(self, protocol_id: str) -> Protocol:
        try:
            return self.protocols[protocol_id]
        except KeyError:
            raise KeyError(f"unknown protocol {protocol_id!r}; known: {', '.join(self.protocols)}") from None

    def checklist_item(self, item_id: str) -> ChecklistItem:
        for item in self.checklist:
            if item.id == item_id:
                return item
        raise KeyError(f"unknown checklist item {item_id!r}")


def _limit(doc: Doc) -> Limit:
    known = ("soft_min", "soft_max", "hard_min", "hard_max")
    for key in doc.keys():
        if key not in known:
            raise ResourceError(doc.file, f"{doc.prefix}.{key}", f"is not a limit; use {', '.join(known)}")
    limit = Limit(**{k: doc.number(k, None, min=0) for k in known})
    if limit.soft_max is not None and limit.hard_max is not None and limit.soft_max > limit.hard_max:
        raise ResourceError(doc.file, f"{doc.prefix}.soft_max", "is above hard_max")
    if limit.soft_min is not None and limit.hard_min is not None and limit.soft_min < limit.hard_min:
        raise ResourceError(doc.file, f"{doc.prefix}.soft_min", "is below hard_min")
    return limit


def load_drugs(doc: Doc) -> dict[str, DrugEntry]:
    drugs = {}
    for drug_id, d in doc.sections("drugs"):
        volumes = d.items("container_volumes_ml")
        if not volumes or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0 for v in volumes):
            raise ResourceError(doc.file, f"drugs.{drug_id}.container_volumes_ml", "must list positive volumes")
        limits_doc = d.section("limits")
        limits = {}
        for unit in limits_doc.keys():
            if unit not in LIMIT_UNITS:
                raise ResourceError(doc.file, f"drugs.{drug_id}.limits.{unit}",
                                    f"is not a limit unit; use {', '.join(LIMIT_UNITS)}")
            limits[unit] = _limit(limits_doc.section(unit))
        drugs[drug_id] = DrugEntry(
            id=drug_id, drug=d.text("drug"), label=d.text("label"),
            concentration_mg_per_ml=d.number("concentration_mg_per_ml", min=0.01, max=100),
            container_volumes_ml=tuple(float(v) for v in volumes),
            default_container_ml=d.number("default_container_ml", min=1),
            pump_resolution_ml_per_h=d.number("pump_resolution_ml_per_h", min=0.001, max=10),
            limits=limits)
    return drugs


def load_protocols(doc: Doc, drugs: dict[str, DrugEntry]) -> dict[str, Protocol]:
    protocols = {}
    for pid, p in doc.sections("protocols"):
        kind = p.text("kind", choices=("dose", "rate"))
        prefix = "dose" if kind == "dose" else "rate"
        amount_key = "dose_mg_per_kg" if kind == "dose" else "rate_mg_per_kg_per_h"
        drug = p.text("drug")
        if drug not in drugs:
            raise ResourceError(doc.file, f"protocols.{pid}.drug", f"{drug!r} is not in drugs.toml")
        lo, hi = p.number(f"{prefix}_min", min=0), p.number(f"{prefix}_max", min=0)
        amount = p.number(amount_key, min=lo, max=hi)
        duration = p.number("duration_min", min=1)
        protocols[pid] = Protocol(
            id=pid, label=p.text("label"), kind=kind, drug=drug, default_amount=amount,
            range_min=lo, range_max=hi, duration_min=duration,
            max_duration_min=p.number("max_duration_min", min=duration),
            observation_min=p.number("observation_min", min=0, max=24 * 60),
            assessment_interval_min=p.number("assessment_interval_min", min=1, max=240))
    return protocols


def load_checklist(doc: Doc) -> tuple[ChecklistItem, ...]:
    items = []
    for item_id, it in doc.sections("items"):
        items.append(ChecklistItem(
            id=item_id, order=int(it.number("order")), text=it.text("text"),
            kind=it.text("kind", choices=("confirm", "absent", "npo", "vitals", "pain")),
            stop=it.text("stop", choices=("hard", "override")),
            change_needs_physician=it.flag("change_needs_physician", False)))
    return tuple(sorted(items, key=lambda i: i.order))


def _choices(doc: Doc, key: str, score_key: str = "score") -> tuple[Choice, ...]:
    out = []
    for n, raw in enumerate(doc.items(key)):
        if not isinstance(raw, dict):
            raise ResourceError(doc.file, f"{doc.prefix}.{key}[{n}]", "must be a table")
        c = Doc(raw, doc.file, f"{doc.prefix}.{key}[{n}]")
        out.append(Choice(int(c.number(score_key)), c.text("text")))
    return tuple(out)


def load_scales(doc: Doc) -> Scales:
    nrs = doc.section("nrs")
    sedation = {sid: (s.text("label"), _choices(s, "levels")) for sid, s in doc.sections("sedation")}
    discharge = {}
    for sid, s in doc.sections("discharge"):
        items = []
        for n, raw in enumerate(s.items("items")):
            it = Doc(raw, doc.file, f"discharge.{sid}.items[{n}]")
            items.append(ScoreItem(it.text("id"), it.text("text"), _choices(it, "choices")))
        discharge[sid] = (s.text("label"), tuple(items))
    cadss = doc.section("cadss6")
    side = doc.section("side_effects")
    effects = []
    for n, raw in enumerate(side.items("items")):
        e = Doc(raw, doc.file, f"side_effects.items[{n}]")
        effects.append((e.text("id"), e.text("text")))
    return Scales(nrs_min=int(nrs.number("min")), nrs_max=int(nrs.number("max")), nrs_prompt=nrs.text("prompt"),
                  sedation=sedation, cadss_items=_choices(cadss, "items", "number"),
                  cadss_item_max=int(cadss.number("item_max", min=1)), discharge=discharge,
                  side_effects=tuple(effects))


def load_clinic(doc: Doc) -> Clinic:
    w, npo, bp, st, pc, dc = (doc.section(k) for k in ("weight", "npo", "bp_gate", "staff", "pump_check",
                                                         "discharge"))
    options = bp.section("options")
    gate_name = bp.text("selected", choices=tuple(options.keys()))
    gate = options.section(gate_name)
    min_kg = w.number("min_kg", min=1, max=500)
    return Clinic(
        weight_max_age_days=w.number("max_age_days", min=0, max=3650),
        weight_min_kg=min_kg, weight_max_kg=w.number("max_kg", min=min_kg, max=500),
        weight_change_confirm_fraction=w.number("change_confirm_fraction", min=0, max=1),
        npo_food_min_hours=npo.number("food_min_hours", min=0, max=48),
        npo_clear_fluids_min_hours=npo.number("clear_fluids_min_hours", min=0, max=48),
        bp_gate_name=gate_name, bp_systolic_max=gate.number("systolic_max", min=60, max=260),
        bp_diastolic_max=gate.number("diastolic_max", min=30, max=160),
        pin_min_length=int(st.number("pin_min_length", min=4, max=12)),
        pin_max_length=int(st.number("pin_max_length", min=4, max=32)),
        max_failures=int(st.number("max_failures", min=1, max=20)),
        lockout_minutes=st.number("lockout_minutes", min=0, max=24 * 60),
        idle_lock_minutes=st.number("idle_lock_minutes", min=1, max=240),
        pump_rate_tolerance_ml_per_h=pc.number("rate_tolerance_ml_per_h", min=0),
        pump_rate_tolerance_fraction=pc.number("rate_tolerance_fraction", min=0, max=1),
        pump_volume_tolerance_ml=pc.number("volume_tolerance_ml", min=0),
        pump_volume_tolerance_fraction=pc.number("volume_tolerance_fraction", min=0, max=1),
        discharge_min_score=dc.number("min_score", min=0, max=10),
        meaningful_drop_points=dc.number("meaningful_drop_points", min=0, max=10),
        meaningful_drop_fraction=dc.number("meaningful_drop_fraction", min=0, max=1))


def clinic_document(data_dir: Path | None = None) -> Doc:
    """resources/clinic.toml with `data_dir/clinic.toml`'s overrides (validated names) applied."""
    return resources.load_with_overrides("clinic.toml", data_dir)


def load_config(data_dir: Path | None = None) -> Config:
    """Everything the session needs, validated; `data_dir/clinic.toml` overrides clinic settings if present."""
    drugs_doc = resources.load("drugs.toml")
    drugs = load_drugs(drugs_doc)
    protocols_doc = resources.load("protocols.toml")
    checklist_doc = resources.load("checklist.toml")
    scales_doc = resources.load("scales.toml")
    clinic_doc = clinic_document(data_dir)
    return Config(drugs=drugs, protocols=load_protocols(protocols_doc, drugs),
                  checklist=load_checklist(checklist_doc), scales=load_scales(scales_doc),
                  clinic=load_clinic(clinic_doc),
                  sources={name: d.text("source") for name, d in (
                      ("drugs", drugs_doc), ("protocols", protocols_doc), ("checklist", checklist_doc),
                      ("scales", scales_doc), ("clinic", clinic_doc))})
