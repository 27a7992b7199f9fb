"""Where the installation's data lives (design.md, "Records")."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir(override: str | None = None) -> Path:
    """`--data-dir` if given, else $BEDSIDE_CONSOLE_DATA, else the platform's user data directory."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("BEDSIDE_CONSOLE_DATA")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("bedside-console"))
