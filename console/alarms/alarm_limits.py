"""One patient's alarm limits: the clinic defaults, moved by a nurse only within the clinic's bounds.

A limit that can be moved anywhere is a limit that gets moved out of the way; the bounds are the clinic's
decision (resources), the move is the nurse's, and the record says who moved which limit, from what, to
what and why.
"""
from __future__ import annotations

from dataclasses import dataclass

from console.alarms.alarm_config import AlarmConfig, Parameter
from console.errors import UserError

SIDES = ("low", "high")


class LimitError(UserError):
    """A limit change that cannot be made; the message says what is allowed."""


@dataclass(frozen=True)
class LimitChange:
    parameter: str
    side: str
    old: float
    new: float
    actor: str
    reason: str
    bounds: tuple[float, float]

    def payload(self) -> dict:
        return {"parameter": self.parameter, "side": self.side, "old": self.old, "new": self.new,
                "reason": self.reason, "bounds": list(self.bounds)}


@dataclass(frozen=True)
class Limits:
    """The limits in force for one parameter, for display next to its value."""

    parameter: str
    label: str
    unit: str
    low: float | None
    high: float | None


class LimitSet:
    def __init__(self, config: AlarmConfig) -> None:
        self.config = config
        self._values: dict[tuple[str, str], float] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the clinic defaults (a new session starts from them)."""
        self._values = {}
        for p in self.config.parameters.values():
            for side in SIDES:
                s = p.side(side)
                if s is not None:
                    self._values[(p.name, side)] = s.default

    def _parameter(self, name: str) -> Parameter:
        p = self.config.parameters.get(name)
        if p is None:
            p = self.config.parameter_for(name)  # a metric name ("pr") stands for its parameter
        if p is None:
            known = ", ".join(sorted(self.config.parameters))
            raise LimitError(f"there is no alarm limit for {name!r}; limits exist for: {known}")
        return p

    def value(self, parameter: str, side: str) -> float | None:
        return self._values.get((self._parameter(parameter).name, side))

    def limits(self, parameter_or_metric: str) -> Limits:
        p = self._parameter(parameter_or_metric)
        return Limits(p.name, p.label, p.unit, self._values.get((p.name, "low")), self._values.get((p.name, "high")))

    def change(self, parameter: str, side: str, value: float, *, actor: str, reason: str) -> LimitChange:
        """Move one limit for this patient. Raises LimitError, saying the allowed range, when it cannot."""
        p = self._parameter(parameter)
        if side not in SIDES:
            raise LimitError(f"a limit side is 'low' or 'high', not {side!r}")
        s = p.side(side)
        if s is None:
            raise LimitError(f"{p.label} has no {side} limit in this clinic's configuration")
        if not actor:
            raise LimitError("a limit change needs the name of the person making it")
        if not reason or not reason.strip():
            raise LimitError(f"say why the {p.label} {side} limit is changed for this patient")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise LimitError(f"{p.label} {side} limit must be a number, not {value!r}") from None
        if not s.min <= value <= s.max:
            raise LimitError(f"{p.label} {side} limit {value:g} {p.unit} is outside the clinic's bounds "
                             f"{s.min:g}-{s.max:g} {p.unit}; a wider range needs the clinic's alarm "
                             "configuration changed")
        other = "high" if side == "low" else "low"
        other_value = self._values.get((p.name, other))
        crosses = other_value is not None and (value >= other_value if side == "low" else value <= other_value)
        if crosses:
            raise LimitError(f"{p.label} {side} limit {value:g} would cross the {other} limit {other_value:g} {p.unit}")
        old = self._values[(p.name, side)]
        self._values[(p.name, side)] = value
        return LimitChange(p.name, side, old, value, actor, reason.strip(), (s.min, s.max))
