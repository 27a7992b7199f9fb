"""A controllable pump follows the session: what the nurse starts, pauses, titrates or stops is sent to it.

Only for pumps that say they are controllable (device_drivers.pump). Each command is queued on the codec,
which reads the pump back and reports a `PumpCommandResult`; a refusal or a different read-back becomes a
high-priority alarm there, and the session's own comparison of the pump's readings with the order catches
anything else. Read-only and manual pumps are never commanded: the nurse programs them by hand.
"""
from __future__ import annotations

from typing import Callable

from console.session import event_kinds as ek
from device_drivers.pump import PumpControl, pump_control


class PumpFollower:
    def __init__(self, pump, order_volume_ml: Callable[[], float | None]) -> None:
        if pump_control(pump) is not PumpControl.CONTROLLABLE:
            raise ValueError(f"{type(pump).__name__} cannot be controlled; the nurse programs it by hand")
        self.pump = pump
        self.order_volume_ml = order_volume_ml
        self.sent: list[str] = []

    def on_session_event(self, event) -> None:
        kind, payload = event.kind, event.payload or {}
        if kind == ek.INFUSION_STARTED:
            volume = self.order_volume_ml()
            if volume:
                self._send("set_vtbi", volume)
            self._send("set_rate", payload["rate_ml_per_h"])
            self._send("start")
        elif kind == ek.INFUSION_TITRATED:
            self._send("set_rate", payload["rate_ml_per_h"])
        elif kind == ek.INFUSION_RESUMED:
            self._send("set_rate", payload["rate_ml_per_h"])
            self._send("start")
        elif kind in (ek.INFUSION_PAUSED, ek.INFUSION_STOPPED):
            self._send("stop")

    def _send(self, command: str, *args) -> None:
        getattr(self.pump, command)(*args)
        self.sent.append(command if not args else f"{command} {args[0]:g}")
