"""An acknowledgement from the nurses' station, applied by the bed: audio only, for one alarm.

The alarm stays on the bed's bar until it is handled at the bed; its sound pauses for the configured
audio-pause time (alarm_defaults.toml). The bed records who acknowledged from which station, or that it
refused because the clinic does not allow acknowledging from the station (clinic.toml, station section).
"""
from __future__ import annotations

import time

from console.alarms.alarm_board import AlarmNotFound


def apply_station_ack(alarms, ack: dict, *, allowed: bool, now: float | None = None) -> str:
    """Returns what the bed did: "paused", "refused", "not_sounding" or "gone"."""
    now = time.time() if now is None else now
    board = alarms.engine.board
    who = f"{ack['by']} (from station {ack['station']})"
    alarm_id = int(ack["alarm_id"])
    if not allowed:
        board.record("station_ack_refused", {"alarm_id": alarm_id, "by": ack["by"], "station": ack["station"],
                                             "why": "clinic.toml does not allow acknowledging from the station"},
                     who, now)
        return "refused"
    try:
        alarm = board.alarm(alarm_id)
    except AlarmNotFound:
        return "gone"
    if not alarm.audible(now):
        return "not_sounding"
    alarm.audio_paused_until = now + board.config.audio_pause_seconds
    board.record("alarm_pause", {"until": alarm.audio_paused_until, "seconds": board.config.audio_pause_seconds,
                                 "alarm_ids": [alarm_id], "texts": [alarm.text], "by": ack["by"],
                                 "from_station": ack["station"], "audio_only": True}, who, now)
    board._notify("changed", alarm)
    return "paused"
