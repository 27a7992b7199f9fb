"""Rule "plausible numbers": what the nurse typed reaches the session unchanged and is checked against a range.

A tester typed a weight of 700 and the screen's spin box (range 0-400) kept only "70": a plausible weight,
silently wrong. So the screen passes the typed text (or number) through untouched and this rule reads it: a
value that is not a number, or that lies outside the plausible range in resources (the weight from
clinic.toml [weight], everything else from plausible.toml), is refused with a message naming what was typed
and the range. These ranges catch slips and wrong units; the drug library's limits still judge the dose.

`problem(...)` returns None when the number is acceptable, otherwise the refusal in words (the verdict the
screen shows); `read(...)` is the same rule for the core: the number, or the refusal raised as HardStop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import resources
from console.session.errors import HardStop

RULE = "plausible numbers"


@dataclass(frozen=True)
class Plausible:
    id: str
    label: str
    unit: str
    min: float
    max: float


@lru_cache(maxsize=1)
def ranges() -> dict[str, Plausible]:
    """The ranges in resources/plausible.toml, validated (min below max) once."""
    doc = resources.load("plausible.toml")
    out = {}
    for entry_id, e in doc.sections("entries"):
        lo = e.number("min", min=0)
        out[entry_id] = Plausible(entry_id, e.text("label"), e.text("unit"), lo, e.number("max", min=lo))
    return out


def range_for(entry_id: str, config=None) -> Plausible:
    """The weight's range is the clinic's (a clinic may override it); the others come from plausible.toml."""
    if entry_id == "weight_kg":
        if config is None:
            raise ValueError("the weight's plausible range is a clinic setting: pass the config")
        return Plausible("weight_kg", "weight", "kg", config.clinic.weight_min_kg, config.clinic.weight_max_kg)
    return ranges()[entry_id]


def _shown(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def parse(typed) -> float | None:
    """The number in what was typed ("72.5", "72,5", " 700 ", 700); None when it is not one number."""
    if isinstance(typed, bool):
        return None
    if isinstance(typed, (int, float)):
        value = float(typed)
    else:
        text = str(typed or "").strip().replace(",", ".")
        for unit in ("kg", "mg/kg/h", "mg/kg", "mg/ml", "ml/h", "ml", "min"):
            if text.lower().endswith(unit):
                text = text[: -len(unit)].strip()
                break
        try:
            value = float(text)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def problem(entry_id: str, typed, config=None) -> str | None:
    """None when `typed` is a number inside the plausible range; otherwise what is wrong and what to do."""
    r = range_for(entry_id, config)
    value = parse(typed)
    span = f"{_shown(r.min)}-{_shown(r.max)} {r.unit}"
    if value is None:
        what = str(typed).strip() if typed is not None else ""
        return (f"the {r.label} '{what}' is not a number: type the {r.label} in {r.unit} (plausible: {span})"
                if what else f"type the {r.label} in {r.unit} (plausible: {span})")
    if not r.min <= value <= r.max:
        hint = "; enter kg, not lb" if entry_id == "weight_kg" else ""
        return (f"the {r.label} typed, {_shown(value)} {r.unit}, is outside {span} (the plausible range): "
                f"check the number and type it again{hint}")
    return None


def read(entry_id: str, typed, config=None) -> float:
    """The typed number, or HardStop with the rule's words: nothing is computed from an implausible entry."""
    refusal = problem(entry_id, typed, config)
    if refusal is not None:
        raise HardStop(refusal)
    return float(parse(typed))
