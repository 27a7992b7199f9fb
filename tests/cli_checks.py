"""What every failing command must look like to the person who typed it."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(result) -> str:
    """A non-zero exit, no traceback, and exactly one `bedside-console...` line on stderr; returns it."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [l for l in result.stderr.splitlines() if l.startswith("bedside-console")]
    assert len(lines) == 1, result.stderr
    return lines[0]
