"""The alarm states every rule shares: delay, start, latch, acknowledgement, audio pause, reminder,
escalation and end, each one recorded.

Rules (limits, technical, interlock) only assert and clear conditions; this board decides what the nurse
sees and hears, so the same behaviour holds for a low SpO2 and for a lost link, and nothing is silenced
without a record carrying who and when.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from console.alarms.alarm import Alarm, AlarmChange, AudioDemand, Condition, display_order
from console.alarms.alarm_config import RANK, AlarmConfig
from console.errors import UserError

#: record(kind, payload, actor): the durable sink (AuditLog.append in the console).
Recorder = Callable[[str, dict, "str | None"], Any]
Listener = Callable[[AlarmChange], None]


class AlarmNotFound(UserError):
    pass


class AlarmBoard:
    def __init__(self, config: AlarmConfig, record: Recorder,
                 escalate: Callable[[Alarm], None] | None = None) -> None:
        self.config = config
        self._record = record
        self._escalate = escalate
        self._listeners: list[Listener] = []
        self._asserted: dict[str, tuple[Condition, float]] = {}  # key -> (condition, since)
        self._alarms: dict[str, Alarm] = {}  # key -> alarm on the board (active or latched)
        self._history: list[Alarm] = []  # every alarm of the session, in start order
        self._next_id = 1

    # ---- listeners and records ------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def set_escalation_action(self, action: Callable[[Alarm], None] | None) -> None:
        self._escalate = action

    def _notify(self, event: str, alarm: Alarm) -> None:
        change = AlarmChange(event, alarm.copy())
        for listener in list(self._listeners):
            listener(change)

    def record(self, kind: str, payload: dict, actor: str | None, now: float) -> None:
        self._record(kind, {"t": now, **payload}, actor)

    # ---- conditions -----------------------------------------------------------------------------------
    def assert_condition(self, cond: Condition, now: float) -> None:
        """A rule says `cond` holds at `now`. It alarms once it has held for its delay."""
        previous = self._asserted.get(cond.key)
        since = previous[1] if previous else now
        self._asserted[cond.key] = (cond, since)
        if cond.key in self._alarms and self._alarms[cond.key].condition_active:
            self._update(self._alarms[cond.key], cond, now)
        elif now - since >= cond.delay:
            self._start(cond, since, now)

    def clear_condition(self, key: str, now: float, why: str = "condition cleared") -> None:
        if self._asserted.pop(key, None) is None:
            return
        alarm = self._alarms.get(key)
        if alarm is None or not alarm.condition_active:
            return
        alarm.condition_active = False
        alarm.cleared_at = now
        if alarm.priority in self.config.latching_priorities and alarm.acknowledged_by is None:
            alarm.latched = True
            self.record("alarm_change", {**alarm.summary(), "change": "latched", "why": why}, None, now)
            self._notify("changed", alarm)
        else:
            self._end(alarm, now, why)

    def is_asserted(self, key: str) -> bool:
        return key in self._asserted

    def asserted_keys(self, prefix: str = "") -> list[str]:
        return [k for k in self._asserted if k.startswith(prefix)]

    def asserted(self, key: str) -> Condition | None:
        entry = self._asserted.get(key)
        return entry[0] if entry else None

    # ---- alarm lifecycle ------------------------------------------------------------------------------
    def _start(self, cond: Condition, since: float, now: float) -> None:
        alarm = self._alarms.get(cond.key)
        if alarm is not None:  # a latched alarm whose condition came back before anyone acknowledged it
            alarm.condition_active, alarm.latched, alarm.cleared_at = True, False, None
            alarm.announced = now
            self._apply(alarm, cond)
            self._notify("changed", alarm)
            self.record("alarm_change", {**alarm.summary(), "change": "recurred", "condition_since": since}, None, now)
            return
        alarm = Alarm(id=self._next_id, key=cond.key, kind=cond.kind, priority=cond.priority, text=cond.text,
                      parameter=cond.parameter, value=cond.value, limit=cond.limit, started=now,
                      device=cond.device, instruction=cond.instruction, announced=now, worse=cond.worse,
                      worst=cond.value)
        self._next_id += 1
        self._alarms[cond.key] = alarm
        self._history.append(alarm)
        # Shown first, then written: an alarm must never wait for the disk (the write follows within the
        # same turn of the GUI thread; a failed write raises its own technical alarm).
        self._notify("started", alarm)
        self.record("alarm_start", {**alarm.summary(), "condition_since": since}, None, now)

    def _apply(self, alarm: Alarm, cond: Condition) -> None:
        alarm.text, alarm.value, alarm.limit = cond.text, cond.value, cond.limit
        alarm.instruction, alarm.priority, alarm.kind = cond.instruction, cond.priority, cond.kind
        if cond.value is None:
            return
        if (alarm.worst is None or (cond.worse == "low" and cond.value < alarm.worst)
                or (cond.worse == "high" and cond.value > alarm.worst)):
            alarm.worst = cond.value

    def _update(self, alarm: Alarm, cond: Condition, now: float) -> None:
        before = (alarm.text, alarm.value, alarm.limit, alarm.priority, alarm.instruction)
        old_priority, old_instruction = alarm.priority, alarm.instruction
        self._apply(alarm, cond)
        if before == (alarm.text, alarm.value, alarm.limit, alarm.priority, alarm.instruction):
            return
        if alarm.priority != old_priority or alarm.instruction != old_instruction:
            change = "priority" if alarm.priority != old_priority else "instruction"
            self.record("alarm_change", {**alarm.summary(), "change": change, "previous_priority": old_priority},
                        None, now)
            if RANK[alarm.priority] > RANK[old_priority]:
                alarm.announced, alarm.acknowledged_by, alarm.acknowledged_at = now, None, None
        self._notify("changed", alarm)

    def _end(self, alarm: Alarm, now: float, why: str) -> None:
        alarm.ended = now
        alarm.condition_active = False
        self._alarms.pop(alarm.key, None)
        payload = {**alarm.summary(), "why": why, "duration": round(now - alarm.started, 3)}
        if alarm.worst is not None:
            payload["worst"] = alarm.worst
        self.record("alarm_end", payload, None, now)
        self._notify("ended", alarm)

    # ---- nurse actions --------------------------------------------------------------------------------
    def alarm(self, alarm_id: int) -> Alarm:
        for alarm in self._alarms.values():
            if alarm.id == alarm_id:
                return alarm
        raise AlarmNotFound(f"alarm {alarm_id} is not on the alarm bar any more (it has ended)")

    def acknowledge(self, alarm_id: int, user: str, now: float) -> Alarm:
        """The nurse has seen the alarm: it stops sounding and escalating; a cleared latched alarm goes."""
        if not user:
            raise UserError("an acknowledgement needs the name of the person acknowledging")
        alarm = self.alarm(alarm_id)
        if alarm.acknowledged_by is not None and alarm.condition_active:
            return alarm.copy()
        alarm.acknowledged_by, alarm.acknowledged_at = user, now
        self.record("alarm_ack", {**alarm.summary(), "condition_active": alarm.condition_active,
                                  "silenced_for": self.config.acknowledge_silence_seconds}, user, now)
        if not alarm.condition_active:
            self._end(alarm, now, "acknowledged after the condition cleared")
        else:
            self._notify("changed", alarm)
        return alarm.copy()

    def acknowledge_all(self, user: str, now: float) -> list[Alarm]:
        if not user:
            raise UserError("an acknowledgement needs the name of the person acknowledging")
        pending = [a.id for a in display_order(list(self._alarms.values()))
                   if a.acknowledged_by is None or not a.condition_active]
        return [self.acknowledge(i, user, now) for i in pending]

    def pause_audio(self, user: str, now: float) -> list[Alarm]:
        """Audio pause: every alarm sounding now goes quiet for the configured time, then sounds again."""
        if not user:
            raise UserError("an audio pause needs the name of the person pausing")
        until = now + self.config.audio_pause_seconds
        paused = [a for a in self._alarms.values() if a.audible(now)]
        for alarm in paused:
            alarm.audio_paused_until = until
        self.record("alarm_pause", {"until": until, "seconds": self.config.audio_pause_seconds,
                                    "alarm_ids": [a.id for a in paused], "texts": [a.text for a in paused]}, user, now)
        for alarm in paused:
            self._notify("changed", alarm)
        return [a.copy() for a in paused]

    # ---- time -----------------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Delays that have run out, pauses and acknowledgements that expire, escalations that are due."""
        for key, (cond, since) in list(self._asserted.items()):
            if key not in self._alarms or not self._alarms[key].condition_active:
                if now - since >= cond.delay:
                    self._start(cond, since, now)
        for alarm in list(self._alarms.values()):
            if alarm.audio_paused_until is not None and now >= alarm.audio_paused_until:
                alarm.audio_paused_until = None
                if alarm.condition_active:
                    self.record("alarm_pause_end", alarm.summary(), None, now)
                    self._notify("changed", alarm)
            if (alarm.acknowledged_at is not None and alarm.condition_active
                    and now >= alarm.acknowledged_at + self.config.acknowledge_silence_seconds):
                alarm.acknowledged_by = alarm.acknowledged_at = None
                alarm.announced, alarm.escalated, alarm.escalated_at = now, False, None
                self.record("alarm_reminder", {**alarm.summary(), "why": "still active after its acknowledgement"},
                            None, now)
                self._notify("changed", alarm)
            if (alarm.priority in self.config.escalation_priorities and alarm.condition_active
                    and alarm.acknowledged_by is None and not alarm.escalated
                    and now >= alarm.announced + self.config.escalation_seconds):
                alarm.escalated, alarm.escalated_at = True, now
                waited = round(now - alarm.announced, 3)
                self.record("alarm_escalate", {**alarm.summary(), "unacknowledged_for": waited}, None, now)
                self._notify("changed", alarm)
                if self._escalate is not None:
                    self._escalate(alarm.copy())

    # ---- views ----------------------------------------------------------------------------------------
    def alarms(self) -> list[Alarm]:
        return [a.copy() for a in display_order(list(self._alarms.values()))]

    def history(self) -> list[Alarm]:
        return [a.copy() for a in self._history]

    def audio_demand(self, now: float) -> AudioDemand:
        audible = [a for a in self._alarms.values() if a.audible(now) and a.priority in ("high", "medium")]
        if not audible:
            return AudioDemand(None)
        top = max(a.rank for a in audible)
        priority = "high" if top == RANK["high"] else "medium"
        return AudioDemand(priority, any(a.escalated for a in audible if a.priority == priority))

    def alarms_for(self, parameter: str) -> Iterable[Alarm]:
        return [a.copy() for a in self._alarms.values() if a.parameter == parameter]
