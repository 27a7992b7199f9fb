"""Helpers shared by the session tests (a fake clock, hand-made events, a passing checklist)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from console.session.workflow import ClinicalSession

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


def answer_all_passing(session: ClinicalSession, nurse, clock: Clock) -> None:
    for item in session.config.checklist:
        if item.kind == "confirm":
            session.answer(item.id, value=True, by=nurse, now=clock())
        elif item.kind == "absent":
            session.answer(item.id, value=False, by=nurse, now=clock())
        elif item.kind == "npo":
            session.answer(item.id, last_food_t=clock() - 8 * 3600, last_clear_fluid_t=clock() - 3 * 3600,
                           by=nurse, now=clock())
        elif item.kind == "vitals":
            session.answer(item.id, systolic=128, diastolic=82, hr=72, spo2=98, source="monitor", by=nurse,
                           now=clock())
        else:
            session.answer(item.id, nrs=7, by=nurse, now=clock())
