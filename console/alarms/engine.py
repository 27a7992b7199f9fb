"""The alarm engine: device events, session facts and the clock in; alarms, tones and records out.

Plain Python, no Qt, no clock of its own: every input carries `now`, and `tick(now)` lets time-based
rules run (delays, silent devices, pause expiry, escalation), so every rule is tested with a fake clock
and the console drives it from the GUI thread with a timer.
"""
from __future__ import annotations

from typing import Callable

from device_drivers.events import DeviceAlarm, DeviceStatus, LinkState, Measurement, Waveform

from console.alarms.alarm import Alarm, AudioDemand, Condition
from console.alarms.alarm_board import AlarmBoard, Listener, Recorder
from console.alarms.alarm_config import AlarmConfig, load_defaults
from console.alarms.alarm_limits import LimitChange, Limits, LimitSet
from console.alarms.interlock import PumpIntent, RespiratoryInterlock, VerifiedUser
from console.alarms.technical import TechnicalWatch


def _discard(kind: str, payload: dict, actor: str | None) -> None:
    """A recorder for tools that have no database; the console always passes AuditLog.append."""


class AlarmEngine:
    def __init__(self, config: AlarmConfig | None = None, record: Recorder | None = None, *,
                 pump_intent: PumpIntent | None = None,
                 escalation_action: Callable[[Alarm], None] | None = None) -> None:
        self.config = config or load_defaults()
        self.board = AlarmBoard(self.config, record or _discard, escalation_action)
        self.limits = LimitSet(self.config)
        self.technical = TechnicalWatch(self.config, self.board)
        self.interlock = RespiratoryInterlock(self.config, self.board, self.technical, pump_intent)
        #: (metric, device) -> (t received, value). Per device, not per metric: a monitor and an oximeter
        #: both report SpO2, and one latest value per metric let each source's sample overwrite the
        #: other's, so a desaturation on one cleared and restarted the alarm delay at every sample of the
        #: other (issue 10 item 10: the console's SpO2 alarm came 34 s after the monitor's, not 10 s).
        self._latest: dict[tuple[str, str], tuple[float, float]] = {}

    # ---- outputs --------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self.board.subscribe(listener)

    def alarms(self) -> list[Alarm]:
        """Alarms on the bar now, highest priority and longest-standing first."""
        return self.board.alarms()

    def history(self) -> list[Alarm]:
        return self.board.history()

    def audio_demand(self, now: float) -> AudioDemand:
        return self.board.audio_demand(now)

    def limits_for(self, metric: str) -> Limits | None:
        return self.limits.limits(metric) if self.config.parameter_for(metric) else None

    def alarm_priority_for(self, metric: str) -> str | None:
        """The highest priority of the alarms on this metric's value (for its tile), or None."""
        ranked = [a for a in self.board.alarms() if a.parameter == metric]
        return ranked[0].priority if ranked else None

    def alarm_source_for(self, metric: str) -> str | None:
        """The device whose value the most urgent active alarm on this metric is about (the worst of the
        fresh sources, see _check_limits), or None: the tile shows that device's value while it lasts."""
        active = [a for a in self.board.alarms() if a.parameter == metric and a.condition_active and a.device]
        return active[0].device if active else None

    @property
    def pump_held(self) -> bool:
        """The respiratory interlock holds the pump stopped; the session must not run it."""
        return self.interlock.holding

    # ---- device events --------------------------------------------------------------------------------
    def on_event(self, event: object, now: float | None = None) -> None:
        """Feed any device event; `now` is when the console received it (defaults to the event's time)."""
        t = event.t if now is None else now  # type: ignore[attr-defined]
        if isinstance(event, Measurement):
            self.on_measurement(event, t)
        elif isinstance(event, DeviceAlarm):
            self.technical.device_alarm(event, t)
        elif isinstance(event, DeviceStatus):
            self.technical.status(event, t)
        elif isinstance(event, LinkState):
            self.technical.link(event, t)
        elif isinstance(event, Waveform):
            self.technical.seen(event.device, t)
        elif hasattr(event, "command") and hasattr(event, "ok"):  # drivers' PumpCommandResult
            self.technical.seen(event.device, t)  # type: ignore[attr-defined]
            self.interlock.pump_command_result(event, t)

    def on_measurement(self, m: Measurement, now: float) -> None:
        self.technical.measurement(m, now)
        self._latest[(m.metric, m.device)] = (now, float(m.value))
        self._check_limits(m.metric, now)
        self.interlock.measurement(m, now)

    def _sources(self, metric: str, now: float) -> list[tuple[float, str]]:
        """(value, device) of every source of `metric` whose latest value is still fresh."""
        fresh = self.config.freshness.get(metric, float("inf"))
        return [(value, device) for (name, device), (t, value) in self._latest.items()
                if name == metric and now - t <= fresh]

    def _check_limits(self, metric: str, now: float) -> None:
        """Assert or clear the metric's limit conditions from every fresh source at once.

        A side's condition holds while any fresh source is beyond the limit and carries the worst of
        them: two sources that disagree (monitor SpO2 86, finger oximeter 93) must not take turns
        clearing it, or its delay restarts at every sample and the configured delay means nothing. It
        clears only when every fresh source is back within the limit (or has gone stale)."""
        p = self.config.parameter_for(metric)
        sources = self._sources(metric, now)
        if p is None or not sources:
            return
        for side in ("low", "high"):
            rule = p.side(side)
            key = f"limit:{metric}:{side}"
            limit = self.limits.value(p.name, side)
            if rule is None or limit is None:
                continue
            crossed = [(v, d) for v, d in sources if (v < limit if side == "low" else v > limit)]
            if not crossed:
                self.board.clear_condition(key, now, f"{p.label} back within its limit")
                continue
            value, device = min(crossed) if side == "low" else max(crossed)
            word = "below" if side == "low" else "above"
            self.board.assert_condition(Condition(
                key=key, kind="physiological", priority=rule.priority,
                text=f"{p.label} {value:g} {p.unit} {word} limit {limit:g}", parameter=metric, value=value,
                limit=limit, device=device, delay=rule.delay, worse=side), now)

    def _expire_stale_values(self, now: float) -> None:
        """A value older than its freshness no longer keeps a limit alarm alive (a silent device is a
        technical alarm, not a patient who stays at the last number); another source that is still
        fresh decides alone from then on."""
        stale_metrics = set()
        for (metric, device), (t, _) in list(self._latest.items()):
            fresh = self.config.freshness.get(metric)
            if fresh is not None and now - t > fresh:
                del self._latest[(metric, device)]
                stale_metrics.add(metric)
        for metric in stale_metrics:
            if self._sources(metric, now):
                self._check_limits(metric, now)
            else:
                for side in ("low", "high"):
                    self.board.clear_condition(f"limit:{metric}:{side}", now, "no current value")

    def latest(self, metric: str) -> tuple[float, float, str] | None:
        """The most recent (t received, value, device) of `metric` from any source, or None."""
        found = [(t, value, device) for (name, device), (t, value) in self._latest.items() if name == metric]
        return max(found) if found else None

    # ---- session facts --------------------------------------------------------------------------------
    def set_pump(self, device: str | None, control: object) -> None:
        """Which device is the infusion pump, and whether the console controls it, only reads it, or the
        nurse runs it by hand ("controllable" / "read_only" / "manual", or the drivers' PumpControl)."""
        self.technical.set_pump(device, control)

    def set_ordered_rate(self, rate_ml_h: float | None, now: float) -> None:
        self.technical.set_ordered_rate(rate_ml_h, now)

    def report_rate_mismatch(self, now: float, ordered: float, actual: float, detail: str = "") -> None:
        self.technical.rate_mismatch(now, ordered, actual, detail)

    def on_session_event(self, event: object) -> None:
        """Events from the clinical session (its `listeners`): the pump/order comparison it makes."""
        kind, payload = getattr(event, "kind", ""), getattr(event, "payload", {}) or {}
        t = float(getattr(event, "t", 0.0))
        if kind == "session.opened":
            self.begin_session(t, getattr(event, "actor", None))
        if kind in ("session.pump_mismatch", "session.pump_matched"):
            self.technical.pump_mismatch(str(payload.get("metric", "rate")), float(payload.get("expected", 0.0)),
                                         float(payload.get("actual", 0.0)), kind == "session.pump_mismatch", t)

    def begin_session(self, now: float, actor: str | None = None) -> None:
        """A new patient: limits back to the clinic defaults (recorded). Active alarms stay: a lost link or a
        full disk does not go away because a session starts."""
        self.limits.reset()
        self.board.record("alarm_limits_reset", {"why": "new session: clinic defaults"}, actor, now)
        for p in self.config.parameters.values():
            for metric in p.metrics:
                self._check_limits(metric, now)

    def set_nibp_schedule(self, interval_s: float | None, now: float) -> None:
        self.technical.set_nibp_schedule(interval_s, now)

    def storage_failed(self, now: float, detail: str) -> None:
        self.technical.storage(False, now, detail)

    def storage_recovered(self, now: float) -> None:
        self.technical.storage(True, now)

    def disk_space(self, now: float, free_bytes: int, where: str = "") -> None:
        self.technical.disk_space(free_bytes, now, where)

    def records_backlog(self, now: float, oldest_age_s: float | None, *, after_s: float, priority: str,
                        pending: int = 0) -> None:
        self.technical.records_backlog(oldest_age_s, now, after_s=after_s, priority=priority, pending=pending)

    def audio_unavailable(self, now: float, detail: str = "") -> None:
        self.technical.audio(False, now, detail)

    def audio_available(self, now: float) -> None:
        self.technical.audio(True, now)

    def escalation_failed(self, now: float, detail: str) -> None:
        self.technical.escalation_failed(detail, now)

    def set_escalation_action(self, action: Callable[[Alarm], None] | None) -> None:
        self.board.set_escalation_action(action)

    # ---- people ---------------------------------------------------------------------------------------
    def set_limit(self, parameter: str, side: str, value: float, *, actor: str, reason: str,
                  now: float) -> LimitChange:
        """Move one limit for this patient within the clinic's bounds; recorded with who and why."""
        change = self.limits.change(parameter, side, value, actor=actor, reason=reason)
        self.board.record("alarm_limit_change", change.payload(), actor, now)
        for metric in self.config.parameters[change.parameter].metrics:
            self._check_limits(metric, now)
        return change

    def acknowledge(self, alarm_id: int, user: str, now: float) -> Alarm:
        return self.board.acknowledge(alarm_id, user, now)

    def acknowledge_all(self, user: str, now: float) -> list[Alarm]:
        return self.board.acknowledge_all(user, now)

    def pause_audio(self, user: str, now: float) -> list[Alarm]:
        return self.board.pause_audio(user, now)

    def confirm_pump_stopped(self, user: str, now: float) -> None:
        self.interlock.confirm_pump_stopped(user, now)

    def resume_after_interlock(self, user: VerifiedUser, now: float, reason: str) -> None:
        self.interlock.resume(user, now, reason)

    # ---- time -----------------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        self._expire_stale_values(now)
        self.technical.tick(now)
        self.interlock.tick(now)
        self.board.tick(now)
