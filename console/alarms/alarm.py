"""What an alarm is, as the rest of the console sees it: the bar, the tiles, the sound and the record.

A `Condition` is what a rule says is true right now ("SpO2 86 is below 90"); an `Alarm` is what the nurse
is shown once the condition has lasted its delay, with its acknowledgement, pause, latch and escalation.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from console.alarms.alarm_config import RANK

KINDS = ("physiological", "technical", "device")


@dataclass(frozen=True)
class Condition:
    """A rule's statement that something needs attention. `key` names the condition stably across updates."""

    key: str
    kind: str
    priority: str
    text: str
    parameter: str | None = None
    value: float | None = None
    limit: float | None = None
    device: str | None = None
    delay: float = 0.0
    instruction: str = ""
    #: "low" when a smaller value is worse (SpO2 low), "high" when a larger one is, None when values do not rank.
    worse: str | None = None


@dataclass
class Alarm:
    id: int
    key: str
    kind: str
    priority: str
    text: str
    parameter: str | None
    value: float | None
    limit: float | None
    started: float
    device: str | None = None
    instruction: str = ""
    #: False once the condition has cleared (the alarm is then only still listed because it is latched).
    condition_active: bool = True
    #: Since when the alarm has been waiting for an acknowledgement (start, or the last reminder).
    announced: float = 0.0
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    #: True while the alarm stays listed after its condition cleared, waiting for an acknowledgement.
    latched: bool = False
    cleared_at: float | None = None
    audio_paused_until: float | None = None
    escalated: bool = False
    escalated_at: float | None = None
    ended: float | None = None
    worst: float | None = None
    worse: str | None = None

    @property
    def rank(self) -> int:
        return RANK[self.priority]

    def audible(self, now: float) -> bool:
        """Does this alarm call for its tone now? Cleared, acknowledged and paused alarms do not."""
        if not self.condition_active or self.acknowledged_by is not None or self.ended is not None:
            return False
        return self.audio_paused_until is None or now >= self.audio_paused_until

    def copy(self) -> "Alarm":
        return dataclasses.replace(self)

    def summary(self) -> dict[str, Any]:
        """The fields a record of this alarm carries."""
        d = {"alarm_id": self.id, "key": self.key, "kind": self.kind, "priority": self.priority,
             "text": self.text, "started": self.started}
        for name in ("parameter", "value", "limit", "device", "instruction"):
            value = getattr(self, name)
            if value not in (None, ""):
                d[name] = value
        return d


@dataclass(frozen=True)
class AlarmChange:
    """A notification to the display: `event` is "started", "changed" or "ended"; `alarm` is a copy."""

    event: str
    alarm: Alarm


@dataclass(frozen=True)
class AudioDemand:
    """Which tone the console should be sounding now: the highest audible priority, and whether escalated."""

    priority: str | None
    escalated: bool = False


def display_order(alarms: list[Alarm]) -> list[Alarm]:
    """Highest priority first; within a priority, the longest-standing first (it has waited longest)."""
    return sorted(alarms, key=lambda a: (-a.rank, a.started, a.id))


#: Alarms about the patient (a vital sign past its limit, the respiratory interlock); the others (technical,
#: device) are about the equipment: a nurse looks at the first row, and the patient comes first there.
PATIENT_KINDS = ("physiological",)


def urgency(alarm: Alarm) -> tuple[int, int, int, float, int]:
    """The IEC 60601-1-8 order of urgency as a sort key (smaller sorts first): higher priority first; within
    a priority an alarm still waiting for its acknowledgement (a latched one too) before one the nurse has
    already seen; then a patient alarm before a technical or device one; then the newest first, since it is
    the one she does not know about yet."""
    unacknowledged = alarm.acknowledged_by is None
    patient = alarm.kind in PATIENT_KINDS
    return (-alarm.rank, 0 if unacknowledged else 1, 0 if patient else 1, -alarm.started, -alarm.id)


def bar_order(alarms: list[Alarm]) -> list[Alarm]:
    """Every alarm, most urgent first (see `urgency`), except that a technical or device alarm never stands
    first while a patient alarm of the same or a higher priority is active: then the most urgent such
    patient alarm comes first (an acknowledged SpO2 alarm still above an unacknowledged "sensor off" of its
    priority), and the rest keep their order. IEC 60601-1-8 asks for the most urgent first, and a
    nurse reads the first row as "what is wrong with the patient"."""
    ordered = sorted(alarms, key=urgency)
    if ordered and ordered[0].kind not in PATIENT_KINDS:
        first = next((a for a in ordered if a.kind in PATIENT_KINDS and a.condition_active
                      and a.rank >= ordered[0].rank), None)
        if first is not None:
            ordered.remove(first)
            ordered.insert(0, first)
    return ordered


@dataclass(frozen=True)
class BarView:
    """What an alarm area with `rows` rows shows: the alarms in the rows, and a count of the rest."""

    shown: list[Alarm]
    hidden: int
    hidden_unacknowledged: int

    def more_text(self) -> str:
        """The count line under the rows: how many more, and how many of those still need acknowledging."""
        if not self.hidden:
            return ""
        plural = "s" if self.hidden > 1 else ""
        unacked = (f" ({self.hidden_unacknowledged} unacknowledged)" if self.hidden_unacknowledged
                   else " (all acknowledged)")
        return f"+ {self.hidden} more alarm{plural}{unacked} — see the alarm history"


def bar_view(alarms: list[Alarm], rows: int, keep: tuple[str, ...] = ()) -> BarView:
    """The most urgent `rows` alarms, in urgency order.

    A technical alarm (a lost sensor, a dead link) keeps the last row when it would be pushed off by limit
    alarms, so the nurse learns that a figure she trusts may be stale; but only when that does not displace
    an alarm more urgent than it (a higher priority, or the same priority still unacknowledged while the
    technical one is acknowledged). The issue this answers: a new unacknowledged HIGH alarm was counted
    under "+2 more" while the rows showed an acknowledged HIGH and an acknowledged MEDIUM technical alarm.

    An alarm whose key is in `keep` keeps a row for as long as its condition is active, whatever else is
    on the bar. The bar keeps the respiratory interlock's: once the signs have gone it drops to its held
    priority (MEDIUM) while the pump stays stopped, and the SpO2 and resp. rate alarms that cleared with
    the signs stay latched at HIGH until acknowledged; with two rows they pushed the interlock's row, the
    one that says the pump is held and carries its restart button, under "+1 more".
    """
    ordered = bar_order(alarms)
    kept = [a for a in ordered if a.key in keep and a.condition_active][:rows]
    others = [a for a in ordered if a.id not in {k.id for k in kept}]
    free = rows - len(kept)
    shown = others[:free]
    technical = [a for a in others[free:] if a.kind == "technical"]
    # never into the only row (a short screen's): the first row is a patient alarm's when one of the same
    # or a higher priority is active (bar_order)
    if (free > 0 and rows > 1 and len(shown) == free and technical
            and not any(a.kind == "technical" for a in shown)
            and urgency(technical[0])[:2] <= urgency(shown[-1])[:2]):
        shown = shown[:-1] + [technical[0]]
    shown = bar_order(shown + kept)
    ids = {a.id for a in shown}
    rest = [a for a in ordered if a.id not in ids]
    return BarView(shown, len(rest), sum(1 for a in rest if a.acknowledged_by is None))
