"""Weight-based ketamine order arithmetic, so nobody at the bedside multiplies or divides by hand.

The calculator turns (protocol, drug library entry, weight, amount, duration) into what the nurse programs:
mg, mL, the pump rate in mL/h rounded to the pump's resolution (the rounding is part of the result so the
screen can show it), the duration the pump will actually take, and a verdict for every drug-library limit.
Impossible input raises DoseError; a value above a hard limit is a verdict that makes the order `refused`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from console.session.config import UNIT_LABELS, Clinic, Config, DrugEntry, Limit, Protocol


class DoseError(ValueError):
    """Input a dose cannot be computed from; the message says what to change."""


@dataclass(frozen=True)
class Verdict:
    """One drug-library or protocol limit applied to one ordered quantity."""

    unit: str  # mg_per_kg / mg_per_kg_per_h / total_mg / protocol
    value: float
    level: str  # "ok", "soft" (reason required) or "hard" (cannot be given)
    message: str


@dataclass(frozen=True)
class DoseOrder:
    protocol_id: str
    protocol_label: str
    kind: str
    drug_id: str
    drug_label: str
    concentration_mg_per_ml: float
    weight_kg: float
    dose_mg_per_kg: float  # everything the order gives, per kg
    rate_mg_per_kg_per_h: float  # as ordered (dose kind: dose / duration)
    duration_min: float  # as ordered
    total_mg: float
    total_ml: float
    rate_ml_per_h_exact: float
    rate_ml_per_h: float  # what the pump is programmed with
    rounding_ml_per_h: float  # rate_ml_per_h - rate_ml_per_h_exact
    pump_resolution_ml_per_h: float
    pump_duration_min: float  # how long the pump takes at the programmed rate to give total_ml
    container_ml: float
    containers: int
    verdicts: tuple[Verdict, ...]

    @property
    def refused(self) -> bool:
        return any(v.level == "hard" for v in self.verdicts)

    @property
    def needs_reason(self) -> bool:
        return any(v.level == "soft" for v in self.verdicts)

    @property
    def problems(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.level != "ok"]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["verdicts"] = [asdict(v) for v in self.verdicts]
        data["refused"] = self.refused
        data["needs_reason"] = self.needs_reason
        return data


def round_to_resolution(value: float, resolution: float) -> float:
    """Round half-up to a multiple of the pump resolution (decimal arithmetic: 2.25 -> 2.3, not 2.2).

    The value is first cut to 9 decimals: it comes from decimal entries (0.3 mg/kg/h x 21 kg / 2 mg/mL =
    3.15 exactly) that binary floats carry as 3.1499999999999995, and a pharmacist rounds 3.15 up."""
    step = Decimal(str(resolution))
    exact = Decimal(repr(value)).quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)
    steps = (exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(steps * step)


def fmt(value: float, places: int = 2) -> str:
    """A clinical number without trailing zeros: 35.0 -> '35', 0.35 -> '0.35', 11.25 -> '11.25'."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def check_limit(unit: str, value: float, limit: Limit | None) -> Verdict:
    label = UNIT_LABELS.get(unit, unit)
    shown = f"{fmt(value, 3)} {label}"
    if limit is None:
        return Verdict(unit, value, "ok", f"{shown}: no limit in the drug library")
    if limit.hard_max is not None and value > limit.hard_max + 1e-9:
        return Verdict(unit, value, "hard", f"{shown} is above the hard limit of {fmt(limit.hard_max, 3)}; "
                                            "it cannot be given")
    if limit.hard_min is not None and value < limit.hard_min - 1e-9:
        return Verdict(unit, value, "hard", f"{shown} is below the hard limit of {fmt(limit.hard_min, 3)}; "
                                            "it cannot be given")
    if limit.soft_max is not None and value > limit.soft_max + 1e-9:
        return Verdict(unit, value, "soft", f"{shown} is above the soft limit of {fmt(limit.soft_max, 3)}; "
                                            "a reason is required")
    if limit.soft_min is not None and value < limit.soft_min - 1e-9:
        return Verdict(unit, value, "soft", f"{shown} is below the soft limit of {fmt(limit.soft_min, 3)}; "
                                            "a reason is required")
    return Verdict(unit, value, "ok", f"{shown} is within the limits")


