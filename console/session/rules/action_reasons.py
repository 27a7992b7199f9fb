"""Rule "action reasons": each infusion action has its own reason, and some actions cannot go without one.

A tester's pause, stop and rate change shared one reason box that was never cleared, so the stop was
recorded with the titration's reason. The screen now asks each action's own reason every time; this rule
says which reasons the session insists on. A rate change needs a reason (it changes the dose). Pause and
stop never wait for typing: stopping the drug must not be slowed down in an emergency, so their reason is
recorded as given, or as "not given" (a note can add it later).
"""
from __future__ import annotations

RULE = "action reasons"
#: action -> whether an empty reason is refused, and the words used in the refusal.
REQUIRED = {"rate change": True, "pause": False, "stop": False, "order withdrawal": True, "cancelling": True}
NOT_GIVEN = "not given"


def problem(action: str, reason: str | None) -> str | None:
    """None when the reason is acceptable for this action; otherwise what to write."""
    if REQUIRED[action] and not (reason or "").strip():
        return f"write a reason for the {action} in its own reason box"
    return None


def recorded(action: str, reason: str | None) -> str:
    """The reason as it goes into the record (stripped; "not given" where the action may go without one)."""
    text = (reason or "").strip()
    return text or NOT_GIVEN
