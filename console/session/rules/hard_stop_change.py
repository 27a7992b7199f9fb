"""Rule "hard-stop change": an answer that stopped the session is not undone by one tap.

A tester answered "pregnant: yes" (a hard stop), tapped "no", and the checklist passed with no question
asked; the report showed only "no / passed". Now an answer that would clear a failed hard-stop item needs a
written reason, and for the items marked `change_needs_physician = true` in resources/checklist.toml (the
contraindications) a physician, who is a different person and has entered their PIN, as for an override.
The session records the change as its own event (session.checklist_answer_changed: the new answer, the
answer it replaces with who gave it, the reason and the physician), and the report prints them.
"""
from __future__ import annotations

from typing import Any

RULE = "hard-stop change"


def needs_justification(item, previous: Any, new_passed: bool) -> bool:
    """True when this answer would clear a hard stop: the item is `stop = "hard"`, its current answer
    failed, and the new answer passes."""
    return item.stop == "hard" and previous is not None and not previous.passed and new_passed


def problem(item, previous: Any, new_passed: bool, *, reason: str | None, physician: Any, by: Any) -> str | None:
    """None when the change may be recorded; otherwise what is missing, in words."""
    if not needs_justification(item, previous, new_passed):
        return None
    was = previous.detail or "a failed answer"
    if not (reason or "").strip():
        return (f"'{item.text}' was answered '{was}', a hard stop: to change the answer write the reason for "
                "the change" + (" and a physician enters their PIN" if item.change_needs_physician else ""))
    if item.change_needs_physician:
        if physician is None:
            return f"changing the hard-stop answer to '{item.text}' needs a physician's PIN"
        if physician.role != "physician":
            return f"changing the hard-stop answer to '{item.text}' needs a physician; {physician.name} is {physician.role}"
        if physician.username == by.username:
            return (f"changing the hard-stop answer to '{item.text}' needs a second person: a different "
                    "physician must enter their PIN")
    return None


def change_record(previous: Any, *, reason: str, physician: Any) -> dict[str, Any]:
    """What goes into the new answer's event: the answer it replaces, who gave it, and why it changed."""
    return {"changed_from": {"event_id": previous.event_id, "answer": dict(previous.answer),
                             "passed": previous.passed, "detail": previous.detail, "by": previous.actor,
                             "t": previous.t},
            "reason": reason.strip(), "physician": physician.username if physician else None}
