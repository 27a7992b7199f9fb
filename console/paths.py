"""Where this installation keeps its database and configuration."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV = "BEDSIDE_CONSOLE_DATA"


def data_dir(override: str | None = None) -> Path:
    """`--data-dir` if given, else $BEDSIDE_CONSOLE_DATA, else the platform's user data directory."""
    chosen = override or os.environ.get(ENV) or platformdirs.user_data_dir("bedside-console", appauthor=False)
    return Path(chosen).expanduser()