def check_weight(weight_kg: float, clinic: Clinic) -> None:
    if not isinstance(weight_kg, (int, float)) or weight_kg != weight_kg:
        raise DoseError("weight must be a number in kg")
    if weight_kg < clinic.weight_min_kg or weight_kg > clinic.weight_max_kg:
        raise DoseError(f"weight {fmt(weight_kg, 1)} kg is outside {fmt(clinic.weight_min_kg)}-"
                        f"{fmt(clinic.weight_max_kg)} kg; weigh the patient again and enter kg, not lb")


def drug_for(config: Config, protocol: Protocol, concentration: float | None) -> DrugEntry:
    """The protocol's drug at the requested concentration (default: the protocol's own library entry)."""
    default = config.drugs[protocol.drug]
    if concentration is None:
        return default
    for entry in config.drugs.values():
        if entry.drug == default.drug and abs(entry.concentration_mg_per_ml - concentration) < 1e-9:
            return entry
    known = ", ".join(fmt(e.concentration_mg_per_ml) for e in config.drugs.values() if e.drug == default.drug)
    raise DoseError(f"{default.drug} {fmt(concentration)} mg/mL is not in the drug library; use {known} mg/mL")


def compute_order(config: Config, protocol_id: str, weight_kg: float, *, amount: float | None = None,
                  concentration: float | None = None, duration_min: float | None = None) -> DoseOrder:
    """The full order for a protocol. `amount` is mg/kg for dose protocols and mg/kg/h for rate protocols."""
    try:
        protocol = config.protocol(protocol_id)
    except KeyError as exc:
        raise DoseError(str(exc.args[0])) from None
    check_weight(weight_kg, config.clinic)
    entry = drug_for(config, protocol, concentration)
    amount = protocol.default_amount if amount is None else amount
    unit = UNIT_LABELS[protocol.amount_unit]
    if not amount > 0:
        raise DoseError(f"the dose must be more than 0 {unit}")
    duration = protocol.duration_min if duration_min is None else duration_min
    if not 0 < duration <= protocol.max_duration_min:
        raise DoseError(f"duration must be more than 0 and at most {fmt(protocol.max_duration_min)} min "
                        f"for {protocol.label}")
    hours = duration / 60.0
    conc = entry.concentration_mg_per_ml
    if protocol.kind == "dose":
        dose_per_kg = amount
        rate_per_kg = amount / hours
    else:
        rate_per_kg = amount
        dose_per_kg = amount * hours
    total_mg = dose_per_kg * weight_kg
    total_ml = total_mg / conc
    exact = rate_per_kg * weight_kg / conc
    programmed = round_to_resolution(exact, entry.pump_resolution_ml_per_h)
    if programmed <= 0:
        raise DoseError(f"the pump rate {fmt(exact, 3)} mL/h is below the pump's resolution of "
                        f"{fmt(entry.pump_resolution_ml_per_h)} mL/h; use a lower concentration")
    container = entry.default_container_ml
    for volume in sorted(entry.container_volumes_ml):
        if volume >= total_ml:
            container = volume
            break
    else:
        container = max(entry.container_volumes_ml)
    containers = max(1, -int(-total_ml // container))
    verdicts = [check_limit(protocol.amount_unit, amount, entry.limits.get(protocol.amount_unit))]
    if protocol.kind == "dose":
        verdicts.append(check_limit("mg_per_kg_per_h", rate_per_kg, entry.limits.get("mg_per_kg_per_h")))
    verdicts.append(check_limit("total_mg", total_mg, entry.limits.get("total_mg")))
    if not protocol.range_min - 1e-9 <= amount <= protocol.range_max + 1e-9:
        verdicts.append(Verdict("protocol", amount, "soft",
                                f"{fmt(amount, 3)} {unit} is outside this protocol's "
                                f"{fmt(protocol.range_min, 3)}-{fmt(protocol.range_max, 3)} {unit}; "
                                "a reason is required"))
    return DoseOrder(
        protocol_id=protocol.id, protocol_label=protocol.label, kind=protocol.kind, drug_id=entry.id,
        drug_label=entry.label, concentration_mg_per_ml=conc, weight_kg=float(weight_kg),
        dose_mg_per_kg=dose_per_kg, rate_mg_per_kg_per_h=rate_per_kg, duration_min=float(duration),
        total_mg=total_mg, total_ml=total_ml, rate_ml_per_h_exact=exact, rate_ml_per_h=programmed,
        rounding_ml_per_h=programmed - exact, pump_resolution_ml_per_h=entry.pump_resolution_ml_per_h,
        pump_duration_min=total_ml / programmed * 60.0, container_ml=container, containers=containers,
        verdicts=tuple(verdicts))


@dataclass(frozen=True)
class RateChange:
    """A titration: the new rate in both units and its limit verdict."""

    rate_mg_per_kg_per_h: float
    rate_ml_per_h_exact: float
    rate_ml_per_h: float
    rounding_ml_per_h: float
    verdict: Verdict


def compute_rate(entry: DrugEntry, weight_kg: float, mg_per_kg_per_h: float) -> RateChange:
    if not mg_per_kg_per_h > 0:
        raise DoseError("a new rate must be more than 0 mg/kg/h; to stop the infusion use Stop")
    exact = mg_per_kg_per_h * weight_kg / entry.concentration_mg_per_ml
    programmed = round_to_resolution(exact, entry.pump_resolution_ml_per_h)
    if programmed <= 0:
        raise DoseError(f"{fmt(exact, 3)} mL/h is below the pump's resolution")
    return RateChange(mg_per_kg_per_h, exact, programmed, programmed - exact,
                      check_limit("mg_per_kg_per_h", mg_per_kg_per_h, entry.limits.get("mg_per_kg_per_h")))


def describe(order: DoseOrder) -> list[tuple[str, str]]:
    """The order as labelled lines; the CLI and the screen show the same words."""
    rounding = order.rounding_ml_per_h
    if abs(rounding) < 1e-9:
        rate_note = "exact"
    else:
        rate_note = (f"calculated {fmt(order.rate_ml_per_h_exact, 3)} mL/h, rounded "
                     f"{'up' if rounding > 0 else 'down'} by {fmt(abs(rounding), 3)} to the pump's "
                     f"{fmt(order.pump_resolution_ml_per_h)} mL/h steps")
    lines = [
        ("Protocol", order.protocol_label),
        ("Drug", f"{order.drug_label} ({fmt(order.container_ml)} mL container x {order.containers})"),
        ("Weight", f"{fmt(order.weight_kg, 1)} kg"),
        ("Dose" if order.kind == "dose" else "Total dose", f"{fmt(order.dose_mg_per_kg, 3)} mg/kg = {fmt(order.total_mg)} mg = {fmt(order.total_ml)} mL"),
        ("Rate", f"{fmt(order.rate_mg_per_kg_per_h, 3)} mg/kg/h"),
        ("Pump rate", f"{fmt(order.rate_ml_per_h, 1)} mL/h ({rate_note})"),
        ("Volume to infuse", f"{fmt(order.total_ml)} mL"),
        ("Duration", f"{fmt(order.duration_min, 1)} min ordered; the pump takes "
                     f"{fmt(order.pump_duration_min, 1)} min at {fmt(order.rate_ml_per_h, 1)} mL/h"),
    ]
    for v in order.verdicts:
        lines.append(({"ok": "Limit ok", "soft": "SOFT LIMIT", "hard": "HARD LIMIT"}[v.level], v.message))
    return lines
