"""Puts the alarm system into a running console: engine, records, sound, escalation, bar, tiles, history.

Called once from the composition root (`install_alarms(console)` in console/app.py), so app.py stays a
list of parts and this module holds the alarm-specific wiring in one place.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from console.alarms.alarm_config import AlarmConfig, load_for
from console.alarms.alarm_limits import Limits
from console.alarms.alarm_recording import AuditRecorder
from console.alarms.audio import AlarmSounder, SubprocessPlayer
from console.alarms.engine import AlarmEngine
from console.alarms.escalation import CommandEscalation
from console.alarms.qt_adapter import AlarmController


HISTORY_EVERY_MS = 500


@dataclass
class AlarmSystem:
    engine: AlarmEngine
    controller: AlarmController
    recorder: AuditRecorder
    bar: object = None
    history: object = None
    resume_dialog: object = None
    limits_dialog: object = None
    limits_button: object = None

    def stop(self) -> None:
        self.controller.stop()


def pump_stopper(pump) -> Callable[[str, str], None]:
    """The interlock's pump intent for a controllable pump (the drivers' ControllablePump): "stop" queues
    the pump's stop command, whose read-back comes back to the engine as a PumpCommandResult; "release"
    only lifts the hold (restarting is the session's decision, not the alarm system's)."""
    def intent(command: str, reason: str) -> None:
        if command == "stop":
            pump.stop()
    return intent


def limits_text(limits: list[Limits]) -> str:
    """"50–120" for one metric; "90–180 / 50–100" for a group, in the order its value reads (NIBP
    systolic/diastolic); "≥ 90" for a low limit alone. Short: the tile's header is narrow."""
    parts = []
    for lim in limits:
        low = "" if lim.low is None else f"{lim.low:g}"
        high = "" if lim.high is None else f"{lim.high:g}"
        parts.append(f"≥ {low}" if not high else (f"≤ {high}" if not low else f"{low}–{high}"))
    return " / ".join(parts)


def install_alarms(console, *, config: AlarmConfig | None = None, pump_intent=None,
                   session_id: Callable[[], str | None] | None = None, user: Callable[[], str | None] | None = None,
                   verify_pin: Callable[[str, str], object] | None = None,
                   with_sound: bool = True) -> AlarmSystem:
    """`user` names who presses the alarm buttons (the signed-in nurse); `verify_pin(username, pin)` returns
    the staff member (with .name and .role) for a restart after the interlock, or raises saying why not."""
    config = config or load_for(console.data_dir)[0]
    box: list[AlarmEngine] = []
    recorder = AuditRecorder(console.audit, session_id=session_id,
                             on_failure=lambda t, why: box[0].storage_failed(t or time.time(), why),
                             on_recovery=lambda t: box[0].storage_recovered(t or time.time()))
    engine = AlarmEngine(config, recorder, pump_intent=pump_intent)
    box.append(engine)
    escalation = None
    if config.escalation_command:
        escalation = CommandEscalation(config.escalation_command,
                                       lambda why: engine.escalation_failed(time.time(), why),
                                       timeout=config.escalation_timeout)
        engine.set_escalation_action(escalation)
    controller = AlarmController(engine, escalation=escalation, user=user, disk_path=console.data_dir)
    if with_sound:
        controller.sounder = AlarmSounder(config, SubprocessPlayer(), controller.audio_report)
        controller.sounder.probe()
    controller.attach_hub(console.hub)
    system = AlarmSystem(engine, controller, recorder)
    window = getattr(console, "window", None)
    if window is not None:
        attach_window(system, window, config, verify_pin)
    return system


def attach_window(system: AlarmSystem, window, config: AlarmConfig,
                  verify_pin: Callable[[str, str], object] | None = None) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

    from console.ui.alarm_bar import AlarmBar
    from console.ui.alarm_history import AlarmHistoryView

    engine, controller = system.engine, system.controller
    bar = AlarmBar(config, clock=controller.clock)
    history = AlarmHistoryView(config)
    limits_button = QPushButton("Alarm limits for this patient…")
    limits_button.setMinimumHeight(52)
    panel = QWidget()
    panel_box = QVBoxLayout(panel)
    panel_box.addWidget(limits_button)
    panel_box.addWidget(history, 1)
    window.set_alarm_bar(bar)
    window.add_side_panel(panel, "Alarms")

    def change_limit(parameter: str, side: str, value: float, reason: str) -> None:
        engine.set_limit(parameter, side, value, actor=controller.who(), reason=reason, now=controller.clock())

    def ask_for_limits() -> None:
        from console.ui.alarm_limits_dialog import AlarmLimitsDialog
        dialog = AlarmLimitsDialog(config, engine.limits.value, change_limit, window)
        dialog.finished.connect(lambda _: show_limits())
        system.limits_dialog = dialog
        dialog.open()

    limits_button.clicked.connect(ask_for_limits)
    bar.acknowledge.connect(controller.acknowledge)
    bar.acknowledge_all.connect(controller.acknowledge_all)
    bar.pause_audio.connect(controller.pause_audio)
    bar.confirm_pump_stopped.connect(controller.confirm_pump_stopped)

    def ask_for_restart() -> None:
        from console.ui.interlock_dialog import InterlockResumeDialog
        if verify_pin is None:
            return
        dialog = InterlockResumeDialog(
            verify_pin, lambda person, reason: engine.resume_after_interlock(person, controller.clock(), reason),
            config.interlock.resume_roles, window)
        system.resume_dialog = dialog
        dialog.open()

    bar.resume_after_interlock.connect(ask_for_restart)

    def show_limits() -> None:
        for tile in window.tiles.values():
            limits = [engine.limits_for(m) for m in tile.spec.metrics]
            text = limits_text([lim for lim in limits if lim is not None]) if any(limits) else ""
            if tile.limits.text() != text:
                tile.set_limits(text)
                tile.limits.setToolTip("alarm limits for this patient")

    def tile_priority(tile) -> str | None:
        ranked = [p for p in (engine.alarm_priority_for(m) for m in tile.spec.metrics) if p]
        order = {"high": 0, "medium": 1, "low": 2}
        return min(ranked, key=order.get) if ranked else None

    def show_tiles() -> None:
        for metric in window.tile_for_metric:
            window.show_alarm_source(metric, engine.alarm_source_for(metric))
        for tile in window.tiles.values():
            priority = tile_priority(tile)
            if priority == tile.alarm_priority:
                continue  # restyling a tile is not free; the flasher keeps its phase
            colour = config.display[priority].colour if priority else None
            tile.set_alarm(priority, colour, bar.flasher.lit.get(priority, True) if priority else True)

    def flash_tiles(priority: str, lit: bool) -> None:
        for tile in window.tiles.values():
            if tile.alarm_priority == priority:
                tile.set_alarm(priority, config.display[priority].colour, lit)

    history_due = QTimer(bar)
    history_due.setSingleShot(True)
    history_due.setInterval(HISTORY_EVERY_MS)
    history_due.timeout.connect(lambda: history.show_history(engine.history()))

    def on_change(alarms) -> None:
        bar.show_alarms(alarms)
        show_tiles()
        show_limits()
        if not history_due.isActive():
            history_due.start()  # the history is for reading back, not urgent: batch its updates

    controller.alarms_changed.connect(on_change)
    bar.flasher.toggled.connect(flash_tiles)
    show_limits()
    on_change(engine.alarms())
    history.show_history(engine.history())
    system.bar, system.history, system.limits_button = bar, history, limits_button
