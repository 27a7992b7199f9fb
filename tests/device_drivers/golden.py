"""Reading golden byte vectors from tests/data: hex bytes per line, '#' starts a comment."""
from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def hex_lines(name: str) -> list[bytes]:
    """One bytes object per non-empty line of tests/data/NAME (comments stripped)."""
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            out.append(bytes.fromhex(text))
    return out


def hex_bytes(name: str) -> bytes:
    return b"".join(hex_lines(name))


def of_type(events, cls):
    return [e for e in events if isinstance(e, cls)]


def values(events) -> dict[str, float]:
    """metric -> value of the Measurements in events (the last one wins)."""
    from device_drivers.events import Measurement
    return {e.metric: e.value for e in events if isinstance(e, Measurement)}
