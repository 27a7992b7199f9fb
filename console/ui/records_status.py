"""The 'Records server' chip on the device strip: is this chair's record reaching the clinic records server,
and the technical alarm when it has not for too long (resources/records.toml [replication]).

The replicator thread keeps its status; this reads a copy of it (`Replicator.snapshot`) once a second on the
screen's thread: the screen never touches the network or waits for the replicator.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from PySide6.QtCore import QObject, QTimer

from console.ui import style

CHIP = "records"
TITLE = "Records server"
REFRESH_MS = 1000
#: rows younger than this are just being sent (vitals arrive every second, the replicator ships every
#: `interval_s`): still "up to date", so amber means something is really behind
SENDING_S = 60


def age_text(seconds: float) -> str:
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def status_line(status, now: float) -> tuple[str, str, str]:
    """(state, words after the title, tooltip) for a ReplicationStatus; state is ok / waiting / down / conflict.

    Short words (the strip shares one line with every device at 1366 px); the detail is in the tooltip."""
    waiting, age = "", None
    if status.pending_rows:
        age = now - status.oldest_pending_t if status.oldest_pending_t else None
        waiting = f"{status.pending_rows} rows waiting" + (f" (oldest {age_text(age)})" if age is not None else "")
    if status.conflict:
        return "conflict", "CONFLICT — call IT", f"{status.conflict}\nrun: bedside-console verify-records --server"
    if status.online:
        if waiting and age is not None and age >= SENDING_S:
            return "waiting", waiting, "sending this chair's records to the clinic server"
        when = datetime.fromtimestamp(status.last_sync_t).strftime("%H:%M:%S") if status.last_sync_t else "—"
        return "ok", "up to date", f"last confirmed {when}" + (f"; {waiting}, being sent" if waiting else "")
    detail = "\n".join(x for x in (waiting, status.last_error) if x)
    if status.offline_since is None:
        return "waiting", "connecting…", detail or "not connected yet"
    since = datetime.fromtimestamp(status.offline_since).strftime("%H:%M")
    return "down", f"NOT REACHABLE since {since} — records are safe on this chair", detail


def shorter(words: str) -> list[tuple[str, str]]:
    """(title, words) from the full form to the fewest words, for a strip with little room left (1366 px
    and several devices); the state's first words (NOT REACHABLE since 14:02) are always kept."""
    mid = words.replace(" — records are safe on this chair", " — safe on this chair")
    least = words.split(" — ")[0]
    return [(TITLE, words), ("Records", mid), ("Records", least)]


_COLOUR = {"ok": style.OK, "waiting": style.WARN, "down": style.BAD, "conflict": style.BAD}


class RecordsStatus(QObject):
    """Shows the replicator's state on `strip` and raises/clears the backlog alarm on `engine`."""

    def __init__(self, snapshot: Callable[[], object], strip, *, engine=None, after_s: float = 1800.0,
                 priority: str = "low", clock: Callable[[], float] = time.time, parent=None) -> None:
        super().__init__(parent)
        self.snapshot, self.strip, self.engine, self.clock = snapshot, strip, engine, clock
        self.after_s, self.priority = after_s, priority
        self.state = ""
        if strip is not None:
            strip.add_device(CHIP, TITLE)
            # never widen the window (1366 px screens): clipped at worst, the tooltip has it all
            from PySide6.QtWidgets import QSizePolicy
            strip.chips[CHIP].setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
            strip.chips[CHIP].setMinimumWidth(200)
            strip.layout_.setStretchFactor(strip.chips[CHIP], 100)  # the room the devices leave
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.update)
        self.timer.start(REFRESH_MS)
        self.update()

    def update(self) -> None:
        status, now = self.snapshot(), self.clock()
        state, words, tip = status_line(status, now)
        self.state = state
        if self.strip is not None:
            chip = self.strip.chips[CHIP]
            forms = shorter(words)
            title, words = next((f for f in forms if chip.fontMetrics().horizontalAdvance(
                f"● {f[0]} {f[1]}") * 1.1 + 24 <= chip.width()), forms[-1])
            if state == "down":
                tip = "records are safe on this chair\n" + tip
            self.strip.show_text(CHIP, _COLOUR[state], words, tip, state, title=title)
        if self.engine is not None:
            age = now - status.oldest_pending_t if status.pending_rows and status.oldest_pending_t else None
            self.engine.records_backlog(now, age, after_s=self.after_s, priority=self.priority,
                                        pending=status.pending_rows)

    def stop(self) -> None:
        self.timer.stop()


def install_records_status(console) -> RecordsStatus | None:
    """The chip and alarm for a console whose clinic.toml names a records server (None otherwise)."""
    from console.records.records_config import records_config
    replicator, window = console.replicator, console.window
    if replicator is None or window is None:
        return None
    config = records_config()
    engine = console.alarms.engine if console.alarms is not None else None
    return RecordsStatus(replicator.snapshot, window.devices, engine=engine,
                         after_s=config.replication_alarm_after_s, priority=config.replication_alarm_priority)
