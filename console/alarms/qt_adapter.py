"""The alarm engine's Qt edge: DeviceHub signals in, a timer for the clock, signals out to the screen.

The engine stays plain Python; this QObject lives on the GUI thread, feeds it the hub's events as they
arrive (already queued onto the GUI thread by the hub), ticks it with a QTimer, drives the sound and the
escalation command, and turns the engine's change notifications into Qt signals for the alarm bar,
the tiles and the history view.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from console.alarms.alarm import Alarm, AlarmChange
from console.alarms.audio import AlarmSounder
from console.alarms.engine import AlarmEngine
from console.alarms.escalation import CommandEscalation

TICK_MS = 250  # delays, pauses and escalation resolve to a quarter second; sound bursts start on time
DISK_CHECK_S = 60.0
NOT_SIGNED_IN = "bedside user (not signed in)"


class AlarmController(QObject):
    #: An alarm has just started (a copy of it), emitted on the GUI thread as soon as the engine raises it.
    alarm_started = Signal(object)
    #: Something on the alarm list changed; the argument is the whole list, in display order.
    alarms_changed = Signal(object)

    def __init__(self, engine: AlarmEngine, *, sounder: AlarmSounder | None = None,
                 escalation: CommandEscalation | None = None, clock: Callable[[], float] = time.time,
                 user: Callable[[], str | None] | None = None, disk_path: Path | None = None,
                 tick_ms: int = TICK_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.sounder = sounder
        self.escalation = escalation
        self.clock = clock
        self.user = user or (lambda: None)
        self.disk_path = disk_path
        self._next_disk_check = 0.0
        engine.subscribe(self._on_change)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(tick_ms)

    # ---- in -------------------------------------------------------------------------------------------
    def attach_hub(self, hub) -> None:
        hub.measurement.connect(self.on_event)
        hub.device_event.connect(self.on_event)

    def on_event(self, event: object) -> None:
        self.engine.on_event(event, self.clock())

    def tick(self) -> None:
        now = self.clock()
        if self.disk_path is not None and now >= self._next_disk_check:
            self._next_disk_check = now + DISK_CHECK_S
            try:
                self.engine.disk_space(now, shutil.disk_usage(self.disk_path).free, str(self.disk_path))
            except OSError as exc:
                self.engine.storage_failed(now, f"cannot read free space of {self.disk_path}: {exc.strerror}")
        self.engine.tick(now)
        if self.sounder is not None:
            self.sounder.update(self.engine.audio_demand(now), now)
        if self.escalation is not None:
            self.escalation.poll()

    def _on_change(self, change: AlarmChange) -> None:
        if change.event == "started":
            self.alarm_started.emit(change.alarm)
        self.alarms_changed.emit(self.engine.alarms())

    # ---- the nurse's buttons --------------------------------------------------------------------------
    def who(self) -> str:
        return self.user() or NOT_SIGNED_IN

    def acknowledge(self, alarm_id: int) -> Alarm:
        return self.engine.acknowledge(alarm_id, self.who(), self.clock())

    def acknowledge_all(self) -> list[Alarm]:
        return self.engine.acknowledge_all(self.who(), self.clock())

    def pause_audio(self) -> list[Alarm]:
        paused = self.engine.pause_audio(self.who(), self.clock())
        if self.sounder is not None:
            self.sounder.update(self.engine.audio_demand(self.clock()), self.clock())
        return paused

    def confirm_pump_stopped(self) -> None:
        self.engine.confirm_pump_stopped(self.who(), self.clock())

    def audio_report(self, ok: bool, detail: str) -> None:
        """Sounder callback: no player or no device is a visible technical alarm."""
        if ok:
            self.engine.audio_available(self.clock())
        else:
            self.engine.audio_unavailable(self.clock(), detail)

    def stop(self) -> None:
        self.timer.stop()
        if self.sounder is not None:
            self.sounder.close()
