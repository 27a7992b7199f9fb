"""Discharge criteria: the patient goes home only when the monitor agrees that they are stable.

A tester signed off at SpO2 85 % with a high alarm on the bar, after typing 2 ("above 92 %") for the
Aldrete SpO2 item. So: sign-off is refused while a high alarm is active or a live vital is outside the
discharge range (resources/session_rules.toml), unless a physician decides otherwise with PIN and reason;
score items a device measures are filled in from the live value, and a typed score that the live value
contradicts is refused. Only live values count (younger than their freshness limit in metrics.toml): a
number from an hour ago says nothing about the patient leaving now.
"""
from __future__ import annotations

from console.session.bedside import BedsideSnapshot
from console.session.dose import fmt
from console.session.rules.rules_config import MeasuredItem, RulesConfig
from console.session.rules.verdict import Verdict


def discharge_criteria(snapshot: BedsideSnapshot, rules: RulesConfig, now: float) -> list[Verdict]:
    """Each active blocking alarm and each live vital outside its range, as an overridable verdict."""
    out = []
    roles = rules.discharge_override_roles
    for a in snapshot.alarms:
        if a.condition_active and a.kind in rules.discharge_alarm_kinds and a.priority in rules.discharge_alarm_priorities:
            out.append(Verdict("discharge_criteria", False, f"{a.priority}-priority alarm active: {a.text}",
                               overridable=bool(roles), override_roles=roles))
    for r in rules.discharge_vitals:
        value = snapshot.live(r.metric, now, rules.fresh_s.get(r.metric))
        if value is None:
            continue
        if r.min is not None and value < r.min:
            word = f"below the discharge minimum {fmt(r.min)} {r.unit}"
        elif r.max is not None and value > r.max:
            word = f"above the discharge maximum {fmt(r.max)} {r.unit}"
        else:
            continue
        out.append(Verdict("discharge_criteria", False, f"{r.label} {fmt(value)} {r.unit} is {word}",
                           overridable=bool(roles), override_roles=roles))
    return out


def _measured(scale: str, rules: RulesConfig) -> list[MeasuredItem]:
    return [m for m in rules.measured_items if m.scale == scale]


def _judged(m: MeasuredItem, snapshot: BedsideSnapshot, rules: RulesConfig, now: float,
            baseline: dict | None) -> tuple[float, float, str] | None:
    """(live value, the number the bands judge, how to say it), or None without a live value (or baseline)."""
    value = snapshot.live(m.metric, now, rules.fresh_s.get(m.metric))
    if value is None:
        return None
    if m.relative_to is None:
        return value, value, fmt(value)
    base = (baseline or {}).get(m.relative_to)
    if not isinstance(base, (int, float)) or base <= 0:
        return None
    change = abs(value - base) / base * 100.0
    return value, change, f"{fmt(value)}, {change:.0f} % from the baseline {fmt(base)}"


def _label(metric: str, rules: RulesConfig) -> str:
    return next((r.label for r in rules.discharge_vitals if r.metric == metric), metric)


def measured_scores(scale: str, snapshot: BedsideSnapshot, rules: RulesConfig, now: float,
                    baseline: dict | None = None) -> dict[str, tuple[int, float]]:
    """{item id: (score, live value)} for the items of `scale` a device measures now: the best score the
    live value is consistent with (the nurse may lower it, e.g. when the patient is on oxygen).
    `baseline` is the checklist's baseline vitals, for items scored as a change from baseline."""
    out = {}
    for m in _measured(scale, rules):
        judged = _judged(m, snapshot, rules, now, baseline)
        if judged is None:
            continue
        fitting = [b.score for b in m.bands if b.holds(judged[1])]
        if fitting:
            out[m.item] = (max(fitting), judged[0])
    return out


def contradicted(scale: str, items: dict[str, int], snapshot: BedsideSnapshot, rules: RulesConfig,
                 now: float, baseline: dict | None = None) -> Verdict | None:
    """The first typed score that the live value contradicts, as a refusal that says what the monitor shows."""
    for m in _measured(scale, rules):
        judged = _judged(m, snapshot, rules, now, baseline)
        typed = items.get(m.item)
        if judged is None or typed is None:
            continue
        band = next((b for b in m.bands if b.score == typed), None)
        if band is not None and not band.holds(judged[1]):
            label = _label(m.metric, rules)
            needs = (f"a {label} change from the baseline {band.words()} %" if m.relative_to
                     else f"{label} {band.words()}")
            return Verdict("discharge_criteria", False,
                           f"score {typed} for '{m.item}' needs {needs}, but the monitor shows {label} "
                           f"{judged[2]} now: choose the score that matches the patient")
    return None
