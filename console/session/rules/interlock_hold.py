"""Interlock hold: no drug goes in while the respiratory interlock holds the pump.

After two signs of respiratory depression the interlock (console/alarms/interlock.py) stops the pump and
holds it until a physician releases it with their PIN. A tester paused the session, then pressed Resume
while the hold was still on: the session accepted it and the console sent the pump `start`. Starting,
resuming and raising the rate ask this rule; pausing, lowering and stopping never do. There is no override
here: the release itself is the physician's decision (their PIN on the interlock's restart dialog).

console/session knows nothing of the alarm engine: the composition root hands the desk a plain
`interlock_holds()` callable, and the bedside snapshot carries its answer.
"""
from __future__ import annotations

from console.session.bedside import BedsideSnapshot
from console.session.rules.verdict import OK, Verdict

RULE = "interlock_hold"
ACTIONS = {"start": "start the infusion", "resume": "resume the infusion", "raise": "raise the rate"}
#: Short: it is the red refusal above the infusion page's controls, and on a 768-line screen a longer one pushed
#: "Change rate" below the fold (NEXT and the alarm bar already say the interlock holds the pump).
HELD = "the interlock holds the pump until a physician releases it"


def interlock_hold(action: str, snapshot: BedsideSnapshot) -> Verdict:
    """May the nurse `action` ("start", "resume", "raise") as far as the interlock is concerned?"""
    if not snapshot.interlock_holds:
        return OK
    return Verdict(RULE, False, f"cannot {ACTIONS[action]}: {HELD}")
