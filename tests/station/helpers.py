"""Beds and stations for the station tests: a real console on ptys, a real station window."""
from __future__ import annotations

from pathlib import Path

from console.app import build_console, demo_devices
from console.station.window import StationClient, StationWindow


def write_clinic(data_dir: Path, port: int, bed: str, **extra) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    lines = ["[station]", 'host = "127.0.0.1"', f"port = {port}", f'bed = "{bed}"']
    for key, value in extra.items():
        lines.append(f"{key} = {value!r}".replace("'", '"') if isinstance(value, str)
                     else f"{key} = {str(value).lower() if isinstance(value, bool) else value}")
    (data_dir / "clinic.toml").write_text("\n".join(lines) + "\n")


def start_bed(tmp_path: Path, port: int, bed: str = "chair-1", scenario: str = "normal", **extra):
    data = tmp_path / f"data-{bed}"
    write_clinic(data, port, bed, **extra)
    devices, sims = demo_devices(scenario)
    return build_console(str(data), devices, demo=True, simulators=sims, with_sound=False)


def start_station(qtbot, port: int, **kw) -> StationWindow:
    client = StationClient("127.0.0.1", port, station="desk", **kw)
    window = StationWindow(client, user="nurse at desk", with_sound=False)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window
