"""Serial ports on this machine, with what a biomed needs to tell them apart (USB VID:PID, serial number)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from serial.tools import list_ports


@dataclass(frozen=True)
class PortInfo:
    device: str
    description: str
    vid_pid: str | None
    serial_number: str | None
    manufacturer: str | None
    location: str | None

    def to_json(self) -> dict:
        return asdict(self)


def list_serial_ports() -> list[PortInfo]:
    ports = []
    for p in sorted(list_ports.comports(include_links=False), key=lambda p: p.device):
        vid_pid = f"{p.vid:04X}:{p.pid:04X}" if p.vid is not None and p.pid is not None else None
        description = p.description if p.description and p.description != "n/a" else ""
        ports.append(PortInfo(p.device, description, vid_pid, p.serial_number, p.manufacturer, p.location))
    return ports
