"""Alarm gate: no more drug goes in while a high-priority physiological alarm is active.

A tester started an infusion at SpO2 86 % with a high desaturation alarm on the bar; the screen had no way
of knowing. Starting, resuming and raising the rate ask this rule; lowering the rate, pausing and stopping
never do (they are what the alarm calls for). Which alarms block is data (resources/session_rules.toml);
a physician may still decide to go on, with their own PIN and a reason, and that decision is recorded.
"""
from __future__ import annotations

from console.session.bedside import ActiveAlarm, BedsideSnapshot
from console.session.rules.rules_config import RulesConfig
from console.session.rules.verdict import OK, Verdict

ACTIONS = {"start": "start the infusion", "resume": "resume the infusion", "raise": "raise the rate"}


def blocking_alarms(snapshot: BedsideSnapshot, rules: RulesConfig) -> list[ActiveAlarm]:
    return [a for a in snapshot.alarms if a.condition_active and a.kind in rules.gate_kinds
            and a.priority in rules.gate_priorities]


def alarm_gate(action: str, snapshot: BedsideSnapshot, rules: RulesConfig) -> Verdict:
    """May the nurse `action` ("start", "resume", "raise") now?"""
    alarms = blocking_alarms(snapshot, rules)
    if not alarms:
        return OK
    texts = "; ".join(a.text for a in alarms)
    who = " or ".join(rules.gate_override_roles)
    return Verdict("alarm_gate", False,
                   f"cannot {ACTIONS[action]} while a {alarms[0].priority}-priority alarm is active ({texts}): "
                   f"attend to the patient first, or a {who} decides with their PIN and a reason",
                   overridable=bool(rules.gate_override_roles), override_roles=rules.gate_override_roles)
