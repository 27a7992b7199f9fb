"""Helpers shared by the session tests (a fake clock, hand-made events, a passing checklist)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from checklist_answers import answer_all_passing  # noqa: F401  (shared with the console tests)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc).timestamp()


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, minutes: float = 0, seconds: float = 0) -> float:
        self.t += minutes * 60 + seconds
        return self.t


@dataclass
class MemoryEvent:
    """An event built by hand, for folding hypothetical histories without a database."""

    id: int
    t: float
    kind: str
    session_id: str | None
    actor: str | None
    payload: dict[str, Any]
    refers_to: int | None = None


def today(clock: Clock) -> date:
    return datetime.fromtimestamp(clock()).date()
