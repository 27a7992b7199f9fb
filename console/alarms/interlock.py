"""The respiratory interlock (after OpenICE's PCA safety interlock).

Ketamine with other sedatives can depress breathing. One low reading may be an artefact; two independent
signs at once (low SpO2 with a low respiratory rate or a low pulse) are taken as real: the console raises a
high-priority alarm and stops the infusion. A pump the console controls is stopped by the console itself;
a pump it only reads, or a manual pump, is stopped by the nurse, told to do so, and her confirmation is
recorded. Either way the pump stays held until a clinician, identified by PIN, restarts it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from device_drivers.events import Measurement

from console.alarms.alarm import Condition
from console.alarms.alarm_board import AlarmBoard
from console.alarms.alarm_config import AlarmConfig, InterlockSign
from console.alarms.technical import TechnicalWatch, clock
from console.errors import UserError

KEY = "interlock:respiratory"
NOT_STOPPED_KEY = "tech:pump_not_stopped"

#: pump_intent(command, reason): "stop" the pump now; "release" the hold (the session may restart it).
PumpIntent = Callable[[str, str], None]


class VerifiedUser(Protocol):
    """A staff member whose PIN the session layer has just checked."""

    name: str
    role: str


class InterlockError(UserError):
    pass


@dataclass(frozen=True)
class Sign:
    name: str
    label: str
    value: float
    threshold: str
    unit: str


class RespiratoryInterlock:
    def __init__(self, config: AlarmConfig, board: AlarmBoard, technical: TechnicalWatch,
                 pump_intent: PumpIntent | None = None) -> None:
        self.config = config
        self.rule = config.interlock
        self.board = board
        self.technical = technical
        self.pump_intent = pump_intent
        #: (metric, device) -> (t, value): per device, so an oximeter's normal SpO2 does not hide the
        #: monitor's low one (and restart the sign's time) at every other sample.
        self._latest: dict[tuple[str, str], tuple[float, float]] = {}
        self._since: dict[str, float] = {}  # sign name -> since when it has been present
        self._signs: list[Sign] = []
        self.tripped_at: float | None = None
        self.stop_sent_at: float | None = None
        self.stop_failed: str = ""
        self.stopped_at: float | None = None
        self.stopped_by: str | None = None

    @property
    def holding(self) -> bool:
        """True from the trip until a clinician restarts: the session must not run the pump."""
        return self.tripped_at is not None

    def _controlled(self) -> bool:
        return self.technical.pump_control == "controllable" and self.pump_intent is not None

    # ---- inputs ---------------------------------------------------------------------------------------
    def measurement(self, m: Measurement, now: float) -> None:
        self._latest[(m.metric, m.device)] = (now, float(m.value))
        if self.holding and m.device == self.technical.pump_device and m.metric in ("rate", "state"):
            # A rate of 0, or the pump state "stopped" (0 in the drivers' PUMP_STATES), confirms the stop.
            self._pump_rate_read(float(m.value), now, m.metric)
        self.evaluate(now)

    def _unit(self, metric: str) -> str:
        p = self.config.parameter_for(metric)
        return p.unit if p else ""

    def _sign_value(self, sign: InterlockSign, now: float) -> tuple[str, float] | None:
        for metric in sign.metrics:
            for (name, _device), (t, value) in self._latest.items():
                if name != metric or now - t > self.config.freshness.get(metric, float("inf")):
                    continue
                if sign.present(value):
                    return metric, value
        return None

    def present_signs(self, now: float) -> list[Sign]:
        signs = []
        for sign in self.rule.signs:
            found = self._sign_value(sign, now)
            if found is None:
                self._since.pop(sign.name, None)
                continue
            since = self._since.setdefault(sign.name, now)
            if now - since >= self.rule.sign_seconds:
                signs.append(Sign(sign.name, sign.label, found[1], sign.threshold(), self._unit(found[0])))
        return signs

    def evaluate(self, now: float) -> None:
        if not self.rule.enabled:
            return
        self._signs = self.present_signs(now)
        depressed = len(self._signs) >= self.rule.minimum_signs
        if depressed and not self.holding:
            self._trip(now)
        if self.holding:
            self._assert(now, depressed)
            self._check_stopped(now)

    # ---- the trip -------------------------------------------------------------------------------------
    def _trip(self, now: float) -> None:
        self.tripped_at = now
        self.stop_sent_at = self.stopped_at = None
        self.stopped_by, self.stop_failed = None, ""
        self.board.record("interlock_trip", {
            "signs": [{"sign": s.name, "label": s.label, "value": s.value, "threshold": s.threshold}
                      for s in self._signs],
            "pump_control": self.technical.pump_control, "pump_device": self.technical.pump_device}, None, now)
        self.technical.set_interlock_stopped(True, now)
        if self._controlled():
            reason = "respiratory interlock: " + ", ".join(f"{s.label} {s.value:g}" for s in self._signs)
            self.stop_sent_at = now
            try:
                self.pump_intent("stop", reason)  # type: ignore[misc]
            except Exception as exc:  # a dead link must not stop the alarm; the nurse is told to stop by hand
                self.stop_failed = f"{type(exc).__name__}: {exc}"
            self.board.record("interlock_pump_stop_sent", {"reason": reason, "failed": self.stop_failed,
                                                           "pump_device": self.technical.pump_device}, None, now)

    def _instruction(self) -> str:
        restart = f"Restart needs the PIN of a {' or '.join(self.rule.resume_roles)}."
        if self.stopped_at is not None:
            who = "the console" if self.stopped_by is None else self.stopped_by
            return f"Pump stopped by {who} at {clock(self.stopped_at)}. {restart}"
        if self._controlled() and not self.stop_failed:
            return f"The console is stopping the pump. {restart}"
        return "STOP THE PUMP NOW, then confirm here."

    def _assert(self, now: float, depressed: bool) -> None:
        if depressed:
            signs = ", ".join(f"{s.label}: {s.value:g} {s.unit}".rstrip() for s in self._signs)
            text, priority = f"Respiratory depression — {signs}", self.rule.priority
        else:
            text, priority = "Respiratory interlock: pump held stopped", self.rule.held_priority
        self.board.assert_condition(Condition(key=KEY, kind="physiological", priority=priority, text=text,
                                              parameter="interlock", instruction=self._instruction()), now)

    def _pump_rate_read(self, value: float, now: float, metric: str = "rate") -> None:
        if self.stop_sent_at is None or self.stopped_at is not None:
            return
        if value == 0:
            self._pump_confirmed(now, f"pump {metric} read back as 0")

    def _pump_confirmed(self, now: float, how: str) -> None:
        self.stopped_at = now
        self.board.record("interlock_pump_stopped", {"confirmed_by": how,
                                                     "after": round(now - (self.stop_sent_at or now), 3)}, None, now)
        self.board.clear_condition(NOT_STOPPED_KEY, now, "the pump reads back stopped")

    def pump_command_result(self, result: object, now: float) -> None:
        """The drivers' PumpCommandResult for our stop: read back stopped, or refused/unanswered."""
        if not self.holding or self.stop_sent_at is None or getattr(result, "command", "") != "stop":
            return
        if getattr(result, "ok", False):
            if self.stopped_at is None:
                self._pump_confirmed(now, "pump accepted the stop and read back stopped")
        else:
            self.stop_failed = getattr(result, "detail", "") or f"pump answered {getattr(result, 'readback', '')!r}"
        self.evaluate(now)

    def _check_stopped(self, now: float) -> None:
        if self.stopped_at is not None or self.stop_sent_at is None:
            return
        rule = self.config.technical["pump_not_stopped"]
        deadline = self.stop_sent_at + float(rule.extra["confirm_seconds"])
        if self.stop_failed or now >= deadline:
            why = (f"the stop command failed ({self.stop_failed})" if self.stop_failed
                   else "it does not read back stopped")
            self.board.assert_condition(Condition(
                key=NOT_STOPPED_KEY, kind="technical", priority=rule.priority,
                text=f"Pump did not confirm the interlock stop: {why}", device=self.technical.pump_device,
                instruction="Stop the pump by hand now, then confirm here"), now)

    # ---- people ---------------------------------------------------------------------------------------
    def confirm_pump_stopped(self, user: str, now: float) -> None:
        """The nurse says she has stopped the pump (the only confirmation a manual pump can give)."""
        if not self.holding:
            raise InterlockError("the respiratory interlock has not asked for the pump to be stopped")
        if not user:
            raise InterlockError("confirming the pump is stopped needs the nurse's name")
        self.stopped_at, self.stopped_by = now, user
        self.board.record("interlock_pump_stopped", {"confirmed_by": user,
                                                     "after": round(now - (self.tripped_at or now), 3)}, user, now)
        self.board.clear_condition(NOT_STOPPED_KEY, now, "the nurse confirmed the pump is stopped")
        self.evaluate(now)

    def resume(self, user: VerifiedUser, now: float, reason: str) -> None:
        """A clinician of a role the clinic allows (physician by default), whose PIN the caller has just
        verified, releases the hold so the pump may be restarted."""
        if not self.holding:
            raise InterlockError("the respiratory interlock is not holding the pump")
        name, role = getattr(user, "name", ""), getattr(user, "role", "")
        if not name or role not in self.rule.resume_roles:
            roles = " or ".join(self.rule.resume_roles)
            raise InterlockError(f"restarting after the respiratory interlock needs a {roles}"
                                 f" with their PIN; {name or 'this user'} is {role or 'not identified'}")
        if not reason or not reason.strip():
            raise InterlockError("say why it is safe to restart the infusion")
        signs = self.present_signs(now)
        if len(signs) >= self.rule.minimum_signs:
            raise InterlockError("the signs of respiratory depression are still present: "
                                 + ", ".join(f"{s.label} {s.value:g}" for s in signs))
        if self.stopped_at is None:
            raise InterlockError("the pump has not been confirmed stopped; confirm it first")
        self.board.record("interlock_resume", {"role": role, "reason": reason.strip(),
                                               "tripped_at": self.tripped_at}, name, now)
        self.tripped_at = self.stop_sent_at = self.stopped_at = None
        self.stopped_by, self.stop_failed = None, ""
        self.technical.set_interlock_stopped(False, now)
        self.board.clear_condition(KEY, now, f"released by {name}")
        for alarm in self.board.alarms():
            if alarm.key == KEY:
                self.board.acknowledge(alarm.id, name, now)
        if self.pump_intent is not None and self.technical.pump_control == "controllable":
            self.pump_intent("release", reason.strip())

    def tick(self, now: float) -> None:
        self.evaluate(now)
