"""The NEXT line names the first thing that still blocks, taken from the rules' own verdicts.

A separate list of "what is left" drifted from what the core refused ("Everything is done: sign off"
while sign-off was refused); the line is now derived from the same verdicts the action checks.
"""
from __future__ import annotations

from console.session.rules.verdict import Verdict


def first_blocker(verdicts: list[Verdict]) -> Verdict | None:
    """The first refusing verdict, in the order the rule listed them (the order the nurse works in)."""
    return next((v for v in verdicts if not v.ok), None)


def blocker_line(verdicts: list[Verdict], prefix: str) -> str | None:
    first = first_blocker(verdicts)
    if first is None:
        return None
    more = sum(1 for v in verdicts if not v.ok) - 1
    return f"{prefix}{first.message}" + (f" (and {more} more)" if more > 0 else "")
