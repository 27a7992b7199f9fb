"""A clinic's first start: what this installation still needs before it can look after a patient.

Each step's state is read from what is really there (the staff accounts, devices.toml, recorded events),
never from a separate "done" flag that could disagree with it. The steps are recorded as audit events, so
who set the chair up, and whether the alarm sound was heard, is part of the record.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SITE_NAMED = "site_named"
SOUND_TESTED = "alarm_sound_tested"
BACKUP_FOLDER_SET = "backup_folder_set"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str  # what was done, or what is still missing and how to do it later
    required: bool  # the console cannot start on this bed without it


def _latest(audit, kind: str):
    found = audit.events(kinds=kind)
    return found[-1] if found else None


def setup_steps(data_dir: Path, audit, staff) -> list[Step]:
    from console import device_config

    site = _latest(audit, SITE_NAMED)
    sound = _latest(audit, SOUND_TESTED)
    backup = _latest(audit, BACKUP_FOLDER_SET)
    try:
        devices = device_config.load(data_dir)
        device_text = (", ".join(f"{a.role}: {a.driver}" for a in devices.assignments.values())
                       if devices and devices.assignments else "")
    except device_config.DeviceConfigError as exc:  # a broken file is itself what the set-up must show
        device_text, devices = "", None
        device_problem = str(exc)
    else:
        device_problem = ""
    return [
        Step("site", "Clinic and chair", site is not None,
             f"{site.payload['clinic']} — {site.payload['chair']}" if site else "Still missing: the clinic's "
             "name and this chair's name (shown on reports and at the central station).", False),
        Step("admin", "Administrator account", not staff.needs_first_admin(),
             "An administrator exists; they create the nurses' accounts from the Session panel."
             if not staff.needs_first_admin() else "Still missing: the first administrator's account.", True),
        Step("devices", "This chair's devices", bool(device_text),
             device_text or (f"The device file has a mistake: {device_problem}" if device_problem else
                             "Still missing: which monitor, oximeter and pump this chair uses (a biomed's job)."),
             True),
        Step("sound", "Alarm sound test", bool(sound and sound.payload.get("heard")),
             ("Heard at this chair." if sound.payload.get("heard") else
              f"NOT heard ({sound.payload.get('detail') or 'no reason given'}): fix the speaker, then test again.")
             if sound else "Still missing: play an alarm and confirm it is heard at the chair and the desk.", False),
        Step("backup", "Where backups go", backup is not None,
             backup.payload["folder"] if backup else "Still missing: a folder off this machine (USB disk, "
             "network share) for the weekly backup (`bedside-console backup --to FOLDER`).", False),
    ]


def missing(steps: list[Step], *, required_only: bool = False) -> list[Step]:
    return [s for s in steps if not s.done and (s.required or not required_only)]


def check_backup_folder(folder: Path) -> str | None:
    """Why a backup folder cannot be used, or None: it must exist and take a file."""
    if not folder.is_dir():
        return f"{folder} is not a folder that exists"
    probe = folder / ".bedside-console-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return f"cannot write in {folder} ({exc.strerror or exc})"
    return None
