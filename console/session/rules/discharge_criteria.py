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


def measured_scores(scale: str, snapshot: BedsideSnapshot, rules: RulesConfig, now: float
                    ) -> dict[str, tuple[int, float]]:
    """{item id: (score, live value)} for the items of `scale` a device measures now: the best score the
    live value is consistent with (the nurse may lower it, e.g. when the patient is on oxygen)."""
    out = {}
    for m in _measured(scale, rules):
        value = snapshot.live(m.metric, now, rules.fresh_s.get(m.metric))
        if value is None:
            continue
        fitting = [b.score for b in m.bands if b.holds(value)]
        if fitting:
            out[m.item] = (max(fitting), value)
    return out


def contradicted(scale: str, items: dict[str, int], snapshot: BedsideSnapshot, rules: RulesConfig,
                 now: float) -> Verdict | None:
    """The first typed score that the live value contradicts, as a refusal that says what the monitor shows."""
    for m in _measured(scale, rules):
        value = snapshot.live(m.metric, now, rules.fresh_s.get(m.metric))
        typed = items.get(m.item)
        if value is None or typed is None:
            continue
        band = next((b for b in m.bands if b.score == typed), None)
        if band is not None and not band.holds(value):
            return Verdict("discharge_criteria", False,
                           f"score {typed} for '{m.item}' needs {m.metric.upper()} {band.words()}, but the monitor "
                           f"shows {fmt(value)} now: choose the score that matches the patient")
    return None
